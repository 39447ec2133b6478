//! Times how long `nines` takes to reach the typed model (read → parse → build →
//! cycle check), without the analysis: the DSL performance target of issue 4
//! (10,000 components in ≤ 200 ms, release build).
//!
//! ```text
//! cargo run --release --example load_time -- FILE [RUNS]   # prints "median_ms min_ms"
//! ```
//!
//! The minimum is printed too: on a shared machine it is the best estimate of
//! the uncontended time.

use std::time::Instant;

// The same allocator as the `nines` binary (src/main.rs), so timings match it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: load_time FILE [RUNS]");
        std::process::exit(2);
    };
    let runs: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(5).max(1);
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
        let source = ninecheck::source::SourceFile::new(path.clone(), text);
        if let Err(diagnostics) = ninecheck::load(&source) {
            eprintln!("{path}: {} problems, first: {}", diagnostics.len(), diagnostics[0].message);
            std::process::exit(2);
        }
        times.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    println!("{:.1} {:.1}", times[times.len() / 2], times[0]);
}
