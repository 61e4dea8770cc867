//! Latency in the fluid fidelity: quasi-stationary queueing theory instead of requests.
//!
//! Over each latency block (a minute of steps) the model knows the mean offered load A
//! (Erlangs), the mean serving slots c and the mean backlog q. It treats the block as an
//! M/M/c queue in steady state at that load, plus the time to clear the backlog ahead:
//!
//! - P(wait) and the mean wait of an admitted request come from M/M/c/K with the
//!   scenario's `queue_limit` as the waiting room (Erlang C and Exp((c − A)/E[S]) when the
//!   room is large; nobody waits when `queue_limit = 0`); the wait of a waiting request is
//!   taken as exponential with that mean, scaled by the Allen–Cunneen factor
//!   (1 + cs²)/2 for non-exponential service;
//! - requests served while a backlog stands (demand above capacity) instead wait
//!   D = q × E[S] / c, the time the servers need to clear the q requests ahead of them;
//! - utilisation is capped at 0.99 for the M/M/c part: at and above saturation the
//!   backlog term carries the delay.
//!
//! Response = service + wait, taken as independent: the distribution is discretised on a
//! grid of service and wait quantiles (denser in the tail, so p95/p99 sit on grid points)
//! and recorded into the same HDR histograms as the request-level model.
//!
//! Where it breaks: spikes shorter than a block are smeared over the block; heavy-tailed
//! service makes the Allen–Cunneen factor optimistic; the quasi-stationary assumption
//! ignores the transient as a queue fills or drains. `provsim compare-fidelity` shows how
//! far it is from the exact engine on a given scenario.

use std::collections::HashMap;

use statrs::distribution::{ContinuousCDF, Normal};
use statrs::function::erf::erfc;

use crate::analytic::MMcK;
use crate::engine::{Time, from_seconds, to_seconds};
use crate::metrics::Recorder;
use crate::scenario::ServiceTime;

/// Utilisation cap for the M/M/c term.
const RHO_CAP: f64 = 0.99;
/// Quantisation of utilisation (0.5 %) and of the backlog delay (2 % steps in log).
const RHO_STEPS: f64 = 200.0;
const LOG_D_STEPS: f64 = 50.0;

/// Probability bins: p50, p95 and p99 are bin midpoints, so they land on grid points.
const EDGES: [f64; 16] = [
    0.0, 0.1, 0.2, 0.3, 0.45, 0.55, 0.7, 0.8, 0.9, 0.94, 0.96, 0.98, 0.985, 0.995, 0.999, 1.0,
];

/// A block's queueing state, quantised so that similar blocks share one entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Key {
    /// Quasi-stationary M/M/c at utilisation `rho` / [`RHO_STEPS`].
    Stationary { slots: u32, rho: u16 },
    /// Behind a backlog: a wait of exp(`log_delay` / [`LOG_D_STEPS`]) seconds.
    Backlogged { log_delay: i32 },
}

/// Served requests per queueing state for the current sample interval.
pub(super) struct LatencyBook {
    mean_service: f64,
    /// Allen–Cunneen factor (1 + cs²)/2.
    variability: f64,
    slo: Time,
    queue_limit: u64,
    service: ServiceTime,
    /// (quantile, probability) of the service time.
    service_grid: Vec<(f64, f64)>,
    entries: HashMap<Key, f64>,
    /// Wait models already worked out: a state recurs often, and the M/M/c/K sums cost
    /// O(c) and more.
    models: HashMap<Key, WaitModel>,
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
    pub fn new(service: ServiceTime, slo: Time, queue_limit: u64) -> Self {
        let service_grid = EDGES
            .windows(2)
            .map(|w| (service_quantile(service, (w[0] + w[1]) / 2.0), w[1] - w[0]))
            .collect();
        LatencyBook {
            mean_service: service.mean(),
            variability: (1.0 + service.scv()) / 2.0,
            slo,
            queue_limit,
            service,
            service_grid,
            entries: HashMap::new(),
            models: HashMap::new(),
            count_carry: 0.0,
            waited_carry: 0.0,
            late_carry: 0.0,
        }
    }

    /// Books `served` requests of a block with offered load `load` (Erlangs) on mean
    /// serving slots `slots`, served with no backlog ahead; returns their wait statistics.
    pub fn add_stationary(&mut self, served: f64, load: f64, slots: f64) -> WaitStats {
        let c = slots.round().max(1.0);
        let rho = (load / c).clamp(0.0, RHO_CAP);
        self.add(
            Key::Stationary {
                slots: c as u32,
                rho: (rho * RHO_STEPS).round() as u16,
            },
            served,
        )
    }

    /// Books `served` requests that waited `delay` seconds behind a backlog.
    pub fn add_backlogged(&mut self, served: f64, delay: f64) -> WaitStats {
        let log_delay = (delay.max(1e-6).ln() * LOG_D_STEPS).round() as i32;
        self.add(Key::Backlogged { log_delay }, served)
    }

    fn add(&mut self, key: Key, served: f64) -> WaitStats {
        *self.entries.entry(key).or_insert(0.0) += served;
        self.wait_of(key).stats()
    }

    /// The wait model of a key, worked out once.
    fn wait_of(&mut self, key: Key) -> WaitModel {
        if let Some(model) = self.models.get(&key) {
            return *model;
        }
        let model = match key {
            Key::Stationary { slots, rho } => {
                // M/M/c/K: with a finite waiting room fewer wait, and not as long, as in
                // M/M/c; with none (queue_limit = 0) nobody waits.
                let queue = MMcK {
                    servers: slots,
                    arrival_rate: rho as f64 / RHO_STEPS * slots as f64 / self.mean_service,
                    mean_service: self.mean_service,
                    queue_limit: self.queue_limit,
                };
                let p_queue = queue.p_wait();
                WaitModel {
                    p_queue,
                    exp_mean: if p_queue > 0.0 {
                        self.variability * queue.mean_wait() / p_queue
                    } else {
                        0.0
                    },
                    delay: 0.0,
                }
            }
            Key::Backlogged { log_delay } => WaitModel {
                p_queue: 0.0,
                exp_mean: 0.0,
                delay: (log_delay as f64 / LOG_D_STEPS).exp(),
            },
        };
        self.models.insert(key, model);
        model
    }

    /// Records the interval's responses into `recorder` and starts a new interval.
    pub fn flush(&mut self, recorder: &mut Recorder) {
        let mut entries: Vec<(Key, f64)> = self.entries.drain().collect();
        // HashMap order is random: sort so rounding carries, and so output, are exact
        // functions of the input.
        entries.sort_by_key(|&(k, _)| k);
        let slo = to_seconds(self.slo);
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
            let waits = model.grid();
            // SLO misses exactly: Σ P(wait = w) · P(service > slo − w).
            let late: f64 = waits
                .iter()
                .map(|&(w, pw)| pw * service_survival(self.service, slo - w))
                .sum();
            self.late_carry += served * late;
            let misses = self.late_carry.floor();
            self.late_carry -= misses;
            recorder.add_slo_misses(misses as u64);
            for &(s, ps) in &self.service_grid {
                for &(w, pw) in &waits {
                    self.count_carry += served * ps * pw;
                    let n = self.count_carry.floor();
                    if n >= 1.0 {
                        self.count_carry -= n;
                        recorder.add_responses(from_seconds(s + w), n as u64);
                    }
                }
            }
        }
    }
}

/// Wait = backlog delay + (with probability `p_queue`) an exponential wait.
#[derive(Debug, Clone, Copy)]
struct WaitModel {
    p_queue: f64,
    exp_mean: f64,
    delay: f64,
}

impl WaitModel {
    fn stats(&self) -> WaitStats {
        WaitStats {
            mean_wait: self.delay + self.p_queue * self.exp_mean,
            p_wait: if self.delay > 0.0 { 1.0 } else { self.p_queue },
        }
    }

    /// (wait, probability) points: the backlog delay alone with probability 1 − C, else
    /// plus an exponential wait at each bin's quantile.
    fn grid(&self) -> Vec<(f64, f64)> {
        if self.p_queue < 1e-6 || self.exp_mean == 0.0 {
            return vec![(self.delay, 1.0)];
        }
        let mut grid = Vec::with_capacity(EDGES.len());
        if self.p_queue < 1.0 {
            grid.push((self.delay, 1.0 - self.p_queue));
        }
        for w in EDGES.windows(2) {
            let mid = (w[0] + w[1]) / 2.0;
            grid.push((
                self.delay - self.exp_mean * (1.0 - mid).ln(),
                self.p_queue * (w[1] - w[0]),
            ));
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

    #[test]
    fn grid_reproduces_mmc_mean_wait_and_p_wait() {
        // M/M/10 at A = 8: P(wait) = 0.409180, Wq = 0.020459 s for E[S] = 0.1 s.
        let mut book =
            LatencyBook::new(ServiceTime::Exponential { mean: 0.1 }, 1_000_000, u64::MAX);
        let stats = book.add_stationary(1_000_000.0, 8.0, 10.0);
        assert!((stats.p_wait - 0.409180).abs() < 1e-5, "{stats:?}");
        assert!((stats.mean_wait - 0.020459).abs() < 1e-5, "{stats:?}");
        let mut r = Recorder::new(1_000_000, 3_600_000_000);
        r.add_served(1_000_000);
        book.flush(&mut r);
        // The discretised response distribution has about the right mean: E[R] = 0.120459.
        assert!(
            (r.response_mean_s() - 0.120459).abs() < 0.006,
            "{}",
            r.response_mean_s()
        );
    }
}
