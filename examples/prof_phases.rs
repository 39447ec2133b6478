use std::time::Instant;
// The same allocator as the `nines` binary (src/main.rs), so timings match it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let path = std::env::args().nth(1).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let source = ninecheck::source::SourceFile::new(path, text);
    let t = Instant::now();
    let model = ninecheck::load(&source).unwrap();
    eprintln!("load {:?}", t.elapsed());
    let t = Instant::now();
    let compiled = ninecheck::analysis::availability::compile(&model);
    eprintln!("compile {:?} size {}", t.elapsed(), compiled.flows.iter().map(|f| f.circuit.size()).sum::<usize>());
    let t = Instant::now();
    let e = compiled.evaluate(&model, Default::default());
    eprintln!("evaluate {:?} {:?}", t.elapsed(), e.flows.iter().map(|f| f.prob.down).collect::<Vec<_>>());
    let t = Instant::now();
    let _e = compiled
        .evaluate(&model, ninecheck::analysis::availability::EvalOptions { importance: true, ..Default::default() });
    eprintln!("evaluate+importance {:?}", t.elapsed());
    let t = Instant::now();
    for f in 0..model.flows.len() {
        let _ = ninecheck::analysis::cutsets::flow_cuts(&model, &compiled, f);
    }
    eprintln!("cuts {:?}", t.elapsed());
    let t = Instant::now();
    let report = ninecheck::analysis::analyze(&model, &compiled);
    eprintln!("analyze {:?}", t.elapsed());
    let t = Instant::now();
    let findings = ninecheck::check::findings(&model, &compiled, &report, "2026-12-03");
    eprintln!("findings {:?} {}", t.elapsed(), findings.len());
}
