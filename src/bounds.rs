//! Bounded by design: how much work and memory a run will take, estimated from the
//! checked scenario before anything runs, and the budget above which `run`,
//! `compare-fidelity`, `break-even` and `validate` refuse it (unless `--allow-large`);
//! and the check that no result is infinite or NaN before anything is written.
//!
//! # The estimate
//!
//! Per policy and replication, events ≈ arrivals × 2 (an arrival and a departure, at
//! request level) + the candidates thinning draws and rejects (λ's bound, recomputed
//! every minute, times the horizon: a bound far above the rate costs draws) or fluid
//! steps, + autoscaler decisions (every `period`), retries,
//! scheduled actions, spot interruptions, lease renewals, purchase reviews, functions'
//! cold starts (at most one per arrival), + samples
//! (every `sample_every`), + the pieces the rate function is integrated in (a periodic
//! shape's half-cycles or profile points). Arrivals are the mean of λ at 4,096 spread
//! instants times the horizon (a trace of exact arrivals: its own count).
//!
//! Memory ≈ the time series (a row per sample and policy, for every replication in flight
//! and replication 0's until written) + queues (request level: every waiting place filled,
//! at most the arrivals) + fleets + latency histograms, for every run in flight at once
//! (one per core), + every replication's summary + the fluid rate table. It is an
//! estimate, meant to be right within a small factor, not a promise.

use std::fmt;

use crate::engine::{SECOND, Time};
use crate::metrics::{Sample, Summary};
use crate::scenario::{AutoscaleSpec, Fidelity, PolicyKind, PolicySpec, Scenario, Shape};
use crate::workload::RateFunction;

/// Events a run may take before it is refused: about 15 minutes at request level on one
/// core of the reference machine (10–15 M events/s).
pub const MAX_EVENTS: f64 = 1e10;
/// Memory a run may take before it is refused: 2 GB.
pub const MAX_BYTES: f64 = 2e9;
/// Above these, `run` says how large the run is before it starts.
pub const NOTE_EVENTS: f64 = 1e9;
pub const NOTE_BYTES: f64 = 5e8;

/// Bytes a waiting request takes in a queue (16 bytes, doubled for the ring buffer's
/// growth).
const QUEUE_BYTES: f64 = 32.0;
/// Bytes a server takes in a fleet, with its share of bookkeeping.
const SERVER_BYTES: f64 = 64.0;
/// Two HDR latency histograms per policy (the run's and the interval's), 3 significant
/// digits over up to twice the horizon.
const HISTOGRAM_BYTES: f64 = 1e6;

/// Work and memory of a run, with the part that weighs most in each.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Estimate {
    pub events: f64,
    pub bytes: f64,
    /// Events of each kind.
    pub arrivals: f64,
    pub steps: f64,
    pub decisions: f64,
    pub samples: f64,
    /// Bytes of each kind.
    pub series_bytes: f64,
    pub queue_bytes: f64,
    pub other_bytes: f64,
}

impl Estimate {
    fn total(mut self) -> Estimate {
        self.events = self.arrivals + self.steps + self.decisions + self.samples;
        self.bytes = self.series_bytes + self.queue_bytes + self.other_bytes;
        self
    }

    fn plus(self, o: Estimate) -> Estimate {
        Estimate {
            arrivals: self.arrivals + o.arrivals,
            steps: self.steps + o.steps,
            decisions: self.decisions + o.decisions,
            samples: self.samples + o.samples,
            series_bytes: self.series_bytes + o.series_bytes,
            queue_bytes: self.queue_bytes + o.queue_bytes,
            other_bytes: self.other_bytes + o.other_bytes,
            ..Estimate::default()
        }
        .total()
    }

    fn times(self, k: f64) -> Estimate {
        Estimate {
            arrivals: self.arrivals * k,
            steps: self.steps * k,
            decisions: self.decisions * k,
            samples: self.samples * k,
            series_bytes: self.series_bytes * k,
            queue_bytes: self.queue_bytes * k,
            other_bytes: self.other_bytes * k,
            ..Estimate::default()
        }
        .total()
    }

    /// Whether it is within the default budget.
    pub fn within_budget(&self) -> bool {
        self.events <= MAX_EVENTS && self.bytes <= MAX_BYTES
    }

    /// Whether `run` should say how large it is before starting.
    pub fn is_large(&self) -> bool {
        self.events > NOTE_EVENTS || self.bytes > NOTE_BYTES
    }

    /// Why the run is over budget, and what weighs most: one line.
    pub fn over_budget(&self) -> String {
        let events = [
            (self.arrivals, "request-level arrivals"),
            (self.steps, "fluid steps"),
            (self.decisions, "decisions, retries and rate pieces"),
            (self.samples, "samples"),
        ];
        let memory = [
            (self.series_bytes, "time series"),
            (self.queue_bytes, "queues filled to queue_limit"),
            (self.other_bytes, "fleets, histograms and summaries"),
        ];
        let over = |total: f64, max: f64, show: fn(f64) -> String, what: &str, parts: &[_]| {
            (total > max).then(|| {
                format!(
                    "about {} {what}, over the budget of {} (mostly {})",
                    show(total),
                    show(max),
                    largest(parts)
                )
            })
        };
        [
            over(self.events, MAX_EVENTS, sci, "events", &events),
            over(self.bytes, MAX_BYTES, bytes, "of memory", &memory),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" and ")
    }
}

impl fmt::Display for Estimate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "about {} events, {} of memory",
            sci(self.events),
            bytes(self.bytes)
        )
    }
}

fn largest(parts: &[(f64, &'static str)]) -> &'static str {
    parts
        .iter()
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map_or("", |p| p.1)
}

/// `3.2e12`.
fn sci(x: f64) -> String {
    if x < 1e4 {
        format!("{x:.0}")
    } else {
        format!("{x:.1e}")
    }
}

/// `1.3 GB`.
fn bytes(b: f64) -> String {
    match b {
        b if b >= 1e12 => format!("{:.1} TB", b / 1e12),
        b if b >= 1e9 => format!("{:.1} GB", b / 1e9),
        b if b >= 1e6 => format!("{:.0} MB", b / 1e6),
        b => format!("{:.0} kB", (b / 1e3).max(1.0)),
    }
}

fn seconds(t: Time) -> f64 {
    t as f64 / SECOND as f64
}

/// What the request stream draws over the horizon: the expected requests (the mean of
/// λ at 4,096 spread instants, a low-discrepancy sequence so that no cycle aliases, times
/// the horizon), and the candidates thinning draws to find them (the mean of λ's bound
/// over the minute around each of those instants, times the horizon).
pub fn expected_arrivals(s: &Scenario) -> (f64, f64) {
    let rate = RateFunction::new(&s.workload);
    let h = seconds(s.horizon);
    let exact = s
        .workload
        .trace
        .as_ref()
        .is_some_and(|t| matches!(t.data, crate::workload::trace::TraceData::Arrivals(_)));
    if exact {
        let n = rate.mean_over(0, s.horizon) * h;
        return (n, n);
    }
    const N: usize = 4096;
    let golden = 0.618_033_988_749_894_9;
    let minute = 60 * SECOND;
    let (mut mean, mut bound) = (0.0, 0.0);
    for i in 0..N {
        let t = h * ((i as f64 + 0.5) * golden).fract();
        mean += rate.at(t);
        let from = (t * SECOND as f64) as Time / minute * minute;
        bound += rate.max_over(from, (from + minute).min(s.horizon.max(from + 1)));
    }
    (mean / N as f64 * h, bound / N as f64 * h)
}

/// Decisions one policy block takes over `horizon` seconds.
fn decisions(kind: &PolicyKind, h: f64) -> f64 {
    let per = |t: Time| h / seconds(t).max(1e-6);
    match kind {
        PolicyKind::Fixed(f) => f.purchase.as_ref().map_or(0.0, |_| h / 3600.0),
        PolicyKind::Lease(l) => per(l.term) * if l.renewal.is_some() { 2.0 } else { 1.0 },
        PolicyKind::Autoscale(a) => autoscale_decisions(a, h),
        PolicyKind::Hybrid(hy) => decisions(&hy.base, h) + autoscale_decisions(&hy.burst, h),
        // The pod autoscaler, plus a cluster scan every 10 s that looks at every node.
        PolicyKind::Containers(c) => {
            autoscale_decisions(&c.group, h) + h / 10.0 * (1.0 + f64::from(c.nodes.max) / 64.0)
        }
        // Instances come with the requests: their cold starts are counted with arrivals.
        PolicyKind::Functions(_) => 0.0,
    }
}

fn autoscale_decisions(a: &AutoscaleSpec, h: f64) -> f64 {
    let per = |t: Time| h / seconds(t).max(1e-6);
    let limited = a.limits.quota.is_some()
        || a.limits.launches_per_minute.is_some()
        || !a.limits.shortages.is_empty();
    let retries = if limited {
        per(a.limits.retry_every)
    } else {
        0.0
    };
    let days = (h / 86_400.0).ceil();
    let scheduled = a.schedule.len() as f64 * days;
    let spot = a.purchase.spot_share
        * f64::from(a.max)
        * a.purchase.spot_interruptions_per_hour
        * (h / 3600.0)
        * 2.0;
    // A boot and a termination per launch: at most one launch per server per decision.
    per(a.scaling.period()) + retries + scheduled + spot
}

/// The most servers a policy block may have at once.
fn fleet(kind: &PolicyKind) -> f64 {
    f64::from(match kind {
        PolicyKind::Fixed(f) => f.purchase.as_ref().map_or(f.servers, |p| p.max_servers),
        PolicyKind::Lease(l) => l.renewal.as_ref().map_or(l.servers, |r| r.max_servers),
        PolicyKind::Autoscale(a) => a.max,
        PolicyKind::Hybrid(h) => return fleet(&h.base) + f64::from(h.burst.max),
        PolicyKind::Containers(c) => return f64::from(c.pods.max) + f64::from(c.nodes.max),
        // An instance, and a free-slot entry (8 bytes) per slot.
        PolicyKind::Functions(f) => {
            return f64::from(f.concurrency_limit)
                * (1.0 + f64::from(f.concurrency) * 8.0 / SERVER_BYTES);
        }
    })
}

/// Pieces the rate function is cut into over the horizon (half-cycles, profile points).
fn rate_pieces(s: &Scenario) -> f64 {
    let h = seconds(s.horizon);
    s.workload
        .shapes
        .iter()
        .map(|shape| match shape {
            Shape::Diurnal { period, .. } => 2.0 * h / seconds(*period),
            Shape::Profile { period, points, .. } => points.len() as f64 * h / seconds(*period),
            _ => 0.0,
        })
        .sum()
}

/// One replication of one policy.
fn policy_run(s: &Scenario, p: &PolicySpec, (arrivals, candidates): (f64, f64)) -> Estimate {
    let h = seconds(s.horizon);
    let samples = h / seconds(s.sample_every);
    let sample_bytes = (std::mem::size_of::<Sample>() + p.name.len() + 16) as f64;
    let (arrival_events, steps, queue) = match s.fidelity {
        Fidelity::Request => (
            2.0 * arrivals + candidates,
            0.0,
            (s.service.queue_limit as f64).min(arrivals) * QUEUE_BYTES,
        ),
        Fidelity::Fluid { step } => (0.0, h / seconds(step), 0.0),
    };
    // Functions at request level: a cold start's end is an event, at most one per arrival.
    let arrival_events = match (&p.kind, s.fidelity) {
        (PolicyKind::Functions(_), Fidelity::Request) => arrival_events + arrivals,
        _ => arrival_events,
    };
    let bandwidth = match &p.kind {
        PolicyKind::Lease(l) if l.bandwidth.is_some() => h / 300.0 * 8.0,
        _ => 0.0,
    };
    Estimate {
        arrivals: arrival_events,
        steps,
        decisions: decisions(&p.kind, h) + rate_pieces(s),
        samples,
        series_bytes: samples * sample_bytes,
        queue_bytes: queue,
        other_bytes: fleet(&p.kind) * SERVER_BYTES + HISTOGRAM_BYTES + bandwidth,
        ..Estimate::default()
    }
    .total()
}

/// Runs in flight at once: one per core, at most `runs`.
fn in_flight(runs: u64) -> f64 {
    runs.min(rayon::current_num_threads().max(1) as u64) as f64
}

/// Every policy of `s` once with its own fidelity, as a breakdown: all events, and the
/// memory of one replication in flight.
fn one_replication(s: &Scenario) -> Estimate {
    let arrivals = expected_arrivals(s);
    s.policies
        .iter()
        .map(|p| policy_run(s, p, arrivals))
        .fold(Estimate::default(), Estimate::plus)
}

/// The fluid rate table (a mean per minute, or per step if longer), shared by a run.
fn rate_table_bytes(s: &Scenario) -> f64 {
    match s.fidelity {
        Fidelity::Fluid { step } => seconds(s.horizon) / seconds(step.max(60 * SECOND)) * 8.0,
        Fidelity::Request => 0.0,
    }
}

/// What every replication keeps until the end: its summaries.
fn summaries_bytes(s: &Scenario, replications: f64) -> f64 {
    replications * s.policies.len() as f64 * (std::mem::size_of::<Summary>() as f64 + 64.0)
}

/// `provsim run`: `s.replications` replications of every policy.
pub fn of_run(s: &Scenario) -> Estimate {
    let r = u64::from(s.replications.max(1));
    let one = one_replication(s);
    // Replication 0's series stays until it is written, beside those in flight.
    let resident = in_flight(r) + if r > 1 { 1.0 } else { 0.0 };
    let mut e = one.times(r as f64);
    e.series_bytes = one.series_bytes * resident;
    e.queue_bytes = one.queue_bytes * in_flight(r);
    e.other_bytes =
        one.other_bytes * in_flight(r) + summaries_bytes(s, r as f64) + rate_table_bytes(s);
    e.total()
}

/// Bytes kept per point × replication × policy until a sweep's results are written:
/// its row of `rows.csv` and what it is parsed into.
const SWEEP_ROW_BYTES: f64 = 4_000.0;

/// `provsim sweep`: every point's run ([`of_run`] each), as many points in flight as
/// cores, and the `rows` (points × replications × policies) kept until the results are
/// written.
pub fn of_sweep(points: &[Estimate], rows: f64) -> Estimate {
    let all = points.iter().fold(Estimate::default(), |a, e| a.plus(*e));
    let peak = points.iter().map(|e| e.bytes).fold(0.0, f64::max);
    Estimate {
        series_bytes: 0.0,
        queue_bytes: 0.0,
        other_bytes: peak * in_flight(points.len() as u64) + rows * SWEEP_ROW_BYTES,
        ..all
    }
    .total()
}

/// `provsim compare-fidelity`: one replication at request level and one fluid.
pub fn of_compare(s: &Scenario) -> Estimate {
    let mut request = s.clone();
    request.replications = 1;
    request.fidelity = Fidelity::Request;
    let mut fluid = request.clone();
    fluid.fidelity = crate::app::FidelityChoice::Fluid.apply(s);
    of_run(&request).plus(of_run(&fluid))
}

/// `provsim break-even`: `s.replications` replications at each of `steps` spike
/// heights, up to `top`, in parallel; only summaries are kept.
pub fn of_break_even(s: &Scenario, top: f64, steps: u32) -> Estimate {
    let mut highest = crate::break_even::with_spike_factor(s, top).unwrap_or_else(|| s.clone());
    highest.replications = 1;
    let one = of_run(&highest);
    let runs = u64::from(steps) * u64::from(s.replications.max(1));
    let mut e = one.times(runs as f64);
    let parallel = in_flight(runs);
    e.series_bytes = one.series_bytes * parallel;
    e.queue_bytes = one.queue_bytes * parallel;
    e.other_bytes = one.other_bytes * parallel + summaries_bytes(s, runs as f64);
    e.total()
}

/// A result that is not a finite number, with where it is and what it comes from.
pub fn non_finite(s: &Scenario, outcome: &crate::simulation::Outcome) -> Option<String> {
    for p in &outcome.policies {
        let summary = &p.summary;
        for (column, cell) in Summary::columns() {
            if let Some(v) = cell(summary).number()
                && !v.is_finite()
            {
                return Some(describe(s, &summary.policy, "summary", column, v));
            }
        }
        for row in &p.series {
            let reals = [
                ("time_s", row.time_s),
                ("offered_rate", row.offered_rate),
                ("arrival_rate", row.arrival_rate),
                ("busy_slots", row.busy_slots),
                ("idle_slots", row.idle_slots),
                ("capacity_rate", row.capacity_rate),
                ("response_p99_s", row.response_p99_s.unwrap_or(0.0)),
                ("cost_cumulative", row.cost_cumulative),
            ];
            if let Some((column, v)) = reals.iter().find(|(_, v)| !v.is_finite()) {
                return Some(describe(s, &row.policy, "timeseries", column, *v));
            }
        }
    }
    None
}

fn describe(s: &Scenario, policy: &str, file: &str, column: &str, v: f64) -> String {
    let inputs = if column.contains("penalty") || column.contains("all_in") {
        "`service.penalty` and the policy's prices"
    } else if column.contains("cost") || column.contains("fees") {
        "the policy's prices (`cost`, `billing`, term fees, `bandwidth`, `egress`)"
    } else {
        "the traffic (`workload`) and the service (`service`)"
    };
    let _ = s;
    format!(
        "policy {policy:?}: {file} column `{column}` came out {v}, not a finite number; it is computed from {inputs}: lower the largest of them (nothing was written)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{DEFAULT_SCENARIO, parse};

    #[test]
    fn the_flash_crowd_is_small_and_counted_like_its_requests() {
        let s = parse(DEFAULT_SCENARIO, "d", "d").unwrap();
        let e = of_run(&s);
        // 6 h at 200 req/s with a 3× spike: about 6.3 M requests per policy.
        let (arrivals, candidates) = expected_arrivals(&s);
        assert!((5.0e6..7.5e6).contains(&arrivals), "{arrivals}");
        assert!(
            (arrivals..1.5 * arrivals).contains(&candidates),
            "{candidates}"
        );
        assert!(e.within_budget() && !e.is_large(), "{e}");
        assert!((4.0e7..8.0e7).contains(&e.events), "{e}");
    }

    #[test]
    fn memory_does_not_grow_with_replications_beyond_the_cores() {
        let mut s = parse(DEFAULT_SCENARIO, "d", "d").unwrap();
        s.replications = 100;
        let a = of_run(&s);
        s.replications = 10_000;
        let b = of_run(&s);
        assert_eq!(a.series_bytes, b.series_bytes);
        assert!(b.events > 99.0 * a.events);
    }

    #[test]
    fn a_century_at_request_level_is_over_budget() {
        let text = DEFAULT_SCENARIO
            .replace("horizon = \"6h\"", "horizon = \"100y\"")
            .replace("sample_every = \"1m\"", "sample_every = \"1d\"");
        let s = parse(&text, "d", "d").unwrap();
        let e = of_run(&s);
        assert!(!e.within_budget());
        assert!(
            e.over_budget().contains("request-level arrivals"),
            "{}",
            e.over_budget()
        );
    }
}
