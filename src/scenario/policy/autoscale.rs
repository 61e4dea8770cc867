//! `type = "autoscale"`: cloud instances under an autoscaler. This unit holds what every
//! group has (size bounds, boot time, warmup, egress); its parts are the billing rule,
//! purchase options, provider limits and scheduled actions (`autoscale/`), and the
//! decision rule is a `scaling` strategy (`scenario::scaling`).
//!
//! Boot-to-serving takes about 97 s on EC2 Linux (Mao & Humphrey 2012); 60–120 s is a fair
//! value for `boot_time`.

mod billing;
mod limits;
mod purchase;
mod schedule;

use std::time::Duration;

use serde::Deserialize;

pub use billing::{BillingPreset, CloudBilling};
pub(crate) use billing::{Raw as BillingRaw, check as check_billing};
pub use limits::ProviderLimits;
pub use purchase::Purchase;
pub use schedule::ScheduledAction;
#[cfg(test)]
pub(crate) use schedule::time_of_day;

use super::{Context, Role};
use crate::engine::Time;
use crate::scenario::check::{Deferred, MAX_SERVERS, Scope, fmt_duration};
use crate::scenario::error::ScenarioError;
use crate::scenario::scaling::{self, Scaling};

/// Cloud on-demand instances under an autoscaler.
#[derive(Debug, Clone, PartialEq)]
pub struct AutoscaleSpec {
    pub min: u32,
    pub max: u32,
    pub initial: u32,
    /// Boot time: the constant, or the median when `boot_time_p95` is set.
    pub boot_time: Time,
    /// 95th percentile of a lognormal boot time.
    pub boot_time_p95: Option<Time>,
    pub scaling: Scaling,
    /// Scheduled actions that change min, max or the desired capacity at times of day.
    pub schedule: Vec<ScheduledAction>,
    pub billing: CloudBilling,
    pub limits: ProviderLimits,
    pub app_warmup: Option<AppWarmup>,
    /// How instances are bought: on-demand, a reserved commitment, spot (`purchase`).
    pub purchase: Purchase,
    /// What each response served from these instances pays to leave the cloud.
    pub egress: Egress,
}

/// After booting, the application serves at reduced capacity for a while (JIT
/// compilation, caches filling, connection pools opening).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AppWarmup {
    pub duration: Time,
    /// Fraction of its slots a warming server serves with, in (0, 1].
    pub capacity: f64,
}

/// Data egress of responses served from the cloud (AWS to the internet: $0.09/GB for
/// the first 10 TB a month).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Egress {
    pub bytes_per_request: f64,
    pub price_per_gb: f64,
}

impl Egress {
    /// USD per request served from the cloud.
    pub fn per_request(&self) -> f64 {
        self.bytes_per_request * self.price_per_gb / 1e9
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Raw {
    min: u64,
    max: u64,
    initial: Option<u64>,
    #[serde(with = "humantime_serde")]
    boot_time: Duration,
    #[serde(with = "humantime_serde", default)]
    boot_time_p95: Option<Duration>,
    #[allow(dead_code)] // read at its own scope
    scaling: Deferred,
    #[serde(default)]
    schedule: Vec<schedule::Raw>,
    billing: billing::Raw,
    #[serde(default)]
    limits: Option<limits::Raw>,
    #[serde(default)]
    app_warmup: Option<RawAppWarmup>,
    #[serde(default)]
    purchase: Option<purchase::Raw>,
    #[serde(default)]
    egress: Option<RawEgress>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAppWarmup {
    #[serde(with = "humantime_serde")]
    duration: Duration,
    capacity: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEgress {
    bytes_per_request: f64,
    price_per_gb: f64,
}

/// Checks an `autoscale` block (scope `s`) in its `role`.
pub(crate) fn check(
    s: &Scope,
    raw: Raw,
    cx: Context,
    role: Role,
) -> Result<AutoscaleSpec, ScenarioError> {
    let max = s.fleet_size("max", raw.max, 1, cx.slots)?;
    let scaling = scaling::check(&s.scope("scaling"), max, false)?;
    // A group at zero serves nothing and measures no utilisation: only a strategy that
    // sees arrivals, waiting requests or the clock scales it out again. A hybrid's burst
    // measures base and burst together, so it may always start empty.
    let wakes = match role {
        Role::Burst => Ok(()),
        _ => scaling.wakes_from_zero(cx.queueing),
    };
    if raw.min == 0 {
        if let Err(why) = &wakes {
            return Err(s.error("min", why.clone()));
        }
    }
    let min = s.count("min", raw.min, 0, MAX_SERVERS)?;
    if min > max {
        return Err(s.error("min", format!("must not exceed max ({max}), got {min}")));
    }
    let initial = raw.initial.unwrap_or(min as u64);
    if initial < min as u64 || initial > max as u64 {
        return Err(s.error(
            "initial",
            format!("expected a whole number from min ({min}) to max ({max}), got {initial}"),
        ));
    }
    let schedule = schedule::check(&s.scope("schedule"), raw.schedule, cx.slots)?;
    if let Err(why) = wakes {
        schedule::wakes_again(&s.scope("schedule"), &schedule, &why)?;
    }
    if matches!(scaling, Scaling::Scheduled(_)) && schedule.is_empty() {
        return Err(s.error(
            "scaling",
            "type = \"scheduled\" scales only by the policy's `schedule`, which is missing or empty",
        ));
    }
    let billing = billing::check(&s.scope("billing"), raw.billing)?;
    let boot_time = s.time("boot_time", raw.boot_time)?;
    let boot_time_p95 = match raw.boot_time_p95 {
        None => None,
        Some(p95) => {
            let p95 = s.time("boot_time_p95", p95)?;
            if p95 < boot_time || p95 > 100 * boot_time.max(1) {
                return Err(s.error(
                    "boot_time_p95",
                    format!(
                        "expected the 95th percentile of the boot time, from boot_time (the median, {}) to 100 times it, got {}",
                        fmt_duration(Duration::from_micros(boot_time)),
                        fmt_duration(Duration::from_micros(p95))
                    ),
                ));
            }
            Some(p95)
        }
    };
    let limits = match raw.limits {
        None => ProviderLimits::default(),
        Some(l) => limits::check(&s.scope("limits"), l, cx.horizon)?,
    };
    let app_warmup = match raw.app_warmup {
        None => None,
        Some(w) => {
            let ws = s.scope("app_warmup");
            Some(AppWarmup {
                duration: ws.time("duration", w.duration)?,
                capacity: ws.finite(
                    "capacity",
                    w.capacity,
                    "a fraction of capacity in (0, 1]",
                    w.capacity > 0.0 && w.capacity <= 1.0,
                )?,
            })
        }
    };
    let purchase = match raw.purchase {
        Some(p) => purchase::check(&s.scope("purchase"), p, max)?,
        None => Purchase::default(),
    };
    let egress = match raw.egress {
        None => Egress::default(),
        Some(e) => {
            let es = s.scope("egress");
            Egress {
                bytes_per_request: es.finite(
                    "bytes_per_request",
                    e.bytes_per_request,
                    "bytes per response, from 0 to 1e12",
                    (0.0..=1e12).contains(&e.bytes_per_request),
                )?,
                price_per_gb: es.non_negative("price_per_gb", e.price_per_gb)?,
            }
        }
    };
    Ok(AutoscaleSpec {
        egress,
        min,
        max,
        initial: initial as u32,
        boot_time,
        boot_time_p95,
        scaling,
        schedule,
        billing,
        limits,
        app_warmup,
        purchase,
    })
}
