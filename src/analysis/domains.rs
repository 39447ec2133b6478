//! Failure-domain states: the common-cause events of the model.
//!
//! Domains are the widely shared events, so evaluation conditions on them: every
//! joint state of the domains that placements use is enumerated (a domain whose
//! ancestor is down is down without branching), and the rest of the model is
//! evaluated independently within each state.

use crate::model::{DomainId, Model};

/// Above this many joint states, branches less likely than [`PRUNE_BELOW`] are
/// dropped and their total probability is reported as the error bound.
const MAX_EXACT_STATES: f64 = 65_536.0;
const PRUNE_BELOW: f64 = 1e-16;

#[derive(Clone, Debug)]
pub struct DomainState {
    pub prob: f64,
    /// Effective state of each domain (own state and all ancestors up).
    pub up: Vec<bool>,
}

/// How to treat domains in one evaluation.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DomainAssumptions {
    /// Treat every domain as never failing (the independence assumption).
    pub ignore: bool,
    /// Force one domain up (true) or down (false), for its Birnbaum importance.
    pub force: Option<(DomainId, bool)>,
}

pub struct DomainStates {
    pub states: Vec<DomainState>,
    /// Probability mass of pruned states: an upper bound on the absolute error.
    pub dropped_mass: f64,
}

/// Domains that some placement depends on (directly or as an ancestor).
pub fn used_domains(model: &Model) -> Vec<bool> {
    let mut used = vec![false; model.domains.len()];
    for c in &model.components {
        for &d in &c.placement {
            for a in model.domain_chain(d) {
                used[a] = true;
            }
        }
    }
    used
}

pub fn enumerate(model: &Model, used: &[bool], assume: DomainAssumptions) -> DomainStates {
    let n = model.domains.len();
    // Parents before children.
    let mut order: Vec<DomainId> = (0..n).filter(|&d| used[d]).collect();
    order.sort_by_key(|&d| model.domain_chain(d).len());
    let prob_of = |d: DomainId| -> (f64, f64) {
        if assume.ignore {
            return (1.0, 0.0);
        }
        match assume.force {
            Some((f, up)) if f == d => (if up { 1.0 } else { 0.0 }, if up { 0.0 } else { 1.0 }),
            _ => (model.domains[d].outage.availability, model.domains[d].outage.unavailability),
        }
    };
    let branching = order.iter().filter(|&&d| prob_of(d).1 > 0.0 && prob_of(d).0 > 0.0).count();
    let prune = 2f64.powi(branching.min(1000) as i32) > MAX_EXACT_STATES;

    let mut states = Vec::new();
    let mut dropped_mass = 0.0;
    // Depth-first over `order`; each frame is (position, probability, states so far).
    let mut stack = vec![(0usize, 1.0f64, vec![true; n])];
    while let Some((i, prob, up)) = stack.pop() {
        if prune && prob < PRUNE_BELOW {
            dropped_mass += prob;
            continue;
        }
        let Some(&d) = order.get(i) else {
            states.push(DomainState { prob, up });
            continue;
        };
        let parent_up = model.domains[d].parent.is_none_or(|p| up[p]);
        let (a, u) = prob_of(d);
        if !parent_up {
            let mut next = up;
            next[d] = false;
            stack.push((i + 1, prob, next));
            continue;
        }
        if u > 0.0 {
            let mut down = up.clone();
            down[d] = false;
            stack.push((i + 1, prob * u, down));
        }
        if a > 0.0 {
            stack.push((i + 1, prob * a, up));
        }
    }
    DomainStates { states, dropped_mass }
}
