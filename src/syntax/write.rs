//! Writes a [`Node`] tree as canonical DSL (`nines fmt`, `convert --to dsl`) or
//! as YAML (`convert --to yaml`), putting the attached [`Comments`] back.
//!
//! Both writers are exact: their output parses back to the same tree (spans
//! aside), which `fmt` and `convert` verify before writing anything. Formatting
//! is canonical, so writing the tree a writer produced gives the same text.

use super::comments::{Attached, Comments, Line};
use super::dsl::{DECLARATIONS, ITEM_BLOCKS};
use super::node::{Key, Node, NodeKind};
use super::scalar::{dsl_bare_key, dsl_bare_string, dsl_quote, format_number, yaml_plain_string, yaml_quote};

/// Lines longer than this are broken up (blocks and lists over several lines).
const WIDTH: usize = 100;

/// Output lines with their comments.
struct Out<'c> {
    text: String,
    comments: &'c mut Comments,
}

impl Out<'_> {
    fn leading(&mut self, indent: usize, lines: &[Line]) {
        for line in lines {
            match line {
                Line::Comment(text) => {
                    push_indent(&mut self.text, indent);
                    self.text.push('#');
                    self.text.push_str(text);
                }
                Line::Blank => {}
            }
            self.text.push('\n');
        }
    }

    /// One line; a trailing comment goes after it, its continuation lines
    /// aligned under it (which is how they are recognised when read back).
    fn line(&mut self, indent: usize, content: &str, trailing: Option<&str>) {
        push_indent(&mut self.text, indent);
        self.text.push_str(content);
        if let Some(trailing) = trailing {
            let column = indent + content.chars().count() + 2;
            for (i, part) in trailing.split('\n').enumerate() {
                if i == 0 {
                    self.text.push_str("  #");
                } else {
                    self.text.push('\n');
                    push_indent(&mut self.text, column);
                    self.text.push('#');
                }
                self.text.push_str(part);
            }
        }
        self.text.push('\n');
    }

    fn finish(mut self) -> String {
        let rest = self.comments.rest();
        if !rest.is_empty() && !self.text.is_empty() {
            self.text.push('\n');
        }
        self.leading(0, &rest);
        self.text
    }
}

fn push_indent(text: &mut String, indent: usize) {
    text.extend(std::iter::repeat_n(' ', indent));
}

fn is_scalar(node: &Node) -> bool {
    !matches!(node.kind, NodeKind::Seq(_) | NodeKind::Map(_))
}

/// Why a tree cannot be written in the DSL.
#[derive(Debug, PartialEq)]
pub struct Unwritable(pub String);

/// The tree as canonical DSL text.
pub fn write_dsl(root: &Node, comments: &mut Comments) -> Result<String, Unwritable> {
    let mut out = Out { text: String::new(), comments };
    let entries = match &root.kind {
        NodeKind::Map(entries) => entries.as_slice(),
        NodeKind::Null => &[],
        _ => {
            return Err(Unwritable(format!(
                "the DSL's top level is a set of entries; this file's top level is {}",
                root.type_name()
            )));
        }
    };
    // `(kind, compact)` of the previous top-level statement, for blank lines.
    let mut previous: Option<(String, bool)> = None;
    for (key, value) in entries {
        let sugar = DECLARATIONS.iter().find(|(_, section)| *section == key.name).filter(|_| {
            entries.iter().filter(|(k, _)| k.name == key.name).count() == 1
                && matches!(&value.kind, NodeKind::Map(m) if !m.is_empty() && m.iter().all(|(_, v)| matches!(v.kind, NodeKind::Map(_))))
        });
        match (sugar, &value.kind) {
            (Some((keyword, _)), NodeKind::Map(declarations)) => {
                let section = out.comments.take(key.span.start);
                let mut section_lines = section.leading;
                section_lines
                    .extend(section.trailing.iter().flat_map(|t| t.split('\n').map(|l| Line::Comment(l.into()))));
                for (i, (name, body)) in declarations.iter().enumerate() {
                    let start = out.text.len();
                    let mut attached = out.comments.take(name.span.start);
                    if i == 0 {
                        section_lines.append(&mut attached.leading);
                        attached.leading = section_lines.clone();
                    }
                    let head = format!("{keyword} {}", dsl_key(&name.name));
                    dsl_entry_with(&mut out, 0, &head, body, attached, None);
                    separate(&mut out, start, &mut previous, keyword);
                }
            }
            _ => {
                let start = out.text.len();
                dsl_entry(&mut out, 0, key, value);
                separate(&mut out, start, &mut previous, "");
            }
        }
    }
    Ok(out.finish())
}

/// Puts a blank line before the statement just written at `start`, unless it
/// and the previous one are one-liners of the same kind (`domain a {…}` runs).
fn separate(out: &mut Out, start: usize, previous: &mut Option<(String, bool)>, kind: &str) {
    let written = &out.text[start..];
    let compact = written.matches('\n').count() == 1 && !written.trim_start().starts_with('#');
    if let Some((previous_kind, previous_compact)) = previous.as_ref()
        && !(compact && *previous_compact && previous_kind == kind)
    {
        out.text.insert(start, '\n');
    }
    *previous = Some((kind.to_string(), compact));
}

fn dsl_key(name: &str) -> String {
    if dsl_bare_key(name) { name.to_string() } else { dsl_quote(name) }
}

fn dsl_scalar(node: &Node) -> String {
    match &node.kind {
        NodeKind::Null => "null".to_string(),
        NodeKind::Bool(b) => b.to_string(),
        NodeKind::Number(n) => format_number(*n),
        NodeKind::String(s) if dsl_bare_string(s) => s.clone(),
        NodeKind::String(s) => dsl_quote(s),
        NodeKind::Seq(_) | NodeKind::Map(_) => unreachable!("not a scalar"),
    }
}

/// The value on one line, when it fits there: scalars, lists of scalars, and
/// mappings of those (without comments inside).
fn dsl_inline(out: &Out, node: &Node) -> Option<String> {
    if out.comments.any_inside(node) {
        return None;
    }
    match &node.kind {
        NodeKind::Seq(items) => {
            if !items.iter().all(is_scalar) {
                return None;
            }
            Some(format!("[{}]", items.iter().map(dsl_scalar).collect::<Vec<_>>().join(", ")))
        }
        NodeKind::Map(entries) if entries.is_empty() => Some("{}".to_string()),
        NodeKind::Map(entries) => {
            if entries.len() > 5 {
                return None;
            }
            let mut parts = Vec::new();
            for (key, value) in entries {
                if matches!(value.kind, NodeKind::Map(_)) {
                    return None;
                }
                parts.push(format!("{} {}", dsl_entry_key(key, value), dsl_inline(out, value)?));
            }
            Some(format!("{{ {} }}", parts.join("; ")))
        }
        _ => Some(dsl_scalar(node)),
    }
}

/// A key as written before its value: `calls`/`waivers` with a mapping value
/// are quoted, because bare they would make the block a list of items.
fn dsl_entry_key(key: &Key, value: &Node) -> String {
    if matches!(value.kind, NodeKind::Map(_)) && ITEM_BLOCKS.iter().any(|(k, _)| *k == key.name) {
        dsl_quote(&key.name)
    } else {
        dsl_key(&key.name)
    }
}

fn dsl_entry(out: &mut Out, indent: usize, key: &Key, value: &Node) {
    let attached = out.comments.take(key.span.start);
    let head = dsl_entry_key(key, value);
    let item_head = ITEM_BLOCKS.iter().find(|(k, _)| *k == key.name).map(|(_, h)| *h);
    dsl_entry_with(out, indent, &head, value, attached, item_head);
}

/// `head value`, with `head` already written (`web`, `component web`).
fn dsl_entry_with(out: &mut Out, indent: usize, head: &str, value: &Node, attached: Attached, item_head: Option<&str>) {
    out.leading(indent, &attached.leading);
    let trailing = attached.trailing.as_deref();
    if let Some(inline) = dsl_inline(out, value)
        && indent + head.len() + 1 + inline.len() <= WIDTH
    {
        out.line(indent, &format!("{head} {inline}"), trailing);
        return;
    }
    match &value.kind {
        NodeKind::Map(entries) => {
            out.line(indent, &format!("{head} {{"), trailing);
            for (key, value) in entries {
                dsl_entry(out, indent + 2, key, value);
            }
            out.line(indent, "}", None);
        }
        NodeKind::Seq(items) => {
            let (open, close) = if item_head.is_some() { ("{", "}") } else { ("[", "]") };
            out.line(indent, &format!("{head} {open}"), trailing);
            for item in items {
                dsl_item(out, indent + 2, item, item_head);
            }
            out.line(indent, close, None);
        }
        // A scalar too long for the width still goes on one line.
        _ => out.line(indent, &format!("{head} {}", dsl_scalar(value)), trailing),
    }
}

/// One list item on its own line(s). In a `calls`/`waivers` block
/// (`item_head` = `to`/`rule`), a mapping led by that key is written
/// `NAME key value …`.
fn dsl_item(out: &mut Out, indent: usize, item: &Node, item_head: Option<&str>) {
    let mut attached = out.comments.take(item.span.start);
    if let (Some(head), NodeKind::Map(entries)) = (item_head, &item.kind)
        && let Some(line) = dsl_item_line(out, head, entries).filter(|l| indent + l.len() <= WIDTH)
    {
        // The entries' own comments move to the item's line.
        for (key, _) in entries {
            let inner = out.comments.take(key.span.start);
            attached.leading.extend(inner.leading);
            if let Some(t) = inner.trailing {
                attached.trailing = Some(match attached.trailing.take() {
                    Some(existing) => format!("{existing}\n{t}"),
                    None => t,
                });
            }
        }
        out.leading(indent, &attached.leading);
        out.line(indent, &line, attached.trailing.as_deref());
        return;
    }
    out.leading(indent, &attached.leading);
    let trailing = attached.trailing.as_deref();
    if let Some(inline) = dsl_inline(out, item) {
        out.line(indent, &inline, trailing);
        return;
    }
    match &item.kind {
        NodeKind::Map(entries) => {
            out.line(indent, "{", trailing);
            for (key, value) in entries {
                dsl_entry(out, indent + 2, key, value);
            }
            out.line(indent, "}", None);
        }
        NodeKind::Seq(items) => {
            out.line(indent, "[", trailing);
            for item in items {
                dsl_item(out, indent + 2, item, None);
            }
            out.line(indent, "]", None);
        }
        _ => out.line(indent, &dsl_scalar(item), trailing),
    }
}

/// `NAME key value … flag` for a call or waiver, when the mapping has that
/// shape: led by `head` (or, in calls, `parallel` with a list), at least one
/// more entry, and every value fits on the line. A last `true` is a bare flag.
fn dsl_item_line(out: &Out, head: &str, entries: &[(Key, Node)]) -> Option<String> {
    let ((first_key, first_value), rest) = entries.split_first()?;
    if rest.is_empty() && first_key.name == head {
        // `{to: db}` alone would read back as the string `db`.
        return None;
    }
    let mut line = if first_key.name == head && is_scalar(first_value) {
        dsl_scalar(first_value)
    } else if first_key.name == "parallel" && head == "to" && matches!(first_value.kind, NodeKind::Seq(_)) {
        format!("parallel {}", dsl_inline(out, first_value)?)
    } else {
        return None;
    };
    for (i, (key, value)) in rest.iter().enumerate() {
        if matches!(value.kind, NodeKind::Map(_)) {
            return None;
        }
        line.push(' ');
        line.push_str(&dsl_key(&key.name));
        if i + 1 == rest.len() && value.kind == NodeKind::Bool(true) {
            continue;
        }
        line.push(' ');
        line.push_str(&dsl_inline(out, value)?);
    }
    Some(line)
}

/// The tree as YAML: block mappings and lists, lists of plain scalars in flow
/// style, strings quoted whenever YAML could read them as something else.
pub fn write_yaml(root: &Node, comments: &mut Comments) -> String {
    let mut out = Out { text: String::new(), comments };
    match &root.kind {
        NodeKind::Map(entries) => {
            for (i, (key, value)) in entries.iter().enumerate() {
                if i > 0 {
                    out.text.push('\n');
                }
                yaml_entry(&mut out, 0, None, key, value);
            }
        }
        NodeKind::Seq(items) => {
            for item in items {
                yaml_item(&mut out, 0, item);
            }
        }
        NodeKind::Null => {}
        _ => out.line(0, &yaml_scalar(root), None),
    }
    out.finish()
}

fn yaml_scalar(node: &Node) -> String {
    match &node.kind {
        NodeKind::Null => "null".to_string(),
        NodeKind::Bool(b) => b.to_string(),
        NodeKind::Number(n) => format_number(*n),
        NodeKind::String(s) if yaml_plain_string(s) => s.clone(),
        NodeKind::String(s) => yaml_quote(s),
        NodeKind::Seq(_) | NodeKind::Map(_) => unreachable!("not a scalar"),
    }
}

fn yaml_key(name: &str) -> String {
    if yaml_plain_string(name) { name.to_string() } else { yaml_quote(name) }
}

/// A value that fits after `key: ` on the same line.
fn yaml_inline(out: &Out, node: &Node) -> Option<String> {
    match &node.kind {
        NodeKind::Seq(items) if items.is_empty() => Some("[]".to_string()),
        NodeKind::Map(entries) if entries.is_empty() => Some("{}".to_string()),
        NodeKind::Seq(items) if items.iter().all(is_scalar) && !out.comments.any_inside(node) => {
            Some(format!("[{}]", items.iter().map(yaml_scalar).collect::<Vec<_>>().join(", ")))
        }
        NodeKind::Seq(_) | NodeKind::Map(_) => None,
        _ => Some(yaml_scalar(node)),
    }
}

/// `key: value` at `indent`; `prefix` replaces the indentation of the first
/// line (the `- ` of a list item whose first entry this is).
fn yaml_entry(out: &mut Out, indent: usize, prefix: Option<(usize, &str, Attached)>, key: &Key, value: &Node) {
    let mut attached = out.comments.take(key.span.start);
    let (line_indent, lead) = match prefix {
        Some((item_indent, dash, item)) => {
            let mut leading = item.leading;
            leading.append(&mut attached.leading);
            attached.leading = leading;
            if let Some(t) = item.trailing {
                attached.trailing = Some(match attached.trailing.take() {
                    Some(existing) => format!("{t}\n{existing}"),
                    None => t,
                });
            }
            (item_indent, dash)
        }
        None => (indent, ""),
    };
    out.leading(line_indent, &attached.leading);
    let trailing = attached.trailing.as_deref();
    let head = format!("{lead}{}:", yaml_key(&key.name));
    if let Some(inline) = yaml_inline(out, value)
        && (line_indent + head.len() + 1 + inline.len() <= WIDTH || is_scalar(value))
    {
        out.line(line_indent, &format!("{head} {inline}"), trailing);
        return;
    }
    out.line(line_indent, &head, trailing);
    match &value.kind {
        NodeKind::Map(entries) => {
            for (key, value) in entries {
                yaml_entry(out, indent + 2, None, key, value);
            }
        }
        NodeKind::Seq(items) => {
            for item in items {
                yaml_item(out, indent + 2, item);
            }
        }
        _ => unreachable!("scalars are inline"),
    }
}

fn yaml_item(out: &mut Out, indent: usize, item: &Node) {
    let attached = out.comments.take(item.span.start);
    match &item.kind {
        NodeKind::Map(entries) if !entries.is_empty() => {
            let ((first_key, first_value), rest) = entries.split_first().expect("not empty");
            yaml_entry(out, indent + 2, Some((indent, "- ", attached)), first_key, first_value);
            for (key, value) in rest {
                yaml_entry(out, indent + 2, None, key, value);
            }
        }
        NodeKind::Seq(items)
            if !items.is_empty() && yaml_inline(out, item).is_none_or(|i| indent + 2 + i.len() > WIDTH) =>
        {
            out.leading(indent, &attached.leading);
            out.line(indent, "-", attached.trailing.as_deref());
            for inner in items {
                yaml_item(out, indent + 2, inner);
            }
        }
        _ => {
            out.leading(indent, &attached.leading);
            let inline = yaml_inline(out, item).expect("scalars and short lists are inline");
            out.line(indent, &format!("- {inline}"), attached.trailing.as_deref());
        }
    }
}
