//! Exact steady-state availability of every flow.
//!
//! The model is compiled once into an exact circuit over one variable per component (its
//! replicas, common cause, failover and deploys reduced to one independent unit
//! given the domain states); then it can be evaluated many times under different
//! assumptions (domains ignored, a domain forced down, replicas changed, …).
//! P(flow up) = Σ over domain states s of P(s) · P(structure holds | s).

use std::collections::HashMap;

use petgraph::algo::toposort;

use crate::graph;
use crate::model::{CallTarget, ComponentId, Model};

use super::circuit::Circuit;
use super::domains::{self, DomainAssumptions, DomainState};
use super::gates::{GateId, Gates, TRUE, Var};
use super::prob::Prob;
use super::redundancy::{Assumptions, UnitModel, UnitState};

/// The structure of the model: which components each flow needs.
pub struct Compiled {
    pub flows: Vec<FlowStructure>,
    /// Every component some flow depends on, in a fixed order.
    pub relevant: Vec<ComponentId>,
}

/// One flow's structure function f = (⋀ mandatory) ∧ f', with f' compiled into an
/// exact circuit over the components reached only through alternatives.
#[derive(Clone, Debug)]
pub struct FlowStructure {
    /// Components every success of the flow needs.
    pub mandatory: Vec<ComponentId>,
    /// The circuit's variables: variable i is component `vars[i]`.
    pub vars: Vec<ComponentId>,
    pub circuit: Circuit,
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
///
/// Modular step first: a component every success of the flow needs (structurally
/// mandatory) is pulled out as a factor, so the circuit only represents the choices
/// between alternatives; the circuit compiler then decomposes what is left into
/// independent parts and conditions on shared components (see [`Circuit`]).
/// Compilation recurses deeply on large models, so it runs on a thread with a
/// large stack.
pub fn compile(model: &Model) -> Compiled {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(COMPILE_STACK_BYTES)
            .spawn_scoped(scope, || compile_on_this_thread(model))
            .map(|handle| handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .unwrap_or_else(|_| compile_on_this_thread(model))
    })
}

const COMPILE_STACK_BYTES: usize = 512 * 1024 * 1024;

fn compile_on_this_thread(model: &Model) -> Compiled {
    let call_graph = graph::call_graph(model);
    // Callees before callers (the builder rejected cycles).
    let bottom_up: Vec<ComponentId> =
        toposort(&call_graph, None).unwrap_or_default().into_iter().rev().map(|n| call_graph[n]).collect();
    let mandatory = mandatory_sets(model, &bottom_up);
    let mut relevant = vec![false; model.components.len()];
    let flows = model
        .flows
        .iter()
        .map(|flow| {
            let structure = compile_flow(model, &bottom_up, &mandatory[flow.entry.value], flow.entry.value);
            for &c in structure.mandatory.iter().chain(&structure.vars) {
                relevant[c] = true;
            }
            structure
        })
        .collect();
    Compiled { flows, relevant: (0..model.components.len()).filter(|&c| relevant[c]).collect() }
}

fn compile_flow(model: &Model, bottom_up: &[ComponentId], needed: &ComponentSet, entry: ComponentId) -> FlowStructure {
    let n = model.components.len();
    let reachable = graph::reachable(model, entry);
    let mut in_flow = vec![false; n];
    for &c in &reachable {
        in_flow[c] = true;
    }
    // Variables: the components not every success needs, in depth-first order.
    let vars: Vec<ComponentId> = reachable.iter().copied().filter(|&c| !needed.contains(c)).collect();
    let mut var_of = vec![Var::MAX; n];
    for (i, &c) in vars.iter().enumerate() {
        var_of[c] = i as Var;
    }
    let mut gates = Gates::new(vars.len());
    let mut up: Vec<GateId> = vec![TRUE; n];
    for &c in bottom_up.iter().filter(|&&c| in_flow[c]) {
        let mut parts = Vec::new();
        if !needed.contains(c) {
            parts.push(gates.var(var_of[c]));
        }
        for call in model.components[c].calls.iter().filter(|call| !call.soft) {
            let part = match &call.target {
                CallTarget::Single { to, fallback } => {
                    let alternatives: Vec<GateId> = std::iter::once(to).chain(fallback).map(|t| up[t.value]).collect();
                    gates.or(alternatives)
                }
                CallTarget::Parallel { to, quorum } => {
                    let members: Vec<GateId> = to.iter().map(|t| up[t.value]).collect();
                    match quorum {
                        Some(k) => gates.at_least(k.value as usize, members),
                        None => gates.and(members),
                    }
                }
            };
            parts.push(part);
        }
        up[c] = gates.and(parts);
    }
    let circuit = Circuit::compile(&mut gates, up[entry], vars.len());
    FlowStructure { mandatory: needed.members().filter(|&c| in_flow[c]).collect(), vars, circuit }
}

/// A set of components as a bitset.
#[derive(Clone, Debug)]
struct ComponentSet(Vec<u64>);

impl ComponentSet {
    fn empty(n: usize) -> Self {
        ComponentSet(vec![0; n.div_ceil(64)])
    }
    fn insert(&mut self, c: ComponentId) {
        self.0[c / 64] |= 1 << (c % 64);
    }
    fn contains(&self, c: ComponentId) -> bool {
        self.0[c / 64] & (1 << (c % 64)) != 0
    }
    fn union_with(&mut self, other: &ComponentSet) {
        self.0.iter_mut().zip(&other.0).for_each(|(a, b)| *a |= b);
    }
    fn intersect_with(&mut self, other: &ComponentSet) {
        self.0.iter_mut().zip(&other.0).for_each(|(a, b)| *a &= b);
    }
    fn members(&self) -> impl Iterator<Item = ComponentId> + '_ {
        self.0
            .iter()
            .enumerate()
            .flat_map(|(w, &bits)| (0..64).filter(move |b| bits & (1 << b) != 0).map(move |b| w * 64 + b))
    }
}

/// For each component, the components that every successful request through it
/// needs: itself, and what every alternative of each hard call needs (for a quorum
/// k of n, what at least n − k + 1 members need).
fn mandatory_sets(model: &Model, bottom_up: &[ComponentId]) -> Vec<ComponentSet> {
    let n = model.components.len();
    let mut sets = vec![ComponentSet::empty(n); n];
    for &c in bottom_up {
        let mut needed = ComponentSet::empty(n);
        needed.insert(c);
        for call in model.components[c].calls.iter().filter(|call| !call.soft) {
            match &call.target {
                CallTarget::Single { to, fallback } => {
                    let mut common = sets[to.value].clone();
                    for alternative in fallback {
                        common.intersect_with(&sets[alternative.value]);
                    }
                    needed.union_with(&common);
                }
                CallTarget::Parallel { to, quorum } => {
                    let spare = to.len() - quorum.as_ref().map_or(to.len(), |k| k.value as usize);
                    if spare == 0 {
                        for member in to {
                            needed.union_with(&sets[member.value]);
                        }
                    } else {
                        // Needed by more than `spare` members: losing it loses too many.
                        let mut counts = vec![0usize; n];
                        for member in to {
                            for m in sets[member.value].members() {
                                counts[m] += 1;
                            }
                        }
                        for (m, &count) in counts.iter().enumerate() {
                            if count > spare {
                                needed.insert(m);
                            }
                        }
                    }
                }
            }
        }
        sets[c] = needed;
    }
    sets
}

impl Compiled {
    /// Whether flow `flow` succeeds when each component is up or down as `value` says.
    pub fn holds(&self, flow: usize, value: &dyn Fn(ComponentId) -> bool) -> bool {
        let s = &self.flows[flow];
        s.mandatory.iter().all(|&c| value(c)) && s.circuit.holds(&|v| value(s.vars[v as usize]))
    }

    /// Components up under `value` whose failure alone fails the flow (empty when
    /// the flow already fails).
    pub fn critical(&self, flow: usize, value: &dyn Fn(ComponentId) -> bool) -> Vec<ComponentId> {
        let s = &self.flows[flow];
        if !s.mandatory.iter().all(|&c| value(c)) {
            return Vec::new();
        }
        let mut critical = s.mandatory.clone();
        critical.extend(s.circuit.critical(&|v| value(s.vars[v as usize])).into_iter().map(|v| s.vars[v as usize]));
        critical
    }

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
        let mut state_of = vec![UnitState { prob: Prob::UP, frequency: Some(0.0) }; n];
        let mut own_domains_up = vec![true; n];
        let mut local_prob: Vec<Prob> = Vec::new();
        let mut scratch: Vec<f64> = Vec::new();
        for DomainState { prob: weight, up } in &states.states {
            for &c in &self.relevant {
                let effective = if units[c].perfect {
                    // Unlimited perfect replicas over the declared placement: up while
                    // any of its domains is.
                    let placement = &model.components[c].placement;
                    if placement.is_empty() || placement.iter().any(|&d| up[d]) { units[c].replicas } else { 0 }
                } else {
                    effective_replicas(&units[c], &placements[c], up)
                };
                state_of[c] = *memo.entry((c, effective)).or_insert_with(|| units[c].state(effective));
                own_domains_up[c] = effective == units[c].replicas;
            }
            for (f, total) in prob.iter_mut().enumerate() {
                let s = &self.flows[f];
                local_prob.clear();
                local_prob.extend(s.vars.iter().map(|&c| state_of[c].prob));
                let values = s.circuit.evaluate(&local_prob);
                let rest = s.circuit.root_prob(&values);
                let needed = s.mandatory.iter().fold(Prob::UP, |acc, &c| acc.and(state_of[c].prob));
                let p = needed.and(rest);
                total.up += weight * p.up;
                total.down += weight * p.down;
                if !options.importance {
                    continue;
                }
                scratch.clear();
                scratch.resize(s.vars.len(), 0.0);
                s.circuit.add_birnbaum(&values, &local_prob, needed.up, &mut scratch);
                let free = s.vars.iter().zip(scratch.iter().copied());
                // A mandatory component: the flow is up iff it and everything else is.
                let ups: Vec<f64> = s.mandatory.iter().map(|&c| state_of[c].prob.up).collect();
                let mut after: Vec<f64> = vec![1.0; ups.len() + 1];
                for i in (0..ups.len()).rev() {
                    after[i] = after[i + 1] * ups[i];
                }
                let mut before = 1.0;
                let mut forced = Vec::with_capacity(ups.len());
                for (i, &c) in s.mandatory.iter().enumerate() {
                    forced.push((&s.mandatory[i], rest.up * before * after[i + 1]));
                    let _ = c;
                    before *= ups[i];
                }
                for (&c, b) in free.chain(forced) {
                    if b == 0.0 {
                        continue;
                    }
                    birnbaum[f][c] += weight * b;
                    if own_domains_up[c] {
                        improvement[f][c] += weight * b * state_of[c].prob.down;
                    }
                    frequency[f] = match (frequency[f], state_of[c].frequency) {
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
