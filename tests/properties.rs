//! Invariants over randomly generated models (proptest): availability is a
//! probability, more redundancy never hurts, a shared dependency is never better
//! than private copies on redundant paths, and correlation never helps a design
//! whose redundancy it attacks.

use proptest::prelude::*;

use ninecheck::source::SourceFile;

#[derive(Clone, Debug)]
struct Comp {
    availability: f64,
    replicas: u32,
    min_healthy: u32,
    zones: Vec<usize>,
    common_cause: Option<f64>,
    /// (target offset, soft, fallback offset)
    calls: Vec<(usize, bool, Option<usize>)>,
    /// A parallel group over the next three components, needing `k` of them.
    quorum: Option<u32>,
}

#[derive(Clone, Debug)]
struct Spec {
    zones: Vec<f64>,
    comps: Vec<Comp>,
}

fn comp() -> impl Strategy<Value = Comp> {
    (
        0.5f64..0.99999,
        1u32..5,
        prop::collection::vec(0usize..3, 0..3),
        prop::option::of(0.0f64..0.3),
        prop::collection::vec((1usize..4, any::<bool>(), prop::option::of(1usize..4)), 0..3),
        any::<u32>(),
        prop::option::of(1u32..4),
    )
        .prop_map(|(availability, replicas, zones, cc, calls, seed, quorum)| {
            let min_healthy = 1 + seed % replicas;
            Comp {
                availability,
                replicas,
                min_healthy,
                zones,
                // Common cause only where it attacks redundancy (1-of-n).
                common_cause: cc.filter(|_| min_healthy == 1 && replicas > 1),
                calls,
                quorum,
            }
        })
}

fn spec() -> impl Strategy<Value = Spec> {
    (prop::collection::vec(0.99f64..0.99999, 3), prop::collection::vec(comp(), 1..7))
        .prop_map(|(zones, comps)| Spec { zones, comps })
}

fn yaml(spec: &Spec) -> String {
    let mut out = String::from("domains:\n  region: {availability: 99.99%}\n");
    for (i, z) in spec.zones.iter().enumerate() {
        out += &format!("  z{i}: {{parent: region, availability: {z}}}\n");
    }
    out += "components:\n";
    let n = spec.comps.len();
    for (i, c) in spec.comps.iter().enumerate() {
        out += &format!(
            "  c{i}:\n    availability: {}\n    replicas: {}\n    min_healthy: {}\n",
            c.availability, c.replicas, c.min_healthy
        );
        if !c.zones.is_empty() {
            let zones: Vec<String> = c.zones.iter().map(|z| format!("z{z}")).collect();
            out += &format!("    spread: [{}]\n", zones.join(", "));
        }
        if let Some(beta) = c.common_cause {
            out += &format!("    common_cause: {beta}\n");
        }
        // Calls only go to later components: the graph is acyclic by construction.
        let calls: Vec<String> = c
            .calls
            .iter()
            .filter(|(t, _, _)| i + t < n)
            .map(|(t, soft, fb)| {
                let fallback =
                    fb.filter(|f| i + f < n && f != t).map(|f| format!(", fallback: [c{}]", i + f)).unwrap_or_default();
                format!("{{to: c{}, soft: {soft}{fallback}}}", i + t)
            })
            .collect();
        let mut calls = calls;
        if let Some(k) = c.quorum.filter(|_| i + 3 < n) {
            calls.push(format!("{{parallel: [c{}, c{}, c{}], quorum: {k}}}", i + 1, i + 2, i + 3));
        }
        if !calls.is_empty() {
            out += &format!("    calls: [{}]\n", calls.join(", "));
        }
    }
    out += "flows:\n  f: {entry: c0}\n";
    out
}

fn unavailability(text: &str) -> (f64, f64, f64) {
    let checked =
        ninecheck::check_source(&SourceFile::new("p.yaml", text), "2026-12-03").expect("generated models are valid");
    let f = &checked.report.flows[0];
    (f.availability, f.unavailability, f.correlation_delta_nines)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn availability_is_a_probability(spec in spec()) {
        let (a, u, _) = unavailability(&yaml(&spec));
        prop_assert!((0.0..=1.0).contains(&a) && (0.0..=1.0).contains(&u));
        prop_assert!((a + u - 1.0).abs() < 1e-12, "a + u = {}", a + u);
    }

    #[test]
    fn adding_a_replica_never_lowers_availability(spec in spec(), pick in any::<usize>()) {
        let (_, before, _) = unavailability(&yaml(&spec));
        let mut more = spec.clone();
        let i = pick % more.comps.len();
        more.comps[i].replicas += 1;
        let (_, after, _) = unavailability(&yaml(&more));
        prop_assert!(after <= before * (1.0 + 1e-12) + 1e-300, "{before} → {after}");
    }

    #[test]
    fn adding_a_fallback_never_lowers_availability(spec in spec()) {
        let (_, before, _) = unavailability(&yaml(&spec));
        let mut more = spec.clone();
        let n = more.comps.len();
        for (i, c) in more.comps.iter_mut().enumerate() {
            for call in c.calls.iter_mut() {
                if call.2.is_none() && i + 3 < n && call.0 != 3 {
                    call.2 = Some(3);
                }
            }
        }
        let (_, after, _) = unavailability(&yaml(&more));
        prop_assert!(after <= before * (1.0 + 1e-12) + 1e-300, "{before} → {after}");
    }

    #[test]
    fn correlation_never_claims_fewer_nines_than_independence(spec in spec()) {
        let (_, _, delta) = unavailability(&yaml(&spec));
        prop_assert!(delta >= -1e-9, "delta {delta}");
    }

    #[test]
    fn a_shared_dependency_never_beats_private_copies(a in 0.5f64..0.9999, b in 0.5f64..0.9999, d in 0.5f64..0.9999, quorum in any::<bool>()) {
        let group = |left: &str, right: &str| {
            let call = if quorum { "[{parallel: [a, b], quorum: 1}]".to_string() } else { "[{to: a, fallback: [b]}]".to_string() };
            format!("components:
  top: {{availability: 100%, calls: {call}}}
  a: {{availability: {a}, calls: [{left}]}}
  b: {{availability: {b}, calls: [{right}]}}
  d1: {{availability: {d}}}
  d2: {{availability: {d}}}
flows:
  f: {{entry: top}}
")
        };
        let (_, shared, _) = unavailability(&group("d1", "d1"));
        let (_, private, _) = unavailability(&group("d1", "d2"));
        prop_assert!(shared >= private * (1.0 - 1e-12), "shared {shared} < private {private}");
    }
}

/// Independent check of the circuit: enumerate every up/down combination of the
/// components (and every domain state) and evaluate the call graph directly.
fn brute_force_unavailability(text: &str) -> f64 {
    use ninecheck::analysis::redundancy::{Assumptions, UnitModel};
    use ninecheck::model::{CallTarget, Model};
    let source = SourceFile::new("p.yaml", text);
    let model: Model = ninecheck::load(&source).expect("valid");
    let n = model.components.len();
    let d = model.domains.len();
    let units: Vec<UnitModel> = model.components.iter().map(|c| UnitModel::new(c, Assumptions::default())).collect();
    fn up(model: &Model, c: usize, x: &[bool]) -> bool {
        x[c] && model.components[c].calls.iter().filter(|call| !call.soft).all(|call| match &call.target {
            CallTarget::Single { to, fallback } => std::iter::once(to).chain(fallback).any(|t| up(model, t.value, x)),
            CallTarget::Parallel { to, quorum } => {
                let ok = to.iter().filter(|t| up(model, t.value, x)).count();
                ok >= quorum.as_ref().map_or(to.len(), |k| k.value as usize)
            }
        })
    }
    let mut down = 0.0;
    for domain_bits in 0u32..(1 << d) {
        let own_up = |i: usize| domain_bits & (1 << i) != 0;
        let mut p_domains = 1.0;
        for (i, domain) in model.domains.iter().enumerate() {
            p_domains *= if own_up(i) { domain.outage.availability } else { domain.outage.unavailability };
        }
        if p_domains == 0.0 {
            continue;
        }
        let effective_up = |i: usize| model.domain_chain(i).iter().all(|&a| own_up(a));
        let states: Vec<_> = (0..n)
            .map(|c| {
                let comp = &model.components[c];
                let effective = (0..comp.replicas.value as usize)
                    .filter(|&r| comp.replica_domain(r).is_none_or(effective_up))
                    .count();
                units[c].state(effective).prob
            })
            .collect();
        for bits in 0u32..(1 << n) {
            let x: Vec<bool> = (0..n).map(|c| bits & (1 << c) != 0).collect();
            if up(&model, model.flows[0].entry.value, &x) {
                continue;
            }
            let p: f64 = (0..n).map(|c| if x[c] { states[c].up } else { states[c].down }).product();
            down += p_domains * p;
        }
    }
    down
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    #[test]
    fn circuit_matches_brute_force_enumeration(spec in spec()) {
        let text = yaml(&spec);
        let (_, u, _) = unavailability(&text);
        let expected = brute_force_unavailability(&text);
        prop_assert!((u - expected).abs() <= 1e-12 * expected.max(1e-300) + 1e-300, "circuit {u} vs enumeration {expected}");
    }
}
