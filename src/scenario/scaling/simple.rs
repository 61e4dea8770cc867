//! `type = "simple"`: AWS simple scaling, a CloudWatch alarm on utilisation, one
//! adjustment per alarm, then a cooldown.
//!
//! Defaults are AWS's (EC2 Auto Scaling user guide, "Step and simple scaling policies"):
//! 60 s alarm periods, an alarm after 1 of 1 breaching datapoints, a 300 s cooldown.

use std::time::Duration;

use serde::Deserialize;

use super::{Rule, default_evaluation_periods, default_period, utilisation};
use crate::engine::Time;
use crate::scenario::check::Scope;
use crate::scenario::error::ScenarioError;

/// AWS simple scaling: a CloudWatch alarm on utilisation, one adjustment, a cooldown.
#[derive(Debug, Clone, PartialEq)]
pub struct SimpleScaling {
    /// Alarm metric period.
    pub period: Time,
    /// Scale out when utilisation > this for `evaluation_periods` periods.
    pub scale_out_threshold: f64,
    /// Scale in when utilisation < this for `evaluation_periods` periods.
    pub scale_in_threshold: f64,
    pub evaluation_periods: u32,
    /// Servers added (or removed) per alarm.
    pub adjustment: u32,
    /// No further simple scaling until this long after an activity completes.
    pub cooldown: Time,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Raw {
    #[serde(with = "humantime_serde", default = "default_period")]
    period: Duration,
    scale_out_threshold: f64,
    scale_in_threshold: f64,
    #[serde(default = "default_evaluation_periods")]
    evaluation_periods: u64,
    #[serde(default = "default_adjustment")]
    adjustment: u64,
    #[serde(with = "humantime_serde", default = "default_cooldown")]
    cooldown: Duration,
}

fn default_adjustment() -> u64 {
    1
}
fn default_cooldown() -> Duration {
    Duration::from_secs(300)
}

impl Rule for SimpleScaling {
    type Raw = Raw;

    fn check(raw: Raw, s: &Scope, max: u32) -> Result<Self, ScenarioError> {
        let out = utilisation(s, "scale_out_threshold", raw.scale_out_threshold)?;
        let inn = s.finite(
            "scale_in_threshold",
            raw.scale_in_threshold,
            &format!("a utilisation in [0, scale_out_threshold ({out}))"),
            (0.0..out).contains(&raw.scale_in_threshold),
        )?;
        Ok(SimpleScaling {
            period: s.interval("period", raw.period, "CloudWatch's finest metrics are 1 s, its alarms evaluate every 10 s at best")?,
            scale_out_threshold: out,
            scale_in_threshold: inn,
            evaluation_periods: s.count("evaluation_periods", raw.evaluation_periods, 1, 10_000)?,
            adjustment: s.count("adjustment", raw.adjustment, 1, max as u64)?,
            cooldown: s.time("cooldown", raw.cooldown)?,
        })
    }

    fn period(&self) -> Time {
        self.period
    }

    fn wakes_from_zero(&self, _queueing: bool) -> Result<(), String> {
        super::utilisation_from_zero("simple scaling", "its alarms watch utilisation, as on AWS")
    }
}
