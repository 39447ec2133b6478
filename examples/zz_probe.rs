use ninecheck::analysis::{distribution::ServiceTime, grid::*};
fn main() {
    let e = Grid::from_service(&ServiceTime::exponential(1.0).unwrap(), DEFAULT_BINS);
    for n in [10usize, 100, 1000] {
        let m = Grid::max_of(&vec![e.clone(); n]);
        for p in [0.5f64, 0.99] {
            let ex = -(-(p.powf(1.0 / n as f64))).ln_1p();
            println!("N {n} p{p}: rel err {:.2e}", (m.quantile(p) - ex) / ex);
        }
    }
    let leaf = ServiceTime::lognormal_from_p50_p99(10.0, 50.0).unwrap();
    let m = Grid::max_of(&vec![Grid::from_service(&leaf, DEFAULT_BINS); 10]);
    for p in [0.5f64, 0.99] {
        let ex = leaf.quantile(p.powf(0.1));
        println!("Q10b p{p}: {} rel err {:.2e}", m.quantile(p), (m.quantile(p) - ex) / ex);
    }
    for cv in [1.0, 2.0, 4.0] {
        let s = ServiceTime::lognormal_from_mean_cv(1.0, cv).unwrap();
        let g = Grid::from_service(&s, DEFAULT_BINS);
        let errs: Vec<String> = [0.5, 0.9, 0.99, 0.999]
            .iter()
            .map(|&p| format!("{:.1e}", (g.quantile(p) - s.quantile(p)) / s.quantile(p)))
            .collect();
        println!(
            "lognormal cv {cv}: step/median {:.3}, quantile errs {:?}, mean err {:.1e}",
            g.step / s.quantile(0.5),
            errs,
            (g.mean() - 1.0)
        );
        let g2 = g.sum(&g);
        let mc_free: Vec<String> = [0.5, 0.99].iter().map(|&p| format!("{:.4}", g2.quantile(p))).collect();
        println!("   sum of two: {:?}", mc_free);
    }
}
