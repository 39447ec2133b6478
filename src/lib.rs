//! ninecheck: a declarative capacity-and-reliability model checker.
//!
//! The pipeline is syntax → model → graph → analysis → check → render:
//! [`syntax`] reads YAML or the DSL into one spanned tree, [`model`] validates it into a typed
//! model, [`graph`] rejects call cycles, [`analysis`] computes the numbers,
//! [`check`] turns objectives into findings and [`render`] prints them.

pub mod analysis;
pub mod check;
pub mod cli;
pub mod diagnostic;
pub mod format;
pub mod graph;
pub mod model;
pub mod render;
pub mod rules;
pub mod source;
pub mod syntax;

use analysis::Report;
use analysis::availability::{self, Compiled};
use diagnostic::Diagnostic;
use model::Model;
use source::SourceFile;

/// Largest input accepted, so a hostile file cannot exhaust memory.
pub const MAX_INPUT_BYTES: usize = 32 * 1024 * 1024;

/// A checked model: everything the renderers need.
pub struct Checked {
    pub model: Model,
    pub compiled: Compiled,
    pub report: Report,
    pub findings: Vec<Diagnostic>,
}

/// Parses and validates a model file; on failure returns every problem found.
pub fn load(source: &SourceFile) -> Result<Model, Vec<Diagnostic>> {
    if source.text.len() > MAX_INPUT_BYTES {
        return Err(vec![Diagnostic::error(
            "input/io",
            format!(
                "{} is {} bytes; the largest accepted input is {MAX_INPUT_BYTES} bytes",
                source.name,
                source.text.len()
            ),
        )]);
    }
    let node = syntax::parse(source)?;
    // The builder also rejects call cycles, with every other problem.
    model::build(&node)
}

/// The model file rewritten in spelling `to`, comments carried over. The model
/// must be valid first: converting a broken file would only move its errors.
pub fn convert(source: &SourceFile, to: syntax::Spelling) -> Result<String, Vec<Diagnostic>> {
    load(source)?;
    let node = syntax::parse(source)?;
    syntax::rewrite(source, &node, to)
}

/// Loads, analyses and checks a model. `today` (YYYY-MM-DD) expires waivers.
pub fn check_source(source: &SourceFile, today: &str) -> Result<Checked, Vec<Diagnostic>> {
    let model = load(source)?;
    Ok(check_model(model, today))
}

pub fn check_model(model: Model, today: &str) -> Checked {
    let compiled = availability::compile(&model);
    let report = analysis::analyze(&model, &compiled);
    let findings = check::findings(&model, &compiled, &report, today);
    Checked { model, compiled, report, findings }
}
