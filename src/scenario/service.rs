//! `[service]`: what a request needs from a server, how long users wait before it counts
//! as slow, and what lost and late traffic costs.

use std::time::Duration;

use serde::Deserialize;

use super::check::{Deferred, Scope};
use super::error::ScenarioError;
use crate::engine::SECOND;

/// Most slots per server.
const MAX_SLOTS: u64 = 100_000;
/// Most waiting requests: every one is held in memory.
const MAX_QUEUE: u64 = 100_000_000;

/// What a request needs from a server.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    pub service_time: ServiceTime,
    pub slots_per_server: u32,
    /// Most requests waiting (not in service); an arrival beyond it is dropped.
    pub queue_limit: u64,
    /// A response slower than this is an SLO miss.
    pub slo: crate::engine::Time,
    /// The share of requests that may wait past what the SLO leaves for queueing: what
    /// the elasticity metrics' demand is sized for (default 0.01).
    pub slo_target: f64,
    /// What lost and late traffic costs (0 unless `[service.penalty]` says).
    pub penalty: Penalty,
}

/// The price of lost and late traffic, to weigh against the price of idle capacity.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Penalty {
    /// USD per dropped request (e.g. lost revenue per failed checkout).
    pub per_dropped_request: f64,
    /// USD per response slower than the SLO.
    pub per_slo_miss: f64,
}

impl Penalty {
    /// Whether the scenario prices lost traffic at all.
    pub fn is_set(&self) -> bool {
        self.per_dropped_request > 0.0 || self.per_slo_miss > 0.0
    }
}

/// Service-time distribution, in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ServiceTime {
    Exponential { mean: f64 },
    Constant { value: f64 },
    LogNormal { mean: f64, cv: f64 },
}

impl ServiceTime {
    /// Mean service time in seconds.
    pub fn mean(&self) -> f64 {
        match *self {
            ServiceTime::Exponential { mean } | ServiceTime::LogNormal { mean, .. } => mean,
            ServiceTime::Constant { value } => value,
        }
    }

    /// Squared coefficient of variation (1 for exponential, 0 for constant).
    pub fn scv(&self) -> f64 {
        match *self {
            ServiceTime::Exponential { .. } => 1.0,
            ServiceTime::Constant { .. } => 0.0,
            ServiceTime::LogNormal { cv, .. } => cv * cv,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[allow(dead_code)] // read at its own scope: see `check`
    service_time: Deferred,
    slots_per_server: u64,
    #[serde(default = "default_queue_limit")]
    queue_limit: u64,
    #[serde(with = "humantime_serde", default = "default_slo")]
    slo: Duration,
    #[serde(default = "default_slo_target")]
    slo_target: f64,
    #[serde(default)]
    penalty: Option<RawPenalty>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPenalty {
    #[serde(default)]
    per_dropped_request: f64,
    #[serde(default)]
    per_slo_miss: f64,
}

fn default_queue_limit() -> u64 {
    10_000
}
fn default_slo() -> Duration {
    Duration::from_secs(1)
}
/// One request in a hundred may wait past the SLO's share for queueing.
fn default_slo_target() -> f64 {
    0.01
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMean {
    #[serde(with = "humantime_serde")]
    mean: Duration,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConstant {
    #[serde(with = "humantime_serde")]
    value: Duration,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLognormal {
    #[serde(with = "humantime_serde")]
    mean: Duration,
    cv: f64,
}

/// Checks `[service]` (scope `s`).
pub(crate) fn check(s: &Scope) -> Result<Service, ScenarioError> {
    let raw: Raw = s.read()?;
    let service_time = check_service_time(&s.scope("service_time"))?;
    let slots_per_server = s.count("slots_per_server", raw.slots_per_server, 1, MAX_SLOTS)?;
    if raw.queue_limit > MAX_QUEUE {
        return Err(s.error(
            "queue_limit",
            format!("expected at most {MAX_QUEUE}, got {}", raw.queue_limit),
        ));
    }
    let slo = s.positive_time("slo", raw.slo)?;
    let slo_target = s.finite(
        "slo_target",
        raw.slo_target,
        "a share of requests in (0, 1), e.g. 0.01",
        raw.slo_target > 0.0 && raw.slo_target < 1.0,
    )?;
    let penalty = match raw.penalty {
        None => Penalty::default(),
        Some(p) => {
            let ps = s.scope("penalty");
            Penalty {
                per_dropped_request: ps
                    .non_negative("per_dropped_request", p.per_dropped_request)?,
                per_slo_miss: ps.non_negative("per_slo_miss", p.per_slo_miss)?,
            }
        }
    };
    Ok(Service {
        service_time,
        slots_per_server,
        queue_limit: raw.queue_limit,
        slo,
        slo_target,
        penalty,
    })
}

/// `service_time = { distribution = "…", … }`, in seconds.
fn check_service_time(s: &Scope) -> Result<ServiceTime, ScenarioError> {
    let seconds = |field: &str, d: Duration| -> Result<f64, ScenarioError> {
        Ok(s.positive_time(field, d)? as f64 / SECOND as f64)
    };
    let kinds = ["exponential", "constant", "lognormal"];
    Ok(match s.tag("distribution", &kinds, "service time")? {
        "exponential" => {
            let r: RawMean = s.read_without(&["distribution"])?;
            ServiceTime::Exponential {
                mean: seconds("mean", r.mean)?,
            }
        }
        "constant" => {
            let r: RawConstant = s.read_without(&["distribution"])?;
            ServiceTime::Constant {
                value: seconds("value", r.value)?,
            }
        }
        _ => {
            let r: RawLognormal = s.read_without(&["distribution"])?;
            ServiceTime::LogNormal {
                mean: seconds("mean", r.mean)?,
                cv: s.finite(
                    "cv",
                    r.cv,
                    "a coefficient of variation in (0, 20]",
                    r.cv > 0.0 && r.cv <= 20.0,
                )?,
            }
        }
    })
}
