//! Load and latency through the whole pipeline (YAML → model → analysis), pinned to
//! closed forms and published queueing cases, plus a seeded Monte Carlo of the
//! request semantics (timeouts, retries, hedges, fan-out).

use ninecheck::analysis::load::{Level, LoadReport};
use ninecheck::source::SourceFile;
use ninecheck::{Checked, check_source};

fn check(yaml: &str) -> Checked {
    let source = SourceFile::new("test.yaml", yaml);
    match check_source(&source, "2026-12-03") {
        Ok(checked) => checked,
        Err(d) => panic!("model rejected: {}", ninecheck::render::human::diagnostics(&source, &d, false)),
    }
}

fn load(checked: &Checked) -> &LoadReport {
    checked.report.load.as_ref().expect("the model states load")
}

fn rel(actual: f64, expected: f64, tol: f64) {
    assert!(
        ((actual - expected) / expected).abs() <= tol,
        "{actual} differs from {expected} by more than {tol} relative"
    );
}

fn rules(checked: &Checked) -> Vec<&'static str> {
    checked.findings.iter().filter(|d| d.waived.is_none()).map(|d| d.rule).collect()
}

/// Q-01b through the pipeline: M/M/4, λ = 0.35/min, mean service 10 min.
#[test]
fn q_01b_mmc_response_percentiles_end_to_end() {
    let c = check(
        "traffic: {rate: 0.35/min}\n\
         components:\n  bank: {availability: 100%, replicas: 1, workers: 4, latency: {exponential: {mean: 10min}}}\n\
         flows:\n  visit: {entry: bank}\n",
    );
    let l = load(&c);
    let p = &l.flows[0].mean;
    rel(p.p50.unwrap(), 18.980 * 60.0, 1e-3);
    rel(p.p90.unwrap(), 53.383 * 60.0, 1e-3);
    rel(p.p99.unwrap(), 99.843 * 60.0, 1e-3);
    let bank = &l.components[0].mean;
    rel(bank.utilization.unwrap(), 0.875, 1e-12);
    // mean response 24.7572 min; Q-14: L = λW = 8.665.
    rel(bank.mean_response_s.unwrap(), 24.7572 * 60.0, 1e-3);
    rel(bank.in_flight.unwrap(), 8.665, 1e-3);
}

/// Q-02 through the pipeline: M/M/1, λ = 0.75/s, service 1 s.
#[test]
fn q_02_mm1_end_to_end() {
    let c = check(
        "traffic: {rate: 0.75/s}\n\
         components:\n  server: {availability: 100%, workers: 1, latency: {exponential: {mean: 1s}}}\n\
         flows:\n  open: {entry: server}\n",
    );
    let p = &load(&c).flows[0].mean;
    rel(p.mean.unwrap(), 4.0, 2e-3);
    rel(p.p50.unwrap(), 2.7726, 1e-3);
    rel(p.p90.unwrap(), 9.2103, 1e-3);
    rel(p.p99.unwrap(), 18.4207, 1e-3);
    rel(p.p999.unwrap(), 27.6310, 2e-3);
}

/// Q-10b through the pipeline: a fan-out to 10 lognormal leaves (p50 10, p99 50).
#[test]
fn q_10b_fanout_end_to_end() {
    let c = check(
        "components:\n  root: {availability: 100%, calls: [{to: leaf, fanout: 10}]}\n\
         \x20 leaf: {availability: 100%, latency: {p50: 10ms, p99: 50ms}}\n\
         flows:\n  q: {entry: root}\n",
    );
    let p = &load(&c).flows[0].mean;
    rel(p.p50.unwrap(), 0.028204, 2e-3);
    rel(p.p99.unwrap(), 0.084739, 2e-3);
}

/// Q-13 through the pipeline: expected attempts (1 − p³)/(1 − p) reach the target.
#[test]
fn q_13_retry_amplification_end_to_end() {
    for (error, attempts) in [("1%", 1.0101), ("50%", 1.75), ("90%", 2.71)] {
        let c = check(&format!(
            "traffic: {{rate: 100/s}}\n\
             components:\n  a: {{availability: 100%, calls: [{{to: b, retries: 2}}]}}\n\
             \x20 b: {{availability: 100%, error_rate: {error}}}\n\
             flows:\n  f: {{entry: a}}\n"
        ));
        let l = load(&c);
        rel(l.components[1].mean.arrival_rate, 100.0 * attempts, 1e-4);
    }
}

/// Residual transient errors after retries are part of availability: p³ of requests fail.
#[test]
fn transient_errors_after_retries_reduce_availability() {
    let c = check(
        "traffic: {rate: 100/s}\n\
         components:\n  a: {availability: 99.9%, calls: [{to: b, retries: 2}]}\n\
         \x20 b: {availability: 100%, error_rate: 10%}\n\
         flows:\n  f: {entry: a}\n",
    );
    let flow = &c.report.flows[0];
    rel(flow.transient_unavailability, 1e-3, 1e-9);
    // U = U_structure + A_structure · U_transient.
    rel(flow.unavailability, 1e-3 + 0.999 * 1e-3, 1e-9);
}

/// London ↔ New York over 5,570 km cannot answer in 50 ms.
#[test]
fn q_15_latency_floor_end_to_end() {
    let c = check(
        "components:\n  london: {availability: 100%, calls: [{to: newyork, distance: 5570km}]}\n\
         \x20 newyork: {availability: 100%, latency: {constant: 1ms}}\n\
         flows:\n  f: {entry: london, objective: {latency: {p50: 50ms}}}\n",
    );
    rel(load(&c).flows[0].network_floor_s, 0.0546, 5e-3);
    assert_eq!(rules(&c), ["physics/latency-floor"]);
    // A declared rtt under the floor of its declared distance is also reported.
    let c = check(
        "components:\n  london: {availability: 100%, calls: [{to: newyork, distance: 5570km, rtt: 40ms}]}\n\
         \x20 newyork: {availability: 100%}\n\
         flows:\n  f: {entry: london}\n",
    );
    assert_eq!(rules(&c), ["physics/latency-floor"]);
}

/// an unstable queue is saturated, never a number.
#[test]
fn saturation_is_unbounded_not_a_number() {
    let c = check(
        "traffic: {rate: 10/s}\n\
         components:\n  s: {availability: 100%, replicas: 1, workers: 3, latency: {exponential: {mean: 1s}}}\n\
         flows:\n  f: {entry: s, objective: {latency: {p99: 5s}}}\n",
    );
    let l = load(&c);
    assert!(l.components[0].mean.saturated());
    assert_eq!(l.flows[0].mean.p99, None);
    assert!(rules(&c).contains(&"capacity/saturated"));
    assert!(rules(&c).contains(&"slo/latency"));
    let help = c.findings.iter().find(|d| d.rule == "capacity/saturated").and_then(|d| d.help.clone()).unwrap();
    // 10 Erlang over 3 workers per replica: 4 replicas (12 servers) bring it below 100%.
    assert!(help.contains("1 → 4 replicas"), "{help}");
}

/// Little's law holds on every component of every example (L = λ·W).
#[test]
fn littles_law_on_every_component() {
    for path in ["examples/search-fanout.yaml"] {
        let text = std::fs::read_to_string(path).unwrap();
        let c = check(&text);
        for level in [Level::Mean, Level::Peak] {
            for comp in &load(&c).components {
                let l = comp.at(level);
                if let (Some(w), Some(n)) = (l.mean_response_s, l.in_flight) {
                    rel(n, l.arrival_rate * w, 1e-12);
                }
            }
        }
    }
}

mod monte_carlo {
    //! A direct simulation of the request semantics documented in docs/latency.md:
    //! the grid composition must agree within the simulation's confidence interval.

    use rand::{RngExt, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    use super::*;

    /// Standard normal by Box–Muller.
    fn normal(rng: &mut Xoshiro256PlusPlus) -> f64 {
        let u: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
        let v: f64 = rng.random();
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }

    fn lognormal(rng: &mut Xoshiro256PlusPlus, p50: f64, p99: f64) -> f64 {
        let sigma = (p99 / p50).ln() / 2.326_347_874_040_840_8;
        p50 * (sigma * normal(rng)).exp()
    }

    /// The sample quantile and a ±4σ band from the binomial order-statistic bounds.
    fn quantile_band(mut samples: Vec<f64>, p: f64) -> (f64, f64, f64) {
        samples.sort_by(f64::total_cmp);
        let n = samples.len() as f64;
        let half = 4.0 * (p * (1.0 - p) * n).sqrt();
        let at = |k: f64| samples[(k.clamp(0.0, n - 1.0)) as usize];
        (at(p * n - half), at(p * n), at(p * n + half))
    }

    fn assert_within(name: &str, grid: f64, samples: Vec<f64>, p: f64) {
        let (lo, mid, hi) = quantile_band(samples, p);
        // The band covers sampling error; 0.3% covers the grid's resolution.
        assert!(
            grid >= lo * 0.997 && grid <= hi * 1.003,
            "{name}: grid q{p} = {grid}, Monte Carlo {mid} in [{lo}, {hi}]"
        );
    }

    /// Sequential calls, a timeout with two retries and backoff, and a hedged call.
    #[test]
    fn retries_timeouts_hedges_match_simulation() {
        let c = check(
            "components:\n\
             \x20 front: {availability: 100%, latency: {p50: 2ms, p99: 10ms}, calls: [\n\
             \x20   {to: slow, timeout: 30ms, retries: 2, backoff: 5ms},\n\
             \x20   {to: fast, hedge: 8ms}]}\n\
             \x20 slow: {availability: 100%, latency: {p50: 10ms, p99: 60ms}}\n\
             \x20 fast: {availability: 100%, latency: {p50: 3ms, p99: 20ms}}\n\
             flows:\n  f: {entry: front}\n",
        );
        let grid = load(&c).flows[0].mean;
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let mut samples = Vec::new();
        let n = 400_000;
        while samples.len() < n {
            let mut t = lognormal(&mut rng, 0.002, 0.010);
            // Up to 3 tries of `slow`, each abandoned at 30 ms; backoff 5 ms then 10 ms.
            let mut answered = false;
            for attempt in 0..3 {
                let s = lognormal(&mut rng, 0.010, 0.060);
                if s <= 0.030 {
                    t += s;
                    answered = true;
                    break;
                }
                t += 0.030;
                if attempt < 2 {
                    t += 0.005 * f64::powi(2.0, attempt);
                }
            }
            if !answered {
                continue; // percentiles are those of successful requests
            }
            let first = lognormal(&mut rng, 0.003, 0.020);
            let second = 0.008 + lognormal(&mut rng, 0.003, 0.020);
            t += first.min(second);
            samples.push(t);
        }
        for (p, value) in [(0.5, grid.p50), (0.9, grid.p90), (0.99, grid.p99)] {
            assert_within("retries/hedge", value.unwrap(), samples.clone(), p);
        }
        // Lost requests: P(all three tries late) = P(slow > 30 ms)³, closed form.
        use statrs::distribution::{ContinuousCDF, Normal};
        let sigma = 6f64.ln() / 2.326_347_874_040_840_8;
        let late = Normal::new(0.0, 1.0).unwrap().sf(3f64.ln() / sigma);
        rel(c.report.flows[0].transient_unavailability, late.powi(3), 1e-2);
    }

    /// A parallel quorum (2 of 3) behind a probabilistic cache miss.
    #[test]
    fn quorum_and_probability_match_simulation() {
        let c = check(
            "components:\n\
             \x20 api: {availability: 100%, calls: [{to: cache}, {to: store, probability: 20%}]}\n\
             \x20 cache: {availability: 100%, latency: {exponential: {mean: 1ms}}}\n\
             \x20 store: {availability: 100%, calls: [{parallel: [r1, r2, r3], quorum: 2}]}\n\
             \x20 r1: {availability: 100%, latency: {p50: 5ms, p99: 40ms}}\n\
             \x20 r2: {availability: 100%, latency: {p50: 5ms, p99: 40ms}}\n\
             \x20 r3: {availability: 100%, latency: {p50: 8ms, p99: 30ms}}\n\
             flows:\n  f: {entry: api}\n",
        );
        let grid = load(&c).flows[0].mean;
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
        let samples: Vec<f64> = (0..400_000)
            .map(|_| {
                let u: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
                let mut t = -0.001 * u.ln();
                if rng.random::<f64>() < 0.2 {
                    let mut r = [
                        lognormal(&mut rng, 0.005, 0.040),
                        lognormal(&mut rng, 0.005, 0.040),
                        lognormal(&mut rng, 0.008, 0.030),
                    ];
                    r.sort_by(f64::total_cmp);
                    t += r[1];
                }
                t
            })
            .collect();
        for (p, value) in [(0.5, grid.p50), (0.9, grid.p90), (0.99, grid.p99), (0.999, grid.p999)] {
            assert_within("quorum/probability", value.unwrap(), samples.clone(), p);
        }
    }
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    /// A chain of `n` components with random lognormal latencies; component i calls
    /// i + 1 (fanned out when `fanout` > 1) and the last one queues behind `workers`.
    fn chain(latencies: &[(u32, u32)], fanout: u32, replicas: u32, extra_call: bool) -> String {
        let n = latencies.len();
        let mut yaml = String::from("traffic: {rate: 50/s, peak: 2x}\ncomponents:\n");
        for (i, (p50, spread)) in latencies.iter().enumerate() {
            yaml.push_str(&format!(
                "  c{i}: {{availability: 100%, replicas: {replicas}, workers: 4, latency: {{p50: {p50}ms, p99: {}ms}}",
                p50 + spread
            ));
            let mut calls = Vec::new();
            if i + 1 < n {
                calls.push(if fanout > 1 {
                    format!("{{to: c{}, fanout: {fanout}}}", i + 1)
                } else {
                    format!("c{}", i + 1)
                });
            }
            if extra_call && i == 0 {
                calls.push("extra".to_string());
            }
            if !calls.is_empty() {
                yaml.push_str(&format!(", calls: [{}]", calls.join(", ")));
            }
            yaml.push_str("}\n");
        }
        yaml.push_str("  extra: {availability: 100%, latency: {p50: 1ms, p99: 4ms}}\n");
        yaml.push_str("flows:\n  f: {entry: c0}\n");
        yaml
    }

    fn percentiles(yaml: &str, level: Level) -> [Option<f64>; 4] {
        let c = check(yaml);
        let p = *load(&c).flows[0].at(level);
        [p.p50, p.p90, p.p99, p.p999]
    }

    /// Whether every service time is resolved by the even grid. Where it is not, nines
    /// warns (`latency/resolution`) that percentiles through it are approximate, and
    /// they may move by a grid step with any change: no ordering is promised there.
    fn resolved(yaml: &str) -> bool {
        check(yaml).findings.iter().all(|d| d.rule != "latency/resolution")
    }

    fn latencies() -> impl Strategy<Value = Vec<(u32, u32)>> {
        prop::collection::vec((1u32..20, 1u32..40), 1..4)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

        #[test]
        fn percentiles_are_ordered(l in latencies(), fanout in 1u32..5) {
            for level in [Level::Mean, Level::Peak] {
                let p = percentiles(&chain(&l, fanout, 8, false), level);
                let values: Vec<f64> = p.iter().map(|v| v.unwrap_or(f64::INFINITY)).collect();
                prop_assert!(values.windows(2).all(|w| w[0] <= w[1]), "{:?}", values);
            }
        }

        #[test]
        fn a_sequential_call_never_lowers_a_percentile(l in latencies(), fanout in 1u32..4) {
            prop_assume!(resolved(&chain(&l, fanout, 8, true)));
            let without = percentiles(&chain(&l, fanout, 8, false), Level::Peak);
            let with = percentiles(&chain(&l, fanout, 8, true), Level::Peak);
            for (a, b) in without.iter().zip(&with) {
                let (a, b) = (a.unwrap_or(f64::INFINITY), b.unwrap_or(f64::INFINITY));
                prop_assert!(b >= a * (1.0 - 2e-3), "{} < {}", b, a);
            }
        }

        #[test]
        fn more_replicas_never_raise_latency(l in latencies(), replicas in 1u32..6) {
            prop_assume!(resolved(&chain(&l, 2, replicas, false)));
            let fewer = percentiles(&chain(&l, 2, replicas, false), Level::Peak);
            let more = percentiles(&chain(&l, 2, replicas + 1, false), Level::Peak);
            for (a, b) in fewer.iter().zip(&more) {
                let (a, b) = (a.unwrap_or(f64::INFINITY), b.unwrap_or(f64::INFINITY));
                prop_assert!(b <= a * (1.0 + 2e-3), "{} > {}", b, a);
            }
        }
    }
}

/// The latency budget adds up to the flow's mean, also when timeouts cut tries short
/// (found by a user test: it once added untruncated service times).
#[test]
fn budget_adds_up_to_the_mean_with_timeouts() {
    let c = check(
        "traffic: {rate: 10/s}\n\
         components:\n  a: {availability: 99.9%, calls: [{to: b, timeout: 1s, retries: 2}]}\n\
         \x20 b: {availability: 99.9%, latency: {exponential: {mean: 1s}}}\n\
         flows:\n  f: {entry: a}\n",
    );
    let flow = &load(&c).flows[0];
    let total: f64 = flow.budget.iter().map(|b| b.mean_s).sum();
    rel(total, flow.mean.mean.unwrap(), 1e-3);
    // E[T | T ≤ 1 s] of Exp(1) plus the timed-out tries: the closed form of the mixture.
    let (p, tau) = (f64::exp(-1.0), 1.0);
    let ok = 1.0 - tau * p / (1.0 - p); // E[T | T ≤ τ] for Exp(1)
    let weights = [1.0 - p, p * (1.0 - p), p * p * (1.0 - p)];
    let expected: f64 =
        weights.iter().enumerate().map(|(j, w)| w * (j as f64 * tau + ok)).sum::<f64>() / weights.iter().sum::<f64>();
    rel(flow.mean.mean.unwrap(), expected, 2e-3);
}

/// A saturated flow has no mean, so no budget either (never a number).
#[test]
fn a_saturated_flow_has_no_budget() {
    let c = check(
        "traffic: {rate: 2/s}\n\
         components:\n  s: {availability: 100%, workers: 1, latency: {exponential: {mean: 1s}}}\n\
         flows:\n  f: {entry: s}\n",
    );
    let flow = &load(&c).flows[0];
    assert_eq!(flow.mean.mean, None);
    assert!(flow.budget.is_empty());
}

/// Throughput limit, headroom, pool and retry-storm findings against hand-computed values.
#[test]
fn capacity_findings_match_hand_computed_values() {
    // 1 replica × 4 workers at 10 ms mean service: 400/s. Objective 500/s → 2 replicas.
    let c = check(
        "traffic: {rate: 100/s, peak: 3x}\n\
         objectives: {headroom: 70%}\n\
         components:\n  api: {availability: 100%, workers: 4, connections: 1, latency: {exponential: {mean: 10ms}}}\n\
         flows:\n  f: {entry: api, objective: {throughput: 500/s}}\n",
    );
    let l = load(&c);
    let limit = l.flows[0].max_rate.as_ref().unwrap();
    rel(limit.rate, 400.0, 1e-12);
    let help = |rule: &str| c.findings.iter().find(|d| d.rule == rule).and_then(|d| d.help.clone()).unwrap();
    assert!(help("slo/throughput").contains("1 → 2 replicas"), "{}", help("slo/throughput"));
    // Peak 300/s × 10 ms / 4 = 75% > 70%: ⌈300 × 0.01 / (4 × 0.7)⌉ = 2 replicas.
    rel(l.components[0].peak.utilization.unwrap(), 0.75, 1e-12);
    assert!(help("capacity/headroom").contains("1 → 2 replicas"), "{}", help("capacity/headroom"));
    // Little's law at peak: 300/s × W(M/M/4 at ρ 0.75) in flight, above 1 connection.
    assert!(rules(&c).contains(&"capacity/pool"));

    // 3 tries at each of three layers: 27 attempts at the bottom when it fails.
    let c = check(
        "components:\n  a: {availability: 100%, calls: [{to: b, retries: 2}]}\n\
         \x20 b: {availability: 100%, calls: [{to: c, retries: 2}]}\n\
         \x20 c: {availability: 100%, calls: [{to: d, retries: 2}]}\n\
         \x20 d: {availability: 100%, latency: {constant: 1ms}}\n\
         flows:\n  f: {entry: a}\n",
    );
    assert_eq!(load(&c).flows[0].worst_amplification.0, 27.0);
    assert!(rules(&c).contains(&"capacity/retry-amplification"));
}

/// Hedged requests are load: with no timeout and no error, the hedge's share
/// (P(attempt slower than the delay) = e^(−10/10) for exponential 10 ms) must still
/// reach the callee. Found by a user: 1,400/s arrived instead of ≈ 1,915/s.
#[test]
fn hedges_add_load_without_timeouts() {
    let c = check(
        "traffic: {rate: 1000/s}\n\
         components:\n  api: {availability: 100%, calls: [{to: db, hedge: 10ms}]}\n  \
         db: {availability: 100%, replicas: 4, workers: 8, latency: {exponential: {mean: 10ms}}}\n\
         flows:\n  f: {entry: api}\n",
    );
    let l = load(&c);
    let db = &l.components[1].mean;
    // The hedge share is read from db's response time, which has a small queue wait
    // on top of its service: at least e^-1 and, at 1.37/32 Erlang per server, barely more.
    let share = db.arrival_rate / 1000.0 - 1.0;
    assert!((0.3678..0.40).contains(&share), "hedged share {share}");
}

/// A constant latency either beats a timeout or does not: it is not spread over its
/// grid cell (found by a user: `constant 40ms` under `timeout 45ms` lost 37.5%).
#[test]
fn a_constant_latency_against_a_timeout_is_all_or_nothing() {
    for (timeout, lost) in [("45ms", 0.0), ("40ms", 0.0), ("39ms", 1.0)] {
        let c = check(&format!(
            "components:\n  a: {{availability: 100%, calls: [{{to: c, timeout: {timeout}}}]}}\n  \
             c: {{availability: 100%, latency: {{constant: 40ms}}}}\n\
             flows:\n  f: {{entry: a}}\n"
        ));
        let f = &load(&c).flows[0];
        assert_eq!(1.0 - f.transient_success, lost, "timeout {timeout}");
        if lost == 0.0 {
            assert_eq!(f.mean.p50, Some(0.04), "timeout {timeout}");
            assert_eq!(f.mean.p99, Some(0.04), "timeout {timeout}");
        }
    }
}

/// A timeout far past where a call's time lies never fires: it changes no percentile
/// and loses nothing. (The grid's trimmed tail, ~1e-10 per service time, used to count
/// as timed out; the retry it caused spread the flow over 0–30 s and doubled its p50.)
#[test]
fn a_timeout_far_past_the_latency_never_fires() {
    let model = |call: &str| {
        format!(
            "traffic: {{rate: 10/s}}\ncomponents:\n  \
             a: {{availability: 100%, workers: 64, latency: {{p50: 300us, p99: 1200us}}, calls: [{call}]}}\n  \
             b: {{availability: 100%, workers: 64, latency: {{p50: 300us, p99: 1200us}}, calls: [c]}}\n  \
             c: {{availability: 100%, workers: 64, latency: {{p50: 300us, p99: 1200us}}}}\n\
             flows:\n  f: {{entry: a}}\n"
        )
    };
    let plain = check(&model("b"));
    let timed = check(&model("{to: b, timeout: 30s, retries: 1}"));
    let (plain, timed) = (&load(&plain).flows[0], &load(&timed).flows[0]);
    assert_eq!(timed.transient_success, 1.0);
    for (a, b) in [
        (plain.mean.p50, timed.mean.p50),
        (plain.mean.p99, timed.mean.p99),
        (plain.mean.p999, timed.mean.p999),
        (plain.mean.mean, timed.mean.mean),
    ] {
        // Equal up to where the sums' grid points fall: the timed call's grid is re-fitted
        // after truncation, and the flow's step (~13 ms / 4,096) is 1/400 of its p50.
        rel(b.unwrap(), a.unwrap(), 2.5e-3);
    }
}

/// A flow through many calls keeps a bounded mean: the tails trimmed off its grids add
/// up (21,000 visits × ~1e-10 here) but are not requests that never end. (They were
/// taken for them past 1e-6, and the mean and Little's law printed as unbounded.)
#[test]
fn many_calls_keep_a_bounded_mean() {
    let c = check(
        "components:\n  a: {availability: 100%, calls: [{to: b, count: 1000}]}\n  \
         b: {availability: 100%, latency: {exponential: {mean: 1ms}}, calls: [{to: c, count: 20}]}\n  \
         c: {availability: 100%, latency: {exponential: {mean: 1ms}}}\n\
         flows:\n  f: {entry: a}\n",
    );
    let f = &load(&c).flows[0];
    rel(f.mean.mean.expect("bounded"), 21.0, 1e-4);
    // A sum of 21,000 exponentials of 1 ms: Erlang, median ≈ (k − 1/3) ms.
    rel(f.mean.p50.unwrap(), 21.0 - 0.001 / 3.0, 2e-4);
    assert!(load(&c).components[0].mean.in_flight.is_some());
}

/// Requests lost to a saturated queue are downtime but not outages: the outage count and
/// mean duration are those of the failures alone (a user saw "mean outage 208 d").
#[test]
fn transient_loss_is_not_an_outage() {
    let model = |traffic: &str| {
        format!(
            "{traffic}components:\n  \
             api: {{availability: 99.99%, mttr: 1h, workers: 4, latency: {{exponential: {{mean: 10ms}}}}, \
             calls: [{{to: db, timeout: 50ms, retries: 2}}]}}\n  \
             db: {{availability: 99.99%, mttr: 1h, workers: 1, latency: {{exponential: {{mean: 10ms}}}}}}\n\
             flows:\n  f: {{entry: api}}\n"
        )
    };
    let idle = check(&model(""));
    let saturated = check(&model("traffic: {rate: 200/s}\n"));
    let (a, b) = (&idle.report.flows[0], &saturated.report.flows[0]);
    // Idle, three tries past 50 ms of an exponential of 10 ms: (e^-5)^3 are lost.
    rel(a.transient_unavailability, (-15.0f64).exp(), 1e-2);
    assert!(b.transient_unavailability > 0.99, "{}", b.transient_unavailability);
    assert_eq!(a.outages_per_year, b.outages_per_year);
    rel(b.mean_outage_s.unwrap(), a.mean_outage_s.unwrap(), 1e-12);
    rel(a.mean_outage_s.unwrap(), 3600.0, 1e-3);
}

/// The slo/latency label names the largest component with the mean its budget splits
/// (at mean load), and says so when the network round trips take more than it.
#[test]
fn the_latency_label_names_the_network_when_it_dominates() {
    let c = check(
        "traffic: {rate: 10/s, peak: 3x}\ncomponents:\n  \
         api: {availability: 100%, latency: {constant: 1ms}, calls: [{to: db, rtt: 20ms}]}\n  \
         db: {availability: 100%, latency: {constant: 2ms}}\n\
         flows:\n  f: {entry: api, objective: {latency: {p99: 21ms}}}\n",
    );
    let d = c.findings.iter().find(|d| d.rule == "slo/latency").expect("p99 23 ms misses 21 ms");
    let label = &d.secondary[0].message;
    assert_eq!(
        label,
        "`db` is the largest component: 2 ms of the mean 23 ms at mean load; network round trips take more: 20 ms"
    );
}

/// Constant times through a fallback or a retry stay atoms: no percentile above the
/// longest possible time (a mixture of 10 and 15 ms was put on a 10 ms step and read
/// p99 = 24 ms; found by a user).
#[test]
fn constants_through_fallbacks_and_retries_stay_exact() {
    let c = check(
        "components:\n  a: {availability: 100%, calls: [{to: b, fallback: [c]}]}\n  \
         b: {availability: 100%, error_rate: 20%, latency: {constant: 10ms}}\n  \
         c: {availability: 100%, latency: {constant: 5ms}}\nflows: {f: {entry: a}}\n",
    );
    let f = &load(&c).flows[0].mean;
    // 10 ms with probability 0.8, 15 ms with 0.2.
    rel(f.p50.unwrap(), 0.010, 2e-3);
    rel(f.p99.unwrap(), 0.015, 2e-3);
    rel(f.p999.unwrap(), 0.015, 2e-3);
    rel(f.mean.unwrap(), 0.011, 1e-9);
    let c = check(
        "components:\n  a: {availability: 100%, calls: [{to: b, retries: 1}]}\n  \
         b: {availability: 100%, error_rate: 10%, latency: {constant: 10ms}}\nflows: {f: {entry: a}}\n",
    );
    let f = &load(&c).flows[0].mean;
    // Given success: 10 ms with probability 0.9/0.99, 20 ms with 0.09/0.99.
    rel(f.p90.unwrap(), 0.010, 1e-2);
    rel(f.p99.unwrap(), 0.020, 2e-3);
    rel(f.p999.unwrap(), 0.020, 2e-3);
}

/// A timeout that fires for 4e-5 of tries cannot move the median (it moved 5%: the
/// truncated grid, refined, read as a staircase; found by the fourth user test).
#[test]
fn a_rarely_firing_timeout_keeps_the_median() {
    let p50 = |call: &str| {
        let c = check(&format!(
            "components:\n  a: {{availability: 100%, calls: [{call}]}}\n  \
             b: {{availability: 100%, latency: {{p50: 10ms, p99: 100ms}}}}\nflows: {{f: {{entry: a}}}}\n"
        ));
        load(&c).flows[0].mean.p50.unwrap()
    };
    let free = p50("b");
    for timeout in ["500ms", "1s", "2s"] {
        rel(p50(&format!("{{to: b, timeout: {timeout}}}")), free, 1e-3);
    }
    rel(free, 0.010, 1e-3);
}

/// A timeout that cuts off a real share of tries is a finding at the timeout, even with
/// no objective to fail (a user's 2 ms timeout on a 5 ms call left the flow 0% available
/// and the check clean); one past the tail is not.
#[test]
fn a_timeout_that_cuts_off_tries_is_reported_at_the_timeout() {
    let model = |timeout: &str| {
        format!(
            "components:\n  a: {{availability: 100%, calls: [{{to: b, timeout: {timeout}}}]}}\n  \
             b: {{availability: 100%, latency: {{exponential: {{mean: 10ms}}}}}}\nflows: {{f: {{entry: a}}}}\n"
        )
    };
    // P(T > 20 ms) = e^-2 = 13.5% for an exponential of mean 10 ms.
    let text = model("20ms");
    let c = check(&text);
    let d = c.findings.iter().find(|d| d.rule == "latency/timeout").expect("fires on 13.5%");
    assert_eq!(d.message, "the 20 ms timeout on `a` → `b` cuts off 13.5% of tries at mean load");
    let span = d.primary.as_ref().unwrap().span;
    assert_eq!(&text[span.start..span.start + span.len], "20ms");
    // e^-5 = 0.67%: below the 1% a guard timeout may fire.
    assert!(!rules(&check(&model("50ms"))).contains(&"latency/timeout"));
}

/// Percentiles are those of answered requests: a hard call made with probability 0.3
/// into a queue that never answers adds no time to the requests that succeed (its failed
/// tries were counted as 100 ms; fifth user test).
#[test]
fn a_probable_call_that_fails_adds_no_answered_time() {
    let c = check(
        "traffic: {rate: 400/s}\ncomponents:\n  \
         a: {availability: 100%, replicas: 2, calls: [{to: b, timeout: 100ms, probability: 30%}]}\n  \
         b: {availability: 100%, workers: 1, latency: {exponential: {mean: 20ms}}}\n\
         flows:\n  f: {entry: a}\n",
    );
    let f = &load(&c).flows[0];
    rel(f.transient_success, 0.7, 1e-9);
    assert_eq!(f.mean.p99, Some(0.0));
    assert_eq!(f.mean.mean, Some(0.0));
}

/// One replica of an active-passive pair serves (docs/model.md): 150/s at 10 ms on
/// one worker is 150% busy, whatever the replica count, and no replica fix is offered.
#[test]
fn a_standby_component_has_one_serving_replica() {
    let c = check(
        "traffic: {rate: 150/s}\n\
         components:\n  db: {availability: 99.9%, mttr: 1h, replicas: 2, standby: {failover: 60s, success: 99%}, \
         workers: 1, latency: {exponential: {mean: 10ms}}}\n\
         flows:\n  f: {entry: db}\n",
    );
    let db = &load(&c).components[0];
    assert_eq!(db.servers, Some(1));
    rel(db.mean.utilization.unwrap(), 1.5, 1e-12);
    let d = c.findings.iter().find(|d| d.rule == "capacity/saturated").expect("saturated");
    assert!(d.help.as_deref().is_some_and(|h| h.contains("active-passive")), "{:?}", d.help);
}

/// A service time the even grid cannot resolve is said to be approximate, at its
/// `latency` entry; one it resolves is not (p99/p50 = 10 is fine, 20 and 100 are not).
#[test]
fn too_wide_a_service_time_is_labelled_approximate() {
    let text = "components:\n  a: {availability: 99.9%, latency: {p50: 10ms, p99: 1s}}\n  \
                b: {availability: 99.9%, latency: {p50: 10ms, p99: 200ms}}\n  \
                c: {availability: 99.9%, latency: {p50: 10ms, p99: 100ms}}\n\
                flows: {f: {entry: a}, g: {entry: b}, h: {entry: c}}\n";
    let c = check(text);
    let source = SourceFile::new("test.yaml", text);
    let at: Vec<(usize, usize)> = c
        .findings
        .iter()
        .filter(|d| d.rule == "latency/resolution")
        .map(|d| source.line_col(d.primary.as_ref().unwrap().span.start))
        .collect();
    assert_eq!(at, [(2, 37), (3, 37)]);
}

/// Calls made parallel are proposed only when they can be written as one `parallel`
/// group of names: 3 × 40 ms in sequence miss a 50 ms p99, at once they take 40 ms;
/// with a timeout on one of them the group cannot be written, so it is not proposed.
#[test]
fn calls_are_proposed_parallel_only_when_they_can_be_written_so() {
    let model = |calls: &str| {
        format!(
            "components:\n  api: {{availability: 100%, calls: {calls}}}\n  \
             a: {{availability: 100%, latency: {{constant: 40ms}}}}\n  \
             b: {{availability: 100%, latency: {{constant: 40ms}}}}\n  \
             c: {{availability: 100%, latency: {{constant: 40ms}}}}\n\
             flows:\n  f: {{entry: api, objective: {{latency: {{p99: 50ms}}}}}}\n"
        )
    };
    let help = |c: &Checked| c.findings.iter().find(|d| d.rule == "slo/latency").and_then(|d| d.help.clone());
    let plain = check(&model("[a, b, c]"));
    let h = help(&plain).expect("a fix");
    assert!(h.contains("3 calls of `api` in parallel") && h.contains("p99 becomes 40 ms"), "{h}");
    let with_timeout = check(&model("[a, b, {to: c, timeout: 1s}]"));
    assert!(!help(&with_timeout).is_some_and(|h| h.contains("in parallel")), "{:?}", help(&with_timeout));
}
