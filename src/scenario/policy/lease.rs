//! `type = "lease"`: an IDC lease, a fleet paid per term with setup fees, committed for
//! `min_terms` terms; optionally resized at each renewal and with a bandwidth commit
//! billed at the monthly 95th percentile.
//!
//! Colocation and dedicated-server contracts ask for about 30 days' notice.

use std::time::Duration;

use serde::Deserialize;

use super::Context;
use crate::engine::{SECOND, Time, human_duration};
use crate::scenario::check::{Scope, largest_fleet};
use crate::scenario::error::ScenarioError;

/// Ten years of monthly terms: longer contracts are not leases any more.
const MAX_MIN_TERMS: i64 = 120;

/// An IDC lease: a fixed fleet paid per term.
#[derive(Debug, Clone, PartialEq)]
pub struct LeaseSpec {
    pub servers: u32,
    pub term: Time,
    pub price_per_server_term: f64,
    pub setup_fee_per_server: f64,
    /// Terms each server is committed for from its start (the contract's minimum
    /// length): it cannot be handed back before, and is owed for them all.
    pub min_terms: u32,
    /// USD per server to leave before `min_terms` are served, instead of paying them out;
    /// without it a committed server stays until its commitment ends.
    pub early_exit_fee: Option<f64>,
    /// How the fleet is resized at each renewal, if at all.
    pub renewal: Option<Renewal>,
    /// A bandwidth commit billed at the 95th percentile, if any.
    pub bandwidth: Option<Bandwidth>,
}

/// A bandwidth commit billed at the monthly 95th percentile of 5-minute rates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bandwidth {
    /// Bytes sent per request served (response size).
    pub bytes_per_request: f64,
    pub commit_mbps: f64,
    /// USD per committed Mbps per month.
    pub price_per_mbps: f64,
    /// USD per Mbps per month above the commit.
    pub overage_per_mbps: f64,
}

/// Resizing a lease at its renewals: `notice` before each term boundary the fleet for the
/// next term is set to the term's observed peak busy servers × `headroom` (at least
/// `min_servers`, the contract's minimum commitment); added servers are provisioned
/// `lead_time` after that decision (not before the boundary), returned ones leave at the
/// boundary.
#[derive(Debug, Clone, PartialEq)]
pub struct Renewal {
    pub headroom: f64,
    pub notice: Time,
    pub lead_time: Time,
    pub min_servers: u32,
    pub max_servers: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Raw {
    servers: u64,
    #[serde(with = "humantime_serde")]
    term: Duration,
    price_per_server_term: f64,
    #[serde(default)]
    setup_fee_per_server: f64,
    #[serde(default = "one_term")]
    min_terms: i64,
    #[serde(default)]
    early_exit_fee: Option<f64>,
    #[serde(default)]
    renewal: Option<RawRenewal>,
    #[serde(default)]
    bandwidth: Option<RawBandwidth>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRenewal {
    #[serde(default = "default_headroom")]
    headroom: f64,
    #[serde(with = "humantime_serde", default)]
    notice: Option<Duration>,
    #[serde(with = "humantime_serde", default)]
    lead_time: Duration,
    #[serde(default = "default_min_servers")]
    min_servers: u64,
    max_servers: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBandwidth {
    bytes_per_request: f64,
    #[serde(default)]
    commit_mbps: f64,
    #[serde(default)]
    price_per_mbps: f64,
    #[serde(default)]
    overage_per_mbps: f64,
}

/// A lease commits each server for one term unless the contract says more.
fn one_term() -> i64 {
    1
}
/// Peak × 1.25: the usual planning margin over the observed peak.
fn default_headroom() -> f64 {
    1.25
}
fn default_min_servers() -> u64 {
    1
}
/// About 30 days' notice; a contract whose term is that short or shorter asks for half a
/// term.
fn default_notice(term: Time) -> Time {
    const MONTH_NOTICE: Time = 30 * 86_400 * SECOND;
    if term > MONTH_NOTICE {
        MONTH_NOTICE
    } else {
        term / 2
    }
}

/// Checks a `lease` block (scope `s`).
pub(crate) fn check(s: &Scope, raw: Raw, cx: Context) -> Result<LeaseSpec, ScenarioError> {
    let servers = s.fleet_size("servers", raw.servers, 1, cx.slots)?;
    let term = s.interval(
        "term",
        raw.term,
        "every term is a renewal; IDC terms run for months",
    )?;
    if !(1..=MAX_MIN_TERMS).contains(&raw.min_terms) {
        return Err(s.error(
            "min_terms",
            format!(
                "expected a whole number of terms from 1 to {MAX_MIN_TERMS}, got {}",
                raw.min_terms
            ),
        ));
    }
    let early_exit_fee = match raw.early_exit_fee {
        None => None,
        Some(_) if raw.min_terms == 1 => {
            return Err(s.error(
                "early_exit_fee",
                "applies only to servers committed for more than one term: set `min_terms` above 1 (a one-term lease is free to leave at its end)",
            ));
        }
        Some(fee) => Some(s.non_negative("early_exit_fee", fee)?),
    };
    let renewal = match raw.renewal {
        None => None,
        Some(r) => Some(check_renewal(&s.scope("renewal"), r, term, cx.slots)?),
    };
    let bandwidth = match raw.bandwidth {
        None => None,
        Some(b) => Some(check_bandwidth(&s.scope("bandwidth"), b)?),
    };
    Ok(LeaseSpec {
        servers,
        term,
        renewal,
        bandwidth,
        price_per_server_term: s
            .non_negative("price_per_server_term", raw.price_per_server_term)?,
        setup_fee_per_server: s.non_negative("setup_fee_per_server", raw.setup_fee_per_server)?,
        min_terms: raw.min_terms as u32,
        early_exit_fee,
    })
}

fn check_renewal(
    s: &Scope,
    raw: RawRenewal,
    term: Time,
    slots: u32,
) -> Result<Renewal, ScenarioError> {
    let headroom = s.finite(
        "headroom",
        raw.headroom,
        "a headroom factor from 1 to 10",
        (1.0..=10.0).contains(&raw.headroom),
    )?;
    let notice = match raw.notice {
        Some(notice) => s.time("notice", notice)?,
        None => default_notice(term),
    };
    if notice >= term {
        return Err(s.error(
            "notice",
            format!(
                "must be shorter than the term ({}), got {}",
                human_duration(term),
                human_duration(notice)
            ),
        ));
    }
    let min_servers = s.fleet_size("min_servers", raw.min_servers, 1, slots)?;
    let max_servers = s.fleet_size(
        "max_servers",
        raw.max_servers.unwrap_or(largest_fleet(slots)),
        min_servers as u64,
        slots,
    )?;
    Ok(Renewal {
        headroom,
        notice,
        lead_time: s.time("lead_time", raw.lead_time)?,
        min_servers,
        max_servers,
    })
}

fn check_bandwidth(s: &Scope, raw: RawBandwidth) -> Result<Bandwidth, ScenarioError> {
    Ok(Bandwidth {
        bytes_per_request: s.finite(
            "bytes_per_request",
            raw.bytes_per_request,
            "bytes per response, > 0 and at most 1e12",
            raw.bytes_per_request > 0.0 && raw.bytes_per_request <= 1e12,
        )?,
        commit_mbps: s.non_negative("commit_mbps", raw.commit_mbps)?,
        price_per_mbps: s.non_negative("price_per_mbps", raw.price_per_mbps)?,
        overage_per_mbps: s.non_negative("overage_per_mbps", raw.overage_per_mbps)?,
    })
}
