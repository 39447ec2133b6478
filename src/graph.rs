//! The call graph (petgraph): construction, cycle detection and reachability.

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::diagnostic::Diagnostic;
use crate::model::{ComponentId, Model};

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
    let graph = call_graph(model);
    let mut diagnostics = Vec::new();
    for mut scc in tarjan_scc(&graph) {
        let self_loop = scc.len() == 1 && graph.contains_edge(scc[0], scc[0]);
        if scc.len() < 2 && !self_loop {
            continue;
        }
        scc.sort();
        let members: Vec<ComponentId> = scc.iter().map(|n| graph[*n]).collect();
        let names: Vec<String> = members.iter().map(|&c| format!("`{}`", model.components[c].name)).collect();
        let first = members[0];
        // Point at the first call of the first member that stays inside the cycle.
        let closing = model.components[first]
            .calls
            .iter()
            .flat_map(|call| call.targets())
            .find(|t| members.contains(&t.value))
            .map(|t| t.span)
            .unwrap_or(model.components[first].name_span);
        let mut d = Diagnostic::error("model/cycle", format!("call cycle through {}", names.join(", ")))
            .with_primary(closing, "this call closes the cycle");
        for &m in &members[1..] {
            d = d.with_secondary(
                model.components[m].name_span,
                format!("`{}` is in the cycle", model.components[m].name),
            );
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
