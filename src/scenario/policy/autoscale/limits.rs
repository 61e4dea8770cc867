//! `limits = { quota, launches_per_minute, shortages, retry_every }`: what the cloud
//! provider refuses (see `provider.rs`).

use std::time::Duration;

use serde::Deserialize;

use crate::engine::{SECOND, Time};
use crate::scenario::check::{MAX_SERVERS, Scope};
use crate::scenario::error::ScenarioError;

/// What the cloud provider refuses.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderLimits {
    /// Instances alive at once in the account.
    pub quota: Option<u32>,
    /// Launch token bucket: size and refill per minute.
    pub launches_per_minute: Option<u32>,
    /// [start, end) windows in which every launch fails.
    pub shortages: Vec<(Time, Time)>,
    /// How often refused launches are retried.
    pub retry_every: Time,
}

impl Default for ProviderLimits {
    fn default() -> Self {
        ProviderLimits {
            quota: None,
            launches_per_minute: None,
            shortages: Vec::new(),
            retry_every: 30 * SECOND,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Raw {
    quota: Option<u64>,
    launches_per_minute: Option<u64>,
    #[serde(default)]
    shortages: Vec<RawShortage>,
    #[serde(with = "humantime_serde", default)]
    retry_every: Option<Duration>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawShortage {
    #[serde(with = "humantime_serde")]
    start: Duration,
    #[serde(with = "humantime_serde")]
    duration: Duration,
}

/// Checks `limits` (scope `s`) for a run of `horizon`.
pub(crate) fn check(s: &Scope, raw: Raw, horizon: Time) -> Result<ProviderLimits, ScenarioError> {
    let quota = raw
        .quota
        .map(|q| s.count("quota", q, 1, MAX_SERVERS))
        .transpose()?;
    let launches_per_minute = raw
        .launches_per_minute
        .map(|r| s.count("launches_per_minute", r, 1, MAX_SERVERS))
        .transpose()?;
    let list = s.scope("shortages");
    let mut shortages = Vec::with_capacity(raw.shortages.len());
    for (i, w) in raw.shortages.into_iter().enumerate() {
        let ws = list.item(i);
        let start = ws.time("start", w.start)?;
        let length = ws.positive_time("duration", w.duration)?;
        if start >= horizon {
            return Err(ws.error("start", "expected a start inside the horizon"));
        }
        shortages.push((start, start.saturating_add(length)));
    }
    let retry_every = match raw.retry_every {
        None => ProviderLimits::default().retry_every,
        Some(r) => s.interval(
            "retry_every",
            r,
            "a cloud API answers a launch in seconds; retrying faster only multiplies events",
        )?,
    };
    Ok(ProviderLimits {
        quota,
        launches_per_minute,
        shortages,
        retry_every,
    })
}
