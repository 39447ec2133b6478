//! Minimal cut sets of order 1 (single points of failure) and order 2, over the
//! failure units of the model: components (their replicas) and failure domains.

use crate::model::{ComponentId, DomainId, Model};

use super::availability::Compiled;
use super::redundancy::{Assumptions, UnitModel};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CutUnit {
    Component(ComponentId),
    Domain(DomainId),
}

#[derive(Clone, Debug, PartialEq)]
pub struct CutSet {
    pub units: Vec<CutUnit>,
    /// Number of basic events (replica or domain failures) in the cut.
    pub order: usize,
    /// Probability that all its units are down (all else as modelled), for ranking.
    pub probability: f64,
}

/// The order-2 cut sets kept per flow, most likely first.
pub const TOP_ORDER_TWO: usize = 10;

pub struct FlowCuts {
    pub spofs: Vec<CutSet>,
    pub order_two: Vec<CutSet>,
}

pub fn flow_cuts(model: &Model, compiled: &Compiled, flow: usize) -> FlowCuts {
    let units: Vec<UnitModel> = model.components.iter().map(|c| UnitModel::new(c, Assumptions::default())).collect();
    let unit_down: Vec<f64> = units.iter().map(|u| u.state(u.replicas).prob.down).collect();
    let order = |c: ComponentId| units[c].failure_order();
    let all_up = |_: ComponentId| true;

    let mut spofs = Vec::new();
    let mut order_two = Vec::new();
    let critical: Vec<ComponentId> = compiled.critical(flow, &all_up);
    // A unit that cannot fail (100% available) is no cut.
    let critical: Vec<ComponentId> = critical.into_iter().filter(|&c| unit_down[c] > 0.0).collect();
    for &c in &critical {
        let set = CutSet { units: vec![CutUnit::Component(c)], order: order(c), probability: unit_down[c] };
        match order(c) {
            1 => spofs.push(set),
            2 => order_two.push(set),
            _ => {}
        }
    }
    let single: Vec<ComponentId> = critical.iter().copied().filter(|&c| order(c) == 1).collect();

    // Pairs of single-failure components, neither a SPOF on its own.
    let reachable_singles: Vec<ComponentId> = crate::graph::reachable(model, model.flows[flow].entry.value)
        .into_iter()
        .filter(|&c| order(c) == 1 && unit_down[c] > 0.0 && !single.contains(&c))
        .collect();
    for &a in &reachable_singles {
        for b in compiled.critical(flow, &|c| c != a) {
            if b > a && order(b) == 1 && unit_down[b] > 0.0 && !single.contains(&b) {
                order_two.push(CutSet {
                    units: vec![CutUnit::Component(a), CutUnit::Component(b)],
                    order: 2,
                    probability: unit_down[a] * unit_down[b],
                });
            }
        }
    }

    // Failure domains: alone, with one single-failure component, and in pairs.
    let used = super::domains::used_domains(model);
    let candidates: Vec<DomainId> =
        (0..model.domains.len()).filter(|&d| used[d] && model.domains[d].outage.unavailability > 0.0).collect();
    let survives = |down: &[DomainId]| -> Vec<bool> {
        units
            .iter()
            .zip(&model.components)
            .map(|(u, c)| {
                let effective = (0..u.replicas)
                    .filter(|&i| {
                        c.replica_domain(i).is_none_or(|d| !model.domain_chain(d).iter().any(|a| down.contains(a)))
                    })
                    .count();
                effective >= u.min_healthy
            })
            .collect()
    };
    let mut domain_spofs = Vec::new();
    for &d in &candidates {
        let alive = survives(&[d]);
        let value = |c: ComponentId| alive[c];
        let u_d = model.domains[d].outage.unavailability;
        if !compiled.holds(flow, &value) {
            domain_spofs.push(d);
            spofs.push(CutSet { units: vec![CutUnit::Domain(d)], order: 1, probability: u_d });
            continue;
        }
        for c in compiled.critical(flow, &value) {
            if order(c) == 1 && unit_down[c] > 0.0 && !single.contains(&c) {
                order_two.push(CutSet {
                    units: vec![CutUnit::Domain(d), CutUnit::Component(c)],
                    order: 2,
                    probability: u_d * unit_down[c],
                });
            }
        }
    }
    for (i, &d1) in candidates.iter().enumerate() {
        for &d2 in &candidates[i + 1..] {
            let related = model.domain_chain(d1).contains(&d2) || model.domain_chain(d2).contains(&d1);
            if related || domain_spofs.contains(&d1) || domain_spofs.contains(&d2) {
                continue;
            }
            let alive = survives(&[d1, d2]);
            if !compiled.holds(flow, &|c| alive[c]) {
                let p = model.domains[d1].outage.unavailability * model.domains[d2].outage.unavailability;
                order_two.push(CutSet {
                    units: vec![CutUnit::Domain(d1), CutUnit::Domain(d2)],
                    order: 2,
                    probability: p,
                });
            }
        }
    }
    order_two.sort_by(|a, b| b.probability.total_cmp(&a.probability).then_with(|| a.units.cmp(&b.units)));
    order_two.truncate(TOP_ORDER_TWO);
    FlowCuts { spofs, order_two }
}
