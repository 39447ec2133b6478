//! Reading spanned nodes into typed values while collecting every problem.
//!
//! [`Reader`] owns the list of diagnostics; each `expect_*` helper records a
//! located error and returns `None` instead of stopping, so one run reports all
//! problems in the file.

use crate::diagnostic::Diagnostic;
use crate::source::{Span, Spanned};
use crate::syntax::{Node, NodeKind};

use super::quantity;

pub struct Reader {
    pub diagnostics: Vec<Diagnostic>,
}

/// The entries of one mapping, checked against the keys allowed there.
pub struct Fields<'a> {
    pub node: &'a Node,
    entries: Vec<(&'a str, Span, &'a Node)>,
}

/// Keys the DSL already spells (docs/dsl.md) but this version does not check yet, and
/// what to tell a user who writes them.
const PLANNED: &[(&str, &str)] = &[(
    "scenarios",
    "failure scenarios are not checked by this version of nines yet; remove the `scenario` blocks to check the rest",
)];

impl<'a> Fields<'a> {
    pub fn get(&self, key: &str) -> Option<&'a Node> {
        self.entries.iter().find(|(k, _, _)| *k == key).map(|(_, _, v)| *v)
    }

    pub fn key_span(&self, key: &str) -> Option<Span> {
        self.entries.iter().find(|(k, _, _)| *k == key).map(|(_, s, _)| *s)
    }

    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
}

/// The closest candidate to `name`, if it is plausibly a typo of it.
pub fn did_you_mean<'c>(name: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(name, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

impl Reader {
    pub fn new() -> Self {
        Reader { diagnostics: Vec::new() }
    }

    pub fn error(&mut self, rule: &'static str, span: Span, message: impl Into<String>, label: impl Into<String>) {
        self.diagnostics.push(Diagnostic::error(rule, message).with_primary(span, label));
    }

    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// The mapping entries of `node`; unknown and duplicate keys are reported.
    /// `what` names the thing being read ("component `web`") for messages.
    pub fn fields<'a>(&mut self, node: &'a Node, allowed: &[&str], what: &str) -> Option<Fields<'a>> {
        let entries = self.mapping(node, what)?;
        let mut fields = Fields { node, entries: Vec::new() };
        for (key, value) in entries {
            if let Some(first) = fields.key_span(&key.name) {
                self.push(
                    Diagnostic::error("model/duplicate", format!("`{}` is set twice in {what}", key.name))
                        .with_primary(key.span, "set again here")
                        .with_secondary(first, "first set here"),
                );
                continue;
            }
            if !allowed.contains(&key.name.as_str()) {
                let mut d = Diagnostic::error("model/unknown-key", format!("unknown key `{}` in {what}", key.name))
                    .with_primary(key.span, "not a known key here");
                let planned = PLANNED.iter().find(|(name, _)| *name == key.name).map(|(_, help)| *help);
                d = match (planned, did_you_mean(&key.name, allowed.iter().copied())) {
                    (Some(help), _) => d.with_help(help),
                    (None, Some(s)) => d.with_help(format!("did you mean `{s}`?")),
                    (None, None) => d.with_help(format!("known keys here: {}", allowed.join(", "))),
                };
                self.push(d);
                continue;
            }
            fields.entries.push((key.name.as_str(), key.span, value));
        }
        Some(fields)
    }

    /// The raw entries of a mapping (for name-keyed sections such as `components`).
    pub fn mapping<'a>(&mut self, node: &'a Node, what: &str) -> Option<Vec<(&'a crate::syntax::Key, &'a Node)>> {
        match &node.kind {
            NodeKind::Map(entries) => Some(entries.iter().map(|(k, v)| (k, v)).collect()),
            NodeKind::Null => Some(Vec::new()),
            _ => {
                self.type_error(node, &format!("{what} must be a mapping of keys to values"), "a mapping");
                None
            }
        }
    }

    fn type_error(&mut self, node: &Node, message: &str, expected: &str) {
        self.error("model/type", node.span, message, format!("expected {expected}, found {}", node.type_name()));
    }

    pub fn require<'a>(&mut self, fields: &Fields<'a>, key: &str, at: Span, what: &str) -> Option<&'a Node> {
        let node = fields.get(key);
        if node.is_none() {
            self.error("model/missing-field", at, format!("{what} needs `{key}`"), format!("`{key}` missing here"));
        }
        node
    }

    pub fn string(&mut self, node: &Node, what: &str) -> Option<Spanned<String>> {
        match &node.kind {
            NodeKind::String(s) => Some(Spanned::new(s.clone(), node.span)),
            _ => {
                self.type_error(node, &format!("{what} must be a string"), "a string");
                None
            }
        }
    }

    pub fn bool(&mut self, node: &Node, what: &str) -> Option<bool> {
        match node.kind {
            NodeKind::Bool(b) => Some(b),
            _ => {
                self.type_error(node, &format!("{what} must be true or false"), "true or false");
                None
            }
        }
    }

    pub fn list<'a>(&mut self, node: &'a Node, what: &str) -> Option<&'a [Node]> {
        match &node.kind {
            NodeKind::Seq(items) => Some(items),
            _ => {
                self.type_error(node, &format!("{what} must be a list"), "a list");
                None
            }
        }
    }

    /// A whole number in `min..=max`.
    pub fn count(&mut self, node: &Node, what: &str, min: u32, max: u32) -> Option<Spanned<u32>> {
        match node.kind {
            NodeKind::Number(n) if n.fract() == 0.0 && n >= min as f64 && n <= max as f64 => {
                Some(Spanned::new(n as u32, node.span))
            }
            NodeKind::Number(n) => {
                self.error(
                    "model/invalid-value",
                    node.span,
                    format!("{what} must be a whole number from {min} to {max}, not {n}"),
                    "out of range",
                );
                None
            }
            _ => {
                self.type_error(node, &format!("{what} must be a whole number"), "a whole number");
                None
            }
        }
    }

    fn quantity(&mut self, node: &Node, what: &str, parse: fn(&str) -> Result<f64, String>) -> Option<Spanned<f64>> {
        let text = match &node.kind {
            NodeKind::String(s) => s.clone(),
            NodeKind::Number(n) => n.to_string(),
            _ => {
                self.type_error(node, &format!("{what} must be a quantity"), "a quantity");
                return None;
            }
        };
        match parse(&text) {
            Ok(v) => Some(Spanned::new(v, node.span)),
            Err(message) => {
                self.error("model/invalid-value", node.span, format!("invalid {what}: {message}"), "invalid value");
                None
            }
        }
    }

    pub fn duration(&mut self, node: &Node, what: &str) -> Option<Spanned<f64>> {
        self.quantity(node, what, quantity::parse_duration)
    }

    pub fn rate(&mut self, node: &Node, what: &str) -> Option<Spanned<f64>> {
        self.quantity(node, what, quantity::parse_rate)
    }

    pub fn money_per_month(&mut self, node: &Node, what: &str) -> Option<Spanned<f64>> {
        self.quantity(node, what, quantity::parse_money_per_month)
    }

    /// A plain non-negative amount of money (one-time costs).
    pub fn money(&mut self, node: &Node, what: &str) -> Option<Spanned<f64>> {
        self.quantity(node, what, |text| match text.trim().parse::<f64>() {
            Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
            Ok(_) => Err(format!("`{text}` must be a non-negative amount")),
            Err(_) => Err(format!("`{text}` is not an amount of money")),
        })
    }

    /// A probability; returns the value and its complement computed from the text
    /// (so `99.9999999%` keeps its digits as 1e-9 unavailability).
    pub fn probability(&mut self, node: &Node, what: &str) -> Option<(Spanned<f64>, f64)> {
        match &node.kind {
            NodeKind::Number(n) => match quantity::probability_in_range(*n, &n.to_string()) {
                Ok(v) => {
                    let exact = complement_of_decimal(&n.to_string(), false);
                    Some((Spanned::new(value_of(v, exact), node.span), exact.unwrap_or(1.0 - v)))
                }
                Err(m) => {
                    self.error("model/invalid-value", node.span, format!("invalid {what}: {m}"), "out of range");
                    None
                }
            },
            NodeKind::String(s) => match quantity::parse_probability_text(s) {
                Ok(v) => {
                    let percent = s.trim().ends_with('%');
                    let text = s.trim().trim_end_matches('%').trim();
                    let exact = complement_of_decimal(text, percent);
                    Some((Spanned::new(value_of(v, exact), node.span), exact.unwrap_or(1.0 - v)))
                }
                Err(m) => {
                    self.error("model/invalid-value", node.span, format!("invalid {what}: {m}"), "invalid value");
                    None
                }
            },
            _ => {
                self.type_error(node, &format!("{what} must be a percentage or a fraction"), "a probability");
                None
            }
        }
    }
}

/// The value of a probability whose decimal complement may be known exactly: above
/// 0.5 it is 1 − complement, so `99.9%` is 0.999 (not 0.9990000000000001, as
/// 99.9 / 100 gives).
fn value_of(parsed: f64, exact_complement: Option<f64>) -> f64 {
    match exact_complement {
        Some(c) if parsed > 0.5 => 1.0 - c,
        _ => parsed,
    }
}

/// 1 − x computed digit by digit from the decimal text of x (a fraction, or a
/// percentage when `percent`), so that `99.9999999%` gives exactly 1e-9 instead of
/// the rounding noise of `1.0 - 0.999999999`.
pub fn complement_of_decimal(text: &str, percent: bool) -> Option<f64> {
    let text = text.trim();
    if text.contains(['e', 'E', '-', '+']) {
        return None;
    }
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    if !int.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let scale = if percent { 100u32 } else { 1 };
    // Complement of the digit string against `scale` as an exact decimal: scale - x.
    let digits: String = format!("{int}{frac}");
    let mut value: u128 = digits.parse().ok()?;
    let mut exponent = frac.len() as i32;
    while exponent > 30 {
        value /= 10;
        exponent -= 1;
    }
    let full = (scale as u128).checked_mul(10u128.checked_pow(exponent as u32)?)?;
    if value > full {
        return None;
    }
    let complement = (full - value) as f64 / (10f64.powi(exponent) * scale as f64);
    Some(complement)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complements_keep_digits() {
        assert_eq!(complement_of_decimal("99.9999999", true), Some(1e-9));
        assert_eq!(complement_of_decimal("0.9995", false), Some(0.0005));
        assert_eq!(complement_of_decimal("100", true), Some(0.0));
        assert_eq!(complement_of_decimal("1", false), Some(0.0));
        assert_eq!(complement_of_decimal("1e-3", false), None);
    }

    #[test]
    fn suggestions() {
        assert_eq!(did_you_mean("replcas", ["replicas", "calls", "sla"]), Some("replicas"));
        assert_eq!(did_you_mean("zzz", ["replicas", "calls"]), None);
    }
}
