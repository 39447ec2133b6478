//! Input errors: every problem reported at once, each at the exact line:column of
//! the value responsible, rendered identically every time (insta snapshots).

mod common;

use common::{errors, positions};
use ninecheck::source::SourceFile;

#[test]
fn every_problem_at_once_with_exact_positions() {
    let (source, diagnostics) = errors("many-errors.yaml", include_str!("inputs/many-errors.yaml"));
    assert_eq!(
        positions(&source, &diagnostics),
        [
            ("model/invalid-value", 3, 11),
            ("model/invalid-value", 5, 26),
            ("model/unknown-ref", 6, 16),
            ("model/conflict", 10, 5),
            ("model/unknown-key", 11, 5),
            ("model/unknown-ref", 12, 13),
            ("model/invalid-value", 16, 18),
            ("model/duplicate", 18, 3),
            ("model/missing-field", 21, 5),
            ("model/invalid-value", 22, 24),
            ("model/missing-field", 27, 3),
        ]
    );
    let unknown_key = &diagnostics[4];
    assert_eq!(unknown_key.help.as_deref(), Some("did you mean `replicas`?"));
    insta::assert_snapshot!(ninecheck::render::human::diagnostics(&source, &diagnostics, false));
}

#[test]
fn call_cycle_names_every_member() {
    let (source, diagnostics) = errors(
        "cycle.yaml",
        "components:
  a: {availability: 99%, calls: [b]}
  b: {availability: 99%, calls: [c]}
  c: {availability: 99%, calls: [{to: d, fallback: [a]}]}
  d: {availability: 99%}
flows:
  f: {entry: a}
",
    );
    assert_eq!(positions(&source, &diagnostics), [("model/cycle", 2, 34)]);
    assert_eq!(diagnostics[0].message, "call cycle through `a`, `b`, `c`");
    assert_eq!(diagnostics[0].secondary.len(), 2);
}

#[test]
fn self_call_is_a_cycle() {
    let (source, diagnostics) = errors(
        "self.yaml",
        "components:
  a: {availability: 99%, calls: [a]}
flows:
  f: {entry: a}
",
    );
    assert_eq!(positions(&source, &diagnostics), [("model/cycle", 2, 34)]);
}

#[test]
fn yaml_syntax_error_is_located() {
    let (source, diagnostics) = errors("syntax.yaml", "components:\n  a: {availability: 99%\nflows: [\n");
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(diagnostics[0].rule, "syntax/yaml");
    let (line, _) = source.line_col(diagnostics[0].primary.as_ref().unwrap().span.start);
    assert!(line >= 2, "points into the file, got line {line}");
}

#[test]
fn empty_and_wrongly_shaped_files() {
    let (_, diagnostics) = errors("empty.yaml", "");
    assert_eq!(diagnostics[0].rule, "model/missing-field");
    let (source, diagnostics) = errors("list.yaml", "- a\n- b\n");
    assert_eq!(positions(&source, &diagnostics), [("model/type", 1, 1)]);
    let (source, diagnostics) = errors(
        "types.yaml",
        "components:
  a: {availability: [99%], replicas: two, calls: b}
flows:
  f: {entry: a, objective: 99.9%}
",
    );
    assert_eq!(
        positions(&source, &diagnostics),
        [("model/type", 2, 21), ("model/type", 2, 38), ("model/type", 2, 50), ("model/type", 4, 28)]
    );
}

#[test]
fn waiver_for_unknown_rule_suggests_the_closest() {
    let (source, diagnostics) = errors(
        "waiver.yaml",
        "components:
  a:
    availability: 99%
    waivers: [{rule: model/spfo, reason: accepted}]
flows:
  f: {entry: a}
",
    );
    assert_eq!(positions(&source, &diagnostics), [("model/unknown-ref", 4, 22)]);
    assert_eq!(diagnostics[0].help.as_deref(), Some("did you mean `model/spof`?"));
}

#[test]
fn hostile_inputs_never_panic() {
    let deep = format!("components: {}{}", "[".repeat(5000), "]".repeat(5000));
    let bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n";
    let huge_replicas = "components:\n  a: {availability: 99%, replicas: 1e300}\nflows:\n  f: {entry: a}\n";
    let nan = "components:\n  a: {availability: .nan, mttr: .inf}\nflows:\n  f: {entry: a}\n";
    let weird_keys = "? [a, b]\n: 1\n";
    for (name, text) in
        [("deep", deep.as_str()), ("bomb", bomb), ("huge", huge_replicas), ("nan", nan), ("keys", weird_keys)]
    {
        let source = SourceFile::new(name, text);
        let result = std::panic::catch_unwind(|| ninecheck::load(&source).map(|_| ()));
        assert!(matches!(result, Ok(Err(_))), "{name} must be rejected with diagnostics, not accepted or panic");
    }
}

#[test]
fn call_cycles_are_reported_with_every_other_problem() {
    let (source, diagnostics) = errors(
        "cycle-and-more.yaml",
        "components:
  a: {availability: 99%, calls: [b], replicaz: 2}
  b: {availability: 99%, calls: [a]}
flows:
  f: {entry: a}
",
    );
    assert_eq!(positions(&source, &diagnostics), [("model/cycle", 2, 34), ("model/unknown-key", 2, 38)]);
}

#[test]
fn call_cycles_are_reported_beside_a_domain_cycle() {
    let (source, diagnostics) = errors(
        "two-cycles.yaml",
        "domains:
  r: {parent: z, availability: 99.99%}
  z: {parent: r, availability: 99.9%}
components:
  a: {availability: 99%, calls: [b], in: z}
  b: {availability: 99%, calls: [{to: c, fallback: [a]}]}
  c: {availability: 99%}
flows:
  f: {entry: a}
",
    );
    assert_eq!(
        positions(&source, &diagnostics),
        [("model/cycle", 2, 3), ("model/cycle", 3, 3), ("model/cycle", 5, 34)]
    );
}

#[test]
fn yaml_1_1_boolean_words_are_names() {
    let source = SourceFile::new(
        "names.yaml",
        "components:
  lb: {availability: 99.99%, calls: [y, {parallel: [x, n], quorum: 1}, {to: on, soft: True}]}
  y: {availability: 99.9%}
  x: {availability: 99.9%}
  n: {availability: 99.9%}
  on: {availability: 99.9%}
flows:
  f: {entry: lb}
",
    );
    let model = ninecheck::load(&source).expect("y, n and on are component names");
    assert_eq!(model.components[0].calls.len(), 3);
    assert!(model.components[0].calls[2].soft);
    // `yes` is a string now: a boolean field says so, at its position.
    let (source, diagnostics) = errors(
        "soft.yaml",
        "components:\n  a: {availability: 99%, calls: [{to: b, soft: yes}]}\n  b: {availability: 99%}\nflows:\n  f: {entry: a}\n",
    );
    assert_eq!(positions(&source, &diagnostics), [("model/type", 2, 48)]);
}

#[test]
fn impossible_waiver_dates_are_rejected() {
    let (source, diagnostics) = errors(
        "dates.yaml",
        "components:
  a:
    availability: 99%
    waivers:
      - {rule: model/spof, reason: ok, expires: 2027-02-30}
      - {rule: model/spof, reason: ok, expires: 2028-02-29}
      - {rule: model/spof, reason: ok, expires: 2100-02-29}
      - {rule: model/spof, reason: ok, expires: 2027-04-31}
flows:
  f: {entry: a}
",
    );
    assert_eq!(
        positions(&source, &diagnostics),
        [("model/invalid-value", 5, 49), ("model/invalid-value", 7, 49), ("model/invalid-value", 8, 49)]
    );
    use ninecheck::model::is_iso_date;
    assert!(is_iso_date("2000-02-29") && is_iso_date("2027-12-31") && is_iso_date("2027-01-31"));
    assert!(!is_iso_date("1900-02-29") && !is_iso_date("2027-06-31") && !is_iso_date("2027-13-01"));
}

#[test]
fn a_section_of_the_wrong_type_is_reported_once() {
    let (source, diagnostics) = errors(
        "list.yaml",
        "domains: [z1]
components:
  - a: {availability: 99%, in: z1}
flows:
  f: {entry: a}
",
    );
    assert_eq!(positions(&source, &diagnostics), [("model/type", 1, 10), ("model/type", 3, 3)]);
    let (source, diagnostics) = errors("flows.yaml", "components:\n  a: {availability: 99%, in: z9}\nflows: [a]\n");
    assert_eq!(positions(&source, &diagnostics), [("model/unknown-ref", 2, 30), ("model/type", 3, 8)]);
}

#[test]
fn an_alias_bomb_is_rejected_quickly_in_words() {
    let mut yaml = String::from("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for (prev, name) in "abcdefgh".chars().zip("bcdefghi".chars()) {
        let refs = vec![format!("*{prev}"); 9].join(", ");
        yaml.push_str(&format!("{name}: &{name} [{refs}]\n"));
    }
    let started = std::time::Instant::now();
    let (_, diagnostics) = errors("laughs.yaml", &yaml);
    assert!(started.elapsed().as_secs() < 20, "took {:?}", started.elapsed());
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(diagnostics[0].rule, "syntax/yaml");
    assert!(diagnostics[0].message.starts_with("invalid YAML: the file expands"), "{}", diagnostics[0].message);
    assert!(!diagnostics[0].message.contains('{'), "{}", diagnostics[0].message);
}

#[test]
fn a_large_legal_file_is_within_the_node_budget() {
    // 300,000 nodes: more than serde-saphyr's default budget (250,000), as in a
    // 62,500-component model, and far below 32 MiB.
    let yaml = format!("[{}]\n", vec!["1"; 300_000].join(","));
    assert!(ninecheck::syntax::parse_yaml(&yaml).is_ok());
}
