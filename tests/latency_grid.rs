//! The latency grid against closed forms and seeded Monte Carlo, and its invariants
//! (proptest).
//!
//! Monte Carlo checks: with N samples the rank of the true p-quantile among them is
//! Binomial(N, p), so [x_(Np − 4σ), x_(Np + 4σ)] with σ = √(Np(1 − p)) contains it with
//! probability ≈ 1 − 6e-5; the grid quantile must fall in that interval widened by a
//! resolution term of 2 grid steps (of the result grid).

use ninecheck::analysis::distribution::ServiceTime;
use ninecheck::analysis::grid::{DEFAULT_BINS, Grid};
use proptest::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

const N_MC: usize = 1_000_000;
const PS: [f64; 4] = [0.5, 0.9, 0.99, 0.999];

struct Mc(Xoshiro256PlusPlus);

impl Mc {
    fn new(seed: u64) -> Mc {
        Mc(Xoshiro256PlusPlus::seed_from_u64(seed))
    }
    fn uniform(&mut self) -> f64 {
        self.0.random::<f64>()
    }
    fn exp(&mut self, mean: f64) -> f64 {
        -mean * (-self.uniform()).ln_1p()
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (1.0 - self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
    fn sample(&mut self, s: &ServiceTime) -> f64 {
        match *s {
            ServiceTime::Exponential { mean } => self.exp(mean),
            ServiceTime::Lognormal { mu, sigma } => (mu + sigma * self.normal()).exp(),
            ServiceTime::Constant { value } => value,
            _ => s.quantile(self.uniform()),
        }
    }
}

fn ln(p50: f64, p99: f64) -> ServiceTime {
    ServiceTime::lognormal_from_p50_p99(p50, p99).unwrap()
}

fn grid(s: &ServiceTime) -> Grid {
    Grid::from_service(s, DEFAULT_BINS)
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

/// Checks the grid's p50…p99.9 against N_MC draws of `draw`; returns the worst relative
/// difference to the sample quantile (for information).
fn check_mc(name: &str, g: &Grid, seed: u64, mut draw: impl FnMut(&mut Mc) -> f64) -> f64 {
    let mut mc = Mc::new(seed);
    let mut xs: Vec<f64> = (0..N_MC).map(|_| draw(&mut mc)).collect();
    xs.sort_by(f64::total_cmp);
    let n = N_MC as f64;
    let resolution = 2.0 * g.step;
    let mut worst: f64 = 0.0;
    for p in PS {
        let sd = (n * p * (1.0 - p)).sqrt();
        let lo = xs[(n * p - 4.0 * sd).floor() as usize];
        let hi = xs[((n * p + 4.0 * sd).ceil() as usize).min(N_MC - 1)];
        let point = xs[(n * p) as usize];
        let q = g.quantile(p);
        worst = worst.max(rel(q, point));
        assert!(
            q >= lo - resolution && q <= hi + resolution,
            "{name} p{p}: grid {q} outside MC [{lo}, {hi}] ± {resolution} (sample quantile {point})"
        );
    }
    eprintln!("{name}: worst |grid − MC| / MC over p50…p99.9 = {worst:.2e}");
    worst
}

#[test]
fn q08_fan_out_to_100_servers_each_slow_one_percent() {
    let server = Grid::mixture(&[(0.99, Grid::point(0.010)), (0.01, Grid::point(1.0))]);
    let fan = Grid::max_of(&vec![server; 100]);
    let p_slow = fan.sf(0.5);
    assert!((p_slow - (1.0 - 0.99f64.powi(100))).abs() < 1e-12, "{p_slow}");
    assert!((p_slow - 0.634).abs() < 5e-4);
}

#[test]
fn q09_max_of_iid_exponentials() {
    // Exact: F^N(t) = p ⇒ t = −ln(1 − p^{1/N}). Tolerance: 1e-3 relative, the grid's
    // stated accuracy (4096 cells over ~23 means; measured errors are ~1e-5).
    let e = grid(&ServiceTime::exponential(1.0).unwrap());
    let cases = [(10, 6.9032, 2.7036), (100, 9.2054, 4.9751), (1000, 11.5079, 7.2746)];
    for (n, p99, p50) in cases {
        let m = Grid::max_of(&vec![e.clone(); n]);
        for (p, reference) in [(0.99f64, p99), (0.5, p50)] {
            let exact = -(-(p.powf(1.0 / n as f64))).ln_1p();
            assert!(rel(exact, reference) < 1e-4, "reference check {n} {p}");
            let q = m.quantile(p);
            assert!(rel(q, exact) < 1e-3, "N {n} p{p}: grid {q} vs exact {exact}");
        }
    }
}

#[test]
fn q10b_max_over_ten_lognormal_leaves() {
    let leaf = ln(10.0, 50.0);
    let m = Grid::max_of(&vec![grid(&leaf); 10]);
    for (p, reference) in [(0.5, 28.204), (0.99, 84.739)] {
        let exact = leaf.quantile(f64::powf(p, 0.1));
        assert!(rel(exact, reference) < 5e-5, "{exact} vs {reference}");
        assert!(rel(m.quantile(p), exact) < 1e-3, "p{p}: grid {} vs {exact}", m.quantile(p));
    }
}

#[test]
fn sum_of_two_exponentials_is_hypoexponential() {
    let (a, b) = (1.0, 4.0); // rates
    let g = grid(&ServiceTime::exponential(1.0 / a).unwrap()).sum(&grid(&ServiceTime::exponential(1.0 / b).unwrap()));
    let sf = |t: f64| (b * (-a * t).exp() - a * (-b * t).exp()) / (b - a);
    for p in PS {
        let (mut lo, mut hi) = (0.0, 100.0);
        for _ in 0..200 {
            let mid = (lo + hi) / 2.0;
            if sf(mid) > 1.0 - p { lo = mid } else { hi = mid }
        }
        assert!(rel(g.quantile(p), lo) < 1e-3, "p{p}: {} vs {lo}", g.quantile(p));
    }
    assert!(rel(g.mean(), 1.25) < 1e-4, "{}", g.mean());
}

#[test]
fn sum_of_lognormals_with_hops_matches_monte_carlo() {
    let legs = [ln(10.0, 50.0), ln(3.0, 8.0), ln(25.0, 200.0)];
    let g = legs.iter().fold(Grid::point(0.0), |acc, s| acc.sum(&grid(s)).shift(0.4));
    check_mc("sum of lognormals", &g, 1, |mc| legs.iter().map(|s| mc.sample(s) + 0.4).sum());
}

#[test]
fn fan_out_max_of_sums_matches_monte_carlo() {
    let (a, b) = (ln(5.0, 20.0), ServiceTime::exponential(2.0).unwrap());
    let leg = grid(&a).sum(&grid(&b));
    let g = Grid::max_of(&vec![leg; 20]);
    check_mc("fan-out max", &g, 2, |mc| (0..20).map(|_| mc.sample(&a) + mc.sample(&b)).fold(0.0, f64::max));
}

#[test]
fn hedging_matches_monte_carlo() {
    let s = ln(10.0, 80.0);
    let delay = s.quantile(0.95);
    let g = grid(&s).hedge(delay);
    check_mc("hedge", &g, 3, |mc| mc.sample(&s).min(delay + mc.sample(&s)));
    assert!(g.quantile(0.99) < grid(&s).quantile(0.99));
}

#[test]
fn retries_with_timeout_match_monte_carlo() {
    // Up to three attempts; the first two time out at tau, the last one waits.
    let s = ln(10.0, 60.0);
    let tau = 30.0;
    let base = grid(&s);
    let (ok, q) = base.truncate_at(tau);
    let g = Grid::mixture(&[(1.0 - q, ok.clone()), (q * (1.0 - q), ok.shift(tau)), (q * q, base.shift(2.0 * tau))]);
    check_mc("retries", &g, 4, |mc| {
        let mut waited = 0.0;
        for attempt in 0..3 {
            let t = mc.sample(&s);
            if t <= tau || attempt == 2 {
                return waited + t;
            }
            waited += tau;
        }
        unreachable!()
    });
}

#[test]
fn quorum_two_of_three_matches_monte_carlo() {
    let parts = [ln(10.0, 50.0), ln(12.0, 30.0), ServiceTime::exponential(15.0).unwrap()];
    let g = Grid::order_statistic(&parts.iter().map(grid).collect::<Vec<_>>(), 2);
    check_mc("quorum 2 of 3", &g, 5, |mc| {
        let mut x: Vec<f64> = parts.iter().map(|s| mc.sample(s)).collect();
        x.sort_by(f64::total_cmp);
        x[1]
    });
    let min = Grid::order_statistic(&parts.iter().map(grid).collect::<Vec<_>>(), 1);
    check_mc("min of 3", &min, 6, |mc| parts.iter().map(|s| mc.sample(s)).fold(f64::INFINITY, f64::min));
}

fn service() -> impl Strategy<Value = ServiceTime> {
    prop_oneof![
        (0.001f64..10.0).prop_map(|m| ServiceTime::exponential(m).unwrap()),
        (0.001f64..10.0, 1.01f64..20.0).prop_map(|(p50, r)| ln(p50, p50 * r)),
        (0.3f64..20.0, 0.001f64..10.0).prop_map(|(k, m)| ServiceTime::gamma(k, m).unwrap()),
        (0.5f64..5.0, 0.001f64..10.0).prop_map(|(k, s)| ServiceTime::weibull(k, s).unwrap()),
        (0.0f64..5.0).prop_map(|v| ServiceTime::constant(v).unwrap()),
    ]
}

fn quantiles(g: &Grid) -> Vec<f64> {
    PS.iter().map(|&p| g.quantile(p)).collect()
}

fn total(g: &Grid) -> f64 {
    g.mass.iter().sum::<f64>() + g.beyond
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn compositions_keep_invariants(a in service(), b in service(), c in service(), w in 0.01f64..0.99, d in 0.0f64..3.0) {
        let (ga, gb, gc) = (Grid::from_service(&a, 512), Grid::from_service(&b, 512), Grid::from_service(&c, 512));
        let sum = ga.sum(&gb);
        let results = [
            sum.clone(),
            Grid::max_of(&[ga.clone(), gb.clone(), gc.clone()]),
            Grid::order_statistic(&[ga.clone(), gb.clone(), gc.clone()], 2),
            Grid::mixture(&[(w, ga.clone()), (1.0 - w, gc.clone())]),
            ga.hedge(d),
            ga.truncate_at(d).0,
            gc.shift(d),
            gb.sum_n(3),
        ];
        for g in &results {
            prop_assert!((total(g) - 1.0).abs() < 1e-9, "mass {} in {:?}", total(g), g.mass.len());
            prop_assert!(g.beyond >= 0.0 && g.mass.iter().all(|m| *m >= 0.0));
            let q = quantiles(g);
            prop_assert!(q.windows(2).all(|w| w[0] <= w[1]), "{:?}", q);
        }
        // Adding a non-negative time never lowers a quantile (beyond a grid step of the sum).
        for (qs, qa) in quantiles(&sum).iter().zip(quantiles(&ga)) {
            prop_assert!(*qs >= qa - sum.step, "{} < {}", qs, qa);
        }
        prop_assert!(rel(sum.mean(), ga.mean() + gb.mean()) < 1e-6, "{} vs {}", sum.mean(), ga.mean() + gb.mean());
        let shifted = gc.shift(d);
        prop_assert!((shifted.mean() - gc.mean() - d).abs() < 1e-6 * (gc.mean() + d) + 1e-12);
        // The max is at least each part, the min at most.
        let max = &results[1];
        for (qm, qa) in quantiles(max).iter().zip(quantiles(&ga)) {
            prop_assert!(*qm >= qa - max.step, "{} < {}", qm, qa);
        }
    }
}
