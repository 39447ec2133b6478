//! Findings about designs: rule ids, exact positions, computed fixes, waivers.

use ninecheck::diagnostic::{Diagnostic, Severity};
use ninecheck::source::SourceFile;

fn run(yaml: &str, today: &str) -> (SourceFile, Vec<Diagnostic>) {
    let source = SourceFile::new("design.yaml", yaml);
    let checked = ninecheck::check_source(&source, today).unwrap_or_else(|d| panic!("rejected: {d:#?}"));
    (source, checked.findings)
}

fn at(source: &SourceFile, d: &Diagnostic) -> (usize, usize) {
    source.line_col(d.primary.as_ref().unwrap().span.start)
}

const UNDERPROVISIONED: &str = "components:
  lb: {availability: 99.999%, replicas: 2, calls: [web]}
  web:
    availability: 99%
    replicas: 2
    cost: {per_replica: 70.08/mo}
flows:
  site:
    entry: lb
    objective: {availability: 99.99%}
";

#[test]
fn availability_gap_points_at_objective_and_computes_the_fix() {
    let (source, findings) = run(UNDERPROVISIONED, "2026-12-03");
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let d = &findings[0];
    assert_eq!((d.rule, d.severity), ("slo/availability", Severity::Error));
    assert_eq!(at(&source, d), (10, 31));
    // Secondary label on the replicas of the component that matters most.
    assert_eq!(source.line_col(d.secondary[0].span.start), (5, 15));
    assert_eq!(d.secondary[0].message, "`web` matters most: making it never fail would remove 100.0% of downtime");
    // 2 replicas at 99%: U ≈ 1e-4 + 1e-10 > 1e-4; 3 replicas: U = 1e-6 + 1e-10 (lb) ≈ 1.0001e-6.
    assert_eq!(d.help.as_deref(), Some("2 → 3 replicas of `web` gives 99.99989999% ≥ 99.99%, +$70.08/mo"));
}

#[test]
fn infeasible_objective_names_the_cap() {
    let (source, findings) = run(
        "domains:
  region: {kind: region, availability: 99.9%}
components:
  web: {availability: 99%, replicas: 3, in: region}
flows:
  site: {entry: web, objective: {availability: 99.99%}}
",
        "2026-12-03",
    );
    let d = findings.iter().find(|d| d.rule == "slo/infeasible").expect("infeasible");
    assert_eq!(at(&source, d), (6, 48));
    assert_eq!(source.line_col(d.secondary[0].span.start), (2, 40));
    assert!(d.secondary[0].message.contains("`region`"), "{}", d.secondary[0].message);
}

#[test]
fn spof_findings_point_at_the_cause() {
    let (source, findings) = run(
        "domains:
  z1: {kind: zone, availability: 99.9%}
components:
  api: {availability: 99.9%, calls: [db]}
  db: {availability: 99.9%, replicas: 2, min_healthy: 2}
  cache: {availability: 99.9%, replicas: 2, in: z1}
flows:
  f: {entry: api}
  g: {entry: cache}
",
        "2026-12-03",
    );
    let spofs: Vec<((usize, usize), &str)> =
        findings.iter().filter(|d| d.rule == "model/spof").map(|d| (at(&source, d), d.message.as_str())).collect();
    assert_eq!(
        spofs,
        [
            ((2, 3), "losing zone `z1` takes down flow `g`"),
            ((4, 3), "`api` is a single point of failure for flow `f`"),
            ((5, 55), "`db` is a single point of failure for flow `f`"),
        ]
    );
    assert!(findings.iter().all(|d| d.severity == Severity::Warning));
}

const WAIVED: &str = "components:
  api:
    availability: 99.99%
    waivers:
      - {rule: model/spof, reason: a managed service with its own redundancy, expires: 2027-01-31}
      - {rule: slo/availability, reason: nothing to waive}
flows:
  f: {entry: api}
";

#[test]
fn waivers_apply_expire_and_go_stale() {
    let (source, findings) = run(WAIVED, "2026-12-03");
    let summary: Vec<(&str, (usize, usize), bool)> =
        findings.iter().map(|d| (d.rule, at(&source, d), d.waived.is_some())).collect();
    assert_eq!(summary, [("model/spof", (2, 3), true), ("waiver/unused", (6, 16), false)]);
    assert_eq!(findings[0].waived.as_deref(), Some("a managed service with its own redundancy"));

    let (source, findings) = run(WAIVED, "2027-02-01");
    let summary: Vec<(&str, (usize, usize), bool)> =
        findings.iter().map(|d| (d.rule, at(&source, d), d.waived.is_some())).collect();
    assert_eq!(
        summary,
        [("model/spof", (2, 3), false), ("waiver/expired", (5, 88), false), ("waiver/unused", (6, 16), false)]
    );
}

#[test]
fn a_100_percent_objective_is_infeasible_for_a_design_that_can_fail() {
    let (source, findings) = run(
        "components:
  web: {availability: 99.99%, replicas: 2}
flows:
  site: {entry: web, objective: {availability: 100%}}
",
        "2026-12-03",
    );
    let d = findings.iter().find(|d| d.rule.starts_with("slo/")).expect("an objective finding");
    assert_eq!((d.rule, d.severity), ("slo/infeasible", Severity::Error));
    assert_eq!(at(&source, d), (4, 48));
    assert_eq!(
        d.message,
        "flow `site` can never reach 100%: 100% needs a design that can never fail, and this one is available 99.999999%"
    );
    assert!(!d.help.as_deref().unwrap_or_default().contains("100.00%"), "{:?}", d.help);
}

#[test]
fn fix_first_lists_downtime_removed_and_drops_negligible_entries() {
    let source = SourceFile::new(
        "fix.yaml",
        "components:
  lb: {availability: 99.99999%, calls: [web]}
  web: {availability: 99%, calls: [db]}
  db: {availability: 99.9%}
flows:
  f: {entry: lb}
",
    );
    let checked = ninecheck::check_source(&source, "2026-12-03").unwrap_or_else(|d| panic!("rejected: {d:#?}"));
    let text = ninecheck::render::human::report(&source, &checked, false);
    let line = text.lines().find(|l| l.contains("fix first")).expect("a fix-first line");
    // U ≈ 0.010990; web removes 0.01·0.999 (90.9%), db 0.001·0.99 (9.0%); lb 1e-7 rounds to 0.0%.
    assert_eq!(line, "  fix first (downtime removed if it never failed): web 90.9%, db 9.0%");
}
