//! YAML → [`Node`] via serde-saphyr, keeping a span on every key and value.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::budget::BudgetBreach;
use serde_saphyr::{Budget, DuplicateKeyPolicy, Location, Options, Spanned};

use super::node::{Key, Node, NodeKind};
use crate::source::Span;

/// A YAML syntax error with the byte span it points at.
#[derive(Clone, Debug)]
pub struct YamlError {
    pub message: String,
    pub span: Span,
}

/// Most YAML nodes (scalars, sequences, mappings) a file may expand to, aliases
/// included: one per 32 bytes of the largest accepted input ([`crate::MAX_INPUT_BYTES`],
/// 32 MiB), 1,048,576. Models use about 90 bytes per node (a 62,500-component model is
/// 22 MB and 250,000 nodes), so a legal file fits with room to spare, while an alias
/// bomb ("billion laughs") is stopped after about a million nodes.
pub const MAX_NODES: usize = crate::MAX_INPUT_BYTES / 32;

/// Parses `text` into a spanned tree. The error carries the position of the first
/// syntax error (YAML syntax errors stop the parser; semantic errors are all reported
/// later by the model layer).
pub fn parse_yaml(text: &str) -> Result<Node, YamlError> {
    let mut options = Options::default();
    // Duplicates are reported (with both positions) by the model layer, with every
    // other problem, instead of stopping the parse at the first one.
    options.duplicate_keys = DuplicateKeyPolicy::PassThrough;
    let mut budget = Budget::default();
    budget.max_nodes = MAX_NODES;
    // Events are at most two per node (a collection's start and end).
    budget.max_events = 2 * MAX_NODES + 16;
    // Alias expansion is where a bomb spends its time: copies of anchored events are
    // capped well below the node limit (a model's anchors are small).
    budget.max_recorded_anchor_events = MAX_NODES / 4;
    options.budget = Some(budget);
    match serde_saphyr::from_str_with_options::<Option<Spanned<RawNode>>>(text, options) {
        Ok(Some(root)) => Ok(finish(root, text)),
        Ok(None) => Ok(Node { kind: NodeKind::Null, span: Span::new(0, 0) }),
        Err(error) => {
            let span = error.location().map(|loc| location_span(&loc, text)).unwrap_or_else(|| Span::new(0, 0));
            let mut inner = &error;
            while let serde_saphyr::Error::AliasError { error, .. } | serde_saphyr::Error::WithSnippet { error, .. } =
                inner
            {
                inner = error;
            }
            let message = match inner {
                serde_saphyr::Error::Budget { breach, .. } => budget_message(breach),
                _ => first_line(&error.to_string()),
            };
            Err(YamlError { message, span })
        }
    }
}

/// A breached parser budget in words.
fn budget_message(breach: &BudgetBreach) -> String {
    match breach {
        BudgetBreach::Nodes { .. } | BudgetBreach::Events { .. } => format!(
            "the file expands to more than {MAX_NODES} YAML nodes (aliases included); the limit is {MAX_NODES}, \
             one per 32 bytes of the largest accepted input ({} MiB)",
            crate::MAX_INPUT_BYTES / (1024 * 1024)
        ),
        BudgetBreach::Depth { .. } => "the file nests collections too deeply for the YAML parser's limit".into(),
        _ => format!(
            "the file expands its aliases beyond the YAML parser's safety limits (more than {MAX_NODES} YAML nodes \
             or {} copied anchor events)",
            MAX_NODES / 4
        ),
    }
}

fn first_line(message: &str) -> String {
    // serde-saphyr renders its own snippet after the first line; we render our own.
    let line = message.lines().next().unwrap_or("invalid YAML").trim();
    let line = line.strip_prefix("error: ").unwrap_or(line);
    // Drop serde-saphyr's own "line L column C: " prefix; we show the position.
    match line.strip_prefix("line ").and_then(|rest| rest.split_once(": ")) {
        Some((position, message)) if position.contains("column") => message.to_string(),
        _ => line.to_string(),
    }
}

fn location_span(loc: &Location, text: &str) -> Span {
    let span = loc.span();
    match (span.byte_offset(), span.byte_len()) {
        (Some(start), Some(len)) => {
            let start = (start as usize).min(text.len());
            let len = (len as usize).min(text.len() - start);
            Span::new(start, len)
        }
        // Errors carry only line and column: find the byte offset from them.
        _ => Span::new(offset_of(text, loc.line() as usize, loc.column() as usize), 0),
    }
}

/// Byte offset of a 1-based line and (character) column, clamped to the text.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let Some(line_start) =
        (if line <= 1 { Some(0) } else { text.match_indices('\n').nth(line - 2).map(|(i, _)| i + 1) })
    else {
        return text.len();
    };
    let rest = &text[line_start..];
    let line_len = rest.find('\n').unwrap_or(rest.len());
    let within = rest[..line_len].char_indices().nth(column.saturating_sub(1)).map_or(line_len, |(i, _)| i);
    line_start + within
}

/// The tree as serde hands it to us; converted to [`Node`] once the spans are known.
enum RawNode {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Seq(Vec<Spanned<RawNode>>),
    Map(Vec<(Spanned<String>, Spanned<RawNode>)>),
}

fn finish(raw: Spanned<RawNode>, text: &str) -> Node {
    let span = location_span(&raw.referenced, text);
    let kind = match raw.value {
        RawNode::Null => NodeKind::Null,
        // YAML 1.2 core schema: only true/false (any case) are booleans; YAML 1.1's
        // y, n, yes, no, on, off stay strings (they are valid names).
        RawNode::Bool(b) => match text.get(span.start..span.end()) {
            Some(t) if !t.is_empty() && !is_core_bool(t) => NodeKind::String(t.to_string()),
            _ => NodeKind::Bool(b),
        },
        RawNode::Number(n) => NodeKind::Number(n),
        RawNode::String(s) => NodeKind::String(s),
        RawNode::Seq(items) => NodeKind::Seq(items.into_iter().map(|n| finish(n, text)).collect()),
        RawNode::Map(entries) => NodeKind::Map(
            entries
                .into_iter()
                .map(|(k, v)| {
                    let key = Key { span: location_span(&k.referenced, text), name: k.value };
                    (key, finish(v, text))
                })
                .collect(),
        ),
    };
    Node { kind, span }
}

/// `true` or `false` as YAML 1.2 writes them: lower, title or upper case.
fn is_core_bool(text: &str) -> bool {
    matches!(text, "true" | "True" | "TRUE" | "false" | "False" | "FALSE")
}

impl<'de> Deserialize<'de> for RawNode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = RawNode;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<RawNode, E> {
        Ok(RawNode::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<RawNode, E> {
        Ok(RawNode::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<RawNode, D::Error> {
        RawNode::deserialize(d)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<RawNode, E> {
        Ok(RawNode::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawNode, E> {
        Ok(RawNode::Number(v as f64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawNode, E> {
        Ok(RawNode::Number(v as f64))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<RawNode, E> {
        Ok(RawNode::Number(v as f64))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<RawNode, E> {
        Ok(RawNode::Number(v as f64))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawNode, E> {
        Ok(RawNode::Number(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<RawNode, E> {
        Ok(RawNode::String(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<RawNode, E> {
        Ok(RawNode::String(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawNode, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<RawNode>>()? {
            items.push(item);
        }
        Ok(RawNode::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawNode, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<String>>()? {
            let value = map.next_value::<Spanned<RawNode>>()?;
            entries.push((key, value));
        }
        Ok(RawNode::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_values_keep_their_spans() {
        let text = "a: 1\nb:\n  c: \"99.5%\"\n  d: [x, 30m]\n";
        let NodeKind::Map(entries) = parse_yaml(text).unwrap().kind else { panic!("not a map") };
        let NodeKind::Map(inner) = &entries[1].1.kind else { panic!("not a map") };
        assert_eq!(inner[0].0.span, Span::new(10, 1));
        assert_eq!(inner[0].1.span, Span::new(13, 7));
        let NodeKind::Seq(items) = &inner[1].1.kind else { panic!("not a list") };
        assert_eq!(items[1].span, Span::new(30, 3));
    }

    #[test]
    fn only_true_and_false_are_booleans() {
        let text = "[y, n, yes, No, ON, off, true, True, FALSE, \"yes\"]";
        let NodeKind::Seq(items) = parse_yaml(text).unwrap().kind else { panic!("not a list") };
        let kinds: Vec<NodeKind> = items.into_iter().map(|n| n.kind).collect();
        let s = |t: &str| NodeKind::String(t.to_string());
        assert_eq!(
            kinds,
            [
                s("y"),
                s("n"),
                s("yes"),
                s("No"),
                s("ON"),
                s("off"),
                NodeKind::Bool(true),
                NodeKind::Bool(true),
                NodeKind::Bool(false),
                s("yes")
            ]
        );
    }

    #[test]
    fn syntax_errors_point_at_their_line() {
        let text = "components:\n  a: {availability: 99%\nflows: [\n";
        let error = parse_yaml(text).unwrap_err();
        assert_eq!(error.span.start, text.find("flows").unwrap() + 5);
        assert!(!error.message.starts_with("line"), "{}", error.message);
    }
}
