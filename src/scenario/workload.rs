//! `[workload]`: the traffic, a base rate, or a replayed trace (`workload/trace.rs`),
//! shaped by multiplicative shapes (spike, step, diurnal, profile, growth). See
//! `workload::rate` for how they are evaluated.

pub(crate) mod trace;

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use super::check::{Deferred, Scope};
use super::error::ScenarioError;
use crate::engine::Time;
use crate::workload::trace::Trace;

/// Most shapes one workload may have.
const MAX_SHAPES: usize = 1_000;
/// Most points in one profile.
const MAX_PROFILE_POINTS: usize = 100_000;

/// Traffic: a base rate, or a trace, shaped by multiplicative shapes:
/// λ(t) = `base_rate` × trace(t) × shapes(t).
#[derive(Debug, Clone, PartialEq)]
pub struct Workload {
    /// Requests per second before shapes; with a trace, what multiplies it: 1 for a rate
    /// trace (its `scale` is in its rates), `scale` for exact arrivals.
    pub base_rate: f64,
    pub shapes: Vec<Shape>,
    /// A replayed trace, shared by every copy of the scenario.
    pub trace: Option<Arc<Trace>>,
}

/// A multiplier on the base rate, as a function of time. See `workload::rate`.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// Rises linearly from 1 to `factor` over `ramp_up`, holds, then falls back to 1
    /// linearly over `ramp_down` or exponentially with time constant `decay`.
    Spike {
        start: Time,
        ramp_up: Time,
        hold: Time,
        ramp_down: Time,
        decay: Option<Time>,
        factor: f64,
    },
    /// `factor` from `at` (until `until`, if given).
    Step {
        at: Time,
        until: Option<Time>,
        factor: f64,
    },
    /// `1 + amplitude × cos(2π (t − peak_at) / period)`.
    Diurnal {
        amplitude: f64,
        period: Time,
        peak_at: Time,
    },
    /// A cyclic profile of equally spaced points, scaled to mean 1.
    Profile {
        period: Time,
        /// Already divided by their mean.
        points: Vec<f64>,
        interpolate: Interpolate,
        offset: Time,
    },
    /// Compound growth: `factor^(t / per)`.
    Growth { factor: f64, per: Time },
}

/// How a profile goes from one point to the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Interpolate {
    Linear,
    Step,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    base_rate: Option<f64>,
    #[allow(dead_code)] // read at its own scope
    trace: Option<Deferred>,
    #[serde(default)]
    shape: Vec<Deferred>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpike {
    #[serde(with = "humantime_serde")]
    start: Duration,
    #[serde(with = "humantime_serde", default)]
    ramp_up: Duration,
    #[serde(with = "humantime_serde", default)]
    hold: Duration,
    #[serde(with = "humantime_serde", default)]
    ramp_down: Duration,
    #[serde(with = "humantime_serde", default)]
    decay: Option<Duration>,
    factor: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    #[serde(with = "humantime_serde")]
    at: Duration,
    #[serde(with = "humantime_serde", default)]
    until: Option<Duration>,
    factor: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDiurnal {
    amplitude: f64,
    #[serde(with = "humantime_serde", default = "default_day")]
    period: Duration,
    #[serde(with = "humantime_serde", default = "default_peak_at")]
    peak_at: Duration,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    #[serde(with = "humantime_serde", default = "default_day")]
    period: Duration,
    points: Vec<f64>,
    #[serde(default = "default_interpolate")]
    interpolate: Interpolate,
    #[serde(with = "humantime_serde", default)]
    offset: Duration,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGrowth {
    factor: f64,
    #[serde(with = "humantime_serde")]
    per: Duration,
}

fn default_day() -> Duration {
    Duration::from_secs(86_400)
}
/// Web traffic peaks in the afternoon.
fn default_peak_at() -> Duration {
    Duration::from_secs(14 * 3600)
}
fn default_interpolate() -> Interpolate {
    Interpolate::Linear
}

/// Reads the trace of `[workload]` (scope `s`), if it has one: before anything else, as
/// its length is the default horizon.
pub(crate) fn load_trace(s: &Scope) -> Result<Option<trace::Loaded>, ScenarioError> {
    if s.has("trace") {
        trace::check(&s.scope("trace")).map(Some)
    } else {
        Ok(None)
    }
}

/// Checks `[workload]` (scope `s`) for a run of `horizon`, with its `trace` loaded.
pub(crate) fn check(
    s: &Scope,
    horizon: Time,
    trace: Option<trace::Loaded>,
) -> Result<Workload, ScenarioError> {
    let raw: Raw = s.read()?;
    let base_rate = match (raw.base_rate, &trace) {
        (Some(_), Some(_)) => {
            return Err(s.error(
                "base_rate",
                "a trace gives the rate: leave base_rate out (the trace's `scale` multiplies it)",
            ));
        }
        (None, None) => {
            return Err(s.error(
                "",
                "missing field `base_rate`: give a base rate in requests per second, or a `trace`",
            ));
        }
        (None, Some(t)) => t.multiplier,
        (Some(rate), None) => s.finite(
            "base_rate",
            rate,
            "requests per second > 0 and at most 10000000",
            rate > 0.0 && rate <= 1e7,
        )?,
    };
    if raw.shape.len() > MAX_SHAPES {
        return Err(s.error(
            "shape",
            format!("{} shapes; at most {MAX_SHAPES}", raw.shape.len()),
        ));
    }
    let shapes = s
        .scope("shape")
        .items()
        .map(|shape| check_shape(&shape))
        .collect::<Result<Vec<_>, _>>()?;
    let workload = Workload {
        base_rate,
        shapes,
        trace: trace.map(|t| Arc::new(t.trace)),
    };
    let peak = crate::workload::RateFunction::new(&workload).max_over(0, horizon);
    if !(peak.is_finite() && peak <= 1e8) {
        return Err(s.error(
            "shape",
            format!(
                "the shapes multiply the rate to {peak:.3e} requests/s; at most 1e8 is supported"
            ),
        ));
    }
    Ok(workload)
}

/// One `[[workload.shape]]`.
fn check_shape(s: &Scope) -> Result<Shape, ScenarioError> {
    let factor_ok = |v: f64| {
        s.finite(
            "factor",
            v,
            "a finite factor ≥ 0 and at most 10000",
            (0.0..=1e4).contains(&v),
        )
    };
    let kinds = ["spike", "step", "diurnal", "profile", "growth"];
    Ok(match s.tag("type", &kinds, "shape")? {
        "spike" => {
            let r: RawSpike = s.read_without(&["type"])?;
            if r.decay.is_some() && !r.ramp_down.is_zero() {
                return Err(s.error(
                    "decay",
                    "give either ramp_down (linear) or decay (exponential), not both",
                ));
            }
            Shape::Spike {
                start: s.time("start", r.start)?,
                ramp_up: s.time("ramp_up", r.ramp_up)?,
                hold: s.time("hold", r.hold)?,
                ramp_down: s.time("ramp_down", r.ramp_down)?,
                decay: r.decay.map(|d| s.positive_time("decay", d)).transpose()?,
                factor: factor_ok(r.factor)?,
            }
        }
        "step" => {
            let r: RawStep = s.read_without(&["type"])?;
            let at = s.time("at", r.at)?;
            let until = r.until.map(|u| s.time("until", u)).transpose()?;
            if until.is_some_and(|u| u <= at) {
                return Err(s.error("until", "must be later than `at`"));
            }
            Shape::Step {
                at,
                until,
                factor: factor_ok(r.factor)?,
            }
        }
        "diurnal" => {
            let r: RawDiurnal = s.read_without(&["type"])?;
            Shape::Diurnal {
                amplitude: s.finite(
                    "amplitude",
                    r.amplitude,
                    "an amplitude from 0 to 1",
                    (0.0..=1.0).contains(&r.amplitude),
                )?,
                period: s.interval("period", r.period, "a traffic cycle shorter than a second cannot be followed: arrivals are bounded minute by minute")?,
                peak_at: s.time("peak_at", r.peak_at)?,
            }
        }
        "profile" => {
            let r: RawProfile = s.read_without(&["type"])?;
            if r.points.is_empty() || r.points.len() > MAX_PROFILE_POINTS {
                return Err(s.error("points", "expected 1 to 100000 points"));
            }
            for &p in &r.points {
                s.finite("points", p, "finite values ≥ 0", p >= 0.0)?;
            }
            let mean = r.points.iter().sum::<f64>() / r.points.len() as f64;
            if !(mean > 0.0 && mean.is_finite()) {
                return Err(s.error("points", "at least one point must be > 0"));
            }
            Shape::Profile {
                period: s.interval("period", r.period, "a traffic cycle shorter than a second cannot be followed: arrivals are bounded minute by minute")?,
                points: r.points.iter().map(|p| p / mean).collect(),
                interpolate: r.interpolate,
                offset: s.time("offset", r.offset)?,
            }
        }
        _ => {
            let r: RawGrowth = s.read_without(&["type"])?;
            Shape::Growth {
                factor: s.finite(
                    "factor",
                    r.factor,
                    "a growth factor > 0 and at most 1000",
                    r.factor > 0.0 && r.factor <= 1e3,
                )?,
                per: s.positive_time("per", r.per)?,
            }
        }
    })
}
