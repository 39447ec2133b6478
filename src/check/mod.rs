//! Objectives → findings: compares the analysis with what the model demands and
//! turns every gap into a located diagnostic with a computed fix; applies waivers.
//! Availability lives here; load, capacity and latency in [`load`].

mod load;

use crate::analysis::availability::{Compiled, EvalOptions};
use crate::analysis::cutsets::CutUnit;
use crate::analysis::domains::DomainAssumptions;
use crate::analysis::redundancy::Assumptions;
use crate::analysis::{Report, flow_unavailability, with_transient};
use crate::diagnostic::{Diagnostic, Severity};
use crate::format::{money, percent, percent_diff};
use crate::model::{ComponentId, DomainId, Model, ReliabilitySource, Waiver};
use crate::source::Span;

/// The element a finding is about; waivers declared on it apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Subject {
    Flow(usize),
    Component(ComponentId),
    Domain(DomainId),
}

/// How many replicas beyond the current count the fix search tries.
const MAX_EXTRA_REPLICAS: u32 = 16;

/// All findings for the model, waivers applied, sorted by position.
/// `today` is an ISO date (YYYY-MM-DD) used to expire waivers.
pub fn findings(model: &Model, compiled: &Compiled, report: &Report, today: &str) -> Vec<Diagnostic> {
    let mut found: Vec<(Subject, Diagnostic)> = Vec::new();
    for (f, flow) in model.flows.iter().enumerate() {
        let Some(objective) = &flow.objective.availability else { continue };
        let result = &report.flows[f];
        if result.unavailability <= objective.value.complement {
            continue;
        }
        let d = if objective.value.complement == 0.0 {
            perfect_objective(model, report, f, objective.span)
        } else if result.ceiling_unavailability > objective.value.complement {
            infeasible(model, compiled, report, f, objective.span, objective.value.value)
        } else {
            below_objective(model, compiled, report, f, objective.span, objective.value.complement)
        };
        found.push((Subject::Flow(f), d));
    }
    found.extend(spof_findings(model, report));
    found.extend(load::network_floors(model));
    found.extend(load::latency_resolution(model));
    if let Some(l) = &report.load {
        found.extend(load::findings(model, l));
    }
    let mut diagnostics = apply_waivers(model, found, today);
    crate::diagnostic::sort(&mut diagnostics);
    diagnostics
}

fn below_objective(model: &Model, compiled: &Compiled, report: &Report, f: usize, at: Span, budget: f64) -> Diagnostic {
    let flow = &model.flows[f];
    let result = &report.flows[f];
    let objective = 1.0 - budget;
    let mut d = Diagnostic::error(
        "slo/availability",
        format!(
            "flow `{}` is available {} of the time, below its objective of {}",
            flow.name,
            percent(result.availability, result.unavailability),
            percent(objective, budget)
        ),
    )
    .with_primary(at, format!("objective {} not met", percent(objective, budget)));
    // The component whose own failures cost the most downtime.
    let mut ranked: Vec<ComponentId> = (0..model.components.len()).filter(|&c| result.improvement[c] > 0.0).collect();
    ranked.sort_by(|&a, &b| result.improvement[b].total_cmp(&result.improvement[a]).then(a.cmp(&b)));
    let Some(&best) = ranked.first() else { return d };
    let component = &model.components[best];
    d = d.with_secondary(
        component.replicas.span,
        format!(
            "`{}` matters most: making it never fail would remove {} of downtime",
            component.name,
            share(result.improvement[best], result.unavailability)
        ),
    );
    // The cheapest replica fix among the few components that matter most: fewest
    // replicas added, then self-operated before vendor services, then importance.
    let fixes: Vec<(ComponentId, ReplicaSearch)> = ranked
        .iter()
        .take(FIX_CANDIDATES)
        .map(|&c| (c, minimal_replicas(model, compiled, f, c, budget, result.transient_unavailability)))
        .collect();
    let chosen = fixes
        .iter()
        .filter_map(|(c, r)| r.ok().map(|(extra, u)| (*c, extra, u)))
        .min_by_key(|&(c, extra, _)| (extra, model.components[c].reliability.source == ReliabilitySource::Sla));
    let help = match chosen {
        Some((c, extra, u)) => {
            let component = &model.components[c];
            let cost = component
                .cost
                .per_replica_month
                .as_ref()
                .map(|p| format!(", +{}/mo", money(&model.system.currency, p.value * extra as f64)))
                .unwrap_or_default();
            format!(
                "{} → {} replicas of `{}` gives {} ≥ {}{cost}",
                component.replicas.value,
                component.replicas.value + extra,
                component.name,
                percent(1.0 - u, u),
                percent(objective, budget)
            )
        }
        None => {
            let (c, best_attempt) = &fixes[0];
            let (extra, u) = best_attempt.err().unwrap_or((0, result.unavailability));
            format!(
                "more replicas of `{}` alone cannot meet it (best {} with {} replicas): spread it over more failure domains, add a fallback, or improve the next most important component",
                model.components[*c].name,
                percent(1.0 - u, u),
                model.components[*c].replicas.value + extra
            )
        }
    };
    d.with_help(help)
}

/// `Ok((extra replicas, unavailability))` when the budget is met, else the best
/// reached as `Err((extra replicas, unavailability))`.
type ReplicaSearch = Result<(u32, f64), (u32, f64)>;

/// Components tried by the replica fix search.
const FIX_CANDIDATES: usize = 3;

/// The fewest extra replicas of `c` (up to [`MAX_EXTRA_REPLICAS`]) that meet the
/// budget, with the resulting unavailability; or the best reached when none does.
/// Availability never falls as replicas are added, so a bisection suffices.
fn minimal_replicas(
    model: &Model,
    compiled: &Compiled,
    f: usize,
    c: ComponentId,
    budget: f64,
    transient: f64,
) -> Result<(u32, f64), (u32, f64)> {
    let mut trial = model.clone();
    let mut unavailability_with = |extra: u32| {
        trial.components[c].replicas.value = model.components[c].replicas.value + extra;
        with_transient(flow_unavailability(compiled, &trial, f, EvalOptions::default()), transient)
    };
    let most = unavailability_with(MAX_EXTRA_REPLICAS);
    if most > budget {
        return Err((MAX_EXTRA_REPLICAS, most));
    }
    let (mut fails, mut meets, mut meets_u) = (0, MAX_EXTRA_REPLICAS, most);
    while meets - fails > 1 {
        let mid = (fails + meets) / 2;
        let u = unavailability_with(mid);
        if u <= budget {
            (meets, meets_u) = (mid, u);
        } else {
            fails = mid;
        }
    }
    Ok((meets, meets_u))
}

/// A 100% objective on a flow that can fail: no number of replicas reaches it.
fn perfect_objective(model: &Model, report: &Report, f: usize, at: Span) -> Diagnostic {
    let result = &report.flows[f];
    Diagnostic::error(
        "slo/infeasible",
        format!(
            "flow `{}` can never reach 100%: 100% needs a design that can never fail, and this one is available {}",
            model.flows[f].name,
            percent(result.availability, result.unavailability)
        ),
    )
    .with_primary(at, "an objective of 100% allows no downtime at all")
    .with_help("set the objective to the availability the flow must actually meet, such as 99.99%")
}

fn infeasible(model: &Model, compiled: &Compiled, report: &Report, f: usize, at: Span, objective: f64) -> Diagnostic {
    let flow = &model.flows[f];
    let transient = report.flows[f].transient_unavailability;
    let ceiling_options =
        EvalOptions { units: Assumptions { perfect_self_operated: true, ..Default::default() }, ..Default::default() };
    let ceiling = compiled.evaluate(model, EvalOptions { importance: true, ..ceiling_options });
    let ceiling_u = with_transient(ceiling.flows[f].prob.down, transient);
    // What limits the ceiling most: a component's remaining events, or a domain.
    let mut culprit: Option<(f64, Subject)> = None;
    for (c, &gain) in ceiling.flows[f].improvement.iter().enumerate() {
        if gain > culprit.map_or(0.0, |x| x.0) {
            culprit = Some((gain, Subject::Component(c)));
        }
    }
    let used = crate::analysis::domains::used_domains(model);
    for d in (0..model.domains.len()).filter(|&d| used[d] && model.domains[d].outage.unavailability > 0.0) {
        let forced =
            EvalOptions { domains: DomainAssumptions { ignore: false, force: Some((d, true)) }, ..ceiling_options };
        let gain = ceiling_u - with_transient(flow_unavailability(compiled, model, f, forced), transient);
        if gain > culprit.map_or(0.0, |x| x.0) {
            culprit = Some((gain, Subject::Domain(d)));
        }
    }
    let mut d = Diagnostic::error(
        "slo/infeasible",
        format!(
            "flow `{}` can never reach {}: even with perfect replicas of every self-operated component it gets at most {}",
            flow.name,
            percent(objective, 1.0 - objective),
            percent(1.0 - ceiling_u, ceiling_u)
        ),
    )
    .with_primary(at, "objective above what the dependencies can give");
    match culprit.map(|x| x.1) {
        Some(Subject::Domain(dom)) => {
            let domain = &model.domains[dom];
            d = d
                .with_secondary(
                    domain.outage.span,
                    format!(
                        "every path needs `{}` ({})",
                        domain.name,
                        percent(domain.outage.availability, domain.outage.unavailability)
                    ),
                )
                .with_help(format!(
                    "spread the critical components over more than one `{}`-level domain, or lower the objective",
                    domain.kind.as_deref().unwrap_or("failure")
                ));
        }
        Some(Subject::Component(c)) => {
            let component = &model.components[c];
            let r = &component.reliability;
            let name = &component.name;
            let (span, what, help) = if r.source == ReliabilitySource::Sla {
                (
                    r.span,
                    format!("`{name}` is a vendor SLA of {}", percent(r.availability, r.unavailability)),
                    format!("add a fallback for `{name}` or an independent second instance, or lower the objective"),
                )
            } else if let Some(changes) = &component.changes {
                let u = changes.unavailability();
                (
                    changes.span,
                    format!(
                        "bad deploys of `{name}` alone cost {} per window",
                        crate::format::duration(u * model.system.window_s)
                    ),
                    format!(
                        "cut the change failure rate or the time to restore of `{name}` (canaries, automated rollback), or lower the objective"
                    ),
                )
            } else {
                (
                    component.name_span,
                    format!("`{name}` keeps its common-cause failures however many replicas it has"),
                    format!(
                        "remove the shared cause behind `{name}`'s common_cause, add an independent fallback, or lower the objective"
                    ),
                )
            };
            d = d.with_secondary(span, what).with_help(help);
        }
        _ => {}
    }
    d
}

fn spof_findings(model: &Model, report: &Report) -> Vec<(Subject, Diagnostic)> {
    let mut units: Vec<(CutUnit, Vec<usize>)> = Vec::new();
    for (f, flow) in report.flows.iter().enumerate() {
        for cut in &flow.spofs {
            let unit = cut.units[0];
            match units.iter_mut().find(|(u, _)| *u == unit) {
                Some((_, flows)) => flows.push(f),
                None => units.push((unit, vec![f])),
            }
        }
    }
    units
        .into_iter()
        .map(|(unit, flows)| {
            let names: Vec<String> = flows.iter().map(|&f| format!("`{}`", model.flows[f].name)).collect();
            let flows_text =
                if names.len() == 1 { format!("flow {}", names[0]) } else { format!("flows {}", names.join(", ")) };
            match unit {
                CutUnit::Component(c) => {
                    let component = &model.components[c];
                    let name = &component.name;
                    let r = &component.reliability;
                    let d = if r.source == ReliabilitySource::Sla && component.replicas.value == 1 {
                        // A managed service's SLA already covers its internal redundancy:
                        // worth knowing, rarely actionable, so a note.
                        Diagnostic::new(
                            "model/spof",
                            Severity::Note,
                            format!(
                                "`{name}` (vendor SLA {}) is a single dependency of {flows_text}",
                                percent(r.availability, r.unavailability)
                            ),
                        )
                        .with_primary(r.span, "no fallback")
                        .with_help(format!(
                            "if its SLA is not enough, add a fallback for `{name}` (another region or provider)"
                        ))
                    } else if component.replicas.value == 1 {
                        Diagnostic::warning(
                            "model/spof",
                            format!("`{name}` is a single point of failure for {flows_text}"),
                        )
                        .with_primary(component.replicas.span, "one replica")
                        .with_help(format!(
                            "run 2 or more replicas of `{name}` in different failure domains, or add a fallback"
                        ))
                    } else {
                        Diagnostic::warning(
                            "model/spof",
                            format!("`{name}` is a single point of failure for {flows_text}"),
                        )
                        .with_primary(
                            component.min_healthy.span,
                            format!("needs all {} replicas", component.replicas.value),
                        )
                        .with_help(format!("lower `min_healthy` below `replicas` for `{name}` (add a spare replica)"))
                    };
                    (Subject::Component(c), d)
                }
                CutUnit::Domain(dom) => {
                    let domain = &model.domains[dom];
                    let kind = domain.kind.as_deref().unwrap_or("domain");
                    let mut d = Diagnostic::warning(
                        "model/spof",
                        format!("losing {kind} `{}` takes down {flows_text}", domain.name),
                    )
                    .with_primary(domain.name_span, format!("a single {kind} outage is enough"));
                    // Point at the placements that put everything needed in it.
                    for component in model.components.iter().filter(|c| {
                        !c.placement.is_empty() && c.placement.iter().all(|&p| model.domain_chain(p).contains(&dom))
                    }) {
                        if let Some(span) = component.placement_span {
                            d = d.with_secondary(span, format!("`{}` is placed only here", component.name));
                        }
                        if d.secondary.len() >= 2 {
                            break;
                        }
                    }
                    let help = format!(
                        "place replicas outside `{}` (spread over more {kind}s), or waive with a reason if accepted",
                        domain.name
                    );
                    (Subject::Domain(dom), d.with_help(help))
                }
            }
        })
        .collect()
}

fn waivers_of(model: &Model, subject: Subject) -> &[Waiver] {
    match subject {
        Subject::Flow(f) => &model.flows[f].waivers,
        Subject::Component(c) => &model.components[c].waivers,
        Subject::Domain(d) => &model.domains[d].waivers,
    }
}

fn apply_waivers(model: &Model, found: Vec<(Subject, Diagnostic)>, today: &str) -> Vec<Diagnostic> {
    let mut used: Vec<Span> = Vec::new();
    let mut out = Vec::new();
    for (subject, mut d) in found {
        if let Some(w) = waivers_of(model, subject).iter().find(|w| w.rule.value == d.rule) {
            used.push(w.span);
            match &w.expires {
                Some(expires) if expires.value.as_str() < today => {
                    out.push(
                        Diagnostic::warning(
                            "waiver/expired",
                            format!("the waiver for `{}` expired on {}", w.rule.value, expires.value),
                        )
                        .with_primary(expires.span, "expired")
                        .with_help("renew it with a new date and reason, or fix the finding"),
                    );
                }
                _ => d.waived = Some(w.reason.clone()),
            }
        }
        out.push(d);
    }
    let all_waivers = model
        .flows
        .iter()
        .flat_map(|f| &f.waivers)
        .chain(model.components.iter().flat_map(|c| &c.waivers))
        .chain(model.domains.iter().flat_map(|d| &d.waivers));
    for w in all_waivers {
        if !used.contains(&w.span) {
            out.push(
                Diagnostic::warning("waiver/unused", format!("the waiver for `{}` matches no finding", w.rule.value))
                    .with_primary(w.rule.span, "nothing to waive here")
                    .with_help("remove it so it cannot hide a future regression"),
            );
        }
    }
    out
}

fn share(part: f64, whole: f64) -> String {
    if whole <= 0.0 { "0%".into() } else { percent_diff((part / whole).min(1.0)) }
}

/// Counts of findings by severity, waived ones excluded.
pub fn count(diagnostics: &[Diagnostic], severity: Severity) -> usize {
    diagnostics.iter().filter(|d| d.waived.is_none() && d.severity == severity).count()
}
