//! Machine-readable output (`--format json`), versioned. The shape is documented in
//! docs/json.md; bump [`JSON_VERSION`] on any incompatible change.

use serde::Serialize;

use crate::Checked;
use crate::analysis::load::QueueModel;
use crate::check;
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::SourceFile;

pub const JSON_VERSION: u32 = 1;

#[derive(Serialize)]
struct Output<'a> {
    version: u32,
    tool: &'static str,
    file: &'a str,
    /// False when the input could not be read; only `findings` is filled then.
    valid: bool,
    system: Option<System>,
    flows: Vec<Flow>,
    components: Vec<Component>,
    findings: Vec<Finding>,
    summary: Summary,
}

#[derive(Serialize)]
struct System {
    name: Option<String>,
    window_s: f64,
    /// Upper bound on the absolute error from pruned domain states (0 = exact).
    error_bound: f64,
}

#[derive(Serialize)]
struct Flow {
    name: String,
    entry: String,
    availability: f64,
    unavailability: f64,
    objective: Option<f64>,
    objective_met: Option<bool>,
    downtime_per_window_s: f64,
    budget_per_window_s: Option<f64>,
    downtime_per_year_s: f64,
    nines: Option<f64>,
    outages_per_year: Option<f64>,
    mean_outage_s: Option<f64>,
    /// Why outage frequency is null: elements that matter without an `mttr`.
    missing_mttr: Vec<String>,
    change_unavailability: f64,
    independent_unavailability: f64,
    correlation_delta_nines: Option<f64>,
    ceiling_unavailability: f64,
    single_points_of_failure: Vec<String>,
    order_two_cut_sets: Vec<Cut>,
    importance: Vec<Importance>,
    /// Share of requests lost to transient errors and timeouts (included in `unavailability`).
    transient_unavailability: f64,
    /// Null when the model states neither traffic nor latency.
    latency: Option<FlowLatency>,
}

#[derive(Serialize)]
struct Percentiles {
    /// Null when unbounded (a saturated component).
    mean_s: Option<f64>,
    p50_s: Option<f64>,
    p90_s: Option<f64>,
    p99_s: Option<f64>,
    p999_s: Option<f64>,
}

#[derive(Serialize)]
struct FlowLatency {
    rate_per_s: f64,
    peak_rate_per_s: f64,
    #[serde(flatten)]
    mean: Percentiles,
    peak: Percentiles,
    network_floor_s: f64,
    max_rate_per_s: Option<f64>,
    bottleneck: Option<String>,
    worst_retry_amplification: f64,
    budget: Vec<BudgetPart>,
}

#[derive(Serialize)]
struct BudgetPart {
    /// A component name, or null for the network round trips.
    component: Option<String>,
    mean_s: f64,
    wait_s: f64,
    tail_s: f64,
}

/// A cut set: the elements whose failures together take the flow down. `order`
/// counts basic events, so `{"units": ["app"], "order": 2}` is two replicas of app.
#[derive(Serialize)]
struct Cut {
    units: Vec<String>,
    order: usize,
    probability: f64,
}

#[derive(Serialize)]
struct Importance {
    component: String,
    birnbaum: f64,
    improvement_potential: f64,
}

#[derive(Serialize)]
struct Component {
    name: String,
    replicas: u32,
    min_healthy: u32,
    availability: f64,
    unavailability: f64,
    importance: f64,
    /// Requests per second arriving (null without traffic).
    arrival_rate_per_s: Option<f64>,
    arrival_rate_peak_per_s: Option<f64>,
    /// Null when the component declares no capacity (`workers` or `max_rate`).
    utilization: Option<f64>,
    utilization_peak: Option<f64>,
    /// Little's law: requests in flight at mean load, all replicas.
    in_flight: Option<f64>,
    /// "exact" (M/M/c), "approximate" (G/G/c) or null (no queue).
    queue_model: Option<&'static str>,
}

#[derive(Serialize)]
struct Finding {
    rule: &'static str,
    severity: Severity,
    message: String,
    file: String,
    line: Option<usize>,
    column: Option<usize>,
    end_line: Option<usize>,
    end_column: Option<usize>,
    help: Option<String>,
    waived: bool,
    waiver_reason: Option<String>,
    related: Vec<Related>,
}

#[derive(Serialize)]
struct Related {
    message: String,
    line: usize,
    column: usize,
}

#[derive(Serialize)]
struct Summary {
    errors: usize,
    warnings: usize,
    notes: usize,
    waived: usize,
}

fn finding(source: &SourceFile, d: &Diagnostic) -> Finding {
    let start = d.primary.as_ref().map(|l| source.line_col(l.span.start));
    let end = d.primary.as_ref().map(|l| source.line_col(l.span.end()));
    Finding {
        rule: d.rule,
        severity: d.severity,
        message: d.message.clone(),
        file: source.name.clone(),
        line: start.map(|p| p.0),
        column: start.map(|p| p.1),
        end_line: end.map(|p| p.0),
        end_column: end.map(|p| p.1),
        help: d.help.clone(),
        waived: d.waived.is_some(),
        waiver_reason: d.waived.clone(),
        related: d
            .secondary
            .iter()
            .map(|l| {
                let (line, column) = source.line_col(l.span.start);
                Related { message: l.message.clone(), line, column }
            })
            .collect(),
    }
}

fn summary(findings: &[Diagnostic]) -> Summary {
    Summary {
        errors: check::count(findings, Severity::Error),
        warnings: check::count(findings, Severity::Warning),
        notes: check::count(findings, Severity::Note),
        waived: findings.iter().filter(|d| d.waived.is_some()).count(),
    }
}

fn percentiles(p: &crate::analysis::load::Percentiles) -> Percentiles {
    Percentiles { mean_s: p.mean, p50_s: p.p50, p90_s: p.p90, p99_s: p.p99, p999_s: p.p999 }
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

pub fn report(source: &SourceFile, checked: &Checked) -> String {
    let Checked { model, report, findings, .. } = checked;
    let flows = model
        .flows
        .iter()
        .zip(&report.flows)
        .enumerate()
        .map(|(f, (flow, r))| {
            let mut importance: Vec<Importance> = (0..model.components.len())
                .filter(|&c| r.birnbaum[c] > 0.0)
                .map(|c| Importance {
                    component: model.components[c].name.clone(),
                    birnbaum: r.birnbaum[c],
                    improvement_potential: r.improvement[c],
                })
                .collect();
            importance.sort_by(|a, b| {
                b.improvement_potential.total_cmp(&a.improvement_potential).then(a.component.cmp(&b.component))
            });
            let cut_names = |cut: &crate::analysis::cutsets::CutSet| -> Vec<String> {
                cut.units
                    .iter()
                    .map(|u| match *u {
                        crate::analysis::cutsets::CutUnit::Component(c) => model.components[c].name.clone(),
                        crate::analysis::cutsets::CutUnit::Domain(d) => model.domains[d].name.clone(),
                    })
                    .collect()
            };
            Flow {
                name: flow.name.clone(),
                entry: model.components[flow.entry.value].name.clone(),
                availability: r.availability,
                unavailability: r.unavailability,
                objective: flow.objective.availability.as_ref().map(|o| o.value.value),
                objective_met: flow.objective.availability.as_ref().map(|o| r.unavailability <= o.value.complement),
                downtime_per_window_s: r.downtime_per_window_s,
                budget_per_window_s: r.budget_per_window_s,
                downtime_per_year_s: r.downtime_per_year_s,
                nines: finite(r.nines),
                outages_per_year: r.outages_per_year,
                mean_outage_s: r.mean_outage_s,
                missing_mttr: r.missing_mttr.clone(),
                change_unavailability: r.change_unavailability,
                independent_unavailability: r.independent_unavailability,
                correlation_delta_nines: finite(r.correlation_delta_nines),
                ceiling_unavailability: r.ceiling_unavailability,
                single_points_of_failure: r.spofs.iter().flat_map(cut_names).collect(),
                order_two_cut_sets: r
                    .order_two
                    .iter()
                    .map(|cut| Cut { units: cut_names(cut), order: cut.order, probability: cut.probability })
                    .collect(),
                importance,
                transient_unavailability: r.transient_unavailability,
                latency: report.load.as_ref().map(|load| {
                    let l = &load.flows[f];
                    FlowLatency {
                        rate_per_s: l.rate,
                        peak_rate_per_s: l.peak_rate,
                        mean: percentiles(&l.mean),
                        peak: percentiles(&l.peak),
                        network_floor_s: l.network_floor_s,
                        max_rate_per_s: l.max_rate.as_ref().map(|b| b.rate),
                        bottleneck: l.max_rate.as_ref().map(|b| model.components[b.component].name.clone()),
                        worst_retry_amplification: l.worst_amplification.0,
                        budget: l
                            .budget
                            .iter()
                            .map(|b| BudgetPart {
                                component: b.component.map(|c| model.components[c].name.clone()),
                                mean_s: b.mean_s,
                                wait_s: b.wait_s,
                                tail_s: b.tail_s,
                            })
                            .collect(),
                    }
                }),
            }
        })
        .collect();
    let components = model
        .components
        .iter()
        .zip(&report.components)
        .enumerate()
        .map(|(i, (c, r))| {
            let load = report.load.as_ref().map(|l| &l.components[i]);
            let traffic = report.load.as_ref().is_some_and(|l| l.has_traffic);
            Component {
                name: c.name.clone(),
                replicas: c.replicas.value,
                min_healthy: c.min_healthy.value,
                availability: r.availability,
                unavailability: r.unavailability,
                importance: r.importance,
                arrival_rate_per_s: load.filter(|_| traffic).map(|l| l.mean.arrival_rate),
                arrival_rate_peak_per_s: load.filter(|_| traffic).map(|l| l.peak.arrival_rate),
                utilization: load.and_then(|l| l.mean.utilization).filter(|_| traffic),
                utilization_peak: load.and_then(|l| l.peak.utilization).filter(|_| traffic),
                in_flight: load.and_then(|l| l.mean.in_flight).filter(|_| traffic),
                queue_model: load.and_then(|l| match l.queue {
                    QueueModel::Exact => Some("exact"),
                    QueueModel::Approximate => Some("approximate"),
                    QueueModel::None => None,
                }),
            }
        })
        .collect();
    let output = Output {
        version: JSON_VERSION,
        tool: concat!("ninecheck ", env!("CARGO_PKG_VERSION")),
        file: &source.name,
        valid: true,
        system: Some(System {
            name: model.system.name.clone(),
            window_s: model.system.window_s,
            error_bound: report.dropped_mass,
        }),
        flows,
        components,
        findings: findings.iter().map(|d| finding(source, d)).collect(),
        summary: summary(findings),
    };
    to_string(&output)
}

/// The JSON document for an input that could not be read.
pub fn input_errors(source: &SourceFile, diagnostics: &[Diagnostic]) -> String {
    let output = Output {
        version: JSON_VERSION,
        tool: concat!("ninecheck ", env!("CARGO_PKG_VERSION")),
        file: &source.name,
        valid: false,
        system: None,
        flows: Vec::new(),
        components: Vec::new(),
        findings: diagnostics.iter().map(|d| finding(source, d)).collect(),
        summary: summary(diagnostics),
    };
    to_string(&output)
}

fn to_string(output: &Output) -> String {
    let mut text = serde_json::to_string_pretty(output).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}
