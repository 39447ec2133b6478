//! End-to-end CLI behaviour: exit codes, output streams, JSON shape, output files.

use std::process::{Command, Output};

fn nines(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nines")).args(args).env("NO_COLOR", "1").output().expect("binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const SHOP: &str = "tests/inputs/small-shop.yaml";
const CLEAN: &str = "tests/inputs/clean.yaml";
const BAD: &str = "tests/inputs/many-errors.yaml";

#[test]
fn exit_codes_follow_fail_on_and_never_the_format() {
    for format in ["human", "json"] {
        assert_eq!(nines(&["check", SHOP, "--format", format]).status.code(), Some(1));
        assert_eq!(nines(&["check", SHOP, "--format", format, "--fail-on", "never"]).status.code(), Some(0));
        assert_eq!(nines(&["check", CLEAN, "--format", format]).status.code(), Some(0));
        assert_eq!(nines(&["check", CLEAN, "--format", format, "--fail-on", "warning"]).status.code(), Some(0));
        assert_eq!(nines(&["check", BAD, "--format", format]).status.code(), Some(2));
    }
}

#[test]
fn warnings_fail_only_when_asked() {
    let model = "components:\n  a: {availability: 99.99%}\nflows:\n  f: {entry: a, objective: {availability: 99.9%}}\n";
    let dir = std::env::temp_dir().join(format!("nines-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("spof.yaml");
    std::fs::write(&path, model).unwrap();
    let path = path.to_str().unwrap();
    assert_eq!(nines(&["check", path]).status.code(), Some(0));
    assert_eq!(nines(&["check", path, "--fail-on", "warning"]).status.code(), Some(1));
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(nines(&["check"]).status.code(), Some(2));
    assert_eq!(nines(&["check", SHOP, "--format", "xml"]).status.code(), Some(2));
    assert_eq!(nines(&["check", SHOP, "--today", "tomorrow"]).status.code(), Some(2));
    assert_eq!(nines(&["check", "no/such/file.yaml"]).status.code(), Some(2));
    assert_eq!(nines(&["check", "tests"]).status.code(), Some(2));
    let unknown = nines(&["explain", "slo/availabilty"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("did you mean `slo/availability`?"));
}

#[test]
fn json_has_the_documented_shape() {
    let out = nines(&["check", SHOP, "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("stdout is JSON");
    assert_eq!(json["version"], 1);
    assert_eq!(json["valid"], true);
    let flow = &json["flows"][0];
    assert_eq!(flow["name"], "checkout");
    for key in ["availability", "unavailability", "downtime_per_year_s", "outages_per_year", "mean_outage_s"] {
        assert!(flow[key].is_number(), "flows[0].{key} = {}", flow[key]);
    }
    let a = flow["availability"].as_f64().unwrap();
    let u = flow["unavailability"].as_f64().unwrap();
    assert!((a + u - 1.0).abs() < 1e-12);
    let component = &json["components"][0];
    for key in ["name", "availability", "importance"] {
        assert!(!component[key].is_null(), "components[0].{key}");
    }
    let finding = &json["findings"][0];
    for key in ["rule", "severity", "message", "file", "line", "column"] {
        assert!(!finding[key].is_null(), "findings[0].{key}");
    }
    // The human summary goes to stderr when stdout carries JSON.
    assert!(stderr(&out).contains("1 error"), "{}", stderr(&out));
}

#[test]
fn input_errors_in_json_are_located() {
    let out = nines(&["check", BAD, "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("stdout is JSON");
    assert_eq!(json["valid"], false);
    assert_eq!(json["findings"].as_array().unwrap().len(), 11);
    assert_eq!(json["findings"][0]["line"], 3);
    assert_eq!(json["findings"][0]["column"], 11);
    assert!(stderr(&out).contains("11 problems"));
}

#[test]
fn output_is_deterministic() {
    let a = nines(&["check", SHOP, "--format", "json", "--today", "2026-12-03"]);
    let b = nines(&["check", SHOP, "--format", "json", "--today", "2026-12-03"]);
    assert_eq!(a.stdout, b.stdout);
    let a = nines(&["check", SHOP, "--today", "2026-12-03"]);
    let b = nines(&["check", SHOP, "--today", "2026-12-03"]);
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn output_files_are_written_whole() {
    let dir = std::env::temp_dir().join(format!("nines-out-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let json = dir.join("report.json");
    let text = dir.join("report.txt");
    let out =
        nines(&["check", SHOP, "-o", &format!("json={}", json.display()), "-o", &format!("human={}", text.display())]);
    assert_eq!(out.status.code(), Some(1));
    let parsed: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(parsed["version"], 1);
    assert!(std::fs::read_to_string(&text).unwrap().contains("checkout"));
    // Nothing left behind but the two files.
    let names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    // Without FORMAT=, a `.json` file gets JSON whatever --format says; others get --format.
    let plain = dir.join("plain.JSON");
    let other = dir.join("plain.txt");
    nines(&["check", SHOP, "-o", &plain.display().to_string(), "-o", &other.display().to_string()]);
    let parsed: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&plain).unwrap()).unwrap();
    assert_eq!(parsed["version"], 1);
    assert!(std::fs::read_to_string(&other).unwrap().contains("checkout"));
    // An unwritable destination is an error, not a partial file.
    let bad = nines(&["check", CLEAN, "-o", "/nonexistent-dir/x.json"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn explain_lists_and_explains_rules() {
    let all = nines(&["explain"]);
    assert_eq!(all.status.code(), Some(0));
    assert!(stdout(&all).contains("slo/availability"));
    let one = nines(&["explain", "model/spof"]);
    assert!(stdout(&one).contains("minimal cut set"));
}

#[test]
fn human_report_snapshot() {
    let out = nines(&["check", SHOP, "--color", "never", "--today", "2026-12-03"]);
    insta::assert_snapshot!(stdout(&out));
}

/// A one-line model (e.g. generated JSON) whose problems sit past column 65,535.
fn long_line_model(value: &str) -> String {
    let padding = "x".repeat(70_000);
    format!(
        "{{\"components\": {{\"a\": {{\"description\": \"{padding}\", \"availability\": \"{value}\"}}}}, \
         \"flows\": {{\"f\": {{\"entry\": \"a\", \"objective\": {{\"availability\": \"99.99%\"}}}}}}}}\n"
    )
}

#[test]
fn labels_on_very_long_lines_are_shown_without_a_snippet() {
    let dir = std::env::temp_dir().join(format!("nines-long-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let found = dir.join("found.json");
    std::fs::write(&found, long_line_model("99%")).unwrap();
    let found = found.to_str().unwrap();
    let invalid = dir.join("invalid.json");
    std::fs::write(&invalid, long_line_model("bad")).unwrap();
    let invalid = invalid.to_str().unwrap();
    for (path, code, column) in [(found, 1, 70_127), (invalid, 2, 70_058)] {
        for format in ["human", "json"] {
            let out = nines(&["check", path, "--format", format]);
            assert_eq!(out.status.code(), Some(code), "{path} {format}: {}", stderr(&out));
            assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
            // Input errors go to stderr; findings to stdout (only the count line with JSON).
            let text = if code == 1 { stdout(&out) } else { stderr(&out) };
            if format == "human" || code == 2 {
                assert!(text.contains(&format!("  --> {path}:1:{column}\n")), "{path} {format}: {text}");
            }
            if format == "json" {
                let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("stdout is JSON");
                assert!(json["findings"].as_array().unwrap().iter().any(|f| f["column"] == column), "{json}");
            }
        }
    }
}

#[test]
fn unreadable_inputs_still_print_a_json_document() {
    let dir = std::env::temp_dir().join(format!("nines-io-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let binary = dir.join("binary.yaml");
    std::fs::write(&binary, b"components:\n  a: \xff\n").unwrap();
    for path in ["no/such/file.yaml", "tests", binary.to_str().unwrap()] {
        let out = nines(&["check", path, "--format", "json"]);
        assert_eq!(out.status.code(), Some(2));
        let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("stdout is JSON");
        assert_eq!(json["valid"], false);
        assert_eq!(json["file"], path);
        assert_eq!(json["findings"][0]["rule"], "input/io");
        assert_eq!(json["findings"][0]["line"], serde_json::Value::Null);
        assert_eq!(json["summary"]["errors"], 1);
        assert!(stderr(&out).starts_with("error[input/io]: "), "{}", stderr(&out));
    }
}

#[test]
fn far_labels_are_listed_below_the_snippet() {
    let shop = "examples/aws-three-zone-shop.yaml";
    let out = nines(&["check", shop, "--color", "never", "--today", "2026-12-03"]);
    let text = stdout(&out);
    let region = text.split("\n\n").find(|d| d.contains("losing region `us-east-1`")).expect("the region finding");
    // The snippet keeps the primary (line 43) and nothing 30 lines away; the rest is text.
    assert!(region.contains(" 43 │   us-east-1:"), "{region}");
    assert!(!region.contains(" 107 │") && !region.contains(" 90 │"), "{region}");
    assert!(region.ends_with(&format!(
        "  also: `web` is placed only here ({shop}:107:5)\n  also: `worker` is placed only here ({shop}:179:5)"
    )));
    // JSON keeps every label.
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&nines(&["check", shop, "--format", "json", "--today", "2026-12-03"]))).unwrap();
    let finding = json["findings"].as_array().unwrap().iter().find(|f| f["line"] == 43).unwrap();
    assert_eq!(finding["related"].as_array().unwrap().len(), 2);
}

#[test]
fn json_cut_sets_objectives_and_notes_are_as_documented() {
    let out = nines(&["check", "examples/failing-single-zone.yaml", "--format", "json", "--today", "2026-12-03"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("stdout is JSON");
    let flow = &json["flows"][0];
    assert_eq!(flow["objective"], 0.9995);
    assert_eq!(flow["missing_mttr"], serde_json::json!(["alb", "app", "db"]));
    let cut = &flow["order_two_cut_sets"][0];
    assert_eq!(cut["units"], serde_json::json!(["app"]));
    assert_eq!(cut["order"], 2);
    assert!(cut["probability"].as_f64().unwrap() > 0.0);
    assert_eq!(json["summary"]["notes"], 1);
    let model = "components:\n  a: {availability: 99.99%}\nflows:\n  f: {entry: a, objective: {availability: 99.9%}}\n";
    let dir = std::env::temp_dir().join(format!("nines-json-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("objective.yaml");
    std::fs::write(&path, model).unwrap();
    let out = nines(&["check", path.to_str().unwrap(), "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("stdout is JSON");
    assert_eq!(json["flows"][0]["objective"].to_string(), "0.999");
}
