//! `autoscale`: cloud on-demand instances under target tracking, as DESIGN.md §1 states
//! it (after AWS EC2 Auto Scaling):
//!
//! every `period`, `util` = busy ÷ serving slot-seconds over the period; `R` = ready
//! servers past warmup; `desired = clamp(ceil(R × util / target), min, max)`; `total` =
//! ready + booting. Scale out by `desired − total` once `desired > total` held for
//! `scale_out_periods` consecutive periods (booting servers count, so nothing is launched
//! twice); scale in by `total − desired` once `desired < total` held for
//! `scale_in_periods` periods and no server is still warming up.

use super::{Observation, Policy};
use crate::billing::Tariff;
use crate::engine::Time;
use crate::fleet::{Decision, Fleet};
use crate::scenario::{AutoscaleSpec, Scaling, TargetTracking};

pub(crate) struct Autoscaler {
    spec: AutoscaleSpec,
    out_streak: u32,
    in_streak: u32,
}

impl Autoscaler {
    pub(crate) fn new(spec: AutoscaleSpec) -> Self {
        Autoscaler {
            spec,
            out_streak: 0,
            in_streak: 0,
        }
    }

    fn tracking(&self) -> &TargetTracking {
        match &self.spec.scaling {
            Scaling::TargetTracking(t) => t,
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

impl Policy for Autoscaler {
    fn initial_servers(&self) -> u32 {
        self.spec.initial
    }

    fn boot_time(&self) -> Time {
        self.spec.boot_time
    }

    fn control_period(&self) -> Option<Time> {
        Some(self.tracking().period)
    }

    fn control(&mut self, now: Time, fleet: &Fleet, seen: Observation) -> Decision {
        let tt = self.tracking().clone();
        let counts = fleet.counts();
        let past_warmup = fleet.ready_past_warmup(now, tt.warmup);
        let warming = counts.ready - past_warmup;
        let raw = desired_capacity(past_warmup, seen.utilization, tt.target);
        let desired = (raw.min(u32::MAX as f64) as u32).clamp(self.spec.min, self.spec.max);
        let total = counts.ready + counts.booting;

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
        if self.out_streak >= tt.scale_out_periods {
            Decision::Launch(desired - total)
        } else if self.in_streak >= tt.scale_in_periods && warming == 0 {
            Decision::Remove(total - desired)
        } else {
            Decision::Hold
        }
    }

    fn tariff(&self) -> Tariff {
        Tariff::metered(&self.spec.billing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn desired_capacity_is_the_ceiling_without_float_noise() {
        assert_eq!(desired_capacity(5, 0.6, 0.6), 5.0);
        assert_eq!(desired_capacity(3, 0.7, 0.35), 6.0);
        assert_eq!(desired_capacity(4, 0.9, 0.6), 6.0);
        assert_eq!(desired_capacity(0, 1.0, 0.6), 0.0);
    }
}
