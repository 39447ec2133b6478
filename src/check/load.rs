//! Load, capacity and latency objectives → findings: saturated and over-busy
//! components, pools below Little's law, retry storms, latency and throughput
//! objectives, and round trips below the speed of light. Every help line is
//! computed by re-evaluating the model with the fix applied.

use crate::analysis::distribution::ServiceTime;
use crate::analysis::grid::{DEFAULT_BINS, Grid};
use crate::analysis::load::{
    ComponentLoad, FlowLoad, Level, LoadModel, LoadOptions, LoadReport, RETRY_AMPLIFICATION_LIMIT,
};
use crate::diagnostic::Diagnostic;
use crate::format::{duration, money, percent_diff, rate};
use crate::model::{CallTarget, ComponentId, Model, NetworkSource, quantity::rtt_floor_s};
use crate::source::Span;

use super::Subject;

/// Share of tries a timeout cuts off above which `latency/timeout` is reported: a
/// timeout meant as a guard against hangs fires far less often.
const TIMEOUT_FIRING: f64 = 0.01;
/// Most replicas a fix search adds to one component.
const MAX_EXTRA_REPLICAS: u32 = 64;
/// Hedges and parallel-call rewrites tried per latency finding.
const FIX_CANDIDATES: usize = 3;
/// Largest flow (components reached) whose latency findings get a computed fix: each
/// candidate is a full re-evaluation, about 1 ms per component.
const MAX_FIX_SEARCH_COMPONENTS: usize = 200;

pub fn findings(model: &Model, load: &LoadReport) -> Vec<(Subject, Diagnostic)> {
    let mut found = Vec::new();
    found.extend(saturation(model, load));
    found.extend(pools(model, load));
    found.extend(timeouts(model, load));
    for f in 0..model.flows.len() {
        found.extend(amplification(model, load, f));
        found.extend(latency_objectives(model, load, f));
        found.extend(throughput(model, load, f));
    }
    found
}

/// The value that sets a component's capacity (for labels).
fn capacity_span(model: &Model, c: ComponentId) -> Span {
    let component = &model.components[c];
    component
        .workers
        .as_ref()
        .map(|w| w.span)
        .or(component.max_rate.as_ref().map(|r| r.span))
        .unwrap_or(component.replicas.span)
}

/// A call to one name with no options: what a `parallel` group member can say.
fn plain_call(call: &crate::model::Call) -> bool {
    matches!(&call.target, CallTarget::Single { fallback, .. } if fallback.is_empty())
        && !call.soft
        && call.count.value == 1
        && call.fanout.is_none()
        && call.probability.is_none()
        && call.timeout.is_none()
        && call.retries.is_none()
        && call.backoff.is_none()
        && call.hedge.is_none()
        && call.network.is_none()
}

/// Fewest replicas that keep `c` at or below `target` utilization at `arrival`; none
/// for an active-passive (`standby`) component, where one replica serves however many
/// there are.
fn replicas_for(load: &ComponentLoad, replicas: u32, arrival: f64, target: f64, standby: bool) -> Option<u32> {
    if standby {
        return None;
    }
    let (servers, service) = (load.servers?, load.mean_service_s?);
    let per_replica = servers as f64 / f64::from(replicas.max(1));
    let needed = (arrival * service / (per_replica * target)).ceil();
    // Strictly below 1 when the target is saturation itself.
    let needed =
        if target >= 1.0 && needed * per_replica * target <= arrival * service { needed + 1.0 } else { needed };
    (needed.is_finite() && needed <= f64::from(u32::MAX)).then_some((needed as u32).max(replicas))
}

fn cost_of_replicas(model: &Model, c: ComponentId, extra: u32) -> String {
    model.components[c]
        .cost
        .per_replica_month
        .as_ref()
        .map(|p| format!(", +{}/mo", money(&model.system.currency, p.value * f64::from(extra))))
        .unwrap_or_default()
}

/// The fewest replicas of `c` (between its count and `upper`) that keep its peak
/// utilization at or below `target`, re-solving the whole model for each candidate
/// (fewer timeouts and retries once it copes); `upper` itself on large models.
fn verified_replicas(model: &Model, c: ComponentId, upper: u32, target: f64) -> u32 {
    let replicas = model.components[c].replicas.value;
    if model.components.len() > MAX_FIX_SEARCH_COMPONENTS || upper <= replicas + 1 {
        return upper;
    }
    let loads = LoadModel::new(model);
    let fits = |n: u32| {
        let mut options = LoadOptions { only: Some(Level::Peak), ..Default::default() };
        options.replicas.insert(c, n);
        let report = loads.evaluate(&options);
        report.components[c].peak.utilization.is_some_and(|u| u <= target && u < 1.0)
    };
    let (mut lo, mut hi) = (replicas, upper);
    if !fits(hi) {
        return upper;
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if fits(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi
}

fn saturation(model: &Model, load: &LoadReport) -> Vec<(Subject, Diagnostic)> {
    let headroom = model.objectives.headroom.as_ref();
    let mut out = Vec::new();
    for (c, l) in load.components.iter().enumerate() {
        let component = &model.components[c];
        let replicas = component.replicas.value;
        let (level, at_peak) = if l.mean.saturated() { (&l.mean, false) } else { (&l.peak, true) };
        let Some(utilization) = level.utilization else { continue };
        let when = if at_peak { "at peak" } else { "at mean load" };
        if utilization >= 1.0 {
            let target = headroom.map_or(1.0, |h| h.value);
            let mut d = Diagnostic::error(
                "capacity/saturated",
                format!(
                    "`{}` is saturated {when}: {} utilization ({} arriving, capacity {})",
                    component.name,
                    percent_diff(utilization),
                    rate(level.arrival_rate),
                    rate(level.arrival_rate / utilization)
                ),
            )
            .with_primary(capacity_span(model, c), "not enough capacity: the queue grows without bound");
            if component.standby.is_some() {
                d = d.with_help(
                    "only one replica of an active-passive (`standby`) component serves: add workers, or drop `standby` to spread the load",
                );
            }
            if let Some(needed) = replicas_for(l, replicas, l.peak.arrival_rate, target, component.standby.is_some()) {
                let needed = verified_replicas(model, c, needed, target);
                let goal =
                    headroom.map_or("below 100%".to_string(), |h| format!("within {} headroom", percent_diff(h.value)));
                d = d.with_help(format!(
                    "{replicas} → {needed} replicas of `{}` keeps it {goal} at peak{}",
                    component.name,
                    cost_of_replicas(model, c, needed - replicas)
                ));
            }
            out.push((Subject::Component(c), d));
        } else if let (Some(h), Some(peak)) = (headroom, l.peak.utilization)
            && peak > h.value
        {
            let mut d = Diagnostic::warning(
                "capacity/headroom",
                format!(
                    "`{}` runs at {} utilization at peak, above the {} headroom limit",
                    component.name,
                    percent_diff(peak),
                    percent_diff(h.value)
                ),
            )
            .with_primary(capacity_span(model, c), format!("{} busy at peak", percent_diff(peak)))
            .with_secondary(h.span, "headroom limit");
            if let Some(needed) = replicas_for(l, replicas, l.peak.arrival_rate, h.value, component.standby.is_some()) {
                let needed = verified_replicas(model, c, needed, h.value);
                d = d.with_help(format!(
                    "{replicas} → {needed} replicas of `{}` keeps peak utilization within {}{}",
                    component.name,
                    percent_diff(h.value),
                    cost_of_replicas(model, c, needed - replicas)
                ));
            }
            out.push((Subject::Component(c), d));
        }
    }
    out
}

/// Calls whose timeout cuts off a real share of tries: each such try fails (or is
/// retried) instead of answering, whether or not an objective notices.
fn timeouts(model: &Model, load: &LoadReport) -> Vec<(Subject, Diagnostic)> {
    let mut out = Vec::new();
    for share in &load.timeouts {
        let (late, level) = if share.peak > share.mean { (share.peak, "peak") } else { (share.mean, "mean") };
        if late < TIMEOUT_FIRING {
            continue;
        }
        let call = &model.components[share.caller].calls[share.call];
        let Some(timeout) = &call.timeout else { continue };
        let target = &model.components[share.target];
        let response =
            &load.components[share.target].at(if level == "peak" { Level::Peak } else { Level::Mean }).response;
        let times = match (response.p50, response.p99) {
            (Some(p50), Some(p99)) => format!("answers in {} at p50 and {} at p99", duration(p50), duration(p99)),
            _ => "never answers (its queue is saturated)".to_string(),
        };
        let hop = call.network.as_ref().map_or(String::new(), |n| format!(", plus a {} round trip", duration(n.rtt_s)));
        let d = Diagnostic::warning(
            "latency/timeout",
            format!(
                "the {} timeout on `{}` → `{}` cuts off {} of tries at {level} load",
                duration(timeout.value),
                model.components[share.caller].name,
                target.name,
                percent_diff(late)
            ),
        )
        .with_primary(timeout.span, format!("fires on {} of tries", percent_diff(late)))
        .with_help(format!(
            "`{}` {times}{hop}: a timeout below that fails requests that would have been answered; \
             raise it above the tail you accept, or make `{}` faster",
            target.name, target.name
        ));
        out.push((Subject::Component(share.caller), d));
    }
    out
}

/// Little's law: requests in flight per replica at peak against a declared pool.
fn pools(model: &Model, load: &LoadReport) -> Vec<(Subject, Diagnostic)> {
    let mut out = Vec::new();
    for (c, l) in load.components.iter().enumerate() {
        let component = &model.components[c];
        let Some(pool) = &component.connections else { continue };
        let Some(in_flight) = l.peak.in_flight else { continue };
        let per_replica = in_flight / f64::from(component.replicas.value);
        if per_replica <= f64::from(pool.value) {
            continue;
        }
        let (w, lambda) = (l.peak.mean_response_s.unwrap_or(0.0), l.peak.arrival_rate);
        let d = Diagnostic::warning(
            "capacity/pool",
            format!(
                "`{}` needs {:.1} requests in flight per replica at peak, more than its {} connections",
                component.name, per_replica, pool.value
            ),
        )
        .with_primary(pool.span, format!("{} per replica", pool.value))
        .with_help(format!(
            "Little's law: {} × {} = {:.1} in flight over {} replicas; raise `connections` to {} or add replicas",
            rate(lambda),
            duration(w),
            in_flight,
            component.replicas.value,
            per_replica.ceil() as u64
        ));
        out.push((Subject::Component(c), d));
    }
    out
}

/// Grid steps a median must span for the percentiles built on it to be trusted.
const RESOLVED_MEDIAN_STEPS: f64 = 4.0;

/// Service times too wide for the latency grid: one that spans many orders of
/// magnitude (p99 ≫ p50) gets a step, fitted to its far tail, longer than its median,
/// and every percentile built on it is approximate. Said, not hidden.
pub fn latency_resolution(model: &Model) -> Vec<(Subject, Diagnostic)> {
    let mut out = Vec::new();
    for (c, component) in model.components.iter().enumerate() {
        let Some(spec) = &component.latency else { continue };
        let Ok(service) = crate::analysis::load::service_time(&spec.value) else { continue };
        if matches!(service, ServiceTime::Constant { .. }) {
            continue;
        }
        let Some(step) = Grid::service_step(&service, DEFAULT_BINS) else { continue };
        let median = service.quantile(0.5);
        if median >= RESOLVED_MEDIAN_STEPS * step {
            continue;
        }
        let d = Diagnostic::warning(
            "latency/resolution",
            format!(
                "the latency of `{}` is too wide for the latency grid: its median ({}) spans under \
                 {RESOLVED_MEDIAN_STEPS} steps of {}, so percentiles through it are approximate",
                component.name,
                duration(median),
                duration(step)
            ),
        )
        .with_primary(spec.span, "spans too many orders of magnitude")
        .with_help(
            "describe the slow tail separately (a `probability` call to a slow path) or narrow the distribution",
        );
        out.push((Subject::Component(c), d));
    }
    out
}

/// Declared round trips below the physical floor of their declared distance
/// (checked whether or not the model states load).
pub fn network_floors(model: &Model) -> Vec<(Subject, Diagnostic)> {
    let mut out = Vec::new();
    for (c, component) in model.components.iter().enumerate() {
        for call in &component.calls {
            let Some(network) = &call.network else { continue };
            let (NetworkSource::Rtt, Some(distance)) = (network.source, &network.distance_km) else { continue };
            let floor = rtt_floor_s(distance.value);
            if network.rtt_s >= floor {
                continue;
            }
            let d = Diagnostic::error(
                "physics/latency-floor",
                format!(
                    "a round trip of {} over {} km is faster than light in fibre allows ({} at least)",
                    duration(network.rtt_s),
                    distance.value,
                    duration(floor)
                ),
            )
            .with_primary(network.span, "below the physical floor")
            .with_secondary(distance.span, "distance")
            .with_help("light in fibre covers about 204,000 km/s: a round trip takes 2 × distance / 204,000 km/s");
            out.push((Subject::Component(c), d));
        }
    }
    out
}

fn amplification(model: &Model, load: &LoadReport, f: usize) -> Vec<(Subject, Diagnostic)> {
    let (factor, deepest) = load.flows[f].worst_amplification;
    if factor <= RETRY_AMPLIFICATION_LIMIT {
        return Vec::new();
    }
    let flow = &model.flows[f];
    let retried: Vec<Span> = crate::graph::reachable(model, flow.entry.value)
        .into_iter()
        .flat_map(|c| model.components[c].calls.iter().filter_map(|call| call.retries.as_ref().map(|r| r.span)))
        .collect();
    let mut d = Diagnostic::warning(
        "capacity/retry-amplification",
        format!(
            "when `{}` fails, one `{}` request can become {} attempts on it (retries multiply across layers)",
            model.components[deepest].name,
            flow.name,
            factor.round()
        ),
    );
    let mut spans = retried.into_iter();
    if let Some(first) = spans.next() {
        d = d.with_primary(first, "retries here");
    } else {
        d = d.with_primary(flow.name_span, "this flow");
    }
    for span in spans.take(3) {
        d = d.with_secondary(span, "and here");
    }
    let d = d.with_help(format!(
        "retry at one layer only (usually the outermost), or add a retry budget; the limit here is {RETRY_AMPLIFICATION_LIMIT}×"
    ));
    vec![(Subject::Flow(f), d)]
}

fn latency_objectives(model: &Model, load: &LoadReport, f: usize) -> Vec<(Subject, Diagnostic)> {
    let flow = &model.flows[f];
    let result = &load.flows[f];
    let level = if load.has_traffic { Level::Peak } else { Level::Mean };
    let when = if load.has_traffic { "at peak load" } else { "with no load" };
    let mut out = Vec::new();
    for objective in &flow.objective.latency {
        let limit = objective.limit.value;
        if result.network_floor_s > limit {
            let d = Diagnostic::error(
                "physics/latency-floor",
                format!(
                    "flow `{}` can never meet {} ≤ {}: its round trips alone take {}",
                    flow.name,
                    objective.name,
                    duration(limit),
                    duration(result.network_floor_s)
                ),
            )
            .with_primary(objective.limit.span, "below the network floor")
            .with_help("move the components closer (same region or zone), or relax the objective");
            out.push((Subject::Flow(f), d));
            continue;
        }
        let actual = percentile(result, level, objective.quantile);
        if actual.is_some_and(|a| a <= limit) {
            continue;
        }
        let shown = actual.map_or(
            "unbounded (a component on its path is saturated, or no request gets an answer)".to_string(),
            duration,
        );
        let mut d = Diagnostic::error(
            "slo/latency",
            format!(
                "flow `{}` has {} latency {} {when}, above its objective of {}",
                flow.name,
                objective.name,
                shown,
                duration(limit)
            ),
        )
        .with_primary(objective.limit.span, format!("{} objective not met", objective.name));
        // The budget splits the mean at mean load (its parts add up to it), whatever
        // level the objective failed at; the network is one part, with no line of its own.
        if let Some(top) = result.budget.iter().find(|b| b.component.is_some())
            && let Some(c) = top.component
        {
            let component = &model.components[c];
            let span = component.latency.as_ref().map_or(component.name_span, |l| l.span);
            let total: f64 = result.budget.iter().map(|b| b.mean_s).sum();
            let mut label = format!(
                "`{}` is the largest component: {} of the mean {} at mean load",
                component.name,
                duration(top.mean_s),
                duration(total)
            );
            if let Some(network) = result.budget.iter().find(|b| b.component.is_none())
                && network.mean_s > top.mean_s
            {
                label.push_str(&format!("; network round trips take more: {}", duration(network.mean_s)));
            }
            d = d.with_secondary(span, label);
        }
        let reach = crate::graph::reachable(model, flow.entry.value).len();
        if reach > MAX_FIX_SEARCH_COMPONENTS {
            d = d.with_help(format!(
                "no fix computed: the flow reaches {reach} components and the fix search (one full re-evaluation \
                 per candidate) runs on flows of up to {MAX_FIX_SEARCH_COMPONENTS}; start with the largest part of \
                 its latency budget"
            ));
        } else if let Some(help) = latency_fix(model, f, objective.quantile, &objective.name, limit, level) {
            d = d.with_help(help);
        }
        out.push((Subject::Flow(f), d));
    }
    out
}

fn percentile(result: &FlowLoad, level: Level, quantile: f64) -> Option<f64> {
    result.at(level).at(quantile)
}

/// The cheapest computed fix for a latency objective: more replicas of the component
/// that waits most, a hedge on a fan-out call, or the calls of one component made
/// parallel. Each candidate is evaluated on the whole model.
fn latency_fix(model: &Model, f: usize, quantile: f64, name: &str, limit: f64, level: Level) -> Option<String> {
    let loads = LoadModel::new(model);
    let evaluate = |options: LoadOptions| -> Option<f64> {
        let report = loads.evaluate(&LoadOptions { only: Some(level), ..options });
        percentile(&report.flows[f], level, quantile)
    };
    let base = loads.evaluate(&LoadOptions { only: Some(level), ..Default::default() });
    let budget = &base.flows[f].budget;
    let mut best: Option<(f64, String)> = None;
    let mut consider = |value: Option<f64>, text: String| {
        let Some(v) = value else { return };
        if best.as_ref().is_none_or(|(b, _)| v < *b) {
            best = Some((v, text));
        }
    };
    // 1. Replicas of the component whose queue costs the most.
    if let Some(c) =
        budget.iter().filter(|b| b.wait_s > 0.0).max_by(|a, b| a.wait_s.total_cmp(&b.wait_s)).and_then(|b| b.component)
    {
        let replicas = model.components[c].replicas.value;
        let with = |extra: u32| {
            let mut options = LoadOptions::default();
            options.replicas.insert(c, replicas + extra);
            evaluate(options)
        };
        if with(MAX_EXTRA_REPLICAS).is_some_and(|v| v <= limit) {
            let (mut lo, mut hi) = (0, MAX_EXTRA_REPLICAS);
            while hi - lo > 1 {
                let mid = (lo + hi) / 2;
                if with(mid).is_some_and(|v| v <= limit) {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            let v = with(hi);
            if let Some(v) = v {
                return Some(format!(
                    "{replicas} → {} replicas of `{}` gives {name} {} ≤ {}{}",
                    replicas + hi,
                    model.components[c].name,
                    duration(v),
                    duration(limit),
                    cost_of_replicas(model, c, hi)
                ));
            }
        } else if let Some(v) = with(MAX_EXTRA_REPLICAS) {
            consider(
                Some(v),
                format!(
                    "{replicas} → {} replicas of `{}`: {name} becomes {}",
                    replicas + MAX_EXTRA_REPLICAS,
                    model.components[c].name,
                    duration(v)
                ),
            );
        }
    }
    let reachable = crate::graph::reachable(model, model.flows[f].entry.value);
    // Each candidate costs a full evaluation: try the few that matter most.
    let slowest = |mut candidates: Vec<(f64, ComponentId, usize)>| {
        candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then((a.1, a.2).cmp(&(b.1, b.2))));
        candidates.truncate(FIX_CANDIDATES);
        candidates
    };
    let response = |c: ComponentId| base.components[c].at(level).mean_response_s.unwrap_or(f64::INFINITY);
    // 2. Hedge a fan-out call (a fan-out or a parallel group) at its target's p95.
    let fan_outs: Vec<(f64, ComponentId, usize)> = reachable
        .iter()
        .flat_map(|&c| model.components[c].calls.iter().enumerate().map(move |(i, call)| (c, i, call)))
        .filter(|(_, _, call)| {
            call.hedge.is_none()
                && (call.fanout.as_ref().is_some_and(|f| f.shards.value > 1)
                    || matches!(&call.target, CallTarget::Parallel { to, .. } if to.len() > 1))
        })
        .map(|(c, i, call)| (response(call.targets()[0].value), c, i))
        .collect();
    for (_, c, i) in slowest(fan_outs) {
        {
            let call = &model.components[c].calls[i];
            let target = call.targets()[0].value;
            let Some(p95) = base.components[target].at(level).response.p95 else { continue };
            let v = evaluate(LoadOptions { hedge: Some((c, i, p95)), ..Default::default() });
            let names: Vec<String> =
                call.targets().iter().map(|t| format!("`{}`", model.components[t.value].name)).collect();
            consider(
                v,
                format!(
                    "hedge the calls from `{}` to {} after {} (their p95): {name} becomes {}",
                    model.components[c].name,
                    names.join(", "),
                    duration(p95),
                    v.map_or("n/a".into(), duration)
                ),
            );
        }
    }
    // 3. Run the sequential calls of one component in parallel: the components that
    // spend longest in their calls. Only plain calls can be written as one `parallel`
    // group (its members are names), so only those are proposed.
    let sequential: Vec<(f64, ComponentId, usize)> = reachable
        .iter()
        .filter(|&&c| model.components[c].calls.len() >= 2 && model.components[c].calls.iter().all(plain_call))
        .map(|&c| {
            let own = loads.own_mean(c, &base, level);
            (response(c) - own, c, 0)
        })
        .collect();
    for (_, c, _) in slowest(sequential) {
        let v = evaluate(LoadOptions { parallel_calls: Some(c), ..Default::default() });
        consider(
            v,
            format!(
                "issue the {} calls of `{}` in parallel instead of one after another: {name} becomes {}",
                model.components[c].calls.len(),
                model.components[c].name,
                v.map_or("n/a".into(), duration)
            ),
        );
    }
    best.map(|(v, text)| {
        if v <= limit {
            format!("{text} ≤ {}", duration(limit))
        } else {
            format!("the best single change found — {text} — still misses {}", duration(limit))
        }
    })
}

fn throughput(model: &Model, load: &LoadReport, f: usize) -> Vec<(Subject, Diagnostic)> {
    let flow = &model.flows[f];
    let Some(objective) = &flow.objective.throughput else { return Vec::new() };
    let Some(limit) = &load.flows[f].max_rate else { return Vec::new() };
    let (max_rate, bottleneck) = (limit.rate, limit.component);
    if max_rate >= objective.value {
        return Vec::new();
    }
    let component = &model.components[bottleneck];
    let l = &load.components[bottleneck];
    let mut d = Diagnostic::error(
        "slo/throughput",
        format!(
            "flow `{}` saturates at {}, below its throughput objective of {}",
            flow.name,
            rate(max_rate),
            rate(objective.value)
        ),
    )
    .with_primary(objective.span, "throughput objective not met")
    .with_secondary(capacity_span(model, bottleneck), format!("`{}` runs out first", component.name));
    // Arrival at the bottleneck if this flow ran at its objective, the others at mean.
    let needed_arrival = limit.others + objective.value * limit.visits;
    if let Some(needed) = replicas_for(l, component.replicas.value, needed_arrival, 1.0, component.standby.is_some()) {
        d = d.with_help(format!(
            "{} → {needed} replicas of `{}` sustains {}{}",
            component.replicas.value,
            component.name,
            rate(objective.value),
            cost_of_replicas(model, bottleneck, needed - component.replicas.value)
        ));
    }
    vec![(Subject::Flow(f), d)]
}
