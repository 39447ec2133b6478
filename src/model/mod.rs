//! The typed, validated architecture model: what the analysis layers consume.
//!
//! Built from a spanned [`crate::syntax::Node`] tree by [`build`]; every name is
//! resolved to an index, every quantity is in base units (seconds, fractions,
//! money per month), and every value keeps the span it came from.

mod build;
pub mod quantity;
mod reader;

pub use build::{build, is_iso_date};
pub use reader::did_you_mean;

use crate::source::{Span, Spanned};

pub type DomainId = usize;
pub type ComponentId = usize;
pub type FlowId = usize;

#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    pub system: System,
    pub domains: Vec<Domain>,
    pub components: Vec<Component>,
    pub flows: Vec<Flow>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct System {
    pub name: Option<String>,
    pub description: Option<String>,
    /// SLO window in seconds (default 30 days).
    pub window_s: f64,
    /// Shown before money amounts (default `$`).
    pub currency: String,
}

/// A failure domain: provider ⊃ region ⊃ zone ⊃ rack, or any tree the user declares.
#[derive(Clone, Debug, PartialEq)]
pub struct Domain {
    pub name: String,
    pub name_span: Span,
    pub kind: Option<String>,
    pub parent: Option<DomainId>,
    pub outage: Reliability,
    pub waivers: Vec<Waiver>,
}

/// How a replica (or a domain) fails, reduced to a steady-state availability and,
/// when known, a mean time to repair (needed for outage frequency).
#[derive(Clone, Debug, PartialEq)]
pub struct Reliability {
    pub source: ReliabilitySource,
    /// Steady-state availability in [0, 1].
    pub availability: f64,
    /// Unavailability computed directly from the input (not as 1 − availability) so
    /// that near-1 values keep their digits.
    pub unavailability: f64,
    pub mttr_s: Option<f64>,
    /// Span of the value that set the availability (for labels).
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReliabilitySource {
    Availability,
    /// A vendor's commitment, reported as such.
    Sla,
    MttfMttr,
    AfrMttr,
}

impl Reliability {
    /// Failures per second of one unit, when the repair time is known.
    pub fn failure_rate(&self) -> Option<f64> {
        let mttr = self.mttr_s?;
        if mttr <= 0.0 || self.availability <= 0.0 {
            return None;
        }
        Some(self.unavailability / (self.availability * mttr))
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Component {
    pub name: String,
    pub name_span: Span,
    pub description: Option<String>,
    pub reliability: Reliability,
    pub replicas: Spanned<u32>,
    pub min_healthy: Spanned<u32>,
    /// Declared placement: one domain (`in`) or the `spread` list, replicas assigned
    /// round-robin; empty when unplaced.
    pub placement: Vec<DomainId>,
    pub placement_span: Option<Span>,
    /// Beta factor: the share of a replica's unavailability that takes all replicas down.
    pub common_cause: Option<Spanned<f64>>,
    /// Repair crews shared by the replicas; `None` means one per replica.
    pub repair_crews: Option<Spanned<u32>>,
    pub standby: Option<Standby>,
    pub changes: Option<Changes>,
    pub cost: Cost,
    pub calls: Vec<Call>,
    pub waivers: Vec<Waiver>,
}

/// Active-passive redundancy: one replica serves, the others wait to take over.
#[derive(Clone, Debug, PartialEq)]
pub struct Standby {
    pub failover_s: f64,
    /// Probability that a failover succeeds (coverage).
    pub success: f64,
    pub span: Span,
}

/// Change risk: bad deploys as a separate source of expected downtime.
#[derive(Clone, Debug, PartialEq)]
pub struct Changes {
    pub deploys_per_s: f64,
    pub failure_rate: f64,
    pub restore_s: f64,
    pub span: Span,
}

impl Changes {
    /// Expected fraction of time in a bad deploy: rate × change failure rate × restore.
    pub fn unavailability(&self) -> f64 {
        (self.deploys_per_s * self.failure_rate * self.restore_s).min(1.0)
    }
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct Cost {
    pub per_replica_month: Option<Spanned<f64>>,
    pub fixed_month: Option<Spanned<f64>>,
    pub capex: Option<Spanned<f64>>,
    pub per_million_requests: Option<Spanned<f64>>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    pub span: Span,
    /// A soft call's failure degrades the response but never fails the request.
    pub soft: bool,
    pub target: CallTarget,
}

#[derive(Clone, Debug, PartialEq)]
pub enum CallTarget {
    /// One dependency, with alternatives tried in order when it fails.
    Single { to: Spanned<ComponentId>, fallback: Vec<Spanned<ComponentId>> },
    /// A group called together: all needed, or `quorum` of them.
    Parallel { to: Vec<Spanned<ComponentId>>, quorum: Option<Spanned<u32>> },
}

impl Call {
    /// Every component this call may reach, in declaration order.
    pub fn targets(&self) -> Vec<&Spanned<ComponentId>> {
        match &self.target {
            CallTarget::Single { to, fallback } => std::iter::once(to).chain(fallback).collect(),
            CallTarget::Parallel { to, .. } => to.iter().collect(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Flow {
    pub name: String,
    pub name_span: Span,
    pub entry: Spanned<ComponentId>,
    /// Share of the system's traffic (weights component importance); default equal.
    pub share: Option<Spanned<f64>>,
    pub objective: Objective,
    pub waivers: Vec<Waiver>,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct Objective {
    pub availability: Option<Spanned<Level>>,
}

/// A probability and its complement, each exact from the input text (so a 99.999%
/// objective keeps its 1e-5 budget exactly).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Level {
    pub value: f64,
    pub complement: f64,
}

/// Accepts a finding of `rule` on the element that declares it, with a reason.
#[derive(Clone, Debug, PartialEq)]
pub struct Waiver {
    pub rule: Spanned<String>,
    pub reason: String,
    /// ISO date `YYYY-MM-DD` after which the waiver no longer applies.
    pub expires: Option<Spanned<String>>,
    pub span: Span,
}

impl Component {
    /// The failure domain of replica `i` (round-robin over the placement).
    pub fn replica_domain(&self, i: usize) -> Option<DomainId> {
        (!self.placement.is_empty()).then(|| self.placement[i % self.placement.len()])
    }

    /// Replicas per domain, in placement order.
    pub fn replicas_by_domain(&self) -> Vec<(DomainId, usize)> {
        let mut counts: Vec<(DomainId, usize)> = Vec::new();
        for i in 0..self.replicas.value as usize {
            let Some(d) = self.replica_domain(i) else { break };
            match counts.iter_mut().find(|(x, _)| *x == d) {
                Some(entry) => entry.1 += 1,
                None => counts.push((d, 1)),
            }
        }
        counts
    }
}

impl Model {
    pub fn component_index(&self, name: &str) -> Option<ComponentId> {
        self.components.iter().position(|c| c.name == name)
    }

    /// The domain and all its ancestors, innermost first.
    pub fn domain_chain(&self, domain: DomainId) -> Vec<DomainId> {
        let mut chain = vec![domain];
        let mut current = domain;
        while let Some(parent) = self.domains[current].parent {
            // Cycles are rejected by the builder; the guard keeps a bad model from looping.
            if chain.contains(&parent) {
                break;
            }
            chain.push(parent);
            current = parent;
        }
        chain
    }

    /// Traffic weight of each flow: declared shares, or equal shares when none are given.
    pub fn flow_weights(&self) -> Vec<f64> {
        let declared: f64 = self.flows.iter().filter_map(|f| f.share.as_ref()).map(|s| s.value).sum();
        if self.flows.is_empty() {
            return Vec::new();
        }
        if declared <= 0.0 {
            return vec![1.0 / self.flows.len() as f64; self.flows.len()];
        }
        self.flows.iter().map(|f| f.share.as_ref().map_or(0.0, |s| s.value) / declared).collect()
    }
}
