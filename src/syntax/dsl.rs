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

/// Smallest piece of a file parsed on a thread of its own: below this, starting
/// a thread costs more than it saves.
const MIN_CHUNK_BYTES: usize = 128 * 1024;

/// Most threads one parse uses.
const MAX_CHUNKS: usize = 8;

/// Parses DSL text into a spanned tree; on failure returns every syntax problem
/// found (the first one always, then at most one per later top-level block).
///
/// Large files are cut at top-level line starts into one piece per core and the
/// pieces parsed in parallel: a top-level statement never spans a new line
/// outside brackets, so the pieces' statements, in order, are exactly the whole
/// file's. The tree is the same for any cut (tested); problems are always
/// reported by the one-piece parse, so their order never depends on the cut.
pub fn parse_dsl(text: &str) -> Result<Node, Vec<Diagnostic>> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    parse_dsl_in(text, cores.min(MAX_CHUNKS).min(text.len() / MIN_CHUNK_BYTES).max(1))
}

/// [`parse_dsl`] with the file cut into at most `pieces` pieces.
fn parse_dsl_in(text: &str, pieces: usize) -> Result<Node, Vec<Diagnostic>> {
    let mut top_line_starts = Vec::new();
    let state = scan(text, text.len(), None, (pieces > 1).then_some(&mut top_line_starts));
    if let Some(at) = state.too_deep {
        return Err(vec![
            Diagnostic::error(RULE, format!("blocks and lists are nested deeper than {MAX_DEPTH} levels"))
                .with_primary(Span::new(at, 1), "too deep here"),
        ]);
    }
    let cuts = cuts(text.len(), &top_line_starts, pieces);
    if cuts.len() > 2
        && let Some(items) = parse_pieces_in_parallel(text, &cuts)
    {
        return Ok(assemble(items, text.len()));
    }
    parse_whole(text)
}

/// Piece boundaries: 0, then the top-level line start nearest each equal share
/// of the text, then the end.
fn cuts(len: usize, top_line_starts: &[usize], pieces: usize) -> Vec<usize> {
    let mut cuts = vec![0];
    for k in 1..pieces {
        let target = len * k / pieces;
        let at = top_line_starts.partition_point(|&s| s < target);
        if let Some(&cut) = top_line_starts.get(at)
            && cut > *cuts.last().expect("starts with 0")
            && cut < len
        {
            cuts.push(cut);
        }
    }
    cuts.push(len);
    cuts
}

/// The top-level items of every piece, in order; `None` when any piece has a
/// problem (or a thread cannot be started): the caller then parses the whole
/// file, which reports problems in their usual order.
fn parse_pieces_in_parallel(text: &str, cuts: &[usize]) -> Option<Vec<TopItem>> {
    let pieces: Vec<(usize, usize)> = cuts.windows(2).map(|w| (w[0], w[1])).collect();
    std::thread::scope(|scope| {
        let mut handles = Vec::new();
        for &(start, end) in &pieces[1..] {
            let handle = std::thread::Builder::new().spawn_scoped(scope, move || parse_piece(text, start, end)).ok()?;
            handles.push(handle);
        }
        let (start, end) = pieces[0];
        let mut items = parse_piece(text, start, end)?;
        for handle in handles {
            items.extend(handle.join().ok()??);
        }
        Some(items)
    })
}

/// The top-level items of `text[start..end]`, spans in whole-file offsets, or
/// `None` if that piece has any problem.
fn parse_piece(text: &str, start: usize, end: usize) -> Option<Vec<TopItem>> {
    let mut pairs = NinesParser::parse(Rule::file, &text[start..end]).ok()?;
    let file = pairs.next().expect("the file rule always produces a pair");
    let mut lowering = Lowering { text, base: start, errors: Vec::new() };
    let items = lowering.top_items(file);
    lowering.errors.is_empty().then_some(items)
}

/// The one-piece parse, with recovery so that every problem is reported.
fn parse_whole(text: &str) -> Result<Node, Vec<Diagnostic>> {
    match NinesParser::parse(Rule::file, text) {
        Ok(mut pairs) => {
            let file = pairs.next().expect("the file rule always produces a pair");
            let mut lowering = Lowering { text, base: 0, errors: Vec::new() };
            let items = lowering.top_items(file);
            if lowering.errors.is_empty() { Ok(assemble(items, text.len())) } else { Err(lowering.errors) }
        }
        Err(error) => {
            // Line numbers are only needed for messages, so only built on failure.
            let source = SourceFile::new("", text);
            let first = syntax_error(&source, &error, 0);
            let first_at = first.primary.as_ref().map_or(0, |l| l.span.start);
            let mut errors = vec![first];
            // Recover per top-level block: a line starting in column 0 begins a new
            // one (the way people write them); each block is parsed on its own so
            // the problems of the others are reported too. Up to the failing one,
            // blocks that do not parse alone are covered by the first error.
            let starts = block_starts(text);
            for (i, &start) in starts.iter().enumerate() {
                let end = starts.get(i + 1).copied().unwrap_or(text.len());
                match NinesParser::parse(Rule::file, &text[start..end]) {
                    Ok(mut pairs) => {
                        let mut lowering = Lowering { text, base: start, errors: Vec::new() };
                        let file = pairs.next().expect("the file rule always produces a pair");
                        let _ = lowering.top_items(file);
                        errors.extend(lowering.errors);
                    }
                    Err(_) if start <= first_at => {}
                    Err(error) => errors.push(syntax_error(&source, &error, start)),
                }
            }
            crate::diagnostic::sort(&mut errors);
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
}

/// What [`scan`] found up to where it stopped.
struct LexState {
    /// Brackets open there, with their offsets (for "opened at" in error messages).
    stack: Vec<(char, usize)>,
    /// Offset of a string still open there.
    open_string: Option<usize>,
    /// Offset of the first bracket nested deeper than [`MAX_DEPTH`].
    too_deep: Option<usize>,
}

/// One linear pass over the text that knows strings and comments, and nothing
/// else: it finds comments (for `fmt` and `convert`), measures nesting before
/// pest recurses, finds the line starts outside any bracket (where a file can be
/// cut into pieces parsed apart) and tells which brackets are open at an error.
fn scan(
    text: &str,
    stop: usize,
    mut comments: Option<&mut Vec<RawComment>>,
    mut top_line_starts: Option<&mut Vec<usize>>,
) -> LexState {
    let bytes = text.as_bytes();
    let mut stack: Vec<(char, usize)> = Vec::new();
    let mut too_deep = None;
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
                            return LexState { stack, open_string: Some(start), too_deep };
                        }
                        break;
                    }
                    if i >= stop {
                        return LexState { stack, open_string: Some(start), too_deep };
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
            b'#' | b'/' if b == b'#' || token_start && bytes.get(i + 1) == Some(&b'/') => {
                let end = text[i..].find('\n').map_or(text.len(), |n| i + n);
                if let Some(comments) = comments.as_deref_mut() {
                    let marker = if b == b'#' { 1 } else { 2 };
                    comments.push(RawComment { offset: i, text: text[i + marker..end].trim_end().to_string() });
                }
                i = end;
                continue;
            }
            b'{' | b'[' => {
                stack.push((b as char, i));
                if stack.len() > MAX_DEPTH && too_deep.is_none() {
                    too_deep = Some(i);
                }
            }
            b'}' | b']' => {
                stack.pop();
            }
            b'\n' if stack.is_empty() => {
                if let Some(starts) = top_line_starts.as_deref_mut() {
                    starts.push(i + 1);
                }
            }
            _ => {}
        }
        token_start = matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'{' | b'}' | b'[' | b']' | b',' | b';');
        i += 1;
    }
    LexState { stack, open_string: None, too_deep }
}

/// The comments of a whole DSL text.
pub fn lex(text: &str) -> Lexed {
    let mut comments = Vec::new();
    scan(text, text.len(), Some(&mut comments), None);
    Lexed { comments }
}

fn lex_state_at(text: &str, offset: usize) -> LexState {
    scan(text, offset, None, None)
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

fn join(a: Span, b: Span) -> Span {
    Span::new(a.start, b.end().saturating_sub(a.start))
}

/// One top-level statement, lowered: a plain entry, or a declaration to be
/// collected into its section.
enum TopItem {
    Entry(Key, Node),
    Declaration {
        /// Index in [`DECLARATIONS`].
        which: usize,
        keyword: Span,
        statement: Span,
        name: Key,
        value: Node,
    },
}

/// The root mapping of a file's top-level items: entries in order, each
/// declaration section where its first declaration was.
fn assemble(items: Vec<TopItem>, len: usize) -> Node {
    if items.is_empty() {
        // Like an empty YAML file: the model layer says what is missing.
        return Node { kind: NodeKind::Null, span: Span::new(0, 0) };
    }
    let mut entries: Vec<(Key, Node)> = Vec::new();
    // Index in `entries` of each declaration section, once one is seen.
    let mut sections: [Option<usize>; 4] = [None; 4];
    for item in items {
        match item {
            TopItem::Entry(key, value) => entries.push((key, value)),
            TopItem::Declaration { which, keyword, statement, name, value } => {
                let index = *sections[which].get_or_insert_with(|| {
                    // The section key is not in the text: it takes the span of the
                    // first declaration's keyword, so its problems point there.
                    let key = Key { name: DECLARATIONS[which].1.to_string(), span: keyword };
                    entries.push((key, Node { kind: NodeKind::Map(Vec::new()), span: statement }));
                    entries.len() - 1
                });
                let section = &mut entries[index].1;
                section.span = join(section.span, statement);
                if let NodeKind::Map(items) = &mut section.kind {
                    items.push((name, value));
                }
            }
        }
    }
    Node { kind: NodeKind::Map(entries), span: Span::new(0, len) }
}

/// Turns pest's pairs into the node tree, collecting every problem.
struct Lowering<'t> {
    /// The whole file.
    text: &'t str,
    /// Offset in `text` of the piece pest parsed (its spans start there).
    base: usize,
    errors: Vec<Diagnostic>,
}

impl Lowering<'_> {
    fn error(&mut self, span: Span, message: impl Into<String>, label: &str) {
        self.errors.push(Diagnostic::error(RULE, message).with_primary(span, label));
    }

    fn span_of(&self, pair: &Pair<Rule>) -> Span {
        let s = pair.as_span();
        Span::new(self.base + s.start(), s.end() - s.start())
    }

    /// The file's statements, lowered. All statements are read before any is
    /// given a meaning, so problems come in the same order for any file.
    fn top_items(&mut self, file: Pair<Rule>) -> Vec<TopItem> {
        let statements: Vec<Statement> =
            file.into_inner().filter(|p| p.as_rule() == Rule::statement).map(|p| self.statement(p)).collect();
        let mut items = Vec::with_capacity(statements.len());
        for statement in statements {
            let declaration = match statement.atoms.as_slice() {
                [Atom::Word(keyword, _), Atom::Word(..) | Atom::Str(..), Atom::Block(..)] => {
                    DECLARATIONS.iter().position(|(k, _)| k == keyword)
                }
                _ => None,
            };
            let Some(which) = declaration else {
                if let Some((key, value)) = self.entry(statement) {
                    items.push(TopItem::Entry(key, value));
                }
                continue;
            };
            let span = statement.span;
            let mut atoms = statement.atoms.into_iter();
            let keyword = atoms.next().expect("three atoms").span();
            let name = atoms.next().expect("three atoms");
            let block = atoms.next().expect("three atoms");
            let name = self.key(name).expect("a word or string");
            let value = self.value(block, None);
            items.push(TopItem::Declaration { which, keyword, statement: span, name, value });
        }
        items
    }

    fn statement<'a>(&mut self, pair: Pair<'a, Rule>) -> Statement<'a> {
        let span = self.span_of(&pair);
        Statement { atoms: pair.into_inner().map(|p| self.atom(p)).collect(), span }
    }

    fn atom<'a>(&mut self, pair: Pair<'a, Rule>) -> Atom<'a> {
        let span = self.span_of(&pair);
        match pair.as_rule() {
            Rule::word => Atom::Word(pair.as_str(), span),
            Rule::string => {
                let body = pair.into_inner().next().expect("string has a body");
                Atom::Str(self.unescape(body.as_str(), self.base + body.as_span().start()), span)
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
                // Gaps: after `[`, between items, before `]`. One comma at most in each,
                // none before the first item (`[a,, b]` and `[,]` are typos, not empty items).
                let inner = Span::new(span.start + 1, span.len.saturating_sub(2));
                let mut edges = vec![inner.start];
                for item in &items {
                    edges.push(item.span().start);
                    edges.push(item.span().end());
                }
                edges.push(inner.end());
                for (g, gap) in edges.chunks(2).enumerate() {
                    let allowed = usize::from(g > 0);
                    let commas = commas_outside_comments(&self.text[gap[0]..gap[1]]);
                    if let Some(&extra) = commas.get(allowed) {
                        self.error(
                            Span::new(gap[0] + extra, 1),
                            "unexpected `,`: a list item is missing here",
                            "no item before this comma",
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

/// Offsets of the commas in a gap between list items, skipping comments.
fn commas_outside_comments(gap: &str) -> Vec<usize> {
    let mut commas = Vec::new();
    let mut in_comment = false;
    let bytes = gap.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'\n' => in_comment = false,
            b'#' => in_comment = true,
            b'/' if bytes.get(i + 1) == Some(&b'/') => in_comment = true,
            b',' if !in_comment => commas.push(i),
            _ => {}
        }
    }
    commas
}

/// Quoted keys keep their quotes in the span; bare ones do not.
fn key_is_bare(key: &Key) -> bool {
    key.span.len == key.name.len()
}

#[cfg(test)]
mod tests;
