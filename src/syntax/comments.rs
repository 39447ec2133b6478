//! Comments for `nines fmt` and `nines convert`: found in the text of either
//! spelling and attached, by line, to the entries and list items of the tree, so
//! a writer can put them back next to the same values.
//!
//! Neither parser keeps comments (serde-saphyr cannot), so both spellings are
//! scanned here and attached by one rule: a comment after a value on its line
//! trails the last entry that starts on that line (a key before a list item);
//! a comment aligned under a trailing comment on the next line continues it;
//! every other comment leads the next entry or item. Entries are identified by
//! the byte offset of their key (or item), which both writers look up.

use std::collections::HashMap;

use super::node::{Node, NodeKind};
use crate::source::SourceFile;

pub use super::dsl::RawComment;

/// One line of a leading comment block.
#[derive(Clone, Debug, PartialEq)]
pub enum Line {
    /// The text after the comment marker, as written (`# x` → `" x"`).
    Comment(String),
    /// A blank line between comments, or between the comments and the entry.
    Blank,
}

/// The comments of one entry or list item.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Attached {
    pub leading: Vec<Line>,
    /// Text after the marker; continuation lines are separated by `\n`.
    pub trailing: Option<String>,
}

/// Every comment of a file, keyed by the offset of the entry it belongs to.
/// Writers [`take`](Comments::take) each entry's comments once, and print what
/// is left at the end, so no comment is ever dropped.
#[derive(Debug, Default)]
pub struct Comments {
    by_anchor: HashMap<usize, Attached>,
    /// Comments after the last entry, then any that no writer took.
    tail: Vec<Line>,
}

impl Comments {
    /// Attaches `comments` (sorted by offset) of `text` to the entries of `root`.
    pub fn attach(root: &Node, text: &str, comments: Vec<RawComment>) -> Comments {
        let source = SourceFile::new("", text);
        let line_of = |offset: usize| source.line_col(offset).0;
        let column_of = |offset: usize| source.line_col(offset).1;
        let mut anchors: Vec<(usize, bool)> = Vec::new();
        collect_anchors(root, &mut anchors);
        anchors.sort_by_key(|&(offset, is_key)| (offset, !is_key));
        anchors.dedup_by_key(|a| a.0);
        let lines: Vec<&str> = text.split('\n').collect();
        let blank = |line: usize| lines.get(line - 1).is_some_and(|l| l.trim().is_empty());

        let mut result = Comments::default();
        // Leading comments waiting for their entry, and the line of the last one.
        let mut last_line: HashMap<usize, usize> = HashMap::new();
        // The anchor, line and column of the last trailing comment, for continuations.
        let mut last_trailing: Option<(usize, usize, usize)> = None;
        for comment in comments {
            let line = line_of(comment.offset);
            let column = column_of(comment.offset);
            let line_start = text[..comment.offset].rfind('\n').map_or(0, |i| i + 1);
            let full_line = text[line_start..comment.offset].trim().is_empty();
            if full_line {
                if let Some((anchor, l, c)) = last_trailing
                    && l + 1 == line
                    && c == column
                {
                    let attached = result.by_anchor.entry(anchor).or_default();
                    let trailing = attached.trailing.get_or_insert_with(String::new);
                    trailing.push('\n');
                    trailing.push_str(&comment.text);
                    last_trailing = Some((anchor, line, column));
                    continue;
                }
            } else {
                // The entries starting on this line before the comment: prefer a key.
                let first = anchors.partition_point(|&(o, _)| o < line_start);
                let on_line: Vec<(usize, bool)> =
                    anchors[first..].iter().copied().take_while(|&(o, _)| o < comment.offset).collect();
                let chosen = on_line.iter().rev().find(|a| a.1).or(on_line.last()).map(|a| a.0);
                if let Some(anchor) = chosen {
                    let attached = result.by_anchor.entry(anchor).or_default();
                    match &mut attached.trailing {
                        Some(t) => {
                            t.push('\n');
                            t.push_str(&comment.text);
                        }
                        None => attached.trailing = Some(comment.text),
                    }
                    last_trailing = Some((anchor, line, column));
                    continue;
                }
            }
            last_trailing = None;
            // A leading comment: it belongs to the next entry.
            let next = anchors.partition_point(|&(o, _)| o <= comment.offset);
            let (target, previous) = match anchors.get(next) {
                Some(&(anchor, _)) => {
                    let previous = last_line.insert(anchor, line);
                    (result.by_anchor.entry(anchor).or_default().leading.as_mut(), previous)
                }
                None => {
                    let previous = last_line.insert(usize::MAX, line);
                    (&mut result.tail, previous)
                }
            };
            if previous.is_some_and(|p| (p + 1..line).any(blank)) {
                target.push(Line::Blank);
            }
            target.push(Line::Comment(comment.text));
        }
        // A blank line between a comment block and its entry is kept.
        for (anchor, line) in last_line {
            if anchor == usize::MAX {
                continue;
            }
            if (line + 1..line_of(anchor)).any(blank)
                && let Some(attached) = result.by_anchor.get_mut(&anchor)
            {
                attached.leading.push(Line::Blank);
            }
        }
        result
    }

    /// The comments of the entry or item at `offset`, removed from the table.
    pub fn take(&mut self, offset: usize) -> Attached {
        self.by_anchor.remove(&offset).unwrap_or_default()
    }

    /// Whether any entry or item inside `node` (not `node` itself) has comments.
    pub fn any_inside(&self, node: &Node) -> bool {
        if self.by_anchor.is_empty() {
            return false;
        }
        let mut anchors = Vec::new();
        match &node.kind {
            NodeKind::Seq(_) | NodeKind::Map(_) => collect_anchors(node, &mut anchors),
            _ => {}
        }
        anchors.iter().any(|(o, _)| self.by_anchor.contains_key(o))
    }

    /// Everything not yet taken, in file order, as leading lines (for the end of
    /// the output).
    pub fn rest(&mut self) -> Vec<Line> {
        let mut left: Vec<(usize, Attached)> = self.by_anchor.drain().collect();
        left.sort_by_key(|(o, _)| *o);
        let mut lines = Vec::new();
        for (_, attached) in left {
            lines.extend(attached.leading);
            if let Some(t) = attached.trailing {
                lines.extend(t.split('\n').map(|l| Line::Comment(l.to_string())));
            }
        }
        lines.append(&mut self.tail);
        lines
    }
}

fn collect_anchors(node: &Node, anchors: &mut Vec<(usize, bool)>) {
    match &node.kind {
        NodeKind::Map(entries) => {
            for (key, value) in entries {
                anchors.push((key.span.start, true));
                collect_anchors(value, anchors);
            }
        }
        NodeKind::Seq(items) => {
            for item in items {
                anchors.push((item.span.start, false));
                collect_anchors(item, anchors);
            }
        }
        _ => {}
    }
}

/// The comments of a DSL text (`#` anywhere outside strings, `//` where a
/// word could start).
pub fn dsl_comments(text: &str) -> Vec<RawComment> {
    super::dsl::lex(text).comments
}

/// The comments of a YAML text: a `#` at the start of a line or after white
/// space, outside quoted scalars and block scalars (`|`, `>`).
pub fn yaml_comments(text: &str) -> Vec<RawComment> {
    let mut comments = Vec::new();
    let mut offset = 0;
    // Open quote carried over lines (a multi-line quoted scalar).
    let mut quote: Option<u8> = None;
    // Indentation of the line that opened a block scalar, while inside one.
    let mut block_parent: Option<usize> = None;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let content = line.trim_end_matches(['\n', '\r']);
        let indent = content.len() - content.trim_start().len();
        if let Some(parent) = block_parent {
            if content.trim().is_empty() || indent > parent {
                continue;
            }
            block_parent = None;
        }
        let bytes = content.as_bytes();
        let mut i = 0;
        let mut code_end = content.len();
        let mut previous: Option<u8> = None; // last non-space byte outside quotes
        while i < bytes.len() {
            let b = bytes[i];
            match quote {
                Some(b'"') => {
                    if b == b'\\' {
                        i += 1;
                    } else if b == b'"' {
                        quote = None;
                    }
                }
                Some(_) => {
                    if b == b'\'' {
                        if bytes.get(i + 1) == Some(&b'\'') {
                            i += 1;
                        } else {
                            quote = None;
                        }
                    }
                }
                None => {
                    if b == b'#' && (i == 0 || bytes[i - 1] == b' ' || bytes[i - 1] == b'\t') {
                        comments.push(RawComment { offset: start + i, text: content[i + 1..].trim_end().to_string() });
                        code_end = i;
                        break;
                    }
                    let quote_can_start = previous.is_none_or(|p| matches!(p, b':' | b'-' | b'[' | b'{' | b',' | b'?'));
                    if (b == b'"' || b == b'\'') && quote_can_start {
                        quote = Some(b);
                    }
                    if b != b' ' && b != b'\t' {
                        previous = Some(b);
                    }
                }
            }
            i += 1;
        }
        if quote.is_none() && opens_block_scalar(content[..code_end].trim_end()) {
            block_parent = Some(indent);
        }
    }
    comments
}

/// Whether a line (without its comment) ends with a block scalar header such as
/// `key: |`, `- >-` or `key: |2+`.
fn opens_block_scalar(code: &str) -> bool {
    let Some(at) = code.rfind(['|', '>']) else { return false };
    let indicators = &code[at + 1..];
    if !indicators.chars().all(|c| matches!(c, '+' | '-' | '0'..='9')) || indicators.len() > 2 {
        return false;
    }
    let before = code[..at].trim_end();
    before.is_empty() || before.ends_with(':') || before.ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{parse_dsl, parse_yaml};

    #[test]
    fn yaml_comments_skip_quotes_and_block_scalars() {
        let text = "a: \"x # no\" # yes 1\nb: don't # yes 2\nc: >-\n  text # no\n  more\n# yes 3\nd: 'it''s # no'\n";
        let found: Vec<String> = yaml_comments(text).into_iter().map(|c| c.text).collect();
        assert_eq!(found, [" yes 1", " yes 2", " yes 3"]);
    }

    #[test]
    fn comments_attach_by_line() {
        let text = "# head\n\n# lead a\na: 1 # trail a\n     # more a\nb:\n  - x # trail x\n  # lead y\n  - y\n# end\n";
        let root = parse_yaml(text).unwrap();
        let mut comments = Comments::attach(&root, text, yaml_comments(text));
        let a = comments.take(text.find("a:").unwrap());
        assert_eq!(a.leading, [Line::Comment(" head".into()), Line::Blank, Line::Comment(" lead a".into())]);
        assert_eq!(a.trailing.as_deref(), Some(" trail a\n more a"));
        assert_eq!(comments.take(text.find("x #").unwrap()).trailing.as_deref(), Some(" trail x"));
        assert_eq!(comments.take(text.find("- y").unwrap() + 2).leading, [Line::Comment(" lead y".into())]);
        assert_eq!(comments.rest(), [Line::Comment(" end".into())]);
    }

    #[test]
    fn dsl_trailing_comments_prefer_keys() {
        let text = "component web { // web tier\n  spread [a, b] # why\n}\n";
        let root = parse_dsl(text).unwrap();
        let mut comments = Comments::attach(&root, text, super::super::dsl::lex(text).comments);
        assert_eq!(comments.take(text.find("web").unwrap()).trailing.as_deref(), Some(" web tier"));
        assert_eq!(comments.take(text.find("spread").unwrap()).trailing.as_deref(), Some(" why"));
        assert!(comments.rest().is_empty());
    }
}
