//! Scheduled scaling, as AWS EC2 Auto Scaling runs scheduled actions (user guide,
//! "Scheduled scaling for Amazon EC2 Auto Scaling"; API `PutScheduledUpdateGroupAction`):
//!
//! an action recurs at a time of day (`at = "08:30"`) on some days of the week (`days =
//! ["mon", "fri"]`, every day if absent) — the recurrences of a cron expression
//! `M H * * days` — and sets any of the group's `min`, `max` and `desired` capacity.
//! Time 0 of a scenario is Monday 00:00, the convention the shipped workload profiles use
//! ("day of week from Monday 00:00").
//!
//! - A new min or max stays in force until another action changes it. If it moves the
//!   range past the current capacity, the group scales to the nearest limit (AWS: "if
//!   the current capacity is outside the new range, the group scales to within it"). An
//!   action giving only a min above the current max raises the max to it, and one giving
//!   only a max below the current min lowers the min (AWS would reject such an action;
//!   a simulation must not stop halfway, so it keeps min ≤ max).
//! - `desired` sets the capacity once; the reactive strategy, which keeps running,
//!   changes it again from its next decision on, within the limits.
//! - Actions are applied at the first control instant at or after their time (AWS runs
//!   them "at the specified time", within about a minute); several due together apply
//!   in time order, ties in file order.
//!
//! `scaling.type = "scheduled"` is the group with no reactive strategy: only the
//! schedule changes it, checked every `period` (default 60 s).

use super::{Strategy, View};
use crate::engine::{SECOND, Time};
use crate::fleet::Decision;
use crate::scenario::ScheduledAction;

const DAY: Time = 86_400 * SECOND;

/// The group's current capacity limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    pub min: u32,
    pub max: u32,
}

impl Limits {
    /// Applies one action's limits, keeping min ≤ max.
    fn apply(&mut self, a: &ScheduledAction) {
        let (mut lo, mut hi) = (a.min.unwrap_or(self.min), a.max.unwrap_or(self.max));
        if lo > hi {
            if a.max.is_none() {
                hi = lo;
            } else {
                lo = hi;
            }
        }
        (self.min, self.max) = (lo, hi);
    }
}

pub(crate) struct Schedule {
    actions: Vec<ScheduledAction>,
    /// Occurrences at or after this time are still to run.
    next_from: Time,
}

impl Schedule {
    pub(crate) fn new(actions: Vec<ScheduledAction>) -> Self {
        Schedule {
            actions,
            next_from: 0,
        }
    }

    /// Runs every occurrence in [last call, now]: updates `limits` and returns the
    /// desired capacity the last one set, if any, within the final limits.
    pub(crate) fn advance(&mut self, now: Time, limits: &mut Limits) -> Option<u32> {
        if self.actions.is_empty() || now < self.next_from {
            return None;
        }
        let from = std::mem::replace(&mut self.next_from, now.saturating_add(1));
        let mut due: Vec<(Time, usize)> = Vec::new();
        for day in from / DAY..=now / DAY {
            let weekday = (day % 7) as u8;
            for (i, a) in self.actions.iter().enumerate() {
                let at = day.saturating_mul(DAY).saturating_add(a.at);
                if a.days & (1 << weekday) != 0 && (from..=now).contains(&at) {
                    due.push((at, i));
                }
            }
        }
        // Stable: ties keep file order.
        due.sort_by_key(|&(at, _)| at);
        let mut desired = None;
        for (_, i) in due {
            let a = &self.actions[i];
            limits.apply(a);
            desired = a.desired.or(desired);
        }
        desired.map(|d| d.clamp(limits.min, limits.max))
    }
}

/// `type = "scheduled"`: no reactive decisions; the policy's schedule does the scaling.
pub(crate) struct ScheduleOnly {
    pub period: Time,
}

impl Strategy for ScheduleOnly {
    fn period(&self) -> Time {
        self.period
    }

    fn decide(&mut self, _view: &View) -> Decision {
        Decision::Hold
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: Time = 3600 * SECOND;

    fn action(
        at_h: u64,
        days: u8,
        min: Option<u32>,
        max: Option<u32>,
        d: Option<u32>,
    ) -> ScheduledAction {
        ScheduledAction {
            at: at_h * H,
            days,
            min,
            max,
            desired: d,
        }
    }

    #[test]
    fn weekday_mornings_raise_the_floor_and_evenings_lower_it() {
        // Mon–Fri (bits 0–4) 08:00: min 6, desired 8; every day 20:00: min 2.
        let mut s = Schedule::new(vec![
            action(8, 0b001_1111, Some(6), None, Some(8)),
            action(20, 0x7f, Some(2), None, None),
        ]);
        let mut lim = Limits { min: 2, max: 20 };
        // Monday 07:59: nothing due yet.
        assert_eq!(s.advance(8 * H - 60 * SECOND, &mut lim), None);
        assert_eq!(lim, Limits { min: 2, max: 20 });
        // Monday 08:00 exactly: due (the window is closed at both ends).
        assert_eq!(s.advance(8 * H, &mut lim), Some(8));
        assert_eq!(lim.min, 6);
        // Not applied twice.
        assert_eq!(s.advance(8 * H + 60 * SECOND, &mut lim), None);
        assert_eq!(s.advance(21 * H, &mut lim), None);
        assert_eq!(lim.min, 2);
        // Friday (day 4) 21:00: Tuesday to Friday's actions catch up, in time order; the
        // last desired (Friday 08:00) is returned, the last min is Friday 20:00's.
        assert_eq!(s.advance(4 * 24 * H + 21 * H, &mut lim), Some(8));
        assert_eq!(lim.min, 2);
        // Saturday (day 5) 08:00: not a weekday, nothing.
        assert_eq!(s.advance(5 * 24 * H + 9 * H, &mut lim), None);
        assert_eq!(lim.min, 2);
        // Monday of week 2 (day 7) 08:00.
        assert_eq!(s.advance(7 * 24 * H + 8 * H, &mut lim), Some(8));
        assert_eq!(lim.min, 6);
    }

    #[test]
    fn several_due_at_once_apply_in_time_order_and_keep_min_below_max() {
        let mut s = Schedule::new(vec![
            action(10, 0x7f, None, Some(4), Some(4)),
            action(9, 0x7f, Some(8), None, Some(9)),
        ]);
        let mut lim = Limits { min: 2, max: 6 };
        // Both due in one call: 09:00 (min 8 > max 6 ⇒ max 8, desired 9 → clamped later),
        // then 10:00 (max 4 < min 8 ⇒ min 4), desired 4.
        assert_eq!(s.advance(11 * H, &mut lim), Some(4));
        assert_eq!(lim, Limits { min: 4, max: 4 });
        // A day later only the desired of the last action survives, within the limits.
        let mut s = Schedule::new(vec![
            action(9, 0x7f, None, None, Some(30)),
            action(10, 0x7f, None, Some(12), None),
        ]);
        let mut lim = Limits { min: 2, max: 40 };
        assert_eq!(s.advance(24 * H + 11 * H, &mut lim), Some(12));
    }

    #[test]
    fn schedule_only_never_decides_by_itself() {
        let mut s = ScheduleOnly {
            period: 60 * SECOND,
        };
        assert_eq!(
            s.decide(&super::super::view(60, 1.0, 4, 2, 20)),
            Decision::Hold
        );
    }
}
