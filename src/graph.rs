//! The call graph (petgraph): construction, cycle detection and reachability.

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::diagnostic::Diagnostic;
use crate::model::{ComponentId, Model};
use crate::source::Span;

/// Components as nodes (index = component id), one edge per call target.
pub fn call_graph(model: &Model) -> DiGraph<ComponentId, ()> {
    let mut graph = DiGraph::with_capacity(model.components.len(), 0);
    for id in 0..model.components.len() {
        graph.add_node(id);
    }
    for (from, component) in model.components.iter().enumerate() {
        for call in &component.calls {
            for target in call.targets() {
                graph.update_edge(NodeIndex::new(from), NodeIndex::new(target.value), ());
            }
        }
    }
    graph
}

/// One error per cycle of calls, naming every member, pointing at a call that closes it.
pub fn cycle_diagnostics(model: &Model) -> Vec<Diagnostic> {
    let names: Vec<(&str, Span)> = model.components.iter().map(|c| (c.name.as_str(), c.name_span)).collect();
    let mut edges = Vec::new();
    for (from, component) in model.components.iter().enumerate() {
        for call in &component.calls {
            for target in call.targets() {
                edges.push((from, target.value, target.span));
            }
        }
    }
    cycle_errors(&names, &edges)
}

/// The cycle check on a call skeleton: `components` are (name, name span) by id,
/// `edges` are (caller, target, span of the target reference) in call order. The
/// model builder runs it even when other parts of the model failed.
pub fn cycle_errors(components: &[(&str, Span)], edges: &[(ComponentId, ComponentId, Span)]) -> Vec<Diagnostic> {
    let mut graph: DiGraph<ComponentId, ()> = DiGraph::with_capacity(components.len(), edges.len());
    for id in 0..components.len() {
        graph.add_node(id);
    }
    for &(from, to, _) in edges {
        graph.update_edge(NodeIndex::new(from), NodeIndex::new(to), ());
    }
    let mut diagnostics = Vec::new();
    for mut scc in tarjan_scc(&graph) {
        let self_loop = scc.len() == 1 && graph.contains_edge(scc[0], scc[0]);
        if scc.len() < 2 && !self_loop {
            continue;
        }
        scc.sort();
        let members: Vec<ComponentId> = scc.iter().map(|n| graph[*n]).collect();
        let names: Vec<String> = members.iter().map(|&c| format!("`{}`", components[c].0)).collect();
        let first = members[0];
        // Point at the first call of the first member that stays inside the cycle.
        let closing = edges
            .iter()
            .find(|&&(from, to, _)| from == first && members.contains(&to))
            .map(|&(_, _, span)| span)
            .unwrap_or(components[first].1);
        let mut d = Diagnostic::error("model/cycle", format!("call cycle through {}", names.join(", ")))
            .with_primary(closing, "this call closes the cycle");
        for &m in &members[1..] {
            d = d.with_secondary(components[m].1, format!("`{}` is in the cycle", components[m].0));
        }
        diagnostics.push(d.with_help(
            "a request can never finish on a cycle: break it, or model the callback as a separate component",
        ));
    }
    diagnostics
}

/// Components reachable from `entry` (including it), in depth-first preorder.
pub fn reachable(model: &Model, entry: ComponentId) -> Vec<ComponentId> {
    let mut seen = vec![false; model.components.len()];
    let mut order = Vec::new();
    let mut stack = vec![entry];
    while let Some(c) = stack.pop() {
        if std::mem::replace(&mut seen[c], true) {
            continue;
        }
        order.push(c);
        for call in model.components[c].calls.iter().rev() {
            for t in call.targets().into_iter().rev() {
                if !seen[t.value] {
                    stack.push(t.value);
                }
            }
        }
    }
    order
}
