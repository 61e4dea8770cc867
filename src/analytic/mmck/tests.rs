//! The M/M/c/K closed forms against cases worked by hand, the law summed state by state,
//! a brute-force convolution of the response time, and the M/M/c limit.

use super::super::MMc;
use super::*;

fn close(got: f64, want: f64, tol: f64) {
    assert!(
        (got - want).abs() <= tol,
        "got {got}, want {want} (± {tol})"
    );
}

fn queue(servers: u32, arrival_rate: f64, mean_service: f64, queue_limit: u64) -> MMcK {
    MMcK {
        servers,
        arrival_rate,
        mean_service,
        queue_limit,
    }
}

/// π_n up to a constant, n = 0..c + `limit`: π_n = π_(n−1)·A / min(n, c).
fn unnormalised_states(c: u32, a: f64, limit: u64) -> Vec<f64> {
    let mut pi = vec![1.0];
    for n in 1..=(c as u64 + limit) {
        pi.push(pi[n as usize - 1] * a / (n as f64).min(c as f64));
    }
    pi
}

/// The law summed state by state from its definition: (blocking, P(wait), mean wait
/// in phases, mean queue).
fn by_states(c: u32, a: f64, limit: u64) -> (f64, f64, f64, f64) {
    let pi = unnormalised_states(c, a, limit);
    let total: f64 = pi.iter().sum();
    let full = pi[pi.len() - 1] / total;
    let admitted = 1.0 - full;
    let (mut wait, mut phases, mut queue) = (0.0, 0.0, 0.0);
    for (n, p) in pi.iter().enumerate() {
        let p = p / total;
        let j = n as f64 - c as f64;
        if j >= 0.0 {
            queue += p * j;
            if (n as u64) < c as u64 + limit {
                wait += p;
                phases += p * (j + 1.0);
            }
        }
    }
    (full, wait / admitted, phases / admitted, queue)
}

#[test]
fn closed_forms_match_the_states_summed_one_by_one() {
    for (c, a, limit) in [
        (1, 0.5, 1),
        (1, 1.0, 3),
        (1, 2.0, 3),
        (3, 2.9, 0),
        (3, 3.0, 7),
        (8, 8.008, 20),
        (8, 7.2, 5),
        (10, 25.0, 12),
        (50, 49.5, 100),
        (50, 50.0, 100),
    ] {
        let q = queue(c, a, 1.0, limit);
        let (full, wait, phases, lq) = by_states(c, a, limit);
        let what = format!("c {c}, A {a}, N {limit}");
        assert!((q.p_block() - full).abs() < 1e-12, "{what}");
        assert!((q.p_wait() - wait).abs() < 1e-12, "{what}");
        assert!((q.mean_wait() - phases / c as f64).abs() < 1e-11, "{what}");
        assert!((q.mean_queue() - lq).abs() < 1e-9 * lq.max(1.0), "{what}");
        assert!((q.wait().mean() - q.mean_wait()).abs() < 1e-12, "{what}");
    }
}

#[test]
fn reduces_to_erlang_b_and_to_mmc() {
    let loss = queue(10, 80.0, 0.1, 0);
    close(loss.p_block(), 0.121661, 1e-6);
    assert_eq!(loss.p_wait(), 0.0);
    assert_eq!(loss.mean_wait(), 0.0);
    assert_eq!(loss.wait().quantile(0.99), 0.0);
    let long = MMcK {
        queue_limit: 1_000_000,
        ..loss
    };
    close(long.p_block(), 0.0, 1e-12);
    close(long.p_wait(), 0.409180, 1e-6);
    close(long.mean_wait(), 0.0204590, 1e-7);
    // The wait is then M/M/c's: P(Wq > t) = C·exp(−(c − A)t/E[S]), and its quantiles.
    let mmc = MMc {
        servers: 10,
        arrival_rate: 80.0,
        mean_service: 0.1,
    };
    let wait = long.wait();
    for t in [0.0, 0.01, 0.05, 0.2] {
        close(wait.survival(t), mmc.p_wait_exceeds(t), 1e-9);
    }
    for q in [0.5, 0.9, 0.99, 0.999] {
        close(wait.quantile(q), mmc.wait_quantile(q), 1e-8);
    }
    close(long.mean_queue(), 80.0 * mmc.mean_wait(), 1e-9);
}

#[test]
fn small_cases_by_hand() {
    // M/M/1/2 (one slot, one waiting place), ρ = 0.5: π ∝ 1, ½, ¼ ⇒ blocking 1/7;
    // of the 6/7 admitted, the ½ that find the slot busy wait one service.
    let q = queue(1, 0.5, 1.0, 1);
    close(q.p_block(), 1.0 / 7.0, 1e-12);
    close(q.p_wait(), 1.0 / 3.0, 1e-12);
    close(q.mean_wait(), 1.0 / 3.0, 1e-12);
    close(q.mean_queue(), 1.0 / 7.0, 1e-12);
    // So P(W > t) = e^−t/3, and the response is Exp(1) w.p. 2/3, Erlang(2, 1) w.p.
    // 1/3: P(R > t) = e^−t·(1 + t/3).
    let w = q.wait();
    for t in [0.0f64, 0.3, 1.0, 4.0] {
        close(w.survival(t), (-t).exp() / 3.0, 1e-13);
        close(w.response_survival(t), (-t).exp() * (1.0 + t / 3.0), 1e-13);
    }
    assert_eq!(w.quantile(0.6), 0.0);
    close(w.quantile(0.9), (1.0f64 / 3.0 / 0.1).ln(), 1e-9);
    // Overloaded, ρ = 2 with 3 places: π ∝ 1, 2, 4, 8, 16 ⇒ blocking 16/31; an
    // admitted arrival waits j phases w.p. 1, 2, 4, 8 (÷ 15) for j = 0..3.
    let q = queue(1, 2.0, 1.0, 3);
    close(q.p_block(), 16.0 / 31.0, 1e-12);
    close(q.p_wait(), 14.0 / 15.0, 1e-12);
    close(q.mean_wait(), (2.0 + 8.0 + 24.0) / 15.0, 1e-12);
    let w = q.wait();
    for t in [0.5f64, 2.0, 6.0] {
        let e = (-t).exp();
        // Erlang(j) survival: e^−t Σ_{i<j} t^i/i!
        let want = e * (2.0 + 4.0 * (1.0 + t) + 8.0 * (1.0 + t + t * t / 2.0)) / 15.0;
        close(w.survival(t), want, 1e-13);
    }
    // At saturation on one slot (ρ = 1, 3 places) the states are uniform: each of
    // 0..3 phases w.p. ¼ for an admitted arrival, 1.5 services on average.
    let q = queue(1, 4.0, 0.25, 3);
    close(q.p_block(), 0.2, 1e-12);
    close(q.mean_wait(), 1.5 * 0.25, 1e-12);
    // Two slots, one place: a waiting arrival waits Exp(2μ), then serves Exp(μ):
    // P(R > t) = (1 − P_w)·e^−μt + P_w·(2e^−μt − e^−2μt).
    let q = queue(2, 3.0, 1.0, 1);
    let w = q.wait();
    let pw = q.p_wait();
    for t in [0.1f64, 1.0, 3.0] {
        let (e1, e2) = ((-t).exp(), (-2.0 * t).exp());
        close(
            w.response_survival(t),
            (1.0 - pw) * e1 + pw * (2.0 * e1 - e2),
            1e-13,
        );
        close(w.survival(t), pw * e2, 1e-13);
    }
    // Heavily overloaded with a huge room: blocking → 1 − 1/ρ, no overflow.
    let q = queue(10, 200.0, 0.1, 10_000_000);
    close(q.p_block(), 0.5, 1e-9);
    assert!(q.mean_wait().is_finite());
    close(q.mean_wait(), (10_000_000.0 - 1.0) / 100.0, 1e-3);
}

#[test]
fn quantiles_invert_the_survival_functions() {
    for q in [
        queue(1, 9.0, 0.1, 5),
        queue(8, 80.08, 0.1, 20),
        queue(50, 495.0, 0.1, 1_000),
        queue(50, 1000.0, 0.1, 1_000),
        queue(8, 100.0, 0.1, 0),
    ] {
        let w = q.wait();
        for p in [0.5, 0.95, 0.99, 0.999] {
            let t = w.response_quantile(p);
            close(w.response_survival(t), 1.0 - p, 1e-9);
            if p > 1.0 - w.p_wait() {
                let t = w.quantile(p);
                close(w.survival(t), 1.0 - p, 1e-9);
            }
        }
        // E[W] = ∫ P(W > t) dt, and E[R] = E[W] + E[S].
        let (n, dt) = (4_000, w.quantile(0.999_999) / 4_000.0);
        let area =
            |f: &dyn Fn(f64) -> f64| -> f64 { (0..n).map(|i| f((i as f64 + 0.5) * dt) * dt).sum() };
        close(
            area(&|t| w.survival(t)),
            w.mean(),
            1e-4 * w.mean().max(1e-3),
        );
        let (n, dt) = (8_000, w.response_quantile(0.999_999_9) / 8_000.0);
        let response: f64 = (0..n)
            .map(|i| w.response_survival((i as f64 + 0.5) * dt) * dt)
            .sum();
        close(response, w.mean() + q.mean_service, 1e-4);
    }
}

#[test]
fn closed_form_tail_takes_over_smoothly() {
    // c = 8 at ρ = 0.9: ρ^N = e^−40 at N ≈ 380. Just inside (sums) and just outside
    // (M/M/c's exponential tail) the distributions agree to rounding.
    let g = 0.9f64.ln();
    let n_in = (-40.0 / g).floor() as u64;
    let (inside, outside) = (
        queue(8, 72.0, 0.1, n_in).wait(),
        queue(8, 72.0, 0.1, n_in + 1).wait(),
    );
    assert!(inside.unbounded_rate().is_none() && outside.unbounded_rate().is_some());
    for t in [0.0, 0.05, 0.2, 1.0] {
        close(inside.survival(t), outside.survival(t), 1e-12);
        close(
            inside.response_survival(t),
            outside.response_survival(t),
            1e-12,
        );
    }
    // θ = μ: c = 2, λ = μ.
    let w = queue(2, 1.0, 1.0, 1_000).wait();
    let pw = w.p_wait();
    for t in [0.5f64, 2.0] {
        let e = (-t).exp();
        close(
            w.response_survival(t),
            (1.0 - pw) * e + pw * e * (1.0 + t),
            1e-12,
        );
    }
}

/// The response law against one built independently: the wait's survival summed
/// state by state over Erlang survivals (e^−x Σ_(i<j) x^i/i!), convolved numerically
/// with the exponential service (Simpson's rule).
#[test]
fn response_law_matches_a_brute_force_convolution() {
    for (c, a, limit) in [
        (8u32, 8.008, 20u64),
        (3, 2.5, 7),
        (8, 10.0, 20),
        (1, 0.95, 30),
    ] {
        let q = queue(c, a, 1.0, limit);
        // q_j: an admitted arrival waits j phases of rate c.
        let pi = unnormalised_states(c, a, limit);
        let admitted: f64 = pi[..pi.len() - 1].iter().sum();
        let phases: Vec<f64> = (0..=limit)
            .map(|j| {
                if j == 0 {
                    pi[..c as usize].iter().sum::<f64>() / admitted
                } else {
                    pi[c as usize + j as usize - 1] / admitted
                }
            })
            .collect();
        let wait_survival = |x: f64| -> f64 {
            let rate_x = c as f64 * x;
            (1..=limit as usize)
                .map(|j| {
                    let mut term = (-rate_x).exp();
                    let mut sum = 0.0;
                    for i in 0..j {
                        sum += term;
                        term *= rate_x / (i + 1) as f64;
                    }
                    phases[j] * sum
                })
                .sum()
        };
        let w = q.wait();
        for t in [0.2, 1.0, 2.5, 6.0] {
            close(w.survival(t), wait_survival(t), 1e-12);
            // P(R > t) = e^−t + ∫_0^t e^−s·P(W > t − s) ds.
            let n = 2_000;
            let h = t / n as f64;
            let f = |s: f64| (-s).exp() * wait_survival(t - s);
            let simpson: f64 = (0..=n)
                .map(|i| {
                    let weight = if i == 0 || i == n {
                        1.0
                    } else if i % 2 == 1 {
                        4.0
                    } else {
                        2.0
                    };
                    weight * f(i as f64 * h)
                })
                .sum::<f64>()
                * h
                / 3.0;
            close(w.response_survival(t), (-t).exp() + simpson, 1e-9);
        }
    }
}

#[test]
fn erlang_distribution() {
    // Erlang(1) is Exp(1); Erlang(2): P(> x) = e^−x (1 + x).
    close(erlang_survival(1, 2.0), (-2.0f64).exp(), 1e-15);
    close(erlang_survival(2, 1.5), (-1.5f64).exp() * 2.5, 1e-15);
    close(erlang_quantile(1, 0.99), 100.0f64.ln(), 1e-9);
    assert_eq!(erlang_quantile(0, 0.5), 0.0);
    // Large k: mean k, sd √k, nearly normal: the median sits near k − 1/3.
    let median = erlang_quantile(10_000, 0.5);
    close(median, 10_000.0 - 1.0 / 3.0, 0.01);
    close(
        erlang_survival(10_000, erlang_quantile(10_000, 0.99)),
        0.01,
        1e-9,
    );
}

#[test]
fn series_helpers() {
    close(ln_geometric_sum(3, 2.0f64.ln()), 7.0f64.ln(), 1e-14);
    close(ln_geometric_sum(4, 0.5f64.ln()), 1.875f64.ln(), 1e-14);
    close(ln_geometric_sum(5, 0.0), 5.0f64.ln(), 1e-15);
    close(
        ln_geometric_sum(100_000_000, 1e-3),
        1e5 + (1.0 / 1e-3f64.exp_m1()).ln(),
        1e-6,
    );
    assert_eq!(ln_geometric_sum(0, 0.3), f64::NEG_INFINITY);
    close(
        geometric_mean_index(3, 2.0f64.ln()),
        (2.0 + 8.0) / 7.0,
        1e-14,
    );
    close(geometric_mean_index(1_000, 0.0), 499.5, 1e-12);
    for g in [1e-9, -1e-7, 2e-6, -5e-4] {
        let direct: f64 = {
            let (mut num, mut den) = (0.0, 0.0);
            for i in 0..1_000 {
                let w = (g * i as f64).exp();
                num += w * i as f64;
                den += w;
            }
            num / den
        };
        close(geometric_mean_index(1_000, g), direct, 1e-9);
    }
    close(
        geometric_mean_index(1_000_000, -0.5),
        1.0 / 0.5f64.exp_m1(),
        1e-12,
    );
    close(
        ln_factorial(25),
        (1..=25).map(|k| (k as f64).ln()).sum(),
        1e-13,
    );
}
