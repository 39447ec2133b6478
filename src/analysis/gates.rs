//! The structure function of a flow as a hash-consed DAG of gates over component
//! variables (AND, OR, at-least-k). Gates are normalised as they are built (nested
//! ANDs and ORs flattened, constants folded, duplicates merged), so two equal
//! sub-functions met on different paths are one node — a shared dependency is one
//! event — and restricting a variable reuses every sub-gate that does not mention it.

use std::collections::HashMap;

pub type GateId = u32;
pub type Var = u32;

pub const FALSE: GateId = 0;
pub const TRUE: GateId = 1;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Gate {
    False,
    True,
    Var(Var),
    And(Vec<GateId>),
    Or(Vec<GateId>),
    /// At least `k` of the children hold (2 ≤ k < children).
    AtLeast(u32, Vec<GateId>),
}

/// A set of variables as a bitset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VarSet(Vec<u64>);

impl VarSet {
    pub fn empty(vars: usize) -> VarSet {
        VarSet(vec![0; vars.div_ceil(64)])
    }
    pub fn insert(&mut self, v: Var) {
        self.0[v as usize / 64] |= 1 << (v % 64);
    }
    pub fn contains(&self, v: Var) -> bool {
        self.0[v as usize / 64] & (1 << (v % 64)) != 0
    }
    pub fn union_with(&mut self, other: &VarSet) {
        self.0.iter_mut().zip(&other.0).for_each(|(a, b)| *a |= b);
    }
    pub fn intersects(&self, other: &VarSet) -> bool {
        self.0.iter().zip(&other.0).any(|(a, b)| a & b != 0)
    }
    pub fn iter(&self) -> impl Iterator<Item = Var> + '_ {
        self.0
            .iter()
            .enumerate()
            .flat_map(|(w, &bits)| (0..64u32).filter(move |b| bits & (1 << b) != 0).map(move |b| w as u32 * 64 + b))
    }
}

pub struct Gates {
    vars: usize,
    nodes: Vec<Gate>,
    support: Vec<VarSet>,
    unique: HashMap<Gate, GateId>,
}

impl Gates {
    pub fn new(vars: usize) -> Gates {
        let mut gates = Gates { vars, nodes: Vec::new(), support: Vec::new(), unique: HashMap::new() };
        gates.intern(Gate::False);
        gates.intern(Gate::True);
        gates
    }

    pub fn gate(&self, id: GateId) -> &Gate {
        &self.nodes[id as usize]
    }

    pub fn support(&self, id: GateId) -> &VarSet {
        &self.support[id as usize]
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.len() <= 2
    }

    fn intern(&mut self, gate: Gate) -> GateId {
        if let Some(&id) = self.unique.get(&gate) {
            return id;
        }
        let mut support = VarSet::empty(self.vars);
        match &gate {
            Gate::Var(v) => support.insert(*v),
            Gate::And(children) | Gate::Or(children) | Gate::AtLeast(_, children) => {
                for &c in children {
                    support.union_with(&self.support[c as usize]);
                }
            }
            Gate::False | Gate::True => {}
        }
        let id = self.nodes.len() as GateId;
        self.nodes.push(gate.clone());
        self.support.push(support);
        self.unique.insert(gate, id);
        id
    }

    pub fn var(&mut self, v: Var) -> GateId {
        self.intern(Gate::Var(v))
    }

    pub fn and(&mut self, children: impl IntoIterator<Item = GateId>) -> GateId {
        let mut flat = Vec::new();
        for c in children {
            match &self.nodes[c as usize] {
                Gate::False => return FALSE,
                Gate::True => {}
                Gate::And(inner) => flat.extend_from_slice(inner),
                _ => flat.push(c),
            }
        }
        flat.sort_unstable();
        flat.dedup();
        match flat.len() {
            0 => TRUE,
            1 => flat[0],
            _ => self.intern(Gate::And(flat)),
        }
    }

    pub fn or(&mut self, children: impl IntoIterator<Item = GateId>) -> GateId {
        let mut flat = Vec::new();
        for c in children {
            match &self.nodes[c as usize] {
                Gate::True => return TRUE,
                Gate::False => {}
                Gate::Or(inner) => flat.extend_from_slice(inner),
                _ => flat.push(c),
            }
        }
        flat.sort_unstable();
        flat.dedup();
        match flat.len() {
            0 => FALSE,
            1 => flat[0],
            _ => self.intern(Gate::Or(flat)),
        }
    }

    /// At least `k` of `children` hold (children may repeat: each counts).
    pub fn at_least(&mut self, k: usize, children: impl IntoIterator<Item = GateId>) -> GateId {
        let mut k = k;
        let mut rest = Vec::new();
        for c in children {
            match self.nodes[c as usize] {
                Gate::True => k = k.saturating_sub(1),
                Gate::False => {}
                _ => rest.push(c),
            }
        }
        if k == 0 {
            return TRUE;
        }
        if k > rest.len() {
            return FALSE;
        }
        if k == rest.len() {
            return self.and(rest);
        }
        if k == 1 {
            return self.or(rest);
        }
        rest.sort_unstable();
        self.intern(Gate::AtLeast(k as u32, rest))
    }

    /// `g` with variable `v` fixed to `value`. Sub-gates that do not mention `v`
    /// are returned as they are.
    pub fn restrict(&mut self, g: GateId, v: Var, value: bool, memo: &mut HashMap<GateId, GateId>) -> GateId {
        if !self.support[g as usize].contains(v) {
            return g;
        }
        if let Some(&r) = memo.get(&g) {
            return r;
        }
        let result = match self.nodes[g as usize].clone() {
            Gate::Var(_) => {
                if value {
                    TRUE
                } else {
                    FALSE
                }
            }
            Gate::And(children) => {
                let children: Vec<GateId> = children.iter().map(|&c| self.restrict(c, v, value, memo)).collect();
                self.and(children)
            }
            Gate::Or(children) => {
                let children: Vec<GateId> = children.iter().map(|&c| self.restrict(c, v, value, memo)).collect();
                self.or(children)
            }
            Gate::AtLeast(k, children) => {
                let children: Vec<GateId> = children.iter().map(|&c| self.restrict(c, v, value, memo)).collect();
                self.at_least(k as usize, children)
            }
            Gate::False | Gate::True => g,
        };
        memo.insert(g, result);
        result
    }
}
