//! The spanned document tree shared by every input spelling.

use crate::source::Span;

/// One value of the input with the byte span it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Seq(Vec<Node>),
    /// Entries in source order; duplicates are kept so the model layer can report them.
    Map(Vec<(Key, Node)>),
}

/// A mapping key with its own span (unknown-key diagnostics point at the key).
#[derive(Clone, Debug, PartialEq)]
pub struct Key {
    pub name: String,
    pub span: Span,
}

impl Node {
    /// A short description of the node's type for "expected X, found Y" messages.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            NodeKind::Null => "nothing",
            NodeKind::Bool(_) => "a boolean",
            NodeKind::Number(_) => "a number",
            NodeKind::String(_) => "a string",
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a mapping",
        }
    }
}

impl Node {
    /// Whether two trees hold the same values and keys in the same order, spans
    /// aside: what a conversion between spellings must preserve.
    pub fn same_tree(&self, other: &Node) -> bool {
        match (&self.kind, &other.kind) {
            (NodeKind::Null, NodeKind::Null) => true,
            (NodeKind::Bool(a), NodeKind::Bool(b)) => a == b,
            (NodeKind::Number(a), NodeKind::Number(b)) => a == b || a.to_bits() == b.to_bits(),
            (NodeKind::String(a), NodeKind::String(b)) => a == b,
            (NodeKind::Seq(a), NodeKind::Seq(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same_tree(y)),
            (NodeKind::Map(a), NodeKind::Map(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|((ka, va), (kb, vb))| ka.name == kb.name && va.same_tree(vb))
            }
            _ => false,
        }
    }
}
