//! `predictive`: AWS EC2 Auto Scaling predictive scaling (user guide, "Predictive scaling
//! for Amazon EC2 Auto Scaling"; API `PredictiveScalingConfiguration`), with a forecast
//! simple enough to state in a line:
//!
//! - **Load history.** Every period the mean busy servers it measured (the load metric,
//!   as AWS's `ASGTotalCPUUtilization` is the group's summed utilisation) go into the
//!   hour that period ends in. Completed hours are kept for `history` (default 14 days,
//!   AWS's look-back). Only traffic already served is used: nothing peeks at λ(t).
//! - **Forecast.** The load of a coming hour is the mean of the same hour of the day on
//!   the previous days in the history (a seasonal-naive forecast; AWS needs at least 24
//!   hours of data before it forecasts, and so does this: no forecast on day one).
//! - **Capacity.** `ceil(forecast load ÷ target)` servers, i.e. forecast busy slots ÷
//!   (servers × slots) = `target` utilisation. An hour's capacity is launched
//!   `scheduling_buffer` before the hour starts (AWS `SchedulingBufferTime`, default
//!   300 s, less than the 3600 s forecast interval) and held to the hour's end, so the
//!   capacity at `now` is the larger of the current and the coming hour's.
//! - **With a reactive strategy** (`reactive = { type = "target-tracking", … }`) the
//!   forecast capacity is a floor: the group runs at max(forecast, reactive), as AWS
//!   combines predictive and dynamic scaling ("the group scales to the higher of the
//!   two"); the reactive strategy corrects the forecast's error and does all scale-in
//!   above the floor. Without one, the group follows the forecast up and down, and holds
//!   while there is none.
//!
//! The load recorded is what the group served: in an hour where it was overloaded the
//! history under-states demand, so the forecast under-states that hour the next day too
//! and the reactive strategy must cover the difference.

use std::collections::VecDeque;

use super::{Strategy, View};
use crate::engine::{SECOND, Time, to_seconds};
use crate::fleet::Decision;
use crate::scenario::PredictiveScaling;

const HOUR: Time = 3600 * SECOND;
const HOURS_PER_DAY: u64 = 24;

pub(crate) struct Predictive {
    cfg: PredictiveScaling,
    reactive: Option<Box<dyn Strategy>>,
    /// Mean busy servers of completed hours, oldest first; `first` is the index of the
    /// oldest (hours since t = 0).
    hours: VecDeque<f64>,
    first: u64,
    /// The hour being filled: its index, busy server-seconds and seconds measured.
    open: (u64, f64, f64),
    last_now: Time,
}

impl Predictive {
    pub(crate) fn new(cfg: PredictiveScaling, reactive: Option<Box<dyn Strategy>>) -> Self {
        Predictive {
            cfg,
            reactive,
            hours: VecDeque::new(),
            first: 0,
            open: (0, 0.0, 0.0),
            last_now: 0,
        }
    }

    fn kept_hours(&self) -> usize {
        (self.cfg.history / HOUR).max(1) as usize
    }

    /// Adds a period's mean busy servers, ending at `now`, to the history.
    pub(crate) fn record(&mut self, now: Time, busy_servers: f64) {
        let length = to_seconds(now.saturating_sub(self.last_now));
        self.last_now = now;
        if length <= 0.0 {
            return;
        }
        // The hour the period ends in (its last microsecond).
        let hour = now.saturating_sub(1) / HOUR;
        let (open, sum, secs) = self.open;
        if hour > open {
            let mean = if secs > 0.0 { sum / secs } else { busy_servers };
            if self.hours.is_empty() {
                self.first = open;
            }
            self.hours.push_back(mean);
            // Hours a long period skipped get that period's mean.
            for _ in open + 1..hour {
                self.hours.push_back(busy_servers);
            }
            while self.hours.len() > self.kept_hours() {
                self.hours.pop_front();
                self.first += 1;
            }
            self.open = (hour, 0.0, 0.0);
        }
        self.open.1 += busy_servers * length;
        self.open.2 += length;
    }

    /// Forecast load (busy servers) of hour `h`: the mean of the same hour on previous
    /// days still in the history; `None` if there is none.
    pub(crate) fn forecast(&self, h: u64) -> Option<f64> {
        let mut sum = 0.0;
        let mut n = 0u32;
        let mut past = h.checked_sub(HOURS_PER_DAY);
        while let Some(p) = past {
            if p < self.first {
                break;
            }
            if let Some(&load) = self.hours.get((p - self.first) as usize) {
                sum += load;
                n += 1;
            }
            past = p.checked_sub(HOURS_PER_DAY);
        }
        (n > 0).then(|| sum / n as f64)
    }

    /// Servers the forecast asks for at `now`: the current hour's, or the next one's
    /// once within the scheduling buffer of it.
    pub(crate) fn capacity(&self, now: Time) -> Option<u32> {
        let size = |h: u64| {
            self.forecast(h).map(|load| {
                (load / self.cfg.target - 1e-9)
                    .ceil()
                    .clamp(0.0, u32::MAX as f64) as u32
            })
        };
        let now_hour = now / HOUR;
        let ahead_hour = now.saturating_add(self.cfg.scheduling_buffer) / HOUR;
        match (size(now_hour), size(ahead_hour)) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }
}

impl Strategy for Predictive {
    fn period(&self) -> Time {
        self.reactive
            .as_ref()
            .map_or(self.cfg.period, |r| r.period())
    }

    fn warmup(&self) -> Time {
        self.reactive.as_ref().map_or(0, |r| r.warmup())
    }

    fn decide(&mut self, v: &View) -> Decision {
        self.record(v.now, v.busy_servers);
        let forecast = self.capacity(v.now);
        match &mut self.reactive {
            Some(reactive) => {
                let wanted = v.after(reactive.decide(v));
                v.towards(wanted.max(forecast.unwrap_or(0)))
            }
            None => forecast.map_or(Decision::Hold, |p| v.towards(p)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::target_tracking::TargetTracker;
    use super::super::view;
    use super::*;
    use crate::scenario::{Metric, TargetTracking, Tracked};

    fn cfg() -> PredictiveScaling {
        PredictiveScaling {
            target: 0.5,
            scheduling_buffer: 300 * SECOND,
            history: 14 * 24 * HOUR,
            period: 60 * SECOND,
            reactive: None,
        }
    }

    /// Feeds `days` more days of loads `load(hour of day)` in 60 s periods.
    fn feed(p: &mut Predictive, days: u64, load: impl Fn(u64) -> f64) {
        for _ in 0..days * 24 * 60 {
            let now = p.last_now + 60 * SECOND;
            p.record(now, load((now - 1) / HOUR % 24));
        }
    }

    #[test]
    fn forecasts_the_mean_of_the_same_hour_on_previous_days() {
        let mut p = Predictive::new(cfg(), None);
        // Day 0: 2 busy servers at every hour but 10:00 (8).
        feed(&mut p, 1, |h| if h == 10 { 8.0 } else { 2.0 });
        // The last hour of day 0 is still open: 23:00 is not known yet, 22:00 is.
        assert_eq!(p.forecast(24 + 22), Some(2.0));
        assert_eq!(p.forecast(24 + 23), None);
        assert_eq!(p.forecast(24 + 10), Some(8.0));
        // Nothing is known about day 0 itself (no day before it).
        assert_eq!(p.forecast(10), None);
        // Day 1: 10:00 carries 12; day 2's 10:00 is forecast at (8 + 12) / 2 = 10.
        feed(&mut p, 1, |h| if h == 10 { 12.0 } else { 2.0 });
        assert_eq!(p.forecast(48 + 10), Some(10.0));
    }

    #[test]
    fn launches_a_scheduling_buffer_ahead_and_holds_to_the_hour_end() {
        let mut p = Predictive::new(cfg(), None);
        feed(&mut p, 1, |h| if h == 10 { 8.0 } else { 2.0 });
        // Day 1 09:54: 09:00's forecast 2 busy ÷ 0.5 = 4 servers.
        let day1 = 24 * HOUR;
        assert_eq!(p.capacity(day1 + 9 * HOUR + 54 * 60 * SECOND), Some(4));
        // 09:55 (300 s before 10:00): 10:00's 8 ÷ 0.5 = 16.
        assert_eq!(p.capacity(day1 + 9 * HOUR + 55 * 60 * SECOND), Some(16));
        // 10:59 still 16, 11:00 back to 4.
        assert_eq!(p.capacity(day1 + 10 * HOUR + 59 * 60 * SECOND), Some(16));
        assert_eq!(p.capacity(day1 + 11 * HOUR), Some(4));
    }

    #[test]
    fn history_is_bounded() {
        let mut c = cfg();
        c.history = 2 * 24 * HOUR;
        let mut p = Predictive::new(c, None);
        feed(&mut p, 1, |_| 9.0);
        feed(&mut p, 2, |_| 3.0);
        // Day 0's 9.0 has left the two-day history: day 3 sees only 3.0.
        assert_eq!(p.forecast(3 * 24 + 5), Some(3.0));
        assert!(p.hours.len() <= 48);
    }

    #[test]
    fn alone_it_follows_the_forecast_and_holds_without_one() {
        let mut p = Predictive::new(cfg(), None);
        // Day 0, 10:00: no history, hold.
        assert_eq!(p.decide(&view(10 * 3600, 0.5, 4, 2, 40)), Decision::Hold);
    }

    #[test]
    fn with_target_tracking_the_forecast_is_a_floor() {
        let tt = TargetTracker::new(TargetTracking {
            metrics: vec![Tracked {
                metric: Metric::Utilization,
                target: 0.5,
            }],
            period: 60 * SECOND,
            scale_out_periods: 1,
            scale_in_periods: 1,
            warmup: 0,
        });
        let mut p = Predictive::new(cfg(), Some(Box::new(tt)));
        feed(&mut p, 1, |h| if h == 10 { 8.0 } else { 2.0 });
        p.last_now = 24 * HOUR + 9 * HOUR + 55 * 60 * SECOND - 60 * SECOND;
        // Day 1 09:55, 6 servers at 1/3 utilisation: target tracking alone would go to
        // ceil(6 × 0.333 / 0.5) = 4, the forecast asks 16 for 10:00: launch 10.
        let mut v = view(0, 1.0 / 3.0, 6, 2, 40);
        v.now = 24 * HOUR + 9 * HOUR + 55 * 60 * SECOND;
        assert_eq!(p.decide(&v), Decision::Launch(10));
        // Above the forecast, target tracking rules: 20 servers at 90 % ⇒ 36.
        let mut v = view(0, 0.9, 20, 2, 40);
        v.now = 24 * HOUR + 10 * HOUR + 10 * 60 * SECOND;
        assert_eq!(p.decide(&v), Decision::Launch(16));
    }
}
