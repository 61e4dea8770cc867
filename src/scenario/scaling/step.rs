//! `type = "step"`: AWS step scaling, step adjustments relative to an alarm threshold.
//!
//! Defaults are AWS's (EC2 Auto Scaling user guide, "Step and simple scaling policies"):
//! 60 s alarm periods, an alarm after 1 of 1 breaching datapoints, changes in capacity,
//! and a 300 s instance warmup like target tracking.

use std::time::Duration;

use serde::Deserialize;

use super::{Rule, default_evaluation_periods, default_period, default_warmup, utilisation};
use crate::engine::Time;
use crate::scenario::check::{MAX_SERVERS, Scope};
use crate::scenario::error::ScenarioError;

/// Most step adjustments in one policy.
const MAX_STEPS: usize = 100;

/// AWS step scaling: an alarm threshold and step adjustments relative to it.
#[derive(Debug, Clone, PartialEq)]
pub struct StepScaling {
    pub period: Time,
    /// Utilisation the step bounds are relative to.
    pub threshold: f64,
    /// Non-overlapping, sorted by bound; each wholly above or wholly below the threshold.
    pub steps: Vec<StepAdjustment>,
    pub adjustment_type: AdjustmentType,
    /// For percent changes: the least number of servers a step changes (0 = none).
    pub min_adjustment_magnitude: u32,
    pub evaluation_periods: u32,
    pub warmup: Time,
}

/// One step: applies when `threshold + lower ≤ util < threshold + upper` (above the
/// threshold) or `threshold + lower < util ≤ threshold + upper` (below it), as AWS.
#[derive(Debug, Clone, PartialEq)]
pub struct StepAdjustment {
    /// `None` = unbounded (−∞).
    pub lower: Option<f64>,
    /// `None` = unbounded (+∞).
    pub upper: Option<f64>,
    /// Servers, percent or exact capacity, by the adjustment type.
    pub change: i64,
}

/// How a step's `change` is read (AWS `AdjustmentType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AdjustmentType {
    ChangeInCapacity,
    PercentChangeInCapacity,
    ExactCapacity,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Raw {
    #[serde(with = "humantime_serde", default = "default_period")]
    period: Duration,
    threshold: f64,
    steps: Vec<RawStep>,
    #[serde(default = "default_adjustment_type")]
    adjustment_type: AdjustmentType,
    min_adjustment_magnitude: Option<u64>,
    #[serde(default = "default_evaluation_periods")]
    evaluation_periods: u64,
    #[serde(with = "humantime_serde", default = "default_warmup")]
    warmup: Duration,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    lower: Option<f64>,
    upper: Option<f64>,
    change: i64,
}

fn default_adjustment_type() -> AdjustmentType {
    AdjustmentType::ChangeInCapacity
}

impl Rule for StepScaling {
    type Raw = Raw;

    fn check(raw: Raw, s: &Scope, max: u32) -> Result<Self, ScenarioError> {
        let threshold = utilisation(s, "threshold", raw.threshold)?;
        let steps = check_steps(s, raw.steps, raw.adjustment_type, max)?;
        let min_adjustment_magnitude = match raw.min_adjustment_magnitude {
            None => 0,
            Some(_) if raw.adjustment_type != AdjustmentType::PercentChangeInCapacity => {
                return Err(s.error(
                    "min_adjustment_magnitude",
                    "applies only to adjustment_type = \"percent-change-in-capacity\" (as on AWS)",
                ));
            }
            Some(m) => s.count("min_adjustment_magnitude", m, 1, max as u64)?,
        };
        Ok(StepScaling {
            period: s.interval("period", raw.period, "CloudWatch's finest metrics are 1 s, its alarms evaluate every 10 s at best")?,
            threshold,
            steps,
            adjustment_type: raw.adjustment_type,
            min_adjustment_magnitude,
            evaluation_periods: s.count("evaluation_periods", raw.evaluation_periods, 1, 10_000)?,
            warmup: s.time("warmup", raw.warmup)?,
        })
    }

    fn period(&self) -> Time {
        self.period
    }

    fn wakes_from_zero(&self, _queueing: bool) -> Result<(), String> {
        super::utilisation_from_zero("step scaling", "its alarms watch utilisation, as on AWS")
    }
}

/// Step adjustments as AWS accepts them: each wholly above or wholly below the
/// threshold, bounds ordered, no overlaps, changes that point the right way.
fn check_steps(
    s: &Scope,
    steps: Vec<RawStep>,
    kind: AdjustmentType,
    max: u32,
) -> Result<Vec<StepAdjustment>, ScenarioError> {
    if steps.is_empty() || steps.len() > MAX_STEPS {
        return Err(s.error(
            "steps",
            "expected 1 to 100 steps like { lower = 0.0, upper = 0.1, change = 1 }",
        ));
    }
    let list = s.scope("steps");
    let mut out: Vec<StepAdjustment> = Vec::with_capacity(steps.len());
    for (i, st) in steps.into_iter().enumerate() {
        let g = list.item(i);
        for (name, v) in [("lower", st.lower), ("upper", st.upper)] {
            if let Some(v) = v {
                g.finite(name, v, "a finite bound in [-1, 1]", (-1.0..=1.0).contains(&v))?;
            }
        }
        let lo = st.lower.unwrap_or(f64::NEG_INFINITY);
        let hi = st.upper.unwrap_or(f64::INFINITY);
        if lo >= hi {
            return Err(g.error("upper", format!("must be greater than lower ({lo})")));
        }
        let above = lo >= 0.0;
        if !above && hi > 0.0 {
            return Err(g.error(
                "",
                "a step must lie wholly above the threshold (lower ≥ 0, scale out) or wholly below it (upper ≤ 0, scale in)",
            ));
        }
        match kind {
            AdjustmentType::ExactCapacity => {
                if st.change < 0 || st.change > max as i64 {
                    return Err(g.error(
                        "change",
                        format!(
                            "an exact capacity must be from 0 to max ({max}), got {}",
                            st.change
                        ),
                    ));
                }
            }
            _ => {
                if (above && st.change <= 0) || (!above && st.change >= 0) {
                    return Err(g.error(
                        "change",
                        format!(
                            "a step {} the threshold must {} capacity (change {} 0), got {}",
                            if above { "above" } else { "below" },
                            if above { "add" } else { "remove" },
                            if above { ">" } else { "<" },
                            st.change
                        ),
                    ));
                }
                if st.change.unsigned_abs() > MAX_SERVERS.max(100_000) {
                    return Err(g.error("change", format!("too large: {}", st.change)));
                }
            }
        }
        out.push(StepAdjustment {
            lower: st.lower,
            upper: st.upper,
            change: st.change,
        });
    }
    let mut order: Vec<usize> = (0..out.len()).collect();
    order.sort_by(|&a, &b| {
        let la = out[a].lower.unwrap_or(f64::NEG_INFINITY);
        let lb = out[b].lower.unwrap_or(f64::NEG_INFINITY);
        la.total_cmp(&lb)
    });
    for w in order.windows(2) {
        let prev_hi = out[w[0]].upper.unwrap_or(f64::INFINITY);
        let next_lo = out[w[1]].lower.unwrap_or(f64::NEG_INFINITY);
        if next_lo < prev_hi {
            return Err(list.item(w[1]).error(
                "",
                format!("overlaps step {} (steps must not overlap)", w[0]),
            ));
        }
    }
    Ok(order.into_iter().map(|i| out[i].clone()).collect())
}
