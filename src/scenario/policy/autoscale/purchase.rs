//! `purchase = { reserved, …, spot_share, … }`: purchase options of an autoscaling group,
//! mixable. Without the table every instance is on-demand.
//!
//! AWS gives spot instances a 2-minute interruption notice (GCP and Azure 30 s), at
//! discounts of 60–90 %; a savings plan's usual term is one year.

use std::time::Duration;

use serde::Deserialize;

use crate::engine::{SECOND, Time, human_duration};
use crate::scenario::check::Scope;
use crate::scenario::error::ScenarioError;

/// A savings plan's usual term: one year (AWS 1-year no-upfront).
const DEFAULT_RESERVED_TERM: Time = 31_557_600 * SECOND;
/// AWS's spot interruption notice: two minutes.
const DEFAULT_SPOT_NOTICE: Time = 120 * SECOND;
/// Longest spot notice accepted (clouds give 30 s to 2 min).
const MAX_SPOT_NOTICE: Time = 3600 * SECOND;
/// Most spot interruptions per instance-hour: one a minute is already far past any
/// market's history, and it bounds the events a run schedules.
const MAX_INTERRUPTIONS_PER_HOUR: f64 = 60.0;

/// Purchase options of an autoscaling group.
///
/// - Reserved / savings plan: `reserved` instances are paid every second of the window
///   at `(1 − reserved_discount)` × the on-demand price, used or not; at every instant up
///   to `reserved` running on-demand instances are covered by it, the rest are billed
///   on-demand.
/// - Spot: a `spot_share` of the running instances are spot instances, billed at
///   `(1 − spot_discount)` × the on-demand price and interrupted at
///   `spot_interruptions_per_hour` per running instance-hour (Poisson), `spot_notice`
///   after the notice.
#[derive(Debug, Clone, PartialEq)]
pub struct Purchase {
    pub reserved: u32,
    pub reserved_discount: f64,
    /// Commitment term: whole terms started in the window are `committed_cost`.
    pub reserved_term: Time,
    pub spot_share: f64,
    pub spot_discount: f64,
    pub spot_interruptions_per_hour: f64,
    pub spot_notice: Time,
}

impl Default for Purchase {
    /// Every instance on-demand.
    fn default() -> Self {
        Purchase {
            reserved: 0,
            reserved_discount: 0.0,
            reserved_term: DEFAULT_RESERVED_TERM,
            spot_share: 0.0,
            spot_discount: 0.0,
            spot_interruptions_per_hour: 0.0,
            spot_notice: DEFAULT_SPOT_NOTICE,
        }
    }
}

impl Purchase {
    /// Whether anything but on-demand instances is bought.
    pub fn is_mixed(&self) -> bool {
        self.reserved > 0 || self.spot_share > 0.0
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Raw {
    #[serde(default)]
    reserved: u64,
    #[serde(default)]
    reserved_discount: f64,
    #[serde(with = "humantime_serde", default)]
    reserved_term: Option<Duration>,
    #[serde(default)]
    spot_share: f64,
    #[serde(default)]
    spot_discount: f64,
    #[serde(default)]
    spot_interruptions_per_hour: f64,
    #[serde(with = "humantime_serde", default)]
    spot_notice: Option<Duration>,
}

/// Checks `purchase` (scope `s`) for a group of at most `max` instances.
pub(crate) fn check(s: &Scope, raw: Raw, max: u32) -> Result<Purchase, ScenarioError> {
    let discount = |field: &str, v: f64| {
        s.finite(
            field,
            v,
            "a discount from 0 up to (not including) 1, e.g. 0.4 for 40 % off",
            (0.0..1.0).contains(&v),
        )
    };
    if raw.reserved > max as u64 {
        return Err(s.error(
            "reserved",
            format!(
                "expected at most max ({max}) reserved instances (a commitment the group can never use is money thrown away), got {}",
                raw.reserved
            ),
        ));
    }
    let spot_notice = match raw.spot_notice {
        Some(d) => s.time("spot_notice", d)?,
        None => DEFAULT_SPOT_NOTICE,
    };
    if spot_notice > MAX_SPOT_NOTICE {
        return Err(s.error(
            "spot_notice",
            format!(
                "expected a notice of at most 1h (AWS gives 2 minutes, GCP and Azure 30 s), got {}",
                human_duration(spot_notice)
            ),
        ));
    }
    Ok(Purchase {
        reserved: raw.reserved as u32,
        reserved_discount: discount("reserved_discount", raw.reserved_discount)?,
        reserved_term: match raw.reserved_term {
            Some(d) => s.positive_time("reserved_term", d)?,
            None => DEFAULT_RESERVED_TERM,
        },
        spot_share: s.finite(
            "spot_share",
            raw.spot_share,
            "a share of instances from 0 to 1",
            (0.0..=1.0).contains(&raw.spot_share),
        )?,
        spot_discount: discount("spot_discount", raw.spot_discount)?,
        spot_interruptions_per_hour: s.finite(
            "spot_interruptions_per_hour",
            raw.spot_interruptions_per_hour,
            "interruptions per spot instance-hour from 0 to 60",
            (0.0..=MAX_INTERRUPTIONS_PER_HOUR).contains(&raw.spot_interruptions_per_hour),
        )?,
        spot_notice,
    })
}
