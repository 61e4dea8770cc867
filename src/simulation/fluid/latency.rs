//! Latency in the fluid fidelity: queueing theory instead of requests.
//!
//! Requests are booked, in fractional counts, on a few kinds of wait (see [`Key`]); at
//! every sample the interval's bookings become response times in the same HDR histograms
//! as the request-level model. Which kind a request gets depends on what the fluid model
//! knows of the queue when it is served (see `fluid.rs`):
//!
//! - **Stationary**: the block's queue is the M/M/c/K queue of its serving slots c, its
//!   load and the scenario's `queue_limit` N, in its stationary law — at any load, below,
//!   at or above saturation. P(wait) and the mean wait are its closed forms, and the wait
//!   of one who waits comes from the truncated distribution: an admitted arrival that
//!   finds n ≥ c in the system waits Erlang(n − c + 1, cμ), so a finite room cuts off the
//!   exponential tail of M/M/c (which it reduces to for a deep room below saturation).
//!   Loads sit between two points of a grid (`law.rs`): requests are booked on both, in
//!   proportion. With exponential service the response quantiles are booked as they are
//!   (exact for one load); otherwise the wait is combined with the service time's
//!   quantiles, and given a wait it is that of the queue with ln ρ divided by the
//!   Allen–Cunneen factor v = (1 + cs²)/2 (`law::waiting`): about v times M/M/c's below
//!   saturation in a deep room, unchanged at ρ = 1, where a long room's law is flat.
//! - **Phases**: while the queue is in transient (`chain.rs`), the requests that found q
//!   waiting wait Erlang(q + 1, cμ): booked by phase count (exact up to 64 phases, then in
//!   2 % steps), with the Erlang quantiles worked out once per phase count.
//! - **Backlogged**: while a deterministic backlog q stands (the queue filling or draining
//!   much faster than it spreads), requests wait D = q·E\[S\]/c, the time the servers need
//!   to clear the q ahead of them.
//!
//! Response = service + wait, taken as independent where the response law is not known
//! exactly: the distribution is discretised on a grid of service and wait quantiles
//! (denser in the tail, so p95/p99 sit on grid points). SLO misses are counted from the
//! exact P(response > SLO) of each booking.
//!
//! Where it breaks: spikes shorter than a block are smeared over the block; heavy-tailed
//! service makes the Allen–Cunneen factor optimistic, and who waits and who is turned
//! away (P(wait), blocking) are M/M/c/K's whatever the service law. `provsim compare-fidelity` shows how far it is from
//! the exact engine on a given scenario.

use statrs::distribution::{ContinuousCDF, Normal};
use statrs::function::erf::erfc;

use super::law::{FastMap, Grid, GridLoad, waiting};
use crate::analytic::erlang_quantile;
use crate::engine::{Time, from_seconds, to_seconds};
use crate::metrics::Recorder;
use crate::scenario::ServiceTime;

/// Quantisation of the backlog delay (2 % steps in log) and of phase counts beyond
/// [`EXACT_PHASES`] (2 % steps).
const LOG_D_STEPS: f64 = 50.0;
const EXACT_PHASES: u32 = 64;

/// Probability bins: p50, p95 and p99 are bin midpoints, so they land on grid points.
const EDGES: [f64; 16] = [
    0.0, 0.1, 0.2, 0.3, 0.45, 0.55, 0.7, 0.8, 0.9, 0.94, 0.96, 0.98, 0.985, 0.995, 0.999, 1.0,
];
const BINS: usize = EDGES.len() - 1;

/// The middle probability of each bin.
fn middles() -> [f64; BINS] {
    std::array::from_fn(|i| (EDGES[i] + EDGES[i + 1]) / 2.0)
}

/// A kind of wait, quantised so that similar bookings share one entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Key {
    /// The stationary M/M/c/K queue at grid point `y` (see `law.rs`).
    Stationary { slots: u32, y: i32 },
    /// Erlang(phases, slots/E\[S\]); `phases` quantised by [`phase_index`].
    Phases { slots: u32, phases: u32 },
    /// Behind a backlog: a wait of exp(`log_delay` / [`LOG_D_STEPS`]) seconds.
    Backlogged { log_delay: i32 },
}

/// Served requests per kind of wait for the current sample interval.
pub(super) struct LatencyBook {
    grid: Grid,
    mean_service: f64,
    /// Allen–Cunneen factor (1 + cs²)/2 (see `law::waiting`).
    variability: f64,
    slo: Time,
    service: ServiceTime,
    /// (quantile, probability) of the service time.
    service_grid: Vec<(f64, f64)>,
    entries: FastMap<Key, f64>,
    /// Wait models already worked out: a state recurs often, and the M/M/c/K quantiles
    /// cost sums.
    models: FastMap<Key, WaitModel>,
    /// Quantiles of Erlang(k, 1) at the bins' middles, by phase index.
    erlang: FastMap<u32, [f64; BINS]>,
    count_carry: f64,
    waited_carry: f64,
    late_carry: f64,
}

/// Mean wait and the probability of waiting, for Little's law and the summary.
#[derive(Debug, Clone, Copy)]
pub(super) struct WaitStats {
    pub mean_wait: f64,
    pub p_wait: f64,
}

impl LatencyBook {
    pub fn new(service: ServiceTime, slo: Time, grid: Grid) -> Self {
        let service_grid = middles()
            .iter()
            .zip(EDGES.windows(2))
            .map(|(&mid, w)| (service_quantile(service, mid), w[1] - w[0]))
            .collect();
        LatencyBook {
            grid,
            mean_service: service.mean(),
            variability: (1.0 + service.scv()) / 2.0,
            slo,
            service,
            service_grid,
            entries: FastMap::default(),
            models: FastMap::default(),
            erlang: FastMap::default(),
            count_carry: 0.0,
            waited_carry: 0.0,
            late_carry: 0.0,
        }
    }

    /// Books `served` requests of the stationary queue at `load`, on its two grid points.
    pub fn add_stationary(&mut self, served: f64, load: GridLoad) {
        let w = load.upper_weight;
        let (slots, y) = (load.slots, load.lower);
        self.add(Key::Stationary { slots, y }, served * (1.0 - w));
        if w > 0.0 {
            self.add(Key::Stationary { slots, y: y + 1 }, served * w);
        }
    }

    /// Books `served` requests that waited `phases` completions of `slots` busy slots.
    pub fn add_phases(&mut self, slots: u32, phases: f64, served: f64) {
        let phases = phase_index(phases);
        self.add(Key::Phases { slots, phases }, served);
    }

    /// Books `served` requests that waited `delay` seconds behind a backlog.
    pub fn add_backlogged(&mut self, served: f64, delay: f64) -> WaitStats {
        let log_delay = (delay.max(1e-6).ln() * LOG_D_STEPS).round() as i32;
        let key = Key::Backlogged { log_delay };
        self.add(key, served);
        self.wait_of(key).stats()
    }

    fn add(&mut self, key: Key, served: f64) {
        if served > 0.0 {
            *self.entries.entry(key).or_insert(0.0) += served;
        }
    }

    /// The wait model of a key, worked out once.
    fn wait_of(&mut self, key: Key) -> WaitModel {
        if let Some(model) = self.models.get(&key) {
            return *model;
        }
        let model = match key {
            Key::Stationary { slots, y } => self.stationary(slots, y),
            Key::Phases { slots, phases } => {
                let k = phase_count(phases);
                let quantiles = *self
                    .erlang
                    .entry(phases)
                    .or_insert_with(|| erlang_quantiles(k));
                let phase = self.mean_service / slots.max(1) as f64;
                WaitModel::new(
                    if k > 0.0 { 1.0 } else { 0.0 },
                    k * phase,
                    quantiles.map(|q| q * phase),
                )
            }
            Key::Backlogged { log_delay } => {
                let delay = (log_delay as f64 / LOG_D_STEPS).exp();
                WaitModel::new(1.0, delay, [delay; BINS])
            }
        };
        let model = model.with_late(to_seconds(self.slo), self.service);
        self.models.insert(key, model);
        model
    }

    /// M/M/c/K at a grid point: its wait quantiles, and its response quantiles as well
    /// when the service is exponential (then the response law is known exactly).
    fn stationary(&self, slots: u32, y: i32) -> WaitModel {
        let queue = self.grid.queue(slots, y);
        let wait = queue.wait();
        let p_wait = wait.p_wait();
        let mids = middles();
        if matches!(self.service, ServiceTime::Exponential { .. }) {
            // The response quantiles are booked as they are: the wait's are not needed.
            let mut model = WaitModel::new(p_wait, wait.mean(), [0.0; BINS]);
            let mut previous = 0.0;
            model.responses = Some(mids.map(|m| {
                previous = wait.response_quantile_above(m, previous);
                previous
            }));
            model.late = wait.response_survival(to_seconds(self.slo));
            return model;
        }
        // Who waits, from the queue; how long, from the law for the service's variability.
        let waiter = waiting(queue, self.variability);
        let p = waiter.p_wait();
        if p <= 0.0 {
            return WaitModel::new(p_wait, 0.0, [0.0; BINS]);
        }
        WaitModel::new(
            p_wait,
            p_wait * waiter.mean() / p,
            mids.map(|m| waiter.quantile(1.0 - p * (1.0 - m))),
        )
    }

    /// Records the interval's responses into `recorder` and starts a new interval.
    pub fn flush(&mut self, recorder: &mut Recorder) {
        let mut entries: Vec<(Key, f64)> = self.entries.drain().collect();
        // HashMap order is random: sort so rounding carries, and so output, are exact
        // functions of the input.
        entries.sort_by_key(|&(k, _)| k);
        for (key, served) in entries {
            let model = self.wait_of(key);
            let stats = model.stats();
            self.waited_carry += served * stats.p_wait;
            let waited = self.waited_carry.floor();
            self.waited_carry -= waited;
            recorder.add_waits(
                served.round() as u64,
                waited as u64,
                served * stats.mean_wait,
            );
            self.late_carry += served * model.late;
            let misses = self.late_carry.floor();
            self.late_carry -= misses;
            recorder.add_slo_misses(misses as u64);
            let mut book = |response: f64, p: f64, carry: &mut f64| {
                *carry += served * p;
                let n = carry.floor();
                if n >= 1.0 {
                    *carry -= n;
                    recorder.add_responses(from_seconds(response), n as u64);
                }
            };
            if let Some(responses) = model.responses {
                for (r, w) in responses.iter().zip(EDGES.windows(2)) {
                    book(*r, w[1] - w[0], &mut self.count_carry);
                }
                continue;
            }
            let waits = model.grid();
            for &(s, ps) in &self.service_grid {
                for &(w, pw) in &waits {
                    book(s + w, ps * pw, &mut self.count_carry);
                }
            }
        }
    }
}

/// The phase index of a (mean) phase count: exact up to [`EXACT_PHASES`], then 2 % steps.
fn phase_index(phases: f64) -> u32 {
    let exact = EXACT_PHASES as f64;
    if phases <= exact + 0.5 {
        phases.max(0.0).round() as u32
    } else {
        EXACT_PHASES + ((phases / exact).ln() * LOG_D_STEPS).round() as u32
    }
}

/// The phase count a phase index stands for.
fn phase_count(index: u32) -> f64 {
    if index <= EXACT_PHASES {
        index as f64
    } else {
        EXACT_PHASES as f64 * ((index - EXACT_PHASES) as f64 / LOG_D_STEPS).exp()
    }
}

/// Erlang(k, 1) at the bins' middles (k rounded to whole phases).
fn erlang_quantiles(k: f64) -> [f64; BINS] {
    middles().map(|m| erlang_quantile(k.round() as u64, m))
}

/// Wait = 0 with probability 1 − `p_wait`, else the bins' quantiles `waits`.
#[derive(Debug, Clone, Copy)]
struct WaitModel {
    p_wait: f64,
    mean_wait: f64,
    /// The wait of one who waits at each bin's middle probability.
    waits: [f64; BINS],
    /// The response time at each bin's middle, when known exactly: booked as it is.
    responses: Option<[f64; BINS]>,
    /// P(response > SLO).
    late: f64,
}

impl WaitModel {
    fn new(p_wait: f64, mean_wait: f64, waits: [f64; BINS]) -> Self {
        WaitModel {
            p_wait,
            mean_wait,
            waits,
            responses: None,
            late: f64::NAN,
        }
    }

    /// Fills in P(response > `slo`) when the response law did not give it:
    /// Σ P(wait = w)·P(service > slo − w) over the wait grid.
    fn with_late(mut self, slo: f64, service: ServiceTime) -> Self {
        if self.late.is_nan() {
            self.late = self
                .grid()
                .iter()
                .map(|&(w, pw)| pw * service_survival(service, slo - w))
                .sum();
        }
        self
    }

    fn stats(&self) -> WaitStats {
        WaitStats {
            mean_wait: self.mean_wait,
            p_wait: self.p_wait,
        }
    }

    /// (wait, probability) points: no wait with probability 1 − P(wait), else each bin's
    /// quantile (one point when every quantile is the same: a deterministic wait).
    fn grid(&self) -> Vec<(f64, f64)> {
        if self.p_wait < 1e-6 {
            return vec![(0.0, 1.0)];
        }
        let mut grid = Vec::with_capacity(BINS + 1);
        if self.p_wait < 1.0 {
            grid.push((0.0, 1.0 - self.p_wait));
        }
        if self.waits[0] == self.waits[BINS - 1] {
            grid.push((self.waits[0], self.p_wait));
            return grid;
        }
        for (w, e) in self.waits.iter().zip(EDGES.windows(2)) {
            grid.push((*w, self.p_wait * (e[1] - e[0])));
        }
        grid
    }
}

/// The service time's p-quantile in seconds.
fn service_quantile(service: ServiceTime, p: f64) -> f64 {
    match service {
        ServiceTime::Exponential { mean } => -mean * (1.0 - p).ln(),
        ServiceTime::Constant { value } => value,
        ServiceTime::LogNormal { mean, cv } => {
            let sigma2 = (1.0 + cv * cv).ln();
            let mu = mean.ln() - sigma2 / 2.0;
            (mu + sigma2.sqrt() * Normal::standard().inverse_cdf(p)).exp()
        }
    }
}

/// P(service > x).
fn service_survival(service: ServiceTime, x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    match service {
        ServiceTime::Exponential { mean } => (-x / mean).exp(),
        ServiceTime::Constant { value } => {
            if value > x {
                1.0
            } else {
                0.0
            }
        }
        ServiceTime::LogNormal { mean, cv } => {
            let sigma2 = (1.0 + cv * cv).ln();
            let mu = mean.ln() - sigma2 / 2.0;
            0.5 * erfc((x.ln() - mu) / (2.0 * sigma2).sqrt())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lognormal_quantile_and_survival_agree() {
        let service = ServiceTime::LogNormal { mean: 0.1, cv: 1.5 };
        for p in [0.01, 0.05, 0.5, 0.95, 0.99, 0.9995] {
            let x = service_quantile(service, p);
            let tail = service_survival(service, x);
            assert!(
                ((tail - (1.0 - p)) / (1.0 - p)).abs() < 1e-9,
                "p {p}: {tail}"
            );
        }
        // (The Numerical Recipes erfc used before statrs was off by up to 10⁻⁷.)
        // Median e^μ: the mean over √(1 + cv²).
        let median = service_quantile(service, 0.5);
        assert!((median - 0.1 / 3.25f64.sqrt()).abs() < 1e-15, "{median}");
    }

    fn book(service: ServiceTime, limit: u64) -> LatencyBook {
        LatencyBook::new(service, 1_000_000, Grid::new(service.mean(), limit))
    }

    #[test]
    fn stationary_bookings_follow_mmck() {
        // M/M/10 at A = 8: P(wait) = 0.409180, Wq = 0.020459 s for E[S] = 0.1 s; and
        // M/M/8/28 at ρ = 1.001, where the finite room sets the tail.
        for (c, lambda, limit) in [(10u32, 80.0, u64::MAX / 4), (8, 80.08, 20), (50, 990.0, 5)] {
            let service = ServiceTime::Exponential { mean: 0.1 };
            let mut b = book(service, limit);
            b.add_stationary(1_000_000.0, b.grid.locate(c, lambda));
            let mut r = Recorder::new(1_000_000, 3_600_000_000);
            r.add_served(1_000_000);
            b.flush(&mut r);
            let q = crate::analytic::MMcK {
                servers: c,
                arrival_rate: lambda,
                mean_service: 0.1,
                queue_limit: limit,
            };
            let w = q.wait();
            let rel = |a: f64, b: f64| (a - b).abs() / b;
            assert!(rel(r.waited_fraction(), q.p_wait()) < 1e-4, "{c} {lambda}");
            assert!(rel(r.wait_mean_s(), q.mean_wait()) < 1e-4, "{c} {lambda}");
            for p in [0.5, 0.95, 0.99] {
                let got = r.response_quantile_s(p);
                assert!(
                    rel(got, w.response_quantile(p)) < 2e-3,
                    "{c} {lambda} p{p}: {got}"
                );
            }
        }
    }

    #[test]
    fn phases_are_erlang_waits() {
        let service = ServiceTime::Constant { value: 0.1 };
        let mut b = book(service, 100);
        // One phase on 10 slots: Exp(100/s); 1000 phases: about 10 s ± 0.3 s.
        b.add_phases(10, 1.0, 1_000.0);
        b.add_phases(10, 1_000.0, 1_000.0);
        let one = b.wait_of(Key::Phases {
            slots: 10,
            phases: 1,
        });
        assert_eq!((one.p_wait, one.mean_wait), (1.0, 0.01));
        assert!((one.waits[BINS - 3] - 0.01 * 100.0f64.ln()).abs() < 1e-9);
        let many = b.wait_of(Key::Phases {
            slots: 10,
            phases: phase_index(1_000.0),
        });
        assert!((many.mean_wait - 10.0).abs() < 0.1, "{}", many.mean_wait);
        let p99 = many.waits[BINS - 3];
        let exact = erlang_quantile(phase_count(phase_index(1_000.0)) as u64, 0.99) / 100.0;
        assert!((p99 - exact).abs() < 1e-3 * exact, "{p99} {exact}");
        // Constant service: response = 0.1 s + the wait; SLO (1 s) missed by the long waits.
        let mut r = Recorder::new(1_000_000, 3_600_000_000);
        r.add_served(2_000);
        b.flush(&mut r);
        assert_eq!(r.slo_misses, 1_000);
    }
}
