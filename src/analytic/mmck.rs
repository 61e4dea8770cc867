//! The M/M/c/K queue in closed form: its stationary law (blocking, P(wait), mean wait,
//! mean queue), and the distributions of the wait and of the response time of an
//! admitted arrival, with their quantiles.
//!
//! # The law
//!
//! Write B for Erlang B(c, A), g = ln ρ and N = K − c for the waiting places. Scaled so
//! that the states with no queue (n ≤ c) weigh 1 in all, π_c = B and π_{c+j} = B·ρ^j for
//! j = 0..N. Every sum is a geometric series, `G(m) = Σ_{i<m} ρ^i`, taken in closed form
//! and in log space ([`ln_geometric_sum`]): a limit of 10⁸ places costs no more than 10,
//! and nothing overflows far above saturation. Then
//!
//! - total mass `T = (1 − B) + B·G(N + 1)`; blocking `P_B = B·ρ^N / T`;
//! - an admitted arrival (n < c + N) waits with probability `B·G(N) / (T − B·ρ^N)`;
//! - the mean queue is `B·G(N + 1)·M(N + 1) / T`, where M(m) is the mean index of the
//!   geometric weights ρ^i over i < m ([`geometric_mean_index`]).
//!
//! # The wait
//!
//! An admitted arrival that finds n ≥ c in the system waits for n − c + 1 service
//! completions, each at rate cμ while every slot is busy: its wait is Erlang(J, cμ) with
//! J = n − c + 1 phases, and J = 0 (no wait) when it finds a free slot. So the wait is a
//! mixture of Erlangs over a truncated geometric law of J — not the exponential tail of
//! M/M/c, which a finite room cuts off, and defined at every load, saturated or not.
//!
//! Its survival function follows by uniformisation at rate cμ: with N_t ~ Poisson(cμ·t)
//! phases completed by t, `P(W > t) = Σ_k P(N_t = k)·P(J > k)`. With exponential service
//! the response R = W + S is a phase-type law as well: uniformised at the same rate, each
//! phase of service ends with probability 1/c, so
//! `P(R > t) = Σ_k P(N_t = k)·(P(J > k) + Σ_{j ≤ k} P(J = j)·(1 − 1/c)^{k−j})`.
//! Every term is positive (no cancellation); the inner sums are geometric series again,
//! started in closed form and carried on by recursion, and only the Poisson weights
//! within 9 standard deviations of cμ·t are summed, so one evaluation costs O(√(cμ·t)).
//! The same sums give the densities, so quantiles are found by Newton's method (kept
//! inside a bisection bracket), in a handful of evaluations. Below saturation with a room
//! so deep that ρ^N < e^−40, the wait of one who waits is M/M/c's exponential and the
//! response a hypoexponential, in closed form.
//! (Gross & Harris, *Fundamentals of Queueing Theory*, §2.5; Tijms, *A First Course in
//! Stochastic Models*, 2003, §4.5 on uniformisation.)

use super::erlang_b;

/// An M/M/c/K queue: the M/M/c queue with a waiting room of `queue_limit` places
/// (K = c + `queue_limit` in the system); an arrival that finds it full is lost. This is
/// provsim's request-level model with a fixed fleet and a finite `queue_limit`.
/// `queue_limit = 0` is the Erlang loss system (blocking = Erlang B); a large limit at
/// A < c is the M/M/c queue. Stable for every load. Times are in seconds.
///
/// The stationary probabilities are π_{c+j} = π_c·ρ^j for j ≤ `queue_limit`, and the
/// states up to c are those of the loss system (π_c / Σ_{n≤c} π_n = Erlang B); see the
/// module docs for the closed forms.
/// (Gross & Harris, *Fundamentals of Queueing Theory*, §2.5.)
///
/// ```
/// use provsim::analytic::MMcK;
/// // 8 slots, 20 waiting places, ρ = 1.001: a finite room is stable above saturation.
/// let q = MMcK { servers: 8, arrival_rate: 80.08, mean_service: 0.1, queue_limit: 20 };
/// assert!((q.p_block() - 0.0418).abs() < 1e-4);
/// let wait = q.wait();
/// assert!((wait.mean() - q.mean_wait()).abs() < 1e-12);
/// // An admitted request waits at most 21 services at 80/s: its p99 is under 0.45 s.
/// assert!(wait.quantile(0.99) < 0.45);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MMcK {
    /// Number of slots `c`.
    pub servers: u32,
    /// λ, requests per second.
    pub arrival_rate: f64,
    /// E\[S\] = 1/μ, seconds.
    pub mean_service: f64,
    /// Waiting places K − c.
    pub queue_limit: u64,
}

/// The stationary law in log form (see the module docs).
#[derive(Debug, Clone, Copy)]
struct Law {
    /// ln B: π_c in the scale where the states n ≤ c weigh 1.
    ln_b: f64,
    /// g = ln ρ.
    g: f64,
    /// ln T, the total mass.
    ln_total: f64,
    /// ln of the mass of the states that admit an arrival (n < c + N).
    ln_admitted: f64,
}

impl MMcK {
    /// Offered load A = λ·E\[S\], Erlangs.
    pub fn offered_load(&self) -> f64 {
        self.arrival_rate * self.mean_service
    }

    /// Utilisation ρ = A/c.
    pub fn utilization(&self) -> f64 {
        self.offered_load() / self.servers as f64
    }

    /// The law, or `None` when nothing can wait: no slots (every arrival is lost), no
    /// load, or a load so light that Erlang B underflows.
    fn law(&self) -> Option<Law> {
        let c = self.servers;
        let a = self.offered_load();
        if c == 0 || a <= 0.0 {
            return None;
        }
        let b = erlang_b(c, a);
        if b <= 0.0 {
            return None;
        }
        let ln_b = b.ln();
        let g = (a / c as f64).ln();
        let n = self.queue_limit;
        let ln_low = (1.0 - b).ln();
        Some(Law {
            ln_b,
            g,
            ln_total: log_add(ln_low, ln_b + ln_geometric_sum(n + 1, g)),
            ln_admitted: log_add(ln_low, ln_b + ln_geometric_sum(n, g)),
        })
    }

    /// Probability that an arrival finds the system full and is lost.
    pub fn p_block(&self) -> f64 {
        match self.law() {
            Some(l) => (l.ln_b + self.queue_limit as f64 * l.g - l.ln_total).exp(),
            None => f64::from(self.servers == 0),
        }
    }

    /// Probability that an admitted arrival has to wait.
    pub fn p_wait(&self) -> f64 {
        self.law().map_or(0.0, |l| {
            (l.ln_b + ln_geometric_sum(self.queue_limit, l.g) - l.ln_admitted).exp()
        })
    }

    /// Mean wait of an admitted arrival, seconds: one finding j others waiting waits
    /// j + 1 service completions at rate c/E\[S\].
    pub fn mean_wait(&self) -> f64 {
        self.law().map_or(0.0, |l| {
            let phases = 1.0 + geometric_mean_index(self.queue_limit, l.g);
            self.p_wait() * phases * self.mean_service / self.servers as f64
        })
    }

    /// Time-average number of requests waiting (not in service), Lq.
    pub fn mean_queue(&self) -> f64 {
        self.law().map_or(0.0, |l| {
            let n = self.queue_limit + 1;
            (l.ln_b + ln_geometric_sum(n, l.g) - l.ln_total).exp() * geometric_mean_index(n, l.g)
        })
    }

    /// The distribution of the wait of an admitted arrival (and, for exponential
    /// service, of its response time).
    pub fn wait(&self) -> MMcKWait {
        let c = self.servers.max(1);
        let phase_rate = c as f64 / self.mean_service;
        match self.law() {
            Some(l) => MMcKWait {
                phase_rate,
                servers: c,
                p_wait: self.p_wait(),
                ln_first: l.ln_b - l.ln_admitted,
                g: l.g,
                limit: self.queue_limit,
            },
            None => MMcKWait {
                phase_rate,
                servers: c,
                p_wait: 0.0,
                ln_first: f64::NEG_INFINITY,
                g: 0.0,
                limit: 0,
            },
        }
    }
}

/// The wait of an admitted arrival to an [`MMcK`] queue: J phases of rate cμ, with
/// P(J = 0) = 1 − P(wait) and P(J = j) ∝ ρ^(j−1) for j = 1..=`queue_limit` (see the
/// module docs). Times are in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MMcKWait {
    /// cμ: the rate of one phase.
    phase_rate: f64,
    servers: u32,
    p_wait: f64,
    /// ln P(J = 1).
    ln_first: f64,
    /// ln ρ.
    g: f64,
    /// The most phases: J ≤ `limit`.
    limit: u64,
}

impl MMcKWait {
    /// Probability of waiting at all.
    pub fn p_wait(&self) -> f64 {
        self.p_wait
    }

    /// Mean wait, seconds.
    pub fn mean(&self) -> f64 {
        if self.p_wait <= 0.0 {
            return 0.0;
        }
        self.p_wait * (1.0 + geometric_mean_index(self.limit, self.g)) / self.phase_rate
    }

    /// P(J > k): more than k phases to wait.
    fn phases_above(&self, k: u64) -> f64 {
        if k == 0 {
            self.p_wait
        } else if k >= self.limit {
            0.0
        } else {
            (self.ln_first + k as f64 * self.g + ln_geometric_sum(self.limit - k, self.g)).exp()
        }
    }

    /// P(J = k).
    fn phases_at(&self, k: u64) -> f64 {
        if k == 0 {
            1.0 - self.p_wait
        } else if k <= self.limit {
            (self.ln_first + (k - 1) as f64 * self.g).exp()
        } else {
            0.0
        }
    }

    /// P(wait > t).
    pub fn survival(&self, t: f64) -> f64 {
        if t < 0.0 {
            return 1.0;
        }
        if self.p_wait <= 0.0 {
            return 0.0;
        }
        self.survival_slope(t).0
    }

    /// P(wait > t) and its derivative in t.
    fn survival_slope(&self, t: f64) -> (f64, f64) {
        if t < 0.0 {
            return (1.0, 0.0);
        }
        if self.p_wait <= 0.0 {
            return (0.0, 0.0);
        }
        if let Some(theta) = self.unbounded_rate() {
            let s = self.p_wait * (-theta * t).exp();
            return (s, -theta * s);
        }
        self.uniformised(t, false)
    }

    /// Below saturation with a room so deep that ρ^N < e^−40, the truncation is lost in
    /// rounding and the wait of one who waits is M/M/c's Exp(cμ − λ): that rate, which
    /// spares the sums.
    fn unbounded_rate(&self) -> Option<f64> {
        (self.g < 0.0 && self.limit as f64 * self.g < -40.0)
            .then(|| -self.phase_rate * self.g.exp_m1())
    }

    /// The q-quantile of the wait: 0 when q ≤ 1 − P(wait), infinite for q ≥ 1.
    pub fn quantile(&self, q: f64) -> f64 {
        if q <= 1.0 - self.p_wait {
            return 0.0;
        }
        invert(
            |t| self.survival_slope(t),
            1.0 - q,
            self.mean() / self.p_wait,
        )
    }

    /// P(response > t) for exponential service of mean c/`phase_rate` (the queue's own):
    /// the wait's J phases, then one service that ends at each further phase with
    /// probability 1/c (see the module docs).
    pub fn response_survival(&self, t: f64) -> f64 {
        self.response_slope(t).0
    }

    /// P(response > t) and its derivative in t.
    fn response_slope(&self, t: f64) -> (f64, f64) {
        if t < 0.0 {
            return (1.0, 0.0);
        }
        if let Some(theta) = self.unbounded_rate() {
            // P(Exp(θ) + Exp(μ) > t) = (μe^−θt − θe^−μt)/(μ − θ), and e^−μt·(1 + μt) at θ = μ.
            let mu = self.phase_rate / self.servers as f64;
            let service = (-mu * t).exp();
            let (both, both_slope) = if (theta - mu).abs() < 1e-9 * mu {
                (service * (1.0 + mu * t), -mu * mu * t * service)
            } else {
                let wait = (-theta * t).exp();
                (
                    (mu * wait - theta * service) / (mu - theta),
                    mu * theta * (service - wait) / (mu - theta),
                )
            };
            let no_wait = 1.0 - self.p_wait;
            return (
                no_wait * service + self.p_wait * both,
                -mu * no_wait * service + self.p_wait * both_slope,
            );
        }
        self.uniformised(t, true)
    }

    /// Σ_k P(N_t = k)·U_k over the Poisson window, U_k = P(J > k) (+ the chance the
    /// service is still going after k phases, with `service`), and its derivative in t,
    /// cμ·Σ_k P(N_t = k)·(U_(k+1) − U_k). U_k is built by recursion from its closed form
    /// at the window's start: P(J > k + 1) = P(J > k) − P(J = k + 1), P(J = k + 1) =
    /// ρ·P(J = k), and s_(k+1) = r·s_k + P(J = k + 1) for s_k = Σ_(j≤k) P(J = j)·r^(k−j),
    /// r = 1 − 1/c.
    fn uniformised(&self, t: f64, service: bool) -> (f64, f64) {
        let (lo, hi, mut p) = poisson_window(self.phase_rate * t);
        let x = self.phase_rate * t;
        let r = 1.0 - 1.0 / self.servers as f64;
        let rho = self.g.exp();
        let mut tail = self.phases_above(lo);
        let mut at = self.phases_at(lo);
        let mut serving = if !service {
            0.0
        } else if lo == 0 || self.servers == 1 {
            at
        } else {
            let ln_r = r.ln();
            let mut s = (1.0 - self.p_wait) * (lo as f64 * ln_r).exp();
            let m = lo.min(self.limit);
            if m >= 1 {
                s += (self.ln_first + (lo - 1) as f64 * ln_r + ln_geometric_sum(m, self.g - ln_r))
                    .exp();
            }
            s
        };
        let (mut sum, mut slope) = (0.0, 0.0);
        for k in lo..=hi {
            let before = tail + serving;
            at = match k {
                0 => self.phases_at(1),
                k if k < self.limit => at * rho,
                _ => 0.0,
            };
            tail = (tail - at).max(0.0);
            if service {
                serving = r * serving + at;
            }
            sum += p * before;
            slope += p * (tail + serving - before);
            p *= x / (k + 1) as f64;
        }
        (sum, slope * self.phase_rate)
    }

    /// The q-quantile of the response time for exponential service (see
    /// [`MMcKWait::response_survival`]); infinite for q ≥ 1.
    pub fn response_quantile(&self, q: f64) -> f64 {
        self.response_quantile_above(q, 0.0)
    }

    /// The same, known to be at least `floor` (a lower quantile: the search starts there).
    pub fn response_quantile_above(&self, q: f64, floor: f64) -> f64 {
        let mean_service = self.servers as f64 / self.phase_rate;
        let guess = (self.mean() + mean_service).max(floor);
        invert(|t| self.response_slope(t), 1.0 - q, guess)
    }
}

/// P(Erlang(k, 1) > x): k phases of rate 1 not yet done by x, = P(Poisson(x) < k).
pub fn erlang_survival(k: u64, x: f64) -> f64 {
    erlang_slope(k, x).0
}

/// P(Erlang(k, 1) > x) and its derivative, −P(Poisson(x) = k − 1).
fn erlang_slope(k: u64, x: f64) -> (f64, f64) {
    if x < 0.0 {
        return (1.0, 0.0);
    }
    if k == 0 {
        return (0.0, 0.0);
    }
    let (lo, hi, mut p) = poisson_window(x);
    let (mut sum, mut last) = (0.0, 0.0);
    for i in lo..=hi.min(k - 1) {
        sum += p;
        last = if i == k - 1 { p } else { 0.0 };
        p *= x / (i + 1) as f64;
    }
    (sum, -last)
}

/// The q-quantile of Erlang(k, 1) (the sum of k exponentials of mean 1); 0 for k = 0.
pub fn erlang_quantile(k: u64, q: f64) -> f64 {
    if k == 0 || q <= 0.0 {
        return 0.0;
    }
    invert(|x| erlang_slope(k, x), 1.0 - q, k as f64)
}

/// The t where the decreasing `survival` (returned with its derivative) falls to
/// `target` ∈ (0, 1): Newton's method from `guess`, kept inside a bracket that is
/// bisected whenever a Newton step would leave it, to 10⁻⁹ relative; infinite when
/// `target ≤ 0`.
fn invert(survival: impl Fn(f64) -> (f64, f64), target: f64, guess: f64) -> f64 {
    if target <= 0.0 {
        return f64::INFINITY;
    }
    let (mut lo, mut hi) = (0.0, f64::INFINITY);
    let mut t = if guess.is_finite() && guess > 0.0 {
        guess
    } else {
        1.0
    };
    for _ in 0..200 {
        let (s, slope) = survival(t);
        if s > target {
            lo = t;
        } else {
            hi = t;
        }
        if (s - target).abs() <= 1e-13 || (hi.is_finite() && hi - lo <= 1e-9 * hi) {
            break;
        }
        let newton = t - (s - target) / slope;
        if slope < 0.0 && (newton - t).abs() <= 1e-10 * t {
            return newton;
        }
        t = if slope < 0.0 && newton > lo && newton < hi {
            newton
        } else if hi.is_finite() {
            0.5 * (lo + hi)
        } else {
            2.0 * t
        };
    }
    t
}

/// The k that carry all but 10⁻¹⁵ of Poisson(x), within 9 standard deviations (+ 25) of
/// x, and P(Poisson(x) = first): (first, last, probability).
pub(crate) fn poisson_window(x: f64) -> (u64, u64, f64) {
    if x <= 0.0 {
        return (0, 0, 1.0);
    }
    let spread = 9.0 * x.sqrt() + 25.0;
    let lo = (x - spread).max(0.0).floor() as u64;
    let hi = (x + spread).ceil() as u64;
    // Below 120 the window starts at 0, where e^-x does not underflow.
    (lo, hi, (-x + lo as f64 * x.ln() - ln_factorial(lo)).exp())
}

/// ln n!, exact below 20, Stirling's series above (error below 10⁻¹⁵ relative).
fn ln_factorial(n: u64) -> f64 {
    if n < 20 {
        return (2..=n).map(|k| (k as f64).ln()).sum();
    }
    let x = n as f64;
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    x * x.ln() - x
        + 0.5 * (std::f64::consts::TAU * x).ln()
        + inv * (1.0 / 12.0 - inv2 * (1.0 / 360.0 - inv2 / 1260.0))
}

/// ln(e^a + e^b).
fn log_add(a: f64, b: f64) -> f64 {
    let (hi, lo) = if a >= b { (a, b) } else { (b, a) };
    if hi == f64::NEG_INFINITY {
        return hi;
    }
    hi + (lo - hi).exp().ln_1p()
}

/// ln Σ_{i<m} e^(g·i): the log of a geometric series of ratio e^g, for any g and m
/// without overflow (−∞ for m = 0).
pub(crate) fn ln_geometric_sum(m: u64, g: f64) -> f64 {
    if m == 0 {
        return f64::NEG_INFINITY;
    }
    let mf = m as f64;
    if g == 0.0 {
        return mf.ln();
    }
    let x = mf * g;
    if g > 0.0 {
        // (e^(mg) − 1)/(e^g − 1)
        let numerator = if x > 700.0 {
            x + (-(-x).exp()).ln_1p()
        } else {
            x.exp_m1().ln()
        };
        numerator - g.exp_m1().ln()
    } else {
        (-x.exp_m1()).ln() - (-g.exp_m1()).ln()
    }
}

/// The mean of i over {0, …, m−1} weighted by e^(g·i): `m/(1 − e^(−mg)) − 1/(1 − e^(−g))`,
/// by its series near g·m = 0 where the two terms cancel.
pub(crate) fn geometric_mean_index(m: u64, g: f64) -> f64 {
    if m <= 1 {
        return 0.0;
    }
    let mf = m as f64;
    let x = mf * g;
    if x.abs() < 1e-3 {
        let m2 = mf * mf;
        return (mf - 1.0) / 2.0 + (m2 - 1.0) * g / 12.0 - (m2 * m2 - 1.0) * g.powi(3) / 720.0;
    }
    let f = |y: f64| -1.0 / (-y).exp_m1();
    mf * f(x) - f(g)
}

#[cfg(test)]
mod tests;
