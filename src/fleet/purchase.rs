//! Purchase options of a cloud fleet: which running instances are spot, what the reserved
//! commitment covers, what each option costs, and when spot instances are interrupted.
//!
//! The model (README "Purchase options"):
//! - **Reserved / savings plan**: `reserved` instances are paid every second of the
//!   window at the discounted rate, used or not. At every instant up to `reserved`
//!   running *on-demand* instances (launched, not terminated; spot ones never) are
//!   covered by it. On-demand cost = the per-instance metered bill (lives, rounding and
//!   per-launch minimum) minus the covered instance-seconds, at the on-demand price: a
//!   minimum-billed tail comes after the instance is gone, so nothing covers it.
//!   Committed-but-unused instance-seconds are paid capacity that serves nothing: they
//!   count as billed (and idle) server-seconds.
//! - **Spot**: billed like on-demand at the discounted price, except that an instance
//!   the cloud interrupts is billed for the time it ran only (no minimum, no rounding),
//!   as AWS does. Each running spot instance is interrupted as a Poisson process; the
//!   draw is made once at launch (an exponential time to the notice: memoryless, so the
//!   same process), from a generator of its own so request streams never shift.

use rand::SeedableRng;
use rand_distr::{Distribution, Exp1};
use rand_pcg::Pcg64Mcg;

use super::Level;
use crate::engine::{Time, from_seconds, to_seconds};
use crate::scenario::Purchase;

/// Running instances by purchase option at one instant. `reserved` are the on-demand
/// instances the commitment covers; `on_demand` the ones billed at the full price.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct OptionCounts {
    pub on_demand: u32,
    pub reserved: u32,
    pub spot: u32,
}

/// Cost attributable to the window, by purchase option.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct OptionCosts {
    pub on_demand: f64,
    pub reserved: f64,
    pub spot: f64,
}

impl OptionCosts {
    pub(crate) fn total(&self) -> f64 {
        self.on_demand + self.reserved + self.spot
    }
}

/// Spot instances a fleet of `n` active instances should have: round(share × n), half
/// up, so a launch and a removal agree on it.
pub(crate) fn spot_quota(share: f64, n: u64) -> u64 {
    (share * n as f64).round() as u64
}

/// Running totals per purchase option, updated at launches and terminations only (never
/// per request).
pub(crate) struct PurchaseBook {
    reserved: u64,
    spot_share: f64,
    /// Prices per instance-second.
    on_demand_rate: f64,
    reserved_rate: f64,
    spot_rate: f64,
    reserved_term: Time,
    /// Running instances: not spot, and spot.
    non_spot: Level,
    spot: Level,
    /// min(non_spot, reserved): the instances the commitment covers.
    covered: Level,
    /// Billed time beyond lives (minimum and rounding), microseconds.
    extra_non_spot: Time,
    extra_spot: Time,
}

impl PurchaseBook {
    /// `price_per_second`: the on-demand price of one instance.
    pub(crate) fn new(p: &Purchase, price_per_second: f64) -> PurchaseBook {
        PurchaseBook {
            reserved: p.reserved as u64,
            spot_share: p.spot_share,
            on_demand_rate: price_per_second,
            reserved_rate: price_per_second * (1.0 - p.reserved_discount),
            spot_rate: price_per_second * (1.0 - p.spot_discount),
            reserved_term: p.reserved_term,
            non_spot: Level::default(),
            spot: Level::default(),
            covered: Level::default(),
            extra_non_spot: 0,
            extra_spot: 0,
        }
    }

    pub(crate) fn spot_share(&self) -> f64 {
        self.spot_share
    }

    pub(crate) fn launched(&mut self, now: Time, spot: bool) {
        if spot {
            self.spot.add(now, 1);
        } else {
            self.non_spot.add(now, 1);
            self.cover(now);
        }
    }

    /// An instance stopped being paid for; `extra` is billed beyond its life.
    pub(crate) fn terminated(&mut self, now: Time, spot: bool, extra: Time) {
        if spot {
            self.spot.add(now, -1);
            self.extra_spot += extra;
        } else {
            self.non_spot.add(now, -1);
            self.extra_non_spot += extra;
            self.cover(now);
        }
    }

    fn cover(&mut self, now: Time) {
        self.covered
            .set(now, self.non_spot.value().min(self.reserved));
    }

    pub(crate) fn counts(&self) -> OptionCounts {
        let covered = self.covered.value();
        OptionCounts {
            on_demand: (self.non_spot.value() - covered) as u32,
            reserved: covered as u32,
            spot: self.spot.value() as u32,
        }
    }

    pub(crate) fn costs(&self, now: Time) -> OptionCosts {
        let covered = self.covered.integral(now);
        let non_spot = self.non_spot.integral(now) + to_seconds(self.extra_non_spot);
        let spot = self.spot.integral(now) + to_seconds(self.extra_spot);
        OptionCosts {
            on_demand: self.on_demand_rate * (non_spot - covered).max(0.0),
            reserved: self.reserved as f64 * self.reserved_rate * to_seconds(now),
            spot: self.spot_rate * spot,
        }
    }

    /// Reserved instance-seconds paid for and not used by any instance up to `now`.
    pub(crate) fn unused_reserved_seconds(&self, now: Time) -> f64 {
        (self.reserved as f64 * to_seconds(now) - self.covered.integral(now)).max(0.0)
    }

    /// Cash committed by `now`: every commitment term started, plus the metered bills.
    pub(crate) fn committed(&self, now: Time) -> f64 {
        let c = self.costs(now);
        let terms = now.div_ceil(self.reserved_term).max(1) as f64;
        let commitment =
            self.reserved as f64 * self.reserved_rate * terms * to_seconds(self.reserved_term);
        c.on_demand + c.spot + commitment
    }
}

/// Stream of the interruption generator, mixed with the seed and the policy's index.
const SPOT_STREAM: u64 = 0x5B07;

/// When the cloud interrupts spot instances.
pub(crate) struct SpotMarket {
    rng: Pcg64Mcg,
    /// Mean time from launch to the interruption notice, seconds.
    mean_life: f64,
    /// From notice to the instance being gone.
    pub notice: Time,
}

impl SpotMarket {
    /// `None` when no spot instance is ever interrupted.
    pub(crate) fn new(p: &Purchase, seed: u64, policy_index: usize) -> Option<SpotMarket> {
        if p.spot_share <= 0.0 || p.spot_interruptions_per_hour <= 0.0 {
            return None;
        }
        let stream = crate::workload::mix_seed(seed, SPOT_STREAM);
        Some(SpotMarket {
            rng: Pcg64Mcg::seed_from_u64(crate::workload::mix_seed(stream, policy_index as u64)),
            mean_life: 3600.0 / p.spot_interruptions_per_hour,
            notice: p.spot_notice,
        })
    }

    /// The instant a spot instance launched at `launched` gets its interruption notice.
    pub(crate) fn notice_at(&mut self, launched: Time) -> Time {
        let gap: f64 = Exp1.sample(&mut self.rng);
        launched.saturating_add(from_seconds(gap * self.mean_life))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SECOND;

    fn plan(reserved: u32, spot_share: f64) -> Purchase {
        Purchase {
            reserved,
            reserved_discount: 0.4,
            spot_share,
            spot_discount: 0.7,
            ..Purchase::default()
        }
    }

    const HOUR: Time = 3600 * SECOND;

    /// 2 reserved at 40 % off, $1/h on-demand, over 1 h with a known timeline:
    /// 1 instance for the first 30 min, 4 for the next 30 min.
    /// Commitment: 2 × $0.60 × 1 h = $1.20. Covered: 1 × 0.5 h + 2 × 0.5 h = 1.5 h.
    /// Billed: 1 × 0.5 h + 4 × 0.5 h = 2.5 h, so on-demand 2.5 − 1.5 = 1 h = $1.00.
    /// Unused commitment: 2 h − 1.5 h = 0.5 instance-hours.
    #[test]
    fn reserved_commitment_bill_by_hand() {
        let mut b = PurchaseBook::new(&plan(2, 0.0), 1.0 / 3600.0);
        b.launched(0, false);
        for _ in 0..3 {
            b.launched(HOUR / 2, false);
        }
        assert_eq!(
            b.counts(),
            OptionCounts {
                on_demand: 2,
                reserved: 2,
                spot: 0
            }
        );
        let c = b.costs(HOUR);
        assert!((c.reserved - 1.2).abs() < 1e-12, "{c:?}");
        assert!((c.on_demand - 1.0).abs() < 1e-12, "{c:?}");
        assert_eq!(c.spot, 0.0);
        assert!((b.unused_reserved_seconds(HOUR) - 1800.0).abs() < 1e-9);
        // A one-year term commits the whole year: 2 × $0.60 × 8766 h.
        let year = b.committed(HOUR) - c.on_demand;
        assert!((year - 2.0 * 0.6 * 8766.0).abs() < 1e-6, "{year}");
    }

    /// A minimum-billed tail is on-demand even when the instance was covered.
    #[test]
    fn minimum_tails_are_billed_on_demand() {
        let mut b = PurchaseBook::new(&plan(1, 0.0), 1.0 / 3600.0);
        b.launched(0, false);
        // Lived 30 s, billed the 60 s minimum: the 30 s tail is on-demand.
        b.terminated(30 * SECOND, false, 30 * SECOND);
        let c = b.costs(HOUR);
        assert!((c.on_demand - 30.0 / 3600.0).abs() < 1e-12, "{c:?}");
        assert!((b.unused_reserved_seconds(HOUR) - 3570.0).abs() < 1e-9);
    }

    /// Spot at 70 % off a $1/h price: 3 spot instances for 1 h cost 3 × $0.30; an
    /// interrupted one is billed the 20 min it ran and nothing more.
    #[test]
    fn spot_bill_by_hand() {
        let mut b = PurchaseBook::new(&plan(0, 1.0), 1.0 / 3600.0);
        for _ in 0..4 {
            b.launched(0, true);
        }
        b.terminated(HOUR / 3, true, 0);
        let c = b.costs(HOUR);
        assert!((c.spot - (3.0 + 1.0 / 3.0) * 0.3).abs() < 1e-12, "{c:?}");
        assert_eq!((c.on_demand, c.reserved), (0.0, 0.0));
    }

    #[test]
    fn spot_quota_rounds_half_up() {
        // round(0.25 × n) for n = 0..8: 0, 0, 1 (0.5 rounds up), 1, 1, 1, 2 (1.5), 2, 2.
        let q: Vec<u64> = (0..9).map(|n| spot_quota(0.25, n)).collect();
        assert_eq!(q, [0, 0, 1, 1, 1, 1, 2, 2, 2]);
        assert_eq!(spot_quota(1.0, 7), 7);
        assert_eq!(spot_quota(0.0, 7), 0);
    }

    #[test]
    fn interruptions_are_reproducible_and_differ_by_policy() {
        let p = Purchase {
            spot_share: 0.5,
            spot_interruptions_per_hour: 1.0,
            ..Purchase::default()
        };
        let draw = |i| {
            let mut m = SpotMarket::new(&p, 7, i).unwrap();
            (0..3).map(|_| m.notice_at(0)).collect::<Vec<_>>()
        };
        assert_eq!(draw(0), draw(0));
        assert_ne!(draw(0), draw(1));
        assert!(SpotMarket::new(&Purchase::default(), 7, 0).is_none());
    }
}
