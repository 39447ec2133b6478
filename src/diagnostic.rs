//! Findings and input errors as plain data: a rule id, a severity, labelled spans
//! and a help line. Renderers (human, JSON, …) turn these into text; nothing here
//! knows how they will be shown.

use serde::Serialize;

use crate::source::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

impl Label {
    pub fn new(span: Span, message: impl Into<String>) -> Self {
        Label { span, message: message.into() }
    }
}

/// One diagnostic: an input error or a finding about the design.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// Stable rule id such as `slo/availability`; see `nines explain`.
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    /// The value responsible. Every diagnostic about the input has one.
    pub primary: Option<Label>,
    pub secondary: Vec<Label>,
    pub help: Option<String>,
    /// Set when a waiver in the model covers this finding: the waiver's reason.
    pub waived: Option<String>,
}

impl Diagnostic {
    pub fn new(rule: &'static str, severity: Severity, message: impl Into<String>) -> Self {
        Diagnostic {
            rule,
            severity,
            message: message.into(),
            primary: None,
            secondary: Vec::new(),
            help: None,
            waived: None,
        }
    }

    pub fn error(rule: &'static str, message: impl Into<String>) -> Self {
        Self::new(rule, Severity::Error, message)
    }

    pub fn warning(rule: &'static str, message: impl Into<String>) -> Self {
        Self::new(rule, Severity::Warning, message)
    }

    pub fn with_primary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.primary = Some(Label::new(span, message));
        self
    }

    pub fn with_secondary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.secondary.push(Label::new(span, message));
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Whether this diagnostic counts against `--fail-on` (waived ones never do).
    pub fn counts_at(&self, threshold: Severity) -> bool {
        self.waived.is_none() && self.severity >= threshold
    }
}

/// Sorts diagnostics by position so output is stable and reads top to bottom.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        let key = |d: &Diagnostic| d.primary.as_ref().map_or(usize::MAX, |l| l.span.start);
        key(a).cmp(&key(b)).then_with(|| a.rule.cmp(b.rule)).then_with(|| a.message.cmp(&b.message))
    });
}
