//! The registry of rule ids: every diagnostic `nines` can emit, with the long
//! explanation printed by `nines explain RULE`. Rule ids are stable: CI waivers and
//! SARIF consumers depend on them.

pub struct Rule {
    pub id: &'static str,
    pub summary: &'static str,
    pub explanation: &'static str,
    /// Findings about the design can be waived; input errors cannot.
    pub waivable: bool,
}

pub const RULES: &[Rule] = &[
    Rule {
        id: "slo/availability",
        summary: "a flow's computed availability is below its objective",
        explanation: "The flow's availability is computed exactly from the structure function of the \
call graph: every replica, failure domain, common-cause event and bad-deploy event is one basic \
event, and a component shared by several paths is counted once. The finding points at the \
objective, names the component whose improvement would help most (highest improvement \
potential), and the help line gives the smallest replica increase of that component that meets \
the objective, with its monthly cost when the component declares `cost.per_replica`.",
        waivable: true,
    },
    Rule {
        id: "slo/infeasible",
        summary: "the objective is above what a hard dependency can ever give",
        explanation: "Even with every self-operated component made perfect (infinitely many replicas), \
the flow cannot reach its objective because it depends on something whose availability you do \
not control here: a failure domain (zone, region), a vendor SLA, a common-cause event or change \
risk. Adding replicas will not help; change the placement (spread over more domains), add a \
fallback, or relax the objective.",
        waivable: true,
    },
    Rule {
        id: "model/spof",
        summary: "a single failure takes a flow down",
        explanation: "A single point of failure is a minimal cut set of order one: one replica or one \
failure domain whose loss alone fails the flow. Typical causes: a component with one replica, \
`min_healthy` equal to `replicas`, or every replica placed in the same zone. Common-cause \
events are not reported here (they are a statistical share of a replica's failures, not a \
thing you can remove); their effect appears in the correlation delta.",
        waivable: true,
    },
    Rule {
        id: "slo/latency",
        summary: "a flow's latency percentile is above its objective",
        explanation: "End-to-end latency is a distribution composed through the call graph on a grid \
(sequential calls convolve, parallel groups take the maximum, quorums the k-th fastest, \
retries and timeouts mix, hedges take the minimum, network hops shift) — never a sum of \
percentiles. Objectives are checked at peak load when the model states traffic (at no load \
otherwise), with everything up. The finding names the largest part of the latency budget and \
the help line gives the best computed fix among: more replicas of the component that queues \
most, a hedge on a fan-out call, or one component's calls issued in parallel.",
        waivable: true,
    },
    Rule {
        id: "slo/throughput",
        summary: "a flow cannot sustain its throughput objective",
        explanation: "The highest rate of the flow is where the first component on its path reaches \
100% utilization (other flows at their mean). The finding names that bottleneck and the help \
line gives the replicas it needs.",
        waivable: true,
    },
    Rule {
        id: "capacity/saturated",
        summary: "a component receives more work than it can do",
        explanation: "Utilization ρ = λ·E[S] / (replicas × workers), or λ / (replicas × max_rate). At \
ρ ≥ 1 the queue grows without bound: latency is unbounded (it is reported as such, never as a \
number). The help line gives the replicas that bring it under 100% (or under the headroom \
objective).",
        waivable: true,
    },
    Rule {
        id: "capacity/headroom",
        summary: "a component is busier at peak than the headroom objective allows",
        explanation: "`objectives.headroom` is the highest utilization any component may reach at peak \
load. Above it, a traffic spike or the loss of a replica tips the component into saturation.",
        waivable: true,
    },
    Rule {
        id: "capacity/pool",
        summary: "a connection or thread pool is smaller than the requests in flight",
        explanation: "Little's law: requests in flight = arrival rate × time in the component (its own \
time and its calls). When that exceeds `connections` per replica at peak, requests queue for a \
connection or are refused.",
        waivable: true,
    },
    Rule {
        id: "capacity/retry-amplification",
        summary: "retries at several layers multiply into a retry storm",
        explanation: "When a deep dependency fails, every layer retries: attempts multiply (3 tries at \
each of 3 layers = 27 attempts per request). The finding fires when the worst case at the \
deepest component exceeds 10 attempts per request. Retry at one layer, or use a retry budget.",
        waivable: true,
    },
    Rule {
        id: "latency/timeout",
        summary: "a call's timeout cuts off a real share of its tries",
        explanation: "A timeout is a guard against hangs: when more than 1% of a call's tries run past \
it (at mean or peak load, everything up), those tries fail or are retried instead of being \
answered, which costs availability and adds load, whether or not an objective notices. The \
finding points at the timeout and gives the target's p50 and p99 (the call's round trip comes \
on top). Raise the timeout above the tail you accept, or make the target faster.",
        waivable: true,
    },
    Rule {
        id: "latency/resolution",
        summary: "a service time too wide for the latency grid",
        explanation: "Latency distributions are composed on an even grid of 4,096 points spanning each \
service time up to its (1 − 10⁻¹⁰)-quantile. A distribution spanning many orders of magnitude \
(a lognormal with p99 over about 13× its p50, or a cv above about 1.5) gets a step longer than a \
quarter of its median, and percentiles composed through it are approximate: its median can \
read several times too high. Model the slow tail as a separate path (a call with a \
`probability` to a slow component) or narrow the distribution.",
        waivable: true,
    },
    Rule {
        id: "physics/latency-floor",
        summary: "a latency below what the speed of light allows",
        explanation: "Light in optical fibre covers about 204,000 km/s, so a round trip over d km takes \
at least 2d / 204,000 km/s (London–New York, 5,570 km: 54.6 ms). A declared `rtt` below the \
floor of its declared `distance`, or a latency objective below the round trips its flow must \
make, cannot be met by any design.",
        waivable: false,
    },
    Rule {
        id: "waiver/expired",
        summary: "a waiver's expiry date has passed",
        explanation: "The waiver no longer applies, so the finding it covered is reported again. Renew \
it with a new date and a reason, or fix the finding.",
        waivable: false,
    },
    Rule {
        id: "waiver/unused",
        summary: "a waiver matches no finding",
        explanation: "The element declares a waiver for a rule that produced no finding on it. The \
design has probably improved: remove the waiver so it cannot hide a future regression.",
        waivable: false,
    },
    Rule {
        id: "syntax/yaml",
        summary: "the file is not valid YAML",
        explanation: "The YAML parser stopped at the position shown. Fix the syntax there first; \
the model is checked once the file parses.",
        waivable: false,
    },
    Rule {
        id: "syntax/dsl",
        summary: "the file is not valid ninecheck DSL",
        explanation: "The `.nines` file does not follow the DSL's syntax (docs/dsl.md): an unclosed \
`{`, `[` or `\"`, a stray closing bracket, more than one value after a key, or blocks nested \
deeper than 64 levels. The message says what was expected and, for an unclosed bracket, where \
it was opened. Problems are reported for each top-level block; the model is checked once the \
file parses.",
        waivable: false,
    },
    Rule {
        id: "model/unknown-key",
        summary: "a key that is not part of the model",
        explanation: "Each mapping accepts a fixed set of keys (see the model reference in the README). \
An unknown key is usually a typo; the help line suggests the closest known key.",
        waivable: false,
    },
    Rule {
        id: "model/unknown-ref",
        summary: "a reference to a name that is not declared",
        explanation: "Calls, flow entries, placements and parents refer to components and domains by \
name. The name must be declared in the same file.",
        waivable: false,
    },
    Rule {
        id: "model/duplicate",
        summary: "a name or key declared twice",
        explanation: "Names of components, domains and flows are unique, and a key may appear once per \
mapping.",
        waivable: false,
    },
    Rule {
        id: "model/cycle",
        summary: "a cycle in the call graph or the domain tree",
        explanation: "A request that calls back into a component already on its path never finishes, \
and a domain cannot contain itself. Every member of the cycle is named.",
        waivable: false,
    },
    Rule {
        id: "model/type",
        summary: "a value of the wrong type",
        explanation: "The value has the wrong shape, for example a list where a mapping is expected.",
        waivable: false,
    },
    Rule {
        id: "model/invalid-value",
        summary: "a value out of range or with a bad unit",
        explanation: "Quantities carry units (30m, 4h, 99.95%, 70.08/mo); probabilities lie in [0, 1]; \
counts are whole numbers. The label shows the value and what was expected.",
        waivable: false,
    },
    Rule {
        id: "model/missing-field",
        summary: "a required value is missing",
        explanation: "The element lacks a value it needs, for example a component that does not say \
how it fails, or `mttf` without `mttr`.",
        waivable: false,
    },
    Rule {
        id: "model/conflict",
        summary: "values that contradict each other",
        explanation: "Two settings cannot hold together, for example `availability` and `mttf` on the \
same component, or `in` and `spread`.",
        waivable: false,
    },
    Rule {
        id: "input/io",
        summary: "the input file could not be read",
        explanation: "The file does not exist, is not readable, is not UTF-8 text, or is larger than \
the accepted maximum.",
        waivable: false,
    },
];

pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

pub fn is_waivable(id: &str) -> bool {
    find(id).is_some_and(|r| r.waivable)
}

pub fn waivable_ids() -> impl Iterator<Item = &'static str> {
    RULES.iter().filter(|r| r.waivable).map(|r| r.id)
}
