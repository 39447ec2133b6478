//! Closed-form checks for what the published cases do not cover: failure domains,
//! outage frequency, failover, change risk (C-03), the correlation delta, cut sets.

use ninecheck::Checked;
use ninecheck::model::quantity::{HOUR, MINUTE, MONTH, YEAR};
use ninecheck::source::SourceFile;

fn check(yaml: &str) -> Checked {
    match ninecheck::check_source(&SourceFile::new("case.yaml", yaml), "2026-12-03") {
        Ok(checked) => checked,
        Err(diagnostics) => panic!("model rejected: {diagnostics:#?}"),
    }
}

fn close(actual: f64, expected: f64, rel: f64) {
    assert!(
        (actual - expected).abs() <= rel * expected.abs().max(1e-300),
        "expected {expected} (rel {rel}), got {actual}"
    );
}

#[test]
fn spread_replicas_need_their_zone_and_region() {
    let (r, z, a) = (0.9999f64, 0.999f64, 0.99f64);
    let checked = check(
        "domains:
  region: {availability: 99.99%}
  z1: {parent: region, availability: 99.9%}
  z2: {parent: region, availability: 99.9%}
components:
  web: {availability: 99%, replicas: 2, spread: [z1, z2]}
  single-zone: {availability: 99%, replicas: 2, in: z1}
flows:
  spread: {entry: web}
  packed: {entry: single-zone}",
    );
    let spread_u = 1.0 - r * (1.0 - (1.0 - z * a).powi(2));
    let packed_u = 1.0 - r * z * (1.0 - (1.0 - a).powi(2));
    close(checked.report.flows[0].unavailability, spread_u, 1e-12);
    close(checked.report.flows[1].unavailability, packed_u, 1e-12);
    // Independence would ignore the domains entirely.
    close(checked.report.flows[0].independent_unavailability, (1.0 - a).powi(2), 1e-12);
    assert!(checked.report.flows[0].correlation_delta_nines > 0.0);
}

#[test]
fn shared_zone_is_one_event_across_components() {
    // Two single-replica components in the same zone: the zone appears once.
    let checked = check(
        "domains:
  z: {availability: 0.9}
components:
  a: {availability: 0.8, in: z, calls: [b]}
  b: {availability: 0.7, in: z}
flows:
  f: {entry: a}",
    );
    close(checked.report.flows[0].availability, 0.9 * 0.8 * 0.7, 1e-12);
}

#[test]
fn outage_frequency_of_a_single_unit() {
    let checked = check(
        "components:
  x: {mttf: 1000h, mttr: 10h}
flows:
  f: {entry: x}",
    );
    let flow = &checked.report.flows[0];
    // ν = 1 / (MTTF + MTTR); mean outage = MTTR.
    close(flow.outages_per_year.unwrap(), YEAR / (1010.0 * HOUR), 1e-12);
    close(flow.mean_outage_s.unwrap(), 10.0 * HOUR, 1e-9);
}

#[test]
fn outage_frequency_of_series_and_parallel() {
    let (l1, m1, l2, m2) = (1.0 / 500.0, 1.0 / 2.0, 1.0 / 2000.0, 1.0 / 8.0);
    let (a1, a2) = (m1 / (l1 + m1), m2 / (l2 + m2));
    let series = check(
        "components:
  a: {mttf: 500h, mttr: 2h, calls: [b]}
  b: {mttf: 2000h, mttr: 8h}
flows:
  f: {entry: a}",
    );
    // ν(A ∧ B) = ν_A·A_B + ν_B·A_A with ν = A·λ.
    let nu = a1 * l1 * a2 + a2 * l2 * a1;
    close(series.report.flows[0].outages_per_year.unwrap(), nu * 8760.0, 1e-12);
    let parallel = check(
        "components:
  a: {mttf: 500h, mttr: 2h, replicas: 2}
flows:
  f: {entry: a}",
    );
    // 1-of-2: leaves "up" only from exactly one up, at rate λ.
    let nu = 2.0 * a1 * (1.0 - a1) * l1;
    close(parallel.report.flows[0].outages_per_year.unwrap(), nu * 8760.0, 1e-12);
}

#[test]
fn frequency_unknown_without_repair_times() {
    let checked = check(
        "components:
  x: {sla: 99.9%}
flows:
  f: {entry: x}",
    );
    assert_eq!(checked.report.flows[0].outages_per_year, None);
}

#[test]
fn active_passive_failover_adds_coverage_and_switch_time() {
    let checked = check(
        "components:
  db: {mttf: 1000h, mttr: 4h, replicas: 2, standby: {failover: 1m, success: 90%}}
flows:
  f: {entry: db}",
    );
    let (l, r) = (1.0 / (1000.0 * HOUR), 4.0 * HOUR);
    let q = r / (1000.0 * HOUR + r);
    let base = q * q;
    let active_failures = l * (1.0 - base);
    let failover = active_failures * (0.9 * MINUTE + 0.1 * r);
    let expected = 1.0 - (1.0 - base) * (1.0 - failover);
    close(checked.report.flows[0].unavailability, expected, 1e-12);
}

#[test]
fn c_03_change_risk() {
    // 20 deploys/month × 15% change failure rate × 30 min to restore = 90 min a month.
    let checked = check(
        "components:
  web: {availability: 100%, changes: {deploys: 20/mo, failure_rate: 15%, restore: 30m}}
flows:
  f: {entry: web, objective: {availability: 99.9%}}",
    );
    let flow = &checked.report.flows[0];
    close(flow.change_unavailability * MONTH / MINUTE, 90.0, 1e-12);
    close(flow.unavailability * MONTH / MINUTE, 90.0, 1e-12);
    // 90 min > the 43.2 min a 99.9% objective allows in 30 days: the check fails.
    assert!(checked.findings.iter().any(|d| d.rule == "slo/availability" || d.rule == "slo/infeasible"));
}

#[test]
fn c_02_error_budgets() {
    for (objective, minutes) in [("99.9%", 43.2), ("99.95%", 21.6), ("99.99%", 4.32)] {
        let checked = check(&format!(
            "components:
  x: {{availability: 100%}}
flows:
  f: {{entry: x, objective: {{availability: {objective}}}}}"
        ));
        close(checked.report.flows[0].budget_per_window_s.unwrap() / MINUTE, minutes, 1e-12);
    }
}

#[test]
fn single_points_of_failure_and_double_failures() {
    let checked = check(
        "domains:
  z1: {availability: 99.9%}
  z2: {availability: 99.9%}
components:
  lb: {availability: 99.99%, calls: [web]}
  web: {availability: 99%, replicas: 2, spread: [z1, z2], calls: [db]}
  db: {availability: 99.9%, replicas: 2, in: z1}
flows:
  f: {entry: lb}",
    );
    let flow = &checked.report.flows[0];
    let names: Vec<String> = flow.spofs.iter().map(|c| ninecheck::render::human::cut_name(&checked.model, c)).collect();
    assert_eq!(names, ["lb", "z1"]);
    let pairs: Vec<String> =
        flow.order_two.iter().map(|c| ninecheck::render::human::cut_name(&checked.model, c)).collect();
    assert!(pairs.contains(&"2 replicas of db".to_string()), "{pairs:?}");
    assert!(pairs.contains(&"2 replicas of web".to_string()), "{pairs:?}");
}

#[test]
fn ceiling_keeps_what_replicas_cannot_fix() {
    let checked = check(
        "domains:
  region: {availability: 99.9%}
components:
  web: {availability: 99%, replicas: 2, in: region, calls: [vendor]}
  vendor: {sla: 99.95%}
flows:
  f: {entry: web, objective: {availability: 99.99%}}",
    );
    close(checked.report.flows[0].ceiling_unavailability, 1.0 - 0.999 * 0.9995, 1e-12);
    let rules: Vec<&str> = checked.findings.iter().map(|d| d.rule).collect();
    assert!(rules.contains(&"slo/infeasible"), "{rules:?}");
}

#[test]
fn a_component_that_never_fails_needs_no_mttr_for_outage_frequency() {
    // lb never fails (rate 0); the pair of `a` fails when one replica is down and the
    // other fails: ν = 2·q·A·λ with λ = 1/mttf, A = mttf/(mttf+mttr), q = 1 − A
    // (equivalently q²·2μ: both down, either repair ends it).
    let checked = check(
        "domains:
  cloud: {availability: 100%}
components:
  lb: {availability: 100%, calls: [a], in: cloud}
  a: {mttf: 1000h, mttr: 1h, replicas: 2}
flows:
  f: {entry: lb}",
    );
    let flow = &checked.report.flows[0];
    assert!(flow.missing_mttr.is_empty(), "{:?}", flow.missing_mttr);
    let (mttf, mttr) = (1000.0 * HOUR, HOUR);
    let (a, q) = (mttf / (mttf + mttr), mttr / (mttf + mttr));
    let nu = 2.0 * q * a / mttf;
    close(nu, q * q * 2.0 / mttr, 1e-12);
    close(flow.outages_per_year.expect("frequency is known"), nu * YEAR, 1e-9);
    close(flow.mean_outage_s.expect("mean outage is known"), mttr / 2.0, 1e-9);
}
