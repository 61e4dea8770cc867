//! `type = "scheduled"`: no reactive rule; only the policy's `schedule` (AWS scheduled
//! actions) changes the fleet, checked every `period`.

use std::time::Duration;

use serde::Deserialize;

use super::{Rule, default_period};
use crate::engine::Time;
use crate::scenario::check::Scope;
use crate::scenario::error::ScenarioError;

/// Scheduled actions alone.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduledScaling {
    /// How often the schedule is looked at.
    pub period: Time,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Raw {
    #[serde(with = "humantime_serde", default = "default_period")]
    period: Duration,
}

impl Rule for ScheduledScaling {
    type Raw = Raw;
    /// A forecast's error needs a rule that reacts to load.
    const REACTIVE: bool = false;

    fn check(raw: Raw, s: &Scope, _max: u32) -> Result<Self, ScenarioError> {
        Ok(ScheduledScaling {
            period: s.interval("period", raw.period, "scheduled actions start at whole minutes on AWS")?,
        })
    }

    fn period(&self) -> Time {
        self.period
    }

    /// The schedule's clock wakes the group.
    fn wakes_from_zero(&self, _queueing: bool) -> Result<(), String> {
        Ok(())
    }
}
