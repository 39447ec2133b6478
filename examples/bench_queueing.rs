//! Times Erlang C for c = 100,000 servers at A = 99,500 Erlangs (case Q-07), next to
//! the plain O(c) recursion from B(0) = 1 for comparison.
//!
//!     cargo run --release --example bench_queueing

use std::hint::black_box;
use std::time::Instant;

use ninecheck::analysis::queueing::erlang_c;

/// Erlang C by the full O(c) Erlang B recursion.
fn erlang_c_full(servers: u64, offered: f64) -> f64 {
    let b = (1..=servers).fold(1.0, |b, n| offered * b / (n as f64 + offered * b));
    let rho = offered / servers as f64;
    b / (1.0 - rho * (1.0 - b))
}

fn time<F: Fn() -> f64>(name: &str, runs: u32, f: F) -> f64 {
    let mut value = f();
    let start = Instant::now();
    for _ in 0..runs {
        value = black_box(f());
    }
    let per_call = start.elapsed().as_secs_f64() / runs as f64;
    println!("{name:<28} {value:.9}  {:>9.2} µs per call ({runs} runs)", per_call * 1e6);
    value
}

// The same allocator as the `nines` binary (src/main.rs), so timings match it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let (c, a) = (black_box(100_000u64), black_box(99_500.0));
    let fast = time("erlang_c(100000, 99500)", 2_000, || erlang_c(black_box(c), black_box(a)).unwrap());
    let full = time("full O(c) recursion", 200, || erlang_c_full(black_box(c), black_box(a)));
    println!("relative difference {:.1e} (published 0.0709062)", (fast - full).abs() / full);
}
