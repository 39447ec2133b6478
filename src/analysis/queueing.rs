//! Queueing math for the latency checks: Erlang B/C, the M/M/c queue with its exact
//! waiting and sojourn-time laws, the standard G/G/c and M/G/1 mean-wait
//! approximations, retries, Little's law and the speed-of-light floor.
//!
//! Every function is total: it validates its inputs and answers for any `f64`
//! without panicking and without returning NaN. An unstable queue (ρ ≥ 1) never
//! yields a finite number — the constructors and the mean-wait functions return
//! `Err`/`None`, and methods on a hand-built unstable [`MMc`] return ∞ (or the
//! matching probability bound). Unless a function says otherwise, NaN is read as
//! the pessimistic extreme.

/// Speed of light in optical fibre (refractive index ≈ 1.47), km per second.
pub const FIBRE_KM_PER_S: f64 = 204_000.0;

/// Lower bound on a round trip over `distance_km` of fibre: 2·d / 204,000 km/s.
/// Negative or NaN distances give 0 (the trivially valid floor); +∞ gives ∞.
pub fn rtt_floor_s(distance_km: f64) -> f64 {
    if distance_km.is_nan() || distance_km <= 0.0 { 0.0 } else { 2.0 * distance_km / FIBRE_KM_PER_S }
}

/// Expected number of attempts when each try fails independently with probability
/// `p_fail` and at most `max_tries` are made: Σ_{i<k} pⁱ = (1 − pᵏ)/(1 − p).
/// Equals k at p = 1 and 1 at k = 1 or p = 0; 0 tries gives 0. `p_fail` is clamped
/// to [0, 1] and NaN counts as 1 (every try fails).
pub fn expected_attempts(p_fail: f64, max_tries: u32) -> f64 {
    let k = max_tries as f64;
    let p = if p_fail.is_nan() { 1.0 } else { p_fail.clamp(0.0, 1.0) };
    if max_tries == 0 {
        return 0.0;
    }
    if p == 0.0 || max_tries == 1 {
        return 1.0;
    }
    if p == 1.0 {
        return k;
    }
    // (1 − pᵏ)/(1 − p) without cancellation near p = 1: 1 − p is exact there and
    // pᵏ = e^{k·ln p} with ln p = ln1p(−(1 − p)).
    let q = 1.0 - p;
    let value = -(k * (-q).ln_1p()).exp_m1() / q;
    value.clamp(1.0, k)
}

/// Erlang B: probability that an arrival finds all `servers` busy and is lost, with
/// `offered` Erlangs (A = λ/μ), by the recursion B(0) = 1,
/// B(n) = A·B(n−1) / (n + A·B(n−1)). Every term is positive, so it is stable for any
/// number of servers; the loop stops early once B underflows to 0, and starts late
/// (see [`erlang_b_start`]) where the recursion has long forgotten its start, so the
/// cost is O(min(c, 50·√A)) steps rather than O(c): 56 µs at c = 10⁵, A = 99,500
/// (release build), and roughly proportional to √A beyond that when c is near A.
///
/// 0 servers give 1. Negative offered load counts as 0 (B = 0 for c ≥ 1); NaN or +∞
/// offered load gives 1.
pub fn erlang_b(servers: u64, offered: f64) -> f64 {
    if servers == 0 || offered.is_nan() || offered == f64::INFINITY {
        return 1.0;
    }
    if offered <= 0.0 {
        return 0.0;
    }
    let (start, mut b) = erlang_b_start(servers, offered);
    for n in start + 1..=servers {
        let x = offered * b;
        b = x / (n as f64 + x);
        if b == 0.0 {
            break;
        }
    }
    b.clamp(0.0, 1.0)
}

/// Where the Erlang B recursion may start, and with what value. In terms of
/// I(n) = 1/B(n) the recursion is linear, I(n) = 1 + (n/A)·I(n−1), so an error in the
/// start value I(n₀) reaches I(c) multiplied by Π_{n₀<n≤min(c,A)} n/A (and beyond A it
/// is a vanishing share of I(c)). Starting K = 12 standard deviations √A below
/// min(c, A) — or closer when c ≪ A makes each factor small — damps the start error by
/// at least e^{−K²/2} ≈ 5·10⁻³², far below rounding. The start value is the
/// quasi-fixed point B(n₀) ≈ 1 − n₀/A. Small cases start exactly at B(0) = 1.
fn erlang_b_start(servers: u64, offered: f64) -> (u64, f64) {
    const K: f64 = 12.0;
    let c = servers as f64;
    let width = (K * offered.sqrt()).ceil();
    let start = if c <= offered {
        let log_ratio = (offered / c).ln();
        let span = if log_ratio > 0.0 { width.min((150.0 / log_ratio).ceil()) } else { width };
        c - span
    } else {
        offered.floor() - width
    };
    if start < 1.0 || !start.is_finite() {
        (0, 1.0)
    } else {
        // At most c − 1, so the loop's first n = start + 1 cannot overflow at c = u64::MAX.
        let start = (start as u64).min(servers - 1);
        (start, ((offered - start as f64) / offered).clamp(f64::MIN_POSITIVE, 1.0))
    }
}

/// Erlang C: probability that an arrival to an M/M/c queue waits, from Erlang B:
/// C = B / (1 − ρ(1 − B)) with ρ = A/c. None when the queue is unstable
/// (offered ≥ servers, including 0 servers) or the load is NaN, infinite or negative.
pub fn erlang_c(servers: u64, offered: f64) -> Option<f64> {
    if !offered.is_finite() || offered < 0.0 || offered >= servers as f64 {
        return None;
    }
    if offered == 0.0 {
        return Some(0.0);
    }
    let b = erlang_b(servers, offered);
    let rho = offered / servers as f64;
    Some((b / (1.0 - rho * (1.0 - b))).clamp(b, 1.0))
}

/// M/M/c: arrival rate λ, service rate μ per server, c servers.
///
/// Build it with [`MMc::new`], which rejects unstable and invalid parameters. The
/// fields are public; methods on a value built by hand that is unstable or invalid
/// answer as for an infinitely congested queue (means and quantiles ∞, P(wait) = 1)
/// rather than with a finite number.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MMc {
    pub lambda: f64,
    pub mu: f64,
    pub servers: u64,
}

/// The queue cannot keep up: λ ≥ cμ. `utilization` is ρ = λ/(cμ) for messages; it is
/// +∞ when the parameters are invalid (λ NaN, infinite or negative; μ not finite and
/// positive; no servers; c·μ overflowing).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Unstable {
    pub utilization: f64,
}

impl std::fmt::Display for Unstable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.utilization.is_finite() {
            write!(f, "unstable queue: utilization {:.1}% ≥ 100%", self.utilization * 100.0)
        } else {
            write!(f, "unstable queue: no finite utilization (invalid rates or no servers)")
        }
    }
}

impl std::error::Error for Unstable {}

/// The solved quantities every method needs, or None when unstable/invalid.
#[derive(Clone, Copy, Debug)]
struct Solved {
    /// Erlang C, P(wait > 0).
    c: f64,
    /// Decay rate of the waiting-time tail, cμ − λ.
    theta: f64,
    mu: f64,
}

impl MMc {
    /// Ok when λ is finite and ≥ 0, μ finite and > 0, c ≥ 1 and λ < cμ.
    pub fn new(lambda: f64, mu: f64, servers: u64) -> Result<MMc, Unstable> {
        let q = MMc { lambda, mu, servers };
        if !q.valid() {
            return Err(Unstable { utilization: f64::INFINITY });
        }
        let rho = q.utilization();
        if rho >= 1.0 || q.capacity() - lambda <= 0.0 {
            return Err(Unstable { utilization: rho });
        }
        Ok(q)
    }

    fn valid(&self) -> bool {
        self.lambda.is_finite()
            && self.lambda >= 0.0
            && self.mu.is_finite()
            && self.mu > 0.0
            && self.servers >= 1
            && self.capacity().is_finite()
    }

    fn capacity(&self) -> f64 {
        self.servers as f64 * self.mu
    }

    fn solve(&self) -> Option<Solved> {
        if !self.valid() {
            return None;
        }
        let theta = self.capacity() - self.lambda;
        if theta <= 0.0 {
            return None;
        }
        let c = erlang_c(self.servers, self.lambda / self.mu)?;
        Some(Solved { c, theta, mu: self.mu })
    }

    /// ρ = λ/(cμ); +∞ for invalid parameters.
    pub fn utilization(&self) -> f64 {
        if self.valid() { self.lambda / self.capacity() } else { f64::INFINITY }
    }

    /// Probability that an arrival waits (Erlang C); 1 when unstable.
    pub fn p_wait(&self) -> f64 {
        self.solve().map_or(1.0, |s| s.c)
    }

    /// Mean number waiting, Lq = C·ρ/(1 − ρ).
    pub fn mean_queue(&self) -> f64 {
        self.solve().map_or(f64::INFINITY, |s| self.queue_of(s))
    }

    fn queue_of(&self, s: Solved) -> f64 {
        let rho = self.utilization();
        s.c * rho / (1.0 - rho)
    }

    /// Mean number in the system, L = Lq + λ/μ.
    pub fn mean_in_system(&self) -> f64 {
        self.solve().map_or(f64::INFINITY, |s| self.queue_of(s) + self.lambda / s.mu)
    }

    /// Mean wait in queue, Wq = C/(cμ − λ).
    pub fn mean_wait(&self) -> f64 {
        self.solve().map_or(f64::INFINITY, |s| s.c / s.theta)
    }

    /// Mean response (sojourn) time, W = Wq + 1/μ.
    pub fn mean_response(&self) -> f64 {
        match self.solve() {
            Some(s) => s.c / s.theta + 1.0 / s.mu,
            None => f64::INFINITY,
        }
    }

    /// P(Wq > t) = C·e^{−(cμ−λ)t} for t ≥ 0; 1 for t < 0 or NaN; 1 when unstable.
    pub fn wait_sf(&self, t: f64) -> f64 {
        if t.is_nan() || t < 0.0 {
            return 1.0;
        }
        match self.solve() {
            Some(s) => s.c * (-s.theta * t).exp(),
            None => 1.0,
        }
    }

    /// P(Wq ≤ t) = 1 − wait_sf(t).
    pub fn wait_cdf(&self, t: f64) -> f64 {
        1.0 - self.wait_sf(t)
    }

    /// P(W > t) for the sojourn time W = Wq + S (S ~ Exp(μ) independent of Wq), in
    /// closed form: (1 − C)·e^{−μt} + C·P(Exp(cμ−λ) + Exp(μ) > t). Computed directly so
    /// the upper tail keeps its relative precision. 1 for t < 0 or NaN, and when unstable.
    pub fn response_sf(&self, t: f64) -> f64 {
        if t.is_nan() || t < 0.0 {
            return 1.0;
        }
        match self.solve() {
            Some(s) => sojourn_sf(s, t),
            None => 1.0,
        }
    }

    /// P(W ≤ t) for the sojourn time W = Wq + S (closed form, hypoexponential mixture;
    /// the case cμ − λ = μ is handled without division by zero). 0 for t < 0 or NaN.
    pub fn response_cdf(&self, t: f64) -> f64 {
        (1.0 - self.response_sf(t)).clamp(0.0, 1.0)
    }

    /// The p-quantile of the sojourn time: the t with response_cdf(t) = p, found by
    /// bracketing and bisection on the closed-form survival function (monotone, so
    /// this always converges). 0 for p ≤ 0; ∞ for p ≥ 1, NaN p, or when unstable.
    pub fn response_quantile(&self, p: f64) -> f64 {
        if p.is_nan() || p >= 1.0 {
            return f64::INFINITY;
        }
        if p <= 0.0 {
            return 0.0;
        }
        let Some(s) = self.solve() else { return f64::INFINITY };
        let target = 1.0 - p;
        // sf(t) ≤ (1 + b·t)·e^{−a·t} with a = min(θ, μ), b = max(θ, μ): start at 1/a and double.
        let mut lo = 0.0f64;
        let mut hi = 1.0 / s.theta.min(s.mu);
        let mut tries = 0;
        while sojourn_sf(s, hi) > target {
            lo = hi;
            hi *= 2.0;
            tries += 1;
            if !hi.is_finite() || tries > 2100 {
                return f64::INFINITY;
            }
        }
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if mid <= lo || mid >= hi {
                break;
            }
            if sojourn_sf(s, mid) > target {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        0.5 * (lo + hi)
    }

    /// The p-quantile of the wait in queue: 0 when p ≤ 1 − C, else ln(C/(1 − p))/(cμ − λ).
    /// 0 for p ≤ 0; ∞ for p ≥ 1, NaN p, or when unstable.
    pub fn wait_quantile(&self, p: f64) -> f64 {
        if p.is_nan() || p >= 1.0 {
            return f64::INFINITY;
        }
        if p <= 0.0 {
            return 0.0;
        }
        match self.solve() {
            Some(s) => mmc_wait_law_of(s).quantile(p),
            None => f64::INFINITY,
        }
    }
}

/// Survival of Wq + S for a solved, stable queue and t ≥ 0.
fn sojourn_sf(s: Solved, t: f64) -> f64 {
    if t == f64::INFINITY {
        return 0.0;
    }
    let served = (-s.mu * t).exp();
    ((1.0 - s.c) * served + s.c * hypoexponential_sf(s.theta, s.mu, t)).clamp(0.0, 1.0)
}

/// P(Exp(r1) + Exp(r2) > t) for finite t ≥ 0, symmetric in the rates. With a ≤ b:
/// (b·e^{−at} − a·e^{−bt})/(b − a) = e^{−bt} + b·t·e^{−at}·φ((b − a)t), φ(x) = (1 − e^{−x})/x,
/// which stays exact as b − a → 0 (φ(0) = 1 gives the Erlang-2 law e^{−bt}(1 + bt)).
/// For x = (b − a)t > 1 the second term is written b/(b − a)·e^{−at}·(1 − e^{−x}), so no
/// product of an overflowing and an underflowing factor is ever formed.
fn hypoexponential_sf(r1: f64, r2: f64, t: f64) -> f64 {
    let (a, b) = if r1 <= r2 { (r1, r2) } else { (r2, r1) };
    let at = a * t;
    let x = (b - a) * t;
    let second = if x <= 1.0 {
        let phi = if x == 0.0 { 1.0 } else { -(-x).exp_m1() / x };
        // b·t = a·t + x ≤ a·t + 1, and e^{−at} underflows long before a·t reaches 800.
        if at > 800.0 { 0.0 } else { (at + x) * (-at).exp() * phi }
    } else {
        b / (b - a) * (-at).exp() * -(-x).exp_m1()
    };
    (-b * t).exp() + second
}

/// Allen–Cunneen approximation of mean wait in G/G/c (labelled approximate by callers):
/// Wq ≈ C(c, A)/(cμ − λ) · (ca² + cs²)/2 with A = λ·E[S]. None when unstable or when an
/// input is invalid (λ negative or not finite, E[S] not finite and positive, c = 0,
/// ca² or cs² negative or not finite).
pub fn allen_cunneen_wait(lambda: f64, mean_service: f64, servers: u64, ca2: f64, cs2: f64) -> Option<f64> {
    let positive_service = mean_service.is_finite() && mean_service > 0.0;
    if !valid_rate(lambda) || !positive_service || !valid_scv(ca2) || !valid_scv(cs2) {
        return None;
    }
    let offered = lambda * mean_service;
    let c = erlang_c(servers, offered)?;
    // C/(cμ − λ) = C·E[S]/(c − A).
    let gap = servers as f64 - offered;
    let wait = c * mean_service / gap * (ca2 + cs2) / 2.0;
    wait.is_finite().then_some(wait)
}

/// Kingman G/G/1: Wq ≈ ρ/(1−ρ) · (ca² + cs²)/2 · E[S]. None when ρ ≥ 1 or an input is
/// invalid (ρ negative or NaN, E[S] negative or not finite, ca² or cs² negative or not finite).
pub fn kingman_wait(rho: f64, ca2: f64, cs2: f64, mean_service: f64) -> Option<f64> {
    if !(0.0..1.0).contains(&rho) || !valid_scv(ca2) || !valid_scv(cs2) || !valid_rate(mean_service) {
        return None;
    }
    let wait = rho / (1.0 - rho) * (ca2 + cs2) / 2.0 * mean_service;
    wait.is_finite().then_some(wait)
}

/// Pollaczek–Khinchine M/G/1 mean wait: λE[S²]/(2(1−ρ)) with E[S²] = (1+cs²)E[S]².
/// None when ρ = λE[S] ≥ 1 or an input is invalid (λ or E[S] negative or not finite,
/// cs² negative or not finite).
pub fn pollaczek_khinchine_wait(lambda: f64, mean_service: f64, cs2: f64) -> Option<f64> {
    if !valid_rate(lambda) || !valid_rate(mean_service) || !valid_scv(cs2) {
        return None;
    }
    let rho = lambda * mean_service;
    if rho >= 1.0 {
        return None;
    }
    let wait = lambda * (1.0 + cs2) * mean_service * mean_service / (2.0 * (1.0 - rho));
    wait.is_finite().then_some(wait)
}

/// Approximate waiting-time law for G/G/c used when service is not exponential: an atom at 0 of
/// mass 1 − P(wait) and an exponential tail with the Allen–Cunneen mean: P(Wq > t) = P_w·e^{−t·P_w/Wq}.
///
/// Fields set by hand are read leniently: `p_wait` is clamped to [0, 1] (NaN → 1) and
/// `mean_wait` below 0 counts as 0 (no wait), NaN as ∞ (a tail that never decays).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WaitLaw {
    pub p_wait: f64,
    pub mean_wait: f64,
}

impl WaitLaw {
    /// (P(wait), mean wait) after validation.
    fn normalized(&self) -> (f64, f64) {
        let p = if self.p_wait.is_nan() { 1.0 } else { self.p_wait.clamp(0.0, 1.0) };
        let m = if self.mean_wait.is_nan() { f64::INFINITY } else { self.mean_wait.max(0.0) };
        (p, m)
    }

    /// P(Wq > t); 1 for t < 0 or NaN.
    pub fn sf(&self, t: f64) -> f64 {
        if t.is_nan() || t < 0.0 {
            return 1.0;
        }
        let (p, m) = self.normalized();
        if p == 0.0 || m == 0.0 {
            return 0.0;
        }
        if m == f64::INFINITY {
            return p;
        }
        if t == f64::INFINITY {
            return 0.0;
        }
        p * (-t * p / m).exp()
    }

    /// P(Wq ≤ t); 0 for t < 0 or NaN.
    pub fn cdf(&self, t: f64) -> f64 {
        (1.0 - self.sf(t)).clamp(0.0, 1.0)
    }

    /// The p-quantile: 0 when p ≤ 1 − P_w, else (Wq/P_w)·ln(P_w/(1 − p)). 0 for p ≤ 0,
    /// ∞ for p ≥ 1 or NaN.
    pub fn quantile(&self, p: f64) -> f64 {
        if p.is_nan() || p >= 1.0 {
            return f64::INFINITY;
        }
        let (pw, m) = self.normalized();
        if p <= 0.0 || pw == 0.0 || m == 0.0 {
            return 0.0;
        }
        // ln(P_w/(1 − p)) with ln(1 − p) = ln1p(−p) for precision near p = 1.
        let log_ratio = pw.ln() - (-p).ln_1p();
        if log_ratio <= 0.0 {
            return 0.0;
        }
        if m == f64::INFINITY {
            return f64::INFINITY;
        }
        m / pw * log_ratio
    }
}

fn mmc_wait_law_of(s: Solved) -> WaitLaw {
    WaitLaw { p_wait: s.c, mean_wait: s.c / s.theta }
}

/// The exact waiting-time law of an M/M/c queue (P_w = Erlang C, tail rate cμ − λ).
/// For a hand-built unstable or invalid queue: P_w = 1 and an infinite mean.
pub fn mmc_wait_law(q: &MMc) -> WaitLaw {
    q.solve().map_or(WaitLaw { p_wait: 1.0, mean_wait: f64::INFINITY }, mmc_wait_law_of)
}

/// Approximate G/G/c waiting-time law: P_w = Erlang C at A = λ·E[S] and the
/// Allen–Cunneen mean. None when unstable or invalid (as [`allen_cunneen_wait`]).
pub fn gg_wait_law(lambda: f64, mean_service: f64, servers: u64, ca2: f64, cs2: f64) -> Option<WaitLaw> {
    let mean_wait = allen_cunneen_wait(lambda, mean_service, servers, ca2, cs2)?;
    let p_wait = erlang_c(servers, lambda * mean_service)?;
    Some(WaitLaw { p_wait, mean_wait })
}

/// Little's law: L = λ·W. Negative inputs count as 0 and give 0; NaN as ∞. 0 whenever
/// either factor is 0 (nothing arrives, or nothing stays).
pub fn littles_law_in_flight(lambda: f64, mean_time: f64) -> f64 {
    let clean = |x: f64| if x.is_nan() { f64::INFINITY } else { x.max(0.0) };
    let (l, w) = (clean(lambda), clean(mean_time));
    if l == 0.0 || w == 0.0 { 0.0 } else { l * w }
}

fn valid_rate(x: f64) -> bool {
    x.is_finite() && x >= 0.0
}

/// A squared coefficient of variation.
fn valid_scv(x: f64) -> bool {
    x.is_finite() && x >= 0.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain O(c) recursion from B(0) = 1.
    fn erlang_b_full(servers: u64, offered: f64) -> f64 {
        (1..=servers).fold(1.0, |b, n| offered * b / (n as f64 + offered * b))
    }

    #[test]
    fn late_start_matches_the_full_recursion() {
        for servers in [1u64, 2, 5, 17, 50, 200, 1000, 5000, 40_000, 100_000] {
            let c = servers as f64;
            let k = c.sqrt();
            for offered in [
                0.01,
                0.5,
                1.0,
                3.0,
                c / 2.0,
                c - 20.0 * k,
                c - 3.0 * k,
                c - k,
                c - 1.0,
                c,
                c + k,
                2.0 * c,
                10.0 * c,
                1e6 * c,
            ] {
                if offered <= 0.0 {
                    continue;
                }
                let (fast, full) = (erlang_b(servers, offered), erlang_b_full(servers, offered));
                assert!((fast - full).abs() <= 1e-12 * full + 1e-300, "B({servers}, {offered}): {fast} vs {full}");
            }
        }
    }

    #[test]
    fn huge_server_counts_are_fast() {
        // Would take 10¹⁹ steps without the late start and the underflow stop.
        assert_eq!(erlang_b(u64::MAX, 1e6), 0.0);
        let b = erlang_b(u64::MAX / 2, 1e300);
        assert!(b > 0.999_999 && b <= 1.0, "{b}");
        assert!(erlang_c(1_000_000_000_000, 999_999_000_000.0).is_some());
        let b = erlang_b(u64::MAX, 1e300);
        assert!(b > 0.999_999 && b <= 1.0, "{b}");
        assert_eq!(erlang_b(u64::MAX, 1e3), 0.0);
    }

    #[test]
    fn hypoexponential_is_continuous_at_equal_rates() {
        let t = 3.0;
        let equal = hypoexponential_sf(0.5, 0.5, t);
        let near = hypoexponential_sf(0.5, 0.5 * (1.0 + 1e-9), t);
        assert!((equal - near).abs() < 1e-9, "{equal} vs {near}");
        assert!((equal - (-0.5f64 * t).exp() * (1.0 + 0.5 * t)).abs() < 1e-15);
        // Both branches agree with the textbook form away from equal rates.
        for (a, b, t) in [(0.05f64, 0.1f64, 30.0f64), (0.1, 0.05, 3.0), (1.0, 5.0, 0.1), (2.0, 2.4, 2.0)] {
            let textbook = (b * (-a * t).exp() - a * (-b * t).exp()) / (b - a);
            let ours = hypoexponential_sf(a, b, t);
            assert!((ours - textbook).abs() < 1e-14, "{a} {b} {t}: {ours} vs {textbook}");
        }
        // Huge rates and times: no ∞·0.
        assert_eq!(hypoexponential_sf(1e223, 1e223, 1e142), 0.0);
        assert!((hypoexponential_sf(1e-300, 1e300, 1e300) - (-1.0f64).exp()).abs() < 1e-15);
    }

    #[test]
    fn unstable_hand_built_queue_never_gives_a_finite_wait() {
        let q = MMc { lambda: 2.0, mu: 1.0, servers: 1 };
        assert_eq!(q.mean_wait(), f64::INFINITY);
        assert_eq!(q.p_wait(), 1.0);
        assert_eq!(q.response_quantile(0.5), f64::INFINITY);
        assert_eq!(q.wait_sf(10.0), 1.0);
    }
}
