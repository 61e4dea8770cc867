//! `billing = { price_per_hour, preset, minimum, granularity }`: per-instance metering.
//!
//! AWS EC2 Linux bills per second with a 60 s minimum each time an instance starts (since
//! October 2017); GCP per second after a 1-minute minimum; Azure historically per whole
//! minute. Without a preset: per second, 60 s minimum.

use std::time::Duration;

use serde::Deserialize;

use crate::engine::{SECOND, Time};
use crate::scenario::check::Scope;
use crate::scenario::error::ScenarioError;

/// Per-instance metered billing.
#[derive(Debug, Clone, PartialEq)]
pub struct CloudBilling {
    pub price_per_hour: f64,
    /// Minimum billed per launch.
    pub minimum: Time,
    /// Billing unit: lifetimes are rounded up to a multiple of it (1 s = per second).
    pub granularity: Time,
}

/// Named billing rules: (granularity, minimum per launch).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BillingPreset {
    /// AWS EC2 Linux on-demand since Oct 2017: per second, 60 s minimum per start.
    AwsLinux,
    /// GCP Compute Engine: per second after a 1-minute minimum.
    Gcp,
    /// Azure VMs as historically billed: per whole minute (60 s minimum).
    AzureMinute,
    /// Per started hour (AWS before Oct 2017, Windows/marketplace images).
    Hourly,
}

impl BillingPreset {
    /// Every preset with its name in scenario files.
    pub const ALL: [(&'static str, BillingPreset); 4] = [
        ("aws-linux", BillingPreset::AwsLinux),
        ("gcp", BillingPreset::Gcp),
        ("azure-minute", BillingPreset::AzureMinute),
        ("hourly", BillingPreset::Hourly),
    ];

    /// (granularity, minimum) in simulator time.
    pub fn rules(self) -> (Time, Time) {
        match self {
            BillingPreset::AwsLinux | BillingPreset::Gcp => (SECOND, 60 * SECOND),
            BillingPreset::AzureMinute => (60 * SECOND, 60 * SECOND),
            BillingPreset::Hourly => (3600 * SECOND, 3600 * SECOND),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Raw {
    /// A [`BillingPreset`] name; checked here so the error names the field.
    preset: Option<String>,
    price_per_hour: f64,
    #[serde(with = "humantime_serde", default)]
    minimum: Option<Duration>,
    #[serde(with = "humantime_serde", default)]
    granularity: Option<Duration>,
}

/// Checks `billing` (scope `s`).
pub(crate) fn check(s: &Scope, raw: Raw) -> Result<CloudBilling, ScenarioError> {
    let (granularity, minimum) = match &raw.preset {
        None => (SECOND, 60 * SECOND),
        Some(name) => match BillingPreset::ALL.iter().find(|(n, _)| n == name) {
            Some((_, p)) => p.rules(),
            None => {
                let names: Vec<String> = BillingPreset::ALL
                    .iter()
                    .map(|(n, _)| format!("\"{n}\""))
                    .collect();
                return Err(s.error(
                    "preset",
                    format!("expected one of {}, got {name:?}", names.join(", ")),
                ));
            }
        },
    };
    Ok(CloudBilling {
        price_per_hour: s.non_negative("price_per_hour", raw.price_per_hour)?,
        minimum: match raw.minimum {
            Some(m) => s.time("minimum", m)?,
            None => minimum,
        },
        granularity: match raw.granularity {
            Some(g) => s.positive_time("granularity", g)?,
            None => granularity,
        },
    })
}
