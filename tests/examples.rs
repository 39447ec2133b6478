//! The example models double as tests.
//!
//! Every `examples/*.yaml` states its expected findings in its header, one per line:
//!
//! ```text
//! # expect: <rule> <line>:<column>            (an unwaived finding)
//! # expect: <rule> <line>:<column> waived     (a finding covered by a waiver)
//! # expect: none                              (no findings at all)
//! ```
//!
//! where `<line>:<column>` is the 1-based position of the finding's primary label,
//! as printed in the JSON output. These tests hold the library AND the `nines` binary
//! to exactly that multiset, check the binary's exit code, and pin the published
//! reference figures the Azure examples reproduce (cases.md AV-12 and AV-13).

use std::path::{Path, PathBuf};
use std::process::Command;

use ninecheck::diagnostic::Severity;
use ninecheck::model::{CallTarget, Model};
use ninecheck::source::SourceFile;

/// Fixed "today" for waiver expiry, so results do not change with the calendar.
const TODAY: &str = "2026-12-03";

/// One expected finding: rule id, 1-based position of the primary label, waived or not.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Finding {
    rule: String,
    line: usize,
    column: usize,
    waived: bool,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}:{}{}", self.rule, self.line, self.column, if self.waived { " waived" } else { "" })
    }
}

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// Every `examples/*.yaml`, sorted by name.
fn examples() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(examples_dir())
        .expect("examples/ is readable")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no examples/*.yaml found");
    files
}

fn read(path: &Path) -> SourceFile {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    SourceFile::new(path.file_name().unwrap().to_string_lossy(), text)
}

/// The `# expect:` lines of a file, sorted. Malformed lines fail the test.
fn expectations(source: &SourceFile) -> Vec<Finding> {
    let mut expected = Vec::new();
    let mut none = false;
    for (i, line) in source.text.lines().enumerate() {
        let Some(rest) = line.strip_prefix("# expect:") else { continue };
        let at = || format!("{}:{}: malformed `# expect:` line {line:?}", source.name, i + 1);
        let words: Vec<&str> = rest.split_whitespace().collect();
        match words.as_slice() {
            ["none"] => none = true,
            [rule, position, flags @ ..] => {
                let (l, c) = position.split_once(':').unwrap_or_else(|| panic!("{}", at()));
                let waived = match flags {
                    [] => false,
                    ["waived"] => true,
                    _ => panic!("{}", at()),
                };
                expected.push(Finding {
                    rule: (*rule).to_string(),
                    line: l.parse().unwrap_or_else(|_| panic!("{}", at())),
                    column: c.parse().unwrap_or_else(|_| panic!("{}", at())),
                    waived,
                });
            }
            _ => panic!("{}", at()),
        }
    }
    assert!(
        none == expected.is_empty(),
        "{}: state the expected findings with `# expect:` lines, or `# expect: none` alone",
        source.name
    );
    expected.sort();
    expected
}

fn check(source: &SourceFile) -> ninecheck::Checked {
    ninecheck::check_source(source, TODAY).unwrap_or_else(|errors| {
        let messages: Vec<String> = errors.iter().map(|d| format!("{}: {}", d.rule, d.message)).collect();
        panic!("{} is not a valid model:\n{}", source.name, messages.join("\n"))
    })
}

/// The library's findings in the same shape as the expectations.
fn actual(source: &SourceFile, checked: &ninecheck::Checked) -> Vec<Finding> {
    let mut found: Vec<Finding> = checked
        .findings
        .iter()
        .map(|d| {
            let (line, column) = d.primary.as_ref().map_or((0, 0), |label| source.line_col(label.span.start));
            Finding { rule: d.rule.to_string(), line, column, waived: d.waived.is_some() }
        })
        .collect();
    found.sort();
    found
}

fn list(findings: &[Finding]) -> String {
    if findings.is_empty() {
        return "    (none)".into();
    }
    findings.iter().map(|f| format!("    {f}")).collect::<Vec<_>>().join("\n")
}

#[test]
fn every_example_has_exactly_its_expected_findings() {
    let mut failures = Vec::new();
    for path in examples() {
        let source = read(&path);
        let expected = expectations(&source);
        let found = actual(&source, &check(&source));
        if found != expected {
            failures.push(format!("{}\n  expected:\n{}\n  found:\n{}", source.name, list(&expected), list(&found)));
        }
    }
    assert!(
        failures.is_empty(),
        "examples whose findings differ from their `# expect:` lines:\n{}",
        failures.join("\n")
    );
}

#[test]
fn every_example_runs_through_the_cli_with_the_right_exit_code_and_positions() {
    for path in examples() {
        let source = read(&path);
        let checked = check(&source);
        let expected_code = if checked.findings.iter().any(|d| d.counts_at(Severity::Error)) { 1 } else { 0 };
        let output = Command::new(env!("CARGO_BIN_EXE_nines"))
            .args(["check", "--format", "json", "--color", "never", "--today", TODAY])
            .arg(&path)
            .output()
            .expect("run nines");
        assert_eq!(
            output.status.code(),
            Some(expected_code),
            "{}: exit code\nstderr:\n{}",
            source.name,
            String::from_utf8_lossy(&output.stderr)
        );
        let json: serde_json::Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|e| panic!("{}: stdout is not JSON ({e})", source.name));
        let mut from_cli: Vec<Finding> = json["findings"]
            .as_array()
            .unwrap_or_else(|| panic!("{}: no `findings` array in the JSON", source.name))
            .iter()
            .map(|f| Finding {
                rule: f["rule"].as_str().expect("rule").to_string(),
                line: f["line"].as_u64().expect("line") as usize,
                column: f["column"].as_u64().expect("column") as usize,
                waived: f["waived"].as_bool().expect("waived"),
            })
            .collect();
        from_cli.sort();
        let expected = expectations(&source);
        assert!(
            from_cli == expected,
            "{}: JSON findings differ from the `# expect:` lines\n  expected:\n{}\n  found:\n{}",
            source.name,
            list(&expected),
            list(&from_cli)
        );
    }
}

/// Availability of the named flow.
fn flow_availability(checked: &ninecheck::Checked, flow: &str) -> f64 {
    let f = checked.model.flows.iter().position(|f| f.name == flow).unwrap_or_else(|| panic!("no flow `{flow}`"));
    checked.report.flows[f].availability
}

fn component<'m>(model: &'m mut Model, name: &str) -> &'m mut ninecheck::model::Component {
    model.components.iter_mut().find(|c| c.name == name).unwrap_or_else(|| panic!("no component `{name}`"))
}

fn product(values: &[f64]) -> f64 {
    values.iter().product()
}

// The SLAs of the Azure Reliable Web App worksheet (assets/sla-calculation.md).
const FRONT_DOOR: f64 = 0.9999;
const ENTRA_ID: f64 = 0.9999;
const PRIVATE_DNS: f64 = 1.0;
const PRIVATE_LINK: f64 = 0.9999;
const APP_SERVICE: f64 = 0.9995;
const REDIS: f64 = 0.999;
const SQL: f64 = 0.99995;
const STORAGE: f64 = 0.999;
const KEY_VAULT: f64 = 0.9999;
const APP_CONFIGURATION: f64 = 0.999;

#[test]
fn av12_azure_reliable_web_app_dev_single_region() {
    let checked = check(&read(&examples_dir().join("azure-web-app-dev.yaml")));
    let a = flow_availability(&checked, "web");
    // Published value (cases.md AV-12), tolerance 1e-8.
    assert!((a - 0.99615577).abs() < 1e-8, "AV-12: {a}");
    // The exact series product.
    let exact = product(&[FRONT_DOOR, ENTRA_ID, APP_SERVICE, REDIS, SQL, STORAGE, KEY_VAULT, APP_CONFIGURATION]);
    assert!((a - exact).abs() < 1e-12, "AV-12 exact: {a} vs {exact}");
}

/// The production stack of one region, without the shared global services.
fn regional_stack() -> f64 {
    PRIVATE_LINK.powi(7) * product(&[APP_SERVICE, REDIS, SQL, STORAGE, KEY_VAULT, APP_CONFIGURATION])
}

#[test]
fn av13_azure_reliable_web_app_prod_single_region() {
    // The production example with its secondary region switched off: drop Front
    // Door's fallback, leaving the worksheet's "Production - Single Region" design.
    let mut model = ninecheck::load(&read(&examples_dir().join("azure-web-app-prod.yaml"))).expect("valid model");
    let front_door = component(&mut model, "front-door");
    match &mut front_door.calls[0].target {
        CallTarget::Single { fallback, .. } => {
            assert_eq!(fallback.len(), 1, "front-door falls back to the secondary region");
            fallback.clear();
        }
        other => panic!("front-door's first call should be a single call with a fallback, not {other:?}"),
    }
    let checked = ninecheck::check_model(model, TODAY);
    let a = flow_availability(&checked, "web");
    // Published value (cases.md AV-13), tolerance 1e-8.
    assert!((a - 0.99545867).abs() < 1e-8, "AV-13: {a}");
    let exact = FRONT_DOOR * ENTRA_ID * PRIVATE_DNS * regional_stack();
    assert!((a - exact).abs() < 1e-12, "AV-13 exact: {a} vs {exact}");
    // One region misses the 99.9% objective, as the worksheet says.
    assert!(checked.findings.iter().any(|d| d.rule.starts_with("slo/") && d.waived.is_none()));
}

#[test]
fn azure_reliable_web_app_prod_two_regions_counts_shared_services_once() {
    let checked = check(&read(&examples_dir().join("azure-web-app-prod.yaml")));
    let a = flow_availability(&checked, "web");
    let shared = FRONT_DOOR * ENTRA_ID * PRIVATE_DNS;
    let r = regional_stack();
    // Front Door, Entra ID and Private DNS in series once; only the regional stack doubled.
    let exact = shared * (1.0 - (1.0 - r).powi(2));
    assert!((a - exact).abs() < 1e-12, "two regions: {a} vs {exact}");
    assert!((a - 0.99978116).abs() < 1e-8, "two regions: {a}");
    // The worksheet's 99.9779% counts the shared services twice (its regional figure
    // is the single-region total, which already contains them): pessimistic by 1.8e-6.
    let single_region = shared * r;
    let worksheet = shared * (1.0 - (1.0 - single_region).powi(2));
    assert!((worksheet - 0.99977939).abs() < 1e-8, "worksheet: {worksheet}");
    assert!(a - worksheet > 1.7e-6 && a - worksheet < 1.9e-6);
    // Duplicating the whole stack per region (a Front Door and an Entra ID per region)
    // would claim about 10× too little downtime; the model must not.
    let duplicated = 1.0 - (1.0 - single_region).powi(2);
    assert!((1.0 - a) / (1.0 - duplicated) > 10.0);
}
