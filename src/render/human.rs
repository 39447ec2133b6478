//! Human output: miette diagnostics with source snippets, then a summary of every
//! flow (availability, downtime, outages, single points of failure).

use std::fmt::Write;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};

use crate::Checked;
use crate::analysis::cutsets::{CutSet, CutUnit};
use crate::analysis::load::{ComponentLoad, Level, LoadReport, QueueModel};
use crate::check;
use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::format::{duration, percent, rate, significant};
use crate::model::Model;
use crate::source::SourceFile;

/// Width diagnostics are wrapped to (fixed so snapshots are stable).
const WIDTH: usize = 100;

/// One diagnostic in miette's form.
#[derive(Debug)]
struct Rendered<'a> {
    d: &'a Diagnostic,
    source: NamedSource<String>,
    /// The secondary labels shown in the snippet (those near the primary).
    secondary: Vec<&'a Label>,
}

impl std::fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let severity = if self.d.waived.is_some() { "waived" } else { self.d.severity.as_str() };
        write!(f, "{severity}[{}]: {}", self.d.rule, self.d.message)
    }
}

impl std::error::Error for Rendered<'_> {}

impl miette::Diagnostic for Rendered<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(match (self.d.severity, &self.d.waived) {
            (_, Some(_)) => miette::Severity::Advice,
            (Severity::Error, _) => miette::Severity::Error,
            (Severity::Warning, _) => miette::Severity::Warning,
            (Severity::Note, _) => miette::Severity::Advice,
        })
    }
    fn help<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        match (&self.d.waived, &self.d.help) {
            (Some(reason), _) => Some(Box::new(format!("waived: {reason}"))),
            (None, Some(help)) => Some(Box::new(help)),
            (None, None) => None,
        }
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.d.primary.as_ref().map(|_| &self.source as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let primary = self
            .d
            .primary
            .iter()
            .map(|l| LabeledSpan::new_primary_with_span(Some(l.message.clone()), (l.span.start, l.span.len)));
        let secondary = self
            .secondary
            .iter()
            .map(|l| LabeledSpan::new_with_span(Some(l.message.clone()), (l.span.start, l.span.len)));
        Some(Box::new(primary.chain(secondary)))
    }
}

fn handler(color: bool) -> GraphicalReportHandler {
    let theme = if color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    GraphicalReportHandler::new_themed(theme).with_width(WIDTH).with_links(false)
}

/// Every diagnostic, rendered with its source snippet.
pub fn diagnostics(source: &SourceFile, diagnostics: &[Diagnostic], color: bool) -> String {
    let handler = handler(color);
    let mut out = String::new();
    for d in diagnostics {
        if has_long_line(source, d) {
            out.push_str(&plain(source, d));
            out.push('\n');
            continue;
        }
        // Secondary labels far from the primary are listed as text below the snippet,
        // so the snippet does not quote every line in between.
        let (near, far): (Vec<&Label>, Vec<&Label>) = match &d.primary {
            Some(primary) => {
                let line = source.line_col(primary.span.start).0;
                d.secondary.iter().partition(|l| source.line_col(l.span.start).0.abs_diff(line) <= NEAR_LINES)
            }
            None => (d.secondary.iter().collect(), Vec::new()),
        };
        let rendered =
            Rendered { d, source: NamedSource::new(source.name.clone(), source.text.clone()), secondary: near };
        let mut text = String::new();
        if handler.render_report(&mut text, &rendered).is_err() {
            text = format!("{}[{}]: {}\n", d.severity.as_str(), d.rule, d.message);
        }
        for l in far {
            let _ = writeln!(text, "  also: {} ({})", l.message, location(source, l.span.start));
        }
        out.push_str(&text);
        out.push('\n');
    }
    out
}

/// Secondary labels within this many lines of the primary are shown in its snippet.
const NEAR_LINES: usize = 30;

/// Lines longer than this (in bytes) are never quoted in a snippet: miette cannot
/// underline past column 65,535, and such a line is unreadable anyway.
const LONG_LINE: usize = 2_000;

/// Whether a label of `d` sits on a line too long to quote.
fn has_long_line(source: &SourceFile, d: &Diagnostic) -> bool {
    let text = source.text.as_bytes();
    d.primary.iter().chain(&d.secondary).any(|l| {
        let start = l.span.start.min(text.len());
        let end = l.span.end().min(text.len()).max(start);
        let line_start = text[..start].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let line_end = text[end..].iter().position(|&b| b == b'\n').map_or(text.len(), |i| end + i);
        line_end - line_start > LONG_LINE
    })
}

/// `file:line:col` of a byte offset.
fn location(source: &SourceFile, offset: usize) -> String {
    let (line, column) = source.line_col(offset);
    format!("{}:{line}:{column}", source.name)
}

/// A diagnostic without a source snippet: header, location, labels as text, help.
fn plain(source: &SourceFile, d: &Diagnostic) -> String {
    let severity = if d.waived.is_some() { "waived" } else { d.severity.as_str() };
    let mut out = format!("{severity}[{}]: {}\n", d.rule, d.message);
    if let Some(primary) = &d.primary {
        let _ = writeln!(out, "  --> {}", location(source, primary.span.start));
        let _ = writeln!(out, "  = {}", primary.message);
    }
    for l in &d.secondary {
        let _ = writeln!(out, "  also: {} ({})", l.message, location(source, l.span.start));
    }
    match (&d.waived, &d.help) {
        (Some(reason), _) => {
            let _ = writeln!(out, "  help: waived: {reason}");
        }
        (None, Some(help)) => {
            let _ = writeln!(out, "  help: {help}");
        }
        (None, None) => {}
    }
    out
}

/// Diagnostics followed by the per-flow summary.
pub fn report(source: &SourceFile, checked: &Checked, color: bool) -> String {
    let mut out = diagnostics(source, &checked.findings, color);
    out.push_str(&summary(checked));
    out
}

fn summary(checked: &Checked) -> String {
    let Checked { model, report, findings, .. } = checked;
    let mut out = String::new();
    let title = model.system.name.as_deref().unwrap_or("system");
    let window = duration(model.system.window_s);
    let _ = writeln!(out, "{title}: availability per flow (steady state, exact; window {window})");
    let headers = [
        "flow",
        "availability",
        "objective",
        "downtime/window",
        "budget",
        "downtime/yr",
        "nines",
        "outages/yr",
        "mean outage",
    ];
    let mut rows: Vec<Vec<String>> = Vec::new();
    for (flow, r) in model.flows.iter().zip(&report.flows) {
        let objective = flow.objective.availability.as_ref().map_or("—".into(), |o| {
            let mark = if r.unavailability <= o.value.complement { "✓" } else { "✗" };
            format!("{} {mark}", percent(o.value.value, o.value.complement))
        });
        rows.push(vec![
            flow.name.clone(),
            percent(r.availability, r.unavailability),
            objective,
            duration(r.downtime_per_window_s),
            r.budget_per_window_s.map_or("—".into(), duration),
            duration(r.downtime_per_year_s),
            if r.nines.is_finite() { format!("{:.2}", r.nines.max(0.0)) } else { "∞".into() },
            r.outages_per_year.map_or("n/a".into(), |n| significant(n, 3)),
            r.mean_outage_s.map_or("n/a".into(), duration),
        ]);
    }
    out.push_str(&table(&headers, &rows));
    for (flow, r) in model.flows.iter().zip(&report.flows) {
        // What there is to say about the flow; its header only when there is something.
        let mut lines: Vec<String> = Vec::new();
        if r.outages_per_year.is_none() && !r.missing_mttr.is_empty() {
            lines.push(format!("  outages/yr unknown: no `mttr` for {}", list(&r.missing_mttr, 5)));
        }
        if r.transient_unavailability > 0.0 {
            lines.push(format!(
                "  transient loss: {} of requests fail with everything up: downtime, but no outages",
                crate::format::percent_diff(r.transient_unavailability)
            ));
        }
        // Rounding leaves ~1e-16 where no component declares `changes`.
        if r.change_unavailability > 1e-12 * r.unavailability.max(f64::MIN_POSITIVE) {
            lines.push(format!(
                "  change risk: bad deploys cost {} of {} downtime per window",
                duration(r.change_unavailability * model.system.window_s),
                duration(r.downtime_per_window_s)
            ));
        }
        let delta = r.correlation_delta_nines;
        if delta.is_finite() && delta.abs() >= 0.005 {
            lines.push(format!(
                "  correlation: assuming independence (no domains, no common cause) would claim {} ({:+.2} nines)",
                percent(1.0 - r.independent_unavailability, r.independent_unavailability),
                delta
            ));
        }
        // Improvement potential: the downtime removed if that component never failed
        // (shares of different components overlap, so they need not add up to 100%).
        // Entries that round to 0.0% are left out.
        let mut ranked: Vec<usize> = (0..model.components.len())
            .filter(|&c| r.birnbaum[c] > 0.0 && share(r.improvement[c], r.unavailability) >= 0.0005)
            .collect();
        ranked.sort_by(|&a, &b| r.improvement[b].total_cmp(&r.improvement[a]).then(a.cmp(&b)));
        if !ranked.is_empty() {
            let top: Vec<String> = ranked
                .iter()
                .take(3)
                .map(|&c| {
                    format!(
                        "{} {}",
                        model.components[c].name,
                        crate::format::percent_diff(share(r.improvement[c], r.unavailability))
                    )
                })
                .collect();
            lines.push(format!("  fix first (downtime removed if it never failed): {}", top.join(", ")));
        }
        if !r.spofs.is_empty() {
            let names: Vec<String> = r.spofs.iter().map(|c| cut_name(model, c)).collect();
            lines.push(format!("  single points of failure: {}", names.join(", ")));
        }
        if !r.order_two.is_empty() {
            let names: Vec<String> = r.order_two.iter().take(3).map(|c| cut_name(model, c)).collect();
            lines.push(format!("  likeliest double failures: {}", names.join("; ")));
        }
        if !lines.is_empty() {
            let _ = writeln!(out, "\n{}:", flow.name);
            for line in &lines {
                let _ = writeln!(out, "{line}");
            }
        }
    }
    if let Some(load) = &report.load {
        out.push_str(&load_summary(model, load));
    }
    if report.dropped_mass > 0.0 {
        let _ = writeln!(
            out,
            "\nnote: failure-domain states too unlikely to enumerate were dropped; results are exact to ±{:.1e}",
            report.dropped_mass
        );
    }
    let _ = writeln!(out, "\n{}", counts_line(findings));
    out
}

/// Latency per flow at mean and peak, the latency budget, and how busy each
/// component is.
fn load_summary(model: &Model, load: &LoadReport) -> String {
    let mut out = String::new();
    let traffic = model.traffic.as_ref().map_or("no traffic stated: latency of an idle system".to_string(), |t| {
        format!("traffic {} mean, {} peak", rate(t.rate.value), rate(t.peak.value))
    });
    let _ = writeln!(out, "\nlatency per flow (everything up; {traffic}; composed exactly on a grid)");
    let headers = ["flow", "load", "p50", "p90", "p99", "p99.9", "objective"];
    let mut rows = Vec::new();
    for (flow, l) in model.flows.iter().zip(&load.flows) {
        let levels: &[(Level, &str)] =
            if load.has_traffic { &[(Level::Mean, "mean"), (Level::Peak, "peak")] } else { &[(Level::Mean, "idle")] };
        for &(level, name) in levels {
            let p = l.at(level);
            let objective = flow
                .objective
                .latency
                .iter()
                .map(|o| {
                    let mark = match p.at(o.quantile) {
                        Some(v) if v <= o.limit.value => "✓",
                        _ => "✗",
                    };
                    format!("{} ≤ {} {mark}", o.name, duration(o.limit.value))
                })
                .collect::<Vec<_>>();
            let show_objective = level == Level::Peak || !load.has_traffic;
            rows.push(vec![
                if level == Level::Mean { flow.name.clone() } else { String::new() },
                format!("{name} {}", rate(if level == Level::Mean { l.rate } else { l.peak_rate })),
                latency(p.p50),
                latency(p.p90),
                latency(p.p99),
                latency(p.p999),
                if show_objective && !objective.is_empty() { objective.join(", ") } else { String::new() },
            ]);
        }
    }
    out.push_str(&table(&headers, &rows));
    for (flow, l) in model.flows.iter().zip(&load.flows) {
        let total: f64 = l.budget.iter().map(|b| b.mean_s).sum();
        if total <= 0.0 {
            continue;
        }
        let parts: Vec<String> = l
            .budget
            .iter()
            .take(5)
            .map(|b| {
                let name = b.component.map_or("network".to_string(), |c| model.components[c].name.clone());
                let mut detail = vec![crate::format::percent_diff(b.mean_s / total)];
                if b.wait_s >= 0.05 * b.mean_s && b.wait_s > 0.0 {
                    detail.push(format!("{} queueing", duration(b.wait_s)));
                }
                if b.tail_s >= 0.05 * b.mean_s && b.tail_s > 0.0 {
                    detail.push(format!("{} fan-out/retry tail", duration(b.tail_s)));
                }
                format!("{name} {} ({})", duration(b.mean_s), detail.join(", "))
            })
            .collect();
        let _ = writeln!(out, "  {} budget (mean {}): {}", flow.name, duration(total), parts.join(", "));
        if l.transient_success < 1.0 {
            let _ = writeln!(
                out,
                "  {}: transient errors and timeouts left after retries lose {} of requests",
                flow.name,
                crate::format::percent_diff(1.0 - l.transient_success)
            );
        }
    }
    let busy: Vec<(usize, &ComponentLoad)> =
        load.components.iter().enumerate().filter(|(_, c)| c.mean.utilization.is_some()).collect();
    if !busy.is_empty() {
        let _ = writeln!(out, "\ncapacity (utilization = arrivals × service time / (replicas × workers))");
        let headers = ["component", "arrivals", "at peak", "utilization", "at peak", "in flight", "queue"];
        let rows: Vec<Vec<String>> = busy
            .iter()
            .map(|(c, l)| {
                vec![
                    model.components[*c].name.clone(),
                    rate(l.mean.arrival_rate),
                    rate(l.peak.arrival_rate),
                    utilization(l.mean.utilization),
                    utilization(l.peak.utilization),
                    l.mean.in_flight.map_or("∞".into(), |x| significant(x, 3)),
                    match l.queue {
                        QueueModel::Exact => "M/M/c exact".into(),
                        QueueModel::Approximate => "G/G/c approx.".into(),
                        QueueModel::None => "—".into(),
                    },
                ]
            })
            .collect();
        out.push_str(&table(&headers, &rows));
    }
    if !load.without_latency.is_empty() {
        let names: Vec<String> = load.without_latency.iter().map(|&c| model.components[c].name.clone()).collect();
        let _ = writeln!(out, "  no `latency` declared (counted as 0): {}", list(&names, 6));
    }
    if !load.converged {
        let _ =
            writeln!(out, "  note: load and timeouts did not settle to a fixed point; figures are from the last pass");
    }
    out
}

fn latency(value: Option<f64>) -> String {
    value.map_or("∞".into(), duration)
}

fn utilization(value: Option<f64>) -> String {
    match value {
        Some(u) if u >= 1.0 => format!("{} ✗", crate::format::percent_diff(u)),
        Some(u) => crate::format::percent_diff(u),
        None => "—".into(),
    }
}

/// The first `max` names, then how many more.
fn list(names: &[String], max: usize) -> String {
    let mut text = names.iter().take(max).map(String::as_str).collect::<Vec<_>>().join(", ");
    if names.len() > max {
        text.push_str(&format!(" and {} more", names.len() - max));
    }
    text
}

fn share(part: f64, whole: f64) -> f64 {
    if whole > 0.0 { (part / whole).min(1.0) } else { 0.0 }
}

/// "1 error, 2 warnings, 1 note, 3 waived" (waived findings are not counted twice).
pub fn counts_line(findings: &[Diagnostic]) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let errors = check::count(findings, Severity::Error);
    let warnings = check::count(findings, Severity::Warning);
    let notes = check::count(findings, Severity::Note);
    let waived = findings.iter().filter(|d| d.waived.is_some()).count();
    let mut line = format!("{}, {}", plural(errors, "error"), plural(warnings, "warning"));
    if notes > 0 {
        line.push_str(&format!(", {}", plural(notes, "note")));
    }
    if waived > 0 {
        line.push_str(&format!(", {waived} waived"));
    }
    line
}

pub fn cut_name(model: &Model, cut: &CutSet) -> String {
    let names: Vec<String> = cut
        .units
        .iter()
        .map(|u| match *u {
            CutUnit::Component(c) => {
                let comp = &model.components[c];
                if comp.replicas.value > 1 && cut.units.len() == 1 && cut.order > 1 {
                    format!("{} replicas of {}", cut.order, comp.name)
                } else {
                    comp.name.clone()
                }
            }
            CutUnit::Domain(d) => model.domains[d].name.clone(),
        })
        .collect();
    names.join(" + ")
}

fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| -> String {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| {
                let pad = w - c.chars().count();
                if i == 0 { format!("{c}{}", " ".repeat(pad)) } else { format!("{}{c}", " ".repeat(pad)) }
            })
            .collect();
        format!("  {}\n", padded.join("  ").trim_end())
    };
    let mut out = line(headers.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}
