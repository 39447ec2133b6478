//! Surface syntax: turns a YAML or DSL file into one spanned [`Node`] tree, and
//! writes a tree back out in either spelling (for `nines fmt` and `nines convert`).
//!
//! This is the only layer that knows about serde-saphyr and pest; everything
//! downstream sees plain nodes with byte spans, so both spellings feed the same
//! model code.

pub mod comments;
mod dsl;
mod node;
mod scalar;
mod write;
mod yaml;

pub use dsl::{MAX_DEPTH, parse_dsl};
pub use node::{Key, Node, NodeKind};
pub use write::{Unwritable, write_dsl, write_yaml};
pub use yaml::parse_yaml;

use crate::diagnostic::Diagnostic;
use crate::source::SourceFile;

/// The two ways to write a model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spelling {
    Yaml,
    Dsl,
}

impl Spelling {
    /// The spelling of a file: by extension (`.nines` → DSL, `.yaml`/`.yml`/`.json` →
    /// YAML, of which JSON is a subset), otherwise sniffed from the first line that is not blank or a
    /// comment: YAML when it starts a document (`---`) or a list (`- `), or has a
    /// `key:` before any `{` or `"`; the DSL otherwise.
    pub fn of(name: &str, text: &str) -> Spelling {
        let extension = std::path::Path::new(name).extension().and_then(|e| e.to_str()).unwrap_or("");
        match extension.to_ascii_lowercase().as_str() {
            "nines" => return Spelling::Dsl,
            "yaml" | "yml" | "json" => return Spelling::Yaml,
            _ => {}
        }
        let Some(line) =
            text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with("//"))
        else {
            return Spelling::Yaml;
        };
        if line.starts_with("---") || line == "-" || line.starts_with("- ") || line.starts_with('{') {
            return Spelling::Yaml;
        }
        let head = &line[..line.find(['{', '"']).unwrap_or(line.len())];
        let yaml_key =
            head.find(':').is_some_and(|i| head[i + 1..].is_empty() || head[i + 1..].starts_with([' ', '\t']))
                || line[head.len()..].is_empty() && head.ends_with(':');
        if yaml_key { Spelling::Yaml } else { Spelling::Dsl }
    }
}

/// Parses a model file in its spelling ([`Spelling::of`]) into the spanned tree.
pub fn parse(source: &SourceFile) -> Result<Node, Vec<Diagnostic>> {
    match Spelling::of(&source.name, &source.text) {
        Spelling::Dsl => parse_dsl(&source.text),
        Spelling::Yaml => parse_yaml(&source.text).map_err(|e| {
            vec![Diagnostic::error("syntax/yaml", format!("invalid YAML: {}", e.message)).with_primary(e.span, "here")]
        }),
    }
}

/// The comments of `source`, attached to the entries of `node` (its parse).
pub fn comments_of(source: &SourceFile, node: &Node) -> comments::Comments {
    let raw = match Spelling::of(&source.name, &source.text) {
        Spelling::Dsl => comments::dsl_comments(&source.text),
        Spelling::Yaml => comments::yaml_comments(&source.text),
    };
    comments::Comments::attach(node, &source.text, raw)
}

/// Writes `node` (parsed from `source`, whose comments are carried over) in
/// spelling `to`, and checks that the text reads back as the same tree: a
/// writer bug must never silently change a model.
pub fn rewrite(source: &SourceFile, node: &Node, to: Spelling) -> Result<String, Vec<Diagnostic>> {
    let mut comments = comments_of(source, node);
    let text = match to {
        Spelling::Dsl => write_dsl(node, &mut comments).map_err(|Unwritable(why)| {
            vec![Diagnostic::error("syntax/dsl", format!("cannot write {} as DSL: {why}", source.name))]
        })?,
        Spelling::Yaml => write_yaml(node, &mut comments),
    };
    let reread = match to {
        Spelling::Dsl => parse_dsl(&text).ok(),
        Spelling::Yaml => parse_yaml(&text).ok(),
    };
    match reread {
        Some(back) if back.same_tree(node) => Ok(text),
        _ => Err(vec![Diagnostic::error(
            if to == Spelling::Dsl { "syntax/dsl" } else { "syntax/yaml" },
            format!(
                "internal error: the rewritten {} does not read back as the same model; nothing was written",
                source.name
            ),
        )]),
    }
}
