//! Golden tests: the queueing cases (Q-*) of shared/reference/cases.md section B,
//! checked against the published values with the published tolerances.
//! and Q-10 (fan-out and tail distributions) live with the latency-distribution code.
//! Little's law is asserted on every M/M/c solved here.

use ninecheck::analysis::queueing::{
    MMc, Unstable, erlang_b, erlang_c, expected_attempts, kingman_wait, littles_law_in_flight, mmc_wait_law,
    pollaczek_khinchine_wait, rtt_floor_s,
};

fn close(actual: f64, expected: f64, tol: f64) {
    assert!(
        (actual - expected).abs() <= tol,
        "expected {expected} ± {tol}, got {actual} (diff {:e})",
        actual - expected
    );
}

fn rel(actual: f64, expected: f64, tol: f64) {
    assert!(
        (actual - expected).abs() <= tol * expected.abs(),
        "expected {expected} (rel {tol}), got {actual} (rel diff {:e})",
        (actual - expected) / expected
    );
}

/// Solve an M/M/c and check Little's law on its outputs: L = λW and Lq = λWq.
fn solved(lambda: f64, mu: f64, servers: u64) -> MMc {
    let q = MMc::new(lambda, mu, servers).expect("stable queue");
    rel(q.mean_in_system(), littles_law_in_flight(lambda, q.mean_response()), 1e-12);
    rel(q.mean_queue(), littles_law_in_flight(lambda, q.mean_wait()), 1e-12);
    rel(q.mean_response(), q.mean_wait() + 1.0 / mu, 1e-15);
    q
}

/// PDQ "bank": M/M/4, λ = 0.35/min, 10 min mean service.
fn bank() -> MMc {
    solved(0.35, 0.1, 4)
}

#[test]
fn q_01() {
    let q = bank();
    rel(q.utilization(), 0.875, 1e-4);
    rel(q.mean_queue(), 5.1650, 1e-4);
    rel(q.mean_in_system(), 8.6650, 1e-4);
    rel(q.mean_wait(), 14.7572, 1e-4);
    rel(q.mean_response(), 24.7572, 1e-4);
    rel(q.p_wait(), 0.737861, 1e-4);
}

#[test]
fn q_01b() {
    // Percentiles of the sojourn time Wq + S, not of the wait alone.
    let q = bank();
    rel(q.response_quantile(0.50), 18.980, 1e-4);
    rel(q.response_quantile(0.90), 53.383, 1e-4);
    rel(q.response_quantile(0.99), 99.843, 1e-4);
    for (p, t) in [(0.50, 18.980), (0.90, 53.383), (0.99, 99.843)] {
        close(q.response_cdf(t), p, 1e-5);
    }
}

#[test]
fn q_02() {
    let q = solved(0.75, 1.0, 1);
    rel(q.mean_response(), 4.0, 1e-4);
    rel(q.response_quantile(0.50), 2.7726, 1e-4);
    rel(q.response_quantile(0.90), 9.2103, 1e-4);
    rel(q.response_quantile(0.99), 18.4207, 1e-4);
    rel(q.response_quantile(0.999), 27.6310, 1e-4);
}

/// 100 calls per 30 minutes, 180 s handling: A = 10 Erlangs, in seconds.
fn call_centre(agents: u64) -> MMc {
    solved(100.0 / 1800.0, 1.0 / 180.0, agents)
}

#[test]
fn q_03() {
    let q = call_centre(14);
    rel(q.p_wait(), 0.1741319, 1e-6);
    rel(q.wait_cdf(20.0), 0.8883500, 1e-6);
    rel(mmc_wait_law(&q).cdf(20.0), 0.8883500, 1e-6);
    // ASA is published to three figures (7.84 s); the exact value is C·180/(14 − 10).
    close(q.mean_wait(), 7.84, 0.005);
    rel(q.mean_wait(), 0.1741319 * 45.0, 1e-6);
}

#[test]
fn q_03b() {
    let p_wait = [0.6821, 0.4494, 0.2853, 0.1741, 0.1020];
    let service_level = [0.3896, 0.6402, 0.7956, 0.8884, 0.9415];
    for (i, agents) in (11..=15).enumerate() {
        let q = call_centre(agents);
        close(q.p_wait(), p_wait[i], 1e-3);
        close(1.0 - q.wait_sf(20.0), service_level[i], 1e-3);
    }
}

#[test]
fn q_04() {
    close(erlang_b(3, 10.0), 0.7320644, 1e-7);
}

#[test]
fn q_05() {
    // PDQ prints "Erlang C = 6.85" here; an overloaded queue must never give a number.
    assert_eq!(erlang_c(3, 10.0), None);
    match MMc::new(10.0, 1.0, 3) {
        Err(Unstable { utilization }) => rel(utilization, 10.0 / 3.0, 1e-15),
        Ok(q) => panic!("unstable queue accepted: {q:?}"),
    }
    assert_eq!(erlang_c(3, 3.0), None, "ρ = 1 is unstable too");
    assert!(MMc::new(3.0, 1.0, 3).is_err());
}

#[test]
fn q_06() {
    rel(erlang_c(1000, 950.0).unwrap(), 0.0682534, 1e-6);
    let q = solved(950.0, 1.0, 1000);
    rel(q.p_wait(), 0.0682534, 1e-6);
}

#[test]
fn q_07() {
    rel(erlang_c(100_000, 99_500.0).unwrap(), 0.0709062, 1e-6);
    let q = solved(99_500.0, 1.0, 100_000);
    rel(q.p_wait(), 0.0709062, 1e-6);
}

#[test]
fn q_11() {
    for (cs2, wq) in [(0.0, 1.5), (1.0, 3.0), (4.0, 7.5)] {
        close(pollaczek_khinchine_wait(0.75, 1.0, cs2).unwrap(), wq, 1e-9);
    }
    // Exponential service (cs² = 1) is M/M/1.
    close(solved(0.75, 1.0, 1).mean_wait(), 3.0, 1e-9);
    assert_eq!(pollaczek_khinchine_wait(1.0, 1.0, 1.0), None);
}

#[test]
fn q_12() {
    close(kingman_wait(0.9, 1.0, 0.25, 1.0).unwrap(), 5.625, 1e-9);
    assert_eq!(kingman_wait(1.0, 1.0, 0.25, 1.0), None);
}

#[test]
fn q_13() {
    close(expected_attempts(0.01, 3), 1.0101, 1e-4);
    close(expected_attempts(0.5, 3), 1.75, 1e-4);
    close(expected_attempts(0.9, 3), 2.71, 1e-4);
    assert_eq!(expected_attempts(1.0, 3), 3.0);
    assert_eq!(expected_attempts(0.0, 3), 1.0);
    assert_eq!(expected_attempts(0.7, 1), 1.0);
}

#[test]
fn q_14() {
    let q = bank();
    rel(littles_law_in_flight(0.35, q.mean_response()), 8.665, 1e-4);
    rel(q.mean_in_system(), 8.665, 1e-4);
}

#[test]
fn q_15() {
    close(rtt_floor_s(5570.0), 0.0546, 0.0005);
}
