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
    /// Requests per second entering the system; None when the model states no load.
    pub traffic: Option<Traffic>,
    pub objectives: GlobalObjectives,
}

/// The load entering the system, split over flows by their shares.
#[derive(Clone, Debug, PartialEq)]
pub struct Traffic {
    /// Mean arrival rate (requests per second).
    pub rate: Spanned<f64>,
    /// Peak arrival rate (requests per second), from a rate or a factor of the mean.
    pub peak: Spanned<f64>,
    /// Growth of the traffic per year as a fraction (0.4 = +40% a year).
    pub growth: Option<Spanned<f64>>,
}

/// Objectives that hold for the whole system rather than one flow.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct GlobalObjectives {
    /// Highest utilization any component may reach at peak load.
    pub headroom: Option<Spanned<f64>>,
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
    /// The component's own service time per request (its calls come on top).
    pub latency: Option<Spanned<LatencySpec>>,
    /// Requests one replica serves at once.
    pub workers: Option<Spanned<u32>>,
    /// Highest request rate one replica sustains (requests per second).
    pub max_rate: Option<Spanned<f64>>,
    /// Most requests one replica holds in flight (connection or thread pool).
    pub connections: Option<Spanned<u32>>,
    /// Share of requests that fail transiently (maskable by retries).
    pub error_rate: Option<Spanned<f64>>,
}

/// A service-time distribution as declared, in seconds.
#[derive(Clone, Debug, PartialEq)]
pub enum LatencySpec {
    /// Lognormal fitted through the median and the 99th percentile.
    LognormalPercentiles {
        p50: f64,
        p99: f64,
    },
    LognormalMoments {
        mean: f64,
        cv: f64,
    },
    Exponential {
        mean: f64,
    },
    Constant {
        value: f64,
    },
    Gamma {
        shape: f64,
        mean: f64,
    },
    Erlang {
        k: u32,
        mean: f64,
    },
    Weibull {
        shape: f64,
        scale: f64,
    },
    /// Measured percentiles: (probability, seconds), increasing in both.
    Percentiles {
        points: Vec<(f64, f64)>,
    },
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
    /// Calls made per request, one after another (each with its own retries).
    pub count: Spanned<u32>,
    /// Shards of the target called at once per request.
    pub fanout: Option<Fanout>,
    /// Share of requests that make the call (e.g. a cache miss ratio); None = always.
    pub probability: Option<Spanned<f64>>,
    /// Time after which one attempt is abandoned (and retried, if retries remain).
    pub timeout: Option<Spanned<f64>>,
    /// Extra attempts after a failed one (total tries = 1 + retries).
    pub retries: Option<Spanned<u32>>,
    /// Wait before the first retry; it doubles before each further retry.
    pub backoff: Option<Spanned<f64>>,
    /// Send a second request when the first has not answered after this long.
    pub hedge: Option<Spanned<f64>>,
    /// The network hop of one attempt (a round trip).
    pub network: Option<Network>,
}

/// A call to `shards` shards of one target at once: the caller waits for all of
/// them, or for `quorum` of them (latency: the slowest, or the k-th fastest).
/// Availability counts the target once (its replicas model its failures).
#[derive(Clone, Debug, PartialEq)]
pub struct Fanout {
    pub shards: Spanned<u32>,
    pub quorum: Option<Spanned<u32>>,
}

/// The round trip a call adds, as declared.
#[derive(Clone, Debug, PartialEq)]
pub struct Network {
    /// Round-trip time of one attempt, in seconds.
    pub rtt_s: f64,
    /// Declared distance (km), when given: the physical floor of the round trip.
    pub distance_km: Option<Spanned<f64>>,
    /// Span of the declared value (`rtt`, `distance` or `network`).
    pub span: Span,
    pub source: NetworkSource,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetworkSource {
    /// `rtt` given.
    Rtt,
    /// `distance` given without `rtt`: the speed-of-light floor in fibre.
    Distance,
    /// One of the documented defaults (`same-zone`, `cross-zone`, `cross-region`).
    Default(NetworkClass),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetworkClass {
    SameZone,
    CrossZone,
    CrossRegion,
}

impl NetworkClass {
    pub const ALL: [(&'static str, NetworkClass); 3] = [
        ("same-zone", NetworkClass::SameZone),
        ("cross-zone", NetworkClass::CrossZone),
        ("cross-region", NetworkClass::CrossRegion),
    ];

    /// Documented default round trips (docs/model.md, "Network").
    pub fn default_rtt_s(self) -> f64 {
        match self {
            NetworkClass::SameZone => 0.000_5,
            NetworkClass::CrossZone => 0.002,
            NetworkClass::CrossRegion => 0.070,
        }
    }

    pub fn name(self) -> &'static str {
        Self::ALL.iter().find(|(_, c)| *c == self).map_or("", |(n, _)| n)
    }
}

impl Call {
    /// Total attempts per call (1 + retries).
    pub fn tries(&self) -> u32 {
        1 + self.retries.as_ref().map_or(0, |r| r.value)
    }

    /// Share of requests that make the call.
    pub fn share(&self) -> f64 {
        self.probability.as_ref().map_or(1.0, |p| p.value)
    }

    /// Shards called at once (1 without `fanout`).
    pub fn shards(&self) -> u32 {
        self.fanout.as_ref().map_or(1, |f| f.shards.value)
    }

    /// Requests each target receives per request of the caller, before retries:
    /// count × probability × shards.
    pub fn per_request(&self) -> f64 {
        f64::from(self.count.value) * self.share() * f64::from(self.shards())
    }
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
    /// Latency percentiles the flow must meet: (percentile as a probability, seconds).
    pub latency: Vec<LatencyObjective>,
    /// Request rate the flow must sustain (requests per second).
    pub throughput: Option<Spanned<f64>>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LatencyObjective {
    /// The percentile as a probability (0.99 for p99).
    pub quantile: f64,
    /// Its name as written (`p99`).
    pub name: String,
    pub limit: Spanned<f64>,
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
