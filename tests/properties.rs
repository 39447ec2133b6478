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
    )
        .prop_map(|(availability, replicas, zones, cc, calls, seed)| {
            let min_healthy = 1 + seed % replicas;
            Comp {
                availability,
                replicas,
                min_healthy,
                zones,
                // Common cause only where it attacks redundancy (1-of-n).
                common_cause: cc.filter(|_| min_healthy == 1 && replicas > 1),
                calls,
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
