//! Closed-form cross-checks and invariants of the queueing math: M/M/1 sojourn is
//! Exp(μ − λ), the M/M/c laws integrate to their means, quantiles invert the CDF,
//! and (proptest) Erlang B/C and the M/M/c means behave monotonically and never
//! produce NaN for any input.

use proptest::prelude::*;

use ninecheck::analysis::queueing::{
    MMc, WaitLaw, allen_cunneen_wait, erlang_b, erlang_c, expected_attempts, gg_wait_law, kingman_wait,
    littles_law_in_flight, mmc_wait_law, pollaczek_khinchine_wait, rtt_floor_s,
};

fn rel(actual: f64, expected: f64, tol: f64) {
    assert!(
        (actual - expected).abs() <= tol * expected.abs(),
        "expected {expected} (rel {tol}), got {actual} (rel diff {:e})",
        (actual - expected) / expected
    );
}

/// Composite Simpson's rule over [a, b] with n (even) intervals.
fn simpson(f: impl Fn(f64) -> f64, a: f64, b: f64, n: usize) -> f64 {
    let h = (b - a) / n as f64;
    let inner: f64 = (1..n).map(|i| f(a + i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 }).sum();
    (f(a) + f(b) + inner) * h / 3.0
}

/// Little's law, L = λW and Lq = λWq, to rounding (with an absolute floor for
/// subnormal waits, where relative precision is gone).
fn little(q: &MMc) {
    for (l, w) in [(q.mean_in_system(), q.mean_response()), (q.mean_queue(), q.mean_wait())] {
        let expected = littles_law_in_flight(q.lambda, w);
        assert!((l - expected).abs() <= 1e-12 * expected + 1e-290, "{q:?}: L = {l}, λW = {expected}");
    }
}

/// Queues covering light and heavy load, one and many servers, and cμ − λ = μ exactly.
fn queues() -> Vec<MMc> {
    [(0.35, 0.1, 4), (0.75, 1.0, 1), (1.0, 1.0, 2), (9.0, 1.0, 10), (0.1, 1.0, 3), (95.0, 1.0, 100)]
        .into_iter()
        .map(|(l, m, c)| MMc::new(l, m, c).unwrap())
        .collect()
}

#[test]
fn mm1_response_is_exponential() {
    for (lambda, mu) in [(0.75, 1.0), (0.1, 1.0), (0.99, 1.0), (3.0, 7.0)] {
        let q = MMc::new(lambda, mu, 1).unwrap();
        little(&q);
        let r = mu - lambda;
        rel(q.mean_response(), 1.0 / r, 1e-12);
        for t in [0.0, 0.01, 0.5, 1.0, 3.0, 10.0, 40.0] {
            let t = t / r;
            assert!((q.response_cdf(t) - (1.0 - (-r * t).exp())).abs() < 1e-14, "t = {t}");
            if t > 0.0 {
                rel(q.response_sf(t), (-r * t).exp(), 1e-12);
            }
        }
        for p in [0.1f64, 0.5, 0.9, 0.99, 0.999, 0.999_999] {
            rel(q.response_quantile(p), -(-p).ln_1p() / r, 1e-10);
        }
    }
}

#[test]
fn wait_sf_integrates_to_mean_wait() {
    for q in queues() {
        little(&q);
        let theta = q.servers as f64 * q.mu - q.lambda;
        let end = 60.0 / theta;
        let integral = simpson(|t| q.wait_sf(t), 0.0, end, 20_000);
        rel(integral, q.mean_wait(), 1e-9);
    }
}

#[test]
fn response_sf_integrates_to_mean_response() {
    for q in queues() {
        let slowest = (q.servers as f64 * q.mu - q.lambda).min(q.mu);
        let end = 80.0 / slowest;
        let integral = simpson(|t| q.response_sf(t), 0.0, end, 40_000);
        rel(integral, q.mean_response(), 1e-9);
    }
}

#[test]
fn response_cdf_matches_numerical_convolution() {
    // P(Wq + S ≤ t) = (1 − C)(1 − e^{−μt}) + C ∫₀ᵗ θe^{−θs}(1 − e^{−μ(t−s)}) ds.
    for q in queues() {
        let c = q.p_wait();
        let theta = q.servers as f64 * q.mu - q.lambda;
        for t in [0.3, 1.0, 5.0, 20.0].map(|x| x / q.mu) {
            let tail = simpson(|s| theta * (-theta * s).exp() * (1.0 - (-q.mu * (t - s)).exp()), 0.0, t, 40_000);
            let expected = (1.0 - c) * (1.0 - (-q.mu * t).exp()) + c * tail;
            assert!((q.response_cdf(t) - expected).abs() < 1e-10, "{q:?} t = {t}: {} vs {expected}", q.response_cdf(t));
        }
    }
}

#[test]
fn equal_rates_are_continuous() {
    // cμ − λ = μ exactly (M/M/2, λ = μ = 1) against its neighbours.
    let exact = MMc::new(1.0, 1.0, 2).unwrap();
    for lambda in [1.0 - 1e-7, 1.0 + 1e-7] {
        let near = MMc::new(lambda, 1.0, 2).unwrap();
        for t in [0.1, 1.0, 4.0, 15.0] {
            assert!((exact.response_cdf(t) - near.response_cdf(t)).abs() < 1e-6);
        }
    }
}

#[test]
fn quantiles_invert_the_cdf() {
    for q in queues() {
        // Where the CDF is within 1e-6 of 1 the round trip through p is ill-conditioned.
        for t in [0.05, 0.5, 1.0, 2.0, 8.0, 30.0].map(|x| x / q.mu).into_iter().filter(|&t| q.response_sf(t) > 1e-6) {
            let p = q.response_cdf(t);
            rel(q.response_quantile(p), t, 1e-8);
        }
        let c = q.p_wait();
        assert_eq!(q.wait_quantile(1.0 - c - 1e-9), 0.0);
        for p in [0.9, 0.99, 0.9999] {
            if p > 1.0 - c {
                let t = q.wait_quantile(p);
                rel(q.wait_sf(t), 1.0 - p, 1e-9);
            }
        }
        let law = mmc_wait_law(&q);
        for t in [0.0, 1.0, 10.0] {
            rel(law.sf(t), q.wait_sf(t), 1e-12);
        }
        for p in [0.5, 0.95, 0.999] {
            assert!((law.quantile(p) - q.wait_quantile(p)).abs() <= 1e-12 * (1.0 + q.wait_quantile(p)));
        }
        assert_eq!(q.response_quantile(0.0), 0.0);
        assert_eq!(q.response_quantile(1.0), f64::INFINITY);
    }
}

#[test]
fn gg_law_reduces_to_mmc_for_exponential() {
    for q in queues() {
        let law = gg_wait_law(q.lambda, 1.0 / q.mu, q.servers, 1.0, 1.0).unwrap();
        rel(law.mean_wait, q.mean_wait(), 1e-12);
        rel(law.p_wait, q.p_wait(), 1e-12);
        rel(allen_cunneen_wait(q.lambda, 1.0 / q.mu, q.servers, 1.0, 1.0).unwrap(), q.mean_wait(), 1e-12);
        // The law's mean is the Allen–Cunneen mean.
        let theta = law.p_wait / law.mean_wait;
        rel(simpson(|t| law.sf(t), 0.0, 60.0 / theta, 20_000), law.mean_wait, 1e-9);
    }
    assert_eq!(gg_wait_law(3.0, 1.0, 3, 1.0, 0.5), None);
}

#[test]
fn erlang_c_is_stable_far_beyond_1e5_servers() {
    let c = erlang_c(2_000_000, 1_990_000.0).unwrap();
    assert!(c > 0.0 && c < 1.0, "{c}");
    // Far above the load the blocking probability underflows to 0, and stays exact 0.
    assert_eq!(erlang_b(1_000_000, 10.0), 0.0);
}

fn finite_or_inf(x: f64) -> bool {
    !x.is_nan()
}

proptest! {
    #[test]
    fn erlang_b_is_a_probability_decreasing_in_servers(servers in 0u64..400, offered in 0.0f64..500.0) {
        let b = erlang_b(servers, offered);
        let next = erlang_b(servers + 1, offered);
        prop_assert!((0.0..=1.0).contains(&b));
        prop_assert!(next <= b * (1.0 + 1e-12) + 1e-300, "B({}) = {next} > B({servers}) = {b}", servers + 1);
    }

    #[test]
    fn erlang_c_dominates_erlang_b(servers in 1u64..400, load in 0.0f64..0.9999) {
        let offered = load * servers as f64;
        let c = erlang_c(servers, offered).unwrap();
        prop_assert!(c >= erlang_b(servers, offered));
        prop_assert!(c <= 1.0);
    }

    #[test]
    fn more_servers_wait_less(servers in 1u64..300, load in 0.01f64..0.9999, mu in 0.01f64..100.0) {
        let lambda = load * servers as f64 * mu;
        let q = MMc::new(lambda, mu, servers).unwrap();
        let more = MMc::new(lambda, mu, servers + 1).unwrap();
        little(&q);
        prop_assert!(more.p_wait() <= q.p_wait() * (1.0 + 1e-12));
        prop_assert!(more.mean_wait() <= q.mean_wait() * (1.0 + 1e-12));
        prop_assert!(more.mean_response() <= q.mean_response() * (1.0 + 1e-12));
    }

    #[test]
    fn response_quantile_round_trips(servers in 1u64..50, load in 0.01f64..0.99, p in 0.001f64..0.999) {
        let q = MMc::new(load * servers as f64, 1.0, servers).unwrap();
        let t = q.response_quantile(p);
        prop_assert!(t.is_finite() && t > 0.0);
        prop_assert!((q.response_cdf(t) - p).abs() < 1e-9);
    }

    #[test]
    fn never_nan(a in any::<f64>(), b in any::<f64>(), c in any::<f64>(), d in any::<f64>(),
                 servers in prop_oneof![0u64..20, any::<u64>().prop_map(|s| s % 5000)], tries in any::<u32>()) {
        prop_assert!(finite_or_inf(rtt_floor_s(a)));
        prop_assert!(finite_or_inf(expected_attempts(a, tries)));
        prop_assert!(finite_or_inf(erlang_b(servers, a)));
        prop_assert!(erlang_c(servers, a).is_none_or(|x| (0.0..=1.0).contains(&x)));
        prop_assert!(littles_law_in_flight(a, b) >= 0.0);
        for x in [allen_cunneen_wait(a, b, servers, c, d), kingman_wait(a, b, c, d), pollaczek_khinchine_wait(a, b, c)] {
            prop_assert!(x.is_none_or(|x| x.is_finite() && x >= 0.0));
        }
        if let Some(law) = gg_wait_law(a, b, servers, c, d) {
            prop_assert!(law.p_wait.is_finite() && law.mean_wait.is_finite());
        }
        let law = WaitLaw { p_wait: a, mean_wait: b };
        for x in [law.sf(c), law.cdf(c), law.quantile(d)] {
            prop_assert!(finite_or_inf(x));
        }
        // Hand-built queues, valid or not, and the constructor.
        let q = MMc { lambda: a, mu: b, servers };
        if let Err(e) = MMc::new(a, b, servers) {
            prop_assert!(!e.utilization.is_nan());
            if !e.utilization.is_nan() && e.utilization.is_finite() {
                prop_assert!(e.utilization >= 1.0);
            }
        }
        for x in [q.utilization(), q.p_wait(), q.mean_queue(), q.mean_in_system(), q.mean_wait(), q.mean_response(),
                  q.wait_sf(c), q.response_cdf(c), q.response_quantile(d), q.wait_quantile(d)] {
            prop_assert!(finite_or_inf(x), "{q:?} c = {c} d = {d}");
        }
        let w = mmc_wait_law(&q);
        prop_assert!(finite_or_inf(w.p_wait) && finite_or_inf(w.mean_wait));
    }

    #[test]
    fn never_nan_on_stable_queues(servers in 1u64..2000, load in 0.0f64..1.0, mu in any::<f64>(), t in any::<f64>(), p in any::<f64>()) {
        let lambda = load * servers as f64 * mu;
        if let Ok(q) = MMc::new(lambda, mu, servers) {
            for x in [q.p_wait(), q.mean_queue(), q.mean_in_system(), q.mean_wait(), q.mean_response(),
                      q.wait_sf(t), q.response_cdf(t), q.response_sf(t), q.response_quantile(p), q.wait_quantile(p)] {
                prop_assert!(!x.is_nan(), "{q:?} t = {t} p = {p}");
            }
            // Means may overflow to ∞ at rates near the f64 limits, but are never negative.
            prop_assert!(q.mean_wait() >= 0.0 && q.mean_response() >= 0.0);
        }
    }
}
