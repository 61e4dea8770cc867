//! The fluid queue's transient: the distribution of the number waiting, evolved step by
//! step as a birth–death chain, for blocks too short for the queue to reach its
//! stationary law (near saturation with a long room, or right after the load crosses 1).
//!
//! # States
//!
//! State 0 is "nobody waits" (n ≤ c in the system): the slots themselves relax within a
//! few service times, so inside it n follows the loss system's law, and an arrival finds
//! every slot busy with probability B = Erlang B(c, A). States 1, 2, … are bins of queue
//! lengths: one length each when the room holds at most [`MAX_BINS`] places, else bins of
//! one place at both ends of the room (where the blocking, the waits of the first in
//! line and the thin layer below a full room are decided) widening geometrically towards
//! the middle, [`MAX_BINS`] in all. A run never costs more than that per step.
//!
//! # Rates
//!
//! Births λ and deaths cμ between single places; from state 0 to one waiting, λ·B, and
//! back, cμ times the share of bin 1 at its bottom. Between two bins of widths w₁ and w₂
//! (centres h = (w₁ + w₂)/2 apart) the rates are Scharfetter–Gummel's exponentially
//! fitted ones, `up = G·√r` and `down = G/√r`, with r the ratio of the bins' stationary
//! masses and `G = cμ·(e^g − 1)/(2·√(w₁w₂)·sinh(h·g/2))`, g = ln ρ. So the lumped chain
//! has exactly the stationary law of the M/M/c/K queue (summed over each bin), exactly
//! the drift λ − cμ of the queue, and its diffusion (λ + cμ)/2 at saturation; between
//! single places the rates are λ and cμ themselves. Within a bin, lengths are taken in
//! their stationary (geometric) proportions, for the bin's mean and its share at the
//! full end.
//!
//! # Steps
//!
//! Implicit (backward) Euler: (I − dt·Q)·p' = p, a tridiagonal solve in O(states),
//! factored once per step length. It keeps the mass, keeps probabilities non-negative
//! (the matrix is an M-matrix), leaves the stationary law exactly where it is at any step
//! length, and damps the fast modes (the few-second wiggles of a short room) instead of
//! oscillating; the slow modes — the ones that matter, relaxation times of minutes to
//! hours — are followed to first order in dt / relaxation time.

use crate::analytic::{erlang_b, geometric_mean_index, ln_geometric_sum};

/// The most states a chain has.
const MAX_BINS: usize = 128;

/// What a step's arrivals see, for drops, Little's law and the latency model.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct Seen {
    /// Probability that the room is full (the arrival is lost).
    pub p_full: f64,
    /// Mean number waiting.
    pub mean_queue: f64,
    /// Of admitted arrivals: the probability of waiting and the mean wait, seconds.
    pub p_wait: f64,
    pub mean_wait: f64,
}

pub(super) struct Chain {
    limit: u64,
    /// Bin i ≥ 1 holds queue lengths `first[i]..=last[i]` (index 0 unused: no queue).
    first: Vec<u64>,
    last: Vec<u64>,
    p: Vec<f64>,
    /// Rates of the current slots and λ: i → i + 1 and i → i − 1.
    up: Vec<f64>,
    down: Vec<f64>,
    /// Mean queue length within each bin (stationary proportions).
    mean: Vec<f64>,
    /// P(room full | last bin).
    full_share: f64,
    /// Erlang B: an arrival in state 0 finds every slot busy and waits one phase.
    busy: f64,
    /// cμ, completions per second with every slot busy.
    phase_rate: f64,
    ln_b: f64,
    g: f64,
    /// (slots, λ) the rates are for.
    rates_for: Option<(u32, f64)>,
    /// LU factors of I − dt·Q for `factored_dt`: multipliers, 1/pivots, superdiagonal.
    factored_dt: f64,
    lower: Vec<f64>,
    inv_pivot: Vec<f64>,
    upper: Vec<f64>,
    /// Admitted arrivals per state since the last [`Chain::take_book`].
    book: Vec<f64>,
    scratch: Vec<f64>,
}

impl Chain {
    /// A chain for a room of `limit` ≥ 1 places, all mass on "nobody waits".
    pub fn new(limit: u64) -> Chain {
        let (first, last) = bins(limit);
        let n = first.len();
        let mut p = vec![0.0; n];
        p[0] = 1.0;
        Chain {
            limit,
            first,
            last,
            p,
            up: vec![0.0; n],
            down: vec![0.0; n],
            mean: vec![0.0; n],
            full_share: 1.0,
            busy: 0.0,
            phase_rate: 0.0,
            ln_b: f64::NEG_INFINITY,
            g: 0.0,
            rates_for: None,
            factored_dt: f64::NAN,
            lower: vec![0.0; n],
            inv_pivot: vec![0.0; n],
            upper: vec![0.0; n],
            book: vec![0.0; n],
            scratch: Vec::with_capacity(n),
        }
    }

    fn width(&self, i: usize) -> u64 {
        self.last[i] - self.first[i] + 1
    }

    /// Sets the rates for `slots` ≥ 1 slots and `lambda` requests/s.
    pub fn set_rates(&mut self, slots: u32, lambda: f64, mean_service: f64) {
        if self.rates_for == Some((slots, lambda)) {
            return;
        }
        self.rates_for = Some((slots, lambda));
        self.factored_dt = f64::NAN;
        let a = slots as f64 / mean_service;
        // A vanishing load would make ln ρ infinite: 10⁻¹² of capacity is no load at all.
        let lambda = lambda.max(1e-12 * a);
        let g = (lambda / a).ln();
        let b = erlang_b(slots, lambda * mean_service);
        (self.phase_rate, self.busy, self.g, self.ln_b) = (a, b, g, b.ln());
        let n = self.p.len();
        for i in 1..n {
            let w = self.width(i);
            self.mean[i] = self.first[i] as f64 + geometric_mean_index(w, g);
        }
        let w_last = self.width(n - 1);
        self.full_share = ((w_last - 1) as f64 * g - ln_geometric_sum(w_last, g)).exp();
        self.up[0] = lambda * b;
        self.down[1] = a * (-ln_geometric_sum(self.width(1), g)).exp();
        let ln_ratio_rate = ((g.exp_m1() / g).abs()).ln();
        let ln_ratio_rate = if g == 0.0 { 0.0 } else { ln_ratio_rate };
        for i in 1..n - 1 {
            let (w1, w2) = (self.width(i) as f64, self.width(i + 1) as f64);
            let h = 0.5 * (w1 + w2);
            let ln_r = (self.first[i + 1] - self.first[i]) as f64 * g
                + ln_geometric_sum(self.width(i + 1), g)
                - ln_geometric_sum(self.width(i), g);
            let ln_g = a.ln() + ln_ratio_rate + ln_half_x_over_sinh(h * g)
                - h.ln()
                - 0.5 * (w1.ln() + w2.ln());
            self.up[i] = (ln_g + 0.5 * ln_r).exp();
            self.down[i + 1] = (ln_g - 0.5 * ln_r).exp();
        }
        self.up[n - 1] = 0.0;
        self.down[0] = 0.0;
    }

    /// All mass on the stationary law of the current rates.
    pub fn set_stationary(&mut self) {
        let mut law = std::mem::take(&mut self.scratch);
        self.stationary_into(&mut law);
        self.p.copy_from_slice(&law);
        self.scratch = law;
    }

    /// The stationary law of the current rates: state 0 weighs 1 (the states n ≤ c),
    /// bin i weighs B·Σ_(j in bin) ρ^j.
    fn stationary_into(&self, law: &mut Vec<f64>) {
        let (ln_b, g) = (self.ln_b, self.g);
        law.clear();
        law.extend((0..self.p.len()).map(|i| {
            if i == 0 {
                0.0
            } else {
                ln_b + self.first[i] as f64 * g + ln_geometric_sum(self.width(i), g)
            }
        }));
        let max = law.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let mut sum = 0.0;
        for x in law.iter_mut() {
            *x = (*x - max).exp();
            sum += *x;
        }
        law.iter_mut().for_each(|x| *x /= sum);
    }

    /// All mass on `queue` waiting.
    pub fn set_point(&mut self, queue: u64) {
        self.p.iter_mut().for_each(|p| *p = 0.0);
        let i = if queue == 0 {
            0
        } else {
            self.last.partition_point(|&l| l < queue.min(self.limit))
        };
        self.p[i] = 1.0;
    }

    /// Half the L¹ distance between the chain and the stationary law of its rates.
    pub fn distance_to_stationary(&mut self) -> f64 {
        let mut law = std::mem::take(&mut self.scratch);
        self.stationary_into(&mut law);
        let d = 0.5
            * self
                .p
                .iter()
                .zip(&law)
                .map(|(a, b)| (a - b).abs())
                .sum::<f64>();
        self.scratch = law;
        d
    }

    /// Advances the chain by `dt` seconds.
    pub fn step(&mut self, dt: f64) {
        if dt <= 0.0 {
            return;
        }
        if dt != self.factored_dt {
            self.factor(dt);
        }
        let n = self.p.len();
        // Forward: L·y = p; back: U·x = y.
        for i in 1..n {
            self.p[i] -= self.lower[i] * self.p[i - 1];
        }
        self.p[n - 1] *= self.inv_pivot[n - 1];
        for i in (0..n - 1).rev() {
            self.p[i] = (self.p[i] - self.upper[i] * self.p[i + 1]) * self.inv_pivot[i];
        }
        // Rounding only: keep the mass at 1 and nothing below 0.
        let mut sum = 0.0;
        for p in &mut self.p {
            *p = p.max(0.0);
            sum += *p;
        }
        let scale = 1.0 / sum;
        self.p.iter_mut().for_each(|p| *p *= scale);
    }

    /// LU factors of the tridiagonal I − dt·Q (no pivoting: it is column diagonally
    /// dominant).
    fn factor(&mut self, dt: f64) {
        self.factored_dt = dt;
        let n = self.p.len();
        let diag = |i: usize| 1.0 + dt * (self.up[i] + self.down[i]);
        let mut pivot = diag(0);
        self.inv_pivot[0] = 1.0 / pivot;
        for i in 1..n {
            // Row i: −dt·up[i−1] below the diagonal; row i−1: −dt·down[i] above it.
            self.upper[i - 1] = -dt * self.down[i];
            self.lower[i] = -dt * self.up[i - 1] / pivot;
            pivot = diag(i) - self.lower[i] * self.upper[i - 1];
            self.inv_pivot[i] = 1.0 / pivot;
        }
    }

    /// The slots the rates are for.
    pub fn slots(&self) -> u32 {
        self.rates_for.map_or(0, |(slots, _)| slots)
    }

    /// Mean number waiting.
    pub fn mean_queue(&self) -> f64 {
        self.p
            .iter()
            .zip(&self.mean)
            .skip(1)
            .map(|(p, m)| p * m)
            .sum()
    }

    /// What arrivals see now.
    pub fn see(&self) -> Seen {
        let n = self.p.len();
        let p_full = self.p[n - 1] * self.full_share;
        let keep = 1.0 - p_full;
        let mut mean_queue = 0.0;
        let mut waiting = self.p[0] * self.busy;
        let mut phases = waiting;
        for i in 1..n {
            let p = self.p[i];
            mean_queue += p * self.mean[i];
            let admitted = if i == n - 1 { p - p_full } else { p };
            waiting += admitted;
            phases += admitted * (self.mean[i] + 1.0);
        }
        if keep <= 0.0 {
            return Seen {
                p_full,
                mean_queue,
                p_wait: 1.0,
                mean_wait: (self.limit as f64 + 1.0) / self.phase_rate,
            };
        }
        Seen {
            p_full,
            mean_queue,
            p_wait: waiting / keep,
            mean_wait: phases / keep / self.phase_rate,
        }
    }

    /// Books `served` requests on the states as admitted arrivals find them now.
    pub fn book(&mut self, served: f64) {
        let n = self.p.len();
        let p_full = self.p[n - 1] * self.full_share;
        let keep = 1.0 - p_full;
        if keep <= 0.0 {
            return;
        }
        let scale = served / keep;
        for (b, p) in self.book.iter_mut().zip(&self.p) {
            *b += p * scale;
        }
        self.book[n - 1] -= p_full * scale;
    }

    /// The admitted arrivals booked since the last call, as (phases of rate cμ to wait,
    /// requests): none or one for state 0 (all slots busy), the bins' mean + 1 after.
    pub fn take_book(&mut self) -> Vec<(f64, f64)> {
        let mut out = Vec::new();
        for i in 0..self.book.len() {
            let n = std::mem::take(&mut self.book[i]);
            if n <= 0.0 {
                continue;
            }
            if i == 0 {
                out.push((0.0, n * (1.0 - self.busy)));
                out.push((1.0, n * self.busy));
            } else {
                out.push((self.mean[i] + 1.0, n));
            }
        }
        out
    }
}

/// ln((x/2)/sinh(x/2)), 0 at x = 0, without overflow for large |x|.
fn ln_half_x_over_sinh(x: f64) -> f64 {
    let y = 0.5 * x.abs();
    if y < 1e-8 {
        return 0.0;
    }
    // sinh y = e^y·(1 − e^−2y)/2
    y.ln() - (y + (-(-2.0 * y).exp()).ln_1p() - std::f64::consts::LN_2)
}

/// The bins of a room of `limit` places: (first, last) queue lengths, index 0 a
/// placeholder for "nobody waits". One place each up to [`MAX_BINS`] − 1 places; else
/// widths ⌊γ^k⌋ from both ends inwards, γ the least growth that fits in [`MAX_BINS`].
fn bins(limit: u64) -> (Vec<u64>, Vec<u64>) {
    let layout = |growth: f64| -> Vec<(u64, u64)> {
        let (mut lower, mut upper) = (Vec::new(), Vec::new());
        let (mut a, mut b) = (1u64, limit);
        let mut width = 1.0f64;
        while a <= b {
            let w = (width.floor() as u64).max(1);
            if b - a < 2 * w {
                lower.push((a, b));
                break;
            }
            lower.push((a, a + w - 1));
            upper.push((b + 1 - w, b));
            a += w;
            b -= w;
            width *= growth;
        }
        lower.extend(upper.into_iter().rev());
        lower
    };
    let layout = if limit < MAX_BINS as u64 {
        (1..=limit).map(|q| (q, q)).collect()
    } else {
        let (mut lo, mut hi) = (1.0f64, 2.0f64);
        for _ in 0..60 {
            let mid = 0.5 * (lo + hi);
            if layout(mid).len() < MAX_BINS {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        layout(hi)
    };
    let mut first = vec![0];
    let mut last = vec![0];
    for (a, b) in layout {
        first.push(a);
        last.push(b);
    }
    (first, last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytic::MMcK;

    #[test]
    fn bins_cover_the_room_once() {
        for limit in [1u64, 5, 127, 128, 1_000, 5_000, 100_000_000] {
            let (first, last) = bins(limit);
            assert!(first.len() <= MAX_BINS, "{limit}: {}", first.len());
            assert_eq!((first[1], *last.last().unwrap()), (1, limit));
            for i in 1..first.len() - 1 {
                assert_eq!(last[i] + 1, first[i + 1], "{limit}");
            }
            // Single places at both ends.
            assert_eq!(first[1], last[1]);
            assert_eq!(first[first.len() - 1], last[last.len() - 1], "{limit}");
        }
    }

    /// The chain's stationary law, summed over bins, is the M/M/c/K law; stepping it
    /// leaves it in place; and from any start it gets there.
    #[test]
    fn stationary_law_is_mmck_and_is_reached() {
        for (c, lambda, limit) in [
            (8u32, 72.0, 20u64),
            (8, 80.08, 20),
            (8, 100.0, 20),
            (1, 10.2, 1_000),
            (50, 495.0, 1_000),
            (8, 88.0, 5_000),
        ] {
            let q = MMcK {
                servers: c,
                arrival_rate: lambda,
                mean_service: 0.1,
                queue_limit: limit,
            };
            let mut chain = Chain::new(limit);
            chain.set_rates(c, lambda, 0.1);
            chain.set_stationary();
            let seen = chain.see();
            let what = format!("c {c}, λ {lambda}, N {limit}");
            let rel = |a: f64, b: f64| (a - b).abs() / b.max(1e-9);
            assert!(rel(seen.p_full, q.p_block()) < 1e-9, "{what}: {seen:?}");
            assert!(rel(seen.mean_queue, q.mean_queue()) < 1e-9, "{what}");
            assert!(rel(seen.p_wait, q.p_wait()) < 1e-9, "{what}");
            assert!(rel(seen.mean_wait, q.mean_wait()) < 1e-9, "{what}");
            chain.step(1.0);
            assert!(chain.distance_to_stationary() < 1e-9, "{what}");
            chain.set_point(0);
            for _ in 0..200_000 {
                chain.step(1.0);
                if chain.distance_to_stationary() < 1e-6 {
                    break;
                }
            }
            assert!(chain.distance_to_stationary() < 1e-6, "{what}");
        }
    }

    /// The lumped chain drifts at λ − cμ and spreads at (λ + cμ)/2 like the queue:
    /// a room of 5,000 places at ρ = 1.01 on 80 slots, from empty, for 200 s.
    #[test]
    fn lumped_chain_moves_like_the_queue() {
        let (c, lambda) = (80u32, 808.0);
        let mut chain = Chain::new(5_000);
        chain.set_rates(c, lambda, 0.1);
        chain.set_point(2_000);
        let before = chain.mean_queue();
        for _ in 0..200 {
            chain.step(1.0);
        }
        let moved = chain.mean_queue() - before;
        assert!((moved - 8.0 * 200.0).abs() < 0.05 * 1_600.0, "{moved}");
    }
}
