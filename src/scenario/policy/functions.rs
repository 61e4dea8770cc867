//! `type = "functions"`: serverless functions (AWS Lambda, Google Cloud Run). Instances
//! appear on demand: each serves `concurrency` requests at once; a request that finds no
//! free warm instance starts one and waits its cold start; an instance idle for
//! `keep_alive` is removed; `concurrency_limit` caps the instances and a request beyond it
//! is throttled (dropped). `provisioned` instances stay warm and are paid whether used or
//! not. Billing is per request (requests + GB-seconds of each request's rounded
//! duration, Lambda) or per active instance time (Cloud Run's request-based billing).
//!
//! A `preset` fills in a provider's figures; every field given overrides it. The figures
//! and their sources are in the README's *Functions* section.

use std::time::Duration;

use serde::Deserialize;

use super::Context;
use crate::engine::{SECOND, Time};
use crate::scenario::check::{MAX_DURATION, MAX_POLICY_SLOTS, MAX_SERVERS, Scope, fmt_duration};
use crate::scenario::error::ScenarioError;

/// One millisecond of simulator time.
const MILLISECOND: Time = SECOND / 1000;
/// Most requests one instance serves at once (Cloud Run's maximum).
pub(crate) const MAX_CONCURRENCY: u64 = 1_000;
/// Most memory per instance, GB (Cloud Run's largest instance has 32 GiB; Lambda 10 GB).
const MAX_MEMORY_GB: f64 = 64.0;
/// Most vCPUs per instance (Cloud Run's largest has 8).
const MAX_VCPU: f64 = 64.0;
/// Longest cold start (Lambda's INIT phase is capped at 10 s; a Cloud Run container may
/// take minutes to start).
const MAX_COLD_START: Time = 3600 * SECOND;
/// Coarsest billing rounding.
const MAX_GRANULARITY: Time = 3600 * SECOND;

/// A serverless function.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionsSpec {
    /// Requests one instance serves at once.
    pub concurrency: u32,
    /// Memory per instance, GB (GiB for Cloud Run): what GB-seconds are counted in.
    pub memory_gb: f64,
    /// vCPUs per instance (billed by active instance time only).
    pub vcpu: f64,
    /// Cold start: the constant, or the median when `cold_start_p95` is set.
    pub cold_start: Time,
    /// 95th percentile of a lognormal cold start.
    pub cold_start_p95: Option<Time>,
    /// An instance idle this long is removed.
    pub keep_alive: Time,
    /// Most instances at once (booting ones included).
    pub concurrency_limit: u32,
    /// Instances kept warm all the time, paid whether used or not.
    pub provisioned: u32,
    pub billing: FunctionBilling,
}

/// What a function's use is billed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// Lambda: per request, its duration rounded up to `granularity` × memory.
    Request,
    /// Cloud Run request-based billing: instance time while at least one request is
    /// active (concurrent requests share it), each active period rounded up to
    /// `granularity`, × vCPU and memory prices.
    Instance,
}

/// A function's prices.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionBilling {
    pub basis: Basis,
    pub price_per_request: f64,
    /// USD per GB-second of billed duration (or of active instance time).
    pub price_per_gb_second: f64,
    /// USD per vCPU-second of active instance time (`Instance` basis).
    pub price_per_vcpu_second: f64,
    /// Each request's billed duration (or each active period) is rounded up to this.
    pub granularity: Time,
    /// Provisioned instances: USD per GB-second and per vCPU-second, all the time.
    pub provisioned_price_per_gb_second: f64,
    pub provisioned_price_per_vcpu_second: f64,
    /// `Request` basis: USD per GB-second of duration served on provisioned instances.
    pub provisioned_duration_price_per_gb_second: f64,
    /// Whether a cold start's time is billed (to the request that caused it, or as
    /// active instance time).
    pub bill_init: bool,
}

/// A provider's figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunctionsPreset {
    /// AWS Lambda, x86, us-east-1.
    AwsLambda,
    /// Google Cloud Run services, request-based billing, Tier 1 region.
    CloudRun,
}

impl FunctionsPreset {
    pub const ALL: [(&'static str, FunctionsPreset); 2] = [
        ("aws-lambda", FunctionsPreset::AwsLambda),
        ("cloud-run", FunctionsPreset::CloudRun),
    ];

    /// Defaults: (concurrency, concurrency_limit, memory_gb, vcpu, keep_alive).
    fn defaults(self) -> (u64, u64, f64, f64, Time) {
        match self {
            // One request per execution environment; 1,000 concurrent executions per
            // region by default; 128 MB is the smallest and the console's default.
            // AWS does not document how long an idle environment is kept: 10 minutes is
            // an assumption (measure yours).
            FunctionsPreset::AwsLambda => (1, 1_000, 0.125, 0.0, 600 * SECOND),
            // Concurrency 80 and 100 max instances by default; 512 MiB and 1 vCPU; an
            // idle instance is kept up to 15 minutes.
            FunctionsPreset::CloudRun => (80, 100, 0.5, 1.0, 900 * SECOND),
        }
    }

    fn billing(self) -> FunctionBilling {
        match self {
            FunctionsPreset::AwsLambda => FunctionBilling {
                basis: Basis::Request,
                price_per_request: 0.20 / 1e6,
                price_per_gb_second: 0.000_016_666_7,
                price_per_vcpu_second: 0.0,
                granularity: MILLISECOND,
                provisioned_price_per_gb_second: 0.000_004_166_7,
                provisioned_price_per_vcpu_second: 0.0,
                provisioned_duration_price_per_gb_second: 0.000_009_722_2,
                // INIT billed for on-demand functions since 1 Aug 2025.
                bill_init: true,
            },
            FunctionsPreset::CloudRun => FunctionBilling {
                basis: Basis::Instance,
                price_per_request: 0.40 / 1e6,
                price_per_gb_second: 0.000_002_5,
                price_per_vcpu_second: 0.000_024,
                granularity: 100 * MILLISECOND,
                // Idle minimum instances: $0.0000025 per vCPU-second and per GiB-second.
                provisioned_price_per_gb_second: 0.000_002_5,
                provisioned_price_per_vcpu_second: 0.000_002_5,
                provisioned_duration_price_per_gb_second: 0.0,
                // Container startup time is billable.
                bill_init: true,
            },
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Raw {
    preset: Option<String>,
    concurrency: Option<u64>,
    memory_gb: Option<f64>,
    vcpu: Option<f64>,
    #[serde(with = "humantime_serde")]
    cold_start: Duration,
    #[serde(with = "humantime_serde", default)]
    cold_start_p95: Option<Duration>,
    #[serde(with = "humantime_serde", default)]
    keep_alive: Option<Duration>,
    concurrency_limit: Option<u64>,
    #[serde(default)]
    provisioned: u64,
    #[serde(default)]
    billing: Option<RawBilling>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBilling {
    basis: Option<String>,
    price_per_request: Option<f64>,
    price_per_gb_second: Option<f64>,
    price_per_vcpu_second: Option<f64>,
    #[serde(with = "humantime_serde", default)]
    granularity: Option<Duration>,
    provisioned_price_per_gb_second: Option<f64>,
    provisioned_price_per_vcpu_second: Option<f64>,
    provisioned_duration_price_per_gb_second: Option<f64>,
    bill_init: Option<bool>,
}

/// Checks a `functions` block (scope `s`).
pub(crate) fn check(s: &Scope, raw: Raw, _cx: Context) -> Result<FunctionsSpec, ScenarioError> {
    let preset = match &raw.preset {
        None => None,
        Some(name) => match FunctionsPreset::ALL.iter().find(|(n, _)| n == name) {
            Some(&(_, p)) => Some(p),
            None => {
                let names: Vec<String> = FunctionsPreset::ALL
                    .iter()
                    .map(|(n, _)| format!("\"{n}\""))
                    .collect();
                return Err(s.error(
                    "preset",
                    format!("expected one of {}, got {name:?}", names.join(", ")),
                ));
            }
        },
    };
    let (d_concurrency, d_limit, d_memory, d_vcpu, d_keep_alive) = preset
        .map(FunctionsPreset::defaults)
        .unwrap_or((1, 1_000, f64::NAN, 0.0, 600 * SECOND));
    let concurrency = s.count(
        "concurrency",
        raw.concurrency.unwrap_or(d_concurrency),
        1,
        MAX_CONCURRENCY,
    )?;
    let memory_gb = match (raw.memory_gb, preset) {
        (None, None) => {
            return Err(s.error(
                "memory_gb",
                "missing: the memory per instance in GB (e.g. 0.5), or a `preset`",
            ));
        }
        (m, _) => m.unwrap_or(d_memory),
    };
    let memory_gb = s.finite(
        "memory_gb",
        memory_gb,
        &format!("memory per instance in GB, > 0 and at most {MAX_MEMORY_GB}"),
        memory_gb > 0.0 && memory_gb <= MAX_MEMORY_GB,
    )?;
    let vcpu = raw.vcpu.unwrap_or(d_vcpu);
    let vcpu = s.finite(
        "vcpu",
        vcpu,
        &format!("vCPUs per instance, from 0 to {MAX_VCPU}"),
        (0.0..=MAX_VCPU).contains(&vcpu),
    )?;
    let cold_start = s.time("cold_start", raw.cold_start)?;
    if cold_start > MAX_COLD_START {
        return Err(s.error(
            "cold_start",
            format!("expected at most 1h, got {}", fmt_duration(raw.cold_start)),
        ));
    }
    let cold_start_p95 = match raw.cold_start_p95 {
        None => None,
        Some(p95) => {
            let t = s.time("cold_start_p95", p95)?;
            if cold_start == 0 || t < cold_start || t > 100 * cold_start {
                return Err(s.error(
                    "cold_start_p95",
                    format!(
                        "expected the 95th percentile of the cold start, from cold_start (the median, {}, longer than zero) to 100 times it, got {}",
                        fmt_duration(raw.cold_start),
                        fmt_duration(p95)
                    ),
                ));
            }
            Some(t)
        }
    };
    let keep_alive = match raw.keep_alive {
        Some(k) => s.time("keep_alive", k)?,
        None => d_keep_alive,
    };
    // Every slot of every instance may be simulated at once: bound them.
    let most = (MAX_POLICY_SLOTS / u64::from(concurrency)).min(MAX_SERVERS);
    let limit = raw.concurrency_limit.unwrap_or(d_limit.min(most));
    if limit > most && limit <= MAX_SERVERS {
        return Err(s.error(
            "concurrency_limit",
            format!(
                "{limit} instances × concurrency {concurrency} is more than the {MAX_POLICY_SLOTS} slots a policy may have; at most {most} at this concurrency"
            ),
        ));
    }
    let concurrency_limit = s.count("concurrency_limit", limit, 1, MAX_SERVERS)?;
    if raw.provisioned > u64::from(concurrency_limit) {
        return Err(s.error(
            "provisioned",
            format!(
                "expected at most concurrency_limit ({concurrency_limit}) provisioned instances, got {}",
                raw.provisioned
            ),
        ));
    }
    let provisioned = raw.provisioned as u32;
    let billing = check_billing(&s.scope("billing"), raw.billing, preset)?;
    Ok(FunctionsSpec {
        concurrency,
        memory_gb,
        vcpu,
        cold_start,
        cold_start_p95,
        keep_alive: keep_alive.min(MAX_DURATION),
        concurrency_limit,
        provisioned,
        billing,
    })
}

fn check_billing(
    s: &Scope,
    raw: Option<RawBilling>,
    preset: Option<FunctionsPreset>,
) -> Result<FunctionBilling, ScenarioError> {
    let Some(raw) = raw else {
        return match preset {
            Some(p) => Ok(p.billing()),
            None => Err(s.error(
                "",
                "missing: a function without a `preset` needs a `billing` table (price_per_request, price_per_gb_second, ...)",
            )),
        };
    };
    let base = preset.map(FunctionsPreset::billing);
    let basis = match raw.basis.as_deref() {
        None => base.as_ref().map_or(Basis::Request, |b| b.basis),
        Some("request") => Basis::Request,
        Some("instance") => Basis::Instance,
        Some(other) => {
            return Err(s.error(
                "basis",
                format!("expected \"request\" (per request duration, Lambda) or \"instance\" (active instance time, Cloud Run), got {other:?}"),
            ));
        }
    };
    let price = |field: &str, v: Option<f64>, default: f64| -> Result<f64, ScenarioError> {
        match v {
            Some(v) => s.non_negative(field, v),
            None => Ok(default),
        }
    };
    let b = base.as_ref();
    let price_per_gb_second = price(
        "price_per_gb_second",
        raw.price_per_gb_second,
        b.map_or(0.0, |b| b.price_per_gb_second),
    )?;
    if basis == Basis::Request && raw.price_per_vcpu_second.is_some() {
        return Err(s.error(
            "price_per_vcpu_second",
            "applies only to basis = \"instance\" (a request's duration is billed by memory)",
        ));
    }
    let granularity = match raw.granularity {
        Some(g) => {
            let t = s.positive_time("granularity", g)?;
            if t > MAX_GRANULARITY {
                return Err(s.error(
                    "granularity",
                    format!("expected at most 1h, got {}", fmt_duration(g)),
                ));
            }
            t
        }
        None => b.map_or(MILLISECOND, |b| b.granularity),
    };
    Ok(FunctionBilling {
        basis,
        price_per_request: price(
            "price_per_request",
            raw.price_per_request,
            b.map_or(0.0, |b| b.price_per_request),
        )?,
        price_per_gb_second,
        price_per_vcpu_second: price(
            "price_per_vcpu_second",
            raw.price_per_vcpu_second,
            b.map_or(0.0, |b| b.price_per_vcpu_second),
        )?,
        granularity,
        provisioned_price_per_gb_second: price(
            "provisioned_price_per_gb_second",
            raw.provisioned_price_per_gb_second,
            b.map_or(0.0, |b| b.provisioned_price_per_gb_second),
        )?,
        provisioned_price_per_vcpu_second: price(
            "provisioned_price_per_vcpu_second",
            raw.provisioned_price_per_vcpu_second,
            b.map_or(0.0, |b| b.provisioned_price_per_vcpu_second),
        )?,
        provisioned_duration_price_per_gb_second: price(
            "provisioned_duration_price_per_gb_second",
            raw.provisioned_duration_price_per_gb_second,
            b.map_or(price_per_gb_second, |b| {
                if raw.price_per_gb_second.is_some() {
                    price_per_gb_second
                } else {
                    b.provisioned_duration_price_per_gb_second
                }
            }),
        )?,
        bill_init: raw.bill_init.unwrap_or(b.is_none_or(|b| b.bill_init)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_have_the_cited_figures() {
        let l = FunctionsPreset::AwsLambda.billing();
        assert_eq!(l.basis, Basis::Request);
        assert_eq!(l.granularity, MILLISECOND);
        assert!((l.price_per_request * 1e6 - 0.20).abs() < 1e-12);
        let r = FunctionsPreset::CloudRun.billing();
        assert_eq!(r.basis, Basis::Instance);
        assert_eq!(r.granularity, 100 * MILLISECOND);
        assert_eq!(FunctionsPreset::CloudRun.defaults().0, 80);
    }
}
