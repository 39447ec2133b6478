//! Scalars shared by both spellings: how a bare DSL word resolves (number,
//! boolean, `null` or string), how numbers are printed so they read back to the
//! same value, and when a string must be quoted in DSL or YAML output.
//!
//! The DSL follows YAML's number syntax so a value means the same in both files
//! (`3` and `0.9995` are numbers, `99.95%` and `2027-06-30` strings), but it
//! deliberately recognises only `true`, `false` and `null`, not YAML 1.1's
//! `yes`/`no`/`on`/`off`/`y`/`n` or case variants: a component called `y` stays a
//! string. The YAML writer quotes every such word, so conversions are exact.

use super::node::NodeKind;

/// What a bare DSL word means.
pub fn resolve_word(word: &str) -> NodeKind {
    match word {
        "true" => NodeKind::Bool(true),
        "false" => NodeKind::Bool(false),
        "null" => NodeKind::Null,
        _ => match parse_number(word) {
            Some(n) => NodeKind::Number(n),
            None => NodeKind::String(word.to_string()),
        },
    }
}

/// A finite number written the way YAML's core schema writes one: decimal
/// (`3`, `-0.5`, `.5`, `5.`, `1e-7`) or `0x`/`0o`/`0b` integers with an
/// optional sign. Anything else (including `.inf`, `1_000`, overflowing hex) is
/// not a number.
pub fn parse_number(text: &str) -> Option<f64> {
    let (negative, body) = match text.as_bytes().first()? {
        b'+' => (false, &text[1..]),
        b'-' => (true, &text[1..]),
        _ => (false, text),
    };
    let radix = match body.get(..2) {
        Some("0x") => Some(16),
        Some("0o") => Some(8),
        Some("0b") => Some(2),
        _ => None,
    };
    if let Some(radix) = radix {
        let digits = &body[2..];
        if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
            return None;
        }
        let value = u64::from_str_radix(digits, radix).ok()? as f64;
        return Some(if negative { -value } else { value });
    }
    if !is_decimal(body) {
        return None;
    }
    let value: f64 = body.parse().ok()?;
    value.is_finite().then_some(if negative { -value } else { value })
}

/// `digits ("." digits?)? exponent?` or `"." digits exponent?`.
fn is_decimal(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < bytes.len() && bytes[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    let whole = digits(&mut i);
    let mut fraction = 0;
    if i < bytes.len() && bytes[i] == b'.' {
        i += 1;
        fraction = digits(&mut i);
    }
    if whole == 0 && fraction == 0 {
        return false;
    }
    if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
        i += 1;
        if i < bytes.len() && (bytes[i] == b'+' || bytes[i] == b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == bytes.len()
}

/// The shortest text that reads back as exactly `value` in both spellings.
pub fn format_number(value: f64) -> String {
    if value.is_nan() {
        ".nan".to_string()
    } else if value.is_infinite() {
        if value > 0.0 { ".inf".to_string() } else { "-.inf".to_string() }
    } else if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        // Debug is Rust's shortest round-trip form ("0.9995", "1e300", "1e-7").
        format!("{value:?}")
    }
}

fn is_word_char(c: char) -> bool {
    !(c.is_whitespace() || matches!(c, '{' | '}' | '[' | ']' | ',' | ';' | '#' | '"'))
}

/// Whether `text` can be written as a bare DSL word and read back as this string.
pub fn dsl_bare_string(text: &str) -> bool {
    dsl_bare_key(text) && matches!(resolve_word(text), NodeKind::String(_))
}

/// Whether `text` can be written as a bare DSL key (keys are never resolved).
pub fn dsl_bare_key(text: &str) -> bool {
    !text.is_empty() && !text.starts_with("//") && text.chars().all(is_word_char)
}

/// `text` as a DSL quoted string.
pub fn dsl_quote(text: &str) -> String {
    double_quoted(text, false)
}

/// Whether YAML reads `text`, written plain (unquoted), back as this same string.
/// Deliberately conservative: anything YAML 1.1 or 1.2 could take for a number,
/// boolean, null, date-time, indicator or flow syntax is quoted instead.
pub fn yaml_plain_string(text: &str) -> bool {
    let Some(first) = text.chars().next() else { return false };
    if !(first.is_alphanumeric() || matches!(first, '_' | '/' | '(')) || text.ends_with(' ') {
        return false;
    }
    let safe = |c: char| c.is_alphanumeric() || matches!(c, '_' | '.' | '/' | '%' | '-' | '+' | '@' | '(' | ')' | '$');
    if !text.chars().all(|c| safe(c) || c == ' ') || text.contains("  ") {
        return false;
    }
    let lower = text.to_ascii_lowercase();
    if matches!(lower.as_str(), "y" | "n" | "yes" | "no" | "on" | "off" | "true" | "false" | "null") {
        return false;
    }
    // YAML reads `1_000` as a number; treat underscores as digits' separators here.
    let without_underscores: String = lower.chars().filter(|&c| c != '_').collect();
    !looks_numeric(&without_underscores)
}

/// Number syntax regardless of the value (`1e400` and long hex included).
fn looks_numeric(text: &str) -> bool {
    let body = text.strip_prefix(['+', '-']).unwrap_or(text);
    match body.get(..2) {
        Some("0x") => !body[2..].is_empty() && body[2..].chars().all(|c| c.is_ascii_hexdigit()),
        Some("0o") => !body[2..].is_empty() && body[2..].chars().all(|c| c.is_digit(8)),
        Some("0b") => !body[2..].is_empty() && body[2..].chars().all(|c| c.is_digit(2)),
        _ => is_decimal(body),
    }
}

/// `text` as a YAML double-quoted string.
pub fn yaml_quote(text: &str) -> String {
    double_quoted(text, true)
}

/// `text` in double quotes with the escapes both spellings share.
fn double_quoted(text: &str, yaml: bool) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            // YAML writes `\uXXXX` and also escapes its extra line breaks and the
            // byte-order mark; the DSL writes `\u{x}`.
            c if yaml && (c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}')) => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_resolve_like_yaml() {
        for (word, expected) in [
            ("3", NodeKind::Number(3.0)),
            ("-3", NodeKind::Number(-3.0)),
            ("0.9995", NodeKind::Number(0.9995)),
            (".5", NodeKind::Number(0.5)),
            ("5.e3", NodeKind::Number(5000.0)),
            ("0x1f", NodeKind::Number(31.0)),
            ("-0o7", NodeKind::Number(-7.0)),
            ("1e300", NodeKind::Number(1e300)),
            ("true", NodeKind::Bool(true)),
            ("false", NodeKind::Bool(false)),
            ("null", NodeKind::Null),
        ] {
            assert_eq!(resolve_word(word), expected, "{word}");
        }
        for word in ["99.95%", "2027-06-30", "0.096/h", "1e", ".", "+.", "0x", "0X1F", "1e400", ".inf", "yes", "True"] {
            assert_eq!(resolve_word(word), NodeKind::String(word.to_string()), "{word}");
        }
    }

    #[test]
    fn numbers_print_back_to_the_same_value() {
        for value in [0.0, 3.0, -3.0, 0.9995, 1e-7, 1e300, 12345678901234567890.0, 0.1 + 0.2, 99.5] {
            let text = format_number(value);
            assert_eq!(parse_number(&text), Some(value), "{value} printed as {text}");
        }
        assert_eq!(format_number(3.0), "3");
    }

    #[test]
    fn quoting_rules() {
        for plain in ["web", "99.95%", "0.096/h", "model/spof", "2027-06-30", "use1-az1", "three-zone web shop"] {
            assert!(yaml_plain_string(plain), "{plain}");
        }
        for quoted in
            ["", "yes", "No", "~", "null", "3", "1_000", "0x1F", ".inf", "a: b", "a #b", "-x", "$", "a,b", " a"]
        {
            assert!(!yaml_plain_string(quoted), "{quoted:?}");
        }
        assert!(dsl_bare_string("99.95%"));
        assert!(!dsl_bare_string("3"));
        assert!(!dsl_bare_string("true"));
        assert!(!dsl_bare_string("a b"));
        assert!(!dsl_bare_string("//x"));
        assert_eq!(dsl_quote("a\"b\\\n"), r#""a\"b\\\n""#);
    }
}
