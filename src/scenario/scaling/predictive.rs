//! `type = "predictive"`: AWS-style predictive scaling, an hourly capacity forecast from
//! the load already seen, as a floor under an optional reactive strategy.
//!
//! Defaults are AWS's (API `PredictiveScalingConfiguration`): `SchedulingBufferTime` 300 s
//! (less than the 3600 s forecast interval); the forecast uses up to 14 days of history
//! (user guide, "Predictive scaling").

use std::time::Duration;

use serde::Deserialize;

use super::{Rule, Scaling, default_period, utilisation};
use crate::engine::{SECOND, Time};
use crate::scenario::check::{Deferred, Scope, fmt_duration};
use crate::scenario::error::ScenarioError;

/// AWS-style predictive scaling.
#[derive(Debug, Clone, PartialEq)]
pub struct PredictiveScaling {
    /// Utilisation the forecast capacity is sized for.
    pub target: f64,
    /// Capacity for an hour is launched this long before the hour starts.
    pub scheduling_buffer: Time,
    /// How far back the forecast looks.
    pub history: Time,
    /// Evaluation period when there is no reactive strategy.
    pub period: Time,
    /// The reactive strategy for the forecast's error; capacity = max of both.
    pub reactive: Option<Box<Scaling>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Raw {
    target: f64,
    #[serde(with = "humantime_serde", default = "default_scheduling_buffer")]
    scheduling_buffer: Duration,
    #[serde(with = "humantime_serde", default = "default_history")]
    history: Duration,
    #[serde(with = "humantime_serde", default = "default_period")]
    period: Duration,
    /// Read at its own scope.
    reactive: Option<Deferred>,
}

fn default_scheduling_buffer() -> Duration {
    Duration::from_secs(300)
}
fn default_history() -> Duration {
    Duration::from_secs(14 * 86_400)
}

impl Rule for PredictiveScaling {
    type Raw = Raw;
    /// One forecast is enough.
    const REACTIVE: bool = false;

    fn check(raw: Raw, s: &Scope, max: u32) -> Result<Self, ScenarioError> {
        let target = utilisation(s, "target", raw.target)?;
        let buffer = s.time("scheduling_buffer", raw.scheduling_buffer)?;
        if buffer >= 3600 * SECOND {
            return Err(s.error(
                "scheduling_buffer",
                format!(
                    "must be less than the 1-hour forecast interval (as on AWS), got {}",
                    fmt_duration(raw.scheduling_buffer)
                ),
            ));
        }
        let history = s.time("history", raw.history)?;
        if !(86_400 * SECOND..=366 * 86_400 * SECOND).contains(&history) {
            return Err(s.error(
                "history",
                format!(
                    "expected 1 day (the least AWS forecasts from) to 366 days, got {}",
                    fmt_duration(raw.history)
                ),
            ));
        }
        let reactive = match raw.reactive {
            Some(_) => Some(Box::new(super::check(&s.scope("reactive"), max, true)?)),
            None => None,
        };
        Ok(PredictiveScaling {
            target,
            scheduling_buffer: buffer,
            history,
            period: s.interval("period", raw.period, "AWS forecasts by the hour")?,
            reactive,
        })
    }

    /// The group is evaluated at the reactive strategy's period, if there is one.
    fn period(&self) -> Time {
        self.reactive.as_ref().map_or(self.period, |r| r.period())
    }

    /// The forecast is built from the servers the load kept busy, none at zero: only its
    /// reactive strategy can wake the group.
    fn wakes_from_zero(&self, queueing: bool) -> Result<(), String> {
        match &self.reactive {
            Some(r) => r.wakes_from_zero(queueing).map_err(|why| format!("predictive: its reactive {why}")),
            None => Err("predictive scaling forecasts from the servers the load kept busy, none when the group is at zero, so it would never scale out again; give it a `reactive` strategy that can (target tracking with `request_rate_target` or `queue_length_target`), or use min ≥ 1".to_string()),
        }
    }
}
