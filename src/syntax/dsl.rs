//! The ninecheck DSL (`.nines`) → [`Node`], with exact byte spans.
//!
//! pest (grammar/nines.pest) checks the shape of the text; [`Lowering`] then gives
//! the statements their meaning and builds the same tree YAML would, so the model
//! layer is shared. The only model knowledge here is the sugar documented in
//! docs/dsl.md: top-level `domain`/`component`/`flow`/`scenario NAME {…}`
//! declarations, and `calls {…}` / `waivers {…}` blocks whose lines are list items.
//! Every other key is generic, so new model keys need no change here.

use pest::Parser;
use pest::iterators::Pair;

use super::node::{Key, Node, NodeKind};
use super::scalar::resolve_word;
use crate::diagnostic::Diagnostic;
use crate::source::{SourceFile, Span};

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/nines.pest"]
struct NinesParser;

/// Deepest nesting of `{}` and `[]` accepted: pest recurses once per level, so
/// a hostile file of nested braces must be refused before it reaches pest.
pub const MAX_DEPTH: usize = 64;

/// Rule id of every DSL syntax diagnostic.
pub const RULE: &str = "syntax/dsl";

/// Top-level declarations and the section each one is collected into.
pub const DECLARATIONS: [(&str, &str); 4] =
    [("domain", "domains"), ("component", "components"), ("flow", "flows"), ("scenario", "scenarios")];

/// Blocks whose lines are list items, and the key a line's leading value fills.
pub const ITEM_BLOCKS: [(&str, &str); 2] = [("calls", "to"), ("waivers", "rule")];

/// Parses DSL text into a spanned tree; on failure returns every syntax problem
/// found (the first one always, then at most one per later top-level block).
pub fn parse_dsl(text: &str) -> Result<Node, Vec<Diagnostic>> {
    let lexed = lex(text);
    if let Some(at) = lexed.too_deep {
        return Err(vec![
            Diagnostic::error(RULE, format!("blocks and lists are nested deeper than {MAX_DEPTH} levels"))
                .with_primary(Span::new(at, 1), "too deep here"),
        ]);
    }
    match NinesParser::parse(Rule::file, text) {
        Ok(mut pairs) => {
            let file = pairs.next().expect("the file rule always produces a pair");
            let mut lowering = Lowering { text, errors: Vec::new() };
            let node = lowering.root(file, text.len());
            if lowering.errors.is_empty() { Ok(node) } else { Err(lowering.errors) }
        }
        Err(error) => {
            // Line numbers are only needed for messages, so only built on failure.
            let source = SourceFile::new("", text);
            let first = syntax_error(&source, &error, 0);
            let first_at = first.primary.as_ref().map_or(0, |l| l.span.start);
            let mut errors = vec![first];
            // Recover per top-level block: a line starting in column 0 begins a new
            // one (the way people write them); each block after the failing one is
            // parsed on its own so its problems are reported too.
            let starts = block_starts(text);
            for (i, &start) in starts.iter().enumerate() {
                let end = starts.get(i + 1).copied().unwrap_or(text.len());
                // Blocks up to the failing one are covered by the first error.
                if start <= first_at {
                    continue;
                }
                let chunk = &text[start..end];
                match NinesParser::parse(Rule::file, chunk) {
                    Ok(mut pairs) => {
                        let mut lowering = Lowering { text: chunk, errors: Vec::new() };
                        let file = pairs.next().expect("the file rule always produces a pair");
                        let _ = lowering.root(file, chunk.len());
                        errors.extend(lowering.errors.into_iter().map(|d| shift(d, start)));
                    }
                    Err(error) => errors.push(syntax_error(&source, &error, start)),
                }
            }
            Err(errors)
        }
    }
}

/// Byte offsets of the lines that start a top-level block (column 0, not a
/// comment or a closing bracket).
fn block_starts(text: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let first = line.chars().next();
        if first.is_some_and(|c| !c.is_whitespace() && !matches!(c, '}' | ']' | '#' | '/' | ',' | ';')) {
            starts.push(offset);
        }
        offset += line.len();
    }
    starts
}

fn shift(mut d: Diagnostic, by: usize) -> Diagnostic {
    if let Some(label) = d.primary.as_mut() {
        label.span.start += by;
    }
    for label in &mut d.secondary {
        label.span.start += by;
    }
    d
}

/// A pest error in plain words, located in the whole file (`base` is the offset
/// of the parsed text within it).
fn syntax_error(source: &SourceFile, error: &pest::error::Error<Rule>, base: usize) -> Diagnostic {
    let at = base
        + match error.location {
            pest::error::InputLocation::Pos(p) => p,
            pest::error::InputLocation::Span((s, _)) => s,
        };
    let text = &source.text;
    // At the end of the file, point just after the last text (a label past the
    // end would not be shown).
    let at_end = text[at.min(text.len())..].trim().is_empty();
    let at = if at_end { text.trim_end().len() } else { at };
    let positives: &[Rule] = match &error.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => positives,
        pest::error::ErrorVariant::CustomError { .. } => &[],
    };
    let state = lex_state_at(text, at);
    let position = |offset: usize| {
        let (line, column) = source.line_col(offset);
        format!("{line}:{column}")
    };
    let mut expected: Vec<String> = Vec::new();
    let mut push = |s: String| {
        if !expected.contains(&s) {
            expected.push(s);
        }
    };
    let mut secondary = None;
    for rule in positives {
        match rule {
            Rule::string_end => {
                let opened = state.open_string.unwrap_or(at);
                secondary = Some((opened, "string starts here"));
                push(format!("`\"` to close the string started at {}", position(opened)));
            }
            Rule::block_end | Rule::list_end => {
                let close = if *rule == Rule::block_end { '}' } else { ']' };
                let open = if close == '}' { '{' } else { '[' };
                match state.stack.iter().rev().find(|(c, _)| *c == open) {
                    Some(&(_, opened)) => {
                        secondary = Some((opened, if close == '}' { "block opened here" } else { "list opened here" }));
                        let what = if close == '}' { "block" } else { "list" };
                        push(format!("`{close}` to close the {what} opened at {}", position(opened)));
                    }
                    None => push(format!("`{close}`")),
                }
            }
            Rule::EOI => push("the end of the entry (a new line or `;`)".to_string()),
            Rule::statement => push("an entry".to_string()),
            _ => push("a value".to_string()),
        }
    }
    // Values first: "expected a value or …" reads best. After a value, "an
    // entry" (a new statement) says nothing more than "the end of the entry".
    if expected.iter().any(|e| e == "a value") {
        expected.retain(|e| e != "an entry");
    }
    expected.sort_by_key(|e| !e.starts_with("a value"));
    let found = match text[at..].chars().next() {
        _ if at_end => "the end of the file".to_string(),
        None => "the end of the file".to_string(),
        Some('\n' | '\r') => "the end of the line".to_string(),
        Some(c) => format!("`{c}`"),
    };
    let message = match found.as_str() {
        "`}`" | "`]`" if !positives.iter().any(|r| matches!(r, Rule::block_end | Rule::list_end)) => {
            format!("unexpected {found}: no {} is open here", if found == "`}`" { "block" } else { "list" })
        }
        _ if expected.is_empty() => format!("unexpected {found}"),
        _ => format!("expected {}, found {found}", join_or(&expected)),
    };
    let len = text[at..].chars().next().filter(|c| *c != '\n' && *c != '\r').map_or(0, char::len_utf8);
    let mut d = Diagnostic::error(RULE, message).with_primary(Span::new(at, len), "here");
    if let Some((opened, label)) = secondary {
        d = d.with_secondary(Span::new(opened, 1), label);
    }
    d
}

fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [a, b] => format!("{a} or {b}"),
        [init @ .., last] => format!("{}, or {last}", init.join(", ")),
    }
}

/// A comment found by the lexer: byte offset of its marker and its text after
/// the marker (`#` or `//`).
#[derive(Clone, Debug, PartialEq)]
pub struct RawComment {
    pub offset: usize,
    pub text: String,
}

/// What the lexer found in a whole text.
pub struct Lexed {
    pub comments: Vec<RawComment>,
    /// Offset of the first bracket nested deeper than [`MAX_DEPTH`].
    pub too_deep: Option<usize>,
}

/// Open brackets and string at an offset, for "opened at" in error messages.
struct LexState {
    stack: Vec<(char, usize)>,
    open_string: Option<usize>,
}

/// One linear pass over the text that knows strings and comments, and nothing
/// else: it finds comments (for `fmt` and `convert`), measures nesting before
/// pest recurses, and tells which brackets are open at an error.
fn scan(text: &str, stop: usize, comments: &mut Vec<RawComment>, too_deep: &mut Option<usize>) -> LexState {
    let bytes = text.as_bytes();
    let mut stack: Vec<(char, usize)> = Vec::new();
    let mut i = 0;
    // Whether the previous byte ends a token, so `//` here starts a comment.
    let mut token_start = true;
    while i < bytes.len() && i < stop {
        let b = bytes[i];
        match b {
            b'"' => {
                let start = i;
                i += 1;
                loop {
                    if i >= bytes.len() || bytes[i] == b'\n' || bytes[i] == b'\r' {
                        if i >= stop {
                            return LexState { stack, open_string: Some(start) };
                        }
                        break;
                    }
                    if i >= stop {
                        return LexState { stack, open_string: Some(start) };
                    }
                    match bytes[i] {
                        b'\\' => i += 2,
                        b'"' => {
                            i += 1;
                            break;
                        }
                        _ => i += 1,
                    }
                }
                token_start = false;
                continue;
            }
            b'#' => {
                let end = text[i..].find('\n').map_or(text.len(), |n| i + n);
                comments.push(RawComment { offset: i, text: text[i + 1..end].trim_end().to_string() });
                i = end;
                continue;
            }
            b'/' if token_start && bytes.get(i + 1) == Some(&b'/') => {
                let end = text[i..].find('\n').map_or(text.len(), |n| i + n);
                comments.push(RawComment { offset: i, text: text[i + 2..end].trim_end().to_string() });
                i = end;
                continue;
            }
            b'{' | b'[' => {
                stack.push((b as char, i));
                if stack.len() > MAX_DEPTH && too_deep.is_none() {
                    *too_deep = Some(i);
                }
            }
            b'}' | b']' => {
                stack.pop();
            }
            _ => {}
        }
        token_start = matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'{' | b'}' | b'[' | b']' | b',' | b';');
        i += 1;
    }
    LexState { stack, open_string: None }
}

/// Comments and nesting of a whole DSL text.
pub fn lex(text: &str) -> Lexed {
    let mut comments = Vec::new();
    let mut too_deep = None;
    scan(text, text.len(), &mut comments, &mut too_deep);
    Lexed { comments, too_deep }
}

fn lex_state_at(text: &str, offset: usize) -> LexState {
    scan(text, offset, &mut Vec::new(), &mut None)
}

/// One atom of a statement, before it is given a meaning.
enum Atom<'a> {
    Word(&'a str, Span),
    Str(String, Span),
    List(Vec<Atom<'a>>, Span),
    Block(Vec<Statement<'a>>, Span),
}

struct Statement<'a> {
    atoms: Vec<Atom<'a>>,
    span: Span,
}

impl Atom<'_> {
    fn span(&self) -> Span {
        match self {
            Atom::Word(_, s) | Atom::Str(_, s) | Atom::List(_, s) | Atom::Block(_, s) => *s,
        }
    }
    fn describe(&self) -> String {
        match self {
            Atom::Word(w, _) => format!("`{w}`"),
            Atom::Str(_, _) => "a quoted string".to_string(),
            Atom::List(_, _) => "a list".to_string(),
            Atom::Block(_, _) => "a block".to_string(),
        }
    }
}

fn span_of(pair: &Pair<Rule>) -> Span {
    let s = pair.as_span();
    Span::new(s.start(), s.end() - s.start())
}

fn join(a: Span, b: Span) -> Span {
    Span::new(a.start, b.end().saturating_sub(a.start))
}

/// Turns pest's pairs into the node tree, collecting every problem.
struct Lowering<'t> {
    /// The text pest parsed (the spans are offsets into it).
    text: &'t str,
    errors: Vec<Diagnostic>,
}

impl Lowering<'_> {
    fn error(&mut self, span: Span, message: impl Into<String>, label: &str) {
        self.errors.push(Diagnostic::error(RULE, message).with_primary(span, label));
    }

    fn root(&mut self, file: Pair<Rule>, len: usize) -> Node {
        let statements: Vec<Statement> =
            file.into_inner().filter(|p| p.as_rule() == Rule::statement).map(|p| self.statement(p)).collect();
        if statements.is_empty() {
            // Like an empty YAML file: the model layer says what is missing.
            return Node { kind: NodeKind::Null, span: Span::new(0, 0) };
        }
        let mut entries: Vec<(Key, Node)> = Vec::new();
        // Index in `entries` of each declaration section, once one is seen.
        let mut sections: [Option<usize>; 4] = [None; 4];
        for statement in statements {
            let declaration = match statement.atoms.as_slice() {
                [Atom::Word(keyword, _), Atom::Word(..) | Atom::Str(..), Atom::Block(..)] => {
                    DECLARATIONS.iter().position(|(k, _)| k == keyword)
                }
                _ => None,
            };
            let Some(which) = declaration else {
                if let Some(entry) = self.entry(statement) {
                    entries.push(entry);
                }
                continue;
            };
            let mut atoms = statement.atoms.into_iter();
            let keyword = atoms.next().expect("three atoms");
            let name = atoms.next().expect("three atoms");
            let block = atoms.next().expect("three atoms");
            let name = self.key(name).expect("a word or string");
            let value = self.value(block, None);
            let index = *sections[which].get_or_insert_with(|| {
                // The section key is not in the text: it takes the span of the
                // first declaration's keyword, so its problems point there.
                let key = Key { name: DECLARATIONS[which].1.to_string(), span: keyword.span() };
                entries.push((key, Node { kind: NodeKind::Map(Vec::new()), span: statement.span }));
                entries.len() - 1
            });
            let section = &mut entries[index].1;
            section.span = join(section.span, statement.span);
            if let NodeKind::Map(items) = &mut section.kind {
                items.push((name, value));
            }
        }
        let span = Span::new(0, len);
        Node { kind: NodeKind::Map(entries), span }
    }

    fn statement<'a>(&mut self, pair: Pair<'a, Rule>) -> Statement<'a> {
        let span = span_of(&pair);
        Statement { atoms: pair.into_inner().map(|p| self.atom(p)).collect(), span }
    }

    fn atom<'a>(&mut self, pair: Pair<'a, Rule>) -> Atom<'a> {
        let span = span_of(&pair);
        match pair.as_rule() {
            Rule::word => Atom::Word(pair.as_str(), span),
            Rule::string => {
                let body = pair.into_inner().next().expect("string has a body");
                Atom::Str(self.unescape(body.as_str(), body.as_span().start()), span)
            }
            Rule::list => {
                let items: Vec<Atom> =
                    pair.into_inner().filter(|p| p.as_rule() != Rule::list_end).map(|p| self.atom(p)).collect();
                for pair in items.windows(2) {
                    let (before, after) = (pair[0].span(), pair[1].span());
                    let gap = &self.text[before.end()..after.start];
                    if !gap.contains([',', '\n']) {
                        self.error(
                            after,
                            format!("expected `,` or a new line between list items, found {}", pair[1].describe()),
                            "a new item without a separator",
                        );
                    }
                }
                Atom::List(items, span)
            }
            Rule::block => Atom::Block(
                pair.into_inner().filter(|p| p.as_rule() == Rule::statement).map(|p| self.statement(p)).collect(),
                span,
            ),
            other => unreachable!("the grammar yields no {other:?} atom"),
        }
    }

    /// Resolves `\"`, `\\`, `\n`, `\t`, `\r`, `\u{HEX}` (`start`: offset of `body`).
    fn unescape(&mut self, body: &str, start: usize) -> String {
        let mut out = String::with_capacity(body.len());
        let mut chars = body.char_indices();
        while let Some((i, c)) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            let Some((_, e)) = chars.next() else { break };
            match e {
                '"' => out.push('"'),
                '\\' => out.push('\\'),
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                'u' => {
                    let rest = &body[i + 2..];
                    let parsed = rest
                        .strip_prefix('{')
                        .and_then(|r| r.split_once('}'))
                        .and_then(|(hex, _)| u32::from_str_radix(hex, 16).ok().map(|v| (v, hex.len())))
                        .and_then(|(v, n)| char::from_u32(v).map(|c| (c, n)));
                    match parsed {
                        Some((c, n)) => {
                            out.push(c);
                            for _ in 0..n + 2 {
                                chars.next();
                            }
                        }
                        None => self.error(
                            Span::new(start + i, 2),
                            "`\\u` must be followed by a hexadecimal code point in braces, like `\\u{e9}`",
                            "bad escape",
                        ),
                    }
                }
                other => self.error(
                    Span::new(start + i, 1 + other.len_utf8()),
                    format!("unknown escape `\\{other}` (known: \\\" \\\\ \\n \\t \\r \\u{{…}})"),
                    "unknown escape",
                ),
            }
        }
        out
    }

    /// A key: a bare word or a quoted string.
    fn key(&mut self, atom: Atom) -> Option<Key> {
        match atom {
            Atom::Word(w, span) => Some(Key { name: w.to_string(), span }),
            Atom::Str(s, span) => Some(Key { name: s, span }),
            other => {
                self.error(
                    other.span(),
                    format!("expected a key (a name or a quoted string), found {}", other.describe()),
                    "not a key",
                );
                None
            }
        }
    }

    /// A value; `item_key` is set inside a `calls`/`waivers` block, whose lines
    /// become list items.
    fn value(&mut self, atom: Atom, item_key: Option<&'static str>) -> Node {
        let span = atom.span();
        let kind = match atom {
            Atom::Word(w, _) => resolve_word(w),
            Atom::Str(s, _) => NodeKind::String(s),
            Atom::List(items, _) => NodeKind::Seq(items.into_iter().map(|a| self.value(a, None)).collect()),
            Atom::Block(statements, _) => match item_key {
                Some(head) => NodeKind::Seq(statements.into_iter().filter_map(|s| self.item(s, head)).collect()),
                None => NodeKind::Map(statements.into_iter().filter_map(|s| self.entry(s)).collect()),
            },
        };
        Node { kind, span }
    }

    /// `key value`, or `key` alone (a flag: `true`).
    fn entry(&mut self, statement: Statement) -> Option<(Key, Node)> {
        let mut atoms = statement.atoms.into_iter();
        let key = self.key(atoms.next()?)?;
        let Some(value) = atoms.next() else {
            let value = Node { kind: NodeKind::Bool(true), span: key.span };
            return Some((key, value));
        };
        if let Some(extra) = atoms.next() {
            self.error(
                extra.span(),
                format!("expected a new line or `;` after the value of `{}`, found {}", key.name, extra.describe()),
                "one value per key",
            );
            return None;
        }
        // `calls {…}` and `waivers {…}` hold list items; a quoted key opts out.
        let item_key = if key_is_bare(&key) && matches!(value, Atom::Block(..)) {
            ITEM_BLOCKS.iter().find(|(k, _)| *k == key.name).map(|(_, head)| *head)
        } else {
            None
        };
        let value = self.value(value, item_key);
        Some((key, value))
    }

    /// One line of a `calls`/`waivers` block: a value alone is the item;
    /// `HEAD key value …` is `{head_key: HEAD, key: value, …}`; in `calls`,
    /// `parallel [..] key value …` is `{parallel: [..], …}`. A last key without
    /// a value is a flag (`true`).
    fn item(&mut self, statement: Statement, head_key: &'static str) -> Option<Node> {
        let span = statement.span;
        let mut atoms = statement.atoms.into_iter().peekable();
        let first = atoms.next()?;
        if atoms.peek().is_none() {
            return Some(self.value(first, None));
        }
        let mut entries = Vec::new();
        let second_is_list = matches!(atoms.peek(), Some(Atom::List(..)));
        match first {
            Atom::Word(word, key_span) if word == "parallel" && head_key == "to" && second_is_list => {
                let list = atoms.next().expect("peeked");
                entries.push((Key { name: "parallel".to_string(), span: key_span }, self.value(list, None)));
            }
            head @ (Atom::Word(..) | Atom::Str(..)) => {
                let key = Key { name: head_key.to_string(), span: head.span() };
                entries.push((key, self.value(head, None)));
            }
            other => {
                self.error(
                    other.span(),
                    format!(
                        "a line with options starts with the `{head_key}` name, found {}; write a whole item as `{{ key value; … }}`",
                        other.describe()
                    ),
                    "expected a name",
                );
                return None;
            }
        }
        while let Some(atom) = atoms.next() {
            let key = self.key(atom)?;
            let value = match atoms.next() {
                Some(value) => self.value(value, None),
                None => Node { kind: NodeKind::Bool(true), span: key.span },
            };
            entries.push((key, value));
        }
        Some(Node { kind: NodeKind::Map(entries), span })
    }
}

/// Quoted keys keep their quotes in the span; bare ones do not.
fn key_is_bare(key: &Key) -> bool {
    key.span.len == key.name.len()
}

#[cfg(test)]
mod tests;
