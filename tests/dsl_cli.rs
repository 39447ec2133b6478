//! `nines fmt`, `nines convert` and `nines check` on DSL files: exit codes,
//! output streams, files written whole or not at all.

use std::path::PathBuf;
use std::process::{Command, Output};

fn nines(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nines")).args(args).env("NO_COLOR", "1").output().expect("binary runs")
}

fn scratch(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nines-dsl-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

const FORMATTED: &str = "component a { availability 99.99% }\n\nflow f { entry a }\n";
const UNFORMATTED: &str = "component a {availability 99.99%}   # tier\nflow f {\n entry a\n}\n";

#[test]
fn fmt_check_exits_1_and_names_the_file_only_when_unformatted() {
    let good = scratch("good.nines", FORMATTED);
    let out = nines(&["fmt", "--check", good.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let bad = scratch("bad.nines", UNFORMATTED);
    let out = nines(&["fmt", "--check", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("bad.nines"));
    assert_eq!(std::fs::read_to_string(&bad).unwrap(), UNFORMATTED, "--check changes nothing");
}

#[test]
fn fmt_rewrites_in_place_or_prints_with_stdout() {
    let path = scratch("rewrite.nines", UNFORMATTED);
    let out = nines(&["fmt", "--stdout", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let printed = String::from_utf8(out.stdout).unwrap();
    // The trailing comment stays with the last entry on its line.
    assert_eq!(printed, "component a {\n  availability 99.99%  # tier\n}\n\nflow f { entry a }\n");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), UNFORMATTED);
    assert_eq!(nines(&["fmt", path.to_str().unwrap()]).status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), printed);
    assert_eq!(nines(&["fmt", "--check", path.to_str().unwrap()]).status.code(), Some(0));
}

#[test]
fn fmt_refuses_invalid_or_yaml_input_with_exit_2() {
    let broken = scratch("broken.nines", "component a {\n");
    let out = nines(&["fmt", broken.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("syntax/dsl"));
    assert_eq!(std::fs::read_to_string(&broken).unwrap(), "component a {\n");
    assert_eq!(nines(&["fmt", "tests/inputs/clean.yaml"]).status.code(), Some(2));
    assert_eq!(nines(&["fmt", "no/such.nines"]).status.code(), Some(2));
}

#[test]
fn convert_both_ways_and_refuse_invalid_models() {
    let out = nines(&["convert", "tests/inputs/small-shop.yaml", "--to", "dsl"]);
    assert_eq!(out.status.code(), Some(0));
    let dsl = scratch("shop.nines", &String::from_utf8(out.stdout).unwrap());
    let yaml = dsl.with_extension("yaml");
    let out = nines(&["convert", dsl.to_str().unwrap(), "--to", "yaml", "-o", yaml.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty(), "-o writes the file, not stdout");
    let check = |path: &str| nines(&["check", path, "--format", "json", "--today", "2026-12-03"]);
    let (a, b) = (check("tests/inputs/small-shop.yaml"), check(yaml.to_str().unwrap()));
    assert_eq!(a.status.code(), b.status.code());
    let flows = |o: &Output| serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()["flows"].clone();
    assert_eq!(flows(&a), flows(&b));
    // An invalid model is refused, with the usual diagnostics, and nothing is written.
    let target = dsl.with_file_name("never.nines");
    let out = nines(&["convert", "tests/inputs/many-errors.yaml", "--to", "dsl", "-o", target.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("model/unknown-key"));
    assert!(!target.exists());
    assert_eq!(nines(&["convert", "tests/inputs/clean.yaml", "--to", "toml"]).status.code(), Some(2));
}

#[test]
fn check_reads_dsl_files_with_the_usual_exit_codes() {
    assert_eq!(nines(&["check", "examples/failing-single-zone.nines"]).status.code(), Some(1));
    assert_eq!(nines(&["check", "examples/azure-web-app-dev.nines", "--today", "2026-12-03"]).status.code(), Some(0));
    let bad = scratch("unknown.nines", "component a { availability 99.9%; calls [b] }\nflow f { entry a }\n");
    let out = nines(&["check", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown.nines:1:42"));
    // Without a known extension the spelling is sniffed.
    let sniffed = scratch("model", FORMATTED);
    assert_eq!(nines(&["check", sniffed.to_str().unwrap()]).status.code(), Some(0));
}
