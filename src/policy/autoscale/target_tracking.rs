//! `target-tracking`: AWS EC2 Auto Scaling target tracking on utilisation, as DESIGN.md
//! §1 states it (AWS user guide, "Target tracking scaling policies"):
//!
//! every `period`, `util` = busy ÷ serving slot-seconds over the period; `R` = ready
//! servers past warmup; `desired = clamp(ceil(R × util / target), min, max)`; `total` =
//! ready + booting. Scale out by `desired − total` once `desired > total` held for
//! `scale_out_periods` consecutive periods (booting servers count, so nothing is launched
//! twice); scale in by `total − desired` once `desired < total` held for
//! `scale_in_periods` periods and no server is still warming up.

use super::{Strategy, View};
use crate::engine::Time;
use crate::fleet::Decision;
use crate::scenario::TargetTracking;

pub(crate) struct TargetTracker {
    cfg: TargetTracking,
    out_streak: u32,
    in_streak: u32,
}

impl TargetTracker {
    pub(crate) fn new(cfg: TargetTracking) -> Self {
        TargetTracker {
            cfg,
            out_streak: 0,
            in_streak: 0,
        }
    }
}

/// The desired fleet size for target tracking, before the min/max clamp.
pub(crate) fn desired_capacity(ready_past_warmup: u32, utilization: f64, target: f64) -> f64 {
    // Float noise must not turn an exact 3.0 into 4: subtract 1e-9 before the ceiling.
    (ready_past_warmup as f64 * utilization / target - 1e-9)
        .ceil()
        .max(0.0)
}

impl Strategy for TargetTracker {
    fn period(&self) -> Time {
        self.cfg.period
    }

    fn warmup(&self) -> Time {
        self.cfg.warmup
    }

    fn decide(&mut self, v: &View) -> Decision {
        let raw = desired_capacity(v.past_warmup, v.utilization, self.cfg.target);
        let desired = (raw.min(u32::MAX as f64) as u32).clamp(v.min, v.max);
        let total = v.total();
        self.out_streak = if desired > total {
            self.out_streak + 1
        } else {
            0
        };
        self.in_streak = if desired < total {
            self.in_streak + 1
        } else {
            0
        };
        if self.out_streak >= self.cfg.scale_out_periods {
            Decision::Launch(desired - total)
        } else if self.in_streak >= self.cfg.scale_in_periods && v.warming() == 0 {
            Decision::Remove(total - desired)
        } else {
            Decision::Hold
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::view;
    use super::*;
    use crate::engine::SECOND;

    fn tracker(out: u32, inn: u32) -> TargetTracker {
        TargetTracker::new(TargetTracking {
            target: 0.6,
            period: 60 * SECOND,
            scale_out_periods: out,
            scale_in_periods: inn,
            warmup: 120 * SECOND,
        })
    }

    #[test]
    fn desired_capacity_is_the_ceiling_without_float_noise() {
        assert_eq!(desired_capacity(5, 0.6, 0.6), 5.0);
        assert_eq!(desired_capacity(3, 0.7, 0.35), 6.0);
        assert_eq!(desired_capacity(4, 0.9, 0.6), 6.0);
        assert_eq!(desired_capacity(0, 1.0, 0.6), 0.0);
    }

    #[test]
    fn scales_out_after_the_streak_counting_booting_servers() {
        let mut t = tracker(3, 15);
        // 4 ready at 90 %: desired ceil(4 × 0.9 / 0.6) = 6.
        let v = view(60, 0.9, 4, 2, 60);
        assert_eq!(t.decide(&v), Decision::Hold);
        assert_eq!(t.decide(&v), Decision::Hold);
        assert_eq!(t.decide(&v), Decision::Launch(2));
        // 2 booting now count toward total: nothing is launched twice.
        let booting = View { booting: 2, ..v };
        assert_eq!(t.decide(&booting), Decision::Hold);
    }

    #[test]
    fn scale_in_waits_for_warmup_and_clamps_to_min() {
        let mut t = tracker(3, 2);
        // 10 ready at 6 %: desired ceil(10 × 0.06 / 0.6) = 1, clamped to min 2.
        let mut v = view(600, 0.06, 10, 2, 60);
        v.past_warmup = 9; // one still warming
        assert_eq!(t.decide(&v), Decision::Hold);
        assert_eq!(t.decide(&v), Decision::Hold);
        v.past_warmup = 10;
        assert_eq!(t.decide(&v), Decision::Remove(8));
    }
}
