//! Quantities with units (DESIGN §2.1): durations, rates, probabilities, money.
//!
//! Every parser takes the raw node text and returns the value in base units
//! (seconds, events per second, fraction, money per month) or a message that says
//! what was expected. Months are 730 h and years 8760 h — stated in the docs.

pub const SECOND: f64 = 1.0;
pub const MINUTE: f64 = 60.0;
pub const HOUR: f64 = 3600.0;
pub const DAY: f64 = 24.0 * HOUR;
pub const WEEK: f64 = 7.0 * DAY;
pub const MONTH: f64 = 730.0 * HOUR;
pub const YEAR: f64 = 8760.0 * HOUR;

const DURATION_UNITS: &[(&str, f64)] = &[
    ("ns", 1e-9),
    ("us", 1e-6),
    ("µs", 1e-6),
    ("ms", 1e-3),
    ("s", SECOND),
    ("min", MINUTE),
    ("m", MINUTE),
    ("h", HOUR),
    ("d", DAY),
    ("w", WEEK),
    ("mo", MONTH),
    ("y", YEAR),
];

const PERIOD_UNITS: &[(&str, f64)] =
    &[("s", SECOND), ("min", MINUTE), ("h", HOUR), ("d", DAY), ("w", WEEK), ("mo", MONTH), ("y", YEAR)];

const DURATION_HELP: &str = "a duration with a unit, e.g. 30m, 4h, 1.5d (units: ns us ms s m min h d w mo y)";

/// Splits "12.5ms" into (12.5, "ms"). The number must come first.
fn split_number(text: &str) -> Option<(f64, &str)> {
    let text = text.trim();
    let end = text
        .char_indices()
        .find(|&(i, c)| {
            !(c.is_ascii_digit()
                || c == '.'
                || c == '_'
                || ((c == '-' || c == '+') && (i == 0 || matches!(text.as_bytes()[i - 1], b'e' | b'E')))
                || ((c == 'e' || c == 'E')
                    && i > 0
                    && text[i + 1..].starts_with(|n: char| n.is_ascii_digit() || n == '-' || n == '+')))
        })
        .map_or(text.len(), |(i, _)| i);
    let number: String = text[..end].chars().filter(|&c| c != '_').collect();
    let value: f64 = number.parse().ok()?;
    value.is_finite().then_some((value, text[end..].trim()))
}

/// A duration in seconds, ≥ 0.
pub fn parse_duration(text: &str) -> Result<f64, String> {
    let Some((value, unit)) = split_number(text) else {
        return Err(format!("`{text}` is not {DURATION_HELP}"));
    };
    if unit.is_empty() {
        return Err(format!("`{text}` has no unit: write {DURATION_HELP}"));
    }
    let Some(&(_, scale)) = DURATION_UNITS.iter().find(|(u, _)| *u == unit) else {
        return Err(format!("unknown duration unit `{unit}`: expected {DURATION_HELP}"));
    };
    if value < 0.0 {
        return Err(format!("a duration cannot be negative (`{text}`)"));
    }
    Ok(value * scale)
}

/// A rate in events per second from "20/mo", "5/s", "3 rps".
pub fn parse_rate(text: &str) -> Result<f64, String> {
    const HELP: &str = "a rate such as 20/mo, 5/s, 100 rps (periods: s min h d w mo y)";
    let Some((value, rest)) = split_number(text) else {
        return Err(format!("`{text}` is not {HELP}"));
    };
    let per = match rest {
        "rps" => SECOND,
        _ => match rest.strip_prefix('/') {
            Some(period) => match PERIOD_UNITS.iter().find(|(u, _)| *u == period.trim()) {
                Some(&(_, p)) => p,
                None => return Err(format!("unknown period `{period}` in `{text}`: expected {HELP}")),
            },
            None if rest.is_empty() => return Err(format!("`{text}` has no period: write {HELP}")),
            None => return Err(format!("`{text}` is not {HELP}")),
        },
    };
    if value < 0.0 {
        return Err(format!("a rate cannot be negative (`{text}`)"));
    }
    Ok(value / per)
}

/// A probability in [0, 1] from "99.95%" or "0.9995".
pub fn parse_probability_text(text: &str) -> Result<f64, String> {
    let trimmed = text.trim();
    let (value, percent) = match trimmed.strip_suffix('%') {
        Some(number) => (number.trim().parse::<f64>().ok(), true),
        None => (trimmed.parse::<f64>().ok(), false),
    };
    let Some(value) = value.filter(|v| v.is_finite()) else {
        return Err(format!("`{text}` is not a probability: write a percentage like 99.95% or a fraction like 0.9995"));
    };
    probability_in_range(if percent { value / 100.0 } else { value }, text)
}

pub fn probability_in_range(value: f64, shown: &str) -> Result<f64, String> {
    if !(0.0..=1.0).contains(&value) {
        return Err(format!("`{shown}` is outside [0, 1]: a probability is between 0% and 100%"));
    }
    Ok(value)
}

/// Money per month from "70.08/mo", "0.096/h", "1200/y". A bare number is rejected for
/// recurring costs because the period matters.
pub fn parse_money_per_month(text: &str) -> Result<f64, String> {
    const HELP: &str = "an amount per period such as 70.08/mo or 0.096/h";
    let Some((value, rest)) = split_number(text) else {
        return Err(format!("`{text}` is not {HELP}"));
    };
    let Some(period) = rest.strip_prefix('/') else {
        return Err(format!("`{text}` has no period: write {HELP}"));
    };
    let Some(&(_, p)) = PERIOD_UNITS.iter().find(|(u, _)| *u == period.trim()) else {
        return Err(format!("unknown period `{period}` in `{text}`: expected {HELP}"));
    };
    if value < 0.0 {
        return Err(format!("a cost cannot be negative (`{text}`)"));
    }
    Ok(value * MONTH / p)
}

/// Speed of light in optical fibre (refractive index ≈ 1.47), km per second.
pub const FIBRE_KM_PER_S: f64 = 204_000.0;

/// The physical floor of a round trip over `distance_km` of fibre, in seconds.
pub fn rtt_floor_s(distance_km: f64) -> f64 {
    2.0 * distance_km.max(0.0) / FIBRE_KM_PER_S
}

/// A distance in km from "5570km" or "5570 km".
pub fn parse_distance_km(text: &str) -> Result<f64, String> {
    const HELP: &str = "a distance such as 5570km";
    let Some((value, unit)) = split_number(text) else {
        return Err(format!("`{text}` is not {HELP}"));
    };
    if unit != "km" {
        return Err(format!("`{text}` needs the unit km: write {HELP}"));
    }
    if value < 0.0 {
        return Err(format!("a distance cannot be negative (`{text}`)"));
    }
    Ok(value)
}

/// A multiplier such as "3x" (at least 1).
pub fn parse_factor(text: &str) -> Result<f64, String> {
    let Some((value, unit)) = split_number(text) else {
        return Err(format!("`{text}` is not a factor such as 3x"));
    };
    if unit != "x" {
        return Err(format!("`{text}` is not a factor such as 3x"));
    }
    if value < 1.0 {
        return Err(format!("a peak factor below 1x (`{text}`) would put the peak under the mean"));
    }
    Ok(value)
}

/// A non-negative fraction that may exceed 1: "40%", "150%/y", "0.4".
pub fn parse_fraction(text: &str) -> Result<f64, String> {
    let trimmed = text.trim();
    let trimmed = trimmed.strip_suffix("/y").unwrap_or(trimmed).trim();
    let (number, scale) = match trimmed.strip_suffix('%') {
        Some(n) => (n.trim(), 0.01),
        None => (trimmed, 1.0),
    };
    match number.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v * scale),
        Ok(_) => Err(format!("`{text}` must not be negative")),
        Err(_) => Err(format!("`{text}` is not a percentage such as 40%")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30m").unwrap(), 1800.0);
        assert_eq!(parse_duration("30min").unwrap(), 1800.0);
        assert_eq!(parse_duration("1.5h").unwrap(), 5400.0);
        assert_eq!(parse_duration("250ms").unwrap(), 0.25);
        assert_eq!(parse_duration("1mo").unwrap(), 730.0 * 3600.0);
        assert_eq!(parse_duration("1y").unwrap(), 8760.0 * 3600.0);
        assert_eq!(parse_duration("1e3h").unwrap(), 1000.0 * 3600.0);
        assert!(parse_duration("30").unwrap_err().contains("no unit"));
        assert!(parse_duration("30 parsecs").unwrap_err().contains("unknown duration unit"));
        assert!(parse_duration("-5m").unwrap_err().contains("negative"));
        assert!(parse_duration("abc").is_err());
    }

    #[test]
    fn rates_probabilities_money() {
        assert_eq!(parse_rate("20/mo").unwrap(), 20.0 / MONTH);
        assert_eq!(parse_rate("5 rps").unwrap(), 5.0);
        assert_eq!(parse_rate("5/s").unwrap(), 5.0);
        assert!(parse_rate("5").is_err());
        assert!((parse_probability_text("99.95%").unwrap() - 0.9995).abs() < 1e-15);
        assert_eq!(parse_probability_text("0.5").unwrap(), 0.5);
        assert!(parse_probability_text("101%").unwrap_err().contains("outside"));
        assert!(parse_probability_text("high").is_err());
        assert!((parse_money_per_month("0.096/h").unwrap() - 70.08).abs() < 1e-9);
        assert_eq!(parse_money_per_month("70.08/mo").unwrap(), 70.08);
        assert!(parse_money_per_month("70").is_err());
    }

    #[test]
    fn distances_factors_fractions() {
        assert_eq!(parse_distance_km("5570km").unwrap(), 5570.0);
        assert!(parse_distance_km("5570").is_err());
        assert!(parse_distance_km("5570mi").is_err());
        // London ↔ New York, 5,570 km: RTT floor ≈ 54.6 ms.
        assert!((rtt_floor_s(5570.0) - 0.0546).abs() < 0.0005);
        assert_eq!(parse_factor("3x").unwrap(), 3.0);
        assert!(parse_factor("0.5x").is_err());
        assert!(parse_factor("3").is_err());
        assert!((parse_fraction("40%").unwrap() - 0.4).abs() < 1e-15);
        assert!((parse_fraction("150%/y").unwrap() - 1.5).abs() < 1e-15);
        assert!(parse_fraction("-5%").is_err());
    }
}
