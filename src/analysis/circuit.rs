//! Exact probability of a gate DAG by knowledge compilation into a decision-DNNF
//! arithmetic circuit: the children of every AND / OR / threshold node share no
//! variable (so they are independent and their probabilities combine by product),
//! and a decision node splits on one variable (Shannon expansion).
//!
//! Compilation follows DESIGN §3.1: split a gate into independent parts whenever
//! their variables are disjoint (modular decomposition), otherwise condition on the
//! variable shared by most parts and decompose again; equal residual functions are
//! hash-consed gates, so each is compiled once. The circuit is built once per flow
//! and then evaluated for every failure-domain state and every what-if, with exact
//! derivatives (Birnbaum importance) by one reverse pass.

use std::collections::HashMap;

use super::gates::{Gate, GateId, Gates, Var};
use super::prob::Prob;

pub type NodeId = u32;

#[derive(Clone, Debug)]
enum Node {
    Const(bool),
    Lit(Var),
    /// var ? hi : lo
    Decision(Var, NodeId, NodeId),
    /// All children hold (children independent).
    And(Vec<NodeId>),
    /// Some child holds (children independent).
    Or(Vec<NodeId>),
    /// At least k children hold (children independent).
    Threshold(u32, Vec<NodeId>),
}

/// A compiled circuit with one root. Nodes are stored children first.
#[derive(Clone, Debug)]
pub struct Circuit {
    nodes: Vec<Node>,
    root: NodeId,
    vars: usize,
}

/// Node probabilities under one assignment of variable probabilities.
pub struct Values {
    up: Vec<f64>,
    down: Vec<f64>,
}

impl Circuit {
    /// Compiles `root` of `gates` (variables 0..vars).
    pub fn compile(gates: &mut Gates, root: GateId, vars: usize) -> Circuit {
        let mut compiler = Compiler { gates, nodes: Vec::new(), memo: HashMap::new() };
        let root = compiler.compile(root);
        Circuit { nodes: compiler.nodes, root, vars }
    }

    pub fn size(&self) -> usize {
        self.nodes.len()
    }

    pub fn evaluate(&self, prob: &[Prob]) -> Values {
        let n = self.nodes.len();
        let (mut up, mut down) = (vec![0.0; n], vec![0.0; n]);
        for (i, node) in self.nodes.iter().enumerate() {
            let p = match node {
                Node::Const(true) => Prob::UP,
                Node::Const(false) => Prob::DOWN,
                Node::Lit(v) => prob[*v as usize],
                Node::Decision(v, hi, lo) => {
                    let p = prob[*v as usize];
                    let (hi, lo) = (*hi as usize, *lo as usize);
                    Prob { up: p.up * up[hi] + p.down * up[lo], down: p.up * down[hi] + p.down * down[lo] }
                }
                Node::And(children) => children
                    .iter()
                    .fold(Prob::UP, |acc, &c| acc.and(Prob { up: up[c as usize], down: down[c as usize] })),
                Node::Or(children) => children
                    .iter()
                    .fold(Prob::DOWN, |acc, &c| acc.or(Prob { up: up[c as usize], down: down[c as usize] })),
                Node::Threshold(k, children) => {
                    let probs: Vec<Prob> =
                        children.iter().map(|&c| Prob { up: up[c as usize], down: down[c as usize] }).collect();
                    threshold(*k as usize, &probs)
                }
            };
            up[i] = p.up;
            down[i] = p.down;
        }
        Values { up, down }
    }

    pub fn root_prob(&self, values: &Values) -> Prob {
        let r = self.root as usize;
        Prob { up: values.up[r], down: values.down[r] }
    }

    /// ∂P(root up)/∂P(var up) for every variable (Birnbaum importance), by one
    /// reverse pass, scaled by `weight` and added into `out`.
    pub fn add_birnbaum(&self, values: &Values, prob: &[Prob], weight: f64, out: &mut [f64]) {
        let mut adjoint = vec![0.0; self.nodes.len()];
        adjoint[self.root as usize] = weight;
        for i in (0..self.nodes.len()).rev() {
            let a = adjoint[i];
            if a == 0.0 {
                continue;
            }
            match &self.nodes[i] {
                Node::Const(_) => {}
                Node::Lit(v) => out[*v as usize] += a,
                Node::Decision(v, hi, lo) => {
                    let p = prob[*v as usize];
                    let (hi, lo) = (*hi as usize, *lo as usize);
                    adjoint[hi] += a * p.up;
                    adjoint[lo] += a * p.down;
                    // up(hi) − up(lo), written through the down-probabilities.
                    out[*v as usize] += a * (values.down[lo] - values.down[hi]);
                }
                Node::And(children) => {
                    let ups: Vec<f64> = children.iter().map(|&c| values.up[c as usize]).collect();
                    for (j, others) in products_without_each(&ups).into_iter().enumerate() {
                        adjoint[children[j] as usize] += a * others;
                    }
                }
                Node::Or(children) => {
                    let downs: Vec<f64> = children.iter().map(|&c| values.down[c as usize]).collect();
                    for (j, others) in products_without_each(&downs).into_iter().enumerate() {
                        adjoint[children[j] as usize] += a * others;
                    }
                }
                Node::Threshold(k, children) => {
                    let probs: Vec<Prob> = children
                        .iter()
                        .map(|&c| Prob { up: values.up[c as usize], down: values.down[c as usize] })
                        .collect();
                    for (j, &c) in children.iter().enumerate() {
                        // P(at least k | child j up) − P(at least k | child j down)
                        // = P(exactly k − 1 of the others).
                        let mut others = probs.clone();
                        others.remove(j);
                        let exactly = threshold(*k as usize - 1, &others).up - threshold(*k as usize, &others).up;
                        adjoint[c as usize] += a * exactly;
                    }
                }
            }
        }
    }

    /// Whether the root holds when each variable is true or false as `value` says.
    pub fn holds(&self, value: &dyn Fn(Var) -> bool) -> bool {
        let prob = self.boolean(value);
        self.root_prob(&self.evaluate(&prob)).up > 0.5
    }

    /// Variables true under `value` whose failure alone makes the root false (empty
    /// when the root is already false). One evaluation and one reverse pass: at a
    /// 0/1 point the derivative is f(v = 1) − f(v = 0).
    pub fn critical(&self, value: &dyn Fn(Var) -> bool) -> Vec<Var> {
        let prob = self.boolean(value);
        let values = self.evaluate(&prob);
        if self.root_prob(&values).up < 0.5 {
            return Vec::new();
        }
        let mut derivative = vec![0.0; self.vars];
        self.add_birnbaum(&values, &prob, 1.0, &mut derivative);
        (0..self.vars as Var).filter(|&v| value(v) && derivative[v as usize] > 0.5).collect()
    }

    fn boolean(&self, value: &dyn Fn(Var) -> bool) -> Vec<Prob> {
        (0..self.vars as Var).map(|v| if value(v) { Prob::UP } else { Prob::DOWN }).collect()
    }
}

/// For each i, the product of all values but the i-th (prefix × suffix products).
fn products_without_each(values: &[f64]) -> Vec<f64> {
    let mut suffix = vec![1.0; values.len() + 1];
    for i in (0..values.len()).rev() {
        suffix[i] = suffix[i + 1] * values[i];
    }
    let mut prefix = 1.0;
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let r = prefix * suffix[i + 1];
            prefix *= v;
            r
        })
        .collect()
}

/// P(at least k of independent events) and its complement, from the exact
/// distribution of the count (non-negative terms only).
fn threshold(k: usize, probs: &[Prob]) -> Prob {
    if k == 0 {
        return Prob::UP;
    }
    let mut pmf = vec![0.0; probs.len() + 1];
    pmf[0] = 1.0;
    for (i, p) in probs.iter().enumerate() {
        for j in (0..=i + 1).rev() {
            let stay = if j <= i { pmf[j] * p.down } else { 0.0 };
            let step = if j > 0 { pmf[j - 1] * p.up } else { 0.0 };
            pmf[j] = stay + step;
        }
    }
    let down: f64 = pmf[..k.min(pmf.len())].iter().sum();
    let up: f64 = pmf.get(k..).map_or(0.0, |t| t.iter().sum());
    Prob { up, down }
}

struct Compiler<'g> {
    gates: &'g mut Gates,
    nodes: Vec<Node>,
    memo: HashMap<GateId, NodeId>,
}

impl Compiler<'_> {
    fn push(&mut self, node: Node) -> NodeId {
        self.nodes.push(node);
        (self.nodes.len() - 1) as NodeId
    }

    fn compile(&mut self, g: GateId) -> NodeId {
        if let Some(&n) = self.memo.get(&g) {
            return n;
        }
        let node = match self.gates.gate(g).clone() {
            Gate::False => self.push(Node::Const(false)),
            Gate::True => self.push(Node::Const(true)),
            Gate::Var(v) => self.push(Node::Lit(v)),
            Gate::And(children) => self.compile_group(g, &children, true),
            Gate::Or(children) => self.compile_group(g, &children, false),
            Gate::AtLeast(k, children) => {
                let groups = self.independent_groups(&children);
                if groups.iter().all(|group| group.len() == 1) {
                    let compiled: Vec<NodeId> = children.iter().map(|&c| self.compile(c)).collect();
                    self.push(Node::Threshold(k, compiled))
                } else {
                    self.branch(g, &children)
                }
            }
        };
        self.memo.insert(g, node);
        node
    }

    /// AND / OR: independent parts become children of one node; a connected gate
    /// is conditioned on its most shared variable.
    fn compile_group(&mut self, g: GateId, children: &[GateId], is_and: bool) -> NodeId {
        let groups = self.independent_groups(children);
        if groups.len() == 1 {
            return self.branch(g, children);
        }
        let parts: Vec<NodeId> = groups
            .into_iter()
            .map(|group| {
                let part = if group.len() == 1 {
                    group[0]
                } else if is_and {
                    self.gates.and(group)
                } else {
                    self.gates.or(group)
                };
                self.compile(part)
            })
            .collect();
        self.push(if is_and { Node::And(parts) } else { Node::Or(parts) })
    }

    fn branch(&mut self, g: GateId, children: &[GateId]) -> NodeId {
        let v = self.most_shared(children);
        let hi_gate = self.gates.restrict(g, v, true, &mut HashMap::new());
        let lo_gate = self.gates.restrict(g, v, false, &mut HashMap::new());
        let hi = self.compile(hi_gate);
        let lo = self.compile(lo_gate);
        self.push(Node::Decision(v, hi, lo))
    }

    /// The variable that occurs in the most children (lowest index on ties).
    fn most_shared(&self, children: &[GateId]) -> Var {
        let mut counts: HashMap<Var, usize> = HashMap::new();
        for &c in children {
            for v in self.gates.support(c).iter() {
                *counts.entry(v).or_default() += 1;
            }
        }
        counts.into_iter().max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0))).map(|(v, _)| v).unwrap_or(0)
    }

    /// Children grouped so that groups share no variable (union-find over supports).
    fn independent_groups(&self, children: &[GateId]) -> Vec<Vec<GateId>> {
        let mut parent: Vec<usize> = (0..children.len()).collect();
        fn find(parent: &mut [usize], i: usize) -> usize {
            let mut root = i;
            while parent[root] != root {
                root = parent[root];
            }
            let mut j = i;
            while parent[j] != root {
                let next = parent[j];
                parent[j] = root;
                j = next;
            }
            root
        }
        let mut owner: HashMap<Var, usize> = HashMap::new();
        for (i, &c) in children.iter().enumerate() {
            for v in self.gates.support(c).iter() {
                match owner.get(&v) {
                    Some(&j) => {
                        let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                        if a != b {
                            parent[a] = b;
                        }
                    }
                    None => {
                        owner.insert(v, i);
                    }
                }
            }
        }
        let mut groups: Vec<Vec<GateId>> = Vec::new();
        let mut index: HashMap<usize, usize> = HashMap::new();
        for (i, &c) in children.iter().enumerate() {
            let root = find(&mut parent, i);
            let slot = *index.entry(root).or_insert_with(|| {
                groups.push(Vec::new());
                groups.len() - 1
            });
            groups[slot].push(c);
        }
        groups
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probs(down: &[f64]) -> Vec<Prob> {
        down.iter().map(|&d| Prob::from_down(d)).collect()
    }

    #[test]
    fn shared_event_is_counted_once() {
        // AV-07 shape: fails if (A and B fail) or (B and C fail) ⇒ up = (A ∨ B) ∧ (B ∨ C).
        let mut gates = Gates::new(3);
        let (a, b, c) = (gates.var(0), gates.var(1), gates.var(2));
        let ab = gates.or([a, b]);
        let bc = gates.or([b, c]);
        let root = gates.and([ab, bc]);
        let circuit = Circuit::compile(&mut gates, root, 3);
        let p = probs(&[0.1, 0.2, 0.3]);
        let values = circuit.evaluate(&p);
        assert!((circuit.root_prob(&values).down - 0.074).abs() < 1e-15);
        // Birnbaum of B = P(up | B up) − P(up | B down) = 1 − 0.9·0.7.
        let mut d = vec![0.0; 3];
        circuit.add_birnbaum(&values, &p, 1.0, &mut d);
        assert!((d[1] - (1.0 - 0.9 * 0.7)).abs() < 1e-15);
    }

    #[test]
    fn threshold_and_critical_vars() {
        let mut gates = Gates::new(4);
        let vars: Vec<_> = (0..3).map(|v| gates.var(v)).collect();
        let two_of_three = gates.at_least(2, vars);
        let d = gates.var(3);
        let root = gates.and([two_of_three, d]);
        let circuit = Circuit::compile(&mut gates, root, 4);
        assert_eq!(circuit.critical(&|_| true), vec![3]);
        assert_eq!(circuit.critical(&|v| v != 0), vec![1, 2, 3]);
        assert!(!circuit.holds(&|v| v > 1));
        let values = circuit.evaluate(&probs(&[0.1, 0.2, 0.3, 0.0]));
        // P(at least 2 of 3) with failure probabilities .1 .2 .3: 1 − 0.098.
        assert!((circuit.root_prob(&values).down - 0.098).abs() < 1e-15);
    }
}
