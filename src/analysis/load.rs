//! Load, capacity and latency of every component and flow, with everything up
//! (DESIGN §3.2): arrival rates through the call graph (visits × retry
//! amplification), utilization and queueing per component, and each flow's
//! end-to-end latency distribution composed on a grid (never by adding
//! percentiles).
//!
//! Arrival rates depend on retries, retries on timeouts, timeouts on latency and
//! latency on load, so the two are solved together by fixed-point iteration; without
//! timeouts the first pass is already exact.

use std::borrow::Cow;
use std::collections::HashMap;

use petgraph::algo::toposort;

use crate::graph;
use crate::model::{Call, CallTarget, ComponentId, LatencySpec, Model};

use super::distribution::ServiceTime;
use super::grid::{self, DEFAULT_BINS, Grid};
use super::queueing::{self, MMc, WaitLaw};

/// The two load levels every latency is reported at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Mean,
    Peak,
}

/// Most fixed-point passes between load and timeouts.
const MAX_PASSES: usize = 12;
/// Relative change in every arrival rate, times the component's distance from
/// saturation |1 − ρ|, below which the fixed point has converged: waits then move by
/// about this much relatively, far below any printed digit.
const CONVERGED: f64 = 1e-6;
/// A change in an arrival rate below this share of all traffic (a fallback reached by
/// one request in 10¹²) moves nothing: the fixed point may ignore it.
const NEGLIGIBLE_RATE: f64 = 1e-12;
/// Below this share of successful requests a flow's latency is reported as unbounded:
/// the percentiles of the few requests that get through describe nothing useful.
const NO_ANSWER: f64 = 1e-6;
/// A per-try failure probability this small moves no arrival rate by more than
/// [`CONVERGED`]: a pass that sees none above it is already the fixed point.
const NEGLIGIBLE_FAILURE: f64 = 1e-12;

/// Worst-case retry amplification (every attempt failing, tries multiplied along the
/// deepest path) above which `capacity/retry-amplification` is reported.
pub const RETRY_AMPLIFICATION_LIMIT: f64 = 10.0;

/// The declared service time of every component as a distribution.
pub fn service_time(spec: &LatencySpec) -> Result<ServiceTime, String> {
    match spec {
        LatencySpec::LognormalPercentiles { p50, p99 } => ServiceTime::lognormal_from_p50_p99(*p50, *p99),
        LatencySpec::LognormalMoments { mean, cv } => ServiceTime::lognormal_from_mean_cv(*mean, *cv),
        LatencySpec::Exponential { mean } => ServiceTime::exponential(*mean),
        LatencySpec::Constant { value } => ServiceTime::constant(*value),
        LatencySpec::Gamma { shape, mean } => ServiceTime::gamma(*shape, *mean),
        LatencySpec::Erlang { k, mean } => ServiceTime::erlang(*k, *mean),
        LatencySpec::Weibull { shape, scale } => ServiceTime::weibull(*shape, *scale),
        LatencySpec::Percentiles { points } => ServiceTime::table(points.clone()),
    }
}

/// Percentiles of a latency distribution; `None` when unbounded (a saturated queue).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Percentiles {
    pub mean: Option<f64>,
    pub p50: Option<f64>,
    pub p90: Option<f64>,
    pub p95: Option<f64>,
    pub p99: Option<f64>,
    pub p999: Option<f64>,
    pub p9999: Option<f64>,
}

impl Percentiles {
    fn of(grid: &Grid) -> Percentiles {
        let [p50, p90, p95, p99, p999, p9999] =
            grid.quantiles(&[0.5, 0.9, 0.95, 0.99, 0.999, 0.9999]).map(|t| Some(t).filter(|t| t.is_finite()));
        Percentiles {
            mean: bounded(grid).then(|| grid.mean()).filter(|m| m.is_finite()),
            p50,
            p90,
            p95,
            p99,
            p999,
            p9999,
        }
    }

    /// Percentiles of successful requests; unbounded when (almost) none succeed, as
    /// when every try times out against a saturated dependency.
    fn answered(grid: &Grid, success: f64) -> Percentiles {
        if success < NO_ANSWER {
            return Percentiles::of(&unbounded());
        }
        Percentiles::of(grid)
    }

    /// The percentile for a probability that objectives can name.
    pub fn at(&self, quantile: f64) -> Option<f64> {
        const EPS: f64 = 1e-12;
        [(0.5, self.p50), (0.9, self.p90), (0.95, self.p95), (0.99, self.p99), (0.999, self.p999), (0.9999, self.p9999)]
            .into_iter()
            .find(|(q, _)| (q - quantile).abs() < EPS)
            .and_then(|(_, v)| v)
    }
}

/// How a component's queue was solved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueueModel {
    /// No capacity declared: requests never wait.
    None,
    /// M/M/c with exponential service: exact.
    Exact,
    /// G/G/c by Allen–Cunneen (non-exponential service, or `max_rate`): approximate.
    Approximate,
}

/// Load and queueing of one component at one load level.
#[derive(Clone, Debug, PartialEq)]
pub struct ComponentLevel {
    /// Requests per second arriving (all flows, retries and hedges included).
    pub arrival_rate: f64,
    /// λ·E[S]/c; None when the component declares no capacity.
    pub utilization: Option<f64>,
    /// Mean time a request spends in the component including its calls (Little's
    /// law: in-flight = arrival rate × this); None when unbounded.
    pub mean_response_s: Option<f64>,
    /// Requests in flight at the component, all replicas (λ × W).
    pub in_flight: Option<f64>,
    /// Mean wait in the queue before service.
    pub mean_wait_s: Option<f64>,
    /// The component's response time (own time and calls), everything up.
    pub response: Percentiles,
}

impl ComponentLevel {
    pub fn saturated(&self) -> bool {
        self.utilization.is_some_and(|u| u >= 1.0)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ComponentLoad {
    pub mean: ComponentLevel,
    pub peak: ComponentLevel,
    /// Servers (replicas × workers, or replicas for `max_rate`); None without capacity.
    pub servers: Option<u64>,
    /// Mean service time used for utilization (E[S], or 1/max_rate).
    pub mean_service_s: Option<f64>,
    pub queue: QueueModel,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FlowLoad {
    /// Requests per second of this flow at mean and peak.
    pub rate: f64,
    pub peak_rate: f64,
    pub mean: Percentiles,
    pub peak: Percentiles,
    /// P(a request gets an answer) with everything up: transient errors and
    /// timeouts left after retries.
    pub transient_success: f64,
    /// The latency floor set by the network alone (service times zero).
    pub network_floor_s: f64,
    /// Highest rate of this flow before a component on its path saturates, with
    /// the other flows at their mean; None when no component on it has capacity.
    pub max_rate: Option<Bottleneck>,
    /// Worst-case amplification of one request at the deepest layer (all tries fail).
    pub worst_amplification: (f64, ComponentId),
    /// Where the mean latency goes, largest first (at mean load).
    pub budget: Vec<Contribution>,
}

/// The component that limits a flow's throughput.
#[derive(Clone, Debug, PartialEq)]
pub struct Bottleneck {
    /// Highest request rate of the flow (per second).
    pub rate: f64,
    pub component: ComponentId,
    /// Requests reaching the component per request of the flow.
    pub visits: f64,
    /// Requests per second reaching it from the other flows (at their mean).
    pub others: f64,
}

impl FlowLoad {
    pub fn at(&self, level: Level) -> &Percentiles {
        match level {
            Level::Mean => &self.mean,
            Level::Peak => &self.peak,
        }
    }
}

impl ComponentLoad {
    pub fn at(&self, level: Level) -> &ComponentLevel {
        match level {
            Level::Mean => &self.mean,
            Level::Peak => &self.peak,
        }
    }
}

/// One part of a flow's latency budget: a component's own time (queueing and
/// service) weighted by how often it is on the critical path, plus the tail its
/// callers wait for beyond its mean (fan-out maxima, retries); or the network.
/// The parts add up to the flow's mean latency.
#[derive(Clone, Debug, PartialEq)]
pub struct Contribution {
    /// None for the network round trips.
    pub component: Option<ComponentId>,
    /// Seconds of the flow's mean latency spent here.
    pub mean_s: f64,
    /// Of which waiting in the queue.
    pub wait_s: f64,
    /// Of which the time calls into it cost beyond its mean: waiting for the slowest
    /// shard of a fan-out or member of a group, failed tries and backoffs.
    pub tail_s: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LoadReport {
    pub components: Vec<ComponentLoad>,
    pub flows: Vec<FlowLoad>,
    /// Calls whose timeout fires for some tries (everything up).
    pub timeouts: Vec<TimeoutShare>,
    /// Components some flow reaches that declare no latency (their own time is 0).
    pub without_latency: Vec<ComponentId>,
    /// Whether the load/timeout fixed point converged within [`MAX_PASSES`].
    pub converged: bool,
    /// Whether the model states traffic (without it utilizations are unknown and
    /// latency is that of an idle system).
    pub has_traffic: bool,
}

/// How often one target's tries run past a call's timeout.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeoutShare {
    pub caller: ComponentId,
    /// Index of the call in the caller's `calls`.
    pub call: usize,
    pub target: ComponentId,
    /// P(a try times out) at mean and at peak load.
    pub mean: f64,
    pub peak: f64,
}

/// What one evaluation may change (fix searches try more replicas or workers).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoadOptions {
    /// Replicas per component to use instead of the declared ones.
    pub replicas: HashMap<ComponentId, u32>,
    /// Make every call of this component run in parallel (a what-if for the help line).
    pub parallel_calls: Option<ComponentId>,
    /// Compute only this level (the other is a copy of it): fix searches need one.
    pub only: Option<Level>,
    /// Hedge call `.1` of component `.0` after `.2` seconds (a what-if for the help line).
    pub hedge: Option<(ComponentId, usize, f64)>,
}

/// The model prepared once for load and latency evaluation.
pub struct LoadModel<'m> {
    model: &'m Model,
    service: Vec<Option<ServiceTime>>,
    /// One grid per distinct service time, and which one each component has.
    service_grids: Vec<Grid>,
    service_grid_of: Vec<Option<usize>>,
    /// Distinct targets of each component's calls, and how many components call each.
    callees: Vec<Vec<ComponentId>>,
    callers: Vec<usize>,
    /// Responses read after a pass (flow entries, members of parallel groups for the
    /// budget); the others are freed once their callers are composed.
    response_kept: Vec<bool>,
    /// Callers before callees.
    top_down: Vec<ComponentId>,
    /// Flows' rates at mean and peak.
    rates: Vec<(f64, f64)>,
}

/// Per-call state of one fixed-point pass: P(one attempt fails) and the share of
/// attempts that trigger a hedge.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Attempt {
    fail: f64,
    hedged: f64,
    /// P(one try runs past the call's timeout).
    late: f64,
}

/// Key of one call target inside the model: (caller, call index, target index).
type CallKey = (ComponentId, usize, usize);

impl<'m> LoadModel<'m> {
    pub fn new(model: &'m Model) -> LoadModel<'m> {
        let service: Vec<Option<ServiceTime>> =
            model.components.iter().map(|c| c.latency.as_ref().and_then(|l| service_time(&l.value).ok())).collect();
        let (service_grids, service_grid_of) = distinct_grids(&service);
        let call_graph = graph::call_graph(model);
        let top_down = toposort(&call_graph, None).unwrap_or_default().into_iter().map(|n| call_graph[n]).collect();
        let weights = model.flow_weights();
        let rates = match &model.traffic {
            Some(t) => weights.iter().map(|w| (t.rate.value * w, t.peak.value * w)).collect(),
            None => vec![(0.0, 0.0); model.flows.len()],
        };
        let callees: Vec<Vec<ComponentId>> = model
            .components
            .iter()
            .map(|c| {
                let mut targets: Vec<ComponentId> =
                    c.calls.iter().flat_map(|call| call.targets()).map(|t| t.value).collect();
                targets.sort_unstable();
                targets.dedup();
                targets
            })
            .collect();
        let mut callers = vec![0; model.components.len()];
        callees.iter().flatten().for_each(|&t| callers[t] += 1);
        let mut response_kept = vec![false; model.components.len()];
        model.flows.iter().for_each(|f| response_kept[f.entry.value] = true);
        for call in model.components.iter().flat_map(|c| &c.calls) {
            if let CallTarget::Parallel { to, .. } = &call.target {
                to.iter().for_each(|t| response_kept[t.value] = true);
            }
        }
        LoadModel { model, service, service_grids, service_grid_of, callees, callers, response_kept, top_down, rates }
    }

    /// Whether the model says anything about load or latency.
    pub fn is_relevant(&self) -> bool {
        self.model.traffic.is_some()
            || self.model.components.iter().any(|c| c.latency.is_some())
            || self.model.flows.iter().any(|f| !f.objective.latency.is_empty() || f.objective.throughput.is_some())
    }

    pub fn evaluate(&self, options: &LoadOptions) -> LoadReport {
        let model = self.model;
        let n = model.components.len();
        let (mean, peak) = match options.only {
            Some(level) => {
                let solved = self.solve(level, options);
                (solved.clone(), solved)
            }
            // The two levels are independent: solve them on two threads.
            None => std::thread::scope(|scope| {
                let peak = scope.spawn(|| self.solve(Level::Peak, options));
                let mean = self.solve(Level::Mean, options);
                let peak = peak.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                (mean, peak)
            }),
        };
        let components = (0..n)
            .map(|c| {
                let (servers, mean_service, queue) = self.capacity(c, options);
                ComponentLoad {
                    mean: mean.levels[c].clone(),
                    peak: peak.levels[c].clone(),
                    servers,
                    mean_service_s: mean_service,
                    queue,
                }
            })
            .collect::<Vec<_>>();
        let flows = model
            .flows
            .iter()
            .enumerate()
            .map(|(f, flow)| {
                let entry = flow.entry.value;
                FlowLoad {
                    rate: self.rates[f].0,
                    peak_rate: self.rates[f].1,
                    mean: Percentiles::answered(&mean.response[entry], mean.success[entry]),
                    peak: Percentiles::answered(&peak.response[entry], peak.success[entry]),
                    transient_success: mean.success[entry],
                    network_floor_s: self.network_floor(entry, &mut HashMap::new()),
                    max_rate: self.max_rate(f, &mean, &components),
                    worst_amplification: self.worst_amplification(entry),
                    // A flow without a bounded mean has no budget to split.
                    budget: if Percentiles::answered(&mean.response[entry], mean.success[entry]).mean.is_some() {
                        self.budget(entry, &mean)
                    } else {
                        Vec::new()
                    },
                }
            })
            .collect();
        let mut reached = vec![false; n];
        for flow in &model.flows {
            for c in graph::reachable(model, flow.entry.value) {
                reached[c] = true;
            }
        }
        let without_latency = (0..n).filter(|&c| reached[c] && model.components[c].latency.is_none()).collect();
        LoadReport {
            components,
            flows,
            without_latency,
            timeouts: self.timeouts(&mean, &peak),
            converged: mean.converged && peak.converged,
            has_traffic: model.traffic.is_some(),
        }
    }

    /// Every call target whose tries time out at some level, in model order.
    fn timeouts(&self, mean: &Solved, peak: &Solved) -> Vec<TimeoutShare> {
        let late = |solved: &Solved, key| solved.attempts.get(&key).map_or(0.0, |a: &Attempt| a.late);
        let mut out = Vec::new();
        for (caller, component) in self.model.components.iter().enumerate() {
            for (call, c) in component.calls.iter().enumerate().filter(|(_, c)| c.timeout.is_some()) {
                for (t, target) in c.targets().into_iter().enumerate() {
                    let key = (caller, call, t);
                    let (m, p) = (late(mean, key), late(peak, key));
                    if m > 0.0 || p > 0.0 {
                        out.push(TimeoutShare { caller, call, target: target.value, mean: m, peak: p });
                    }
                }
            }
        }
        out
    }

    /// Mean own time (queue wait + service) of `c` in an evaluated report.
    pub fn own_mean(&self, c: ComponentId, report: &LoadReport, level: Level) -> f64 {
        let wait = report.components[c].at(level).mean_wait_s.unwrap_or(0.0);
        wait + self.service[c].as_ref().map_or(0.0, ServiceTime::mean)
    }

    /// Replicas serving requests: all of them, but one for an active-passive
    /// (`standby`) component, whose other replicas only wait to take over.
    fn replicas(&self, c: ComponentId, options: &LoadOptions) -> u32 {
        if self.model.components[c].standby.is_some() {
            return 1;
        }
        options.replicas.get(&c).copied().unwrap_or(self.model.components[c].replicas.value)
    }

    /// (servers, mean service time, queue model) of component `c`.
    fn capacity(&self, c: ComponentId, options: &LoadOptions) -> (Option<u64>, Option<f64>, QueueModel) {
        let component = &self.model.components[c];
        let replicas = u64::from(self.replicas(c, options));
        match (&component.workers, &component.max_rate, &self.service[c]) {
            (Some(w), _, Some(s)) => {
                let model = if s.is_exponential() { QueueModel::Exact } else { QueueModel::Approximate };
                (Some(replicas * u64::from(w.value)), Some(s.mean()), model)
            }
            (None, Some(rate), _) => (Some(replicas), Some(1.0 / rate.value), QueueModel::Approximate),
            _ => (None, self.service[c].as_ref().map(ServiceTime::mean), QueueModel::None),
        }
    }

    /// The waiting-time law of `c` at `lambda`; Err(utilization) when saturated.
    fn wait_law(&self, c: ComponentId, lambda: f64, options: &LoadOptions) -> Result<Option<WaitLaw>, f64> {
        let (servers, mean_service, queue) = self.capacity(c, options);
        let (Some(servers), Some(mean_service)) = (servers, mean_service) else { return Ok(None) };
        if lambda <= 0.0 {
            return Ok(None);
        }
        let utilization = lambda * mean_service / servers as f64;
        if utilization >= 1.0 {
            return Err(utilization);
        }
        match queue {
            QueueModel::Exact => match MMc::new(lambda, 1.0 / mean_service, servers) {
                Ok(q) => Ok(Some(queueing::mmc_wait_law(&q))),
                Err(u) => Err(u.utilization),
            },
            _ => {
                // `max_rate` without a distribution: exponential service at that rate.
                let cs2 = self.service[c]
                    .as_ref()
                    .filter(|_| self.model.components[c].workers.is_some())
                    .map_or(1.0, ServiceTime::cv2);
                queueing::gg_wait_law(lambda, mean_service, servers, 1.0, cs2).map(Some).ok_or(utilization)
            }
        }
    }

    /// Arrival rates, latencies and success ratios at one level, iterated to the
    /// fixed point between load and timeouts.
    fn solve(&self, level: Level, options: &LoadOptions) -> Solved {
        // First the fixed point of a world where nothing takes time but saturated
        // queues (which never answer): error ratios, retries and saturation, on
        // one-point grids, nearly free. Without timeouts and hedges its tries are exact,
        // so one timed pass is the answer; with them it is usually close enough that the
        // rates after one timed pass confirm it.
        let (seed, _) = self.fixed_point(level, options, Timing::Zero, HashMap::new());
        let (solved, converged) = self.fixed_point(level, options, Timing::Timed, seed.attempts);
        Solved { converged, ..solved }
    }

    /// Passes from the given tries until the arrival rates stop moving (or
    /// [`MAX_PASSES`]); the last pass and whether it converged.
    fn fixed_point(
        &self,
        level: Level,
        options: &LoadOptions,
        timing: Timing,
        mut attempts: HashMap<CallKey, Attempt>,
    ) -> (Solved, bool) {
        let load_independent = timing == Timing::Timed && !self.has_timeouts_or_hedges(options);
        let mut previous: Option<(Vec<f64>, Solved)> = None;
        let total: f64 = self.rates.iter().map(|r| if level == Level::Mean { r.0 } else { r.1 }).sum();
        for _ in 0..MAX_PASSES {
            let arrival = self.arrival_rates(level, &attempts);
            // A pass is a function of the arrival rates: when they have stopped
            // moving, the last pass is the fixed point and need not be redone.
            if let Some((_, solved)) = previous.take_if(|(p, solved)| {
                p.iter().zip(&arrival).zip(&solved.levels).all(|((a, b), level)| {
                    // A queue's wait moves by about Δλ/λ ÷ (1 − ρ): the nearer saturation,
                    // the closer its rate must have settled. Past it the queue is unbounded
                    // whatever the rate, unless the rate could bring it back under.
                    let slack = level.utilization.map_or(1.0, |u| (1.0 - u).abs().clamp(1e-6, 1.0));
                    (a - b).abs() <= CONVERGED * slack * a.abs().max(b.abs())
                        || (a - b).abs() <= NEGLIGIBLE_RATE * total
                })
            }) {
                return (solved, true);
            }
            let pass = self.compose(&arrival, options, timing);
            // Hedges add load even when no try fails: their share must be fed back too.
            let no_failures = pass.attempts.values().all(|a| a.fail <= NEGLIGIBLE_FAILURE && a.hedged == 0.0);
            attempts.clone_from(&pass.attempts);
            if no_failures || load_independent {
                return (pass, true);
            }
            previous = Some((arrival, pass));
        }
        match previous {
            Some((_, solved)) => (solved, false),
            None => (self.compose(&vec![0.0; self.model.components.len()], options, timing), false),
        }
    }

    fn has_timeouts_or_hedges(&self, options: &LoadOptions) -> bool {
        options.hedge.is_some()
            || self
                .model
                .components
                .iter()
                .flat_map(|c| &c.calls)
                .any(|call| call.timeout.is_some() || call.hedge.is_some())
    }

    /// Requests per second at every component: each flow's rate times the visits
    /// of one of its requests.
    fn arrival_rates(&self, level: Level, attempts: &HashMap<CallKey, Attempt>) -> Vec<f64> {
        let mut rate = vec![0.0; self.model.components.len()];
        for (f, flow) in self.model.flows.iter().enumerate() {
            let flow_rate = match level {
                Level::Mean => self.rates[f].0,
                Level::Peak => self.rates[f].1,
            };
            for (total, v) in rate.iter_mut().zip(self.visits(flow.entry.value, attempts)) {
                *total += flow_rate * v;
            }
        }
        rate
    }

    /// Requests reaching every component per request entering at `entry`: count ×
    /// probability × shards × expected attempts × hedges, multiplied along every
    /// path; a fallback is visited when the call before it failed every try.
    fn visits(&self, entry: ComponentId, attempts: &HashMap<CallKey, Attempt>) -> Vec<f64> {
        let mut visits = vec![0.0; self.model.components.len()];
        visits[entry] = 1.0;
        for &c in &self.top_down {
            if visits[c] == 0.0 {
                continue;
            }
            for (i, call) in self.model.components[c].calls.iter().enumerate() {
                let tries = call.tries();
                let mut reaching = visits[c] * call.per_request();
                for (t, target) in call.targets().into_iter().enumerate() {
                    let a = attempts.get(&(c, i, t)).copied().unwrap_or_default();
                    visits[target.value] += reaching * queueing::expected_attempts(a.fail, tries) * (1.0 + a.hedged);
                    if matches!(call.target, CallTarget::Single { .. }) {
                        reaching *= a.fail.powi(tries as i32);
                    }
                }
            }
        }
        visits
    }

    /// Composes latencies bottom-up at the given arrival rates.
    fn compose(&self, arrival: &[f64], options: &LoadOptions, timing: Timing) -> Solved {
        let n = self.model.components.len();
        let mut response = vec![Grid::point(0.0); n];
        let mut success = vec![1.0; n];
        let mut attempts = HashMap::new();
        let mut call_mean = HashMap::new();
        let mut callers_left = self.callers.clone();
        let mut levels = Vec::with_capacity(n);
        for &c in self.top_down.iter().rev() {
            let component = &self.model.components[c];
            let lambda = arrival[c];
            // The component's time: its queue wait, its service, then its calls, all
            // summed at once (see `Grid::sum_all`). A call's time is its target's
            // response itself, not a copy, unless a hop, hedge or timeout changes it.
            let mut parts: Vec<Cow<Grid>> = Vec::with_capacity(component.calls.len() + 2);
            let (utilization, mean_wait) = match self.wait_law(c, lambda, options) {
                Err(u) => {
                    parts.push(Cow::Owned(unbounded()));
                    (Some(u), None)
                }
                Ok(_) if timing == Timing::Zero => (None, None),
                Ok(law) => {
                    let (servers, mean_service, _) = self.capacity(c, options);
                    let utilization = match (servers, mean_service) {
                        (Some(s), Some(m)) => Some(lambda * m / s as f64),
                        _ => None,
                    };
                    if let Some(law) = &law {
                        parts.push(Cow::Owned(wait_grid(law)));
                    }
                    (utilization, Some(law.map_or(0.0, |l| l.mean_wait)))
                }
            };
            let mut ok = 1.0 - component.error_rate.as_ref().map_or(0.0, |e| e.value);
            let targets = Targets { response: &response, success: &success };
            let mut calls = Vec::with_capacity(component.calls.len());
            for (i, call) in component.calls.iter().enumerate() {
                let outcome = self.call((c, i), call, targets, &mut attempts, options);
                if !call.soft {
                    ok *= outcome.success;
                }
                call_mean.insert((c, i), outcome.time.mean());
                calls.push(outcome.time);
            }
            if options.parallel_calls == Some(c) && calls.len() > 1 {
                // What-if: every call of `c` issued at once; the request waits for all.
                parts.push(Cow::Owned(Grid::max_of(&calls)));
                drop(calls);
            } else {
                parts.extend(calls);
            }
            // The service time counts when the queue answers and times are counted (a
            // wait was found).
            let service = self.service_grid_of[c].map(|g| &self.service_grids[g]).filter(|_| mean_wait.is_some());
            let total = Grid::sum_all(&parts.iter().map(AsRef::as_ref).chain(service).collect::<Vec<_>>());
            drop(parts);
            let mean_response = bounded(&total).then(|| total.mean()).filter(|m| m.is_finite());
            levels.push((
                c,
                ComponentLevel {
                    arrival_rate: lambda,
                    utilization,
                    mean_response_s: mean_response,
                    in_flight: mean_response.map(|w| queueing::littles_law_in_flight(lambda, w)),
                    mean_wait_s: mean_wait,
                    response: Percentiles::of(&total),
                },
            ));
            response[c] = total;
            success[c] = ok.clamp(0.0, 1.0);
            // A response that no caller still needs, and that no flow or budget reads
            // later, is freed: a pass holds a layer of grids, not the whole model's.
            for &t in &self.callees[c] {
                callers_left[t] -= 1;
                if callers_left[t] == 0 && !self.response_kept[t] {
                    response[t] = Grid::point(0.0);
                }
            }
        }
        levels.sort_by_key(|(c, _)| *c);
        Solved {
            response,
            success,
            levels: levels.into_iter().map(|(_, l)| l).collect(),
            attempts,
            call_mean,
            converged: true,
        }
    }

    /// Time and success of one call (count, probability, fallbacks, parallel group).
    fn call<'g>(
        &self,
        (caller, index): (ComponentId, usize),
        call: &Call,
        targets: Targets<'g>,
        attempts: &mut HashMap<CallKey, Attempt>,
        options: &LoadOptions,
    ) -> Outcome<'g> {
        let hedge = match options.hedge {
            Some((c, i, delay)) if c == caller && i == index => Some(delay),
            _ => call.hedge.as_ref().map(|h| h.value),
        };
        // The time every try failing takes matters only when something follows it.
        let failure_time =
            call.soft || matches!(&call.target, CallTarget::Single { fallback, .. } if !fallback.is_empty());
        let mut attempt = |t: usize, target: ComponentId| {
            let outcome = self.attempts(call, hedge, &targets.response[target], targets.success[target], failure_time);
            attempts.insert((caller, index, t), outcome.attempt);
            outcome
        };
        let single = match &call.target {
            CallTarget::Single { to, .. } if call.fanout.is_some() => {
                let shards = call.shards() as usize;
                let k = call.fanout.as_ref().and_then(|f| f.quorum.as_ref()).map_or(shards, |q| q.value as usize);
                let one = attempt(0, to.value);
                let copies = vec![one.on_success.as_ref(); shards];
                Outcome {
                    time: Cow::Owned(Grid::order_statistic(&copies, k)),
                    success: at_least(k, &vec![one.success; shards]),
                }
            }
            CallTarget::Single { to, fallback } => {
                let primary = attempt(0, to.value);
                // Alternatives in order: each is reached when all before it failed.
                let mut total_success = primary.success;
                let mut reach = 1.0 - primary.success;
                let mut branches: Vec<(f64, Cow<Grid>)> = vec![(primary.success, primary.on_success)];
                let mut failed_time = primary.on_failure;
                for (t, alternative) in fallback.iter().enumerate() {
                    let alt = attempt(t + 1, alternative.value);
                    // A branch no request reaches is not computed.
                    if reach > 0.0
                        && let Some(failed) = &failed_time
                    {
                        branches.push((reach * alt.success, Cow::Owned(failed.sum(&alt.on_success))));
                        failed_time = alt.on_failure.map(|f| Cow::Owned(failed.sum(&f)));
                    }
                    total_success += reach * alt.success;
                    reach *= 1.0 - alt.success;
                }
                if call.soft
                    && reach > 0.0
                    && let Some(failed) = failed_time
                {
                    // A soft call costs its time whatever its outcome.
                    branches.push((reach, failed));
                }
                Outcome { time: mixture(branches), success: total_success }
            }
            CallTarget::Parallel { to, quorum } => {
                let members: Vec<AttemptOutcome> =
                    to.iter().enumerate().map(|(t, target)| attempt(t, target.value)).collect();
                let times: Vec<&Grid> = members.iter().map(|m| m.on_success.as_ref()).collect();
                let successes: Vec<f64> = members.iter().map(|m| m.success).collect();
                let (time, success) = match quorum {
                    Some(k) => {
                        (Grid::order_statistic(&times, k.value as usize), at_least(k.value as usize, &successes))
                    }
                    None => (Grid::max_of(&times), successes.iter().product()),
                };
                Outcome { time: Cow::Owned(time), success }
            }
        };
        let repeated = if call.count.value > 1 {
            Outcome {
                time: Cow::Owned(single.time.sum_n(call.count.value)),
                success: single.success.powi(call.count.value as i32),
            }
        } else {
            single
        };
        match &call.probability {
            Some(p) if p.value < 1.0 => {
                // A hard call's time is that of the requests it answers: the branch that
                // makes the call weighs by its success too (a soft call's time counts anyway).
                let answered = if call.soft { p.value } else { p.value * repeated.success };
                Outcome {
                    time: mixture(vec![(1.0 - p.value, Cow::Owned(Grid::point(0.0))), (answered, repeated.time)]),
                    success: 1.0 - p.value + p.value * repeated.success,
                }
            }
            _ => repeated,
        }
    }

    /// One target called with the call's network hop, hedge, timeout and retries. The
    /// time when every try fails is computed when `failure_time` asks for it (or when
    /// every try fails).
    fn attempts<'g>(
        &self,
        call: &Call,
        hedge: Option<f64>,
        response: &'g Grid,
        target_success: f64,
        failure_time: bool,
    ) -> AttemptOutcome<'g> {
        let rtt = call.network.as_ref().map_or(0.0, |n| n.rtt_s);
        let mut one = if rtt > 0.0 { Cow::Owned(response.shift(rtt)) } else { Cow::Borrowed(response) };
        let mut hedged = 0.0;
        if let Some(d) = hedge {
            hedged = one.sf(d);
            one = Cow::Owned(one.hedge(d));
        }
        let error = 1.0 - target_success;
        if error <= 0.0 && call.timeout.is_none() {
            // Every try succeeds: the first one is the answer.
            let on_failure = failure_time.then(|| one.clone());
            let attempt = Attempt { fail: 0.0, hedged, late: 0.0 };
            return AttemptOutcome { success: 1.0, on_failure, on_success: one, attempt };
        }
        // One attempt: (P(fail), time when it fails, time when it succeeds).
        let mut late = 0.0;
        let (fail, fail_time, ok_time) = match &call.timeout {
            Some(tau) => {
                let (in_time, timed_out) = one.truncate_at(tau.value);
                late = timed_out;
                let fail = late + (1.0 - late) * error;
                let fail_time = if fail > 0.0 {
                    Grid::mixture(&[(late, Grid::point(tau.value)), ((1.0 - late) * error, in_time.clone())])
                } else {
                    Grid::point(tau.value)
                };
                (fail, Cow::Owned(fail_time), Cow::Owned(in_time))
            }
            None => (error, one.clone(), one),
        };
        if fail <= NEGLIGIBLE_FAILURE {
            // Failed tries carry no weight: the first try is the answer.
            let on_failure = failure_time.then_some(fail_time);
            let attempt = Attempt { fail, hedged, late };
            return AttemptOutcome { success: 1.0 - fail, on_success: ok_time, on_failure, attempt };
        }
        let tries = call.tries();
        let backoff = call.backoff.as_ref().map_or(0.0, |b| b.value);
        // j failed tries then a success: Σ failed times + backoffs (doubling) + success.
        let mut branches = Vec::with_capacity(tries as usize);
        let mut failed = Grid::point(0.0);
        let mut waited = 0.0;
        for j in 0..tries {
            if j > 0 {
                failed = failed.sum(&fail_time);
                waited += backoff * 2f64.powi(j as i32 - 1);
            }
            let weight = fail.powi(j as i32) * (1.0 - fail);
            if weight > 0.0 {
                branches.push((weight, Cow::Owned(failed.shift(waited).sum(&ok_time))));
            }
        }
        let all_fail = fail.powi(tries as i32);
        let on_failure = (failure_time || branches.is_empty()).then(|| failed.sum(&fail_time).shift(waited));
        let on_success = match &on_failure {
            Some(every_try_failed) if branches.is_empty() => Cow::Owned(every_try_failed.clone()),
            _ => mixture(branches),
        };
        let attempt = Attempt { fail, hedged, late };
        AttemptOutcome { success: 1.0 - all_fail, on_success, on_failure: on_failure.map(Cow::Owned), attempt }
    }

    /// The round trips on the fastest successful path (service times zero).
    fn network_floor(&self, c: ComponentId, memo: &mut HashMap<ComponentId, f64>) -> f64 {
        if let Some(&f) = memo.get(&c) {
            return f;
        }
        let mut total = 0.0;
        for call in &self.model.components[c].calls {
            if call.soft || call.share() < 1.0 {
                continue;
            }
            let rtt = call.network.as_ref().map_or(0.0, |n| n.rtt_s);
            let floor = match &call.target {
                CallTarget::Single { to, .. } => rtt + self.network_floor(to.value, memo),
                CallTarget::Parallel { to, quorum } => {
                    let mut floors: Vec<f64> = to.iter().map(|t| rtt + self.network_floor(t.value, memo)).collect();
                    floors.sort_by(f64::total_cmp);
                    let k = quorum.as_ref().map_or(floors.len(), |q| q.value as usize);
                    floors.get(k.saturating_sub(1)).copied().unwrap_or(0.0)
                }
            };
            total += f64::from(call.count.value) * floor;
        }
        memo.insert(c, total);
        total
    }

    /// Highest rate of flow `f` before some component saturates, others at mean.
    fn max_rate(&self, f: usize, mean: &Solved, components: &[ComponentLoad]) -> Option<Bottleneck> {
        let flow_rate = self.rates[f].0;
        // Visits per request of this flow alone, with the retry state of the mean solution.
        let visits = self.visits(self.model.flows[f].entry.value, &mean.attempts);
        let mut best: Option<Bottleneck> = None;
        for (c, load) in components.iter().enumerate() {
            let (Some(servers), Some(service)) = (load.servers, load.mean_service_s) else { continue };
            if visits[c] <= 0.0 {
                continue;
            }
            let capacity = servers as f64 / service;
            let others = (load.mean.arrival_rate - flow_rate * visits[c]).max(0.0);
            let limit = ((capacity - others) / visits[c]).max(0.0);
            if best.as_ref().is_none_or(|b| limit < b.rate) {
                best = Some(Bottleneck { rate: limit, component: c, visits: visits[c], others });
            }
        }
        best
    }

    /// The mean latency of a request from `entry` split over the components on its
    /// critical path: each component's mean own time (wait + service) times its
    /// expected visits on the critical path. Sequential calls are all on it; in a
    /// parallel group, a member counts with the probability that it is the one the
    /// group waits for (the slowest, or the k-th fastest for a quorum).
    fn budget(&self, entry: ComponentId, solved: &Solved) -> Vec<Contribution> {
        let n = self.model.components.len();
        let mut weight = vec![0.0; n];
        let mut tail = vec![0.0; n];
        weight[entry] = 1.0;
        let mut network = 0.0;
        let mean_of = |c: ComponentId| solved.levels[c].mean_response_s.unwrap_or(0.0);
        for &c in &self.top_down {
            let w = weight[c];
            if w == 0.0 {
                continue;
            }
            for (i, call) in self.model.components[c].calls.iter().enumerate() {
                let per_call = f64::from(call.count.value) * call.share();
                let rtt = call.network.as_ref().map_or(0.0, |n| n.rtt_s);
                let tries = |t: usize| {
                    let a = solved.attempts.get(&(c, i, t)).copied().unwrap_or_default();
                    (queueing::expected_attempts(a.fail, call.tries()), a.fail.powi(call.tries() as i32))
                };
                // Expected critical visits of each target per call of `c`.
                let mut visits: Vec<(ComponentId, f64)> = Vec::new();
                match &call.target {
                    CallTarget::Single { to, fallback } => {
                        let mut reaching = per_call;
                        for (t, target) in std::iter::once(to).chain(fallback).enumerate() {
                            let (expected, all_fail) = tries(t);
                            visits.push((target.value, reaching * expected));
                            reaching *= all_fail;
                        }
                    }
                    CallTarget::Parallel { to, quorum } => {
                        let times: Vec<&Grid> = to.iter().map(|t| &solved.response[t.value]).collect();
                        let k = quorum.as_ref().map_or(to.len(), |q| q.value as usize);
                        let critical = criticality(&times, k);
                        for (t, target) in to.iter().enumerate() {
                            visits.push((target.value, per_call * critical[t] * tries(t).0));
                        }
                    }
                }
                let hops: f64 = visits.iter().map(|(_, v)| v * rtt).sum();
                let critical_time: f64 = visits.iter().map(|&(t, v)| v * mean_of(t)).sum();
                // What the call costs beyond its critical targets' mean times and round
                // trips: waiting for the slowest of a fan-out, failed tries, backoffs.
                let call_mean = solved.call_mean.get(&(c, i)).copied().unwrap_or(0.0);
                let excess = call_mean - critical_time - hops;
                if excess < 0.0 && critical_time > 0.0 {
                    // Timeouts cut the targets' times short: count them for what they
                    // take within the call, so the parts still add up to the mean.
                    let scale = ((call_mean - hops) / critical_time).clamp(0.0, 1.0);
                    visits.iter_mut().for_each(|(_, v)| *v *= scale);
                }
                network += w * hops;
                for &(t, v) in &visits {
                    weight[t] += w * v;
                }
                if excess > 0.0
                    && let Some(&(first, _)) = visits.first()
                {
                    tail[first] += w * excess;
                }
            }
        }
        let mut budget: Vec<Contribution> = (0..n)
            .filter(|&c| weight[c] > 0.0)
            .map(|c| {
                let wait = solved.levels[c].mean_wait_s.unwrap_or(0.0);
                let service = self.service[c].as_ref().map_or(0.0, ServiceTime::mean);
                Contribution {
                    component: Some(c),
                    mean_s: weight[c] * (wait + service) + tail[c],
                    wait_s: weight[c] * wait,
                    tail_s: tail[c],
                }
            })
            .filter(|b| b.mean_s > 0.0)
            .collect();
        if network > 0.0 {
            budget.push(Contribution { component: None, mean_s: network, wait_s: 0.0, tail_s: 0.0 });
        }
        budget.sort_by(|a, b| b.mean_s.total_cmp(&a.mean_s).then(a.component.cmp(&b.component)));
        budget
    }

    /// Attempts per call reaching the deepest component when every attempt fails:
    /// the product of tries along the path (the retry storm a full outage causes).
    fn worst_amplification(&self, entry: ComponentId) -> (f64, ComponentId) {
        let n = self.model.components.len();
        let mut factor = vec![0.0f64; n];
        factor[entry] = 1.0;
        for &c in &self.top_down {
            if factor[c] == 0.0 {
                continue;
            }
            for call in &self.model.components[c].calls {
                for target in call.targets() {
                    let f = factor[c] * f64::from(call.tries());
                    factor[target.value] = factor[target.value].max(f);
                }
            }
        }
        let (c, f) = factor
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(&a.0)))
            .map_or((entry, 1.0), |(c, f)| (c, *f));
        (f, c)
    }
}

/// Whether a pass composes the declared times, or takes every time as zero but
/// that of saturated queues (to find success ratios cheaply).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Timing {
    Timed,
    Zero,
}

#[derive(Clone)]
struct Solved {
    response: Vec<Grid>,
    success: Vec<f64>,
    levels: Vec<ComponentLevel>,
    attempts: HashMap<CallKey, Attempt>,
    call_mean: HashMap<(ComponentId, usize), f64>,
    converged: bool,
}

/// What the bottom-up pass has computed so far: response times and success
/// ratios of the components below, and the per-try state of every call.
/// The responses and success ratios of the components composed so far.
#[derive(Clone, Copy)]
struct Targets<'g> {
    response: &'g [Grid],
    success: &'g [f64],
}

struct Outcome<'g> {
    time: Cow<'g, Grid>,
    success: f64,
}

struct AttemptOutcome<'g> {
    /// P(some try succeeds).
    success: f64,
    /// Time until the answer, given that some try succeeds.
    on_success: Cow<'g, Grid>,
    /// Time spent when every try fails (when asked for).
    on_failure: Option<Cow<'g, Grid>>,
    /// P(one try fails), hedges, timeouts.
    attempt: Attempt,
}

/// The grids of the distinct service times, computed on all cores, and the index of
/// each component's. Models repeat a few latencies over many components, and one grid
/// costs thousands of cdf evaluations.
fn distinct_grids(service: &[Option<ServiceTime>]) -> (Vec<Grid>, Vec<Option<usize>>) {
    let mut distinct: Vec<&ServiceTime> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let of = service
        .iter()
        .map(|s| {
            // Debug prints every f64 so that it reads back exactly: equal keys, equal laws.
            let s = s.as_ref()?;
            Some(*index.entry(format!("{s:?}")).or_insert_with(|| {
                distinct.push(s);
                distinct.len() - 1
            }))
        })
        .collect();
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let chunk = distinct.len().div_ceil(cores).max(1);
    let grids = std::thread::scope(|scope| {
        let workers: Vec<_> = distinct
            .chunks(chunk)
            .map(|laws| {
                scope.spawn(move || laws.iter().map(|s| Grid::from_service(s, DEFAULT_BINS)).collect::<Vec<_>>())
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
    });
    (grids, of)
}

/// Whether the grid's mean is finite: every request ends.
fn bounded(grid: &Grid) -> bool {
    grid.never <= 0.0
}

/// A latency that never ends (a saturated queue): all mass beyond any grid.
fn unbounded() -> Grid {
    Grid::never()
}

fn wait_grid(law: &WaitLaw) -> Grid {
    // A wait that almost no request has is less than any grid keeps of its tails (and
    // its tiny scale would set the step of the sum it enters): no wait. Its mean is
    // still reported, from the law.
    if law.p_wait <= grid::TAIL_EPS || law.mean_wait <= 0.0 {
        return Grid::point(0.0);
    }
    let tail = ServiceTime::exponential(law.mean_wait / law.p_wait)
        .map(|s| Grid::from_service(&s, DEFAULT_BINS))
        .unwrap_or_else(|_| Grid::point(0.0));
    Grid::mixture(&[(1.0 - law.p_wait, Grid::point(0.0)), (law.p_wait, tail)])
}

/// A mixture with weights normalised to 1 (zero-weight branches dropped); a single
/// branch left is returned as it is.
fn mixture(branches: Vec<(f64, Cow<Grid>)>) -> Cow<Grid> {
    let total: f64 = branches.iter().map(|(w, _)| w.max(0.0)).sum();
    if total <= 0.0 {
        return branches.into_iter().next().map_or_else(|| Cow::Owned(Grid::point(0.0)), |(_, g)| g);
    }
    let mut parts: Vec<(f64, Cow<Grid>)> = branches.into_iter().filter(|(w, _)| *w > 0.0).collect();
    if parts.len() == 1 {
        return parts.pop().map_or_else(|| Cow::Owned(Grid::point(0.0)), |(_, g)| g);
    }
    let parts: Vec<(f64, &Grid)> = parts.iter().map(|(w, g)| (w / total, g.as_ref())).collect();
    Cow::Owned(Grid::mixture(&parts))
}

/// For each of independent times, the probability that it is the k-th smallest
/// (the one a quorum of k, or with k = n the whole group, waits for), from the grids:
/// Σ_t P(T_i = t) · P(exactly k − 1 of the others ≤ t), on a common set of points.
fn criticality(times: &[&Grid], k: usize) -> Vec<f64> {
    let n = times.len();
    if n <= 1 {
        return vec![1.0; n];
    }
    const POINTS: usize = 2048;
    let end = times.iter().map(|g| g.end()).fold(0.0, f64::max);
    if end <= 0.0 {
        return vec![1.0 / n as f64; n];
    }
    let step = end / (POINTS - 1) as f64;
    // Mass of each member in each common cell, and its CDF at each cell's end.
    let cells: Vec<Vec<f64>> = times.iter().map(|g| on_points(g, step, POINTS)).collect();
    let cdfs: Vec<Vec<f64>> = cells
        .iter()
        .map(|m| {
            let mut acc = 0.0;
            m.iter()
                .map(|x| {
                    acc += x;
                    acc
                })
                .collect()
        })
        .collect();
    let mut weights = vec![0.0; n];
    let mut others = Vec::with_capacity(n);
    for j in 0..POINTS {
        for i in 0..n {
            let m = cells[i][j];
            if m <= 0.0 {
                continue;
            }
            others.clear();
            // Others at the same point count half as ≤ (ties split evenly).
            others.extend((0..n).filter(|&o| o != i).map(|o| cdfs[o][j] - 0.5 * cells[o][j]));
            weights[i] += m * exactly(k - 1, &others);
        }
    }
    let total: f64 = weights.iter().sum();
    if total > 0.0 { weights.iter().map(|w| w / total).collect() } else { vec![1.0 / n as f64; n] }
}

/// A grid's mass moved onto `points` cells of width `step` (nearest cell).
fn on_points(grid: &Grid, step: f64, points: usize) -> Vec<f64> {
    let mut out = vec![0.0; points];
    for (i, &m) in grid.mass.iter().enumerate() {
        let j = ((i as f64 * grid.step / step).round() as usize).min(points - 1);
        out[j] += m;
    }
    out
}

/// P(exactly k of independent events).
fn exactly(k: usize, probabilities: &[f64]) -> f64 {
    if k == probabilities.len() {
        return probabilities.iter().product();
    }
    if k == 0 {
        return probabilities.iter().map(|p| 1.0 - p).product();
    }
    (at_least(k, probabilities) - at_least(k + 1, probabilities)).max(0.0)
}

/// P(at least k of independent events with the given probabilities).
fn at_least(k: usize, probabilities: &[f64]) -> f64 {
    let mut pmf = vec![0.0; probabilities.len() + 1];
    pmf[0] = 1.0;
    for (i, &p) in probabilities.iter().enumerate() {
        for j in (0..=i + 1).rev() {
            let stay = if j <= i { pmf[j] * (1.0 - p) } else { 0.0 };
            let step = if j > 0 { pmf[j - 1] * p } else { 0.0 };
            pmf[j] = stay + step;
        }
    }
    pmf.get(k..).map_or(0.0, |t| t.iter().sum())
}
