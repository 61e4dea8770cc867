//! Functions in the fluid fidelity: expected arrivals λ dt per step, and instances and
//! cold starts in expectation.
//!
//! Per rate cell (a minute), the stationary regime of admitted rate λ (above
//! `concurrency_limit` × `concurrency` requests' worth of mean work, the excess is
//! throttled), see [`cell`]: requests in service N ~ Poisson(λ E[S]) (M/G/∞); instance j
//! in the order of use is needed when N reaches (j − 1)·concurrency + 1, at rate r_j; it
//! is alive if needed within the keep-alive and cold-starts when needed after longer:
//!
//! - **cold starts** per second: Σ_j r_j e^(−r_j·keep_alive), plus the instances the
//!   pool grows by when traffic rises. With one instance at most and λE[S] ≪ 1 this is
//!   λe^(−λ·keep_alive): the closed form for the share of cold requests.
//! - **instances alive**: Σ_j max(1 − e^(−r_j(keep_alive + E[S])), P(N ≥ level_j)),
//!   provisioned ones always, kept for the keep-alive after traffic falls (the most of
//!   the last keep-alive), plus booting ones (launches × mean cold start).
//! - **billing**: each request's duration rounded up as the service-time distribution
//!   gives it (exact for constant service); active instance time (Cloud Run) as
//!   E[⌈N/concurrency⌉] plus the rounding of each active period (one per r_j event).
//! - **latency**: a cold request waits the mean cold start; responses are booked at 200
//!   quantiles of the service time.
//!
//! Not modelled: throttling from random peaks below the limit (only the mean work is
//! capped), arrivals that are not Poisson (a regular trace keeps instances warmer or
//! colder than the law says), several requests waiting for one cold start when
//! `concurrency` > 1 (one per cold start), and the waits a cold start adds to the
//! instances' occupancy.

use std::collections::VecDeque;

use crate::analytic::poisson_window;
use crate::engine::{Time, to_seconds};
use crate::metrics::{Recorder, Sample};
use crate::scenario::{Basis, FunctionsSpec, PolicySpec, Scenario, ServiceTime};
use crate::workload::{RateFunction, RateTable};

use super::super::PolicyOutcome;
use super::{Bill, ColdStarts, Interval, Totals, round_up, sample, summary};

/// Response-time bins: the service time's quantiles at the midpoints of this many equal
/// bins (the p99 of the binned responses then falls within a few percent of the true
/// one).
const BINS: usize = 200;

/// `n` split as evenly as possible into [`BINS`] bins: bin `i`'s share.
fn spread(n: u64, i: usize) -> u64 {
    let b = BINS as u64;
    (i as u64 + 1) * n / b - i as u64 * n / b
}

/// The standard normal quantile of `p` in (0, 1) (Acklam's rational approximation,
/// relative error below 1.2e-9).
fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.024_25 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.024_25 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// Quantiles of the service time at the bins' midpoints, microseconds.
fn service_bins(st: ServiceTime) -> Vec<Time> {
    (0..BINS)
        .map(|i| {
            let q = (i as f64 + 0.5) / BINS as f64;
            let s = match st {
                ServiceTime::Constant { value } => value,
                ServiceTime::Exponential { mean } => -mean * (1.0 - q).ln(),
                ServiceTime::LogNormal { mean, cv } => {
                    let sigma2 = (1.0 + cv * cv).ln();
                    let mu = mean.ln() - sigma2 / 2.0;
                    (mu + sigma2.sqrt() * normal_quantile(q)).exp()
                }
            };
            (s * 1e6).round() as Time
        })
        .collect()
}

/// What the stationary traffic of one rate cell implies (see the module's docs).
#[derive(Debug, Clone, Copy, Default)]
struct Cell {
    /// Share of arrivals admitted (the rest is throttled).
    admitted: f64,
    /// Admitted arrivals per second.
    rate: f64,
    /// Instances alive in the stationary regime (provisioned included, booting not).
    alive: f64,
    /// Cold starts per second.
    cold: f64,
    /// E[⌈N / concurrency⌉]: instances with at least one request.
    active: f64,
    /// Active periods starting per second (each rounded up when billed).
    starts: f64,
}

/// The stationary regime of a function at arrival rate `lambda`: instance j (in the
/// order they are used) is needed when N, the requests in service (Poisson with mean
/// λE[S], as in M/G/∞), reaches ℓ = (j − 1)·concurrency + 1, which happens at rate
/// r = λ·P(N = ℓ − 1). It is alive if it was needed within the keep-alive, 1 −
/// e^(−r(keep_alive + E[S])) (at least P(N ≥ ℓ)), and it cold-starts when needed after
/// more than the keep-alive: r·e^(−r·keep_alive). Provisioned instances are always
/// alive and never cold.
fn cell(f: &FunctionsSpec, lambda: f64, mean_service: f64) -> Cell {
    let c = u64::from(f.concurrency);
    let work = lambda * mean_service;
    let cap = f64::from(f.concurrency_limit) * c as f64;
    let admitted = if work > cap { cap / work } else { 1.0 };
    let la = lambda * admitted;
    let m = la * mean_service;
    let keep = to_seconds(f.keep_alive);
    let provisioned = u64::from(f.provisioned);
    let limit = u64::from(f.concurrency_limit);
    let mut out = Cell {
        admitted,
        rate: la,
        ..Cell::default()
    };
    if m <= 0.0 {
        out.alive = provisioned as f64;
        return out;
    }
    let (lo, hi, mut p) = poisson_window(m);
    // Instances needed at levels below the window are always busy; above it, never
    // needed (but provisioned ones are alive).
    let below = lo.div_ceil(c).min(limit);
    let top = (hi / c + 1).min(limit);
    out.alive = below as f64 + provisioned.saturating_sub(top.max(below)) as f64;
    let mut cdf = 0.0;
    for k in lo..=hi {
        if k > lo {
            p *= m / k as f64;
        }
        out.active += p * k.div_ceil(c) as f64;
        if k % c == 0 {
            let j = k / c + 1;
            if j > below && j <= limit {
                let r = la * p;
                out.starts += r;
                if j > provisioned {
                    let busy = 1.0 - cdf - p;
                    out.alive += (1.0 - (-r * (keep + mean_service)).exp()).max(busy);
                    out.cold += r * (-r * keep).exp();
                } else {
                    out.alive += 1.0;
                }
            }
        }
        cdf += p;
    }
    out
}

pub(crate) struct FluidFunctions<'a> {
    scenario: &'a Scenario,
    spec: &'a PolicySpec,
    f: &'a FunctionsSpec,
    table: &'a RateTable,
    step: Time,
    rate: RateFunction,
    recorder: Recorder,
    mean_service: f64,
    mean_cold: f64,
    bins: Vec<Time>,
    /// E[round_up(S)] and E[round_up(cold start)], seconds.
    billed_service: f64,
    billed_cold: f64,
    /// (until, stationary instances alive): the most within the keep-alive, as a
    /// decreasing deque.
    window: VecDeque<(Time, f64)>,
    pool: f64,
    expected_arrivals: f64,
    arrivals_so_far: u64,
    expected_cold: f64,
    cold_so_far: u64,
    cold_starts: u64,
    /// Responses since the last flush: warm and cold.
    warm: u64,
    cold: u64,
    busy: f64,
    provisioned_busy: f64,
    instance_seconds: f64,
    booting: f64,
    alive_now: f64,
    peak: u64,
    throttled: u64,
    bill: Bill,
    steps: u64,
    series: Vec<Sample>,
    last_sample: (Time, f64, f64),
}

impl<'a> FluidFunctions<'a> {
    pub(crate) fn new(
        scenario: &'a Scenario,
        spec: &'a PolicySpec,
        f: &'a FunctionsSpec,
        table: &'a RateTable,
        step: Time,
    ) -> Self {
        let st = scenario.service.service_time;
        let bins = service_bins(st);
        let g = f.billing.granularity;
        let billed_service = match st {
            ServiceTime::Constant { value } => {
                to_seconds(round_up((value * 1e6).round() as Time, g))
            }
            // The mean, plus what rounding adds to each bin's quantile.
            _ => {
                st.mean()
                    + bins
                        .iter()
                        .map(|&s| to_seconds(round_up(s, g) - s))
                        .sum::<f64>()
                        / BINS as f64
            }
        };
        let mean_cold = ColdStarts::mean(f);
        let billed_cold = match f.cold_start_p95 {
            None => to_seconds(round_up(f.cold_start, g)),
            Some(_) => mean_cold + to_seconds(g) / 2.0,
        };
        FluidFunctions {
            scenario,
            spec,
            f,
            table,
            step,
            rate: RateFunction::new(&scenario.workload),
            recorder: Recorder::new(scenario.service.slo, scenario.horizon),
            mean_service: st.mean(),
            mean_cold,
            bins,
            billed_service,
            billed_cold,
            window: VecDeque::new(),
            pool: f64::from(f.provisioned),
            expected_arrivals: 0.0,
            arrivals_so_far: 0,
            expected_cold: 0.0,
            cold_so_far: 0,
            cold_starts: 0,
            warm: 0,
            cold: 0,
            busy: 0.0,
            provisioned_busy: 0.0,
            instance_seconds: 0.0,
            booting: 0.0,
            alive_now: f64::from(f.provisioned),
            peak: u64::from(f.provisioned),
            throttled: 0,
            bill: Bill::default(),
            steps: 0,
            series: Vec::new(),
            last_sample: (0, 0.0, 0.0),
        }
    }

    pub(crate) fn run(mut self, progress: &(dyn Fn(Time) + Sync)) -> PolicyOutcome {
        let h = self.scenario.horizon;
        let every = self.scenario.sample_every;
        let mut t = 0;
        let mut next_sample = every.min(h);
        let (mut lambda, mut cell_end) = self.table.cell(0);
        let mut here = cell(self.f, lambda, self.mean_service);
        while t < h {
            if t >= cell_end {
                (lambda, cell_end) = self.table.cell(t);
                here = cell(self.f, lambda, self.mean_service);
            }
            let end = (t + self.step).min(next_sample).min(cell_end).min(h);
            self.advance(t, end, lambda, here);
            t = end;
            if t == next_sample {
                self.flush();
                progress(t - self.last_sample.0);
                self.take_sample(t);
                next_sample = (t + every).min(h);
            }
        }
        self.finish()
    }

    fn advance(&mut self, from: Time, to: Time, lambda: f64, cell: Cell) {
        self.steps += 1;
        let dt = to_seconds(to - from);
        self.expected_arrivals += lambda * dt;
        // A hair above: a sum of steps must not lose the last whole request to rounding.
        let total = (self.expected_arrivals + 1e-9) as u64;
        let n = total.saturating_sub(self.arrivals_so_far);
        self.arrivals_so_far = total.max(self.arrivals_so_far);
        let admitted_n = ((n as f64) * cell.admitted).round() as u64;
        let throttled = n - admitted_n.min(n);
        self.recorder.add_arrivals(n);
        self.recorder.add_drops(throttled);
        self.throttled += throttled;

        let f = self.f;
        let c = f64::from(f.concurrency);
        let work = cell.rate * self.mean_service;
        // Instances stay until idle for the keep-alive: the pool is the most the
        // stationary regime kept alive within it.
        while self.window.back().is_some_and(|&(_, v)| v <= cell.alive) {
            self.window.pop_back();
        }
        self.window.push_back((to, cell.alive));
        while self
            .window
            .front()
            .is_some_and(|&(until, _)| until.saturating_add(f.keep_alive) < to)
        {
            self.window.pop_front();
        }
        let pool = self.window.front().map_or(0.0, |&(_, v)| v);
        // Cold starts: the stationary churn, and instances the pool grows by.
        let growth = (pool - self.pool).max(0.0);
        self.pool = pool;
        let expected = cell.cold * dt + growth;
        self.expected_cold += expected;
        // Whole cold starts, each with a request: owed ones wait for the next arrivals.
        let owed = (self.expected_cold + 1e-9) as u64;
        let cold = owed.saturating_sub(self.cold_so_far).min(admitted_n);
        self.cold_so_far += cold;
        self.cold += cold;
        self.cold_starts += cold;
        self.warm += admitted_n - cold;

        // Booting instances: launched at `expected / dt` per second, each for the mean
        // cold start (db/dt = launches − b / τ, solved over the step).
        let tau = self.mean_cold;
        self.booting = if tau > 0.0 && dt > 0.0 {
            let decay = (-dt / tau).exp();
            self.booting * decay + expected / dt * tau * (1.0 - decay)
        } else {
            0.0
        };
        let alive = pool + self.booting;
        self.alive_now = alive;
        self.peak = self.peak.max(alive.ceil() as u64);
        self.instance_seconds += alive * dt;
        self.busy += work * dt;
        let on_provisioned = work.min(f64::from(f.provisioned) * c);
        self.provisioned_busy += on_provisioned * dt;

        let bl = &f.billing;
        self.bill.requests += admitted_n as f64;
        match bl.basis {
            Basis::Request => {
                let share = if work > 0.0 {
                    on_provisioned / work
                } else {
                    0.0
                };
                let gb_s = admitted_n as f64 * f.memory_gb * self.billed_service;
                self.bill.provisioned_gb_seconds += gb_s * share;
                self.bill.gb_seconds += gb_s * (1.0 - share);
                if bl.bill_init {
                    self.bill.gb_seconds += cold as f64 * f.memory_gb * self.billed_cold;
                }
            }
            Basis::Instance => {
                let extra = (self.billed_service - self.mean_service).max(0.0);
                self.bill.active_seconds += (cell.active + cell.starts * extra) * dt;
                // Provisioned instances are used first: the active ones among them.
                self.bill.provisioned_active_seconds +=
                    cell.active.min(f64::from(f.provisioned)) * dt;
                if bl.bill_init {
                    self.bill.active_seconds += cold as f64 * self.mean_cold;
                }
            }
        }
    }

    /// Books the responses counted since the last flush into the recorder.
    fn flush(&mut self) {
        let slo = self.scenario.service.slo;
        let cold_delay = (self.mean_cold * 1e6).round() as Time;
        let (warm, cold) = (self.warm, self.cold);
        self.warm = 0;
        self.cold = 0;
        let mut misses = 0;
        for (i, &s) in self.bins.iter().enumerate() {
            for (n, r) in [(spread(warm, i), s), (spread(cold, i), s + cold_delay)] {
                if n > 0 {
                    self.recorder.add_responses(r, n);
                    if r > slo {
                        misses += n;
                    }
                }
            }
        }
        self.recorder.add_served(warm + cold);
        self.recorder.add_slo_misses(misses);
        self.recorder
            .add_waits(warm + cold, cold, cold as f64 * self.mean_cold);
    }

    fn take_sample(&mut self, now: Time) {
        let (at, busy0, alive0) = self.last_sample;
        self.last_sample = (now, self.busy, self.instance_seconds);
        if now <= at {
            return;
        }
        let alive = self.alive_now.round() as u32;
        let interval = Interval {
            at,
            now,
            busy_slot_seconds: self.busy - busy0,
            instance_seconds: self.instance_seconds - alive0,
            alive,
            booting: (self.booting.round() as u32).min(alive),
            queue_length: 0,
            cost: self.bill.cost(self.f, now),
        };
        let row = sample(
            self.spec,
            self.f,
            self.mean_service,
            &self.rate,
            &mut self.recorder,
            interval,
        );
        self.series.push(row);
    }

    fn finish(mut self) -> PolicyOutcome {
        self.flush();
        let totals = Totals {
            bill: self.bill,
            instance_seconds: self.instance_seconds,
            busy_slot_seconds: self.busy,
            in_system_at_end: 0,
            in_system_seconds: self.busy + self.cold_starts as f64 * self.mean_cold,
            peak_instances: self.peak,
            cold_starts: self.cold_starts,
            throttled: self.throttled,
            provisioned_busy_seconds: self.provisioned_busy,
        };
        let summary = summary(self.scenario, self.spec, self.f, &totals, &self.recorder);
        PolicyOutcome {
            summary,
            series: self.series,
            events: self.steps,
        }
    }
}
