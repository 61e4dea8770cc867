//! What a run measured, per policy: counters, latency histograms and the time series.
//!
//! The `Recorder` is fed by the model as requests arrive and finish; at each sample it
//! closes an interval row, and at the end it becomes a [`Summary`]. Latency percentiles
//! come from HDR histograms (3 significant digits overall, 2 per interval), so memory does
//! not grow with the number of requests.

mod hdr;

use crate::engine::{Time, to_seconds};
use hdr::ResponseTimes;

/// One row of the summary: every metric of `docs/model.md` §3 for one policy.
///
/// [`Summary::columns`] lists its `summary.csv` columns; the derived `Serialize` (for
/// library users) writes the same fields in the same order, and a test holds the two
/// together.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Summary {
    pub policy: String,
    pub policy_type: String,
    pub arrived: u64,
    pub served: u64,
    pub dropped: u64,
    pub in_system_at_end: u64,
    pub slo_misses: u64,
    pub wait_mean_s: f64,
    pub waited_fraction: f64,
    pub response_mean_s: f64,
    pub response_p50_s: f64,
    pub response_p95_s: f64,
    pub response_p99_s: f64,
    pub response_max_s: f64,
    pub paid_slot_seconds: f64,
    pub busy_slot_seconds: f64,
    pub idle_slot_seconds: f64,
    pub idle_fraction: f64,
    pub billed_server_seconds: f64,
    pub total_cost: f64,
    pub committed_cost: f64,
    pub idle_cost: f64,
    /// What the dropped requests and SLO misses cost at `[service.penalty]`'s prices.
    pub penalty_cost: f64,
    /// Infrastructure (`total_cost`) plus penalty: the cost to compare options by.
    pub all_in_cost: f64,
    pub cost_per_million_requests: f64,
    /// Time-average number of requests in the system (waiting or in service).
    pub mean_in_system: f64,
    /// Time-average number of servers paid for.
    pub mean_servers: f64,
    pub peak_servers: u64,
    pub launches: u64,
    /// Launches the provider refused at least once (quota, rate limit, shortage) and
    /// that had to wait for a retry.
    pub launches_refused: u64,
    pub drop_fraction: f64,
    pub slo_miss_fraction: f64,
    /// `total_cost` by purchase option (cloud instances only; 0 for own and leased
    /// servers): on-demand, the reserved commitment, spot.
    pub cost_on_demand: f64,
    pub cost_reserved: f64,
    pub cost_spot: f64,
    /// Spot interruption notices.
    pub spot_interruptions: u64,
    /// Requests in service on interrupted instances, restarted (or dropped when the
    /// queue had no room for them).
    pub requeued: u64,
    /// Leases with a bandwidth commit: its share of `total_cost`, and the highest
    /// monthly 95th-percentile rate (0 otherwise).
    pub bandwidth_cost: f64,
    pub bandwidth_p95_mbps: f64,
    /// Leases: early exit fees paid to hand servers back inside their minimum
    /// commitment (part of `total_cost`).
    pub early_exit_fees: f64,
    /// Data egress of the responses cloud instances served (autoscale and hybrid
    /// policies with `egress`): part of `total_cost`.
    pub egress_cost: f64,
    /// Hybrids: `total_cost` split into the base (own or leased servers, their power
    /// and bandwidth), the burst (cloud instances) and `egress_cost`; and the requests
    /// the burst served. 0 for other policies.
    pub base_cost: f64,
    pub burst_cost: f64,
    pub served_by_burst: u64,
    /// Elasticity (SPEC Research Group; see `elasticity`), in percent over the sample
    /// intervals: missing and excess servers relative to demand, the share of time
    /// under- and over-provisioned, the share of interval boundaries where supply and
    /// demand do not move together; and adaptations per hour beyond the demand's.
    pub under_provision_accuracy: f64,
    pub over_provision_accuracy: f64,
    pub under_provision_timeshare: f64,
    pub over_provision_timeshare: f64,
    pub instability: f64,
    pub jitter_per_hour: f64,
    /// The seed of the run this row comes from (the scenario's, or a replication's),
    /// and the fidelity it ran in (`request` or `fluid`): what reproduces it.
    pub seed: u64,
    pub fidelity: String,
    /// `containers` policies (0 for others): time-average and peak pods (the server
    /// columns above count nodes), and node capacity no pod requested (bin-packing
    /// leftovers and headroom) in pod-slot-seconds and in node money. The idle columns
    /// above are the pods' slots not serving, and `idle_cost` their share of the node
    /// money.
    pub pods_mean: f64,
    pub pods_peak: u64,
    pub unrequested_slot_seconds: f64,
    pub unrequested_cost: f64,
    /// Functions: instances started by a request (cold starts), and requests refused
    /// at `concurrency_limit` (also counted in `dropped`). 0 for other policies.
    pub cold_starts: u64,
    pub throttled: u64,
}

/// One `summary.csv` cell: a text, a count or a real number.
///
/// It serializes as the field's own type would (the `csv` crate writes counts with
/// `itoa` and reals with `ryu`, their shortest exact form), so a row of cells reads
/// exactly as the derived `Serialize` of [`Summary`] writes it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    Text(&'a str),
    Count(u64),
    Real(f64),
}

impl Cell<'_> {
    /// The cell as a number; `None` for text.
    pub fn number(self) -> Option<f64> {
        match self {
            Cell::Text(_) => None,
            Cell::Count(n) => Some(n as f64),
            Cell::Real(x) => Some(x),
        }
    }
}

impl serde::Serialize for Cell<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            Cell::Text(t) => s.serialize_str(t),
            Cell::Count(n) => s.serialize_u64(n),
            Cell::Real(x) => s.serialize_f64(x),
        }
    }
}

/// One `summary.csv` column: its header and how to read its cell from a [`Summary`].
pub type Column = (&'static str, fn(&Summary) -> Cell<'_>);

impl Summary {
    /// Every column of `summary.csv`, in file order: the one list that `summary.csv`,
    /// `replications.csv` and the statistics over replications (every numeric column)
    /// walk.
    ///
    /// Adding a metric is its field in [`Summary`] plus one line here. A test checks
    /// that this list names every field, in declaration order, as the derived
    /// `Serialize` does.
    pub fn columns() -> &'static [Column] {
        use Cell::{Count, Real, Text};
        const COLUMNS: &[Column] = &[
            ("policy", |s| Text(&s.policy)),
            ("policy_type", |s| Text(&s.policy_type)),
            ("arrived", |s| Count(s.arrived)),
            ("served", |s| Count(s.served)),
            ("dropped", |s| Count(s.dropped)),
            ("in_system_at_end", |s| Count(s.in_system_at_end)),
            ("slo_misses", |s| Count(s.slo_misses)),
            ("wait_mean_s", |s| Real(s.wait_mean_s)),
            ("waited_fraction", |s| Real(s.waited_fraction)),
            ("response_mean_s", |s| Real(s.response_mean_s)),
            ("response_p50_s", |s| Real(s.response_p50_s)),
            ("response_p95_s", |s| Real(s.response_p95_s)),
            ("response_p99_s", |s| Real(s.response_p99_s)),
            ("response_max_s", |s| Real(s.response_max_s)),
            ("paid_slot_seconds", |s| Real(s.paid_slot_seconds)),
            ("busy_slot_seconds", |s| Real(s.busy_slot_seconds)),
            ("idle_slot_seconds", |s| Real(s.idle_slot_seconds)),
            ("idle_fraction", |s| Real(s.idle_fraction)),
            ("billed_server_seconds", |s| Real(s.billed_server_seconds)),
            ("total_cost", |s| Real(s.total_cost)),
            ("committed_cost", |s| Real(s.committed_cost)),
            ("idle_cost", |s| Real(s.idle_cost)),
            ("penalty_cost", |s| Real(s.penalty_cost)),
            ("all_in_cost", |s| Real(s.all_in_cost)),
            ("cost_per_million_requests", |s| {
                Real(s.cost_per_million_requests)
            }),
            ("mean_in_system", |s| Real(s.mean_in_system)),
            ("mean_servers", |s| Real(s.mean_servers)),
            ("peak_servers", |s| Count(s.peak_servers)),
            ("launches", |s| Count(s.launches)),
            ("launches_refused", |s| Count(s.launches_refused)),
            ("drop_fraction", |s| Real(s.drop_fraction)),
            ("slo_miss_fraction", |s| Real(s.slo_miss_fraction)),
            ("cost_on_demand", |s| Real(s.cost_on_demand)),
            ("cost_reserved", |s| Real(s.cost_reserved)),
            ("cost_spot", |s| Real(s.cost_spot)),
            ("spot_interruptions", |s| Count(s.spot_interruptions)),
            ("requeued", |s| Count(s.requeued)),
            ("bandwidth_cost", |s| Real(s.bandwidth_cost)),
            ("bandwidth_p95_mbps", |s| Real(s.bandwidth_p95_mbps)),
            ("early_exit_fees", |s| Real(s.early_exit_fees)),
            ("egress_cost", |s| Real(s.egress_cost)),
            ("base_cost", |s| Real(s.base_cost)),
            ("burst_cost", |s| Real(s.burst_cost)),
            ("served_by_burst", |s| Count(s.served_by_burst)),
            ("under_provision_accuracy", |s| {
                Real(s.under_provision_accuracy)
            }),
            ("over_provision_accuracy", |s| {
                Real(s.over_provision_accuracy)
            }),
            ("under_provision_timeshare", |s| {
                Real(s.under_provision_timeshare)
            }),
            ("over_provision_timeshare", |s| {
                Real(s.over_provision_timeshare)
            }),
            ("instability", |s| Real(s.instability)),
            ("jitter_per_hour", |s| Real(s.jitter_per_hour)),
            ("seed", |s| Count(s.seed)),
            ("fidelity", |s| Text(&s.fidelity)),
            // New columns go at the end, so existing readers keep their places.
            ("pods_mean", |s| Real(s.pods_mean)),
            ("pods_peak", |s| Count(s.pods_peak)),
            ("unrequested_slot_seconds", |s| {
                Real(s.unrequested_slot_seconds)
            }),
            ("unrequested_cost", |s| Real(s.unrequested_cost)),
            ("cold_starts", |s| Count(s.cold_starts)),
            ("throttled", |s| Count(s.throttled)),
        ];
        COLUMNS
    }

    /// Columns that say which run a row comes from rather than measure it: statistics
    /// over replications carry them over instead of averaging them.
    pub const RUN_COLUMNS: [&'static str; 2] = ["seed", "fidelity"];

    /// The column named `name`, if there is one.
    pub fn column(name: &str) -> Option<Column> {
        Self::columns().iter().find(|&&(n, _)| n == name).copied()
    }
}

/// One row of the time series: one policy over one sample interval ending at `time_s`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Sample {
    pub policy: String,
    /// End of the interval, seconds since the start.
    pub time_s: f64,
    /// Mean of λ(t) over the interval (requests/s).
    pub offered_rate: f64,
    /// Requests that arrived in the interval, per second.
    pub arrival_rate: f64,
    /// Server counts at the end of the interval.
    pub servers_booting: u32,
    pub servers_ready: u32,
    pub servers_draining: u32,
    /// Launches asked for and refused by the provider so far, waiting for a retry.
    pub servers_pending: u32,
    /// Running cloud instances by purchase option at the end of the interval (0 for own
    /// and leased servers): full-price on-demand, on-demand covered by the reserved
    /// commitment, spot.
    pub servers_on_demand: u32,
    pub servers_reserved: u32,
    pub servers_spot: u32,
    /// A hybrid's cloud instances paid for (booting, ready, draining) at the end of the
    /// interval; they are also counted in `servers_*` above. 0 for other policies.
    pub servers_burst: u32,
    /// Mean busy slots over the interval.
    pub busy_slots: f64,
    /// Mean paid-but-idle slots over the interval (booting servers' slots included).
    pub idle_slots: f64,
    /// Mean serving capacity over the interval, in requests/s (ready+draining slots ÷
    /// mean service time).
    pub capacity_rate: f64,
    /// Requests waiting at the end of the interval.
    pub queue_length: u64,
    pub served: u64,
    pub dropped: u64,
    pub slo_misses: u64,
    /// Spot interruption notices in the interval.
    pub spot_interruptions: u64,
    /// Launches the provider refused for the first time in the interval (quota, rate
    /// limit, capacity shortage).
    pub launches_refused: u64,
    /// p99 of the responses completed in the interval (empty if none).
    pub response_p99_s: Option<f64>,
    pub cost_cumulative: f64,
    /// Requests that arrived in the interval (dropped ones included).
    pub arrivals: u64,
    /// Servers the interval's traffic needs (see `elasticity`): the same for every
    /// policy; 0 until the run's samples are annotated.
    pub demand_servers: u32,
}

/// Counts and histograms, fed request by request.
pub(crate) struct Recorder {
    slo: Time,
    pub arrived: u64,
    pub served: u64,
    pub dropped: u64,
    pub slo_misses: u64,
    pub started: u64,
    pub waited: u64,
    wait_sum: u128,
    response_sum: u128,
    /// Responses, in the layout of a 3-digit HDR histogram.
    responses: ResponseTimes,
    interval: Interval,
}

#[derive(Default)]
struct Interval {
    arrived: u64,
    served: u64,
    dropped: u64,
    slo_misses: u64,
}

impl Recorder {
    pub(crate) fn new(slo: Time, horizon: Time) -> Recorder {
        // A response can last at most the horizon; saturate beyond it. hdrhistogram
        // refuses only low < 1, high < 2·low and high > u64::MAX / 2: clamped into range.
        let max = horizon.saturating_mul(2).clamp(1_000_000, u64::MAX / 2);
        Recorder {
            slo,
            arrived: 0,
            served: 0,
            dropped: 0,
            slo_misses: 0,
            started: 0,
            waited: 0,
            wait_sum: 0,
            response_sum: 0,
            responses: ResponseTimes::new(max),
            interval: Interval::default(),
        }
    }

    #[inline]
    pub(crate) fn arrival(&mut self) {
        self.arrived += 1;
        self.interval.arrived += 1;
    }

    #[inline]
    pub(crate) fn drop_request(&mut self) {
        self.dropped += 1;
        self.interval.dropped += 1;
    }

    #[inline]
    pub(crate) fn service_start(&mut self, wait: Time) {
        self.started += 1;
        // Without a branch: about half of the requests wait, at random.
        self.waited += (wait > 0) as u64;
        self.wait_sum += wait as u128;
    }

    #[inline]
    pub(crate) fn completion(&mut self, response: Time) {
        self.served += 1;
        self.interval.served += 1;
        self.response_sum += response as u128;
        self.responses.record(response, 1);
        if response > self.slo {
            self.slo_misses += 1;
            self.interval.slo_misses += 1;
        }
    }

    /// A request that had started service goes back to the queue (its instance was
    /// interrupted): its start is undone, so it counts once, when it starts again.
    pub(crate) fn unstart(&mut self, wait: Time) {
        self.started = self.started.saturating_sub(1);
        if wait > 0 {
            self.waited = self.waited.saturating_sub(1);
            self.wait_sum = self.wait_sum.saturating_sub(wait as u128);
        }
    }

    /// Fluid fidelity: `n` requests counted as served go back to the backlog.
    pub(crate) fn unserve(&mut self, n: u64) {
        self.served = self.served.saturating_sub(n);
        self.interval.served = self.interval.served.saturating_sub(n);
    }

    /// Fluid fidelity: `n` arrivals at once.
    #[inline]
    pub(crate) fn add_arrivals(&mut self, n: u64) {
        self.arrived += n;
        self.interval.arrived += n;
    }

    /// Fluid fidelity: `n` drops at once.
    #[inline]
    pub(crate) fn add_drops(&mut self, n: u64) {
        self.dropped += n;
        self.interval.dropped += n;
    }

    /// Fluid fidelity: `n` requests completed (their response times come separately,
    /// from [`Recorder::add_responses`]).
    #[inline]
    pub(crate) fn add_served(&mut self, n: u64) {
        self.served += n;
        self.interval.served += n;
    }

    /// Fluid fidelity: `started` requests began service, `waited` of them after a wait,
    /// waiting `wait_sum` seconds in all.
    pub(crate) fn add_waits(&mut self, started: u64, waited: u64, wait_sum: f64) {
        self.started += started;
        self.waited += waited;
        self.wait_sum += (wait_sum * 1e6).max(0.0) as u128;
    }

    /// Fluid fidelity: `n` responses of `response` microseconds (SLO misses are counted
    /// separately, exactly, by [`Recorder::add_slo_misses`]).
    pub(crate) fn add_responses(&mut self, response: Time, n: u64) {
        self.response_sum += response as u128 * n as u128;
        self.responses.record(response, n);
    }

    /// Fluid fidelity: `n` responses slower than the SLO.
    pub(crate) fn add_slo_misses(&mut self, n: u64) {
        self.slo_misses += n;
        self.interval.slo_misses += n;
    }

    /// Closes the current interval: (arrived, served, dropped, slo misses, p99 seconds;
    /// the p99 of a 2-significant-digit HDR histogram).
    pub(crate) fn take_interval(&mut self) -> (u64, u64, u64, u64, Option<f64>) {
        let p99 = self.responses.take_interval_p99().map(to_seconds);
        let i = &mut self.interval;
        let out = (i.arrived, i.served, i.dropped, i.slo_misses, p99);
        i.arrived = 0;
        i.served = 0;
        i.dropped = 0;
        i.slo_misses = 0;
        out
    }

    pub(crate) fn wait_mean_s(&self) -> f64 {
        if self.started == 0 {
            0.0
        } else {
            self.wait_sum as f64 / self.started as f64 / 1e6
        }
    }

    pub(crate) fn waited_fraction(&self) -> f64 {
        ratio(self.waited as f64, self.started as f64)
    }

    pub(crate) fn response_mean_s(&self) -> f64 {
        ratio(self.response_sum as f64 / 1e6, self.served as f64)
    }

    /// Response-time quantile in seconds (0 when nothing was served).
    pub(crate) fn response_quantile_s(&self, q: f64) -> f64 {
        let h = self.responses.histogram();
        if h.is_empty() {
            0.0
        } else {
            to_seconds(h.value_at_quantile(q))
        }
    }

    pub(crate) fn response_max_s(&self) -> f64 {
        let h = self.responses.histogram();
        if h.is_empty() {
            0.0
        } else {
            to_seconds(h.max())
        }
    }
}

/// Fleet and money totals at the end of a run, from whichever fidelity ran it.
pub(crate) struct PolicyStats {
    pub horizon: Time,
    pub slots_per_server: u32,
    pub billed_server_seconds: f64,
    pub busy_slot_seconds: f64,
    pub total_cost: f64,
    pub committed_cost: f64,
    pub in_system_at_end: u64,
    /// ∫ requests in system dt.
    pub in_system_seconds: f64,
    /// ∫ servers paid for dt (lives only, without minimum tails).
    pub paid_server_seconds: f64,
    pub peak_servers: u64,
    pub launches: u64,
    pub launches_refused: u64,
    pub penalty: crate::scenario::Penalty,
    pub option_costs: crate::fleet::OptionCosts,
    pub spot_interruptions: u64,
    pub requeued: u64,
    pub bandwidth_cost: f64,
    pub bandwidth_p95_mbps: f64,
    pub early_exit_fees: f64,
    pub egress_cost: f64,
    /// A hybrid's costs by side, if the policy is one.
    pub hybrid: Option<HybridSplit>,
    /// A `containers` policy's pods and unrequested node capacity.
    pub containers: Option<ContainerSplit>,
}

/// What the pods of a `containers` policy used of its nodes.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ContainerSplit {
    /// ∫ pods dt × slots per pod: the pods' slots, paid through their nodes.
    pub pod_slot_seconds: f64,
    pub pods_mean: f64,
    pub pods_peak: u64,
    pub unrequested_slot_seconds: f64,
    pub unrequested_cost: f64,
    /// The nodes' bill (without the control plane).
    pub node_cost: f64,
}

/// What a hybrid's two sides cost, and what its burst served.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct HybridSplit {
    pub base_cost: f64,
    pub burst_cost: f64,
    pub served_burst: u64,
}

impl PolicyStats {
    /// The summary row: the definitions of `docs/model.md` §3 in one place.
    pub(crate) fn summary(&self, policy: &str, policy_type: &str, r: &Recorder) -> Summary {
        let horizon_s = to_seconds(self.horizon);
        let paid = match &self.containers {
            Some(c) => c.pod_slot_seconds,
            None => self.billed_server_seconds * self.slots_per_server as f64,
        };
        let idle = (paid - self.busy_slot_seconds).max(0.0);
        let idle_fraction = ratio(idle, paid);
        // Containers: idle pod slots cost their share of the node money pods requested.
        let idle_cost = match &self.containers {
            Some(c) => (c.node_cost - c.unrequested_cost).max(0.0) * idle_fraction,
            None => self.total_cost * idle_fraction,
        };
        let pods = self.containers.unwrap_or_default();
        let penalty = r.dropped as f64 * self.penalty.per_dropped_request
            + r.slo_misses as f64 * self.penalty.per_slo_miss;
        Summary {
            policy: policy.to_string(),
            policy_type: policy_type.to_string(),
            arrived: r.arrived,
            served: r.served,
            dropped: r.dropped,
            in_system_at_end: self.in_system_at_end,
            slo_misses: r.slo_misses,
            wait_mean_s: r.wait_mean_s(),
            waited_fraction: r.waited_fraction(),
            response_mean_s: r.response_mean_s(),
            response_p50_s: r.response_quantile_s(0.50),
            response_p95_s: r.response_quantile_s(0.95),
            response_p99_s: r.response_quantile_s(0.99),
            response_max_s: r.response_max_s(),
            paid_slot_seconds: paid,
            busy_slot_seconds: self.busy_slot_seconds,
            idle_slot_seconds: idle,
            idle_fraction,
            billed_server_seconds: self.billed_server_seconds,
            total_cost: self.total_cost,
            committed_cost: self.committed_cost,
            idle_cost,
            penalty_cost: penalty,
            all_in_cost: self.total_cost + penalty,
            cost_per_million_requests: ratio(self.total_cost * 1e6, r.served as f64),
            mean_in_system: ratio(self.in_system_seconds, horizon_s),
            mean_servers: ratio(self.paid_server_seconds, horizon_s),
            peak_servers: self.peak_servers,
            launches: self.launches,
            launches_refused: self.launches_refused,
            drop_fraction: ratio(r.dropped as f64, r.arrived as f64),
            slo_miss_fraction: ratio(r.slo_misses as f64, r.served as f64),
            cost_on_demand: self.option_costs.on_demand,
            cost_reserved: self.option_costs.reserved,
            cost_spot: self.option_costs.spot,
            spot_interruptions: self.spot_interruptions,
            requeued: self.requeued,
            bandwidth_cost: self.bandwidth_cost,
            bandwidth_p95_mbps: self.bandwidth_p95_mbps,
            early_exit_fees: self.early_exit_fees,
            egress_cost: self.egress_cost,
            base_cost: self.hybrid.map_or(0.0, |h| h.base_cost),
            burst_cost: self.hybrid.map_or(0.0, |h| h.burst_cost),
            served_by_burst: self.hybrid.map_or(0, |h| h.served_burst),
            // Filled in once every policy's samples are in (`elasticity::annotate`).
            under_provision_accuracy: 0.0,
            over_provision_accuracy: 0.0,
            under_provision_timeshare: 0.0,
            over_provision_timeshare: 0.0,
            instability: 0.0,
            jitter_per_hour: 0.0,
            // Filled in once the run is complete (`simulation::finish`).
            seed: 0,
            fidelity: String::new(),
            pods_mean: pods.pods_mean,
            pods_peak: pods.pods_peak,
            unrequested_slot_seconds: pods.unrequested_slot_seconds,
            unrequested_cost: pods.unrequested_cost,
            cold_starts: 0,
            throttled: 0,
        }
    }
}

/// `a / b`, or 0 when `b` is 0.
pub(crate) fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SECOND;

    /// `Summary::columns()` writes what the derived `Serialize` writes: the same header
    /// (every field, in declaration order) and the same bytes for text that needs
    /// quoting, counts, and reals in each notation the `csv` crate uses.
    #[test]
    fn columns_write_what_serialize_writes() {
        let s = Summary {
            policy: "own, \"big\"".into(),
            policy_type: "fixed".into(),
            arrived: u64::MAX,
            served: 7,
            dropped: 1,
            wait_mean_s: 1e-7,
            waited_fraction: 0.1,
            response_mean_s: 1e21,
            response_p50_s: -0.0,
            response_p95_s: f64::NAN,
            response_p99_s: f64::INFINITY,
            response_max_s: 2.0,
            total_cost: 1_234.567_8,
            idle_cost: 1.0 / 3.0,
            peak_servers: 12,
            served_by_burst: 3,
            ..Summary::default()
        };
        let mut derived = csv::Writer::from_writer(Vec::new());
        derived.serialize(&s).unwrap();
        let mut listed = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(Vec::new());
        listed
            .write_record(Summary::columns().iter().map(|&(name, _)| name))
            .unwrap();
        let cells: Vec<Cell> = Summary::columns().iter().map(|&(_, c)| c(&s)).collect();
        listed.serialize(cells).unwrap();
        let text = |w: csv::Writer<Vec<u8>>| String::from_utf8(w.into_inner().unwrap()).unwrap();
        assert_eq!(text(listed), text(derived));
        assert_eq!(
            Summary::column("served").map(|(_, c)| c(&s)),
            Some(Cell::Count(7))
        );
        assert!(Summary::column("nope").is_none());
    }

    #[test]
    fn recorder_counts_and_quantiles() {
        let mut r = Recorder::new(SECOND / 2, 3600 * SECOND);
        for ms in 1..=100u64 {
            r.arrival();
            r.service_start(if ms % 2 == 0 { 1000 } else { 0 });
            r.completion(ms * 10_000);
        }
        r.arrival();
        r.drop_request();
        assert_eq!((r.arrived, r.served, r.dropped), (101, 100, 1));
        assert_eq!(r.slo_misses, 50); // 0.51 s .. 1.0 s
        assert!((r.response_quantile_s(0.5) - 0.5).abs() < 0.001);
        assert!((r.response_max_s() - 1.0).abs() < 0.001);
        assert_eq!(r.waited_fraction(), 0.5);
        let (arrived, served, dropped, slo, p99) = r.take_interval();
        assert_eq!((arrived, served, dropped, slo), (101, 100, 1, 50));
        assert!((p99.unwrap() - 0.99).abs() < 0.01);
        assert_eq!(r.take_interval().4, None);
    }

    #[test]
    fn penalty_prices_drops_and_slo_misses() {
        let mut r = Recorder::new(SECOND, 3600 * SECOND);
        r.add_arrivals(1000);
        r.add_served(990);
        r.add_drops(10);
        r.add_slo_misses(4);
        let stats = PolicyStats {
            horizon: 3600 * SECOND,
            slots_per_server: 8,
            billed_server_seconds: 7200.0,
            busy_slot_seconds: 1000.0,
            total_cost: 2.5,
            committed_cost: 2.5,
            in_system_at_end: 0,
            in_system_seconds: 0.0,
            paid_server_seconds: 7200.0,
            peak_servers: 2,
            launches: 2,
            launches_refused: 0,
            option_costs: Default::default(),
            spot_interruptions: 0,
            requeued: 0,
            bandwidth_cost: 0.0,
            bandwidth_p95_mbps: 0.0,
            early_exit_fees: 0.0,
            egress_cost: 0.0,
            hybrid: None,
            containers: None,
            penalty: crate::scenario::Penalty {
                per_dropped_request: 0.5,
                per_slo_miss: 0.25,
            },
        };
        let s = stats.summary("p", "fixed", &r);
        // 10 × $0.50 + 4 × $0.25 = $6; all-in $2.50 + $6.
        assert_eq!(s.penalty_cost, 6.0);
        assert_eq!(s.all_in_cost, 8.5);
        // Idle cost is infrastructure only: 1 − 1000 / (7200 × 8) of $2.50.
        assert!((s.idle_cost - 2.5 * (1.0 - 1000.0 / 57_600.0)).abs() < 1e-12);
    }
}
