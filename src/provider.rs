//! The cloud provider's side of a launch: how long an instance takes to boot, and the
//! limits that make autoscaling lag a spike.
//!
//! - **Boot time** is a constant (`boot_time`) or lognormal (`boot_time` the median,
//!   `boot_time_p95` the 95th percentile): ln T ~ N(ln median, σ²) with
//!   σ = ln(p95 / median) / z₀.₉₅ (z₀.₉₅ = 1.644854). EC2 boot times are right-skewed
//!   like this (Mao & Humphrey 2012 measured a ~97 s mean for Linux with a long tail).
//!   Draws come from their own stream, seeded like the traffic, so every policy's n-th
//!   launch boots for the same time (common random numbers).
//! - **Account quota** (`limits.quota`): instances alive at once (booting, ready or
//!   draining) in the account, as EC2's vCPU-based On-Demand limits count them.
//! - **Launch rate** (`limits.launches_per_minute`): a token bucket of that size refilled
//!   at that rate, as EC2 throttles `RunInstances` (API request token buckets).
//! - **Capacity shortages** (`limits.shortages`): windows in which every launch fails
//!   (`InsufficientInstanceCapacity`).
//!
//! A launch the provider refuses is not forgotten: like an Auto Scaling group whose
//! desired capacity is above what it has, it stays *pending* and is retried every
//! `limits.retry_every` (default 30 s) until granted or no longer wanted. Strategies see
//! pending launches as capacity already asked for (they count with booting servers), so
//! they do not ask twice; a scale-in cancels pending launches first.

use rand::SeedableRng;
use rand_distr::{Distribution, LogNormal};
use rand_pcg::Pcg64Mcg;

use crate::engine::{SECOND, Time, to_seconds};
use crate::scenario::{AutoscaleSpec, ProviderLimits};
use crate::workload::mix_seed;

/// The 95th percentile of the standard normal distribution.
const Z95: f64 = 1.644_853_626_951_472_2;
/// Longest boot a draw may give: a lognormal tail must not push a boot past any horizon.
const MAX_BOOT: Time = 86_400 * SECOND;

enum BootTimes {
    Constant(Time),
    LogNormal(LogNormal<f64>, Pcg64Mcg),
}

pub(crate) struct Provider {
    boot: BootTimes,
    limits: ProviderLimits,
    /// Launch tokens in the bucket, and when it was last refilled.
    tokens: f64,
    refilled_at: Time,
    pending: u32,
    /// Pending launches not tried yet.
    fresh: u32,
    refused: u64,
    retry_scheduled: bool,
}

impl Provider {
    /// The provider of an autoscaling policy; `None` (fixed fleets, leases) launches only
    /// the initial fleet, which is never limited.
    pub(crate) fn new(spec: Option<&AutoscaleSpec>, seed: u64) -> Provider {
        let (boot, limits) = match spec {
            None => (BootTimes::Constant(0), ProviderLimits::default()),
            Some(a) => {
                let boot = match a.boot_time_p95 {
                    Some(p95) if p95 > a.boot_time && a.boot_time > 0 => {
                        let median = to_seconds(a.boot_time);
                        let sigma = (to_seconds(p95) / median).ln() / Z95;
                        // Both are finite and σ > 0: validated durations, p95 > median.
                        match LogNormal::new(median.ln(), sigma) {
                            Ok(d) => BootTimes::LogNormal(
                                d,
                                Pcg64Mcg::seed_from_u64(mix_seed(seed, 0xB007)),
                            ),
                            Err(_) => BootTimes::Constant(a.boot_time),
                        }
                    }
                    _ => BootTimes::Constant(a.boot_time),
                };
                (boot, a.limits.clone())
            }
        };
        Self::with(boot, limits)
    }

    /// A provider with a full launch bucket and nothing pending.
    fn with(boot: BootTimes, limits: ProviderLimits) -> Provider {
        let tokens = limits.launches_per_minute.map_or(0.0, f64::from);
        Provider {
            boot,
            limits,
            tokens,
            refilled_at: 0,
            pending: 0,
            fresh: 0,
            refused: 0,
            retry_scheduled: false,
        }
    }

    /// The boot time of the next launch.
    pub(crate) fn boot_time(&mut self) -> Time {
        match &mut self.boot {
            BootTimes::Constant(t) => *t,
            BootTimes::LogNormal(d, rng) => {
                let seconds: f64 = d.sample(rng);
                ((seconds * 1e6).round() as Time).min(MAX_BOOT)
            }
        }
    }

    /// Launches asked for and not yet granted.
    pub(crate) fn pending(&self) -> u32 {
        self.pending
    }

    /// Launches refused at least once so far (each counts once, however often it was
    /// retried).
    pub(crate) fn refused(&self) -> u64 {
        self.refused
    }

    /// The policy wants `n` more instances.
    pub(crate) fn request(&mut self, n: u32) {
        self.pending = self.pending.saturating_add(n);
        self.fresh = self.fresh.saturating_add(n);
    }

    /// Cancels up to `n` pending launches; returns how many were cancelled.
    pub(crate) fn cancel(&mut self, n: u32) -> u32 {
        let cancelled = n.min(self.pending);
        self.pending -= cancelled;
        self.fresh = self.fresh.min(self.pending);
        cancelled
    }

    /// How many pending launches the provider grants at `now` with `alive` instances in
    /// the account, oldest first; the rest stay pending.
    pub(crate) fn grant(&mut self, now: Time, alive: u64) -> u32 {
        let mut granted = self.pending;
        if self
            .limits
            .shortages
            .iter()
            .any(|&(s, e)| s <= now && now < e)
        {
            granted = 0;
        }
        if let Some(quota) = self.limits.quota {
            let room = u64::from(quota).saturating_sub(alive);
            granted = granted.min(room.min(u64::from(u32::MAX)) as u32);
        }
        if let Some(rate) = self.limits.launches_per_minute {
            let rate = f64::from(rate);
            let refill = to_seconds(now - self.refilled_at) * rate / 60.0;
            self.tokens = (self.tokens + refill).min(rate);
            self.refilled_at = now;
            granted = granted.min(self.tokens.floor() as u32);
            self.tokens -= f64::from(granted);
        }
        let retried = self.pending - self.fresh;
        let fresh_granted = granted.saturating_sub(retried);
        self.refused += u64::from(self.fresh - fresh_granted);
        self.fresh = 0;
        self.pending -= granted;
        granted
    }

    /// When to try again, if launches are still pending and no retry is due yet.
    pub(crate) fn retry_at(&mut self, now: Time) -> Option<Time> {
        if self.pending == 0 || self.retry_scheduled {
            return None;
        }
        self.retry_scheduled = true;
        Some(now + self.limits.retry_every)
    }

    /// The scheduled retry has come.
    pub(crate) fn retry_due(&mut self) {
        self.retry_scheduled = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider(limits: ProviderLimits) -> Provider {
        Provider::with(BootTimes::Constant(90 * SECOND), limits)
    }

    #[test]
    fn quota_counts_every_live_instance() {
        let mut p = provider(ProviderLimits {
            quota: Some(10),
            ..ProviderLimits::default()
        });
        p.request(8);
        // 6 alive: room for 4; the other 4 stay pending and count as refused.
        assert_eq!(p.grant(0, 6), 4);
        assert_eq!((p.pending(), p.refused()), (4, 4));
        // Retried with 10 alive: nothing, and no new refusal; 2 more asked for at 8
        // alive: the 2 oldest go, the 2 new ones are refused.
        assert_eq!(p.grant(30 * SECOND, 10), 0);
        assert_eq!(p.refused(), 4);
        p.request(2);
        assert_eq!(p.grant(60 * SECOND, 8), 2);
        assert_eq!((p.pending(), p.refused()), (4, 6));
        assert_eq!(p.cancel(5), 4);
        assert_eq!(p.pending(), 0);
    }

    #[test]
    fn launch_rate_is_a_token_bucket() {
        let mut p = provider(ProviderLimits {
            launches_per_minute: Some(6),
            ..ProviderLimits::default()
        });
        p.request(20);
        // A full bucket of 6, then 1 token per 10 s.
        assert_eq!(p.grant(0, 0), 6);
        assert_eq!(p.grant(30 * SECOND, 6), 3);
        assert_eq!(p.grant(35 * SECOND, 9), 0);
        assert_eq!(p.grant(40 * SECOND, 9), 1);
        // Ten minutes later the bucket holds its size, not 60.
        assert_eq!(p.grant(640 * SECOND, 10), 6);
        assert_eq!(p.pending(), 4);
    }

    #[test]
    fn shortages_refuse_every_launch_inside_the_window() {
        let mut p = provider(ProviderLimits {
            shortages: vec![(100 * SECOND, 200 * SECOND)],
            ..ProviderLimits::default()
        });
        p.request(3);
        assert_eq!(p.grant(100 * SECOND, 0), 0);
        assert_eq!(p.retry_at(100 * SECOND), Some(130 * SECOND));
        assert_eq!(p.retry_at(100 * SECOND), None, "one retry at a time");
        p.retry_due();
        assert_eq!(p.grant(199 * SECOND, 0), 0);
        assert_eq!(p.grant(200 * SECOND, 0), 3);
        assert_eq!(p.refused(), 3);
    }

    #[test]
    fn lognormal_boot_times_have_the_given_median_and_p95() {
        let d = LogNormal::new((90.0f64).ln(), (150.0f64 / 90.0).ln() / Z95).unwrap();
        let mut p = Provider::with(
            BootTimes::LogNormal(d, Pcg64Mcg::seed_from_u64(1)),
            ProviderLimits::default(),
        );
        let mut draws: Vec<Time> = (0..20_001).map(|_| p.boot_time()).collect();
        draws.sort_unstable();
        let (median, p95) = (to_seconds(draws[10_000]), to_seconds(draws[19_000]));
        // Sample quantiles of 20,001 draws have standard errors √(p(1−p)/n) / f(q):
        // 0.25 s at the median and 0.70 s at p95 here. Allow 5 of them.
        assert!((median - 90.0).abs() < 1.25, "median {median}");
        assert!((p95 - 150.0).abs() < 3.5, "p95 {p95}");
    }
}
