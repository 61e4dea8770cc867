//! `simple`: AWS EC2 Auto Scaling simple scaling (user guide, "Step and simple scaling
//! policies"; CloudWatch `PutMetricAlarm`).
//!
//! A CloudWatch alarm watches utilisation each `period`: it is in ALARM once the metric
//! was `> scale_out_threshold` (GreaterThanThreshold) for `evaluation_periods`
//! consecutive periods, and the scale-in alarm once it was `< scale_in_threshold`
//! (LessThanThreshold) as long. An alarm in ALARM runs its policy: add (or remove)
//! `adjustment` servers relative to the group's capacity (ready + booting), within
//! [min, max]. Then the group waits for the cooldown: no further simple scaling until
//! `cooldown` after the activity *completes* — for a launch, when the new instances are
//! in service (after `boot_time`); for a removal, at once. The alarm stays in ALARM while
//! the metric keeps breaching, so it fires again as soon as the cooldown ends.

use super::{Strategy, View};
use crate::engine::Time;
use crate::fleet::Decision;
use crate::scenario::SimpleScaling;

pub(crate) struct SimpleScaler {
    cfg: SimpleScaling,
    boot_time: Time,
    /// Consecutive periods above / below the thresholds.
    high: u32,
    low: u32,
    /// No simple scaling before this time.
    cooldown_until: Time,
}

impl SimpleScaler {
    pub(crate) fn new(cfg: SimpleScaling, boot_time: Time) -> Self {
        SimpleScaler {
            cfg,
            boot_time,
            high: 0,
            low: 0,
            cooldown_until: 0,
        }
    }
}

impl Strategy for SimpleScaler {
    fn period(&self) -> Time {
        self.cfg.period
    }

    fn decide(&mut self, v: &View) -> Decision {
        let u = v.utilization;
        self.high = if u > self.cfg.scale_out_threshold {
            self.high + 1
        } else {
            0
        };
        self.low = if u < self.cfg.scale_in_threshold {
            self.low + 1
        } else {
            0
        };
        if v.now < self.cooldown_until {
            return Decision::Hold;
        }
        let total = v.total();
        let step = self.cfg.adjustment;
        if self.high >= self.cfg.evaluation_periods {
            let d = v.towards(total.saturating_add(step).min(v.max));
            if d != Decision::Hold {
                self.cooldown_until = v.now + self.boot_time + self.cfg.cooldown;
            }
            // Already at max: an alarm that cannot add anything does not remove either.
            return match d {
                Decision::Launch(_) => d,
                _ => Decision::Hold,
            };
        }
        if self.low >= self.cfg.evaluation_periods {
            let d = v.towards(total.saturating_sub(step).max(v.min));
            if let Decision::Remove(_) = d {
                self.cooldown_until = v.now + self.cfg.cooldown;
                return d;
            }
        }
        Decision::Hold
    }
}

#[cfg(test)]
mod tests {
    use super::super::view;
    use super::*;
    use crate::engine::SECOND;

    fn scaler(eval: u32) -> SimpleScaler {
        SimpleScaler::new(
            SimpleScaling {
                period: 60 * SECOND,
                scale_out_threshold: 0.7,
                scale_in_threshold: 0.3,
                evaluation_periods: eval,
                adjustment: 2,
                cooldown: 300 * SECOND,
            },
            90 * SECOND,
        )
    }

    #[test]
    fn alarm_needs_consecutive_breaches_then_adds_one_adjustment() {
        let mut s = scaler(2);
        assert_eq!(s.decide(&view(60, 0.8, 4, 2, 20)), Decision::Hold);
        // A period at 0.7 exactly does not breach "greater than": the streak restarts.
        assert_eq!(s.decide(&view(120, 0.7, 4, 2, 20)), Decision::Hold);
        assert_eq!(s.decide(&view(180, 0.8, 4, 2, 20)), Decision::Hold);
        assert_eq!(s.decide(&view(240, 0.8, 4, 2, 20)), Decision::Launch(2));
    }

    #[test]
    fn cooldown_counts_from_the_end_of_boot_then_the_alarm_fires_again() {
        let mut s = scaler(1);
        assert_eq!(s.decide(&view(60, 0.95, 4, 2, 20)), Decision::Launch(2));
        // Cooldown ends at 60 + 90 (boot) + 300 = 450 s.
        for t in [120, 180, 240, 300, 360, 420] {
            assert_eq!(s.decide(&view(t, 0.95, 6, 2, 20)), Decision::Hold, "t={t}");
        }
        assert_eq!(s.decide(&view(480, 0.95, 6, 2, 20)), Decision::Launch(2));
    }

    #[test]
    fn scale_in_respects_min_and_cooldown_and_max_caps_scale_out() {
        let mut s = scaler(1);
        // 3 servers, min 2: one removed, not two.
        assert_eq!(s.decide(&view(60, 0.1, 3, 2, 20)), Decision::Remove(1));
        // Removal cooldown: 300 s from 60 s.
        assert_eq!(s.decide(&view(300, 0.1, 2, 2, 20)), Decision::Hold);
        assert_eq!(s.decide(&view(360, 0.9, 19, 2, 20)), Decision::Launch(1));
        // At max: nothing to do, and no cooldown started.
        let mut s = scaler(1);
        assert_eq!(s.decide(&view(60, 0.9, 20, 2, 20)), Decision::Hold);
        assert_eq!(s.decide(&view(120, 0.1, 20, 2, 20)), Decision::Remove(2));
    }
}
