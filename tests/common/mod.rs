//! Helpers shared by the integration tests: rejected inputs and the positions of
//! their diagnostics.

use ninecheck::diagnostic::Diagnostic;
use ninecheck::source::SourceFile;

/// The diagnostics of an input that must be rejected (YAML or DSL, by `name`).
pub fn errors(name: &str, text: &str) -> (SourceFile, Vec<Diagnostic>) {
    let source = SourceFile::new(name, text);
    match ninecheck::load(&source) {
        Ok(_) => panic!("{name} should be rejected"),
        Err(diagnostics) => (source, diagnostics),
    }
}

/// (rule, line, column) of each diagnostic's primary label.
pub fn positions(source: &SourceFile, diagnostics: &[Diagnostic]) -> Vec<(&'static str, usize, usize)> {
    diagnostics
        .iter()
        .map(|d| {
            let span = d.primary.as_ref().expect("every input error is located").span;
            let (line, column) = source.line_col(span.start);
            (d.rule, line, column)
        })
        .collect()
}
