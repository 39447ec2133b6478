//! Node tree → [`Model`]: resolves names, converts units and validates values,
//! reporting every problem with the span of the value responsible.

use std::collections::HashMap;

use crate::diagnostic::Diagnostic;
use crate::rules;
use crate::source::{Span, Spanned};
use crate::syntax::{Key, Node, NodeKind};

use super::quantity::{self, YEAR};
use super::reader::{Fields, Reader, did_you_mean};
use super::*;

const ROOT_KEYS: &[&str] = &["system", "traffic", "objectives", "domains", "components", "flows"];
const TRAFFIC_KEYS: &[&str] = &["rate", "peak", "growth"];
const GLOBAL_OBJECTIVE_KEYS: &[&str] = &["headroom"];
const SYSTEM_KEYS: &[&str] = &["name", "description", "window", "currency"];
const DOMAIN_KEYS: &[&str] = &["kind", "parent", "availability", "mttf", "mttr", "afr", "waivers"];
const COMPONENT_KEYS: &[&str] = &[
    "description",
    "availability",
    "sla",
    "mttf",
    "mttr",
    "afr",
    "replicas",
    "min_healthy",
    "in",
    "spread",
    "common_cause",
    "repair_crews",
    "standby",
    "changes",
    "cost",
    "calls",
    "waivers",
    "latency",
    "workers",
    "max_rate",
    "connections",
    "error_rate",
];
const STANDBY_KEYS: &[&str] = &["failover", "success"];
const CHANGES_KEYS: &[&str] = &["deploys", "failure_rate", "restore"];
const COST_KEYS: &[&str] = &["per_replica", "fixed", "capex", "per_million_requests"];
const CALL_KEYS: &[&str] = &[
    "to",
    "parallel",
    "quorum",
    "soft",
    "fallback",
    "count",
    "fanout",
    "probability",
    "timeout",
    "retries",
    "backoff",
    "hedge",
    "rtt",
    "distance",
    "network",
];
/// Latency families, each a mapping of its parameters (`p50`/`p99` alone is a lognormal).
const LATENCY_FAMILIES: &[&str] =
    &["lognormal", "exponential", "constant", "gamma", "erlang", "weibull", "percentiles"];
const FLOW_KEYS: &[&str] = &["description", "entry", "share", "objective", "waivers"];
const OBJECTIVE_KEYS: &[&str] = &["availability", "latency", "throughput"];
/// Latency objectives a flow may set.
const LATENCY_OBJECTIVE_KEYS: &[&str] = &["p50", "p90", "p95", "p99", "p999", "p9999"];
/// Most calls one request may make to one target, and most retries of one call.
pub const MAX_CALL_COUNT: u32 = 1_000;
pub const MAX_RETRIES: u32 = 10;
const WAIVER_KEYS: &[&str] = &["rule", "reason", "expires"];

/// Largest replica count accepted (keeps hostile inputs from exhausting memory).
pub const MAX_REPLICAS: u32 = 10_000;
/// Largest worker or connection count per replica accepted.
pub const MAX_WORKERS: u32 = 1_000_000;

/// Builds and validates the model. On failure returns every problem found.
pub fn build(root: &Node) -> Result<Model, Vec<Diagnostic>> {
    let mut r = Reader::new();
    let mut builder = Builder {
        r: &mut r,
        domain_names: HashMap::new(),
        component_names: HashMap::new(),
        component_keys: Vec::new(),
        caller: None,
        edges: Vec::new(),
        domains_broken: false,
        components_broken: false,
    };
    let model = builder.root(root);
    // Call cycles are checked on the resolved call edges, even when other parts of
    // the model failed, so they are reported with every other problem.
    let names: Vec<(&str, Span)> = builder.component_keys.iter().map(|(n, s)| (n.as_str(), *s)).collect();
    let cycles = crate::graph::cycle_errors(&names, &builder.edges);
    r.diagnostics.extend(cycles);
    let mut diagnostics = r.diagnostics;
    match model {
        Some(model) if diagnostics.is_empty() => Ok(model),
        _ => {
            if diagnostics.is_empty() {
                diagnostics.push(Diagnostic::error("model/invalid", "the model could not be read"));
            }
            crate::diagnostic::sort(&mut diagnostics);
            Err(diagnostics)
        }
    }
}

struct Builder<'r> {
    r: &'r mut Reader,
    domain_names: HashMap<String, DomainId>,
    component_names: HashMap<String, ComponentId>,
    /// (name, name span) of every component, by id.
    component_keys: Vec<(String, Span)>,
    /// The component whose calls are being read.
    caller: Option<ComponentId>,
    /// Resolved call edges: (caller, target, span of the target reference).
    edges: Vec<(ComponentId, ComponentId, Span)>,
    /// `domains` / `components` has the wrong type (already reported): references
    /// into it are not reported as unknown again.
    domains_broken: bool,
    components_broken: bool,
}

impl Builder<'_> {
    fn root(&mut self, root: &Node) -> Option<Model> {
        if matches!(root.kind, NodeKind::Null) {
            self.r.error(
                "model/missing-field",
                root.span,
                "the file is empty",
                "expected a model with `components` and `flows`",
            );
            return None;
        }
        let fields = self.r.fields(root, ROOT_KEYS, "the model")?;
        // A section of the wrong type is reported once, as a type error; what follows
        // from it (no entries, unknown names) is not reported again.
        let broken = |key: &str| fields.get(key).is_some_and(|n| !matches!(n.kind, NodeKind::Map(_) | NodeKind::Null));
        self.domains_broken = broken("domains");
        self.components_broken = broken("components");
        let flows_broken = broken("flows");
        let system = self.system(fields.get("system"));
        let traffic = fields.get("traffic").map(|n| self.traffic(n));
        let objectives = match fields.get("objectives") {
            Some(n) => self.global_objectives(n),
            None => Some(GlobalObjectives::default()),
        };
        let domain_entries = self.named_section(fields.get("domains"), "domains", "domain");
        let component_entries = self.named_section(fields.get("components"), "components", "component");
        let flow_entries = self.named_section(fields.get("flows"), "flows", "flow");
        if component_entries.is_empty() && !self.components_broken {
            let span = fields.key_span("components").unwrap_or(root.span);
            self.r.error("model/missing-field", span, "the model declares no components", "add a `components` section");
        }
        if flow_entries.is_empty() && !flows_broken {
            let span = fields.key_span("flows").unwrap_or(root.span);
            self.r.error(
                "model/missing-field",
                span,
                "the model declares no flows",
                "add a `flows` section naming an entry component",
            );
        }
        self.domain_names = index_names(&domain_entries);
        self.component_names = index_names(&component_entries);
        self.component_keys = component_entries.iter().map(|(k, _)| (k.name.clone(), k.span)).collect();

        let domains: Vec<Option<Domain>> = domain_entries.iter().map(|(k, v)| self.domain(k, v)).collect();
        let components: Vec<Option<Component>> = component_entries
            .iter()
            .enumerate()
            .map(|(id, (k, v))| {
                self.caller = Some(id);
                let component = self.component(k, v);
                self.caller = None;
                component
            })
            .collect();
        let flows: Vec<Option<Flow>> = flow_entries.iter().map(|(k, v)| self.flow(k, v)).collect();
        let domains: Vec<Domain> = domains.into_iter().collect::<Option<_>>()?;
        self.check_domain_tree(&domains);
        let flows: Vec<Flow> = flows.into_iter().collect::<Option<_>>()?;
        self.check_shares(&flows);
        let traffic = match traffic {
            Some(t) => Some(t?),
            None => None,
        };
        Some(Model {
            system: system?,
            domains,
            components: components.into_iter().collect::<Option<_>>()?,
            flows,
            traffic,
            objectives: objectives?,
        })
    }

    fn system(&mut self, node: Option<&Node>) -> Option<System> {
        let mut system =
            System { name: None, description: None, window_s: 30.0 * super::quantity::DAY, currency: "$".into() };
        let Some(node) = node else { return Some(system) };
        let fields = self.r.fields(node, SYSTEM_KEYS, "`system`")?;
        system.name = fields.get("name").and_then(|n| self.r.string(n, "`name`")).map(|s| s.value);
        system.description = fields.get("description").and_then(|n| self.r.string(n, "`description`")).map(|s| s.value);
        system.currency =
            fields.get("currency").and_then(|n| self.r.string(n, "`currency`")).map_or(system.currency, |s| s.value);
        if let Some(window) = fields.get("window").and_then(|n| self.r.duration(n, "SLO window")) {
            if window.value <= 0.0 {
                self.r.error(
                    "model/invalid-value",
                    window.span,
                    "the SLO window must be longer than zero",
                    "zero window",
                );
            }
            system.window_s = window.value;
        }
        Some(system)
    }

    fn traffic(&mut self, node: &Node) -> Option<Traffic> {
        let fields = self.r.fields(node, TRAFFIC_KEYS, "`traffic`")?;
        let rate =
            self.r.require(&fields, "rate", node.span, "`traffic`").and_then(|n| self.positive_rate(n, "`rate`"));
        let peak = match fields.get("peak") {
            // A factor of the mean ("3x") or a rate ("600/s").
            Some(n @ Node { kind: NodeKind::String(text), .. }) if text.trim().ends_with('x') => {
                match quantity::parse_factor(text) {
                    Ok(f) => rate.as_ref().map(|r| Spanned::new(r.value * f, n.span)),
                    Err(m) => {
                        self.r.error("model/invalid-value", n.span, format!("invalid `peak`: {m}"), "invalid value");
                        None
                    }
                }
            }
            Some(n) => self.positive_rate(n, "`peak`"),
            None => rate.clone(),
        };
        let growth = match fields.get("growth") {
            Some(n) => Some(self.fraction(n, "`growth`")?),
            None => None,
        };
        let (rate, peak) = (rate?, peak?);
        if peak.value < rate.value {
            self.r.push(
                Diagnostic::error("model/invalid-value", "the peak traffic is below the mean")
                    .with_primary(peak.span, "below the mean rate")
                    .with_secondary(rate.span, "mean rate"),
            );
            return None;
        }
        Some(Traffic { rate, peak, growth })
    }

    fn global_objectives(&mut self, node: &Node) -> Option<GlobalObjectives> {
        let fields = self.r.fields(node, GLOBAL_OBJECTIVE_KEYS, "`objectives`")?;
        let headroom = match fields.get("headroom") {
            Some(n) => {
                let (h, _) = self.r.probability(n, "`headroom`")?;
                if h.value <= 0.0 {
                    self.r.error("model/invalid-value", h.span, "`headroom` must be above 0%", "zero");
                    return None;
                }
                Some(h)
            }
            None => None,
        };
        Some(GlobalObjectives { headroom })
    }

    /// A non-negative fraction that may exceed 1 ("40%", "150%", "0.4"; "/y" allowed).
    fn fraction(&mut self, node: &Node, what: &str) -> Option<Spanned<f64>> {
        let text = match &node.kind {
            NodeKind::String(s) => s.clone(),
            NodeKind::Number(n) => n.to_string(),
            _ => {
                self.r.error("model/type", node.span, format!("{what} must be a percentage"), "expected e.g. 40%");
                return None;
            }
        };
        match quantity::parse_fraction(&text) {
            Ok(v) => Some(Spanned::new(v, node.span)),
            Err(m) => {
                self.r.error("model/invalid-value", node.span, format!("invalid {what}: {m}"), "invalid value");
                None
            }
        }
    }

    /// A service-time distribution: `{p50, p99}` (lognormal) or one family mapping.
    fn latency(&mut self, node: &Node, what: &str) -> Option<Spanned<LatencySpec>> {
        let entries = self.r.mapping(node, &format!("the latency of {what}"))?;
        let is_shorthand = entries.iter().any(|(k, _)| k.name.starts_with('p') && k.name != "percentiles");
        if is_shorthand {
            let fields = self.r.fields(node, &["p50", "p99"], &format!("the latency of {what}"))?;
            let spec = self.lognormal(&fields, node.span)?;
            return Some(Spanned::new(spec, node.span));
        }
        let fields = self.r.fields(node, LATENCY_FAMILIES, &format!("the latency of {what}"))?;
        let given: Vec<&str> = LATENCY_FAMILIES.iter().copied().filter(|k| fields.has(k)).collect();
        let family = match given.as_slice() {
            [one] => *one,
            [] => {
                self.r.error(
                    "model/missing-field",
                    node.span,
                    format!("the latency of {what} names no distribution"),
                    "expected `{p50, p99}` or one of lognormal, exponential, constant, gamma, erlang, weibull, percentiles",
                );
                return None;
            }
            [first, second, ..] => {
                self.r.push(
                    Diagnostic::error("model/conflict", format!("the latency of {what} names two distributions"))
                        .with_primary(fields.key_span(second).unwrap_or(node.span), "second distribution")
                        .with_secondary(fields.key_span(first).unwrap_or(node.span), "first distribution"),
                );
                return None;
            }
        };
        let body = fields.get(family)?;
        let context = format!("the {family} latency of {what}");
        let spec = match family {
            "lognormal" => {
                let f = self.r.fields(body, &["p50", "p99", "mean", "cv"], &context)?;
                if f.has("mean") || f.has("cv") {
                    if f.has("p50") || f.has("p99") {
                        self.r.error(
                            "model/conflict",
                            body.span,
                            "a lognormal is given by `p50` + `p99` or by `mean` + `cv`, not both",
                            "mixed parameters",
                        );
                        return None;
                    }
                    let mean = self
                        .r
                        .require(&f, "mean", body.span, &context)
                        .and_then(|n| self.positive_duration(n, "`mean`"));
                    let cv =
                        self.r.require(&f, "cv", body.span, &context).and_then(|n| self.positive_number(n, "`cv`"));
                    LatencySpec::LognormalMoments { mean: mean?.value, cv: cv?.value }
                } else {
                    self.lognormal(&f, body.span)?
                }
            }
            "exponential" => {
                let f = self.r.fields(body, &["mean"], &context)?;
                let mean =
                    self.r.require(&f, "mean", body.span, &context).and_then(|n| self.positive_duration(n, "`mean`"));
                LatencySpec::Exponential { mean: mean?.value }
            }
            "constant" => LatencySpec::Constant { value: self.r.duration(body, "constant latency")?.value },
            "gamma" => {
                let f = self.r.fields(body, &["shape", "mean"], &context)?;
                let shape =
                    self.r.require(&f, "shape", body.span, &context).and_then(|n| self.positive_number(n, "`shape`"));
                let mean =
                    self.r.require(&f, "mean", body.span, &context).and_then(|n| self.positive_duration(n, "`mean`"));
                LatencySpec::Gamma { shape: shape?.value, mean: mean?.value }
            }
            "erlang" => {
                let f = self.r.fields(body, &["k", "mean"], &context)?;
                let k = self.r.require(&f, "k", body.span, &context).and_then(|n| self.r.count(n, "`k`", 1, 1000));
                let mean =
                    self.r.require(&f, "mean", body.span, &context).and_then(|n| self.positive_duration(n, "`mean`"));
                LatencySpec::Erlang { k: k?.value, mean: mean?.value }
            }
            "weibull" => {
                let f = self.r.fields(body, &["shape", "scale"], &context)?;
                let shape =
                    self.r.require(&f, "shape", body.span, &context).and_then(|n| self.positive_number(n, "`shape`"));
                let scale =
                    self.r.require(&f, "scale", body.span, &context).and_then(|n| self.positive_duration(n, "`scale`"));
                LatencySpec::Weibull { shape: shape?.value, scale: scale?.value }
            }
            _ => self.percentile_table(body, &context)?,
        };
        Some(Spanned::new(spec, body.span))
    }

    /// Lognormal from `p50` + `p99`, with p99 > p50 checked at the value.
    fn lognormal(&mut self, f: &Fields, at: Span) -> Option<LatencySpec> {
        let p50 = self.r.require(f, "p50", at, "a lognormal latency").and_then(|n| self.positive_duration(n, "`p50`"));
        let p99 = self.r.require(f, "p99", at, "a lognormal latency").and_then(|n| self.positive_duration(n, "`p99`"));
        let (p50, p99) = (p50?, p99?);
        if p99.value <= p50.value {
            self.r.push(
                Diagnostic::error("model/invalid-value", "the p99 latency must be above the p50")
                    .with_primary(p99.span, "not above p50")
                    .with_secondary(p50.span, "p50 here")
                    .with_help("for a fixed service time use `latency: {constant: 10ms}`"),
            );
            return None;
        }
        Some(LatencySpec::LognormalPercentiles { p50: p50.value, p99: p99.value })
    }

    /// A measured percentile table `{p50: 10ms, p90: 20ms, p99: 80ms, p100: 200ms}`.
    fn percentile_table(&mut self, body: &Node, context: &str) -> Option<LatencySpec> {
        let entries = self.r.mapping(body, context)?;
        let mut points: Vec<(f64, Spanned<f64>)> = Vec::new();
        let mut ok = true;
        for (key, value) in entries {
            let Some(p) = percentile_of_key(&key.name) else {
                self.r.push(
                    Diagnostic::error("model/unknown-key", format!("`{}` is not a percentile", key.name))
                        .with_primary(key.span, "expected p50, p90, p99, p999, p100 …")
                        .with_help("write percentiles as pNN: p50 = 50%, p999 = 99.9%, p100 = the maximum"),
                );
                ok = false;
                continue;
            };
            match self.r.duration(value, &format!("`{}`", key.name)) {
                Some(t) => points.push((p, t)),
                None => ok = false,
            }
        }
        if !ok {
            return None;
        }
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        if points.is_empty() {
            self.r.error("model/missing-field", body.span, format!("{context} lists no percentiles"), "empty table");
            return None;
        }
        for pair in points.windows(2) {
            if pair[1].0 == pair[0].0 || pair[1].1.value <= pair[0].1.value {
                self.r.push(
                    Diagnostic::error("model/invalid-value", "percentile latencies must increase with the percentile")
                        .with_primary(pair[1].1.span, "not above the lower percentile")
                        .with_secondary(pair[0].1.span, "lower percentile"),
                );
                return None;
            }
        }
        if points.last().is_some_and(|p| p.0 < 1.0) {
            self.r.error(
                "model/missing-field",
                body.span,
                format!("{context} needs `p100`, the largest latency measured"),
                "the tail above the last percentile is unknown",
            );
            return None;
        }
        Some(LatencySpec::Percentiles { points: points.into_iter().map(|(p, t)| (p, t.value)).collect() })
    }

    fn positive_number(&mut self, node: &Node, what: &str) -> Option<Spanned<f64>> {
        match node.kind {
            NodeKind::Number(v) if v.is_finite() && v > 0.0 => Some(Spanned::new(v, node.span)),
            NodeKind::Number(_) => {
                self.r.error("model/invalid-value", node.span, format!("{what} must be above zero"), "out of range");
                None
            }
            _ => {
                self.r.error("model/type", node.span, format!("{what} must be a number"), "expected a number");
                None
            }
        }
    }

    /// Entries of a name-keyed section; duplicate names are reported and dropped.
    fn named_section<'a>(&mut self, node: Option<&'a Node>, section: &str, noun: &str) -> Vec<(&'a Key, &'a Node)> {
        let Some(node) = node else { return Vec::new() };
        let Some(entries) = self.r.mapping(node, &format!("`{section}`")) else { return Vec::new() };
        let mut seen: HashMap<&str, Span> = HashMap::new();
        let mut kept = Vec::new();
        for (key, value) in entries {
            if let Some(first) = seen.get(key.name.as_str()) {
                self.r.push(
                    Diagnostic::error("model/duplicate", format!("{noun} `{}` is declared twice", key.name))
                        .with_primary(key.span, "declared again here")
                        .with_secondary(*first, "first declared here"),
                );
                continue;
            }
            if key.name.trim().is_empty() {
                self.r.error("model/invalid-value", key.span, format!("a {noun} needs a name"), "empty name");
                continue;
            }
            seen.insert(&key.name, key.span);
            kept.push((key, value));
        }
        kept
    }

    fn reliability(&mut self, fields: &Fields, at: Span, what: &str, allow_sla: bool) -> Option<Reliability> {
        let given: Vec<&str> = ["availability", "sla", "mttf", "afr"].into_iter().filter(|k| fields.has(k)).collect();
        let mttr = fields.get("mttr").and_then(|n| self.r.duration(n, "mttr"));
        if given.len() > 1 {
            let mut d = Diagnostic::error(
                "model/conflict",
                format!(
                    "{what} sets both `{}` and `{}`: give exactly one way to state its reliability",
                    given[0], given[1]
                ),
            )
            .with_primary(fields.key_span(given[1]).unwrap_or(at), "second reliability given here")
            .with_secondary(fields.key_span(given[0]).unwrap_or(at), "first given here");
            d = d.with_help("use one of: availability, sla, mttf + mttr, afr + mttr");
            self.r.push(d);
            return None;
        }
        let Some(&kind) = given.first() else {
            let help = if allow_sla {
                "availability, sla, mttf + mttr or afr + mttr"
            } else {
                "availability, mttf + mttr or afr + mttr"
            };
            self.r.error(
                "model/missing-field",
                at,
                format!("{what} does not say how it fails"),
                format!("add one of: {help}"),
            );
            return None;
        };
        let node = fields.get(kind)?;
        match kind {
            "availability" | "sla" => {
                if kind == "sla" && !allow_sla {
                    self.r.error(
                        "model/unknown-key",
                        fields.key_span("sla").unwrap_or(at),
                        format!("{what} cannot have an `sla`"),
                        "use `availability`",
                    );
                    return None;
                }
                let (a, u) = self.r.probability(node, kind)?;
                let mttr_s = mttr.map(|m| m.value);
                if mttr_s == Some(0.0) && a.value < 1.0 {
                    self.r.error(
                        "model/invalid-value",
                        fields.get("mttr")?.span,
                        "mttr must be longer than zero",
                        "zero repair time",
                    );
                }
                let source = if kind == "sla" { ReliabilitySource::Sla } else { ReliabilitySource::Availability };
                Some(Reliability { source, availability: a.value, unavailability: u, mttr_s, span: a.span })
            }
            "mttf" | "afr" => {
                let Some(mttr) = mttr else {
                    self.r.error(
                        "model/missing-field",
                        fields.key_span(kind).unwrap_or(at),
                        format!("`{kind}` needs `mttr` (mean time to repair) beside it"),
                        "no `mttr` for this",
                    );
                    return None;
                };
                let (mttf, span, source) = if kind == "mttf" {
                    let m = self.r.duration(node, "mttf")?;
                    if m.value <= 0.0 {
                        self.r.error("model/invalid-value", m.span, "mttf must be longer than zero", "zero mttf");
                        return None;
                    }
                    (m.value, m.span, ReliabilitySource::MttfMttr)
                } else {
                    let (afr, _) = self.r.probability(node, "afr")?;
                    if afr.value >= 1.0 || afr.value <= 0.0 {
                        self.r.error(
                            "model/invalid-value",
                            afr.span,
                            "afr must be above 0% and below 100%",
                            "out of range",
                        );
                        return None;
                    }
                    // AFR is the share failing within a year: 1 − e^(−λ·1y) = afr.
                    let rate = -(1.0 - afr.value).ln() / YEAR;
                    (1.0 / rate, afr.span, ReliabilitySource::AfrMttr)
                };
                let total = mttf + mttr.value;
                Some(Reliability {
                    source,
                    availability: mttf / total,
                    unavailability: mttr.value / total,
                    mttr_s: Some(mttr.value),
                    span,
                })
            }
            _ => None,
        }
    }

    fn domain_ref(&mut self, node: &Node, what: &str) -> Option<Spanned<DomainId>> {
        let name = self.r.string(node, what)?;
        match self.domain_names.get(&name.value) {
            Some(&id) => Some(Spanned::new(id, name.span)),
            None if self.domains_broken => None,
            None => {
                let mut d = Diagnostic::error("model/unknown-ref", format!("unknown domain `{}`", name.value))
                    .with_primary(name.span, "no domain has this name");
                let names: Vec<&str> = self.domain_names.keys().map(String::as_str).collect();
                d = match did_you_mean(&name.value, sorted(names)) {
                    Some(s) => d.with_help(format!("did you mean `{s}`?")),
                    None if self.domain_names.is_empty() => d.with_help("declare it under `domains`"),
                    None => d,
                };
                self.r.push(d);
                None
            }
        }
    }

    fn component_ref(&mut self, node: &Node, what: &str) -> Option<Spanned<ComponentId>> {
        let name = self.r.string(node, what)?;
        match self.component_names.get(&name.value) {
            Some(&id) => {
                if let Some(caller) = self.caller {
                    self.edges.push((caller, id, name.span));
                }
                Some(Spanned::new(id, name.span))
            }
            None if self.components_broken => None,
            None => {
                let mut d = Diagnostic::error("model/unknown-ref", format!("unknown component `{}`", name.value))
                    .with_primary(name.span, "no component has this name");
                let names: Vec<&str> = self.component_names.keys().map(String::as_str).collect();
                if let Some(s) = did_you_mean(&name.value, sorted(names)) {
                    d = d.with_help(format!("did you mean `{s}`?"));
                }
                self.r.push(d);
                None
            }
        }
    }

    fn domain(&mut self, key: &Key, node: &Node) -> Option<Domain> {
        let what = format!("domain `{}`", key.name);
        let fields = self.r.fields(node, DOMAIN_KEYS, &what)?;
        let kind = fields.get("kind").and_then(|n| self.r.string(n, "`kind`")).map(|s| s.value);
        let parent = match fields.get("parent") {
            Some(n) => Some(self.domain_ref(n, "`parent`")?.value),
            None => None,
        };
        let outage = self.reliability(&fields, key.span, &what, false)?;
        let waivers = self.waivers(fields.get("waivers"))?;
        Some(Domain { name: key.name.clone(), name_span: key.span, kind, parent, outage, waivers })
    }

    fn check_domain_tree(&mut self, domains: &[Domain]) {
        for (id, domain) in domains.iter().enumerate() {
            let mut seen = vec![id];
            let mut current = domain.parent;
            while let Some(p) = current {
                if p == id {
                    let names: Vec<String> = seen.iter().map(|&d| format!("`{}`", domains[d].name)).collect();
                    self.r.error(
                        "model/cycle",
                        domain.name_span,
                        format!("domain `{}` is its own ancestor: {}", domain.name, names.join(" → ")),
                        "parent chain loops back here",
                    );
                    break;
                }
                if seen.contains(&p) {
                    break;
                }
                seen.push(p);
                current = domains[p].parent;
            }
        }
    }

    fn component(&mut self, key: &Key, node: &Node) -> Option<Component> {
        let what = format!("component `{}`", key.name);
        let fields = self.r.fields(node, COMPONENT_KEYS, &what)?;
        let description = fields.get("description").and_then(|n| self.r.string(n, "`description`")).map(|s| s.value);
        let reliability = self.reliability(&fields, key.span, &what, true);
        let replicas = match fields.get("replicas") {
            Some(n) => self.r.count(n, "`replicas`", 1, MAX_REPLICAS),
            None => Some(Spanned::new(1, key.span)),
        };
        let min_healthy = match fields.get("min_healthy") {
            Some(n) => self.r.count(n, "`min_healthy`", 1, MAX_REPLICAS),
            None => Some(Spanned::new(1, key.span)),
        };
        if let (Some(n), Some(k)) = (&replicas, &min_healthy)
            && k.value > n.value
        {
            let mut d = Diagnostic::error(
                "model/invalid-value",
                format!("{what} needs {} healthy replicas but has only {}", k.value, n.value),
            )
            .with_primary(k.span, "more than the replicas");
            if fields.has("replicas") {
                d = d.with_secondary(n.span, "replicas declared here");
            }
            self.r.push(d);
        }
        let (placement, placement_span) = self.placement(&fields, &what);
        let common_cause =
            fields.get("common_cause").and_then(|n| self.r.probability(n, "`common_cause`")).map(|p| p.0);
        let repair_crews = fields.get("repair_crews").and_then(|n| self.r.count(n, "`repair_crews`", 1, MAX_REPLICAS));
        let standby = fields.get("standby").and_then(|n| self.standby(n, &what));
        let changes = fields.get("changes").and_then(|n| self.changes(n, &what));
        let cost = fields.get("cost").map_or(Some(Cost::default()), |n| self.cost(n, &what));
        let calls = match fields.get("calls") {
            Some(n) => self.calls(n, &what),
            None => Some(Vec::new()),
        };
        let waivers = self.waivers(fields.get("waivers"));
        let latency = match fields.get("latency") {
            Some(n) => self.latency(n, &what).map(Some),
            None => Some(None),
        };
        let workers = fields.get("workers").and_then(|n| self.r.count(n, "`workers`", 1, MAX_WORKERS));
        let max_rate = fields.get("max_rate").and_then(|n| self.positive_rate(n, "`max_rate`"));
        let connections = fields.get("connections").and_then(|n| self.r.count(n, "`connections`", 1, MAX_WORKERS));
        let error_rate = fields.get("error_rate").and_then(|n| self.r.probability(n, "`error_rate`")).map(|p| p.0);
        if let (Some(_), Some(_)) = (fields.get("workers"), fields.get("max_rate")) {
            self.r.push(
                Diagnostic::error("model/conflict", format!("{what} sets both `workers` and `max_rate`"))
                    .with_primary(fields.key_span("max_rate").unwrap_or_default(), "`max_rate` here")
                    .with_secondary(fields.key_span("workers").unwrap_or_default(), "`workers` here")
                    .with_help(
                        "give `workers` (concurrent requests per replica; capacity follows from the latency) \
                         or `max_rate` (requests per second per replica), not both",
                    ),
            );
        }
        if let (Some(w), None) = (&workers, fields.get("latency")) {
            self.r.error(
                "model/missing-field",
                w.span,
                format!("{what} sets `workers` but no `latency`"),
                "capacity needs a service time",
            );
        }

        let (reliability, replicas, min_healthy) = (reliability?, replicas?, min_healthy?);
        if let Some(crews) = &repair_crews {
            if reliability.mttr_s.is_none() {
                self.r.error(
                    "model/missing-field",
                    crews.span,
                    format!("{what} sets `repair_crews` but no `mttr`"),
                    "repair needs a repair time",
                );
            } else if crews.value > replicas.value {
                self.r.error(
                    "model/invalid-value",
                    crews.span,
                    format!("{what} has more repair crews than replicas"),
                    "at most `replicas`",
                );
            }
        }
        if let Some(standby) = &standby {
            if replicas.value < 2 {
                self.r.error(
                    "model/invalid-value",
                    standby.span,
                    format!("{what} is active-passive but has one replica"),
                    "standby needs replicas: 2 or more",
                );
            }
            if min_healthy.value != 1 {
                self.r.error(
                    "model/conflict",
                    standby.span,
                    format!("{what} is active-passive, so it serves from one replica: min_healthy must be 1"),
                    "standby here",
                );
            }
            if reliability.mttr_s.is_none() {
                self.r.error(
                    "model/missing-field",
                    standby.span,
                    format!("{what} is active-passive but has no `mttr`"),
                    "failover modelling needs a repair time",
                );
            }
        }
        Some(Component {
            name: key.name.clone(),
            name_span: key.span,
            description,
            reliability,
            replicas,
            min_healthy,
            placement,
            placement_span,
            common_cause,
            repair_crews,
            standby,
            changes,
            cost: cost?,
            calls: calls?,
            waivers: waivers?,
            latency: latency?,
            workers,
            max_rate,
            connections,
            error_rate,
        })
    }

    fn placement(&mut self, fields: &Fields, what: &str) -> (Vec<DomainId>, Option<Span>) {
        match (fields.get("in"), fields.get("spread")) {
            (Some(_), Some(_)) => {
                let d = Diagnostic::error("model/conflict", format!("{what} sets both `in` and `spread`"))
                    .with_primary(fields.key_span("spread").unwrap_or_default(), "`spread` here")
                    .with_secondary(fields.key_span("in").unwrap_or_default(), "`in` here")
                    .with_help("use `in: DOMAIN` for one domain, or `spread: [A, B, C]` to place replicas round-robin");
                self.r.push(d);
                (Vec::new(), None)
            }
            (Some(node), None) => match self.domain_ref(node, "`in`") {
                Some(d) => (vec![d.value], Some(d.span)),
                None => (Vec::new(), None),
            },
            (None, Some(node)) => {
                let Some(items) = self.r.list(node, "`spread`") else { return (Vec::new(), None) };
                if items.is_empty() {
                    self.r.error("model/invalid-value", node.span, "`spread` needs at least one domain", "empty list");
                    return (Vec::new(), None);
                }
                let ids: Vec<Option<Spanned<DomainId>>> =
                    items.iter().map(|n| self.domain_ref(n, "a `spread` entry")).collect();
                let Some(ids) = ids.into_iter().collect::<Option<Vec<_>>>() else { return (Vec::new(), None) };
                let span = fields.key_span("spread");
                (ids.iter().map(|d| d.value).collect(), span)
            }
            (None, None) => (Vec::new(), None),
        }
    }

    fn standby(&mut self, node: &Node, what: &str) -> Option<Standby> {
        let fields = self.r.fields(node, STANDBY_KEYS, &format!("the standby of {what}"))?;
        let span = node.span;
        let failover =
            self.r.require(&fields, "failover", span, "`standby`").and_then(|n| self.r.duration(n, "failover time"));
        let success = self
            .r
            .require(&fields, "success", span, "`standby`")
            .and_then(|n| self.r.probability(n, "failover success"));
        Some(Standby { failover_s: failover?.value, success: success?.0.value, span: fields.node.span })
    }

    fn changes(&mut self, node: &Node, what: &str) -> Option<Changes> {
        let fields = self.r.fields(node, CHANGES_KEYS, &format!("the changes of {what}"))?;
        let span = node.span;
        let deploys = self.r.require(&fields, "deploys", span, "`changes`").and_then(|n| self.r.rate(n, "deploy rate"));
        let failure_rate = self
            .r
            .require(&fields, "failure_rate", span, "`changes`")
            .and_then(|n| self.r.probability(n, "change failure rate"));
        let restore =
            self.r.require(&fields, "restore", span, "`changes`").and_then(|n| self.r.duration(n, "time to restore"));
        let changes = Changes {
            deploys_per_s: deploys?.value,
            failure_rate: failure_rate?.0.value,
            restore_s: restore?.value,
            span,
        };
        if changes.deploys_per_s * changes.failure_rate * changes.restore_s > 1.0 {
            self.r.error(
                "model/invalid-value",
                span,
                format!("{what}: bad deploys would keep it down more than 100% of the time"),
                "deploys × failure_rate × restore > 1",
            );
            return None;
        }
        Some(changes)
    }

    fn cost(&mut self, node: &Node, what: &str) -> Option<Cost> {
        let fields = self.r.fields(node, COST_KEYS, &format!("the cost of {what}"))?;
        Some(Cost {
            per_replica_month: fields.get("per_replica").and_then(|n| self.r.money_per_month(n, "cost per replica")),
            fixed_month: fields.get("fixed").and_then(|n| self.r.money_per_month(n, "fixed cost")),
            capex: fields.get("capex").and_then(|n| self.r.money(n, "capex")),
            per_million_requests: fields
                .get("per_million_requests")
                .and_then(|n| self.r.money(n, "cost per million requests")),
        })
    }

    fn calls(&mut self, node: &Node, what: &str) -> Option<Vec<Call>> {
        let items = self.r.list(node, &format!("the calls of {what}"))?;
        let calls: Vec<Option<Call>> = items.iter().map(|item| self.call(item, what)).collect();
        calls.into_iter().collect()
    }

    fn call(&mut self, node: &Node, what: &str) -> Option<Call> {
        if let NodeKind::String(_) = node.kind {
            let to = self.component_ref(node, "a call target")?;
            return Some(Call {
                span: node.span,
                soft: false,
                target: CallTarget::Single { to, fallback: Vec::new() },
                count: Spanned::new(1, node.span),
                fanout: None,
                probability: None,
                timeout: None,
                retries: None,
                backoff: None,
                hedge: None,
                network: None,
            });
        }
        let fields = self.r.fields(node, CALL_KEYS, &format!("a call of {what}"))?;
        let soft = match fields.get("soft") {
            Some(n) => self.r.bool(n, "`soft`")?,
            None => false,
        };
        let span = fields.key_span("to").or(fields.key_span("parallel")).unwrap_or(node.span);
        let target = match (fields.get("to"), fields.get("parallel")) {
            (Some(to), None) => {
                if let (Some(q), false) = (fields.key_span("quorum"), fields.has("fanout")) {
                    self.r.error(
                        "model/conflict",
                        q,
                        "`quorum` applies to a `parallel` group or a `fanout`, not a single call",
                        "not valid with `to` alone",
                    );
                }
                let to = self.component_ref(to, "a call target");
                let fallback = match fields.get("fallback") {
                    None => Some(Vec::new()),
                    Some(n @ Node { kind: NodeKind::String(_), .. }) => {
                        self.component_ref(n, "a fallback").map(|f| vec![f])
                    }
                    Some(n) => {
                        let items = self.r.list(n, "`fallback`")?;
                        items
                            .iter()
                            .map(|i| self.component_ref(i, "a fallback"))
                            .collect::<Vec<_>>()
                            .into_iter()
                            .collect()
                    }
                };
                CallTarget::Single { to: to?, fallback: fallback? }
            }
            (None, Some(group)) => {
                if let Some(f) = fields.key_span("fallback") {
                    self.r.error(
                        "model/conflict",
                        f,
                        "`fallback` applies to a single call, not a `parallel` group",
                        "not valid with `parallel`",
                    );
                }
                let items = self.r.list(group, "`parallel`")?;
                if items.is_empty() {
                    self.r.error(
                        "model/invalid-value",
                        group.span,
                        "a `parallel` group needs at least one target",
                        "empty group",
                    );
                    return None;
                }
                let to: Option<Vec<_>> = items
                    .iter()
                    .map(|i| self.component_ref(i, "a parallel target"))
                    .collect::<Vec<_>>()
                    .into_iter()
                    .collect();
                let to = to?;
                let quorum = match fields.get("quorum") {
                    Some(n) => Some(self.r.count(n, "`quorum`", 1, to.len() as u32)?),
                    None => None,
                };
                CallTarget::Parallel { to, quorum }
            }
            (Some(_), Some(_)) => {
                self.r.error(
                    "model/conflict",
                    fields.key_span("parallel").unwrap_or(node.span),
                    "a call has either `to` (one target) or `parallel` (a group), not both",
                    "second target form here",
                );
                return None;
            }
            (None, None) => {
                self.r.error(
                    "model/missing-field",
                    node.span,
                    "a call needs `to: COMPONENT` or `parallel: [A, B]`",
                    "no target",
                );
                return None;
            }
        };
        let options = self.call_options(&fields, span);
        let CallOptions { count, probability, timeout, retries, backoff, hedge, network } = options?;
        let fanout = match fields.get("fanout") {
            Some(n) => {
                let shards = self.r.count(n, "`fanout`", 1, MAX_CALL_COUNT)?;
                if fields.has("parallel") || fields.has("fallback") {
                    self.r.error(
                        "model/conflict",
                        shards.span,
                        "`fanout` calls shards of one target: it cannot be combined with `parallel` or `fallback`",
                        "not valid here",
                    );
                    return None;
                }
                let quorum = match fields.get("quorum") {
                    Some(q) => Some(self.r.count(q, "`quorum`", 1, shards.value)?),
                    None => None,
                };
                Some(Fanout { shards, quorum })
            }
            None => None,
        };
        Some(Call { span, soft, target, count, fanout, probability, timeout, retries, backoff, hedge, network })
    }

    /// The load and latency settings of one call.
    fn call_options(&mut self, fields: &Fields, span: Span) -> Option<CallOptions> {
        let mut ok = true;
        let count = match fields.get("count") {
            Some(n) => self.r.count(n, "`count`", 1, MAX_CALL_COUNT),
            None => Some(Spanned::new(1, span)),
        };
        ok &= count.is_some();
        let mut optional = |present: bool, value: Option<Spanned<f64>>| {
            ok &= !present || value.is_some();
            value
        };
        let probability = optional(
            fields.has("probability"),
            fields.get("probability").and_then(|n| self.r.probability(n, "`probability`")).map(|p| p.0),
        );
        let timeout =
            optional(fields.has("timeout"), fields.get("timeout").and_then(|n| self.positive_duration(n, "`timeout`")));
        let backoff =
            optional(fields.has("backoff"), fields.get("backoff").and_then(|n| self.r.duration(n, "`backoff`")));
        let hedge =
            optional(fields.has("hedge"), fields.get("hedge").and_then(|n| self.positive_duration(n, "`hedge`")));
        let retries = fields.get("retries").and_then(|n| self.r.count(n, "`retries`", 0, MAX_RETRIES));
        ok &= !fields.has("retries") || retries.is_some();
        if let (Some(b), None) = (&backoff, &retries) {
            self.r.error("model/conflict", b.span, "`backoff` without `retries`", "nothing to back off from");
            ok = false;
        }
        let network = self.network(fields);
        ok &= network.is_ok();
        ok.then(|| CallOptions {
            count: count.unwrap_or(Spanned::new(1, span)),
            probability,
            timeout,
            retries,
            backoff,
            hedge,
            network: network.ok().flatten(),
        })
    }

    /// `rtt`, `distance` (km) or a named default (`network: cross-zone`).
    fn network(&mut self, fields: &Fields) -> Result<Option<Network>, ()> {
        let rtt = match fields.get("rtt") {
            Some(n) => Some(self.r.duration(n, "`rtt`").ok_or(())?),
            None => None,
        };
        let distance = match fields.get("distance") {
            Some(n) => Some(self.distance(n).ok_or(())?),
            None => None,
        };
        let class = match fields.get("network") {
            Some(n) => {
                let name = self.r.string(n, "`network`").ok_or(())?;
                match NetworkClass::ALL.iter().find(|(k, _)| *k == name.value) {
                    Some(&(_, class)) => Some(Spanned::new(class, name.span)),
                    None => {
                        let names: Vec<&str> = NetworkClass::ALL.iter().map(|(k, _)| *k).collect();
                        let mut d =
                            Diagnostic::error("model/invalid-value", format!("unknown network `{}`", name.value))
                                .with_primary(name.span, "not a known network class")
                                .with_help(format!("use one of {}, or give `rtt` or `distance`", names.join(", ")));
                        if let Some(s) = did_you_mean(&name.value, names) {
                            d = d.with_help(format!("did you mean `{s}`?"));
                        }
                        self.r.push(d);
                        return Err(());
                    }
                }
            }
            None => None,
        };
        if let (Some(c), true) = (&class, rtt.is_some() || distance.is_some()) {
            self.r.error(
                "model/conflict",
                c.span,
                "`network` names a default round trip; it cannot be combined with `rtt` or `distance`",
                "drop this, or drop `rtt`/`distance`",
            );
            return Err(());
        }
        Ok(match (rtt, distance, class) {
            (Some(rtt), distance, _) => {
                Some(Network { rtt_s: rtt.value, distance_km: distance, span: rtt.span, source: NetworkSource::Rtt })
            }
            (None, Some(d), _) => Some(Network {
                rtt_s: crate::model::quantity::rtt_floor_s(d.value),
                span: d.span,
                distance_km: Some(d),
                source: NetworkSource::Distance,
            }),
            (None, None, Some(c)) => Some(Network {
                rtt_s: c.value.default_rtt_s(),
                distance_km: None,
                span: c.span,
                source: NetworkSource::Default(c.value),
            }),
            (None, None, None) => None,
        })
    }

    fn distance(&mut self, node: &Node) -> Option<Spanned<f64>> {
        let text = match &node.kind {
            NodeKind::String(s) => s.clone(),
            _ => {
                self.r.error(
                    "model/invalid-value",
                    node.span,
                    "`distance` needs a unit, e.g. 5570km",
                    "expected a distance in km",
                );
                return None;
            }
        };
        match crate::model::quantity::parse_distance_km(&text) {
            Ok(v) => Some(Spanned::new(v, node.span)),
            Err(m) => {
                self.r.error("model/invalid-value", node.span, format!("invalid `distance`: {m}"), "invalid value");
                None
            }
        }
    }

    fn positive_duration(&mut self, node: &Node, what: &str) -> Option<Spanned<f64>> {
        let d = self.r.duration(node, what)?;
        if d.value <= 0.0 {
            self.r.error("model/invalid-value", d.span, format!("{what} must be longer than zero"), "zero");
            return None;
        }
        Some(d)
    }

    fn positive_rate(&mut self, node: &Node, what: &str) -> Option<Spanned<f64>> {
        let r = self.r.rate(node, what)?;
        if r.value <= 0.0 {
            self.r.error("model/invalid-value", r.span, format!("{what} must be above zero"), "zero rate");
            return None;
        }
        Some(r)
    }

    fn flow(&mut self, key: &Key, node: &Node) -> Option<Flow> {
        let what = format!("flow `{}`", key.name);
        let fields = self.r.fields(node, FLOW_KEYS, &what)?;
        let entry = self.r.require(&fields, "entry", key.span, &what).and_then(|n| self.component_ref(n, "`entry`"));
        let share = fields.get("share").and_then(|n| self.r.probability(n, "`share`")).map(|p| p.0);
        let objective = match fields.get("objective") {
            Some(n) => self.objective(n, &what),
            None => Some(Objective::default()),
        };
        let waivers = self.waivers(fields.get("waivers"));
        Some(Flow {
            name: key.name.clone(),
            name_span: key.span,
            entry: entry?,
            share,
            objective: objective?,
            waivers: waivers?,
        })
    }

    fn objective(&mut self, node: &Node, what: &str) -> Option<Objective> {
        let fields = self.r.fields(node, OBJECTIVE_KEYS, &format!("the objective of {what}"))?;
        let availability = match fields.get("availability") {
            Some(n) => {
                let (value, complement) = self.r.probability(n, "availability objective")?;
                Some(Spanned::new(Level { value: value.value, complement }, value.span))
            }
            None => None,
        };
        let latency = match fields.get("latency") {
            Some(n) => self.latency_objectives(n, what)?,
            None => Vec::new(),
        };
        let throughput = match fields.get("throughput") {
            Some(n) => Some(self.positive_rate(n, "throughput objective")?),
            None => None,
        };
        Some(Objective { availability, latency, throughput })
    }

    fn latency_objectives(&mut self, node: &Node, what: &str) -> Option<Vec<LatencyObjective>> {
        let fields = self.r.fields(node, LATENCY_OBJECTIVE_KEYS, &format!("the latency objective of {what}"))?;
        let mut objectives = Vec::new();
        let mut ok = true;
        for &key in LATENCY_OBJECTIVE_KEYS {
            let Some(n) = fields.get(key) else { continue };
            match self.positive_duration(n, &format!("`{key}`")) {
                Some(limit) => objectives.push(LatencyObjective {
                    quantile: percentile_of_key(key).unwrap_or(0.5),
                    name: key.to_string(),
                    limit,
                }),
                None => ok = false,
            }
        }
        for pair in objectives.windows(2) {
            if pair[1].limit.value < pair[0].limit.value {
                self.r.push(
                    Diagnostic::error(
                        "model/invalid-value",
                        format!("the {} objective is below the {} objective", pair[1].name, pair[0].name),
                    )
                    .with_primary(pair[1].limit.span, format!("below {}", pair[0].name))
                    .with_secondary(pair[0].limit.span, pair[0].name.clone()),
                );
                ok = false;
            }
        }
        ok.then_some(objectives)
    }

    fn check_shares(&mut self, flows: &[Flow]) {
        let declared: Vec<&Spanned<f64>> = flows.iter().filter_map(|f| f.share.as_ref()).collect();
        if declared.is_empty() {
            return;
        }
        if declared.len() != flows.len() {
            for flow in flows.iter().filter(|f| f.share.is_none()) {
                self.r.error(
                    "model/missing-field",
                    flow.name_span,
                    format!("flow `{}` has no `share` while other flows do", flow.name),
                    "give every flow a share, or none",
                );
            }
            return;
        }
        let total: f64 = declared.iter().map(|s| s.value).sum();
        if (total - 1.0).abs() > 1e-9 {
            let mut d = Diagnostic::error(
                "model/invalid-value",
                format!("flow shares add up to {:.4}%, not 100%", total * 100.0),
            )
            .with_primary(declared[0].span, "shares start here");
            for s in &declared[1..] {
                d = d.with_secondary(s.span, "share");
            }
            self.r.push(d);
        }
    }

    fn waivers(&mut self, node: Option<&Node>) -> Option<Vec<Waiver>> {
        let Some(node) = node else { return Some(Vec::new()) };
        let items = self.r.list(node, "`waivers`")?;
        let mut waivers = Vec::new();
        let mut ok = true;
        for item in items {
            match self.waiver(item) {
                Some(w) => waivers.push(w),
                None => ok = false,
            }
        }
        ok.then_some(waivers)
    }

    fn waiver(&mut self, node: &Node) -> Option<Waiver> {
        let fields = self.r.fields(node, WAIVER_KEYS, "a waiver")?;
        let rule = self.r.require(&fields, "rule", node.span, "a waiver").and_then(|n| self.r.string(n, "`rule`"));
        let reason =
            self.r.require(&fields, "reason", node.span, "a waiver").and_then(|n| self.r.string(n, "`reason`"));
        let expires = match fields.get("expires") {
            Some(n @ Node { kind: NodeKind::String(s), .. }) if is_iso_date(s) => Some(Spanned::new(s.clone(), n.span)),
            Some(n) => {
                self.r.error(
                    "model/invalid-value",
                    n.span,
                    "`expires` must be a date written YYYY-MM-DD",
                    "not a date",
                );
                return None;
            }
            None => None,
        };
        let rule = rule?;
        if !rules::is_waivable(&rule.value) {
            let mut d = Diagnostic::error("model/unknown-ref", format!("unknown or unwaivable rule `{}`", rule.value))
                .with_primary(rule.span, "no finding has this rule id");
            if let Some(s) = did_you_mean(&rule.value, rules::waivable_ids()) {
                d = d.with_help(format!("did you mean `{s}`?"));
            }
            self.r.push(d);
            return None;
        }
        let reason = reason?;
        if reason.value.trim().is_empty() {
            self.r.error("model/invalid-value", reason.span, "a waiver needs a reason", "empty reason");
            return None;
        }
        Some(Waiver { rule, reason: reason.value, expires, span: node.span })
    }
}

/// A call's load and latency settings, read together.
struct CallOptions {
    count: Spanned<u32>,
    probability: Option<Spanned<f64>>,
    timeout: Option<Spanned<f64>>,
    retries: Option<Spanned<u32>>,
    backoff: Option<Spanned<f64>>,
    hedge: Option<Spanned<f64>>,
    network: Option<Network>,
}

fn index_names(entries: &[(&Key, &Node)]) -> HashMap<String, usize> {
    entries.iter().enumerate().map(|(i, (k, _))| (k.name.clone(), i)).collect()
}

fn sorted(mut names: Vec<&str>) -> Vec<&str> {
    names.sort_unstable();
    names
}

/// The probability a percentile key names: `p50` → 0.5, `p999` → 0.999, `p9999` →
/// 0.9999, `p100` → 1 (digits after a leading "99" are decimals of a percent).
pub fn percentile_of_key(key: &str) -> Option<f64> {
    let digits = key.strip_prefix('p')?;
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) || digits.len() > 8 {
        return None;
    }
    let percent: f64 = if digits == "100" {
        100.0
    } else if digits.len() > 2 && digits.starts_with("99") {
        format!("99.{}", &digits[2..]).parse().ok()?
    } else if digits.len() <= 2 && !digits.starts_with('0') {
        digits.parse().ok()?
    } else {
        return None;
    };
    (percent > 0.0 && percent <= 100.0).then_some(percent / 100.0)
}

/// `YYYY-MM-DD`, a real calendar date (days per month, Gregorian leap years).
pub fn is_iso_date(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    let [y, m, d] = parts.as_slice() else { return false };
    let all_digits = |s: &str, n: usize| s.len() == n && s.chars().all(|c| c.is_ascii_digit());
    if !(all_digits(y, 4) && all_digits(m, 2) && all_digits(d, 2)) {
        return false;
    }
    let (y, m, d): (u32, u32, u32) = (y.parse().unwrap_or(0), m.parse().unwrap_or(0), d.parse().unwrap_or(0));
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}
