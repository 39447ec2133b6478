//! Generates a layered architecture model for benchmarking `nines check`.
//!
//! ```text
//! cargo run --release --example gen_layered -- N [--seed S] > model.yaml
//! cargo run --release --example gen_layered -- N [--seed S] --dsl > model.nines
//! ```
//!
//! `--dsl` writes the same model in the DSL (converted by the library's writer,
//! which checks that it reads back as the same tree).
//!
//! Shape (issue 2, "Performance"): N components in total, every one with 3
//! replicas needing 2 (`min_healthy: 2`), spread over three zones of one region.
//! A handful of edge gateways (the flow entries, with availability objectives)
//! route to the front services; below them up to 8 service layers that shrink
//! towards the bottom, so the lower layers are shared by many callers. Each
//! service calls 2–4 services in the next layer (sometimes one further down),
//! picked with a skew so that a few services are very popular (think auth or
//! a shared database). About one call in ten has a fallback, one in twenty is
//! soft. Every component is reachable from some flow, so the whole model is in
//! the analysis.
//!
//! With `--latency` (issue 3, "Performance"), the model also states traffic, a
//! lognormal service time and workers for every component, timeouts with one
//! retry on about one call in five, and a p99 objective per flow, so the whole
//! load-and-latency analysis runs on it. `--dsl` prints the same model in the DSL.
//!
//! Output depends only on N, the seed and the flags (an inline SplitMix64 PRNG).

use std::fmt::Write as _;
use std::process::ExitCode;

/// SplitMix64: tiny, portable, good enough to pick graph edges.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x6A09_E667_F3BC_C908)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, n) (n > 0).
    fn below(&mut self, n: usize) -> usize {
        (((self.next_u64() >> 11) as u128 * n as u128) >> 53) as usize
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Skewed towards 0: index ⌊n·u²⌋, so low indices are popular.
    fn skewed(&mut self, n: usize) -> usize {
        let u = self.unit();
        ((n as f64 * u * u) as usize).min(n - 1)
    }
}

const USAGE: &str =
    "usage: gen_layered N [--seed S] [--latency] [--dsl]   (N ≥ 4 components; prints a YAML, or DSL, model on stdout)";

/// What to generate.
struct Options {
    n: usize,
    seed: u64,
    latency: bool,
    dsl: bool,
}

fn parse_args() -> Result<Options, String> {
    let mut args = std::env::args().skip(1);
    let mut n = None;
    let mut seed = 1u64;
    let mut latency = false;
    let mut dsl = false;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--latency" => latency = true,
            "--seed" => {
                let v = args.next().ok_or("--seed needs a value")?;
                seed = v.parse().map_err(|_| format!("bad seed `{v}`"))?;
            }
            "--dsl" => dsl = true,
            "-h" | "--help" => return Err(String::new()),
            _ if n.is_none() => n = Some(arg.parse::<usize>().map_err(|_| format!("bad N `{arg}`"))?),
            _ => return Err(format!("unexpected argument `{arg}`")),
        }
    }
    let n = n.ok_or("missing N")?;
    if !(4..=1_000_000).contains(&n) {
        return Err(format!("N must be between 4 and 1000000, got {n}"));
    }
    Ok(Options { n, seed, latency, dsl })
}

/// The generated YAML rewritten in the DSL, its comments kept.
fn to_dsl(yaml: String) -> Result<String, String> {
    let source = ninecheck::source::SourceFile::new("generated.yaml", yaml);
    let node = ninecheck::syntax::parse_yaml(&source.text).map_err(|e| e.message)?;
    ninecheck::syntax::rewrite(&source, &node, ninecheck::syntax::Spelling::Dsl)
        .map_err(|d| d.into_iter().map(|d| d.message).collect::<Vec<_>>().join("; "))
}

fn main() -> ExitCode {
    match parse_args() {
        Ok(options) => {
            let yaml = generate(&options);
            match if options.dsl { to_dsl(yaml) } else { Ok(yaml) } {
                Ok(text) => {
                    print!("{text}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("gen_layered: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Err(e) => {
            if !e.is_empty() {
                eprintln!("gen_layered: {e}");
            }
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// One outgoing call of a component.
struct Call {
    to: usize,
    fallback: Option<usize>,
    soft: bool,
}

fn generate(options: &Options) -> String {
    let (n, seed) = (options.n, options.seed);
    let mut rng = Rng::new(seed);

    // Gateways (flow entries): a handful, growing slowly with N.
    let gateways = (2 + n / 500).clamp(3, 8).min(n / 2);
    let services = n - gateways;
    // Service layers: 8 when there are enough services, fewer for tiny models.
    let layers = (services / 6).clamp(1, 8);
    // Layer sizes shrink towards the bottom (weight 1.0, 0.9, …): shared lower layers.
    let weights: Vec<f64> = (0..layers).map(|i| 1.0 - 0.09 * i as f64).collect();
    let total: f64 = weights.iter().sum();
    let mut sizes: Vec<usize> = weights.iter().map(|w| ((services as f64 * w / total) as usize).max(1)).collect();
    let mut assigned: usize = sizes.iter().sum();
    let mut i = 0;
    while assigned < services {
        sizes[i % layers] += 1;
        assigned += 1;
        i += 1;
    }
    while assigned > services {
        let j = (0..layers).rev().find(|&j| sizes[j] > 1).expect("services ≥ layers");
        sizes[j] -= 1;
        assigned -= 1;
    }

    // Component ids: gateways first, then layer by layer.
    let mut start = vec![gateways];
    for s in &sizes {
        start.push(start.last().unwrap() + s);
    }
    let layer_of = |l: usize| start[l]..start[l + 1];
    let mut names = Vec::with_capacity(n);
    for g in 0..gateways {
        names.push(format!("gw-{g}"));
    }
    for (l, &s) in sizes.iter().enumerate() {
        for k in 0..s {
            names.push(format!("l{}-s{k:04}", l + 1));
        }
    }

    let mut calls: Vec<Vec<Call>> = (0..n).map(|_| Vec::new()).collect();
    let mut called = vec![false; n];
    let has = |calls: &[Call], t: usize| calls.iter().any(|c| c.to == t || c.fallback == Some(t));

    // Service → service calls: 2–4 targets in the next layer, one in four a layer further down.
    for l in 0..layers.saturating_sub(1) {
        for c in layer_of(l) {
            let wanted = 2 + rng.below(3);
            let mut tries = 0;
            while calls[c].len() < wanted && tries < 32 {
                tries += 1;
                let target_layer = if l + 2 < layers && rng.below(4) == 0 { l + 2 } else { l + 1 };
                let range = layer_of(target_layer);
                let t = range.start + rng.skewed(range.len());
                if has(&calls[c], t) {
                    continue;
                }
                let roll = rng.below(20);
                let fallback = if roll < 2 && range.len() > 1 {
                    let f = range.start + rng.below(range.len());
                    (f != t && !has(&calls[c], f)).then_some(f)
                } else {
                    None
                };
                let soft = roll == 19;
                called[t] = true;
                if let Some(f) = fallback {
                    called[f] = true;
                }
                calls[c].push(Call { to: t, fallback, soft });
            }
        }
    }
    // Gateways route to the front layer: gateway g owns every front service i ≡ g
    // (mod gateways) and shares one or two popular ones with the others.
    let front = layer_of(0);
    for (i, t) in front.clone().enumerate() {
        let g = i % gateways;
        calls[g].push(Call { to: t, fallback: None, soft: false });
        called[t] = true;
    }
    for gateway_calls in calls.iter_mut().take(gateways) {
        for _ in 0..1 + rng.below(2) {
            let t = front.start + rng.skewed(front.len());
            if !has(gateway_calls, t) {
                gateway_calls.push(Call { to: t, fallback: None, soft: false });
            }
        }
    }
    // Every service below the front layer has at least one hard caller one layer up.
    for l in 1..layers {
        for t in layer_of(l) {
            if !called[t] {
                let above = layer_of(l - 1);
                let c = above.start + rng.below(above.len());
                calls[c].push(Call { to: t, fallback: None, soft: false });
                called[t] = true;
            }
        }
    }

    let mut out = String::with_capacity(n * 220);
    let flag = if options.latency { " --latency" } else { "" };
    let _ = writeln!(out, "# Generated by `cargo run --release --example gen_layered -- {n} --seed {seed}{flag}`.");
    let _ = writeln!(
        out,
        "# {n} components: {gateways} gateways + service layers of {sizes:?}; 3 replicas each (2 needed) over 3 zones."
    );
    out.push_str("system:\n");
    let _ = writeln!(out, "  name: layered benchmark n={n} seed={seed}");
    if options.latency {
        out.push_str("traffic: {rate: 10/s, peak: 2x}\n");
    }
    out.push_str("domains:\n");
    out.push_str("  region: {kind: region, availability: 99.99%, mttr: 2h}\n");
    for (z, (a, mttr)) in [("99.95%", "1h"), ("99.95%", "45m"), ("99.9%", "1h")].iter().enumerate() {
        let _ = writeln!(out, "  az{}: {{kind: zone, parent: region, availability: {a}, mttr: {mttr}}}", z + 1);
    }
    out.push_str("components:\n");
    const AVAIL: [&str; 5] = ["99%", "99.5%", "99.9%", "99.95%", "99.7%"];
    const MTTF: [&str; 5] = ["500h", "1000h", "2000h", "4380h", "8760h"];
    const MTTR: [&str; 5] = ["15m", "30m", "1h", "2h", "4h"];
    for c in 0..n {
        let _ = writeln!(out, "  {}:", names[c]);
        if rng.below(5) < 3 {
            let _ = writeln!(out, "    availability: {}", AVAIL[rng.below(AVAIL.len())]);
            let _ = writeln!(out, "    mttr: {}", MTTR[rng.below(MTTR.len())]);
        } else {
            let _ = writeln!(out, "    mttf: {}", MTTF[rng.below(MTTF.len())]);
            let _ = writeln!(out, "    mttr: {}", MTTR[rng.below(MTTR.len())]);
        }
        out.push_str("    replicas: 3\n    min_healthy: 2\n    spread: [az1, az2, az3]\n");
        if options.latency {
            const P50_US: [u32; 4] = [100, 150, 200, 300];
            let p50 = P50_US[rng.below(P50_US.len())];
            let _ = writeln!(out, "    latency: {{p50: {p50}us, p99: {}us}}", p50 * (3 + rng.below(4)) as u32);
            out.push_str("    workers: 64\n");
        }
        if calls[c].is_empty() {
            continue;
        }
        out.push_str("    calls:\n");
        for call in &calls[c] {
            let retry = if options.latency && rng.below(5) == 0 { ", timeout: 30s, retries: 1" } else { "" };
            match (call.fallback, call.soft, retry.is_empty()) {
                (None, false, true) => {
                    let _ = writeln!(out, "      - {}", names[call.to]);
                }
                (None, soft, _) => {
                    let soft = if soft { ", soft: true" } else { "" };
                    let _ = writeln!(out, "      - {{to: {}{soft}{retry}}}", names[call.to]);
                }
                (Some(f), soft, _) => {
                    let soft = if soft { ", soft: true" } else { "" };
                    let _ = writeln!(out, "      - {{to: {}, fallback: [{}]{soft}{retry}}}", names[call.to], names[f]);
                }
            }
        }
    }
    out.push_str("flows:\n");
    const OBJECTIVES: [&str; 4] = ["99.9%", "95%", "99%", "90%"];
    for g in 0..gateways {
        let _ = writeln!(out, "  flow-{g}:");
        let _ = writeln!(out, "    entry: gw-{g}");
        let objective = OBJECTIVES[g % OBJECTIVES.len()];
        if options.latency {
            let _ = writeln!(out, "    objective: {{availability: {objective}, latency: {{p99: 2s}}}}");
        } else {
            let _ = writeln!(out, "    objective: {{availability: {objective}}}");
        }
    }
    out
}
