//! Golden tests: every availability case (AV-*) of shared/reference/cases.md,
//! written as a ninecheck model and checked against the published value.

use ninecheck::Checked;
use ninecheck::source::SourceFile;

fn check(yaml: &str) -> Checked {
    match ninecheck::check_source(&SourceFile::new("case.yaml", yaml), "2026-12-03") {
        Ok(checked) => checked,
        Err(diagnostics) => panic!("model rejected: {diagnostics:#?}"),
    }
}

/// (availability, unavailability) of the first flow.
fn flow(yaml: &str) -> (f64, f64) {
    let checked = check(yaml);
    (checked.report.flows[0].availability, checked.report.flows[0].unavailability)
}

fn close(actual: f64, expected: f64, tol: f64) {
    assert!(
        (actual - expected).abs() <= tol,
        "expected {expected} ± {tol}, got {actual} (diff {:e})",
        actual - expected
    );
}

#[test]
fn av_01() {
    let (a, u) = flow(
        "components:
  a: {availability: 0.9, calls: [b]}
  b: {availability: 0.8, calls: [c]}
  c: {availability: 0.7}
flows:
  f: {entry: a}",
    );
    close(a, 0.504, 1e-12);
    close(u, 0.496, 1e-12);
}

#[test]
fn av_02() {
    let (_, u) = flow(
        "components:
  top: {availability: 100%, calls: [{parallel: [a, b, c], quorum: 2}]}
  a: {availability: 0.9}
  b: {availability: 0.8}
  c: {availability: 0.7}
flows:
  f: {entry: top}",
    );
    close(u, 0.098, 1e-12);
}

#[test]
fn av_03() {
    let (a, _) = flow(
        "components:
  x: {availability: 0.9, replicas: 4, min_healthy: 3}
flows:
  f: {entry: x}",
    );
    close(a, 0.9477, 1e-12);
}

#[test]
fn av_04() {
    let (_, u) = flow(
        "components:
  x: {availability: 0.99, replicas: 5}
flows:
  f: {entry: x}",
    );
    close(u, 1e-10, 1e-20);
}

#[test]
fn av_05() {
    let (a, _) = flow(
        "components:
  psu: {availability: 0.99, calls: [fans, disks]}
  fans: {availability: 0.95, replicas: 2}
  disks: {availability: 0.97, replicas: 3, min_healthy: 2}
flows:
  f: {entry: psu}",
    );
    close(a, 0.9849120, 1e-6);
}

const TWO_TRAINS: &str = "components:
  system: {availability: 100%, calls: [{parallel: [v1, v2], quorum: 1}]}
  v1: {availability: 0.6, calls: [p1]}
  p1: {availability: 0.4}
  v2: {availability: 0.5, calls: [p2]}
  p2: {availability: 0.3}
flows:
  f: {entry: system}";

#[test]
fn av_06() {
    let (_, u) = flow(TWO_TRAINS);
    close(u, 0.646, 1e-12);
}

#[test]
fn av_06b() {
    let checked = check(TWO_TRAINS);
    let birnbaum = |name: &str| checked.report.flows[0].birnbaum[checked.model.component_index(name).unwrap()];
    close(birnbaum("p1"), 0.51, 1e-9);
    close(birnbaum("p2"), 0.38, 1e-9);
    close(birnbaum("v1"), 0.34, 1e-9);
    close(birnbaum("v2"), 0.228, 1e-9);
}

#[test]
fn av_07() {
    // Fails if (A and B) fail or (B and C) fail: B is shared by both paths.
    let (_, u) = flow(
        "components:
  top: {availability: 100%, calls: [{to: a, fallback: [b]}, {to: c, fallback: [b]}]}
  a: {availability: 0.9}
  b: {availability: 0.8}
  c: {availability: 0.7}
flows:
  f: {entry: top}",
    );
    close(u, 0.074, 1e-12);
    assert!((u - 0.0788).abs() > 1e-3, "must not equal the naive independent-paths product");
}

#[test]
fn av_08() {
    let (a, _) = flow(
        "components:
  x: {mttf: 1000h, mttr: 10h}
flows:
  f: {entry: x}",
    );
    close(a, 0.990099, 1e-6);
}

#[test]
fn av_09() {
    let (a, _) = flow(
        "components:
  app: {sla: 99.95%, calls: [sql]}
  sql: {sla: 99.99%}
flows:
  f: {entry: app}",
    );
    close(a, 0.99940005, 1e-9);
}

#[test]
fn av_10() {
    let (a, _) = flow(
        "components:
  app: {sla: 99.95%, calls: [{to: sql, fallback: [queue]}]}
  sql: {sla: 99.99%}
  queue: {sla: 99.9%}
flows:
  f: {entry: app}",
    );
    close(a, 0.99949990, 1e-8);
}

#[test]
fn av_11() {
    let (a, _) = flow(
        "components:
  traffic-manager: {sla: 99.99%, calls: [{to: app-east, fallback: [app-west]}]}
  app-east: {sla: 99.95%, calls: [sql-east]}
  sql-east: {sla: 99.99%}
  app-west: {sla: 99.95%, calls: [sql-west]}
  sql-west: {sla: 99.99%}
flows:
  f: {entry: traffic-manager}",
    );
    close(a, 0.99989964, 1e-8);
}

const AZURE_DEV: &str = "components:
  front-door: {sla: 99.99%, calls: [entra-id]}
  entra-id: {sla: 99.99%, calls: [app-service]}
  app-service: {sla: 99.95%, calls: [redis, sql, storage, key-vault, app-config]}
  redis: {sla: 99.9%}
  sql: {sla: 99.995%}
  storage: {sla: 99.9%}
  key-vault: {sla: 99.99%}
  app-config: {sla: 99.9%}
flows:
  web: {entry: front-door}";

#[test]
fn av_12() {
    let (a, _) = flow(AZURE_DEV);
    close(a, 0.99615577, 1e-8);
}

#[test]
fn av_13() {
    let yaml = "components:
  front-door: {sla: 99.99%, calls: [entra-id, private-dns, pl-front-door]}
  entra-id: {sla: 99.99%, calls: [app-service]}
  private-dns: {sla: 100%}
  pl-front-door: {sla: 99.99%}
  app-service: {sla: 99.95%, calls: [pl-app-service, redis, sql, storage, key-vault, app-config]}
  pl-app-service: {sla: 99.99%}
  redis: {sla: 99.9%, calls: [pl-redis]}
  pl-redis: {sla: 99.99%}
  sql: {sla: 99.995%, calls: [pl-sql]}
  pl-sql: {sla: 99.99%}
  storage: {sla: 99.9%, calls: [pl-storage]}
  pl-storage: {sla: 99.99%}
  key-vault: {sla: 99.99%, calls: [pl-key-vault]}
  pl-key-vault: {sla: 99.99%}
  app-config: {sla: 99.9%, calls: [pl-app-config]}
  pl-app-config: {sla: 99.99%}
flows:
  web: {entry: front-door}";
    let (a, _) = flow(yaml);
    close(a, 0.99545867, 1e-8);
}

#[test]
fn av_14() {
    let (a, _) = flow(
        "components:
  ec2: {availability: 99%, replicas: 2, calls: [rds]}
  rds: {availability: 99%}
flows:
  f: {entry: ec2}",
    );
    close(a, 0.989901, 1e-9);
}

#[test]
fn av_15() {
    let (a, _) = flow(
        "components:
  pair: {availability: 0.999, replicas: 2, common_cause: 0.1}
flows:
  f: {entry: pair}",
    );
    close(a, 0.99989919, 1e-8);
}

#[test]
fn av_16() {
    // λ = 1e-3/h (MTTF 1000 h), μ = 0.1/h (MTTR 10 h).
    let one_crew = flow(
        "components:
  pair: {mttf: 1000h, mttr: 10h, replicas: 2, repair_crews: 1}
flows:
  f: {entry: pair}",
    );
    close(one_crew.1, 1.9604e-4, 1e-9);
    close(one_crew.0, 0.99980396, 1e-9);
    let two_crews = flow(
        "components:
  pair: {mttf: 1000h, mttr: 10h, replicas: 2, repair_crews: 2}
flows:
  f: {entry: pair}",
    );
    close(two_crews.1, 9.8030e-5, 1e-9);
    let independent = flow(
        "components:
  pair: {mttf: 1000h, mttr: 10h, replicas: 2}
flows:
  f: {entry: pair}",
    );
    close(independent.1, two_crews.1, 1e-15);
}

#[test]
fn av_17() {
    let (a, _) = flow(
        "components:
  workload: {availability: 99.99%, calls: [dep-a, dep-b]}
  dep-a: {availability: 99.99%}
  dep-b: {availability: 99.99%}
flows:
  f: {entry: workload}",
    );
    close(a, 0.99970003, 1e-10);
}
