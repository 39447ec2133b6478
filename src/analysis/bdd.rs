//! A reduced ordered binary decision diagram over independent basic events.
//!
//! Nodes are hash-consed, so a sub-function shared by several paths exists once and
//! its probability is computed once: this is what makes a shared dependency ONE
//! event. Children are always created before their parents, so ascending node ids
//! are a valid bottom-up evaluation order.

use std::collections::HashMap;

pub type NodeId = u32;
pub type Var = u32;

pub const FALSE: NodeId = 0;
pub const TRUE: NodeId = 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Node {
    var: Var,
    lo: NodeId,
    hi: NodeId,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Op {
    And,
    Or,
}

#[derive(Default)]
pub struct Bdd {
    nodes: Vec<Node>,
    unique: HashMap<Node, NodeId>,
    cache: HashMap<(Op, NodeId, NodeId), NodeId>,
}

/// Probability that a variable is true (up) and false (down), each kept with full
/// relative precision so near-1 availabilities never lose their complement.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Prob {
    pub up: f64,
    pub down: f64,
}

impl Prob {
    pub const UP: Prob = Prob { up: 1.0, down: 0.0 };
    pub const DOWN: Prob = Prob { up: 0.0, down: 1.0 };

    pub fn from_down(down: f64) -> Prob {
        Prob { up: 1.0 - down, down }
    }

    /// Both of two independent events: P(up) multiplies; P(down) = d1 + d2·(1 − d1),
    /// a sum of non-negative terms (no cancellation).
    pub fn and(self, other: Prob) -> Prob {
        Prob { up: self.up * other.up, down: self.down + other.down * self.up }
    }
}

impl Bdd {
    pub fn new() -> Self {
        let sentinel = Node { var: Var::MAX, lo: 0, hi: 0 };
        Bdd { nodes: vec![sentinel, Node { hi: 1, lo: 1, ..sentinel }], unique: HashMap::new(), cache: HashMap::new() }
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.len() <= 2
    }

    fn level(&self, id: NodeId) -> Var {
        self.nodes[id as usize].var
    }

    fn make(&mut self, var: Var, lo: NodeId, hi: NodeId) -> NodeId {
        if lo == hi {
            return lo;
        }
        let node = Node { var, lo, hi };
        if let Some(&id) = self.unique.get(&node) {
            return id;
        }
        let id = self.nodes.len() as NodeId;
        self.nodes.push(node);
        self.unique.insert(node, id);
        id
    }

    /// The function "variable `var` is up".
    pub fn var(&mut self, var: Var) -> NodeId {
        self.make(var, FALSE, TRUE)
    }

    pub fn and(&mut self, a: NodeId, b: NodeId) -> NodeId {
        self.apply(Op::And, a, b)
    }

    pub fn or(&mut self, a: NodeId, b: NodeId) -> NodeId {
        self.apply(Op::Or, a, b)
    }

    fn apply(&mut self, op: Op, a: NodeId, b: NodeId) -> NodeId {
        match (op, a, b) {
            (Op::And, FALSE, _) | (Op::And, _, FALSE) => return FALSE,
            (Op::And, TRUE, x) | (Op::And, x, TRUE) => return x,
            (Op::Or, TRUE, _) | (Op::Or, _, TRUE) => return TRUE,
            (Op::Or, FALSE, x) | (Op::Or, x, FALSE) => return x,
            _ if a == b => return a,
            _ => {}
        }
        let key = (op, a.min(b), a.max(b));
        if let Some(&r) = self.cache.get(&key) {
            return r;
        }
        let (la, lb) = (self.level(a), self.level(b));
        let var = la.min(lb);
        let (a_lo, a_hi) = if la == var { (self.nodes[a as usize].lo, self.nodes[a as usize].hi) } else { (a, a) };
        let (b_lo, b_hi) = if lb == var { (self.nodes[b as usize].lo, self.nodes[b as usize].hi) } else { (b, b) };
        let lo = self.apply(op, a_lo, b_lo);
        let hi = self.apply(op, a_hi, b_hi);
        let r = self.make(var, lo, hi);
        self.cache.insert(key, r);
        r
    }

    pub fn and_all(&mut self, items: impl IntoIterator<Item = NodeId>) -> NodeId {
        items.into_iter().fold(TRUE, |acc, x| self.and(acc, x))
    }

    pub fn or_all(&mut self, items: impl IntoIterator<Item = NodeId>) -> NodeId {
        items.into_iter().fold(FALSE, |acc, x| self.or(acc, x))
    }

    /// At least `k` of `items` hold (threshold function), by the standard dynamic
    /// programme over items: `table[j]` = "at least j of the items seen so far".
    pub fn at_least(&mut self, k: usize, items: &[NodeId]) -> NodeId {
        if k == 0 {
            return TRUE;
        }
        if k > items.len() {
            return FALSE;
        }
        let mut table = vec![FALSE; k + 1];
        table[0] = TRUE;
        for &item in items {
            for j in (1..=k).rev() {
                let with = self.and(item, table[j - 1]);
                table[j] = self.or(table[j], with);
            }
        }
        table[k]
    }

    /// Frees the operation cache (the diagram itself is kept).
    pub fn clear_cache(&mut self) {
        self.cache = HashMap::new();
    }

    /// A compact, evaluation-ready copy of everything reachable from `roots`.
    pub fn freeze(&self, roots: &[NodeId]) -> Frozen {
        let mut seen = vec![false; self.nodes.len()];
        let mut stack: Vec<NodeId> = roots.to_vec();
        let mut live = Vec::new();
        while let Some(n) = stack.pop() {
            if n <= TRUE || std::mem::replace(&mut seen[n as usize], true) {
                continue;
            }
            live.push(n);
            let node = self.nodes[n as usize];
            stack.push(node.lo);
            stack.push(node.hi);
        }
        live.sort_unstable();
        let mut index = HashMap::with_capacity(live.len() + 2);
        index.insert(FALSE, 0u32);
        index.insert(TRUE, 1u32);
        for (i, &n) in live.iter().enumerate() {
            index.insert(n, i as u32 + 2);
        }
        let nodes = live
            .iter()
            .map(|&n| {
                let node = self.nodes[n as usize];
                FrozenNode { var: node.var, lo: index[&node.lo], hi: index[&node.hi] }
            })
            .collect();
        Frozen { nodes, roots: roots.iter().map(|r| index[r]).collect() }
    }
}

#[derive(Clone, Copy, Debug)]
struct FrozenNode {
    var: Var,
    lo: u32,
    hi: u32,
}

/// An immutable diagram: nodes in bottom-up order (index 0 = false, 1 = true).
#[derive(Clone, Debug)]
pub struct Frozen {
    nodes: Vec<FrozenNode>,
    roots: Vec<u32>,
}

/// Probabilities of every node being true/false under one assignment of variable
/// probabilities.
pub struct Evaluation {
    up: Vec<f64>,
    down: Vec<f64>,
}

impl Frozen {
    pub fn size(&self) -> usize {
        self.nodes.len() + 2
    }

    fn node(&self, i: u32) -> FrozenNode {
        self.nodes[i as usize - 2]
    }

    /// P(true) and P(false) of every node, bottom-up. Both are sums of non-negative
    /// products, so each keeps full relative precision.
    pub fn evaluate(&self, prob: &[Prob]) -> Evaluation {
        let n = self.size();
        let mut up = vec![0.0; n];
        let mut down = vec![0.0; n];
        up[1] = 1.0;
        down[0] = 1.0;
        for (i, node) in self.nodes.iter().enumerate() {
            let p = prob[node.var as usize];
            let (lo, hi) = (node.lo as usize, node.hi as usize);
            up[i + 2] = p.down * up[lo] + p.up * up[hi];
            down[i + 2] = p.down * down[lo] + p.up * down[hi];
        }
        Evaluation { up, down }
    }

    pub fn root_prob(&self, eval: &Evaluation, root: usize) -> Prob {
        let r = self.roots[root] as usize;
        Prob { up: eval.up[r], down: eval.down[r] }
    }

    /// ∂P(root)/∂p(var) for every variable (Birnbaum importance), by one top-down
    /// pass of path probabilities. Added into `out` scaled by `weight`.
    pub fn add_birnbaum(&self, eval: &Evaluation, prob: &[Prob], root: usize, weight: f64, out: &mut [f64]) {
        let r = self.roots[root];
        if r <= 1 {
            return;
        }
        let mut reach = vec![0.0; self.size()];
        reach[r as usize] = 1.0;
        for i in (2..=r as usize).rev() {
            let here = reach[i];
            if here == 0.0 {
                continue;
            }
            let node = self.node(i as u32);
            let p = prob[node.var as usize];
            let (lo, hi) = (node.lo as usize, node.hi as usize);
            reach[lo] += here * p.down;
            reach[hi] += here * p.up;
            // P(up | v up) − P(up | v down), written through the down-probabilities
            // (equal, and better conditioned near 1).
            out[node.var as usize] += weight * here * (eval.down[lo] - eval.down[hi]);
        }
    }

    /// Whether the root holds when each variable takes the given truth value.
    pub fn holds(&self, root: usize, value: &dyn Fn(Var) -> bool) -> bool {
        let mut i = self.roots[root];
        while i > 1 {
            let node = self.node(i);
            i = if value(node.var) { node.hi } else { node.lo };
        }
        i == 1
    }

    /// Variables that are true under `value` and whose failure alone (all else as
    /// given) makes the root false: order-1 cuts relative to the assignment. Only
    /// variables on the evaluation path can matter, so this is linear in its length.
    pub fn critical_vars(&self, root: usize, value: &dyn Fn(Var) -> bool) -> Vec<Var> {
        let mut critical = Vec::new();
        let mut i = self.roots[root];
        while i > 1 {
            let node = self.node(i);
            if value(node.var) {
                if !self.holds_from(node.lo, value) {
                    critical.push(node.var);
                }
                i = node.hi;
            } else {
                i = node.lo;
            }
        }
        critical
    }

    fn holds_from(&self, mut i: u32, value: &dyn Fn(Var) -> bool) -> bool {
        while i > 1 {
            let node = self.node(i);
            i = if value(node.var) { node.hi } else { node.lo };
        }
        i == 1
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
        let mut bdd = Bdd::new();
        let (a, b, c) = (bdd.var(0), bdd.var(1), bdd.var(2));
        let ab = bdd.or(a, b);
        let bc = bdd.or(b, c);
        let root = bdd.and(ab, bc);
        let frozen = bdd.freeze(&[root]);
        let p = probs(&[0.1, 0.2, 0.3]);
        let eval = frozen.evaluate(&p);
        assert!((frozen.root_prob(&eval, 0).down - 0.074).abs() < 1e-15);
    }

    #[test]
    fn threshold_and_critical_vars() {
        let mut bdd = Bdd::new();
        let vars: Vec<_> = (0..3).map(|v| bdd.var(v)).collect();
        let two_of_three = bdd.at_least(2, &vars);
        let d = bdd.var(3);
        let root = bdd.and(two_of_three, d);
        let frozen = bdd.freeze(&[root]);
        assert_eq!(frozen.critical_vars(0, &|_| true), vec![3]);
        assert_eq!(frozen.critical_vars(0, &|v| v != 0), vec![1, 2, 3]);
        assert!(!frozen.holds(0, &|v| v > 1));
    }
}
