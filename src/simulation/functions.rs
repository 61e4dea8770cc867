//! `type = "functions"` in both fidelities: serverless instances that appear with the
//! requests, not under a control loop, so they run their own small models instead of a
//! fleet under a policy ([`super::runtime`]).
//!
//! - `request.rs`: every request and instance exact. A request takes a free slot of a
//!   warm instance (the most recently freed: warm instances are reused, idle ones age
//!   out); else it waits for a booting instance with a slot nobody waits for yet; else,
//!   under `concurrency_limit`, it starts one (a cold start) and waits for it; else it is
//!   throttled (dropped). An instance idle for `keep_alive` is removed; `provisioned`
//!   ones never are.
//! - `fluid.rs`: the same in expectation, step by step (see there for what it
//!   approximates).
//!
//! What both share is here: the bill, the cold-start draw, and the summary.

mod fluid;
mod request;

use rand::SeedableRng;
use rand_distr::{Distribution, LogNormal};
use rand_pcg::Pcg64Mcg;

use crate::engine::{SECOND, Time, to_seconds};
use crate::fleet::OptionCosts;
use crate::metrics::{PolicyStats, Recorder, Sample, Summary};
use crate::scenario::{Basis, FunctionsSpec, PolicySpec, Scenario};
use crate::workload::{RateFunction, RateTable, mix_seed};

use super::PolicyOutcome;

/// The 95th percentile of the standard normal distribution.
const Z95: f64 = 1.644_853_626_951_472_2;

/// Runs a functions policy in the scenario's fidelity (`table`: the fluid rate table).
pub(super) fn run(
    scenario: &Scenario,
    spec: &PolicySpec,
    f: &FunctionsSpec,
    table: Option<&RateTable>,
    seed: u64,
    progress: &(dyn Fn(Time) + Sync),
) -> PolicyOutcome {
    match (scenario.fidelity, table) {
        (crate::scenario::Fidelity::Fluid { step }, Some(table)) => {
            fluid::FluidFunctions::new(scenario, spec, f, table, step).run(progress)
        }
        _ => request::RequestFunctions::new(scenario, spec, f, seed).run(progress),
    }
}

/// `d` rounded up to a multiple of `g`.
#[inline]
pub(crate) fn round_up(d: Time, g: Time) -> Time {
    d.div_ceil(g.max(1)).saturating_mul(g.max(1))
}

/// Cold-start durations: constant, or lognormal from the median and the p95 (as boot
/// times are, see `provider.rs`).
pub(crate) struct ColdStarts {
    constant: Time,
    lognormal: Option<(LogNormal<f64>, Pcg64Mcg)>,
}

impl ColdStarts {
    pub(crate) fn new(f: &FunctionsSpec, seed: u64) -> ColdStarts {
        let lognormal = match f.cold_start_p95 {
            Some(p95) if p95 > f.cold_start && f.cold_start > 0 => {
                let median = to_seconds(f.cold_start);
                let sigma = (to_seconds(p95) / median).ln() / Z95;
                LogNormal::new(median.ln(), sigma)
                    .ok()
                    .map(|d| (d, Pcg64Mcg::seed_from_u64(mix_seed(seed, 0xC01D))))
            }
            _ => None,
        };
        ColdStarts {
            constant: f.cold_start,
            lognormal,
        }
    }

    pub(crate) fn draw(&mut self) -> Time {
        match &mut self.lognormal {
            None => self.constant,
            Some((d, rng)) => {
                let s: f64 = d.sample(rng);
                ((s * 1e6).round() as Time).min(3600 * SECOND)
            }
        }
    }

    /// The mean cold start, seconds.
    pub(crate) fn mean(f: &FunctionsSpec) -> f64 {
        let median = to_seconds(f.cold_start);
        match f.cold_start_p95 {
            Some(p95) if p95 > f.cold_start && f.cold_start > 0 => {
                let sigma = (to_seconds(p95) / median).ln() / Z95;
                median * (sigma * sigma / 2.0).exp()
            }
            _ => median,
        }
    }
}

/// Money booked so far, in its parts.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Bill {
    /// Requests completed (each pays `price_per_request`).
    pub requests: f64,
    /// Billed GB-seconds at the on-demand price (`Request` basis; init included).
    pub gb_seconds: f64,
    /// Billed GB-seconds of duration on provisioned instances.
    pub provisioned_gb_seconds: f64,
    /// Billed active instance-seconds (`Instance` basis).
    pub active_seconds: f64,
    /// The part of `active_seconds` on provisioned instances, which pay the idle
    /// (provisioned) rate all along: while active they pay the active rate instead, as
    /// Cloud Run bills minimum instances.
    pub provisioned_active_seconds: f64,
}

impl Bill {
    /// What the bill comes to at `now` (provisioned instances paid up to `now`).
    pub(crate) fn cost(&self, f: &FunctionsSpec, now: Time) -> f64 {
        let b = &f.billing;
        let usage = match b.basis {
            Basis::Request => {
                self.gb_seconds * b.price_per_gb_second
                    + self.provisioned_gb_seconds * b.provisioned_duration_price_per_gb_second
            }
            Basis::Instance => {
                let active = f.memory_gb * b.price_per_gb_second + f.vcpu * b.price_per_vcpu_second;
                // Active seconds of a provisioned instance replace its idle rate.
                let idle = provisioned_rate(f).min(active);
                self.active_seconds * active - self.provisioned_active_seconds * idle
            }
        };
        self.requests * b.price_per_request + usage + provisioned_cost(f, now)
    }
}

/// What the provisioned instances cost from 0 to `now`, used or not.
pub(crate) fn provisioned_cost(f: &FunctionsSpec, now: Time) -> f64 {
    f64::from(f.provisioned) * to_seconds(now) * provisioned_rate(f)
}

/// USD per second of one provisioned instance, used or not.
fn provisioned_rate(f: &FunctionsSpec) -> f64 {
    let b = &f.billing;
    f.memory_gb * b.provisioned_price_per_gb_second + f.vcpu * b.provisioned_price_per_vcpu_second
}

/// What a run of a functions policy adds up to, from either fidelity.
pub(crate) struct Totals {
    pub bill: Bill,
    /// ∫ instances alive dt (booting included), instance-seconds.
    pub instance_seconds: f64,
    pub busy_slot_seconds: f64,
    pub in_system_at_end: u64,
    pub in_system_seconds: f64,
    pub peak_instances: u64,
    pub cold_starts: u64,
    pub throttled: u64,
    /// Busy slot-seconds on provisioned instances (what of their cost was used).
    pub provisioned_busy_seconds: f64,
}

/// What a functions model measured over one sample interval `[at, now)`.
pub(super) struct Interval {
    pub at: Time,
    pub now: Time,
    /// Busy slot-seconds and instance-seconds within the interval.
    pub busy_slot_seconds: f64,
    pub instance_seconds: f64,
    /// Instances alive at `now`, and how many of them are still cold-starting.
    pub alive: u32,
    pub booting: u32,
    pub queue_length: u64,
    /// The bill up to `now`.
    pub cost: f64,
}

/// The time-series row of `interval` (both fidelities: the same columns, the same way).
pub(super) fn sample(
    spec: &PolicySpec,
    f: &FunctionsSpec,
    mean_service: f64,
    rate: &RateFunction,
    recorder: &mut Recorder,
    interval: Interval,
) -> Sample {
    let Interval { at, now, .. } = interval;
    let dt = to_seconds(now - at);
    let c = f64::from(f.concurrency);
    let busy_slots = interval.busy_slot_seconds / dt;
    let paid_slots = interval.instance_seconds * c / dt;
    let (arrived, served, dropped, slo_misses, p99) = recorder.take_interval();
    let ready = interval.alive - interval.booting;
    Sample {
        policy: spec.name.clone(),
        time_s: to_seconds(now),
        offered_rate: rate.mean_over(at, now),
        arrival_rate: arrived as f64 / dt,
        servers_booting: interval.booting,
        servers_ready: ready,
        servers_draining: 0,
        servers_pending: 0,
        servers_on_demand: interval.alive,
        servers_reserved: 0,
        servers_spot: 0,
        servers_burst: 0,
        busy_slots,
        idle_slots: (paid_slots - busy_slots).max(0.0),
        capacity_rate: f64::from(ready) * c / mean_service,
        queue_length: interval.queue_length,
        served,
        dropped,
        slo_misses,
        spot_interruptions: 0,
        launches_refused: 0,
        response_p99_s: p99,
        cost_cumulative: interval.cost,
        arrivals: arrived,
        demand_servers: 0,
    }
}

/// The summary row of a functions policy: server columns count instances, slots are
/// `concurrency`; idle cost is what the provisioned instances cost while idle (the rest
/// is paid only as used).
pub(crate) fn summary(
    scenario: &Scenario,
    spec: &PolicySpec,
    f: &FunctionsSpec,
    t: &Totals,
    r: &Recorder,
) -> Summary {
    let h = scenario.horizon;
    let total = t.bill.cost(f, h);
    let stats = PolicyStats {
        horizon: h,
        slots_per_server: f.concurrency,
        billed_server_seconds: t.instance_seconds,
        busy_slot_seconds: t.busy_slot_seconds,
        total_cost: total,
        committed_cost: total,
        in_system_at_end: t.in_system_at_end,
        in_system_seconds: t.in_system_seconds,
        paid_server_seconds: t.instance_seconds,
        peak_servers: t.peak_instances,
        launches: t.cold_starts + u64::from(f.provisioned),
        launches_refused: 0,
        penalty: scenario.service.penalty,
        option_costs: OptionCosts {
            on_demand: total,
            reserved: 0.0,
            spot: 0.0,
        },
        spot_interruptions: 0,
        requeued: 0,
        bandwidth_cost: 0.0,
        bandwidth_p95_mbps: 0.0,
        early_exit_fees: 0.0,
        egress_cost: 0.0,
        hybrid: None,
        containers: None,
    };
    let mut s = stats.summary(&spec.name, spec.kind.type_name(), r);
    let provisioned_slot_seconds =
        f64::from(f.provisioned) * f64::from(f.concurrency) * to_seconds(h);
    let unused = if provisioned_slot_seconds > 0.0 {
        (1.0 - t.provisioned_busy_seconds / provisioned_slot_seconds).clamp(0.0, 1.0)
    } else {
        0.0
    };
    s.idle_cost = provisioned_cost(f, h) * unused;
    s.cold_starts = t.cold_starts;
    s.throttled = t.throttled;
    s
}
