//! `type = "target-tracking"`: AWS EC2 Auto Scaling target tracking on one or more metrics.
//!
//! Defaults are AWS's: a 60 s metric period, scale out after 3 of 3 breaching periods,
//! scale in after 15 of 15, and a 300 s instance warmup.

use std::time::Duration;

use serde::Deserialize;

use super::{Rule, default_period, default_warmup};
use crate::engine::Time;
use crate::scenario::check::Scope;
use crate::scenario::error::ScenarioError;

/// AWS-style target tracking on one or more metrics: every `period`, each metric asks for
/// `ceil(R × value / target)` servers (R = ready servers past warmup); the group scales
/// out when any metric asks for more for `scale_out_periods` periods in a row, and in
/// when all ask for fewer for `scale_in_periods`.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetTracking {
    /// At least one; scale out if any asks, scale in only if all do.
    pub metrics: Vec<Tracked>,
    pub period: Time,
    pub scale_out_periods: u32,
    pub scale_in_periods: u32,
    pub warmup: Time,
}

/// A metric target tracking can follow, per ready instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Busy ÷ serving slot-seconds (AWS `ASGAverageCPUUtilization`), 0–1.
    Utilization,
    /// Arrivals per second per ready instance (AWS `ALBRequestCountPerTarget`, per s).
    RequestRate,
    /// Time-average waiting requests per ready instance (an SQS backlog per instance).
    QueueLength,
}

/// One metric with its target value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tracked {
    pub metric: Metric,
    pub target: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Raw {
    target: Option<f64>,
    request_rate_target: Option<f64>,
    queue_length_target: Option<f64>,
    #[serde(with = "humantime_serde", default = "default_period")]
    period: Duration,
    #[serde(default = "default_out_periods")]
    scale_out_periods: u64,
    #[serde(default = "default_in_periods")]
    scale_in_periods: u64,
    #[serde(with = "humantime_serde", default = "default_warmup")]
    warmup: Duration,
}

fn default_out_periods() -> u64 {
    3
}
fn default_in_periods() -> u64 {
    15
}

impl Rule for TargetTracking {
    type Raw = Raw;

    fn check(raw: Raw, s: &Scope, _max: u32) -> Result<Self, ScenarioError> {
        let given = [
            (Metric::Utilization, raw.target),
            (Metric::RequestRate, raw.request_rate_target),
            (Metric::QueueLength, raw.queue_length_target),
        ];
        let mut metrics = Vec::new();
        for (metric, target) in given {
            let Some(v) = target else { continue };
            let (field, what, ok) = match metric {
                Metric::Utilization => ("target", "a utilisation target in (0, 1]", v <= 1.0),
                Metric::RequestRate => (
                    "request_rate_target",
                    "requests per second per instance, > 0 and at most 1e9",
                    v <= 1e9,
                ),
                Metric::QueueLength => (
                    "queue_length_target",
                    "waiting requests per instance, > 0 and at most 1e9",
                    v <= 1e9,
                ),
            };
            let target = s.finite(field, v, what, v > 0.0 && ok)?;
            metrics.push(Tracked { metric, target });
        }
        if metrics.is_empty() {
            return Err(s.error(
                "",
                "expected at least one of `target` (utilisation), `request_rate_target` or `queue_length_target`",
            ));
        }
        Ok(TargetTracking {
            metrics,
            period: s.interval("period", raw.period, "CloudWatch's finest metrics are 1 s, its alarms evaluate every 10 s at best")?,
            scale_out_periods: s.count("scale_out_periods", raw.scale_out_periods, 1, 10_000)?,
            scale_in_periods: s.count("scale_in_periods", raw.scale_in_periods, 1, 10_000)?,
            warmup: s.time("warmup", raw.warmup)?,
        })
    }

    fn period(&self) -> Time {
        self.period
    }

    /// Arrivals and waiting requests are measured with no server ready; utilisation is not.
    fn wakes_from_zero(&self, queueing: bool) -> Result<(), String> {
        let sees = |m: &Tracked| match m.metric {
            Metric::Utilization => false,
            Metric::RequestRate => true,
            Metric::QueueLength => queueing,
        };
        if self.metrics.iter().any(sees) {
            return Ok(());
        }
        if !queueing && self.metrics.iter().any(|m| m.metric == Metric::QueueLength) {
            return Err("target tracking on queue length cannot scale out from zero servers when service.queue_limit is 0 (no request can wait, so the queue stays empty); add `request_rate_target`, allow a queue, or use min ≥ 1".to_string());
        }
        Err("target tracking on utilisation cannot scale out from zero servers (with none ready there is no utilisation to measure, as on AWS); add `request_rate_target` or `queue_length_target`, or use min ≥ 1".to_string())
    }
}
