//! Elasticity metrics (issue #13): how closely a policy's ready servers follow the servers
//! its traffic needs, evaluated per sample interval.
//!
//! # Demand
//!
//! The demand `d` of an interval is the fewest servers whose M/M/c queue — `c` = slots per
//! server × servers, the interval's mean arrival rate λ, the scenario's mean service time
//! E\[S\], offered load A = λ·E\[S\] — keeps the probability that a request waits longer
//! than the SLO leaves for queueing at or under `slo_target`:
//!
//! `P(Wq > SLO − E[S]) = C(c, A)·exp(−(c − A)·(SLO − E[S])/E[S]) ≤ slo_target`,
//!
//! with C the Erlang C probability of waiting ([`crate::analytic`]). This is exact for
//! exponential service and an approximation otherwise (the M/M/c wait tail of a queue with
//! the same mean service time). Conventions:
//!
//! - **SLO ≤ E\[S\]**: no wait at all is affordable, so the condition becomes
//!   `P(Wq > 0) = C(c, A) ≤ slo_target` — the Erlang C probability of waiting itself.
//!   (Requests whose own service outlasts the SLO miss whatever the fleet; queueing is the
//!   only part capacity can remove.)
//! - The queue must be stable (c > A); with `slo_target ≥ 1` demand is the fewest servers
//!   that keep it stable.
//! - A rate of 0 needs 0 servers.
//! - The search stops at `max_servers`: if even that many miss the target, [`Demand`]
//!   reports `max_servers` with `capped` set (also at once for `slo_target ≤ 0`, which no
//!   finite fleet meets while there is load, and for 0 slots per server).
//!
//! # Metrics
//!
//! SPEC Research Group definitions: N. Herbst, A. Bauer, S. Kounev et al., "Quantifying
//! Cloud Performance and Dependability: Taxonomy, Metric Design, and Emerging Challenges",
//! ACM TOMPECS 3(4), 2018 (elasticity metrics), which refines SPEC RG technical report
//! SPEC-RG-2016-01, "Ready for Rain? A View from SPEC Research on the Future of Cloud
//! Metrics"; cross-checked against the authors' reference implementation in the BUNGEE
//! elasticity benchmark (classes `Instability`, `Jitter`, `AbstractScaleEvents`,
//! `AbstractAreaDuration`) and against the independent implementation by Ilyushkin et
//! al. ("An Experimental Performance Evaluation of Autoscaling Policies for Complex
//! Workflows", ACM TOMPECS, 2018). Over T equal intervals of Δ seconds with demand `d_t` and
//! supply `s_t` (the time-averaged ready servers):
//!
//! - `θU = 100/T · Σ_t (d_t − s_t)⁺ / max(d_t, 1)` — under-provisioning accuracy, %:
//!   the missing servers relative to demand, averaged over time.
//! - `θO = 100/T · Σ_t (s_t − d_t)⁺ / max(d_t, 1)` — over-provisioning accuracy, %.
//! - `τU = 100/T · Σ_t [d_t > s_t]`, `τO = 100/T · Σ_t [s_t > d_t]` — timeshares, %.
//! - `ν = 100/(T − 1) · Σ_{t=2..T} min(|sgn Δs_t − sgn Δd_t|, 1)` with `Δx_t = x_t − x_{t−1}`
//!   — instability, %: the share of interval boundaries at which supply and demand do not
//!   move in the same direction (one moves and the other does not, or they move in
//!   opposite directions). It is the sum of the two one-sided shares (supply trending
//!   above demand, `min((sgn Δs − sgn Δd)⁺, 1)`, and below it); BUNGEE's 2016 code
//!   computes the first, `min(max(sig_supply − sig_demand, 0), 1)·time` over the
//!   duration of all but one step, and Ilyushkin et al. report both as k and k′.
//! - `j = (E_S − E_D) / (T·Δ in hours)` — jitter, adaptations per hour, with
//!   `E_S = Σ_{t≥2} |Δs_t|` and `E_D = Σ_{t≥2} |Δd_t|`: a change of several servers counts
//!   once per server, as BUNGEE counts scale events (`scaleUpEvents += amountDiff`) and
//!   divides `(supplyEventSum − demandEventSum)` by the duration. Positive: the policy
//!   adapts more often than demand changes (oscillation); negative: it adapts less
//!   (sluggish). Counting server-units rather than intervals that changed keeps the
//!   averaged supply honest: one server added mid-interval shows as two half steps.
//!
//! **d = 0.** The paper normalises θ by `d_t`; the reference implementations divide by
//! `d_t` unguarded (in BUNGEE demand never drops below one VM), so `d_t = 0` is undefined
//! there. provsim normalises by `max(d_t, 1)`: a server kept for no demand weighs as much as one
//! server too many over a demand of one. Under-provisioning is impossible at `d_t = 0`.
//!
//! Differences and changes within [`EQUAL_WITHIN`] servers count as none: time-averaged
//! supplies carry floating-point noise far below any real change.

use crate::analytic::ErlangSweep;
use crate::engine::to_seconds;
use crate::scenario::Scenario;
use crate::scenario::check::largest_fleet;
use crate::simulation::Outcome;

/// Fills in what needs every sample of a run: each sample's `demand_servers` and each
/// policy's elasticity columns.
///
/// Demand comes from the interval's offered rate (the mean of λ(t), so it is the same for
/// every policy, fidelity and replication); supply is the interval's mean serving
/// capacity in servers (serving slots ÷ slots per server: a warming server counts for
/// its warm-up capacity, a draining one until it empties).
pub(crate) fn annotate(scenario: &Scenario, outcome: &mut Outcome) {
    let service = &scenario.service;
    let mean = service.service_time.mean();
    let slots = service.slots_per_server;
    let slo = to_seconds(service.slo);
    let most = largest_fleet(slots) as u32;
    let Some(first) = outcome.policies.first() else {
        return;
    };
    let mut last: Option<(f64, u32)> = None;
    let demand: Vec<u32> = first
        .series
        .iter()
        .map(|s| {
            // Consecutive intervals often share a rate (a flat load, a trace's hour).
            if let Some((rate, d)) = last
                && rate == s.offered_rate
            {
                return d;
            }
            let d =
                demand_servers(s.offered_rate, mean, slots, slo, service.slo_target, most).servers;
            last = Some((s.offered_rate, d));
            d
        })
        .collect();
    let demand_f: Vec<f64> = demand.iter().map(|&d| f64::from(d)).collect();
    let interval = to_seconds(scenario.sample_every);
    for p in &mut outcome.policies {
        for (s, &d) in p.series.iter_mut().zip(&demand) {
            s.demand_servers = d;
        }
        let supply: Vec<f64> = p
            .series
            .iter()
            .map(|s| s.capacity_rate * mean / f64::from(slots))
            .collect();
        let n = supply.len().min(demand_f.len());
        let e = elasticity(&demand_f[..n], &supply[..n], interval);
        let summary = &mut p.summary;
        summary.under_provision_accuracy = e.under_provision_accuracy;
        summary.over_provision_accuracy = e.over_provision_accuracy;
        summary.under_provision_timeshare = e.under_provision_timeshare;
        summary.over_provision_timeshare = e.over_provision_timeshare;
        summary.instability = e.instability;
        summary.jitter_per_hour = e.jitter_per_hour;
    }
}

/// Supply and demand closer than this many servers are equal; smaller changes are none.
pub(crate) const EQUAL_WITHIN: f64 = 1e-9;

/// The demand of one interval: the fewest servers meeting the wait-tail target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Demand {
    /// Servers needed; `max_servers` when `capped`.
    pub(crate) servers: u32,
    /// Even `max_servers` miss the target (the true demand is larger).
    pub(crate) capped: bool,
}

/// The fewest servers whose M/M/c queue (c = `slots_per_server` × servers) at
/// `rate_per_s` requests per second with mean service `mean_service_s` keeps
/// `P(wait > slo_s − mean_service_s) ≤ slo_target`; see the [module docs](self) for the
/// SLO ≤ mean-service rule, stability and the cap at `max_servers`. 0 for a rate of 0.
///
/// Cost: O(√A) for A = λ·E\[S\] Erlangs ([`ErlangSweep`] starts the Erlang B recursion just
/// below the load and walks up one slot at a time to the answer), independent of how
/// large `max_servers` is unless the target cannot be met.
pub(crate) fn demand_servers(
    rate_per_s: f64,
    mean_service_s: f64,
    slots_per_server: u32,
    slo_s: f64,
    slo_target: f64,
    max_servers: u32,
) -> Demand {
    let load = rate_per_s * mean_service_s;
    if load.is_nan() || load <= 0.0 {
        return Demand {
            servers: 0,
            capped: false,
        };
    }
    let capped = Demand {
        servers: max_servers,
        capped: true,
    };
    let slots = u64::from(slots_per_server);
    if slots == 0 || slo_target.is_nan() || slo_target <= 0.0 {
        return capped;
    }
    // SLO ≤ E[S]: any wait misses, so the tail at t = 0 (Erlang C) is what must be met.
    let t = (slo_s - mean_service_s).max(0.0);
    // The fewest servers with c > A (float division may be one off at exact multiples).
    let mut first = (load / slots as f64).floor() as u64 + 1;
    while ((first * slots) as f64) <= load {
        first += 1;
    }
    while first > 1 && (((first - 1) * slots) as f64) > load {
        first -= 1;
    }
    if first > u64::from(max_servers) {
        return capped;
    }
    let mut sweep = ErlangSweep::new(load, first * slots);
    for servers in first..=u64::from(max_servers) {
        sweep.advance_to(servers * slots);
        if sweep.p_wait_exceeds(t, mean_service_s) <= slo_target {
            return Demand {
                servers: servers as u32,
                capped: false,
            };
        }
    }
    capped
}

/// The six elasticity metrics of one policy over a run (see the [module docs](self)).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct Elasticity {
    /// θU, %: servers missing relative to demand, averaged over intervals.
    pub(crate) under_provision_accuracy: f64,
    /// θO, %: servers in excess relative to demand, averaged over intervals.
    pub(crate) over_provision_accuracy: f64,
    /// τU, %: share of intervals with supply below demand.
    pub(crate) under_provision_timeshare: f64,
    /// τO, %: share of intervals with supply above demand.
    pub(crate) over_provision_timeshare: f64,
    /// ν, %: share of interval boundaries at which supply and demand do not move in the
    /// same direction.
    pub(crate) instability: f64,
    /// j: supply adaptations − demand adaptations (in servers), per hour.
    pub(crate) jitter_per_hour: f64,
}

/// The elasticity metrics of `supply` (time-averaged ready servers per interval) against
/// `demand` (servers needed per interval), intervals of `interval_s` seconds. The slices
/// must have equal lengths; empty input gives zeros, and so does a single interval for ν.
pub(crate) fn elasticity(demand: &[f64], supply: &[f64], interval_s: f64) -> Elasticity {
    assert_eq!(
        demand.len(),
        supply.len(),
        "demand and supply must cover the same intervals"
    );
    let n = demand.len();
    if n == 0 {
        return Elasticity::default();
    }
    let (mut under, mut over) = (0.0, 0.0);
    let (mut under_intervals, mut over_intervals) = (0u64, 0u64);
    for (&d, &s) in demand.iter().zip(supply) {
        let gap = s - d;
        if gap > EQUAL_WITHIN {
            over += gap / d.max(1.0);
            over_intervals += 1;
        } else if gap < -EQUAL_WITHIN {
            under += -gap / d.max(1.0);
            under_intervals += 1;
        }
    }
    let (mut mismatched, mut supply_moves, mut demand_moves) = (0u64, 0.0, 0.0);
    for t in 1..n {
        let (dd, ds) = (demand[t] - demand[t - 1], supply[t] - supply[t - 1]);
        if trend(dd) != trend(ds) {
            mismatched += 1;
        }
        demand_moves += moved(dd);
        supply_moves += moved(ds);
    }
    let intervals = n as f64;
    let hours = intervals * interval_s / 3600.0;
    Elasticity {
        under_provision_accuracy: 100.0 * under / intervals,
        over_provision_accuracy: 100.0 * over / intervals,
        under_provision_timeshare: 100.0 * under_intervals as f64 / intervals,
        over_provision_timeshare: 100.0 * over_intervals as f64 / intervals,
        instability: if n > 1 {
            100.0 * mismatched as f64 / (n - 1) as f64
        } else {
            0.0
        },
        jitter_per_hour: if hours > 0.0 {
            (supply_moves - demand_moves) / hours
        } else {
            0.0
        },
    }
}

/// sgn of a change, with changes within [`EQUAL_WITHIN`] counted as none.
fn trend(change: f64) -> i8 {
    if change > EQUAL_WITHIN {
        1
    } else if change < -EQUAL_WITHIN {
        -1
    } else {
        0
    }
}

/// The size of a change in servers (adaptations), 0 within [`EQUAL_WITHIN`].
fn moved(change: f64) -> f64 {
    if change.abs() > EQUAL_WITHIN {
        change.abs()
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytic::MMc;

    fn close(got: f64, want: f64) {
        assert!((got - want).abs() <= 1e-12, "got {got}, want {want}");
    }

    fn check(got: Elasticity, want: [f64; 6]) {
        close(got.under_provision_accuracy, want[0]);
        close(got.over_provision_accuracy, want[1]);
        close(got.under_provision_timeshare, want[2]);
        close(got.over_provision_timeshare, want[3]);
        close(got.instability, want[4]);
        close(got.jitter_per_hour, want[5]);
    }

    fn servers(rate: f64, es: f64, slots: u32, slo: f64, target: f64) -> u32 {
        let d = demand_servers(rate, es, slots, slo, target, 1_000_000);
        assert!(!d.capped, "{rate} {es} {slots} {slo} {target}");
        d.servers
    }

    #[test]
    fn double_supply_is_all_over_provisioning() {
        // d = 2 throughout, s = 4: (4 − 2)/2 = 100 % too many, all of the time; nothing
        // moves, so ν = 0 and j = 0.
        let e = elasticity(&[2.0; 5], &[4.0; 5], 60.0);
        check(e, [0.0, 100.0, 0.0, 100.0, 0.0, 0.0]);
    }

    #[test]
    fn exact_supply_gives_zeros() {
        let d = [1.0, 3.0, 3.0, 0.0, 2.0, 7.0];
        check(elasticity(&d, &d, 60.0), [0.0; 6]);
        // Floating-point noise of a time average is not a mismatch or an adaptation.
        let s: Vec<f64> = d.iter().map(|x| x + 1e-12).collect();
        check(elasticity(&d, &s, 60.0), [0.0; 6]);
        assert_eq!(elasticity(&[], &[], 60.0), Elasticity::default());
    }

    #[test]
    fn supply_one_interval_late_by_hand() {
        // Six 60 s intervals (T = 6, 0.1 h). Demand steps up 2 → 4 and back; supply follows
        // one interval late:
        //   t     1  2  3  4  5  6
        //   d     2  2  4  4  2  2
        //   s     2  2  2  4  4  2
        //   s − d 0  0 −2  0 +2  0
        // θU = 100/6 · (2/4) = 8.333… %      θO = 100/6 · (2/2) = 16.666… %
        // τU = 100/6 · 1 = 16.666… %          τO = 100/6 · 1 = 16.666… %
        // Boundaries t = 2..6: Δd = 0 +2 0 −2 0, Δs = 0 0 +2 0 −2; the directions differ at
        // t = 3, 4, 5, 6: ν = 100 · 4/5 = 80 %.
        // E_S = 2 + 2 = 4 = E_D: j = (4 − 4)/0.1 h = 0.
        let d = [2.0, 2.0, 4.0, 4.0, 2.0, 2.0];
        let s = [2.0, 2.0, 2.0, 4.0, 4.0, 2.0];
        let e = elasticity(&d, &s, 60.0);
        check(
            e,
            [50.0 / 6.0, 100.0 / 6.0, 100.0 / 6.0, 100.0 / 6.0, 80.0, 0.0],
        );
    }

    #[test]
    fn oscillating_supply_has_positive_jitter() {
        // Five 30 s intervals (T·Δ = 150 s = 1/24 h), constant demand 3, supply flapping:
        //   d 3 3 3 3 3, s 3 4 3 4 3
        // θO = 100/5 · (1/3 + 1/3) = 13.333… %, τO = 100 · 2/5 = 40 %, θU = τU = 0.
        // Every boundary has supply moving and demand flat: ν = 100 %.
        // E_S = 4, E_D = 0: j = 4 · 24 = 96 per hour.
        let e = elasticity(&[3.0; 5], &[3.0, 4.0, 3.0, 4.0, 3.0], 30.0);
        check(e, [0.0, 40.0 / 3.0, 0.0, 40.0, 100.0, 96.0]);
        // A sluggish policy: demand 1 → 3 → 1 in single-server steps, supply never moves.
        // E_S = 0, E_D = 4 over 5 intervals of 360 s (0.5 h): j = −8 per hour.
        // θU = 100/5 · (1/2 + 2/3 + 1/2) = 33.333… %, τU = 60 %.
        // Boundaries: demand moves at all four, supply at none: ν = 100 %.
        let e = elasticity(&[1.0, 2.0, 3.0, 2.0, 1.0], &[1.0; 5], 360.0);
        check(
            e,
            [
                100.0 / 5.0 * (0.5 + 2.0 / 3.0 + 0.5),
                0.0,
                60.0,
                0.0,
                100.0,
                -8.0,
            ],
        );
    }

    #[test]
    fn zero_demand_normalises_by_one_server() {
        // d = 0, s = 1 then 2: θO = 100/2 · (1/1 + 2/1) = 150 %, τO = 100 %.
        // Supply moves up at the only boundary, demand does not: ν = 100 %;
        // E_S = 1 over 2 × 1800 s (1 h): j = 1.
        let e = elasticity(&[0.0, 0.0], &[1.0, 2.0], 1800.0);
        check(e, [0.0, 150.0, 0.0, 100.0, 100.0, 1.0]);
    }

    #[test]
    #[should_panic(expected = "same intervals")]
    fn unequal_lengths_are_a_bug() {
        elasticity(&[1.0, 2.0], &[1.0], 60.0);
    }

    #[test]
    fn mm1_by_hand() {
        // One slot per server, λ = 5/s, E[S] = 0.1 s (μ = 10), SLO 0.3 s: t = 0.2 s.
        // c = 1 (M/M/1): P(W > t) = ρ·e^{−(μ−λ)t} = 0.5·e^{−1} = 0.18394.
        // c = 2, A = 0.5: C = A²/(2 + A) = 0.1, P(W > t) = 0.1·e^{−(2 − 0.5)·0.2/0.1} = 0.1·e^{−3}.
        let (p1, p2) = (0.5 * (-1.0f64).exp(), 0.1 * (-3.0f64).exp());
        assert!((ErlangSweep::new(0.5, 1).p_wait_exceeds(0.2, 0.1) - p1).abs() < 1e-15);
        assert!((ErlangSweep::new(0.5, 2).p_wait_exceeds(0.2, 0.1) - p2).abs() < 1e-15);
        assert_eq!(servers(5.0, 0.1, 1, 0.3, 0.19), 1);
        assert_eq!(servers(5.0, 0.1, 1, 0.3, p1 * 1.000_001), 1);
        assert_eq!(servers(5.0, 0.1, 1, 0.3, p1 * 0.999_999), 2);
        assert_eq!(servers(5.0, 0.1, 1, 0.3, 0.18), 2);
        assert_eq!(servers(5.0, 0.1, 1, 0.3, p2 * 1.000_001), 2);
        assert_eq!(servers(5.0, 0.1, 1, 0.3, p2 * 0.999_999), 3);
    }

    #[test]
    fn multi_slot_by_table_and_slo_within_service() {
        // 10 slots per server, 80/s × 100 ms = 8 Erlangs: one server has C(10, 8) = 0.409180
        // (tabulated). SLO = E[S] leaves no time to wait, so the target applies to C itself;
        // an SLO below E[S] is the same condition.
        for slo in [0.1, 0.05] {
            assert_eq!(servers(80.0, 0.1, 10, slo, 0.41), 1);
            assert_eq!(servers(80.0, 0.1, 10, slo, 0.40), 2);
        }
        // 8 slots: one server is exactly saturated (A = c), so at least 2 even for a
        // target of 1 (stability).
        assert_eq!(servers(80.0, 0.1, 8, 0.5, 1.0), 2);
        assert_eq!(servers(80.0, 0.1, 8, 0.5, 5.0), 2);
    }

    /// P(Wq > t) of M/M/c from the textbook sums, in log space: independent of the
    /// Erlang B recursion.
    fn tail_by_definition(c: u64, a: f64, t: f64, es: f64) -> f64 {
        let cf = c as f64;
        if a >= cf {
            return 1.0;
        }
        let mut ln_terms = Vec::with_capacity(c as usize + 1);
        let mut ln_fact = 0.0;
        for k in 0..=c {
            if k > 0 {
                ln_fact += (k as f64).ln();
            }
            ln_terms.push(k as f64 * a.ln() - ln_fact);
        }
        let ln_last = ln_terms[c as usize] + (cf / (cf - a)).ln();
        let max = ln_terms.iter().cloned().fold(ln_last, f64::max);
        let below: f64 = ln_terms[..c as usize].iter().map(|x| (x - max).exp()).sum();
        let last = (ln_last - max).exp();
        last / (below + last) * (-(cf - a) * t.max(0.0) / es).exp()
    }

    #[test]
    fn matches_brute_force_by_definition() {
        let es = 0.1;
        for rate in [0.3, 7.0, 55.5, 80.0, 123.0, 640.0, 1999.0] {
            for slots in [1u32, 4, 8] {
                for slo in [0.05, 0.1, 0.2, 0.5] {
                    for target in [0.5, 0.1, 0.01, 0.001] {
                        let a = rate * es;
                        let want = (1u64..)
                            .find(|&n| {
                                tail_by_definition(n * slots as u64, a, slo - es, es) <= target
                            })
                            .unwrap();
                        let got = servers(rate, es, slots, slo, target);
                        assert_eq!(u64::from(got), want, "{rate} {slots} {slo} {target}");
                    }
                }
            }
        }
    }

    #[test]
    fn matches_analytic_mmc_at_large_loads() {
        // 5,000 Erlangs on 8-slot servers: the warm-started sweep against MMc, whose
        // Erlang B recursion starts from 0 for every candidate.
        let (rate, es, slots, slo, target) = (50_000.0, 0.1, 8u32, 0.5, 0.01);
        let want = (1u32..)
            .find(|&n| {
                let q = MMc {
                    servers: n * slots,
                    arrival_rate: rate,
                    mean_service: es,
                };
                q.p_wait_exceeds(slo - es) <= target
            })
            .unwrap();
        assert_eq!(servers(rate, es, slots, slo, target), want);
        assert!(want > 625 && want < 700, "{want}");
    }

    #[test]
    fn zero_rate_monotone_and_capped() {
        let none = Demand {
            servers: 0,
            capped: false,
        };
        assert_eq!(demand_servers(0.0, 0.1, 8, 0.5, 0.01, 10), none);
        assert_eq!(demand_servers(0.0, 0.1, 8, 0.5, 0.0, 0), none);
        // Monotone in the rate, over small and large loads.
        let mut last = 0;
        let mut rate = 0.0;
        while rate < 200_000.0 {
            let n = servers(rate, 0.1, 8, 0.5, 0.01);
            assert!(n >= last, "{rate}: {n} < {last}");
            last = n;
            rate = rate * 1.01 + 0.37;
        }
        // Not enough servers allowed, or targets no finite fleet meets: capped.
        let capped = |servers| Demand {
            servers,
            capped: true,
        };
        // 100 Erlangs on 8-slot servers: 13 servers (104 slots) are the fewest stable.
        assert_eq!(demand_servers(1000.0, 0.1, 8, 0.5, 0.01, 3), capped(3));
        assert_eq!(demand_servers(1000.0, 0.1, 8, 0.5, 0.01, 12), capped(12));
        // With 0.4 s to wait, 13 suffice (C·e^−16); with none, C(104, 100) ≫ 1 %.
        assert_eq!(
            demand_servers(1000.0, 0.1, 8, 0.5, 0.01, 13),
            Demand {
                servers: 13,
                capped: false
            }
        );
        assert_eq!(demand_servers(1000.0, 0.1, 8, 0.1, 0.01, 13), capped(13));
        let enough = demand_servers(1000.0, 0.1, 8, 0.1, 0.01, 1_000);
        assert!(!enough.capped && enough.servers > 13, "{enough:?}");
        let n = enough.servers;
        assert_eq!(demand_servers(1000.0, 0.1, 8, 0.1, 0.01, n), enough);
        assert_eq!(
            demand_servers(1000.0, 0.1, 8, 0.1, 0.01, n - 1),
            capped(n - 1)
        );
        assert_eq!(demand_servers(1.0, 0.1, 8, 0.5, 0.0, 3), capped(3));
        assert_eq!(demand_servers(1.0, 0.1, 0, 0.5, 0.01, 3), capped(3));
    }

    /// Speed: `cargo test --lib elasticity -- --ignored --nocapture` (the test profile is
    /// optimised).
    #[test]
    #[ignore]
    fn demand_servers_speed() {
        let n = 100_000;
        let linear: Vec<f64> = (0..n)
            .map(|i| 1.0 + 99_999.0 * i as f64 / (n - 1) as f64)
            .collect();
        let log: Vec<f64> = (0..n)
            .map(|i| 10f64.powf(5.0 * i as f64 / (n - 1) as f64))
            .collect();
        for (name, rates) in [("linear", &linear), ("log-spaced", &log)] {
            let start = std::time::Instant::now();
            let total: u64 = rates
                .iter()
                .map(|&r| u64::from(demand_servers(r, 0.1, 8, 0.5, 0.01, 1_000_000).servers))
                .sum();
            let elapsed = start.elapsed();
            println!(
                "{n} intervals, {name} rates 1–100,000/s, 100 ms, 8 slots: {elapsed:?} \
                 ({:.2} µs each; mean demand {:.1} servers)",
                elapsed.as_secs_f64() * 1e6 / n as f64,
                total as f64 / n as f64
            );
        }
    }
}
