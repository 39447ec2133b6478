//! Surface syntax: turns a YAML (or, later, DSL) file into one spanned [`Node`] tree.
//!
//! This is the only layer that knows about serde-saphyr; everything downstream sees
//! plain nodes with byte spans, so both spellings feed the same model code.

mod node;
mod yaml;

pub use node::{Key, Node, NodeKind};
pub use yaml::parse_yaml;
