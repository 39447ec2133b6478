//! One component as one failure unit: k-of-n replicas (independent, or sharing
//! repair crews through a birth-death chain), common cause, active-passive
//! failover and bad deploys — reduced to P(up), P(down) and an outage frequency
//! for a given number of replicas whose failure domains are up.

use crate::model::{Component, ReliabilitySource};

use super::prob::Prob;

/// How a component's replicas fail, with everything derived once from the model.
#[derive(Clone, Debug)]
pub struct UnitModel {
    pub replicas: usize,
    pub min_healthy: usize,
    /// Replicas made perfect (the ceiling evaluation).
    pub perfect: bool,
    /// Independent part of one replica's availability / unavailability.
    pub replica: Prob,
    /// Failures per second of one replica's independent part (None: no repair time).
    pub replica_rate: Option<f64>,
    pub mttr_s: Option<f64>,
    pub crews: Option<usize>,
    /// Common-cause event taking all replicas down.
    pub common_cause: Prob,
    /// Bad-deploy event and its frequency (per second).
    pub changes: Option<(Prob, f64)>,
    /// Active-passive: (failover time, success probability).
    pub standby: Option<(f64, f64)>,
}

/// What evaluation may leave out (for the correlation and change-risk deltas).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Assumptions {
    pub ignore_common_cause: bool,
    pub ignore_changes: bool,
    /// Give every self-operated (non-SLA) component unlimited perfect replicas over
    /// its declared placement, keeping common cause and deploys: the ceiling that no
    /// number of replicas can pass.
    pub perfect_self_operated: bool,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct UnitState {
    pub prob: Prob,
    /// Up→down transitions per second; None when a repair time is unknown.
    pub frequency: Option<f64>,
}

impl UnitModel {
    pub fn new(c: &Component, assume: Assumptions) -> UnitModel {
        let r = &c.reliability;
        let beta = if assume.ignore_common_cause { 0.0 } else { c.common_cause.as_ref().map_or(0.0, |b| b.value) };
        let q = r.unavailability;
        // β-factor split that keeps one replica's total unavailability exactly q:
        // (1 − q_ind)(1 − q_cc) = 1 − q with q_cc = β q.
        let q_cc = beta * q;
        let perfect = assume.perfect_self_operated && r.source != ReliabilitySource::Sla;
        let replica = if perfect {
            Prob::UP
        } else if beta > 0.0 {
            Prob { up: r.availability / (1.0 - q_cc), down: (1.0 - beta) * q / (1.0 - q_cc) }
        } else {
            Prob { up: r.availability, down: q }
        };
        // A replica that never fails has failure rate 0 and needs no repair time.
        let replica_rate = if replica.down == 0.0 {
            Some(0.0)
        } else {
            r.mttr_s
                .filter(|&m| m > 0.0)
                .map(|m| if replica.up > 0.0 { replica.down / (replica.up * m) } else { f64::INFINITY })
        };
        let changes = if assume.ignore_changes {
            None
        } else {
            c.changes.as_ref().map(|ch| (Prob::from_down(ch.unavailability()), ch.deploys_per_s * ch.failure_rate))
        };
        UnitModel {
            replicas: c.replicas.value as usize,
            perfect,
            min_healthy: c.min_healthy.value as usize,
            replica,
            replica_rate,
            mttr_s: r.mttr_s,
            crews: c.repair_crews.as_ref().map(|r| r.value as usize).filter(|&r| r < c.replicas.value as usize),
            common_cause: Prob::from_down(q_cc),
            changes,
            standby: c.standby.as_ref().map(|s| (s.failover_s, s.success)),
        }
    }

    /// The unit when `effective` of its replicas sit in failure domains that are up.
    pub fn state(&self, effective: usize) -> UnitState {
        let (kofn, exactly_k) = match self.crews {
            None => binomial_at_least(effective, self.min_healthy, self.replica),
            Some(crews) => self.shared_repair(effective, crews),
        };
        // (event probability, event frequency) for each independent sub-event.
        let mut events: Vec<(Prob, Option<f64>)> = Vec::with_capacity(4);
        events.push((kofn, self.replica_rate.map(|l| exactly_k * self.min_healthy as f64 * l)));
        if self.common_cause.down > 0.0 {
            events.push((self.common_cause, self.mttr_s.map(|m| self.common_cause.down / m)));
        }
        if let Some((prob, freq)) = self.changes {
            events.push((prob, Some(freq)));
        }
        if let (Some((failover, success)), Some(rate), Some(mttr)) = (self.standby, self.replica_rate, self.mttr_s) {
            // Every failure of the serving replica costs a failover; a failed
            // failover (1 − c) lasts until the replica is repaired.
            let active_failures = rate * kofn.up;
            let down = (active_failures * (success * failover + (1.0 - success) * mttr)).min(1.0);
            events.push((Prob::from_down(down), Some(active_failures)));
        }
        let prob = events.iter().fold(Prob::UP, |acc, (p, _)| acc.and(*p));
        // ν(A ∧ B ∧ …) = Σ ν_e · Π_{others} P(up).
        let mut frequency = Some(0.0);
        for (i, (_, nu)) in events.iter().enumerate() {
            let others: f64 = events.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, (p, _))| p.up).product();
            frequency = match (frequency, nu) {
                (Some(total), Some(nu)) => Some(total + nu * others),
                _ => None,
            };
        }
        UnitState { prob, frequency }
    }

    /// Fewest replica failures (with domains up) that take the unit down.
    pub fn failure_order(&self) -> usize {
        self.replicas + 1 - self.min_healthy
    }

    /// k-of-n where replicas share `crews` repair crews: birth-death chain over the
    /// number failed, then (by symmetry the failed set is uniform) a hypergeometric
    /// split between replicas in up and down domains.
    fn shared_repair(&self, effective: usize, crews: usize) -> (Prob, f64) {
        let n = self.replicas;
        let k = self.min_healthy;
        let Some(rate) = self.replica_rate else {
            return binomial_at_least(effective, k, self.replica);
        };
        let mu = 1.0 / self.mttr_s.unwrap_or(1.0);
        // log π_j up to a constant.
        let mut log_pi = vec![0.0f64; n + 1];
        for j in 0..n {
            log_pi[j + 1] = log_pi[j] + ((n - j) as f64 * rate).ln() - ((j + 1).min(crews) as f64 * mu).ln();
        }
        let max = log_pi.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let weights: Vec<f64> = log_pi.iter().map(|l| (l - max).exp()).collect();
        let total: f64 = weights.iter().sum();
        let (mut up, mut down, mut exactly) = (0.0, 0.0, 0.0);
        for (j, w) in weights.iter().enumerate() {
            let pi = w / total;
            // f failed among the `effective` replicas: hypergeometric(n, j, effective).
            for f in j.saturating_sub(n - effective)..=j.min(effective) {
                let h = log_choose(effective, f) + log_choose(n - effective, j - f) - log_choose(n, j);
                let p = pi * h.exp();
                let healthy = effective - f;
                if healthy >= k {
                    up += p;
                } else {
                    down += p;
                }
                if healthy == k {
                    exactly += p;
                }
            }
        }
        (Prob { up, down }, exactly)
    }
}

fn log_choose(n: usize, k: usize) -> f64 {
    let k = k.min(n - k);
    (0..k).map(|i| ((n - i) as f64).ln() - ((i + 1) as f64).ln()).sum()
}

/// P(at least k of n independent units are up), its complement, and P(exactly k up),
/// each summed from non-negative terms.
pub fn binomial_at_least(n: usize, k: usize, unit: Prob) -> (Prob, f64) {
    if k == 0 {
        return (Prob::UP, if n == 0 { 1.0 } else { 0.0 });
    }
    if k > n {
        return (Prob::DOWN, 0.0);
    }
    if unit.down == 0.0 {
        return (Prob::UP, if k == n { 1.0 } else { 0.0 });
    }
    if unit.up == 0.0 {
        return (Prob::DOWN, 0.0);
    }
    let pmf = if n <= 256 { binomial_pmf_dp(n, unit) } else { binomial_pmf_log(n, unit) };
    let down: f64 = pmf[..k].iter().sum();
    let up: f64 = pmf[k..].iter().sum();
    (Prob { up, down }, pmf[k])
}

/// Exact pmf of the number up by the O(n²) recurrence (no cancellation).
fn binomial_pmf_dp(n: usize, unit: Prob) -> Vec<f64> {
    let mut pmf = vec![0.0; n + 1];
    pmf[0] = 1.0;
    for i in 0..n {
        for j in (0..=i + 1).rev() {
            let stay = if j <= i { pmf[j] * unit.down } else { 0.0 };
            let step = if j > 0 { pmf[j - 1] * unit.up } else { 0.0 };
            pmf[j] = stay + step;
        }
    }
    pmf
}

/// pmf in log space for large n (terms underflow gracefully to 0).
fn binomial_pmf_log(n: usize, unit: Prob) -> Vec<f64> {
    let (la, lq) = (unit.up.ln(), unit.down.ln());
    let mut log_c = 0.0;
    (0..=n)
        .map(|j| {
            if j > 0 {
                log_c += ((n - j + 1) as f64).ln() - (j as f64).ln();
            }
            (log_c + j as f64 * la + (n - j) as f64 * lq).exp()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binomial_tails() {
        // AV-03: 3-of-4 at 0.9.
        let (p, _) = binomial_at_least(4, 3, Prob::from_down(0.1));
        assert!((p.up - 0.9477).abs() < 1e-12);
        // AV-04: 1-of-5 at 0.99 → U = 1e-10 with full relative precision.
        let (p, _) = binomial_at_least(5, 1, Prob { up: 0.99, down: 0.01 });
        assert!((p.down - 1e-10).abs() < 1e-20);
        // Log-space and DP agree.
        let unit = Prob { up: 0.97, down: 0.03 };
        let (dp, log) = (binomial_pmf_dp(200, unit), binomial_pmf_log(200, unit));
        for (a, b) in dp.iter().zip(&log) {
            assert!((a - b).abs() <= 1e-12 * a.max(1e-300) + 1e-300);
        }
    }
}
