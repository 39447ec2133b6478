//! The DSL end to end: the committed `examples/*.nines` are exactly what
//! `convert` makes of `examples/*.yaml`, are formatted, check identically, and
//! convert back to the same tree; DSL errors (syntax and semantic) are located
//! exactly; random model trees read the same in both spellings.

mod common;

use common::{errors, positions};
use std::path::{Path, PathBuf};
use std::process::Command;

use ninecheck::diagnostic::Diagnostic;
use ninecheck::source::{SourceFile, Span};
use ninecheck::syntax::comments::Comments;
use ninecheck::syntax::{self, Key, Node, NodeKind, Spelling};
use proptest::prelude::*;

const TODAY: &str = "2026-12-03";

fn examples(extension: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == extension))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    files
}

fn read(path: &Path) -> SourceFile {
    SourceFile::new(path.display().to_string(), std::fs::read_to_string(path).unwrap())
}

fn tree(source: &SourceFile) -> Node {
    syntax::parse(source).unwrap_or_else(|e| panic!("{} does not parse: {e:#?}", source.name))
}

#[test]
fn committed_dsl_examples_are_the_conversion_of_the_yaml_ones() {
    for yaml in examples("yaml") {
        let expected = ninecheck::convert(&read(&yaml), Spelling::Dsl).unwrap();
        let dsl = yaml.with_extension("nines");
        let committed = std::fs::read_to_string(&dsl).unwrap_or_default();
        assert!(
            committed == expected,
            "{} is out of date: run `nines convert {} --to dsl -o {}`",
            dsl.display(),
            yaml.display(),
            dsl.display()
        );
    }
    assert_eq!(examples("yaml").len(), examples("nines").len(), "every .nines has its .yaml");
}

#[test]
fn examples_round_trip_to_the_same_tree() {
    for yaml_path in examples("yaml") {
        let yaml = read(&yaml_path);
        let dsl = SourceFile::new("x.nines", ninecheck::convert(&yaml, Spelling::Dsl).unwrap());
        let back = SourceFile::new("x.yaml", ninecheck::convert(&dsl, Spelling::Yaml).unwrap());
        let again = SourceFile::new("y.nines", ninecheck::convert(&back, Spelling::Dsl).unwrap());
        let original = tree(&yaml);
        assert!(original.same_tree(&tree(&dsl)), "{}: YAML → DSL changed the tree", yaml.name);
        assert!(original.same_tree(&tree(&back)), "{}: DSL → YAML changed the tree", yaml.name);
        assert_eq!(dsl.text, again.text, "{}: converting twice is not stable", yaml.name);
        // Every comment survives both ways.
        let count = syntax::comments::yaml_comments(&yaml.text).len();
        assert_eq!(syntax::comments::dsl_comments(&dsl.text).len(), count, "{}: comments lost", yaml.name);
        assert_eq!(syntax::comments::yaml_comments(&back.text).len(), count, "{}: comments lost", yaml.name);
    }
}

#[test]
fn every_example_writes_yaml_that_reads_back_identically() {
    for path in examples("yaml").into_iter().chain(examples("nines")) {
        let source = read(&path);
        let node = tree(&source);
        let yaml = syntax::write_yaml(&node, &mut Comments::default());
        let reread = syntax::parse_yaml(&yaml).unwrap_or_else(|e| panic!("{}: {}\n{yaml}", source.name, e.message));
        assert!(node.same_tree(&reread), "{}: written YAML reads back differently", source.name);
    }
}

#[test]
fn dsl_examples_are_formatted_and_formatting_is_idempotent() {
    for path in examples("nines") {
        let source = read(&path);
        let once = syntax::rewrite(&source, &tree(&source), Spelling::Dsl).unwrap();
        assert_eq!(once, source.text, "{} is not formatted", source.name);
        let twice_source = SourceFile::new("again.nines", once.clone());
        let twice = syntax::rewrite(&twice_source, &tree(&twice_source), Spelling::Dsl).unwrap();
        assert_eq!(once, twice);
    }
}

/// A messy but valid DSL file: fmt's output is stable and keeps every comment.
#[test]
fn fmt_is_idempotent_on_hand_written_text() {
    let text = "// a model\nsystem{name \"s\";window 30d}   # trailing\ncomponent a {availability 99.9%\n  calls [b, {to c; soft true}]  # calls\n  # before replicas\n  replicas 2}\ncomponent b { sla 99.99% }\ncomponent c { sla 99.9% }\nflow f { entry a\n}\n# the end\n";
    let source = SourceFile::new("m.nines", text);
    let once = syntax::rewrite(&source, &tree(&source), Spelling::Dsl).unwrap();
    for comment in [" a model", " trailing", " calls", " before replicas", " the end"] {
        assert!(once.contains(&format!("#{comment}")), "lost {comment:?}:\n{once}");
    }
    let again = SourceFile::new("m.nines", once.clone());
    assert_eq!(syntax::rewrite(&again, &tree(&again), Spelling::Dsl).unwrap(), once);
    insta::assert_snapshot!(once);
}

/// Findings with their positions removed, and the source text each points at.
fn findings_without_positions(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for key in ["file", "line", "column", "end_line", "end_column"] {
                map.remove(key);
            }
            map.values_mut().for_each(findings_without_positions);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(findings_without_positions),
        _ => {}
    }
}

fn check_json(path: &Path) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_nines"))
        .args(["check", path.to_str().unwrap(), "--format", "json", "--today", TODAY])
        .output()
        .unwrap();
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}: exit {:?}", path.display(), out.status.code());
    serde_json::from_slice(&out.stdout).unwrap()
}

fn labelled(source: &SourceFile, d: &Diagnostic) -> String {
    let span = d.primary.as_ref().unwrap().span;
    source.text[span.start..span.end()].trim_matches('"').to_string()
}

#[test]
fn both_spellings_check_identically_and_point_at_the_same_values() {
    for yaml_path in examples("yaml") {
        let dsl_path = yaml_path.with_extension("nines");
        let (mut yaml_json, mut dsl_json) = (check_json(&yaml_path), check_json(&dsl_path));
        assert_eq!(yaml_json["findings"].as_array().map(Vec::len), dsl_json["findings"].as_array().map(Vec::len));
        findings_without_positions(&mut yaml_json);
        findings_without_positions(&mut dsl_json);
        assert_eq!(yaml_json, dsl_json, "{}: the DSL version checks differently", dsl_path.display());
        let (yaml, dsl) = (read(&yaml_path), read(&dsl_path));
        let yaml_findings = ninecheck::check_source(&yaml, TODAY).ok().unwrap().findings;
        let dsl_findings = ninecheck::check_source(&dsl, TODAY).ok().unwrap().findings;
        for (y, d) in yaml_findings.iter().zip(&dsl_findings) {
            assert_eq!(labelled(&yaml, y), labelled(&dsl, d), "{}: {}", dsl.name, d.message);
        }
    }
}

#[test]
fn semantic_errors_in_dsl_files_are_located_by_the_shared_model_code() {
    let (source, diagnostics) = errors(
        "bad.nines",
        "component web {\n  availability 99.5%\n  replicas 3\n  calls { db; cache soft }\n  replcas 2\n}\ncomponent db { sla 99.9%; mttr 5q }\nflow checkout { entry wbe }\n",
    );
    assert_eq!(
        positions(&source, &diagnostics),
        [
            ("model/unknown-ref", 4, 15),
            ("model/unknown-key", 5, 3),
            ("model/invalid-value", 7, 32),
            ("model/unknown-ref", 8, 23),
        ]
    );
    assert_eq!(diagnostics[1].help.as_deref(), Some("did you mean `replicas`?"));
    let (source, diagnostics) =
        errors("dup.nines", "component a { sla 99%; sla 99% }\ncomponent a { sla 99% }\nflow f { entry a }\n");
    assert_eq!(positions(&source, &diagnostics), [("model/duplicate", 1, 24), ("model/duplicate", 2, 11)]);
}

#[test]
fn dsl_syntax_errors_render_with_positions() {
    let (source, diagnostics) = errors(
        "broken.nines",
        "system {\n  name \"shop\n}\ncomponent web {\n  replicas 3 4\n}\ncomponent db {\n  spread [az1, az2\n}\nflow f { entry web }\n",
    );
    assert!(diagnostics.iter().all(|d| d.rule == "syntax/dsl"));
    assert_eq!(positions(&source, &diagnostics), [("syntax/dsl", 2, 13), ("syntax/dsl", 5, 14), ("syntax/dsl", 9, 1)]);
    insta::assert_snapshot!(ninecheck::render::human::diagnostics(&source, &diagnostics, false));
}

#[test]
fn unclosed_block_names_where_it_opened() {
    let (source, diagnostics) = errors("open.nines", "component web {\n  replicas 3\n\nflow f { entry web }\n");
    insta::assert_snapshot!(ninecheck::render::human::diagnostics(&source, &diagnostics, false));
}

#[test]
fn hostile_dsl_never_panics() {
    let deep = format!("a {}{}", "{b ".repeat(100_000), "}".repeat(100_000));
    let lists = format!("a {}", "[".repeat(100_000));
    for (name, text) in
        [("deep.nines", deep.as_str()), ("lists.nines", lists.as_str()), ("nul.nines", "a \"\0\"\u{feff}\n}}}]]]")]
    {
        let source = SourceFile::new(name, text);
        let result = std::panic::catch_unwind(|| ninecheck::load(&source).map(|_| ()));
        assert!(matches!(result, Ok(Err(_))), "{name} must be rejected with diagnostics");
    }
}

#[test]
fn spelling_is_chosen_by_extension_then_sniffed() {
    assert_eq!(Spelling::of("a.nines", "a: 1"), Spelling::Dsl);
    assert_eq!(Spelling::of("a.yaml", "a {}"), Spelling::Yaml);
    assert_eq!(Spelling::of("a.YML", ""), Spelling::Yaml);
    assert_eq!(Spelling::of("model", "# c\nsystem: {name: x}\n"), Spelling::Yaml);
    assert_eq!(Spelling::of("model", "---\n"), Spelling::Yaml);
    assert_eq!(Spelling::of("model", "components:\n"), Spelling::Yaml);
    assert_eq!(Spelling::of("model", "// c\nsystem { name \"a: b\" }\n"), Spelling::Dsl);
    assert_eq!(Spelling::of("model", "component web {\n"), Spelling::Dsl);
    assert_eq!(Spelling::of("model", "window 30d\n"), Spelling::Dsl);
}

// ---- random model trees: YAML and DSL read them identically ----

fn at() -> Span {
    Span::default()
}

fn node(kind: NodeKind) -> Node {
    Node { kind, span: at() }
}

fn map(entries: Vec<(String, Node)>) -> Node {
    node(NodeKind::Map(entries.into_iter().map(|(name, v)| (Key { name, span: at() }, v)).collect()))
}

fn string(s: &str) -> Node {
    node(NodeKind::String(s.to_string()))
}

/// Names, including ones that look like other things in one spelling or the other.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z][a-z0-9-]{0,8}",
        1 => prop::sample::select(vec![
            "true", "yes", "No", "null", "~", "3", "0x1F", "1_000", "parallel", "to", "calls", "a b", "a: b", "#x",
            "x#y", "-x", "é", "{", "[a]", "\"q\"", "back\\slash", "", "//c", "1e400", ".inf",
        ])
        .prop_map(str::to_string),
    ]
}

fn scalar() -> impl Strategy<Value = Node> {
    prop_oneof![
        name().prop_map(|s| string(&s)),
        prop::sample::select(vec!["99.95%", "0.096/h", "30m", "2027-06-30", "5y"]).prop_map(string),
        (0u32..1000).prop_map(|n| node(NodeKind::Number(f64::from(n)))),
        (0.0f64..1.0).prop_map(|n| node(NodeKind::Number(n))),
        any::<bool>().prop_map(|b| node(NodeKind::Bool(b))),
        Just(node(NodeKind::Null)),
    ]
}

fn call() -> impl Strategy<Value = Node> {
    prop_oneof![
        name().prop_map(|n| string(&n)),
        (name(), any::<bool>())
            .prop_map(|(n, soft)| map(vec![("to".into(), string(&n)), ("soft".into(), node(NodeKind::Bool(soft)))])),
        (name(), prop::collection::vec((name(), scalar()), 0..3)).prop_map(|(n, extra)| {
            let mut entries = vec![("to".to_string(), string(&n))];
            entries.extend(extra);
            map(entries)
        }),
        (prop::collection::vec(name(), 0..4), 1u32..3).prop_map(|(names, quorum)| map(vec![
            ("parallel".into(), node(NodeKind::Seq(names.iter().map(|n| string(n)).collect()))),
            ("quorum".into(), node(NodeKind::Number(f64::from(quorum)))),
        ])),
        prop::collection::vec((name(), scalar()), 0..3).prop_map(map),
    ]
}

fn component() -> impl Strategy<Value = Node> {
    (
        prop_oneof![Just(string("99.5%")), Just(node(NodeKind::Number(0.995)))],
        1u32..6,
        prop::collection::vec(call(), 0..5),
        prop::collection::vec((name(), scalar()), 0..3),
    )
        .prop_map(|(availability, replicas, calls, extra)| {
            let mut entries = vec![
                ("availability".to_string(), availability),
                ("replicas".to_string(), node(NodeKind::Number(f64::from(replicas)))),
                ("calls".to_string(), node(NodeKind::Seq(calls))),
            ];
            entries.extend(extra);
            map(entries)
        })
}

fn model() -> impl Strategy<Value = Node> {
    (
        name(),
        prop::collection::vec((name(), component()), 0..6),
        prop::collection::vec((name(), name()), 0..3),
        prop::collection::vec((name(), scalar()), 0..2),
    )
        .prop_map(|(system, components, flows, extra)| {
            let mut entries = vec![("system".to_string(), map(vec![("name".into(), string(&system))]))];
            entries.push(("components".to_string(), map(components)));
            let flows = flows
                .into_iter()
                .map(|(f, entry)| {
                    let objective = map(vec![("availability".into(), string("99.9%"))]);
                    (f, map(vec![("entry".into(), string(&entry)), ("objective".into(), objective)]))
                })
                .collect();
            entries.push(("flows".to_string(), map(flows)));
            entries.extend(extra);
            map(entries)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn yaml_and_dsl_read_random_models_identically(model in model()) {
        let dsl = syntax::write_dsl(&model, &mut Comments::default()).unwrap();
        let yaml = syntax::write_yaml(&model, &mut Comments::default());
        let from_dsl = syntax::parse_dsl(&dsl).map_err(|e| TestCaseError::fail(format!("{e:?}\n{dsl}")))?;
        let from_yaml = syntax::parse_yaml(&yaml).map_err(|e| TestCaseError::fail(format!("{}\n{yaml}", e.message)))?;
        prop_assert!(from_dsl.same_tree(&model), "DSL differs:\n{}", dsl);
        prop_assert!(from_yaml.same_tree(&model), "YAML differs:\n{}", yaml);
        prop_assert!(from_yaml.same_tree(&from_dsl));
    }

    #[test]
    fn arbitrary_text_never_panics_the_dsl_parser(text in "[a-z {}\\[\\];,#/\"\\\\\n 0-9.%-]{0,200}") {
        let _ = syntax::parse_dsl(&text);
    }
}

/// The first ```nines and ```yaml blocks of a markdown file.
fn fenced(markdown: &str, language: &str) -> String {
    let fence = format!("```{language}\n");
    let start = markdown.find(&fence).unwrap_or_else(|| panic!("no {language} block")) + fence.len();
    let end = start + markdown[start..].find("```").unwrap();
    markdown[start..end].to_string()
}

#[test]
fn docs_example_is_one_model_in_both_spellings() {
    let markdown = include_str!("../docs/dsl.md");
    let dsl = SourceFile::new("shop.nines", fenced(markdown, "nines"));
    let yaml = SourceFile::new("shop.yaml", fenced(markdown, "yaml"));
    ninecheck::load(&dsl).unwrap_or_else(|e| panic!("the docs' DSL model is rejected: {e:#?}"));
    assert!(tree(&dsl).same_tree(&tree(&yaml)), "docs/dsl.md shows two different models");
    assert_eq!(ninecheck::convert(&dsl, Spelling::Yaml).unwrap(), yaml.text, "the YAML is the conversion");
    assert_eq!(syntax::rewrite(&dsl, &tree(&dsl), Spelling::Dsl).unwrap(), dsl.text, "the DSL is formatted");
}

#[test]
fn readme_dsl_model_checks_and_is_formatted() {
    let dsl = SourceFile::new("README.nines", fenced(include_str!("../README.md"), "nines"));
    ninecheck::load(&dsl).unwrap_or_else(|e| panic!("the README's DSL model is rejected: {e:#?}"));
    assert_eq!(syntax::rewrite(&dsl, &tree(&dsl), Spelling::Dsl).unwrap(), dsl.text, "the README's DSL is formatted");
}

/// `scenario` blocks parse (docs/dsl.md) but are not checked yet: one error at the
/// block saying so, not a bare "unknown key".
#[test]
fn scenario_blocks_are_rejected_with_a_reason() {
    let (source, diagnostics) = errors(
        "scenarios.nines",
        "component a { availability 99.9% }\nflow f { entry a }\nscenario zone_loss { fail [a] }\n",
    );
    assert_eq!(positions(&source, &diagnostics), vec![("model/unknown-key", 3, 1)]);
    assert!(diagnostics[0].help.as_deref().is_some_and(|h| h.contains("not checked by this version")));
}
