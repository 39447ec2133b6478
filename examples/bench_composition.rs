//! Timing and accuracy of the latency grid on a 50-component flow.
//!
//!     cargo run --release --example bench_composition            # timings + 10⁷-sample Monte Carlo
//!     cargo run --release --example bench_composition -- --no-mc # timings only
//!
//! The flow: 10 services in sequence (with network hops), a fan-out to 8 shards, 10 more
//! services, 2 services called with a timeout and up to 3 attempts, a fan-out to 10 cache
//! replicas, 6 services, a 2-of-3 quorum write and a hedged read: 50 components.

use std::time::Instant;

use ninecheck::analysis::distribution::ServiceTime;
use ninecheck::analysis::grid::{DEFAULT_BINS, Grid};
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

const HOP: f64 = 0.0003;

struct Flow {
    seq_a: Vec<ServiceTime>,
    shards: Vec<ServiceTime>,
    seq_b: Vec<ServiceTime>,
    retried: Vec<(ServiceTime, f64)>,
    cache: ServiceTime,
    seq_c: Vec<ServiceTime>,
    quorum: Vec<ServiceTime>,
    hedged: (ServiceTime, f64),
}

fn ln(p50_ms: f64, p99_ms: f64) -> ServiceTime {
    ServiceTime::lognormal_from_p50_p99(p50_ms / 1e3, p99_ms / 1e3).unwrap()
}

fn flow() -> Flow {
    let seq_a = (0..10).map(|i| ln(1.0 + i as f64 * 0.3, 4.0 + i as f64)).collect();
    let shards = (0..8).map(|i| ln(5.0 + i as f64 * 0.5, 25.0 + i as f64 * 2.0)).collect();
    let seq_b = (0..10)
        .map(|i| match i % 3 {
            0 => ServiceTime::exponential(0.002).unwrap(),
            1 => ServiceTime::erlang(3, 0.004).unwrap(),
            _ => ServiceTime::weibull(1.5, 0.003).unwrap(),
        })
        .collect();
    let retried = vec![(ln(8.0, 60.0), 0.030), (ln(3.0, 30.0), 0.015)];
    let cache = ln(0.5, 3.0);
    let seq_c = (0..6).map(|i| ln(2.0, 6.0 + i as f64)).collect();
    let quorum = vec![ln(4.0, 12.0), ln(4.5, 15.0), ln(6.0, 30.0)];
    let hedged = ln(3.0, 40.0);
    let delay = hedged.quantile(0.95);
    Flow { seq_a, shards, seq_b, retried, cache, seq_c, quorum, hedged: (hedged, delay) }
}

fn compose(f: &Flow, bins: usize) -> Grid {
    let g = |s: &ServiceTime| Grid::from_service(s, bins);
    let mut t = Grid::point(0.0);
    for s in &f.seq_a {
        t = t.sum(&g(s)).shift(HOP);
    }
    t = t.sum(&Grid::max_of(&f.shards.iter().map(g).collect::<Vec<_>>())).shift(HOP);
    for s in &f.seq_b {
        t = t.sum(&g(s)).shift(HOP);
    }
    for (s, tau) in &f.retried {
        let base = g(s);
        let (ok, q) = base.truncate_at(*tau);
        let r =
            Grid::mixture(&[(1.0 - q, ok.clone()), (q * (1.0 - q), ok.shift(*tau)), (q * q, base.shift(2.0 * tau))]);
        t = t.sum(&r).shift(HOP);
    }
    t = t.sum(&Grid::max_of(&vec![g(&f.cache); 10])).shift(HOP);
    for s in &f.seq_c {
        t = t.sum(&g(s)).shift(HOP);
    }
    t = t.sum(&Grid::order_statistic(&f.quorum.iter().map(g).collect::<Vec<_>>(), 2)).shift(HOP);
    t.sum(&g(&f.hedged.0).hedge(f.hedged.1))
}

struct Mc(Xoshiro256PlusPlus);

impl Mc {
    fn u(&mut self) -> f64 {
        self.0.random::<f64>()
    }
    fn sample(&mut self, s: &ServiceTime) -> f64 {
        match *s {
            ServiceTime::Exponential { mean } => -mean * (-self.u()).ln_1p(),
            ServiceTime::Lognormal { mu, sigma } => {
                let (a, b) = (1.0 - self.u(), self.u());
                (mu + sigma * (-2.0 * a.ln()).sqrt() * (std::f64::consts::TAU * b).cos()).exp()
            }
            ServiceTime::Gamma { shape, scale } if shape.fract() == 0.0 => {
                (0..shape as u32).map(|_| -scale * (-self.u()).ln_1p()).sum()
            }
            ServiceTime::Weibull { shape, scale } => scale * (-(-self.u()).ln_1p()).powf(1.0 / shape),
            _ => s.quantile(self.u()),
        }
    }
    fn flow(&mut self, f: &Flow) -> f64 {
        let mut t = 0.0;
        for s in &f.seq_a {
            t += self.sample(s) + HOP;
        }
        t += f.shards.iter().map(|s| self.sample(s)).fold(0.0, f64::max) + HOP;
        for s in &f.seq_b {
            t += self.sample(s) + HOP;
        }
        for (s, tau) in &f.retried {
            for attempt in 0..3 {
                let x = self.sample(s);
                if x <= *tau || attempt == 2 {
                    t += x;
                    break;
                }
                t += tau;
            }
            t += HOP;
        }
        t += (0..10).map(|_| self.sample(&f.cache)).fold(0.0, f64::max) + HOP;
        for s in &f.seq_c {
            t += self.sample(s) + HOP;
        }
        let mut q: Vec<f64> = f.quorum.iter().map(|s| self.sample(s)).collect();
        q.sort_by(f64::total_cmp);
        t += q[1] + HOP;
        let (h, delay) = &f.hedged;
        t + self.sample(h).min(delay + self.sample(h))
    }
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, f64, T) {
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let start = Instant::now();
        last = Some(f());
        times.push(start.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    (times[0], times[runs / 2], last.unwrap())
}

// The same allocator as the `nines` binary (src/main.rs), so timings match it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let mc = !std::env::args().any(|a| a == "--no-mc");
    let f = flow();
    println!("50-component flow (sums, 3 fan-outs/quorum, 2 retried calls, 1 hedge):");
    for bins in [1024, 2048, DEFAULT_BINS, 8192] {
        let (min, median, g) = time(15, || compose(&f, bins));
        println!(
            "  bins {bins:5}: {min:6.2} ms min, {median:6.2} ms median  (result: {} points, step {:.3e} s, beyond {:.1e})",
            g.mass.len(),
            g.step,
            g.beyond
        );
    }
    let leaf = Grid::from_service(&f.seq_a[0], DEFAULT_BINS);
    let (min, _, _) = time(50, || leaf.sum(&leaf));
    println!("  one sum of two {DEFAULT_BINS}-point grids: {:.3} ms", min);
    let (min, _, _) = time(50, || Grid::from_service(&f.seq_a[0], DEFAULT_BINS));
    println!("  one from_service (lognormal, {DEFAULT_BINS} bins): {:.3} ms", min);
    for s in &f.seq_b[..3] {
        let (min, _, _) = time(20, || Grid::from_service(s, DEFAULT_BINS));
        println!("  one from_service ({s:?}): {:.3} ms", min);
    }
    if !mc {
        return;
    }
    let f2 = flow();
    let (a, b, c) = (ln(10.0, 50.0), ln(3.0, 8.0), ln(25.0, 200.0));
    let (h, d) = (ln(10.0, 80.0), ln(10.0, 80.0).quantile(0.95));
    let (r, tau) = (ln(10.0, 60.0), 0.030);
    let qs = [ln(10.0, 50.0), ln(12.0, 30.0), ServiceTime::exponential(0.015).unwrap()];
    let g = |s: &ServiceTime| Grid::from_service(s, DEFAULT_BINS);
    let retry = {
        let base = g(&r);
        let (ok, q) = base.truncate_at(tau);
        Grid::mixture(&[(1.0 - q, ok.clone()), (q * (1.0 - q), ok.shift(tau)), (q * q, base.shift(2.0 * tau))])
    };
    type Draw<'a> = Box<dyn Fn(&mut Mc) -> f64 + 'a>;
    let scenarios: Vec<(&str, Grid, Draw)> = vec![
        ("50-component flow", compose(&f, DEFAULT_BINS), Box::new(|m: &mut Mc| m.flow(&f2))),
        (
            "sum of 3 lognormals",
            g(&a).sum(&g(&b)).sum(&g(&c)),
            Box::new(|m: &mut Mc| m.sample(&a) + m.sample(&b) + m.sample(&c)),
        ),
        (
            "max of 20 lognormals",
            Grid::max_of(&vec![g(&a); 20]),
            Box::new(|m: &mut Mc| (0..20).map(|_| m.sample(&a)).fold(0.0, f64::max)),
        ),
        ("hedge at p95", g(&h).hedge(d), Box::new(|m: &mut Mc| m.sample(&h).min(d + m.sample(&h)))),
        (
            "3 attempts, timeout 30 ms",
            retry,
            Box::new(|m: &mut Mc| {
                let mut t = 0.0;
                for attempt in 0..3 {
                    let x = m.sample(&r);
                    if x <= tau || attempt == 2 {
                        return t + x;
                    }
                    t += tau;
                }
                t
            }),
        ),
        (
            "quorum 2 of 3",
            Grid::order_statistic(&qs.iter().map(g).collect::<Vec<_>>(), 2),
            Box::new(|m: &mut Mc| {
                let mut x: Vec<f64> = qs.iter().map(|s| m.sample(s)).collect();
                x.sort_by(f64::total_cmp);
                x[1]
            }),
        ),
        (
            // At once, as a component's own time and its calls are summed. Last, so that
            // the samples drawn for the scenarios above do not depend on it.
            "sum_all of 3 + 20 lognormals",
            Grid::sum_all(
                &[&g(&a), &g(&b), &g(&c)].into_iter().chain(std::iter::repeat_n(&g(&a), 20)).collect::<Vec<_>>(),
            ),
            Box::new(|m: &mut Mc| {
                m.sample(&a) + m.sample(&b) + m.sample(&c) + (0..20).map(|_| m.sample(&a)).sum::<f64>()
            }),
        ),
    ];
    let n = 10_000_000usize;
    println!("\nAccuracy vs {n}-sample seeded Monte Carlo (relative difference; MC ±2σ in brackets):");
    println!("  {:<26} {:>20} {:>20} {:>20} {:>20}", "", "p50", "p90", "p99", "p99.9");
    let mut worst: f64 = 0.0;
    for (i, (name, grid, draw)) in scenarios.iter().enumerate() {
        let mut rng = Mc(Xoshiro256PlusPlus::seed_from_u64(42 + i as u64));
        let mut xs: Vec<f64> = (0..n).map(|_| draw(&mut rng)).collect();
        xs.sort_by(f64::total_cmp);
        let mut line = format!("  {name:<26}");
        for p in [0.5, 0.9, 0.99, 0.999] {
            let sd = (n as f64 * p * (1.0 - p)).sqrt();
            let point = xs[(n as f64 * p) as usize];
            let lo = xs[(n as f64 * p - 2.0 * sd) as usize];
            let hi = xs[(n as f64 * p + 2.0 * sd) as usize];
            let diff = (grid.quantile(p) - point) / point;
            worst = worst.max(diff.abs());
            line += &format!(" {:>+9.1e} [±{:.1e}]", diff, (hi - lo) / 2.0 / point);
        }
        println!("{line}");
    }
    println!("  worst |relative difference|: {worst:.2e}");
}
