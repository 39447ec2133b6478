//! Number formatting shared by every renderer: percentages that keep the digits of
//! their complement, durations, money.

/// An availability as a percentage, with enough decimals that its unavailability
/// keeps three significant digits. Computed from the complement so that
/// 1 − 1e-9 prints as 99.9999999%, never 100%.
pub fn percent(value: f64, complement: f64) -> String {
    if !(complement.is_finite() && value.is_finite()) {
        return "n/a".into();
    }
    if complement <= 0.0 {
        return "100%".into();
    }
    if complement >= 1.0 {
        return "0%".into();
    }
    let missing = complement * 100.0;
    let decimals = ((-missing.log10()).ceil().max(0.0) as usize + 4).clamp(2, 20);
    let scale = 10u128.pow(decimals as u32);
    // Below 1 never prints as 100%: at least one unit in the last decimal is missing.
    let missing_scaled = ((missing * scale as f64).round() as u128).max(1);
    let total = 100 * scale - missing_scaled.min(100 * scale);
    let text = format!("{}.{:0width$}", total / scale, total % scale, width = decimals);
    format!("{}%", trim_zeros(&text, 2))
}

/// A fraction as a short percentage ("42.1%").
pub fn percent_diff(fraction: f64) -> String {
    if !fraction.is_finite() {
        return significant(fraction, 3);
    }
    let p = fraction * 100.0;
    if p != 0.0 && p.abs() < 0.1 { format!("{p:.2}%") } else { format!("{p:.1}%") }
}

fn trim_zeros(text: &str, keep: usize) -> String {
    let Some((int, frac)) = text.split_once('.') else { return text.to_string() };
    let trimmed = frac.trim_end_matches('0');
    let frac = if trimmed.len() < keep { &frac[..keep.min(frac.len())] } else { trimmed };
    format!("{int}.{frac}")
}

/// A request rate per second with thousands separated ("1,200/s", "0.35/s").
pub fn rate(per_second: f64) -> String {
    if !per_second.is_finite() {
        return "n/a".into();
    }
    if per_second >= 1e15 {
        return format!("{}/s", significant(per_second, 3));
    }
    if per_second >= 100.0 {
        let whole = per_second.round() as u64;
        let digits = whole.to_string();
        let mut grouped = String::new();
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        format!("{grouped}/s")
    } else if per_second >= 1.0 || per_second == 0.0 {
        format!("{}/s", significant(per_second, 3))
    } else if per_second * 60.0 >= 1.0 {
        format!("{}/min", significant(per_second * 60.0, 3))
    } else {
        format!("{}/h", significant(per_second * 3600.0, 3))
    }
}

/// A duration in the most readable unit ("4.3 min", "26.3 s", "8.8 h").
pub fn duration(seconds: f64) -> String {
    if !seconds.is_finite() {
        return "n/a".into();
    }
    let (value, unit) = match seconds {
        s if s < 1e-3 => (s * 1e6, "µs"),
        s if s < 1.0 => (s * 1e3, "ms"),
        s if s < 60.0 => (s, "s"),
        s if s < 3600.0 => (s / 60.0, "min"),
        s if s < 48.0 * 3600.0 => (s / 3600.0, "h"),
        s => (s / 86400.0, "d"),
    };
    if value == 0.0 {
        return "0 s".into();
    }
    if value >= 100.0 { format!("{value:.0} {unit}") } else { format!("{} {unit}", significant(value, 3)) }
}

/// `value` with `digits` significant digits, trailing zeros removed.
pub fn significant(value: f64, digits: usize) -> String {
    if value.is_nan() {
        return "n/a".into();
    }
    if value.is_infinite() {
        return if value > 0.0 { "∞".into() } else { "-∞".into() };
    }
    if value == 0.0 {
        return "0".into();
    }
    let magnitude = value.abs().log10().floor() as i32;
    // Far from 1, positional notation is a wall of zeros: use an exponent.
    if !(-6..=15).contains(&magnitude) {
        return format!("{value:.prec$e}", prec = digits.saturating_sub(1));
    }
    let decimals = (digits as i32 - 1 - magnitude).max(0) as usize;
    let text = format!("{value:.decimals$}");
    if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_string() } else { text }
}

pub fn money(currency: &str, amount: f64) -> String {
    let cents = (amount * 100.0).round() as i64;
    let (whole, frac) = (cents / 100, (cents % 100).abs());
    let digits = whole.abs().to_string();
    let mut grouped = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let sign = if amount < 0.0 { "-" } else { "" };
    if currency.chars().all(|c| c.is_ascii_alphabetic()) && currency.len() > 1 {
        format!("{sign}{grouped}.{frac:02} {currency}")
    } else {
        format!("{sign}{currency}{grouped}.{frac:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_keep_the_complement() {
        assert_eq!(percent(1.0 - 1e-9, 1e-9), "99.9999999%");
        assert_eq!(percent(0.99940005, 0.00059995), "99.940005%");
        assert_eq!(percent(0.9995, 0.0005), "99.95%");
        assert_eq!(percent(0.5, 0.5), "50.00%");
        assert_eq!(percent(1.0, 0.0), "100%");
        assert_eq!(percent(1.0, 1e-30), "99.99999999999999999999%");
    }

    #[test]
    fn durations_and_money() {
        assert_eq!(duration(26.28), "26.3 s");
        assert_eq!(duration(2592.0), "43.2 min");
        assert_eq!(duration(7200.0), "2 h");
        assert_eq!(money("$", 7568.64), "$7,568.64");
        assert_eq!(money("EUR", 70.08), "70.08 EUR");
    }

    /// Extreme inputs print short (a user's 100-replica model printed ~300 zeros, and a
    /// 1e300/s rate as the largest 64-bit integer).
    #[test]
    fn extreme_values_print_short() {
        assert_eq!(duration(2.59e-298), "2.59e-292 µs");
        assert_eq!(rate(1e300), "1.00e300/s");
        assert_eq!(rate(1e14), "100,000,000,000,000/s");
        assert_eq!(percent_diff(f64::INFINITY), "∞");
        assert_eq!(significant(f64::NAN, 3), "n/a");
        assert_eq!(significant(0.000123, 3), "0.000123");
    }
}
