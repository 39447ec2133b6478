//! Exact steady-state availability of every flow.
//!
//! The model is compiled once into a BDD over one variable per component (its
//! replicas, common cause, failover and deploys reduced to one independent unit
//! given the domain states); then it can be evaluated many times under different
//! assumptions (domains ignored, a domain forced down, replicas changed, …).
//! P(flow up) = Σ over domain states s of P(s) · P(structure holds | s).

use std::collections::HashMap;

use petgraph::algo::toposort;

use crate::graph;
use crate::model::{CallTarget, ComponentId, Model};

use super::bdd::{Bdd, Frozen, Prob, TRUE, Var};
use super::domains::{self, DomainAssumptions, DomainState};
use super::redundancy::{Assumptions, UnitModel, UnitState};

/// The structure of the model: which components each flow needs, as a BDD.
pub struct Compiled {
    pub frozen: Frozen,
    /// Variable → component (variables are ordered for a small diagram).
    pub var_component: Vec<ComponentId>,
    pub component_var: Vec<Option<Var>>,
}

/// Everything one evaluation may vary.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct EvalOptions {
    pub units: Assumptions,
    pub domains: DomainAssumptions,
    /// Also compute per-component importance and outage frequency.
    pub importance: bool,
}

#[derive(Clone, Debug)]
pub struct FlowAvailability {
    pub prob: Prob,
    /// Birnbaum importance of each component (indexed by component id).
    pub birnbaum: Vec<f64>,
    /// Improvement potential from the component's own failures: P(up | it never
    /// fails while its domains are up) − P(up). Domain outages are not counted here
    /// (they belong to the domain), so shares of downtime do not double-count.
    pub improvement: Vec<f64>,
    /// Outage frequency of the flow from component-level events (per second),
    /// None when a repair time is unknown; domain events are added by the caller.
    pub unit_frequency: Option<f64>,
}

#[derive(Clone, Debug)]
pub struct Evaluation {
    pub flows: Vec<FlowAvailability>,
    /// Upper bound on the absolute error from pruned domain states (0 = exact).
    pub dropped_mass: f64,
}

/// Builds the structure function of every flow.
pub fn compile(model: &Model) -> Compiled {
    let order = variable_order(model);
    let mut component_var = vec![None; model.components.len()];
    for (v, &c) in order.iter().enumerate() {
        component_var[c] = Some(v as Var);
    }
    let mut bdd = Bdd::new();
    let mut up: Vec<Option<u32>> = vec![None; model.components.len()];
    // Callees before callers (the builder rejected cycles).
    let call_graph = graph::call_graph(model);
    let topo = toposort(&call_graph, None).unwrap_or_default();
    for node in topo.into_iter().rev() {
        let c = call_graph[node];
        let Some(var) = component_var[c] else { continue };
        let mut f = bdd.var(var);
        for call in model.components[c].calls.iter().filter(|call| !call.soft) {
            let target_up = |t: ComponentId| up[t].expect("callee compiled before caller");
            let g = match &call.target {
                CallTarget::Single { to, fallback } => {
                    let alternatives: Vec<u32> =
                        std::iter::once(to).chain(fallback).map(|t| target_up(t.value)).collect();
                    bdd.or_all(alternatives)
                }
                CallTarget::Parallel { to, quorum } => {
                    let members: Vec<u32> = to.iter().map(|t| target_up(t.value)).collect();
                    match quorum {
                        Some(k) => bdd.at_least(k.value as usize, &members),
                        None => bdd.and_all(members),
                    }
                }
            };
            f = bdd.and(f, g);
        }
        up[c] = Some(f);
    }
    let roots: Vec<u32> = model.flows.iter().map(|f| up[f.entry.value].unwrap_or(TRUE)).collect();
    let frozen = bdd.freeze(&roots);
    Compiled { frozen, var_component: order, component_var }
}

/// Variables in depth-first order from the flow entries, so that the components of
/// one sub-tree sit together and a shared sub-tree is not interleaved with others.
fn variable_order(model: &Model) -> Vec<ComponentId> {
    let mut seen = vec![false; model.components.len()];
    let mut order = Vec::new();
    for flow in &model.flows {
        for c in graph::reachable(model, flow.entry.value) {
            if !std::mem::replace(&mut seen[c], true) {
                order.push(c);
            }
        }
    }
    order
}

impl Compiled {
    /// Evaluates every flow under `options`.
    pub fn evaluate(&self, model: &Model, options: EvalOptions) -> Evaluation {
        let used = domains::used_domains(model);
        let states = domains::enumerate(model, &used, options.domains);
        let units: Vec<UnitModel> = model.components.iter().map(|c| UnitModel::new(c, options.units)).collect();
        let placements: Vec<Vec<(usize, usize)>> = model.components.iter().map(|c| c.replicas_by_domain()).collect();
        let flows = model.flows.len();
        let n = model.components.len();
        let mut prob = vec![Prob { up: 0.0, down: 0.0 }; flows];
        let mut birnbaum = vec![vec![0.0; n]; if options.importance { flows } else { 0 }];
        let mut improvement = vec![vec![0.0; n]; if options.importance { flows } else { 0 }];
        let mut frequency = vec![Some(0.0); flows];
        let mut memo: HashMap<(ComponentId, usize), UnitState> = HashMap::new();
        let nvars = self.var_component.len();
        let mut var_prob = vec![Prob::UP; nvars];
        let mut var_state = vec![UnitState { prob: Prob::UP, frequency: Some(0.0) }; nvars];
        let mut own_domains_up = vec![true; nvars];
        let mut scratch = vec![0.0; nvars];
        for DomainState { prob: weight, up } in &states.states {
            for (v, &c) in self.var_component.iter().enumerate() {
                let effective = if units[c].perfect {
                    // Unlimited perfect replicas over the declared placement: up while
                    // any of its domains is.
                    let placement = &model.components[c].placement;
                    if placement.is_empty() || placement.iter().any(|&d| up[d]) { units[c].replicas } else { 0 }
                } else {
                    effective_replicas(&units[c], &placements[c], up)
                };
                let state = *memo.entry((c, effective)).or_insert_with(|| units[c].state(effective));
                var_prob[v] = state.prob;
                var_state[v] = state;
                own_domains_up[v] = effective == units[c].replicas;
            }
            let eval = self.frozen.evaluate(&var_prob);
            for (f, total) in prob.iter_mut().enumerate() {
                let p = self.frozen.root_prob(&eval, f);
                total.up += weight * p.up;
                total.down += weight * p.down;
                if !options.importance {
                    continue;
                }
                scratch.iter_mut().for_each(|x| *x = 0.0);
                self.frozen.add_birnbaum(&eval, &var_prob, f, 1.0, &mut scratch);
                for (v, &b) in scratch.iter().enumerate() {
                    if b == 0.0 {
                        continue;
                    }
                    let c = self.var_component[v];
                    birnbaum[f][c] += weight * b;
                    if own_domains_up[v] {
                        improvement[f][c] += weight * b * var_state[v].prob.down;
                    }
                    frequency[f] = match (frequency[f], var_state[v].frequency) {
                        (Some(total), Some(nu)) => Some(total + weight * b * nu),
                        _ => None,
                    };
                }
            }
        }
        let flows = (0..flows)
            .map(|f| FlowAvailability {
                prob: prob[f],
                birnbaum: birnbaum.get(f).cloned().unwrap_or_default(),
                improvement: improvement.get(f).cloned().unwrap_or_default(),
                unit_frequency: if options.importance { frequency[f] } else { None },
            })
            .collect();
        Evaluation { flows, dropped_mass: states.dropped_mass }
    }
}

/// Replicas of a component whose domains are all up in this state (all replicas
/// when the component is not placed).
fn effective_replicas(unit: &UnitModel, placement: &[(usize, usize)], up: &[bool]) -> usize {
    if placement.is_empty() {
        return unit.replicas;
    }
    placement.iter().filter(|(d, _)| up[*d]).map(|(_, count)| count).sum()
}
