//! `step`: AWS EC2 Auto Scaling step scaling (user guide, "Step and simple scaling
//! policies"; API `StepAdjustment`, `AdjustmentType`, `MinAdjustmentMagnitude`).
//!
//! Steps are intervals relative to the alarm `threshold`. A step wholly above it
//! (`lower ≥ 0`) belongs to the scale-out policy and matches when
//! `threshold + lower ≤ util < threshold + upper`; a step wholly below it (`upper ≤ 0`)
//! belongs to the scale-in policy and matches when `threshold + lower < util ≤
//! threshold + upper` (AWS: lower bound inclusive above the threshold, upper bound
//! inclusive below). A utilisation no step covers raises no alarm. An alarm fires after
//! `evaluation_periods` consecutive periods on its side and runs the step the current
//! period falls in, every period while it stays in ALARM (step scaling has no cooldown).
//!
//! The step's `change` is read by `adjustment_type`:
//! - `change-in-capacity`: add `change` servers (negative: remove);
//! - `percent-change-in-capacity`: `change` % of the capacity, rounded as AWS does
//!   (above 1 down, 12.7 → 12; between 0 and 1 to 1; between −1 and 0 to −1; below −1
//!   up, −6.67 → −6), and at least `min_adjustment_magnitude` servers;
//! - `exact-capacity`: set the capacity to `change`.
//!
//! Warmup (AWS "instance warmup"): servers still booting or warming up are in progress.
//! A scale-out step is applied to the capacity *past* warmup, and only the part beyond
//! what is already in progress is launched (capacity 10, +1 launched, then a +3 step ⇒
//! 10 + 3 − 11 = 2 more); scale-in waits until no server is booting or warming up.

use super::{Strategy, View};
use crate::engine::Time;
use crate::fleet::Decision;
use crate::scenario::{AdjustmentType, StepScaling};

pub(crate) struct StepScaler {
    cfg: StepScaling,
    out_streak: u32,
    in_streak: u32,
}

/// AWS's rounding of a percent change in capacity, in servers.
pub(crate) fn percent_adjustment(capacity: u32, percent: i64, min_magnitude: u32) -> i64 {
    let raw = capacity as f64 * percent as f64 / 100.0;
    let rounded = if raw >= 1.0 {
        raw.floor()
    } else if raw > 0.0 {
        1.0
    } else if raw > -1.0 && raw < 0.0 {
        -1.0
    } else {
        raw.ceil()
    } as i64;
    let min = min_magnitude as i64;
    if rounded.abs() < min {
        rounded.signum() * min
    } else {
        rounded
    }
}

impl StepScaler {
    pub(crate) fn new(cfg: StepScaling) -> Self {
        StepScaler {
            cfg,
            out_streak: 0,
            in_streak: 0,
        }
    }

    /// The step the utilisation falls in: (is it a scale-out step, its change).
    fn matched(&self, util: f64) -> Option<(bool, i64)> {
        let th = self.cfg.threshold;
        self.cfg.steps.iter().find_map(|s| {
            let lo = s.lower.map_or(f64::NEG_INFINITY, |l| th + l);
            let hi = s.upper.map_or(f64::INFINITY, |u| th + u);
            let above = s.lower.is_some_and(|l| l >= 0.0);
            let inside = if above {
                lo <= util && util < hi
            } else {
                lo < util && util <= hi
            };
            inside.then_some((above, s.change))
        })
    }

    /// The capacity a step asks for, from `base` servers.
    fn target(&self, base: u32, change: i64) -> i64 {
        match self.cfg.adjustment_type {
            AdjustmentType::ChangeInCapacity => base as i64 + change,
            AdjustmentType::PercentChangeInCapacity => {
                base as i64 + percent_adjustment(base, change, self.cfg.min_adjustment_magnitude)
            }
            AdjustmentType::ExactCapacity => change,
        }
    }
}

impl Strategy for StepScaler {
    fn period(&self) -> Time {
        self.cfg.period
    }

    fn warmup(&self) -> Time {
        self.cfg.warmup
    }

    fn decide(&mut self, v: &View) -> Decision {
        let m = self.matched(v.utilization);
        self.out_streak = if matches!(m, Some((true, _))) {
            self.out_streak + 1
        } else {
            0
        };
        self.in_streak = if matches!(m, Some((false, _))) {
            self.in_streak + 1
        } else {
            0
        };
        let clamp = |t: i64| t.clamp(v.min as i64, v.max as i64) as u32;
        match m {
            Some((true, change)) if self.out_streak >= self.cfg.evaluation_periods => {
                let target = clamp(self.target(v.past_warmup, change));
                match v.towards(target) {
                    d @ Decision::Launch(_) => d,
                    _ => Decision::Hold,
                }
            }
            Some((false, change)) if self.in_streak >= self.cfg.evaluation_periods => {
                if v.booting > 0 || v.warming() > 0 {
                    return Decision::Hold;
                }
                let target = clamp(self.target(v.total(), change));
                match v.towards(target) {
                    d @ Decision::Remove(_) => d,
                    _ => Decision::Hold,
                }
            }
            _ => Decision::Hold,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::view;
    use super::*;
    use crate::engine::SECOND;
    use crate::scenario::StepAdjustment;

    fn st(lower: Option<f64>, upper: Option<f64>, change: i64) -> StepAdjustment {
        StepAdjustment {
            lower,
            upper,
            change,
        }
    }

    /// Threshold 0.6: [0.6, 0.7) +1, [0.7, 0.8) +2, ≥ 0.8 +4; (−∞, 0.3] −1 (as `change`).
    fn scaler(kind: AdjustmentType, eval: u32, min_mag: u32) -> StepScaler {
        let (a, b, c, d) = match kind {
            AdjustmentType::ExactCapacity => (6, 8, 12, 3),
            AdjustmentType::PercentChangeInCapacity => (10, 50, 100, -50),
            AdjustmentType::ChangeInCapacity => (1, 2, 4, -1),
        };
        StepScaler::new(StepScaling {
            period: 60 * SECOND,
            threshold: 0.6,
            steps: vec![
                st(None, Some(-0.3), d),
                st(Some(0.0), Some(0.1), a),
                st(Some(0.1), Some(0.2), b),
                st(Some(0.2), None, c),
            ],
            adjustment_type: kind,
            min_adjustment_magnitude: min_mag,
            evaluation_periods: eval,
            warmup: 120 * SECOND,
        })
    }

    #[test]
    fn aws_rounds_percent_changes_toward_zero_but_never_to_zero() {
        assert_eq!(percent_adjustment(127, 10, 0), 12); // 12.7 → 12
        assert_eq!(percent_adjustment(4, 10, 0), 1); // 0.4 → 1
        assert_eq!(percent_adjustment(4, -10, 0), -1); // −0.4 → −1
        assert_eq!(percent_adjustment(20, -33, 0), -6); // −6.6 → −6
        assert_eq!(percent_adjustment(10, 10, 3), 3); // 1 < 3 ⇒ 3
        assert_eq!(percent_adjustment(10, -10, 3), -3);
    }

    #[test]
    fn change_in_capacity_picks_the_step_the_metric_falls_in() {
        let mut s = scaler(AdjustmentType::ChangeInCapacity, 1, 0);
        assert_eq!(s.decide(&view(60, 0.65, 10, 2, 40)), Decision::Launch(1));
        let mut s = scaler(AdjustmentType::ChangeInCapacity, 1, 0);
        assert_eq!(s.decide(&view(60, 0.75, 10, 2, 40)), Decision::Launch(2));
        let mut s = scaler(AdjustmentType::ChangeInCapacity, 1, 0);
        assert_eq!(s.decide(&view(60, 0.95, 10, 2, 40)), Decision::Launch(4));
        // Between the scale-in (≤ 0.3) and scale-out (≥ 0.6) steps: no alarm.
        assert_eq!(s.decide(&view(120, 0.45, 10, 2, 40)), Decision::Hold);
        // Exactly on the threshold: the scale-out step's lower bound is inclusive.
        assert_eq!(s.decide(&view(180, 0.6, 10, 2, 40)), Decision::Launch(1));
        // At 0.3 exactly the scale-in step (upper bound inclusive below) matches.
        assert_eq!(s.decide(&view(240, 0.3, 10, 2, 40)), Decision::Remove(1));
    }

    #[test]
    fn warming_capacity_is_not_launched_twice_and_blocks_scale_in() {
        let mut s = scaler(AdjustmentType::ChangeInCapacity, 1, 0);
        // AWS's example: 10 in service, +1 launched; the next period asks +3 … here +4 at
        // ≥ 0.8: target 10 + 4 = 14, 11 already ⇒ 3 more.
        let mut v = view(60, 0.65, 10, 2, 40);
        assert_eq!(s.decide(&v), Decision::Launch(1));
        v.booting = 1;
        v.utilization = 0.85;
        assert_eq!(s.decide(&v), Decision::Launch(3));
        // Still a +1 step while 4 are in progress: 10 + 1 ≤ 14, nothing more.
        v.booting = 4;
        v.utilization = 0.65;
        assert_eq!(s.decide(&v), Decision::Hold);
        // Low utilisation while servers boot or warm up: scale-in waits.
        v.utilization = 0.1;
        assert_eq!(s.decide(&v), Decision::Hold);
        let warming = View {
            booting: 0,
            ready: 14,
            past_warmup: 13,
            ..v
        };
        assert_eq!(s.decide(&warming), Decision::Hold);
        let settled = View {
            past_warmup: 14,
            ..warming
        };
        assert_eq!(s.decide(&settled), Decision::Remove(1));
    }

    #[test]
    fn percent_and_exact_capacity_and_evaluation_periods() {
        // +50 % of 10 = 5.
        let mut s = scaler(AdjustmentType::PercentChangeInCapacity, 1, 0);
        assert_eq!(s.decide(&view(60, 0.75, 10, 2, 40)), Decision::Launch(5));
        // +10 % of 4 = 0.4 → 1, raised to the minimum magnitude 2.
        let mut s = scaler(AdjustmentType::PercentChangeInCapacity, 1, 2);
        assert_eq!(s.decide(&view(60, 0.65, 4, 2, 40)), Decision::Launch(2));
        // −50 % of 9 = −4.5 → −4.
        let mut s = scaler(AdjustmentType::PercentChangeInCapacity, 1, 0);
        assert_eq!(s.decide(&view(60, 0.2, 9, 2, 40)), Decision::Remove(4));
        // Exact capacity 12 at ≥ 0.8, needing 2 breaching periods; capped by max 10.
        let mut s = scaler(AdjustmentType::ExactCapacity, 2, 0);
        assert_eq!(s.decide(&view(60, 0.9, 4, 2, 10)), Decision::Hold);
        assert_eq!(s.decide(&view(120, 0.9, 4, 2, 10)), Decision::Launch(6));
        // Exact capacity 3 below 0.3.
        let mut s = scaler(AdjustmentType::ExactCapacity, 1, 0);
        assert_eq!(s.decide(&view(60, 0.1, 8, 2, 10)), Decision::Remove(5));
    }
}
