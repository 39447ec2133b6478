//! Service-time distributions behind one validated wrapper over `statrs`.
//!
//! `statrs` panics on probabilities outside [0, 1] and its generic inverse CDF (used for
//! the gamma family) is inaccurate in the lower tail for shape < 1. So every probability
//! is validated before it reaches `statrs`, every quantile is checked by a round trip
//! (|cdf(q) − p| small, measured on the survival side above the median) and a robust
//! bisection on the cdf replaces it when the check fails. The gamma cdf below the mode uses
//! its own power series (statrs' `gamma_lr` underflows to 0 for tiny x); exponential and
//! weibull use their closed forms with `exp_m1`/`ln_1p` so both tails keep full precision.

use statrs::distribution::{ContinuousCDF, Exp, Gamma, LogNormal, Normal, Weibull};
use statrs::function::gamma::{gamma, ln_gamma};

#[derive(Clone, Debug, PartialEq)]
pub enum ServiceTime {
    /// Always `value` seconds.
    Constant {
        value: f64,
    },
    Exponential {
        mean: f64,
    },
    /// ln T ~ Normal(mu, sigma²), T in seconds.
    Lognormal {
        mu: f64,
        sigma: f64,
    },
    /// Erlang when the shape is an integer.
    Gamma {
        shape: f64,
        scale: f64,
    },
    Weibull {
        shape: f64,
        scale: f64,
    },
    /// Measured percentiles (p, t), strictly increasing in both, with a piecewise linear
    /// CDF between them; below the first point the CDF is linear from (0, 0). The last
    /// point must have p = 1 (the largest time observed or allowed): no tail is invented.
    Table {
        points: Vec<(f64, f64)>,
    },
}

/// Φ⁻¹(0.99).
const Z99: f64 = 2.326_347_874_040_840_8;

fn positive(what: &str, x: f64) -> Result<f64, String> {
    if x.is_finite() && x > 0.0 {
        Ok(x)
    } else {
        Err(format!("{what} must be a finite number greater than 0 (got {x})"))
    }
}

impl ServiceTime {
    /// The lognormal with median `p50` and 99th percentile `p99` (seconds).
    pub fn lognormal_from_p50_p99(p50: f64, p99: f64) -> Result<ServiceTime, String> {
        positive("p50", p50)?;
        positive("p99", p99)?;
        if p99 < p50 {
            return Err(format!("p99 ({p99}) is below p50 ({p50}); a percentile cannot decrease"));
        }
        if p99 == p50 {
            return Err(format!("p99 equals p50 ({p50}): no spread to fit a lognormal; use a constant instead"));
        }
        let sigma = (p99 / p50).ln() / Z99;
        Ok(ServiceTime::Lognormal { mu: p50.ln(), sigma })
    }

    /// The lognormal with the given mean and coefficient of variation (std / mean).
    pub fn lognormal_from_mean_cv(mean: f64, cv: f64) -> Result<ServiceTime, String> {
        positive("mean", mean)?;
        positive("coefficient of variation", cv)?;
        let s2 = (cv * cv).ln_1p();
        Ok(ServiceTime::Lognormal { mu: mean.ln() - s2 / 2.0, sigma: s2.sqrt() })
    }

    pub fn exponential(mean: f64) -> Result<ServiceTime, String> {
        Ok(ServiceTime::Exponential { mean: positive("mean", mean)? })
    }

    /// A fixed time; 0 is allowed (an instantaneous step).
    pub fn constant(value: f64) -> Result<ServiceTime, String> {
        if value.is_finite() && value >= 0.0 {
            Ok(ServiceTime::Constant { value })
        } else {
            Err(format!("a constant time must be a finite number ≥ 0 (got {value})"))
        }
    }

    /// Gamma with the given shape and mean (scale = mean / shape).
    pub fn gamma(shape: f64, mean: f64) -> Result<ServiceTime, String> {
        positive("gamma shape", shape)?;
        positive("mean", mean)?;
        Ok(ServiceTime::Gamma { shape, scale: mean / shape })
    }

    /// Sum of `k` exponential phases with total mean `mean`.
    pub fn erlang(k: u32, mean: f64) -> Result<ServiceTime, String> {
        if k == 0 {
            return Err("erlang needs at least 1 phase (k ≥ 1)".to_string());
        }
        ServiceTime::gamma(f64::from(k), mean)
    }

    pub fn weibull(shape: f64, scale: f64) -> Result<ServiceTime, String> {
        positive("weibull shape", shape)?;
        positive("weibull scale", scale)?;
        Ok(ServiceTime::Weibull { shape, scale })
    }

    /// Measured percentiles (p, t); see [`ServiceTime::Table`].
    pub fn table(points: Vec<(f64, f64)>) -> Result<ServiceTime, String> {
        if points.is_empty() {
            return Err("a percentile table needs at least one point (p = 1, the maximum)".to_string());
        }
        let (mut last_p, mut last_t) = (0.0, 0.0);
        for (i, &(p, t)) in points.iter().enumerate() {
            if !(p.is_finite() && p > 0.0 && p <= 1.0) {
                return Err(format!("percentile table point {}: p = {p} must be in (0, 1]", i + 1));
            }
            if !(t.is_finite() && t >= 0.0) {
                return Err(format!("percentile table point {}: time {t} must be a finite number ≥ 0", i + 1));
            }
            if i > 0 && p <= last_p {
                return Err(format!("percentile table point {}: p = {p} must be above the previous {last_p}", i + 1));
            }
            if i > 0 && t <= last_t {
                return Err(format!(
                    "percentile table point {}: time {t} must be above the previous {last_t} (times increase with p)",
                    i + 1
                ));
            }
            (last_p, last_t) = (p, t);
        }
        if last_p != 1.0 {
            return Err(format!(
                "the last percentile table point has p = {last_p}; add the maximum time as a point with p = 1"
            ));
        }
        if last_t <= 0.0 {
            return Err("a percentile table needs a positive maximum time".to_string());
        }
        Ok(ServiceTime::Table { points })
    }

    pub fn mean(&self) -> f64 {
        match *self {
            ServiceTime::Constant { value } => value,
            ServiceTime::Exponential { mean } => mean,
            ServiceTime::Lognormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
            ServiceTime::Gamma { shape, scale } => shape * scale,
            ServiceTime::Weibull { shape, scale } => scale * gamma(1.0 + 1.0 / shape),
            ServiceTime::Table { ref points } => table_segments(points).map(|(dp, a, b)| dp * (a + b) / 2.0).sum(),
        }
    }

    /// Squared coefficient of variation, Var T / (E T)².
    pub fn cv2(&self) -> f64 {
        match *self {
            ServiceTime::Constant { .. } => 0.0,
            ServiceTime::Exponential { .. } => 1.0,
            ServiceTime::Lognormal { sigma, .. } => (sigma * sigma).exp_m1(),
            ServiceTime::Gamma { shape, .. } => 1.0 / shape,
            ServiceTime::Weibull { shape, .. } => {
                let g1 = gamma(1.0 + 1.0 / shape);
                (gamma(1.0 + 2.0 / shape) / (g1 * g1) - 1.0).max(0.0)
            }
            ServiceTime::Table { ref points } => {
                let m = self.mean();
                if m <= 0.0 {
                    return 0.0;
                }
                let m2: f64 = table_segments(points).map(|(dp, a, b)| dp * (a * a + a * b + b * b) / 3.0).sum();
                (m2 / (m * m) - 1.0).max(0.0)
            }
        }
    }

    /// P(T ≤ t).
    pub fn cdf(&self, t: f64) -> f64 {
        if t.is_nan() {
            return f64::NAN;
        }
        if t < 0.0 {
            return 0.0;
        }
        match self {
            ServiceTime::Constant { value } => f64::from(u8::from(t >= *value)),
            ServiceTime::Table { points } => table_cdf(points, t),
            ServiceTime::Exponential { mean } => -(-t / mean).exp_m1(),
            ServiceTime::Weibull { shape, scale } => -(-(t / scale).powf(*shape)).exp_m1(),
            ServiceTime::Gamma { shape, scale } if t / scale < shape + 1.0 => gamma_p_series(*shape, t / scale),
            _ => self.with_statrs(|d| d.cdf(t), 0.0),
        }
    }

    /// P(T > t), computed directly (accurate in the upper tail).
    pub fn sf(&self, t: f64) -> f64 {
        if t.is_nan() {
            return f64::NAN;
        }
        if t < 0.0 {
            return 1.0;
        }
        match self {
            ServiceTime::Constant { value } => f64::from(u8::from(t < *value)),
            ServiceTime::Table { points } => table_sf(points, t),
            ServiceTime::Exponential { mean } => (-t / mean).exp(),
            ServiceTime::Weibull { shape, scale } => (-(t / scale).powf(*shape)).exp(),
            ServiceTime::Gamma { shape, scale } if t / scale < shape + 1.0 => 1.0 - gamma_p_series(*shape, t / scale),
            _ => self.with_statrs(|d| d.sf(t), 1.0),
        }
    }

    /// The p-quantile, inf{t : cdf(t) ≥ p}. p is clamped to [0, 1] (NaN gives NaN); p = 1
    /// gives the upper end of the support (infinite for unbounded families). Never panics.
    pub fn quantile(&self, p: f64) -> f64 {
        if p.is_nan() {
            return f64::NAN;
        }
        let p = p.clamp(0.0, 1.0);
        match self {
            ServiceTime::Constant { value } => *value,
            ServiceTime::Table { points } => table_quantile(points, p),
            ServiceTime::Exponential { mean } => -mean * (-p).ln_1p(),
            ServiceTime::Weibull { shape, scale } => scale * (-(-p).ln_1p()).powf(1.0 / shape),
            _ => {
                if p == 0.0 {
                    return 0.0;
                }
                if p == 1.0 {
                    return f64::INFINITY;
                }
                let q = self.with_statrs(|d| d.inverse_cdf(p), f64::NAN);
                if self.round_trip_ok(q, p) { q } else { self.bisect(p) }
            }
        }
    }

    pub fn is_exponential(&self) -> bool {
        match *self {
            ServiceTime::Exponential { .. } => true,
            ServiceTime::Gamma { shape, .. } | ServiceTime::Weibull { shape, .. } => shape == 1.0,
            _ => false,
        }
    }

    /// Runs `f` on the statrs distribution for the parametric families; `fallback` when
    /// the parameters are invalid (only reachable by building the enum by hand).
    fn with_statrs(&self, f: impl Fn(&dyn ContinuousCDF<f64, f64>) -> f64, fallback: f64) -> f64 {
        match *self {
            ServiceTime::Exponential { mean } => Exp::new(1.0 / mean).map_or(fallback, |d| f(&d)),
            ServiceTime::Lognormal { mu, sigma } => LogNormal::new(mu, sigma).map_or(fallback, |d| f(&d)),
            ServiceTime::Gamma { shape, scale } => Gamma::new(shape, 1.0 / scale).map_or(fallback, |d| f(&d)),
            ServiceTime::Weibull { shape, scale } => Weibull::new(shape, scale).map_or(fallback, |d| f(&d)),
            ServiceTime::Constant { .. } | ServiceTime::Table { .. } => fallback,
        }
    }

    /// |cdf(q) − p| within 1e-9 relative, measured on the smaller side (cdf below the
    /// median, sf above) so that tail quantiles are checked with full precision.
    fn round_trip_ok(&self, q: f64, p: f64) -> bool {
        if !(q.is_finite() && q >= 0.0) {
            return false;
        }
        let (got, want) = if p <= 0.5 { (self.cdf(q), p) } else { (self.sf(q), 1.0 - p) };
        (got - want).abs() <= 1e-9 * want + 1e-300
    }

    /// Geometric bisection on the cdf (sf above the median): a bracket found by doubling
    /// and halving from the mean, then halved in log space until it is ~1 ulp wide.
    fn bisect(&self, p: f64) -> f64 {
        let below = |x: f64| if p <= 0.5 { self.cdf(x) < p } else { self.sf(x) > 1.0 - p };
        let start = self.mean();
        let start = if start.is_finite() && start > 0.0 { start } else { 1.0 };
        let (mut lo, mut hi) = (start, start);
        while lo > 0.0 && !below(lo) {
            lo /= 2.0;
        }
        while below(hi) && hi < f64::MAX / 2.0 {
            hi *= 2.0;
        }
        if lo == 0.0 {
            lo = f64::MIN_POSITIVE;
            if !below(lo) {
                return 0.0;
            }
        }
        for _ in 0..200 {
            let mid = (lo * hi).sqrt();
            if !(mid > lo && mid < hi) {
                break;
            }
            if below(mid) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        hi
    }
}

/// (Δp, t_start, t_end) of each linear piece, starting from (0, 0).
fn table_segments(points: &[(f64, f64)]) -> impl Iterator<Item = (f64, f64, f64)> + '_ {
    let starts = std::iter::once((0.0, 0.0)).chain(points.iter().copied());
    starts.zip(points.iter().copied()).map(|((p0, t0), (p1, t1))| (p1 - p0, t0, t1))
}

fn table_cdf(points: &[(f64, f64)], t: f64) -> f64 {
    let (mut p0, mut t0) = (0.0, 0.0);
    for &(p1, t1) in points {
        if t < t1 {
            return p0 + (p1 - p0) * (t - t0) / (t1 - t0);
        }
        (p0, t0) = (p1, t1);
    }
    p0
}

fn table_sf(points: &[(f64, f64)], t: f64) -> f64 {
    let (mut p0, mut t0) = (0.0, 0.0);
    for &(p1, t1) in points {
        if t < t1 {
            return (1.0 - p1) + (p1 - p0) * (t1 - t) / (t1 - t0);
        }
        (p0, t0) = (p1, t1);
    }
    1.0 - p0
}

/// Regularised lower incomplete gamma P(a, x) by its power series, accurate for
/// x < a + 1 (statrs' `gamma_lr` returns 0 for tiny x when a < 1).
fn gamma_p_series(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    let (mut term, mut sum, mut n) = (1.0 / a, 1.0 / a, a);
    for _ in 0..10_000 {
        n += 1.0;
        term *= x / n;
        sum += term;
        if term < sum * 1e-17 {
            break;
        }
    }
    (a * x.ln() - x - ln_gamma(a)).exp() * sum
}

fn table_quantile(points: &[(f64, f64)], p: f64) -> f64 {
    let (mut p0, mut t0) = (0.0, 0.0);
    for &(p1, t1) in points {
        if p <= p1 {
            return t0 + (t1 - t0) * (p - p0) / (p1 - p0);
        }
        (p0, t0) = (p1, t1);
    }
    t0
}

/// Normal quantile used by callers that need z-scores.
pub fn normal_quantile(p: f64) -> f64 {
    if p.is_nan() {
        return f64::NAN;
    }
    let p = p.clamp(0.0, 1.0);
    Normal::new(0.0, 1.0).map_or(f64::NAN, |n| n.inverse_cdf(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(a: f64, b: f64) -> f64 {
        (a - b).abs() / b.abs()
    }

    #[test]
    fn q10_lognormal_from_p50_p99() {
        let s = ServiceTime::lognormal_from_p50_p99(10.0, 50.0).unwrap();
        let ServiceTime::Lognormal { mu, sigma } = s else { panic!("not a lognormal") };
        assert!(rel(mu, 10f64.ln()) < 1e-12);
        assert!(rel(sigma, 0.691830) < 1e-5, "sigma {sigma}");
        assert!(rel(s.mean(), 12.7038) < 1e-5, "mean {}", s.mean());
        assert!(rel(s.quantile(0.5), 10.0) < 1e-9);
        assert!(rel(s.quantile(0.9), 24.2690) < 1e-5, "p90 {}", s.quantile(0.9));
        assert!(rel(s.quantile(0.99), 50.0) < 1e-9);
        assert!(rel(s.quantile(0.999), 84.8175) < 1e-5, "p99.9 {}", s.quantile(0.999));
    }

    #[test]
    fn constructors_reject_bad_input_with_messages() {
        let e = ServiceTime::lognormal_from_p50_p99(50.0, 10.0).unwrap_err();
        assert!(e.contains("below p50"), "{e}");
        assert!(ServiceTime::lognormal_from_p50_p99(10.0, 10.0).is_err());
        assert!(ServiceTime::lognormal_from_p50_p99(f64::NAN, 10.0).is_err());
        assert!(ServiceTime::lognormal_from_mean_cv(1.0, 0.0).is_err());
        assert!(ServiceTime::exponential(-1.0).is_err());
        assert!(ServiceTime::exponential(f64::INFINITY).is_err());
        assert!(ServiceTime::constant(-0.1).is_err());
        assert!(ServiceTime::constant(0.0).is_ok());
        assert!(ServiceTime::gamma(0.0, 1.0).is_err());
        assert!(ServiceTime::erlang(0, 1.0).is_err());
        assert!(ServiceTime::weibull(1.0, 0.0).is_err());
        assert!(ServiceTime::table(vec![]).is_err());
        assert!(ServiceTime::table(vec![(0.5, 1.0), (0.9, 2.0)]).unwrap_err().contains("p = 1"));
        assert!(ServiceTime::table(vec![(0.5, 1.0), (0.4, 2.0), (1.0, 3.0)]).is_err());
        assert!(ServiceTime::table(vec![(0.5, 2.0), (0.9, 2.0), (1.0, 3.0)]).is_err());
        assert!(ServiceTime::table(vec![(0.5, 1.0), (1.5, 2.0)]).is_err());
    }

    #[test]
    fn mean_cv_round_trip() {
        let s = ServiceTime::lognormal_from_mean_cv(0.2, 1.5).unwrap();
        assert!(rel(s.mean(), 0.2) < 1e-12);
        assert!(rel(s.cv2(), 2.25) < 1e-12);
    }

    fn families() -> Vec<ServiceTime> {
        vec![
            ServiceTime::exponential(0.05).unwrap(),
            ServiceTime::lognormal_from_p50_p99(10.0, 50.0).unwrap(),
            ServiceTime::lognormal_from_mean_cv(1.0, 4.0).unwrap(),
            ServiceTime::gamma(0.3, 2.0).unwrap(),
            ServiceTime::gamma(7.5, 2.0).unwrap(),
            ServiceTime::erlang(3, 0.3).unwrap(),
            ServiceTime::weibull(0.5, 1.0).unwrap(),
            ServiceTime::weibull(3.0, 0.01).unwrap(),
            ServiceTime::table(vec![(0.5, 1.0), (0.9, 3.0), (0.99, 10.0), (1.0, 20.0)]).unwrap(),
        ]
    }

    #[test]
    fn quantile_round_trips_every_family() {
        for s in families() {
            for &p in &[1e-9, 1e-6, 1e-3, 0.01, 0.1, 0.5, 0.9, 0.99, 0.999, 1.0 - 1e-6, 1.0 - 1e-9] {
                let q = s.quantile(p);
                assert!(q.is_finite() && q >= 0.0, "{s:?} p {p}: q {q}");
                let (got, want) = if p <= 0.5 { (s.cdf(q), p) } else { (s.sf(q), 1.0 - p) };
                assert!((got - want).abs() <= 1e-8 * want, "{s:?} p {p}: q {q} gives {got}, want {want}");
            }
        }
    }

    #[test]
    fn gamma_shape_below_one_lower_tail() {
        // P(T ≤ t) ≈ (t/scale)^a / Γ(a + 1) for small t.
        let s = ServiceTime::Gamma { shape: 0.3, scale: 1.0 };
        for p in [1e-6, 1e-3] {
            let q = s.quantile(p);
            let approx = (p * gamma(1.3)).powf(1.0 / 0.3);
            assert!(rel(q, approx) < 1e-2, "p {p}: {q} vs {approx}");
            assert!(rel(s.cdf(q), p) < 1e-9, "p {p}: cdf(q) = {}", s.cdf(q));
        }
    }

    #[test]
    fn closed_form_means() {
        let w = ServiceTime::weibull(2.0, 3.0).unwrap();
        assert!(rel(w.mean(), 3.0 * std::f64::consts::PI.sqrt() / 2.0) < 1e-12);
        assert!(rel(w.cv2(), 4.0 / std::f64::consts::PI - 1.0) < 1e-10);
        let w1 = ServiceTime::weibull(1.0, 3.0).unwrap();
        assert!(w1.is_exponential() && rel(w1.mean(), 3.0) < 1e-12);
        let e = ServiceTime::erlang(4, 2.0).unwrap();
        assert!(rel(e.mean(), 2.0) < 1e-15 && rel(e.cv2(), 0.25) < 1e-15);
        assert!(!e.is_exponential());
        // Erlang-2 cdf: 1 − e^{−λt}(1 + λt), λ = k / mean.
        let e2 = ServiceTime::erlang(2, 1.0).unwrap();
        let t = 0.7;
        assert!(rel(e2.cdf(t), 1.0 - (-2.0 * t).exp() * (1.0 + 2.0 * t)) < 1e-12);
    }

    #[test]
    fn table_interpolation() {
        let s = ServiceTime::table(vec![(0.5, 1.0), (0.9, 3.0), (1.0, 5.0)]).unwrap();
        assert_eq!(s.cdf(0.5), 0.25);
        assert_eq!(s.cdf(2.0), 0.7);
        assert_eq!(s.cdf(5.0), 1.0);
        assert_eq!(s.cdf(7.0), 1.0);
        assert!(rel(s.sf(4.0), 0.05) < 1e-15);
        assert!(rel(s.quantile(0.7), 2.0) < 1e-15);
        assert_eq!(s.quantile(0.25), 0.5);
        assert_eq!(s.quantile(1.0), 5.0);
        // Uniform on each piece: 0.5·0.5 + 0.4·2 + 0.1·4.
        assert!(rel(s.mean(), 1.45) < 1e-12);
    }

    #[test]
    fn quantile_never_panics_or_nans_on_bad_p() {
        for s in families() {
            for p in [-1.0, 0.0, 1.0, 2.0, f64::INFINITY, f64::NEG_INFINITY] {
                assert!(!s.quantile(p).is_nan(), "{s:?} {p}");
            }
            assert!(s.quantile(f64::NAN).is_nan());
        }
        let c = ServiceTime::constant(0.25).unwrap();
        assert_eq!((c.quantile(0.3), c.cdf(0.25), c.sf(0.2), c.mean(), c.cv2()), (0.25, 1.0, 1.0, 0.25, 0.0));
    }
}
