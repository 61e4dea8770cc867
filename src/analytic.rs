//! Closed-form queueing results to validate the simulator against (and to size fleets
//! by hand): Erlang B, Erlang C, the M/M/c queue, the M/M/c/K queue (a finite waiting
//! room: its law, and the distributions of its wait and response time, in `mmck.rs`) and
//! the Allen–Cunneen approximation.
//!
//! # The model
//!
//! provsim's request-level model with a fixed fleet, a constant arrival rate and
//! exponential service times *is* the M/M/c queue: Poisson arrivals at rate λ, `c`
//! identical slots (servers × `slots_per_server`) fed by one FIFO queue, exponential
//! service with mean E\[S\] = 1/μ. Write A = λ·E\[S\] for the offered load in Erlangs and
//! ρ = A/c for the utilisation; the queue is stable when A < c.
//!
//! # Formulas
//!
//! - **Erlang B** (M/M/c/c, no waiting room: the probability an arrival finds every slot
//!   busy and is lost), computed with the standard recursion
//!   `B(0) = 1`, `B(k) = A·B(k−1) / (k + A·B(k−1))`.
//!   Every step is a ratio of positive numbers in \[0, 1\], so it neither overflows nor
//!   cancels, unlike the textbook `(A^c/c!) / Σ A^k/k!` (which overflows for c ≈ 170).
//!   The cost is O(c). (Erlang 1917; Kleinrock, *Queueing Systems* vol. 1, §3.6;
//!   Jagerman 1974 for the recursion.)
//!   [`ErlangSweep`] runs the same recursion for one load over a rising number of slots,
//!   started just below the load instead of at 0, so that finding the fewest slots that
//!   meet a target costs O(√A) steps rather than O(c) per candidate.
//! - **Erlang C** (M/M/c: the probability an arrival has to wait), from B:
//!   `C = c·B / (c − A·(1 − B))`, which equals the usual
//!   `(A^c/c!)·c/(c−A) / (Σ_{k<c} A^k/k! + (A^c/c!)·c/(c−A))`; C = 1 when A ≥ c.
//!   (Kleinrock §3.5; Gross & Harris, *Fundamentals of Queueing Theory*, §2.3.)
//! - **M/M/c waiting time**: the wait of a customer who waits is exponential with rate
//!   `(c − A)/E[S]` (= cμ − λ), so
//!   `P(Wq > t) = C·exp(−(c − A)·t/E[S])`, `Wq = E[Wq] = C·E[S]/(c − A)`,
//!   response `W = Wq + E[S]`, and by Little's law `L = λ·W` (`Lq = λ·Wq`).
//!   The q-quantile of the wait is 0 when `q ≤ 1 − C` and otherwise
//!   `E[S]/(c − A) · ln(C/(1 − q))`. For c = 1 these reduce to M/M/1: C = ρ,
//!   Wq = ρ/(μ − λ).
//! - **Allen–Cunneen** (GI/G/c approximation): scale the M/M/c mean wait by the mean of
//!   the squared coefficients of variation of inter-arrival and service times,
//!   `Wq ≈ Wq(M/M/c) · (ca² + cs²)/2`. It is exact for M/G/1 (it is then the
//!   Pollaczek–Khinchine formula) and M/M/c, and typically within about 10 % for
//!   moderate variability and loads (Allen, *Probability, Statistics and Queueing Theory*,
//!   1990, §6; Tanner, *Practical Queueing Analysis*, 1995). With several servers it is
//!   off by more when service is very variable or very regular: provsim measures −7 % for
//!   M/D/10 and +17 % for lognormal service with cv 1.5 on 10 slots at ρ = 0.8
//!   (`tests/it/validation.rs`). Use it as a sanity band, not an exact value.
//! - **M/M/c/K** ([`MMcK`]): the M/M/c queue with `queue_limit` waiting places; stable at
//!   every load. Its law is geometric above c, so blocking, P(wait), the mean wait and
//!   the mean queue are closed forms; the wait of an admitted arrival is a mixture of
//!   Erlangs (one finding n ≥ c in the system waits n − c + 1 completions at rate cμ),
//!   whose survival function and quantiles [`MMcKWait`] evaluates by uniformisation.
//!
//! Inputs are assumed finite and non-negative (a load of 0 is fine); an unstable queue
//! (A ≥ c) gives P(wait) = 1 and infinite waits rather than a panic.
//!
//! ```
//! use provsim::analytic::{MMc, erlang_c};
//! // 10 slots, 80 requests/s, 100 ms each: 8 Erlangs.
//! let q = MMc { servers: 10, arrival_rate: 80.0, mean_service: 0.1 };
//! assert!((q.p_wait() - 0.409180).abs() < 1e-6);
//! assert!((q.mean_wait() - 0.0204590).abs() < 1e-7); // seconds
//! assert_eq!(q.p_wait(), erlang_c(10, 8.0));
//! ```

mod mmck;

pub use mmck::{MMcK, MMcKWait, erlang_quantile, erlang_survival};
pub(crate) use mmck::{geometric_mean_index, ln_geometric_sum, poisson_window};

/// Erlang B: the probability that an arrival to `c` slots with no waiting room, offered
/// `a` Erlangs, finds every slot busy (and is lost). 1 when `c` is 0.
pub fn erlang_b(c: u32, a: f64) -> f64 {
    let mut b = 1.0;
    for k in 1..=c {
        let ab = a * b;
        b = ab / (k as f64 + ab);
    }
    b
}

/// Erlang C: the probability that an arrival to an M/M/c queue with `c` slots offered
/// `a` Erlangs has to wait. 1 when the queue is unstable (`a ≥ c`).
pub fn erlang_c(c: u32, a: f64) -> f64 {
    let cf = c as f64;
    if a >= cf {
        return 1.0;
    }
    let b = erlang_b(c, a);
    // c − a(1 − B) > c − a > 0 here, so the division is safe.
    cf * b / (cf - a * (1.0 - b))
}

/// Erlang B and C for one offered load `a` over a rising number of slots `c`: for searches
/// such as "the fewest slots whose M/M/c wait tail meets a target", where recomputing
/// [`erlang_b`] from 0 for every candidate would cost O(c²).
///
/// It runs the Erlang B recursion in reciprocal form, `1/B(k) = 1 + (k/a)·1/B(k−1)` (one
/// multiply-add per slot on the dependency chain), and starts it `x ≈ √(2a·(42 + ln a))`
/// slots below min(c, a) from the guess `1/B(k₀) ≈ a/(a − k₀)` rather than at `k = 0`.
/// The true value lies in [1, a/(a − k₀)] and the recursion multiplies an error in
/// `1/B` by k/a < 1 per step below the load, so the start is forgotten: the relative error
/// left is at most `(a/x)·exp(−(x−1)(x−2)/(2a)) < e^−42` on top of rounding. Reaching c
/// slots costs O(√a) steps, then one per slot. Loads under 100 Erlangs start at 0
/// (exactly [`erlang_b`]'s recursion).
///
/// ```
/// use provsim::analytic::{ErlangSweep, erlang_c};
/// let mut sweep = ErlangSweep::new(8.0, 9);
/// assert!((sweep.erlang_c() - erlang_c(9, 8.0)).abs() < 1e-14);
/// sweep.advance_to(10);
/// assert!((sweep.erlang_c() - 0.409180).abs() < 1e-6);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErlangSweep {
    /// Offered load a, Erlangs.
    load: f64,
    /// Current number of slots c.
    slots: u64,
    /// 1/B(c, a) (∞ once B underflows; unused when the load is 0).
    inv_b: f64,
}

impl ErlangSweep {
    /// Positioned at `slots` slots offered `load` Erlangs.
    pub fn new(load: f64, slots: u64) -> Self {
        let mut sweep = ErlangSweep {
            load,
            slots: 0,
            inv_b: 1.0,
        };
        if load > 0.0 {
            let a = load;
            let x = (2.0 * a * (42.0 + a.max(1.0).ln())).sqrt().ceil() + 2.0;
            let k0 = (a.min(slots as f64) - x).floor();
            if k0 >= 1.0 {
                sweep.slots = k0 as u64;
                sweep.inv_b = a / (a - k0);
            }
        }
        sweep.advance_to(slots);
        sweep
    }

    /// The offered load a, Erlangs.
    pub fn load(&self) -> f64 {
        self.load
    }

    /// The current number of slots c.
    pub fn slots(&self) -> u64 {
        self.slots
    }

    /// Move to `slots` slots: one recursion step per slot upward (downward starts afresh).
    pub fn advance_to(&mut self, slots: u64) {
        if slots < self.slots {
            *self = Self::new(self.load, slots);
            return;
        }
        if self.load > 0.0 {
            let mut inv_b = self.inv_b;
            for k in self.slots + 1..=slots {
                inv_b = 1.0 + (k as f64 / self.load) * inv_b;
            }
            self.inv_b = inv_b;
        }
        self.slots = slots;
    }

    /// Erlang B at the current slots (as [`erlang_b`]).
    pub fn erlang_b(&self) -> f64 {
        if self.slots == 0 {
            1.0
        } else if self.load > 0.0 {
            1.0 / self.inv_b
        } else {
            0.0
        }
    }

    /// Erlang C at the current slots (as [`erlang_c`]): 1 when `a ≥ c`.
    pub fn erlang_c(&self) -> f64 {
        let c = self.slots as f64;
        if self.load >= c {
            return 1.0;
        }
        if self.load <= 0.0 {
            return 0.0;
        }
        // C = c·B / (c − a(1 − B)) with B = 1/I: c / (I·(c − a) + a). I = ∞ gives 0.
        c / (self.inv_b * (c - self.load) + self.load)
    }

    /// P(Wq > t) at the current slots for mean service `mean_service` seconds (as
    /// [`MMc::p_wait_exceeds`]): `C·exp(−(c − a)·t/E[S])`; 1 for t < 0 or `a ≥ c`.
    pub fn p_wait_exceeds(&self, t: f64, mean_service: f64) -> f64 {
        let c = self.slots as f64;
        if t < 0.0 || self.load >= c {
            return 1.0;
        }
        self.erlang_c() * (-(c - self.load) * t / mean_service).exp()
    }
}

/// An M/M/c queue: Poisson arrivals, `servers` identical slots, exponential service, one
/// FIFO queue without limit. Times are in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MMc {
    /// Number of slots `c` (in provsim: servers × slots per server).
    pub servers: u32,
    /// λ, requests per second.
    pub arrival_rate: f64,
    /// E\[S\] = 1/μ, seconds.
    pub mean_service: f64,
}

impl MMc {
    /// Offered load A = λ·E\[S\], in Erlangs (the mean number of busy slots).
    pub fn offered_load(&self) -> f64 {
        self.arrival_rate * self.mean_service
    }

    /// Utilisation ρ = A/c (infinite for zero slots with any load).
    pub fn utilization(&self) -> f64 {
        self.offered_load() / self.servers as f64
    }

    /// Whether the queue reaches a steady state: A < c.
    pub fn is_stable(&self) -> bool {
        self.offered_load() < self.servers as f64
    }

    /// Probability that an arrival waits (Erlang C).
    pub fn p_wait(&self) -> f64 {
        erlang_c(self.servers, self.offered_load())
    }

    /// Mean wait in the queue, Wq = C·E\[S\]/(c − A), seconds; infinite if unstable.
    pub fn mean_wait(&self) -> f64 {
        if !self.is_stable() {
            return f64::INFINITY;
        }
        self.p_wait() * self.mean_service / (self.servers as f64 - self.offered_load())
    }

    /// Mean response time W = Wq + E\[S\], seconds.
    pub fn mean_response(&self) -> f64 {
        self.mean_wait() + self.mean_service
    }

    /// Mean number of requests in the system (waiting or in service), L = λ·W.
    pub fn mean_in_system(&self) -> f64 {
        self.arrival_rate * self.mean_response()
    }

    /// P(Wq > t) = C·exp(−(c − A)·t/E\[S\]); 1 for t < 0 or an unstable queue.
    pub fn p_wait_exceeds(&self, t: f64) -> f64 {
        if t < 0.0 || !self.is_stable() {
            return 1.0;
        }
        let rate = (self.servers as f64 - self.offered_load()) / self.mean_service;
        self.p_wait() * (-rate * t).exp()
    }

    /// The q-quantile of the wait in seconds: 0 when `q ≤ 1 − C` (that many arrivals do
    /// not wait at all), else `E[S]/(c − A)·ln(C/(1 − q))`; infinite for `q ≥ 1` or an
    /// unstable queue.
    pub fn wait_quantile(&self, q: f64) -> f64 {
        let c = self.p_wait();
        if q <= 1.0 - c {
            return 0.0;
        }
        if q >= 1.0 || !self.is_stable() {
            return f64::INFINITY;
        }
        let rate = (self.servers as f64 - self.offered_load()) / self.mean_service;
        (c / (1.0 - q)).ln() / rate
    }
}

/// Allen–Cunneen approximation of the mean wait (seconds) of a GI/G/c queue with `c`
/// slots, offered `a` Erlangs, mean service `mean_service` seconds, and squared
/// coefficients of variation `scv_arrival` (1 for Poisson) and `scv_service` (1 for
/// exponential, 0 for constant): `Wq(M/M/c)·(ca² + cs²)/2`. Infinite if `a ≥ c`.
pub fn allen_cunneen_wait(
    c: u32,
    a: f64,
    mean_service: f64,
    scv_arrival: f64,
    scv_service: f64,
) -> f64 {
    let mmc = MMc {
        servers: c,
        arrival_rate: a / mean_service,
        mean_service,
    };
    if !mmc.is_stable() {
        return f64::INFINITY;
    }
    // Computed from a directly rather than λ·E[S], which may round differently.
    erlang_c(c, a) * mean_service / (c as f64 - a) * (scv_arrival + scv_service) / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(got: f64, want: f64, tol: f64) {
        assert!(
            (got - want).abs() <= tol,
            "got {got}, want {want} (± {tol})"
        );
    }

    /// Erlang B from its definition, in log space: independent of the recursion.
    fn erlang_b_direct(c: u32, a: f64) -> f64 {
        let mut ln_fact = 0.0;
        let terms: Vec<f64> = (0..=c)
            .map(|k| {
                if k > 0 {
                    ln_fact += (k as f64).ln();
                }
                k as f64 * a.ln() - ln_fact
            })
            .collect();
        let max = terms.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let sum: f64 = terms.iter().map(|t| (t - max).exp()).sum();
        (terms[c as usize] - max).exp() / sum
    }

    #[test]
    fn known_values() {
        // Tabulated: c = 10, A = 8.
        close(erlang_b(10, 8.0), 0.121661, 5e-7);
        close(erlang_c(10, 8.0), 0.409180, 5e-7);
        let q = MMc {
            servers: 10,
            arrival_rate: 8.0,
            mean_service: 1.0,
        };
        close(q.mean_wait(), 0.204590, 5e-7); // service times
        close(q.utilization(), 0.8, 1e-15);
        close(q.mean_in_system(), 8.0 * (0.204590 + 1.0), 5e-6);
        // c = 2, A = 1.6: C = 32/45.
        close(erlang_c(2, 1.6), 0.711111, 5e-7);
        close(erlang_c(2, 1.6), 32.0 / 45.0, 1e-14);
        // Small cases by hand: B(1, a) = a/(1+a); B(2, 1) = 1/5.
        close(erlang_b(1, 3.0), 0.75, 1e-15);
        close(erlang_b(2, 1.0), 0.2, 1e-15);
    }

    #[test]
    fn c_equal_one_is_mm1() {
        let (lambda, mu) = (6.0, 10.0);
        let q = MMc {
            servers: 1,
            arrival_rate: lambda,
            mean_service: 1.0 / mu,
        };
        let rho = lambda / mu;
        close(q.p_wait(), rho, 1e-15);
        close(q.mean_wait(), rho / (mu - lambda), 1e-15);
        close(q.mean_response(), 1.0 / (mu - lambda), 1e-15);
        close(q.mean_in_system(), rho / (1.0 - rho), 1e-14);
        close(
            q.p_wait_exceeds(0.1),
            rho * (-(mu - lambda) * 0.1).exp(),
            1e-15,
        );
    }

    #[test]
    fn edge_cases() {
        // No load: nobody waits.
        assert_eq!(erlang_b(5, 0.0), 0.0);
        assert_eq!(erlang_c(5, 0.0), 0.0);
        let idle = MMc {
            servers: 3,
            arrival_rate: 0.0,
            mean_service: 0.5,
        };
        assert!(idle.is_stable());
        assert_eq!(idle.mean_wait(), 0.0);
        assert_eq!(idle.mean_response(), 0.5);
        assert_eq!(idle.mean_in_system(), 0.0);
        assert_eq!(idle.wait_quantile(0.99), 0.0);
        // No slots: every arrival is blocked / waits.
        assert_eq!(erlang_b(0, 2.0), 1.0);
        assert_eq!(erlang_c(0, 2.0), 1.0);
        // At and beyond saturation.
        for a in [4.0, 4.5, 100.0] {
            assert_eq!(erlang_c(4, a), 1.0);
            let q = MMc {
                servers: 4,
                arrival_rate: a,
                mean_service: 1.0,
            };
            assert!(!q.is_stable());
            assert_eq!(q.p_wait(), 1.0);
            assert_eq!(q.mean_wait(), f64::INFINITY);
            assert_eq!(q.mean_in_system(), f64::INFINITY);
            assert_eq!(q.p_wait_exceeds(10.0), 1.0);
            assert_eq!(q.wait_quantile(0.5), f64::INFINITY);
            assert_eq!(allen_cunneen_wait(4, a, 1.0, 1.0, 0.0), f64::INFINITY);
        }
        // Just below saturation the wait is large but finite.
        let q = MMc {
            servers: 4,
            arrival_rate: 3.999,
            mean_service: 1.0,
        };
        assert!(q.is_stable() && q.mean_wait().is_finite() && q.mean_wait() > 100.0);
    }

    #[test]
    fn recursion_matches_definition_and_is_stable_for_large_c() {
        for (c, a) in [(1, 0.5), (7, 3.3), (50, 45.0), (300, 280.0), (1000, 950.0)] {
            close(erlang_b(c, a), erlang_b_direct(c, a), 1e-12);
        }
        // c = 1000 at 95 %: the textbook formula overflows (1000! and 950^1000); the
        // recursion gives sane values. Halfin–Whitt: with β = (c − A)/√A,
        // C ≈ 1/(1 + β·Φ(β)/φ(β)); here β ≈ 1.62 ⇒ C ≈ 0.07 (the limit is rough at
        // finite c, so only the range is checked).
        let b = erlang_b(1000, 950.0);
        let c = erlang_c(1000, 950.0);
        assert!(b.is_finite() && b > 0.0 && b < c && c < 1.0, "{b} {c}");
        assert!(c > 0.03 && c < 0.15, "{c}");
        let q = MMc {
            servers: 1000,
            arrival_rate: 950.0,
            mean_service: 1.0,
        };
        close(q.mean_wait(), c / 50.0, 1e-15);
        // Heavy load on many slots: Erlang C tends to 1 smoothly, never above.
        let near = erlang_c(1000, 999.9);
        assert!(near > 0.9 && near <= 1.0, "{near}");
    }

    #[test]
    fn erlang_sweep_matches_the_recursion_from_zero() {
        // Below 100 Erlangs the sweep starts at 0; above, it starts just below min(c, a)
        // and must agree with the full recursion anyway, below, at and above the load.
        for (a, c) in [
            (0.5, 1),
            (8.0, 10),
            (50.0, 45),
            (50.0, 60),
            (300.0, 280),
            (300.0, 330),
            (1000.0, 950),
            (1000.0, 1000),
            (1000.0, 1100),
            (10_000.0, 9_000),
            (10_000.0, 10_250),
            (12_345.6, 12_700),
            (200_000.0, 201_000),
        ] {
            let sweep = ErlangSweep::new(a, c);
            assert_eq!(sweep.slots(), c);
            let (b, cc) = (erlang_b(c as u32, a), erlang_c(c as u32, a));
            assert!(((sweep.erlang_b() - b) / b).abs() < 1e-11, "B({c}, {a})");
            assert!(((sweep.erlang_c() - cc) / cc).abs() < 1e-11, "C({c}, {a})");
        }
    }

    #[test]
    fn erlang_sweep_steps_one_slot_at_a_time() {
        // 150 Erlangs: a fresh sweep at c ≥ 150 starts warm at k0 = 150 − 121 = 29; the one
        // stepped from c = 100 started at 0.
        let a = 150.0;
        let mut sweep = ErlangSweep::new(a, 100);
        for c in 100..=220u32 {
            sweep.advance_to(c as u64);
            let fresh = ErlangSweep::new(a, c as u64);
            close(sweep.erlang_c(), fresh.erlang_c(), 1e-13);
            close(sweep.erlang_c(), erlang_c(c, a), 1e-13);
            close(sweep.erlang_b(), erlang_b(c, a), 1e-13);
            let q = MMc {
                servers: c,
                arrival_rate: a / 0.1,
                mean_service: 0.1,
            };
            for t in [0.0, 0.01, 0.05] {
                close(sweep.p_wait_exceeds(t, 0.1), q.p_wait_exceeds(t), 1e-13);
            }
        }
        // Going back down starts afresh.
        sweep.advance_to(120);
        assert_eq!(sweep, ErlangSweep::new(a, 120));
        close(sweep.erlang_c(), erlang_c(120, a), 1e-13);
    }

    #[test]
    fn erlang_sweep_edge_cases() {
        // No load: nobody waits; no slots: everyone is blocked / waits.
        let idle = ErlangSweep::new(0.0, 5);
        assert_eq!((idle.erlang_b(), idle.erlang_c()), (0.0, 0.0));
        assert_eq!(idle.p_wait_exceeds(0.0, 1.0), 0.0);
        let none = ErlangSweep::new(2.0, 0);
        assert_eq!((none.erlang_b(), none.erlang_c()), (1.0, 1.0));
        assert_eq!(ErlangSweep::new(0.0, 0).erlang_c(), erlang_c(0, 0.0));
        // At and beyond saturation, and for negative times.
        for a in [4.0, 4.5, 100.0] {
            let s = ErlangSweep::new(a, 4);
            assert_eq!(s.erlang_c(), 1.0);
            assert_eq!(s.p_wait_exceeds(10.0, 1.0), 1.0);
        }
        assert_eq!(ErlangSweep::new(2.0, 4).p_wait_exceeds(-1.0, 1.0), 1.0);
        // Far above the load B underflows: C → 0 cleanly, never NaN.
        let far = ErlangSweep::new(0.01, 400);
        assert_eq!(far.erlang_c(), 0.0);
        assert_eq!(far.p_wait_exceeds(0.0, 1.0), 0.0);
    }

    #[test]
    fn wait_distribution_and_quantiles_agree() {
        let q = MMc {
            servers: 10,
            arrival_rate: 80.0,
            mean_service: 0.1,
        };
        let c = q.p_wait();
        close(q.p_wait_exceeds(0.0), c, 1e-15);
        assert_eq!(q.p_wait_exceeds(-1.0), 1.0);
        // Below 1 − C the quantile is 0; above, P(Wq > quantile(q)) = 1 − q.
        assert_eq!(q.wait_quantile(0.5), 0.0);
        assert_eq!(q.wait_quantile(1.0 - c), 0.0);
        assert_eq!(q.wait_quantile(1.0), f64::INFINITY);
        for p in [0.6, 0.9, 0.99, 0.999] {
            let t = q.wait_quantile(p);
            assert!(t > 0.0);
            close(q.p_wait_exceeds(t), 1.0 - p, 1e-12);
        }
        // Mean of the wait = ∫ P(Wq > t) dt = C·E[S]/(c − A).
        let n = 200_000;
        let dt = 1e-5;
        let integral: f64 = (0..n)
            .map(|i| q.p_wait_exceeds((i as f64 + 0.5) * dt) * dt)
            .sum();
        close(integral, q.mean_wait(), 1e-6);
    }

    #[test]
    fn allen_cunneen_reduces_to_exact_cases() {
        // Exponential service, Poisson arrivals: exactly M/M/c.
        let q = MMc {
            servers: 10,
            arrival_rate: 80.0,
            mean_service: 0.1,
        };
        close(
            allen_cunneen_wait(10, 8.0, 0.1, 1.0, 1.0),
            q.mean_wait(),
            1e-15,
        );
        // c = 1: Pollaczek–Khinchine, Wq = ρ·E[S]·(1 + cs²)/(2(1 − ρ)).
        for scv in [0.0, 0.5, 2.25] {
            let (rho, es) = (0.7, 0.2);
            close(
                allen_cunneen_wait(1, rho, es, 1.0, scv),
                rho * es * (1.0 + scv) / (2.0 * (1.0 - rho)),
                1e-15,
            );
        }
        // Constant service halves the M/M/c wait.
        close(
            allen_cunneen_wait(10, 8.0, 0.1, 1.0, 0.0),
            q.mean_wait() / 2.0,
            1e-15,
        );
    }
}
