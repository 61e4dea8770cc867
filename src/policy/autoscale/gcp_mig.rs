//! `gcp-mig`: the Google Compute Engine managed-instance-group autoscaler on utilisation,
//! as Google's docs describe it ("Autoscaling groups of instances", "Scale-in controls"):
//!
//! every `period`, the recommendation is `ceil(R × util / target)` VMs, R the ready VMs
//! past their initialisation period (a new VM's load is not used until then);
//! - scale out: at once, to the recommendation;
//! - scale in: only to the *highest* recommendation of the last `stabilization` (10 min),
//!   so the group keeps what the recent peak needed;
//! - scale-in controls (optional): never more than `scale_in_max` VMs below the largest
//!   size the group had in the last `scale_in_window`.
//!
//! The `initial` VMs count as a recommendation and a size at t = 0 (the service was
//! running before the window opened).

use std::collections::VecDeque;

use super::{Strategy, View};
use crate::engine::Time;
use crate::fleet::Decision;
use crate::scenario::GcpMigScaling;

pub(crate) struct GcpMig {
    cfg: GcpMigScaling,
    /// (time, recommendation) of the stabilisation period, oldest first.
    recommendations: VecDeque<(Time, u32)>,
    /// (time, group size) of the scale-in window, oldest first.
    sizes: VecDeque<(Time, u32)>,
}

/// Drops the entries of `window` older than `now − length`.
fn expire(window: &mut VecDeque<(Time, u32)>, now: Time, length: Time) {
    if let Some(cutoff) = now.checked_sub(length) {
        while window.front().is_some_and(|&(t, _)| t < cutoff) {
            window.pop_front();
        }
    }
}

impl GcpMig {
    pub(crate) fn new(cfg: GcpMigScaling, initial: u32) -> Self {
        GcpMig {
            cfg,
            recommendations: VecDeque::from([(0, initial)]),
            sizes: VecDeque::from([(0, initial)]),
        }
    }
}

impl Strategy for GcpMig {
    fn period(&self) -> Time {
        self.cfg.period
    }

    fn warmup(&self) -> Time {
        self.cfg.initialization
    }

    fn decide(&mut self, v: &View) -> Decision {
        let current = v.total();
        // With every ready VM still initialising there is no load to go by: hold.
        let rec = if v.past_warmup == 0 {
            current
        } else {
            let wanted = v.past_warmup as f64 * v.utilization / self.cfg.target;
            (wanted - 1e-9).ceil().clamp(0.0, u32::MAX as f64) as u32
        };
        expire(&mut self.recommendations, v.now, self.cfg.stabilization);
        self.recommendations.push_back((v.now, rec));
        expire(&mut self.sizes, v.now, self.cfg.scale_in_window);
        self.sizes.push_back((v.now, current));
        if rec >= current {
            return v.towards(rec);
        }
        let peak = self
            .recommendations
            .iter()
            .map(|&(_, r)| r)
            .max()
            .unwrap_or(rec);
        let mut desired = peak.min(current);
        if let Some(most) = self.cfg.scale_in_max {
            let largest = self.sizes.iter().map(|&(_, n)| n).max().unwrap_or(current);
            desired = desired.max(largest.saturating_sub(most));
        }
        v.towards(desired)
    }
}

#[cfg(test)]
mod tests {
    use super::super::view;
    use super::*;
    use crate::engine::SECOND;

    fn mig(scale_in_max: Option<u32>) -> GcpMig {
        GcpMig::new(
            GcpMigScaling {
                target: 0.5,
                period: 60 * SECOND,
                initialization: 60 * SECOND,
                stabilization: 600 * SECOND,
                scale_in_max,
                scale_in_window: 600 * SECOND,
            },
            4,
        )
    }

    #[test]
    fn scales_out_at_once_and_in_only_after_the_stabilisation_period() {
        let mut m = mig(None);
        // 4 VMs at 100 % with a 50 % target: 8 at once.
        assert_eq!(m.decide(&view(60, 1.0, 4, 1, 20)), Decision::Launch(4));
        // Load halves on 8 VMs (25 %): the recommendation is 4, but the peak of the last
        // 10 minutes (8, at 60 s) holds the group until it leaves the window.
        for t in (120..=660).step_by(60) {
            assert_eq!(
                m.decide(&view(t, 0.25, 8, 1, 20)),
                Decision::Hold,
                "t = {t}"
            );
        }
        // At 720 s the 8 of 60 s is older than 600 s: down to 4.
        assert_eq!(m.decide(&view(720, 0.25, 8, 1, 20)), Decision::Remove(4));
    }

    #[test]
    fn scale_in_controls_slow_the_way_down() {
        let mut m = mig(Some(2));
        assert_eq!(m.decide(&view(60, 1.0, 4, 1, 20)), Decision::Launch(4));
        for t in (120..=660).step_by(60) {
            m.decide(&view(t, 0.25, 8, 1, 20));
        }
        // Stabilisation allows 4, but 8 was the size within the last 10 minutes: at most
        // 2 below it.
        assert_eq!(m.decide(&view(720, 0.25, 8, 1, 20)), Decision::Remove(2));
    }

    #[test]
    fn initialising_vms_are_left_out() {
        let mut m = mig(None);
        let mut v = view(60, 1.0, 4, 1, 20);
        v.past_warmup = 0;
        assert_eq!(m.decide(&v), Decision::Hold);
        // Two past initialisation at 100 %: 4 wanted, 4 there.
        v.past_warmup = 2;
        assert_eq!(m.decide(&v), Decision::Hold);
    }
}
