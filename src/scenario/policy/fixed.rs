//! `type = "fixed"`: own servers, bought up front, paid whether busy or idle; optionally a
//! purchase rule that orders more, delivered weeks later.
//!
//! The default PUE, 1.58, is the industry average the Uptime Institute reported in 2023.

use std::time::Duration;

use serde::Deserialize;

use super::Context;
use crate::engine::SECOND;
use crate::scenario::check::{MAX_SERVERS, Scope, fmt_duration, largest_fleet};
use crate::scenario::error::ScenarioError;

/// Own servers, bought up front.
#[derive(Debug, Clone, PartialEq)]
pub struct FixedSpec {
    pub servers: u32,
    pub capex_per_server: f64,
    /// Seconds over which capex is spread.
    pub amortization: f64,
    /// Power drawn at full load (and at any load without `idle_watts`).
    pub watts: f64,
    /// Power drawn idle: with it, a server draws `idle_watts + (watts − idle_watts) ×
    /// utilisation`.
    pub idle_watts: Option<f64>,
    pub pue: f64,
    pub price_per_kwh: f64,
    pub ops_per_server_month: f64,
    /// How the owner buys more (and retires) servers, if at all.
    pub purchase: Option<PurchaseRule>,
}

/// An owner's rule for growing the fleet: when utilisation over `lookback` exceeds
/// `threshold`, order `order` servers, delivered (and paid from then on) `lead_time`
/// later; when it falls below `retire_below`, retire `order` servers, never below the
/// initial fleet.
#[derive(Debug, Clone, PartialEq)]
pub struct PurchaseRule {
    pub threshold: f64,
    pub lookback: crate::engine::Time,
    pub order: u32,
    pub lead_time: crate::engine::Time,
    pub max_servers: u32,
    pub retire_below: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Raw {
    servers: u64,
    cost: RawCost,
    #[serde(default)]
    purchase: Option<RawPurchaseRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCost {
    capex_per_server: f64,
    #[serde(with = "humantime_serde")]
    amortization: Duration,
    #[serde(default)]
    watts: f64,
    idle_watts: Option<f64>,
    #[serde(default = "default_pue")]
    pue: f64,
    #[serde(default)]
    price_per_kwh: f64,
    #[serde(default)]
    ops_per_server_month: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPurchaseRule {
    threshold: f64,
    #[serde(with = "humantime_serde", default = "default_lookback")]
    lookback: Duration,
    order: u64,
    #[serde(with = "humantime_serde")]
    lead_time: Duration,
    max_servers: Option<u64>,
    retire_below: Option<f64>,
}

fn default_pue() -> f64 {
    1.58
}

/// A week of hourly utilisation: long enough to see past one day's peak.
fn default_lookback() -> Duration {
    Duration::from_secs(7 * 86_400)
}

/// Checks a `fixed` block (scope `s`).
pub(crate) fn check(s: &Scope, raw: Raw, cx: Context) -> Result<FixedSpec, ScenarioError> {
    let servers = s.fleet_size("servers", raw.servers, 1, cx.slots)?;
    let purchase = match raw.purchase {
        None => None,
        Some(p) => Some(check_purchase(&s.scope("purchase"), p, servers, cx.slots)?),
    };
    let k = s.scope("cost");
    let cost = raw.cost;
    Ok(FixedSpec {
        servers,
        purchase,
        capex_per_server: k.non_negative("capex_per_server", cost.capex_per_server)?,
        amortization: k.positive_time("amortization", cost.amortization)? as f64 / SECOND as f64,
        watts: k.non_negative("watts", cost.watts)?,
        idle_watts: match cost.idle_watts {
            None => None,
            Some(w) => Some(k.finite(
                "idle_watts",
                w,
                &format!("watts drawn idle, from 0 to `watts` ({})", cost.watts),
                w >= 0.0 && w <= cost.watts,
            )?),
        },
        pue: k.finite(
            "pue",
            cost.pue,
            "a PUE from 1 to 5",
            (1.0..=5.0).contains(&cost.pue),
        )?,
        price_per_kwh: k.non_negative("price_per_kwh", cost.price_per_kwh)?,
        ops_per_server_month: k.non_negative("ops_per_server_month", cost.ops_per_server_month)?,
    })
}

fn check_purchase(
    s: &Scope,
    raw: RawPurchaseRule,
    servers: u32,
    slots: u32,
) -> Result<PurchaseRule, ScenarioError> {
    let util =
        |field: &str, v: f64| s.finite(field, v, "a utilisation in (0, 1]", v > 0.0 && v <= 1.0);
    let threshold = util("threshold", raw.threshold)?;
    let lookback = s.positive_time("lookback", raw.lookback)?;
    if lookback < 3600 * SECOND {
        return Err(s.error(
            "lookback",
            format!(
                "expected at least 1h (utilisation is reviewed hourly), got {}",
                fmt_duration(raw.lookback)
            ),
        ));
    }
    let max_servers = s.fleet_size(
        "max_servers",
        raw.max_servers.unwrap_or(largest_fleet(slots)),
        servers as u64,
        slots,
    )?;
    let retire_below = match raw.retire_below {
        None => None,
        Some(v) => {
            let v = util("retire_below", v)?;
            if v >= threshold {
                return Err(s.error(
                    "retire_below",
                    format!("must be below threshold ({threshold}), got {v}"),
                ));
            }
            Some(v)
        }
    };
    Ok(PurchaseRule {
        threshold,
        lookback,
        order: s.count("order", raw.order, 1, MAX_SERVERS)?,
        lead_time: s.time("lead_time", raw.lead_time)?,
        max_servers,
        retire_below,
    })
}
