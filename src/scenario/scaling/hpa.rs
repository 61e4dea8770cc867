//! `type = "hpa"`: the Kubernetes HorizontalPodAutoscaler (autoscaling/v2) on utilisation.
//!
//! Defaults are Kubernetes' ("Horizontal Pod Autoscaling"): tolerance 0.1
//! (`--horizontal-pod-autoscaler-tolerance`), a 15 s sync period
//! (`--horizontal-pod-autoscaler-sync-period`), a 300 s scale-down stabilisation window,
//! and the default scale-up behaviour: the larger of 4 pods or 100 % per 15 s.

use std::time::Duration;

use serde::Deserialize;

use super::{Rule, utilisation};
use crate::engine::Time;
use crate::scenario::check::{MAX_SERVERS, Scope};
use crate::scenario::error::ScenarioError;

/// Kubernetes HorizontalPodAutoscaler (autoscaling/v2) on utilisation.
#[derive(Debug, Clone, PartialEq)]
pub struct HpaScaling {
    pub target: f64,
    /// No change while |util / target − 1| ≤ tolerance.
    pub tolerance: f64,
    /// Sync period.
    pub period: Time,
    /// Scale down to the highest recommendation of this window.
    pub scale_down_stabilization: Time,
    /// Scale-up limit per period: the larger of +pods and +percent.
    pub scale_up_pods: u32,
    pub scale_up_percent: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Raw {
    target: f64,
    #[serde(default = "default_tolerance")]
    tolerance: f64,
    #[serde(with = "humantime_serde", default = "default_period")]
    period: Duration,
    #[serde(with = "humantime_serde", default = "default_stabilization")]
    scale_down_stabilization: Duration,
    #[serde(default = "default_scale_up_pods")]
    scale_up_pods: u64,
    #[serde(default = "default_scale_up_percent")]
    scale_up_percent: f64,
}

fn default_tolerance() -> f64 {
    0.1
}
fn default_period() -> Duration {
    Duration::from_secs(15)
}
fn default_stabilization() -> Duration {
    Duration::from_secs(300)
}
fn default_scale_up_pods() -> u64 {
    4
}
fn default_scale_up_percent() -> f64 {
    100.0
}

impl Rule for HpaScaling {
    type Raw = Raw;

    fn check(raw: Raw, s: &Scope, _max: u32) -> Result<Self, ScenarioError> {
        Ok(HpaScaling {
            target: utilisation(s, "target", raw.target)?,
            tolerance: s.finite(
                "tolerance",
                raw.tolerance,
                "a tolerance in [0, 1)",
                (0.0..1.0).contains(&raw.tolerance),
            )?,
            period: s.interval("period", raw.period, "Kubernetes syncs every 15 s by default")?,
            scale_down_stabilization: s
                .time("scale_down_stabilization", raw.scale_down_stabilization)?,
            scale_up_pods: s.count("scale_up_pods", raw.scale_up_pods, 0, MAX_SERVERS)?,
            scale_up_percent: s.finite(
                "scale_up_percent",
                raw.scale_up_percent,
                "a percentage from 0 to 100000",
                (0.0..=1e5).contains(&raw.scale_up_percent),
            )?,
        })
    }

    fn period(&self) -> Time {
        self.period
    }

    fn wakes_from_zero(&self, _queueing: bool) -> Result<(), String> {
        super::utilisation_from_zero(
            "hpa",
            "Kubernetes accepts minReplicas 0 only behind the alpha HPAScaleToZero gate, with object or external metrics",
        )
    }
}
