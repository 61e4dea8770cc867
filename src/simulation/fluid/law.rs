//! The stationary M/M/c/K law of the fluid queue, on a grid of loads fine where the law
//! changes fast, interpolated between grid points.
//!
//! A block's queue is the M/M/c/K queue of its serving slots c, its λ and the scenario's
//! `queue_limit` N: stable at every load, so one law covers light load, saturation and
//! overload. Its facts (blocking, P(wait), mean wait, mean queue, relaxation time) cost
//! O(c) to work out, so they are worked out once per grid point and slot count.
//!
//! The grid is uniform in ψ = asinh(L·ln ρ) with L = N + √c + 1, [`STEPS`] points per
//! unit. Near saturation (|ln ρ| < 1/L) that is steps of 1/(100·L) in ln ρ: the law of a
//! room of N places turns over on a scale of 1/N in ln ρ (it goes from "rarely queues"
//! to "always full" as ρ^N crosses 1), and the Erlang part on one of 1/√c. Away from
//! saturation ψ ≈ ±ln(2L·|ln ρ|): steps of 1 % of |ln ρ| — 10 % once L·ln ρ > 30, where
//! the room stays within 1/ln ρ ≪ N of full and the law hardly moves. Values between
//! grid points are linear interpolations of the two neighbours (and the latency model
//! books a block's requests on both, in the same proportions), so the error is second
//! order in the step.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::analytic::{MMcK, MMcKWait};

/// A hash map for the fluid model's caches, keyed by a few small integers that are looked
/// up every simulated minute: one multiply per word hashed (Fx hashing), where the
/// default SipHash costs more than the lookups it guards.
pub(super) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<KeyHasher>>;

#[derive(Debug, Default, Clone, Copy)]
pub(super) struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(b as u64);
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(n as u64);
    }

    fn write_i32(&mut self, n: i32) {
        self.write_u64(n as u32 as u64);
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Grid points per unit of ψ.
const STEPS: f64 = 100.0;
/// Beyond L·ln ρ = [`DEEP`] (a room that stays within 1/ln ρ ≪ N of full), ψ grows
/// [`COARSE`] times as fast in ln(L·ln ρ): steps of 10 % in ln ρ, where the law only
/// moves as 1 − 1/ρ and (N − 1/ln ρ)/cμ do.
const DEEP: f64 = 30.0;
const COARSE: f64 = 0.1;
/// ψ is kept within the grid values of ρ = e^±50: beyond, nothing changes any more.
const LN_RHO_LIMIT: f64 = 50.0;

/// A load placed on the grid: the point below it, and the weight of the point above.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct GridLoad {
    pub slots: u32,
    pub lower: i32,
    pub upper_weight: f64,
}

/// Stationary facts of the M/M/c/K queue at one load.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct Law {
    /// Probability that an arrival finds the room full.
    pub p_block: f64,
    /// Probability that an admitted arrival waits, and its mean wait (seconds; with
    /// non-exponential service, see [`waiting`]).
    pub p_wait: f64,
    pub mean_wait: f64,
    /// Time-average number waiting.
    pub mean_queue: f64,
    /// Relaxation time of the queue, seconds: 1 / spectral gap (see [`relaxation`]).
    pub relax: f64,
}

impl Law {
    fn blend(self, other: Law, w: f64) -> Law {
        let mix = |a: f64, b: f64| a + (b - a) * w;
        Law {
            p_block: mix(self.p_block, other.p_block),
            p_wait: mix(self.p_wait, other.p_wait),
            mean_wait: mix(self.mean_wait, other.mean_wait),
            mean_queue: mix(self.mean_queue, other.mean_queue),
            relax: mix(self.relax, other.relax),
        }
    }
}

/// The grid of one run: its mean service time and queue limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Grid {
    mean_service: f64,
    queue_limit: u64,
}

impl Grid {
    pub fn new(mean_service: f64, queue_limit: u64) -> Grid {
        Grid {
            mean_service,
            queue_limit,
        }
    }

    /// L = N + √c + 1: the scale of ln ρ on which the law turns over is 1/L.
    fn scale(&self, slots: u32) -> f64 {
        self.queue_limit as f64 + (slots as f64).sqrt() + 1.0
    }

    /// Where `lambda` requests/s on `slots` slots fall on the grid.
    pub fn locate(&self, slots: u32, lambda: f64) -> GridLoad {
        if slots == 0 {
            return GridLoad {
                slots,
                lower: 0,
                upper_weight: 0.0,
            };
        }
        let rho = lambda * self.mean_service / slots as f64;
        let ln_rho = if rho > 0.0 {
            rho.ln().clamp(-LN_RHO_LIMIT, LN_RHO_LIMIT)
        } else {
            -LN_RHO_LIMIT
        };
        let y = psi(ln_rho * self.scale(slots)) * STEPS;
        let lower = y.floor();
        GridLoad {
            slots,
            lower: lower as i32,
            upper_weight: y - lower,
        }
    }

    /// ρ at grid point `y`.
    pub fn rho(&self, slots: u32, y: i32) -> f64 {
        (psi_inverse(y as f64 / STEPS) / self.scale(slots)).exp()
    }

    /// The queue at grid point `y` on `slots` slots.
    pub fn queue(&self, slots: u32, y: i32) -> MMcK {
        MMcK {
            servers: slots,
            arrival_rate: self.rho(slots, y) * slots as f64 / self.mean_service,
            mean_service: self.mean_service,
            queue_limit: self.queue_limit,
        }
    }
}

/// The grid coordinate of x = L·ln ρ: asinh x, coarser beyond [`DEEP`].
fn psi(x: f64) -> f64 {
    if x <= DEEP {
        x.asinh()
    } else {
        DEEP.asinh() + COARSE * (x / DEEP).ln()
    }
}

fn psi_inverse(psi: f64) -> f64 {
    let deep = DEEP.asinh();
    if psi <= deep {
        psi.sinh()
    } else {
        DEEP * ((psi - deep) / COARSE).exp()
    }
}

/// The laws of one run, by slots and grid point.
pub(super) struct Laws {
    pub grid: Grid,
    /// Allen–Cunneen factor (1 + cs²)/2.
    variability: f64,
    cache: FastMap<(u32, i32), Law>,
}

impl Laws {
    pub fn new(grid: Grid, variability: f64) -> Self {
        Laws {
            grid,
            variability,
            cache: FastMap::default(),
        }
    }

    /// The law at `load`, interpolated between its grid points.
    pub fn at(&mut self, load: GridLoad) -> Law {
        let lower = self.point(load.slots, load.lower);
        if load.upper_weight <= 0.0 {
            return lower;
        }
        let upper = self.point(load.slots, load.lower + 1);
        lower.blend(upper, load.upper_weight)
    }

    /// The law at grid point `y`, worked out once.
    fn point(&mut self, slots: u32, y: i32) -> Law {
        if let Some(law) = self.cache.get(&(slots, y)) {
            return *law;
        }
        let law = if slots == 0 {
            // Nothing serves: the room fills and then turns every arrival away.
            Law {
                p_block: 1.0,
                p_wait: 0.0,
                mean_wait: 0.0,
                mean_queue: self.grid.queue_limit as f64,
                relax: 0.0,
            }
        } else {
            let q = self.grid.queue(slots, y);
            let w = waiting(q, self.variability);
            let waiter = if w.p_wait() > 0.0 {
                w.mean() / w.p_wait()
            } else {
                0.0
            };
            Law {
                p_block: q.p_block(),
                p_wait: q.p_wait(),
                mean_wait: q.p_wait() * waiter,
                mean_queue: q.mean_queue(),
                relax: relaxation(q),
            }
        };
        self.cache.insert((slots, y), law);
        law
    }
}

/// The wait law whose waits, given a wait, stand for `queue`'s under service of
/// variability v = (1 + cs²)/2 (the Allen–Cunneen factor): M/M/c/K's with ln ρ divided by
/// v, the exponent of the queue's diffusion limit, 2(λ − cμ)/(λ + cμ·cs²) ≈ ln ρ / v near
/// saturation. Below saturation in a deep room that scales the wait by about v, as
/// Allen–Cunneen does; at ρ = 1 it changes nothing (a long room's law is flat there,
/// whatever the service); above, the layer below a full room thins or thickens. The queue
/// itself for exponential service.
pub(super) fn waiting(queue: MMcK, variability: f64) -> MMcKWait {
    if variability == 1.0 {
        return queue.wait();
    }
    let rho = queue.utilization().powf(1.0 / variability);
    MMcK {
        arrival_rate: rho * queue.servers as f64 / queue.mean_service,
        ..queue
    }
    .wait()
}

/// Relaxation time (seconds) of the number waiting: 1 / the spectral gap of a
/// birth–death chain with births λ and deaths cμ on N + 1 states, whose eigenvalues are
/// λ + cμ − 2√(λcμ)·cos(kπ/(N + 1)): gap = (√λ − √(cμ))² + 4√(λcμ)·sin²(π/(2(N + 1))).
/// 0 without a room. The slots' own relaxation (about E\[S\]) is taken as instant.
pub(super) fn relaxation(q: MMcK) -> f64 {
    if q.queue_limit == 0 {
        return 0.0;
    }
    let lambda = q.arrival_rate;
    let mu_c = q.servers as f64 / q.mean_service;
    let half_angle = std::f64::consts::PI / (2.0 * (q.queue_limit as f64 + 1.0));
    let gap = (lambda.sqrt() - mu_c.sqrt()).powi(2)
        + 4.0 * (lambda * mu_c).sqrt() * half_angle.sin().powi(2);
    if gap > 0.0 { 1.0 / gap } else { f64::INFINITY }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_is_fine_near_saturation_and_interpolates() {
        let laws = Grid::new(0.1, 1_000);
        // Around ρ = 1 with 1000 places: steps of about 1e-5 in ρ.
        let at_one = laws.locate(8, 80.0);
        assert_eq!((at_one.lower, at_one.upper_weight), (0, 0.0));
        assert_eq!(laws.rho(8, 0), 1.0);
        let step = laws.rho(8, 1) - 1.0;
        assert!(step > 0.5e-5 && step < 1.5e-5, "{step}");
        // A load between two points sits between them.
        let load = laws.locate(8, 72.0);
        let (lo, hi) = (laws.rho(8, load.lower), laws.rho(8, load.lower + 1));
        assert!(
            lo <= 0.9 && 0.9 < hi && (hi - lo) / 0.1 < 0.011,
            "{lo} {hi}"
        );
        // No load and no slots stay on the grid.
        assert!(laws.rho(8, laws.locate(8, 0.0).lower) < 1e-20);
        assert_eq!(laws.locate(0, 5.0).slots, 0);
    }

    #[test]
    fn interpolated_law_matches_the_closed_form_between_points() {
        let mut laws = Laws::new(Grid::new(0.1, 20), 1.0);
        for lambda in [72.3, 79.9, 80.08, 81.0, 100.0, 160.0] {
            let law = laws.at(laws.grid.locate(8, lambda));
            let q = MMcK {
                servers: 8,
                arrival_rate: lambda,
                mean_service: 0.1,
                queue_limit: 20,
            };
            let rel = |a: f64, b: f64| (a - b).abs() / b.abs().max(1e-12);
            // Second order in the grid step: about 10⁻⁵ where Erlang C turns fastest.
            for (what, law, exact) in [
                ("blocking", law.p_block, q.p_block()),
                ("P(wait)", law.p_wait, q.p_wait()),
                ("mean wait", law.mean_wait, q.mean_wait()),
                ("mean queue", law.mean_queue, q.mean_queue()),
            ] {
                assert!(
                    rel(law, exact) < 5e-5,
                    "λ {lambda}: {what} {law} vs {exact}"
                );
            }
        }
    }

    #[test]
    fn relaxation_time() {
        let q = |lambda: f64, limit: u64| MMcK {
            servers: 8,
            arrival_rate: lambda,
            mean_service: 0.1,
            queue_limit: limit,
        };
        // No room: nothing to relax. A short room relaxes within a second at any load; a
        // long one at saturation takes (N/π)²/(cμ) ≈ 1,270 s for N = 1000.
        assert_eq!(relaxation(q(80.0, 0)), 0.0);
        assert!(relaxation(q(80.0, 20)) < 1.0);
        let long = relaxation(q(80.0, 1_000));
        assert!((long - 1001.0f64.powi(2) / std::f64::consts::PI.powi(2) / 80.0).abs() < 1.0);
        // Far from saturation a long room relaxes fast: (√λ − √cμ)² dominates.
        assert!(relaxation(q(40.0, 1_000)) < 1.0);
    }
}
