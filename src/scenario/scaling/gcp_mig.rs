//! `type = "gcp-mig"`: the Google Compute Engine managed-instance-group autoscaler on
//! utilisation.
//!
//! Defaults are Google's ("Autoscaling groups of instances", "Scale-in controls"): a 0.6
//! target utilisation, a 60 s initialisation period during which a new VM's load is not
//! used, a 10-minute stabilisation period (the group keeps enough VMs for the peak load
//! of the last 10 minutes), and scale-in controls off (when set, their time window
//! defaults to 10 minutes). Google decides continuously; provsim evaluates every `period`,
//! 60 s by default, the resolution of the utilisation metric.

use std::time::Duration;

use serde::Deserialize;

use super::{Rule, default_period, utilisation};
use crate::engine::Time;
use crate::scenario::check::{MAX_SERVERS, Scope};
use crate::scenario::error::ScenarioError;

/// The Compute Engine autoscaler: scale out at once to `ceil(utilised VMs / target)`,
/// scale in only to the highest recommendation of the stabilisation period, and (with
/// scale-in controls) never more than `scale_in_max` VMs below the group's largest size
/// of the last `scale_in_window`.
#[derive(Debug, Clone, PartialEq)]
pub struct GcpMigScaling {
    pub target: f64,
    pub period: Time,
    /// New VMs' load is left out of the recommendation this long.
    pub initialization: Time,
    /// Scale in to the highest recommendation of this window.
    pub stabilization: Time,
    /// Scale-in controls: at most this many VMs below the largest size of the window.
    pub scale_in_max: Option<u32>,
    pub scale_in_window: Time,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Raw {
    #[serde(default = "default_target")]
    target: f64,
    #[serde(with = "humantime_serde", default = "default_period")]
    period: Duration,
    #[serde(with = "humantime_serde", default = "default_initialization")]
    initialization: Duration,
    #[serde(with = "humantime_serde", default = "ten_minutes")]
    stabilization: Duration,
    scale_in_max: Option<u64>,
    #[serde(with = "humantime_serde", default = "ten_minutes")]
    scale_in_window: Duration,
}

fn default_target() -> f64 {
    0.6
}
fn default_initialization() -> Duration {
    Duration::from_secs(60)
}
fn ten_minutes() -> Duration {
    Duration::from_secs(600)
}

impl Rule for GcpMigScaling {
    type Raw = Raw;

    fn check(raw: Raw, s: &Scope, _max: u32) -> Result<Self, ScenarioError> {
        Ok(GcpMigScaling {
            target: utilisation(s, "target", raw.target)?,
            period: s.interval("period", raw.period, "Compute Engine's utilisation metric has a 60 s resolution")?,
            initialization: s.time("initialization", raw.initialization)?,
            stabilization: s.time("stabilization", raw.stabilization)?,
            scale_in_max: raw
                .scale_in_max
                .map(|n| s.count("scale_in_max", n, 0, MAX_SERVERS))
                .transpose()?,
            scale_in_window: s.positive_time("scale_in_window", raw.scale_in_window)?,
        })
    }

    fn period(&self) -> Time {
        self.period
    }

    fn wakes_from_zero(&self, _queueing: bool) -> Result<(), String> {
        super::utilisation_from_zero("gcp-mig", "it averages CPU utilisation over the group's instances")
    }
}
