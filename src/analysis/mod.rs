//! The numbers: availability (exact, over unique basic events: see `circuit`),
//! importance, cut sets and the what-if evaluations the checks need; load,
//! queueing and latency (`load`, on `distribution`, `grid` and `queueing`).

pub mod availability;
pub mod circuit;
pub mod cutsets;
pub mod distribution;
pub mod domains;
pub mod gates;
pub mod grid;
pub mod load;
pub mod prob;
pub mod queueing;
pub mod redundancy;

use crate::model::{Model, quantity::YEAR};

use availability::{Compiled, EvalOptions};
use cutsets::CutSet;
use domains::DomainAssumptions;
use load::{LoadModel, LoadOptions, LoadReport};
use redundancy::{Assumptions, UnitModel};

pub use prob::Prob;

#[derive(Clone, Debug)]
pub struct FlowReport {
    /// P(a request succeeds): the structure function holds AND the request survives
    /// transient errors and timeouts after retries (DESIGN §3.1).
    pub availability: f64,
    pub unavailability: f64,
    /// The share of requests lost to transient errors and timeouts with everything
    /// up (0 when the model declares none).
    pub transient_unavailability: f64,
    pub downtime_per_window_s: f64,
    pub downtime_per_year_s: f64,
    /// Downtime the objective allows per window (the error budget), if it has one.
    pub budget_per_window_s: Option<f64>,
    /// −log10(unavailability); infinite when the flow cannot fail.
    pub nines: f64,
    /// Outages per year (failures of components and domains) and their mean duration;
    /// None when some event that matters has no repair time (`mttr`). Transient losses
    /// are in the downtime but are no outages.
    pub outages_per_year: Option<f64>,
    pub mean_outage_s: Option<f64>,
    /// Components and domains that matter to the flow but have no `mttr`, which
    /// leaves the outage frequency unknown.
    pub missing_mttr: Vec<String>,
    /// Unavailability that bad deploys add (U − U without change risk).
    pub change_unavailability: f64,
    /// Unavailability an independence assumption would claim (no domains, no common cause).
    pub independent_unavailability: f64,
    /// Nines claimed by independence minus nines actually had (≥ 0 when correlation hurts).
    pub correlation_delta_nines: f64,
    /// Best reachable: every self-operated component's replicas made perfect.
    pub ceiling_unavailability: f64,
    pub birnbaum: Vec<f64>,
    pub improvement: Vec<f64>,
    pub spofs: Vec<CutSet>,
    pub order_two: Vec<CutSet>,
}

#[derive(Clone, Debug)]
pub struct ComponentReport {
    /// Availability of the component's own unit (its replicas, common cause,
    /// failover, deploys) with every domain up.
    pub availability: f64,
    pub unavailability: f64,
    /// Birnbaum importance weighted by flow traffic shares.
    pub importance: f64,
}

#[derive(Clone, Debug)]
pub struct Report {
    pub flows: Vec<FlowReport>,
    pub components: Vec<ComponentReport>,
    /// Load, capacity and latency; None when the model states no traffic, latency or
    /// latency objective.
    pub load: Option<LoadReport>,
    /// Upper bound on the absolute error from pruned domain states (0 = exact).
    pub dropped_mass: f64,
}

/// Structural unavailability of one flow under `options` (used by fix searches);
/// combine it with the flow's transient losses through [`with_transient`].
pub fn flow_unavailability(compiled: &Compiled, model: &Model, flow: usize, options: EvalOptions) -> f64 {
    compiled.evaluate(model, options).flows[flow].prob.down
}

/// P(request fails) when the structure fails with probability `structural` and an
/// answering system still loses `transient` of requests; both terms non-negative,
/// so near-1 availabilities keep their digits.
pub fn with_transient(structural: f64, transient: f64) -> f64 {
    Prob { up: 1.0 - structural, down: structural }.and(Prob::from_down(transient)).down
}

/// The availability to report beside `down`: read from `down` where that is the
/// accurate side (1 − down is then the nearest double), so the two printed figures
/// agree and never leave [0, 1] by round-off.
fn availability_of(up: f64, down: f64) -> f64 {
    if down < 0.5 { (1.0 - down.max(0.0)).min(1.0) } else { up.clamp(0.0, 1.0) }
}

pub fn nines(unavailability: f64) -> f64 {
    if unavailability <= 0.0 { f64::INFINITY } else { (-unavailability.log10()).max(0.0) }
}

pub fn analyze(model: &Model, compiled: &Compiled) -> Report {
    let loads = LoadModel::new(model);
    let load = loads.is_relevant().then(|| loads.evaluate(&LoadOptions::default()));
    let transient: Vec<f64> = match &load {
        Some(l) => l.flows.iter().map(|f| (1.0 - f.transient_success).clamp(0.0, 1.0)).collect(),
        None => vec![0.0; model.flows.len()],
    };
    let main = compiled.evaluate(model, EvalOptions { importance: true, ..Default::default() });
    let independent = compiled.evaluate(
        model,
        EvalOptions {
            units: Assumptions { ignore_common_cause: true, ..Default::default() },
            domains: DomainAssumptions { ignore: true, force: None },
            importance: false,
        },
    );
    let no_changes = compiled.evaluate(
        model,
        EvalOptions { units: Assumptions { ignore_changes: true, ..Default::default() }, ..Default::default() },
    );
    let ceiling = compiled.evaluate(
        model,
        EvalOptions { units: Assumptions { perfect_self_operated: true, ..Default::default() }, ..Default::default() },
    );

    // Domain events' share of the outage frequency: I_B(D) · ν_D.
    let used = domains::used_domains(model);
    let mut domain_frequency = vec![Some(0.0); model.flows.len()];
    let mut missing_mttr: Vec<Vec<String>> = vec![Vec::new(); model.flows.len()];
    for d in (0..model.domains.len()).filter(|&d| used[d]) {
        let outage = &model.domains[d].outage;
        if outage.unavailability == 0.0 {
            continue;
        }
        let forced = |up| {
            compiled.evaluate(
                model,
                EvalOptions {
                    domains: DomainAssumptions { ignore: false, force: Some((d, up)) },
                    ..Default::default()
                },
            )
        };
        let (when_up, when_down) = (forced(true), forced(false));
        for (f, total) in domain_frequency.iter_mut().enumerate() {
            let birnbaum = when_down.flows[f].prob.down - when_up.flows[f].prob.down;
            if birnbaum <= 0.0 {
                continue;
            }
            *total = match (*total, outage.mttr_s) {
                (Some(t), Some(mttr)) if mttr > 0.0 => Some(t + birnbaum * outage.unavailability / mttr),
                _ => None,
            };
            if outage.mttr_s.is_none() {
                missing_mttr[f].push(model.domains[d].name.clone());
            }
        }
    }

    let weights = model.flow_weights();
    let flows: Vec<FlowReport> = main
        .flows
        .iter()
        .enumerate()
        .map(|(f, flow)| {
            let t = transient[f];
            let combined = flow.prob.and(Prob::from_down(t));
            let u = combined.down;
            let frequency = match (flow.unit_frequency, domain_frequency[f]) {
                (Some(a), Some(b)) => Some(a + b),
                _ => None,
            };
            let independent_u = with_transient(independent.flows[f].prob.down, t);
            let mut missing = missing_mttr[f].clone();
            missing.extend(
                model
                    .components
                    .iter()
                    .enumerate()
                    .filter(|(c, comp)| {
                        flow.birnbaum[*c] > 0.0
                            && comp.reliability.unavailability > 0.0
                            && comp.reliability.mttr_s.is_none()
                    })
                    .map(|(_, comp)| comp.name.clone()),
            );
            let cuts = cutsets::flow_cuts(model, compiled, f);
            FlowReport {
                availability: availability_of(combined.up, u),
                unavailability: u.clamp(0.0, 1.0),
                transient_unavailability: t,
                downtime_per_window_s: u * model.system.window_s,
                downtime_per_year_s: u * YEAR,
                budget_per_window_s: model.flows[f]
                    .objective
                    .availability
                    .as_ref()
                    .map(|o| o.value.complement * model.system.window_s),
                nines: nines(u),
                outages_per_year: frequency.map(|nu| nu * YEAR),
                // Transient losses are a share of requests failing all the time, not
                // outages: an outage lasts as long as the structural downtime allows.
                mean_outage_s: frequency.filter(|&nu| nu > 0.0).map(|nu| flow.prob.down / nu),
                missing_mttr: missing,
                change_unavailability: if model.components.iter().any(|c| c.changes.is_some()) {
                    (u - with_transient(no_changes.flows[f].prob.down, t)).max(0.0)
                } else {
                    0.0
                },
                independent_unavailability: independent_u,
                correlation_delta_nines: finite_delta(nines(independent_u), nines(u)),
                ceiling_unavailability: with_transient(ceiling.flows[f].prob.down, t),
                birnbaum: flow.birnbaum.clone(),
                improvement: flow.improvement.clone(),
                spofs: cuts.spofs,
                order_two: cuts.order_two,
            }
        })
        .collect();
    let components = model
        .components
        .iter()
        .enumerate()
        .map(|(c, component)| {
            let unit = UnitModel::new(component, Assumptions::default());
            let state = unit.state(unit.replicas);
            let importance = flows.iter().zip(&weights).map(|(f, w)| w * f.birnbaum[c]).sum();
            ComponentReport {
                availability: availability_of(state.prob.up, state.prob.down),
                unavailability: state.prob.down.clamp(0.0, 1.0),
                importance,
            }
        })
        .collect();
    Report { flows, components, load, dropped_mass: main.dropped_mass }
}

fn finite_delta(a: f64, b: f64) -> f64 {
    match (a.is_finite(), b.is_finite()) {
        (true, true) => a - b,
        (false, false) => 0.0,
        (false, true) => f64::INFINITY,
        (true, false) => f64::NEG_INFINITY,
    }
}
