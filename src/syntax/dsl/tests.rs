//! Grammar and lowering: the tree each construct produces, exact spans, and
//! syntax errors in plain words.

use super::*;

fn parse(text: &str) -> Node {
    parse_dsl(text).unwrap_or_else(|e| panic!("{text:?} should parse: {e:#?}"))
}

fn errors(text: &str) -> Vec<Diagnostic> {
    match parse_dsl(text) {
        Ok(node) => panic!("{text:?} should be rejected, got {node:?}"),
        Err(e) => e,
    }
}

/// The tree without spans, as compact text: `{k: v}`, `[a]`, strings quoted.
fn shape(node: &Node) -> String {
    match &node.kind {
        NodeKind::Null => "null".to_string(),
        NodeKind::Bool(b) => b.to_string(),
        NodeKind::Number(n) => n.to_string(),
        NodeKind::String(s) => format!("{s:?}"),
        NodeKind::Seq(items) => format!("[{}]", items.iter().map(shape).collect::<Vec<_>>().join(", ")),
        NodeKind::Map(entries) => {
            format!(
                "{{{}}}",
                entries.iter().map(|(k, v)| format!("{}: {}", k.name, shape(v))).collect::<Vec<_>>().join(", ")
            )
        }
    }
}

fn text_of(text: &str, span: Span) -> &str {
    &text[span.start..span.end()]
}

#[test]
fn entries_blocks_lists_and_scalars() {
    let node = parse(
        "system {\n  name \"web shop\"\n  window 30d\n}\nx { a 3; b 0.9995; c 99.95%; d true; e null; f [1, two,] }\n",
    );
    assert_eq!(
        shape(&node),
        r#"{system: {name: "web shop", window: "30d"}, x: {a: 3, b: 0.9995, c: "99.95%", d: true, e: null, f: [1, "two"]}}"#
    );
}

#[test]
fn separators_comments_and_flags() {
    let node = parse("# lead\na 1 # trailing\n// slashes\nb { c; d 2 } ; e https://x//y\n\n");
    assert_eq!(shape(&node), r#"{a: 1, b: {c: true, d: 2}, e: "https://x//y"}"#);
    let lexed = lex("# lead\na \"#no\" 1 # trailing\nb //c\nd e//f\n");
    let texts: Vec<&str> = lexed.comments.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(texts, [" lead", " trailing", "c"]);
}

#[test]
fn declarations_collect_into_sections_in_order() {
    let node = parse("component web { replicas 3 }\nflow f { entry web }\ncomponent db { sla 99.9% }\nnotes \"x\"\n");
    assert_eq!(
        shape(&node),
        r#"{components: {web: {replicas: 3}, db: {sla: "99.9%"}}, flows: {f: {entry: "web"}}, notes: "x"}"#
    );
}

#[test]
fn call_and_waiver_lines_are_items() {
    let node = parse(
        "component web {\n  calls {\n    db\n    cache soft\n    payments fallback [payments-backup]\n    parallel [a, b, c] quorum 2\n    db timeout 200ms retries 2\n    { to x; soft true }\n    \"quoted name\" soft false\n  }\n  waivers { model/spof reason \"single region\" expires 2027-06-30 }\n}\n",
    );
    assert_eq!(
        shape(&node),
        concat!(
            r#"{components: {web: {calls: ["db", {to: "cache", soft: true}, {to: "payments", fallback: ["payments-backup"]}, "#,
            r#"{parallel: ["a", "b", "c"], quorum: 2}, {to: "db", timeout: "200ms", retries: 2}, {to: "x", soft: true}, "#,
            r#"{to: "quoted name", soft: false}], "#,
            r#"waivers: [{rule: "model/spof", reason: "single region", expires: "2027-06-30"}]}}}"#
        )
    );
    // A quoted key is an ordinary mapping; a list is a list everywhere.
    assert_eq!(shape(&parse("\"calls\" { a 1 }\ncalls [a, b]\n")), r#"{calls: {a: 1}, calls: ["a", "b"]}"#);
}

#[test]
fn strings_unescape() {
    let node = parse(r#"a "x\"y\\z\n\t\u{e9}""#);
    assert_eq!(shape(&node), r#"{a: "x\"y\\z\n\té"}"#);
    let e = errors(r#"a "\q""#);
    assert_eq!(e[0].message, "unknown escape `\\q` (known: \\\" \\\\ \\n \\t \\r \\u{…})");
}

#[test]
fn spans_cover_exactly_the_text() {
    let text = "component web {\n  replicas 3\n  spread [az1, \"az 2\"]\n  calls { db timeout 200ms }\n}\n";
    let node = parse(text);
    let NodeKind::Map(top) = &node.kind else { panic!() };
    assert_eq!(text_of(text, top[0].0.span), "component");
    let NodeKind::Map(components) = &top[0].1.kind else { panic!() };
    let (name, web) = &components[0];
    assert_eq!(text_of(text, name.span), "web");
    assert_eq!(web.span, Span::new(14, text.len() - 15));
    let NodeKind::Map(fields) = &web.kind else { panic!() };
    assert_eq!(text_of(text, fields[0].0.span), "replicas");
    assert_eq!(fields[0].1.span, Span::new(27, 1));
    let NodeKind::Seq(spread) = &fields[1].1.kind else { panic!() };
    assert_eq!(text_of(text, fields[1].1.span), "[az1, \"az 2\"]");
    assert_eq!(text_of(text, spread[1].span), "\"az 2\"");
    let NodeKind::Seq(calls) = &fields[2].1.kind else { panic!() };
    assert_eq!(text_of(text, calls[0].span), "db timeout 200ms");
    let NodeKind::Map(call) = &calls[0].kind else { panic!() };
    assert_eq!(text_of(text, call[0].0.span), "db");
    assert_eq!(text_of(text, call[1].0.span), "timeout");
    assert_eq!(text_of(text, call[1].1.span), "200ms");
}

#[test]
fn empty_and_comment_only_files_are_null() {
    assert_eq!(parse("").kind, NodeKind::Null);
    assert_eq!(parse("# nothing\n\n// here\n").kind, NodeKind::Null);
}

#[test]
fn duplicate_keys_are_kept() {
    assert_eq!(shape(&parse("a 1\na 2\n")), "{a: 1, a: 2}");
}

fn first(text: &str) -> (String, (usize, usize)) {
    let e = errors(text);
    let source = SourceFile::new("t", text);
    (e[0].message.clone(), source.line_col(e[0].primary.as_ref().unwrap().span.start))
}

#[test]
fn syntax_errors_in_plain_words() {
    assert_eq!(
        first("system {\n  name x\n"),
        ("expected an entry or `}` to close the block opened at 1:8, found the end of the file".to_string(), (2, 9))
    );
    assert_eq!(
        first("a [1, 2\nb 3\n"),
        ("expected a value or `]` to close the list opened at 1:3, found the end of the file".to_string(), (2, 4))
    );
    assert_eq!(
        first("a 1,\n"),
        ("expected a value or the end of the entry (a new line or `;`), found `,`".to_string(), (1, 4))
    );
    assert_eq!(
        first("a {\n  b 1\n  c [x y]\n}\n"),
        ("expected `,` or a new line between list items, found `y`".to_string(), (3, 8))
    );
    assert_eq!(
        first("a \"open\nb 1\n"),
        ("expected `\"` to close the string started at 1:3, found the end of the line".to_string(), (1, 8))
    );
    assert_eq!(first("a 1\n}\n"), ("unexpected `}`: no block is open here".to_string(), (2, 1)));
    assert_eq!(first("a 1 2\n"), ("expected a new line or `;` after the value of `a`, found `2`".to_string(), (1, 5)));
    assert_eq!(first("[a] 1\n").0, "expected a key (a name or a quoted string), found a list");
}

#[test]
fn several_blocks_report_several_errors() {
    let e = errors("component a {\n  x [1\n}\ncomponent b { y 1 2 }\ncomponent c { z }\n");
    assert_eq!(e.len(), 2, "{e:#?}");
    assert_eq!(e[1].message, "expected a new line or `;` after the value of `y`, found `2`");
}

#[test]
fn deep_nesting_is_refused_not_recursed() {
    let deep = format!("a {}{}", "{x ".repeat(10_000), "}".repeat(10_000));
    let e = errors(&deep);
    assert_eq!(e[0].message, "blocks and lists are nested deeper than 64 levels");
    let ok = format!("a {}{}", "[".repeat(MAX_DEPTH - 1), "]".repeat(MAX_DEPTH - 1));
    parse(&ok);
}

/// A file of many top-level statements with the constructs a cut must not
/// split: multi-line blocks and lists, brackets and `#` in strings, comments,
/// CRLF line ends.
fn many_statements() -> String {
    let mut text = String::from("system { name \"cut { here? # no\" }\r\n");
    for i in 0..40 {
        text.push_str(&format!(
            "# component {i}\ncomponent c{i} {{\n  replicas {}\n  spread [\n    az1,\n    az2\n  ]\n  calls {{\n    c{} timeout 20ms // soon\n  }}\n}}\r\nnote{i} \"[{{\\\"\"\n",
            i % 3 + 1,
            i + 1
        ));
    }
    text
}

#[test]
fn a_file_cut_into_pieces_parses_to_the_same_tree() {
    let text = many_statements();
    let mut starts = Vec::new();
    scan(&text, text.len(), None, Some(&mut starts));
    // The cuts must really fall inside the file, or this test proves nothing.
    assert_eq!(cuts(text.len(), &starts, 5).len(), 6);
    let whole = parse_dsl_in(&text, 1).expect("valid");
    for pieces in 2..=7 {
        // Spans included: `Node`'s equality compares them.
        assert_eq!(parse_dsl_in(&text, pieces).expect("valid"), whole, "{pieces} pieces");
    }
}

#[test]
fn problems_in_a_cut_file_are_those_of_the_whole_file() {
    let mut text = many_statements();
    text.push_str("component bad { replicas [1 2] }\nflow f { entry \"open\n");
    let whole = errors(&text);
    assert!(whole.len() >= 2, "{whole:#?}");
    for pieces in 2..=4 {
        let cut = parse_dsl_in(&text, pieces).expect_err("invalid");
        assert_eq!(format!("{cut:?}"), format!("{whole:?}"), "{pieces} pieces");
    }
}

#[test]
fn a_comma_without_an_item_is_an_error() {
    for (text, at) in [("x [a,, b]\n", 5), ("x [,]\n", 3), ("x [, a]\n", 3), ("x [a, b,,]\n", 8)] {
        let e = errors(text);
        assert_eq!(e.len(), 1, "{text:?}: {e:#?}");
        assert_eq!(e[0].primary.as_ref().unwrap().span.start, at, "{text:?}");
        assert!(e[0].message.contains("a list item is missing"), "{}", e[0].message);
    }
    // One trailing comma, new lines, and commas inside comments are fine.
    let node = parse("x [a, b,]\ny [\n  a # one, two\n  b\n]\n");
    assert_eq!(shape(&node), r#"{x: ["a", "b"], y: ["a", "b"]}"#);
}

#[test]
fn a_byte_order_mark_is_white_space() {
    let node = parse("\u{feff}component a { replicas 2 }\n");
    assert_eq!(shape(&node), "{components: {a: {replicas: 2}}}");
}
