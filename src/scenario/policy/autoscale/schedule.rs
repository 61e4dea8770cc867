//! `[[policy.schedule]]`: recurring scheduled actions (AWS scheduled scaling) that change
//! min, max or the desired capacity at a time of day. Time 0 is Monday 00:00.

use serde::Deserialize;

use crate::engine::{SECOND, Time};
use crate::scenario::check::Scope;
use crate::scenario::error::ScenarioError;

/// Most scheduled actions in one group.
const MAX_ACTIONS: usize = 1000;
const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// One recurring scheduled action.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduledAction {
    /// Time of day it runs, from 00:00.
    pub at: Time,
    /// Days of the week it runs on: bit 0 = Monday … bit 6 = Sunday.
    pub days: u8,
    pub min: Option<u32>,
    pub max: Option<u32>,
    pub desired: Option<u32>,
}

/// A scheduled action as written: `{ at = "08:00", days = ["mon"], min = 4 }`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Raw {
    at: String,
    days: Option<Vec<String>>,
    min: Option<u64>,
    max: Option<u64>,
    desired: Option<u64>,
}

/// A time of day `HH:MM` or `HH:MM:SS`, in simulator time from 00:00.
pub(crate) fn time_of_day(text: &str) -> Option<Time> {
    let parts: Vec<&str> = text.trim().split(':').collect();
    if !(2..=3).contains(&parts.len())
        || parts
            .iter()
            .any(|p| p.len() != 2 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let n: Vec<u64> = parts.iter().filter_map(|p| p.parse().ok()).collect();
    let (h, m, sec) = (n[0], n[1], n.get(2).copied().unwrap_or(0));
    (h < 24 && m < 60 && sec < 60).then_some((h * 3600 + m * 60 + sec) * SECOND)
}

/// Checks the actions of a `schedule` list (scope `s`): a time of day, days of the week,
/// and a consistent min/max/desired (any of them may be 0: a group scaled to zero on
/// schedule; see [`wakes_again`]).
pub(crate) fn check(
    s: &Scope,
    raw: Vec<Raw>,
    slots: u32,
) -> Result<Vec<ScheduledAction>, ScenarioError> {
    if raw.len() > MAX_ACTIONS {
        return Err(s.error("", format!("at most {MAX_ACTIONS} scheduled actions")));
    }
    let mut out = Vec::with_capacity(raw.len());
    for (i, a) in raw.into_iter().enumerate() {
        let g = s.item(i);
        let at = time_of_day(&a.at).ok_or_else(|| {
            g.error(
                "at",
                format!(
                    "expected a time of day \"HH:MM\" or \"HH:MM:SS\" from 00:00 to 23:59:59, got {:?}",
                    a.at
                ),
            )
        })?;
        let days = match &a.days {
            None => 0x7f,
            Some(list) => {
                let ds = g.scope("days");
                let mut bits = 0u8;
                for (j, d) in list.iter().enumerate() {
                    let bit = DAY_NAMES
                        .iter()
                        .position(|n| n.eq_ignore_ascii_case(d.trim()))
                        .map(|k| 1u8 << k);
                    match bit {
                        Some(b) if bits & b == 0 => bits |= b,
                        _ => {
                            return Err(ds.item(j).error(
                                "",
                                format!("expected one of \"mon\" … \"sun\", each once, got {d:?}"),
                            ));
                        }
                    }
                }
                if bits == 0 {
                    return Err(g.error(
                        "days",
                        "expected at least one day, or no `days` for every day",
                    ));
                }
                bits
            }
        };
        let size = |name: &str, v: Option<u64>| -> Result<Option<u32>, ScenarioError> {
            v.map(|v| g.fleet_size(name, v, 0, slots)).transpose()
        };
        let (min, max, desired) = (
            size("min", a.min)?,
            size("max", a.max)?,
            size("desired", a.desired)?,
        );
        if min.is_none() && max.is_none() && desired.is_none() {
            return Err(g.error("", "expected at least one of `min`, `max`, `desired`"));
        }
        if let (Some(lo), Some(hi)) = (min, max) {
            if lo > hi {
                return Err(g.error(
                    "min",
                    format!("must not exceed this action's max ({hi}), got {lo}"),
                ));
            }
        }
        if let Some(d) = desired {
            if min.is_some_and(|lo| d < lo) || max.is_some_and(|hi| d > hi) {
                return Err(g.error(
                    "desired",
                    format!("must lie within this action's min and max, got {d}"),
                ));
            }
        }
        out.push(ScheduledAction {
            at,
            days,
            min,
            max,
            desired,
        });
    }
    Ok(out)
}

/// A group whose strategy cannot leave zero servers by itself (`why` says which and
/// why) may be taken to zero by an action (`min`, `max` or `desired` 0) only if another
/// action brings it back (`desired` or `min` ≥ 1): a clock, not the load, wakes it.
pub(crate) fn wakes_again(
    s: &Scope,
    actions: &[ScheduledAction],
    why: &str,
) -> Result<(), ScenarioError> {
    let to_zero = actions
        .iter()
        .position(|a| a.min == Some(0) || a.max == Some(0) || a.desired == Some(0));
    let wakes = actions
        .iter()
        .any(|a| a.desired.is_some_and(|d| d > 0) || a.min.is_some_and(|m| m > 0));
    match to_zero {
        Some(i) if !wakes => {
            let a = &actions[i];
            let field = if a.desired == Some(0) {
                "desired"
            } else if a.max == Some(0) {
                "max"
            } else {
                "min"
            };
            Err(s.item(i).error(
                field,
                format!("{why}; or add a scheduled action that sets desired or min ≥ 1 to bring the group back"),
            ))
        }
        _ => Ok(()),
    }
}
