//! `hpa`: the Kubernetes HorizontalPodAutoscaler (autoscaling/v2) on utilisation, as the
//! Kubernetes docs ("Horizontal Pod Autoscaling", "Configurable scaling behavior") and
//! its controller (`replica_calculator.go`, `horizontal.go`) run it, with servers as pods:
//!
//! every sync `period` (15 s), with `ratio = util / target` measured on ready pods:
//! - within tolerance (`|ratio − 1| ≤ 0.1`) the recommendation is the current replica
//!   count (ready + booting);
//! - otherwise `desired = ceil(ready × ratio)`, i.e. the pods' summed usage ÷ target —
//!   computed as mean busy servers over the period ÷ target, so a pod that became ready
//!   during the period is not counted as if it had carried the measured load all along. Pods still booting have no metrics: on a
//!   scale-up they count as using 0 %, which gives the same formula, but if the
//!   recomputed ratio over all pods falls back within tolerance (or below 1) the
//!   controller holds; on a scale-down they are left out;
//! - scale-down stabilisation: the result is the *highest* recommendation of the last
//!   `scale_down_stabilization` (300 s), so a dip must last the whole window;
//! - scale-up limit (default behaviour): at most the larger of `+scale_up_pods` (4) and
//!   `+scale_up_percent` % (100 %, rounded up) per sync period;
//! - then min/max replicas.
//!
//! The `initial` servers count as a recommendation made at t = 0 (the service was
//! running before the window opened), so nothing is scaled down in the first window.
//! The scale-up limit's period is taken to be the sync period (both 15 s by default).

use std::collections::VecDeque;

use super::{Strategy, View};
use crate::engine::Time;
use crate::fleet::Decision;
use crate::scenario::HpaScaling;

pub(crate) struct Hpa {
    cfg: HpaScaling,
    /// (time, recommendation) of the stabilisation window, oldest first.
    recommendations: VecDeque<(Time, u32)>,
}

impl Hpa {
    /// `initial` replicas have been running before the window opened: they are the
    /// first recommendation of the stabilisation window (at t = 0).
    pub(crate) fn new(cfg: HpaScaling, initial: u32) -> Self {
        Hpa {
            cfg,
            recommendations: VecDeque::from([(0, initial)]),
        }
    }

    /// The replica count the metric asks for, before stabilisation and limits:
    /// `ready` pods measured at `util` on average, using `busy` servers' worth of
    /// capacity in all (the sum of the pods' usages).
    pub(crate) fn recommend(&self, ready: u32, booting: u32, util: f64, busy: f64) -> u32 {
        let current = ready + booting;
        let ratio = util / self.cfg.target;
        if ready == 0 || (ratio - 1.0).abs() <= self.cfg.tolerance {
            return current;
        }
        if booting > 0 && ratio > 1.0 {
            let over_all = busy / (current as f64 * self.cfg.target);
            if over_all < 1.0 || (over_all - 1.0).abs() <= self.cfg.tolerance {
                return current;
            }
        }
        // ceil(ready × ratio) = ceil(Σ usage / target); float noise must not turn an
        // exact 6.0 into 7.
        let desired = (busy / self.cfg.target - 1e-9).ceil().max(0.0);
        desired.min(u32::MAX as f64) as u32
    }
}

impl Strategy for Hpa {
    fn period(&self) -> Time {
        self.cfg.period
    }

    fn decide(&mut self, v: &View) -> Decision {
        let current = v.total();
        let rec = self.recommend(v.ready, v.booting, v.utilization, v.busy_servers);
        // Stabilisation: keep recommendations newer than now − window (all of them while
        // now < window).
        if let Some(cutoff) = v.now.checked_sub(self.cfg.scale_down_stabilization) {
            while self
                .recommendations
                .front()
                .is_some_and(|&(t, _)| t <= cutoff)
            {
                self.recommendations.pop_front();
            }
        }
        self.recommendations.push_back((v.now, rec));
        let highest = self.recommendations.iter().map(|&(_, r)| r).max();
        let stabilised = if rec > current {
            rec
        } else {
            current.min(highest.unwrap_or(rec))
        };
        // Scale-up limit: the larger of +pods and +percent per period.
        let by_percent = (current as f64 * (1.0 + self.cfg.scale_up_percent / 100.0) - 1e-9)
            .ceil()
            .min(u32::MAX as f64) as u32;
        let limit = current
            .saturating_add(self.cfg.scale_up_pods)
            .max(by_percent);
        v.towards(stabilised.min(limit))
    }
}

#[cfg(test)]
mod tests {
    use super::super::view;
    use super::*;
    use crate::engine::SECOND;

    fn hpa(initial: u32) -> Hpa {
        Hpa::new(
            HpaScaling {
                target: 0.6,
                tolerance: 0.1,
                period: 15 * SECOND,
                scale_down_stabilization: 300 * SECOND,
                scale_up_pods: 4,
                scale_up_percent: 100.0,
            },
            initial,
        )
    }

    #[test]
    fn desired_is_the_ceiling_of_current_times_ratio() {
        let mut h = hpa(4);
        // ceil(4 × 0.9 / 0.6) = 6.
        assert_eq!(h.recommend(4, 0, 0.9, 3.6), 6);
        assert_eq!(h.decide(&view(15, 0.9, 4, 1, 100)), Decision::Launch(2));
    }

    #[test]
    fn within_tolerance_holds() {
        let mut h = hpa(10);
        // 0.65 / 0.6 = 1.083: within 10 %, although ceil(10 × 1.083) = 11.
        assert_eq!(h.recommend(10, 0, 0.65, 6.5), 10);
        assert_eq!(h.decide(&view(15, 0.65, 10, 1, 100)), Decision::Hold);
        // 0.55 / 0.6 = 0.917: within too.
        assert_eq!(h.recommend(10, 0, 0.55, 5.5), 10);
        assert_eq!(h.decide(&view(30, 0.55, 10, 1, 100)), Decision::Hold);
        // 0.7 / 0.6 = 1.167: outside ⇒ ceil(11.67) = 12.
        assert_eq!(h.decide(&view(45, 0.7, 10, 1, 100)), Decision::Launch(2));
    }

    #[test]
    fn booting_pods_count_as_idle_on_scale_up() {
        let h = hpa(6);
        // 4 ready at 0.75 (ratio 1.25), 2 booting: over all 6 pods 3.0 / 3.6 = 0.83 < 1.
        assert_eq!(h.recommend(4, 2, 0.75, 3.0), 6);
        // 4 ready at 1.0 (ratio 1.67), 1 booting: 4.0 / 3.0 = 1.33 ⇒ ceil(6.67) = 7.
        assert_eq!(h.recommend(4, 1, 1.0, 4.0), 7);
    }

    #[test]
    fn a_pod_that_became_ready_mid_period_does_not_inflate_the_demand() {
        let h = hpa(5);
        // 4 pods for 10 s and 5 for the last 5 s of a 15 s period, 3 busy servers
        // throughout: util = 45 / (4 × 10 + 5 × 5) = 0.692 (ratio 1.15); 5 × ratio would
        // ask ceil(5.77) = 6, but the demand is 3 busy servers ⇒ ceil(3 / 0.6) = 5.
        let util = 45.0 / 65.0;
        assert_eq!(h.recommend(5, 0, util, 3.0), 5);
    }

    #[test]
    fn scale_up_is_limited_to_the_larger_of_four_pods_and_double() {
        let mut h = hpa(2);
        // 2 at 100 %: wants ceil(2 × 1.667) = 4; limit max(2 + 4, 4) = 6 ⇒ 4.
        assert_eq!(h.decide(&view(15, 1.0, 2, 1, 100)), Decision::Launch(2));
        // 3 at 100 % with target 0.1: wants 30; limit max(3 + 4, 6) = 7.
        let cfg = HpaScaling {
            target: 0.1,
            ..h.cfg.clone()
        };
        let mut h = Hpa::new(cfg, 3);
        assert_eq!(h.decide(&view(15, 1.0, 3, 1, 100)), Decision::Launch(4));
        // 10 at 100 %: wants 100; limit max(14, 20) = 20.
        assert_eq!(h.decide(&view(30, 1.0, 10, 1, 100)), Decision::Launch(10));
        // and max replicas still caps it.
        assert_eq!(h.decide(&view(45, 1.0, 10, 1, 15)), Decision::Launch(5));
    }

    #[test]
    fn scale_down_waits_until_higher_recommendations_leave_the_window() {
        let mut h = hpa(10);
        // t = 15 s: 10 pods at 0.6 (within tolerance: recommendation 10).
        assert_eq!(h.decide(&view(15, 0.6, 10, 1, 100)), Decision::Hold);
        // From t = 30 s the load halves: recommendation 5, but 10 is in the window.
        for t in (30..315).step_by(15) {
            assert_eq!(h.decide(&view(t, 0.3, 10, 1, 100)), Decision::Hold, "t={t}");
        }
        // At t = 315 s the recommendation of t = 15 s has left the 300 s window.
        assert_eq!(h.decide(&view(315, 0.3, 10, 1, 100)), Decision::Remove(5));
    }

    #[test]
    fn stabilisation_keeps_the_highest_recommendation_of_the_window() {
        let mut h = hpa(10);
        // t = 15 s: ceil(10 × 0.8) = 8; then 3 for the rest of the window.
        assert_eq!(h.decide(&view(15, 0.48, 10, 1, 100)), Decision::Hold);
        for t in (30..300).step_by(15) {
            assert_eq!(
                h.decide(&view(t, 0.18, 10, 1, 100)),
                Decision::Hold,
                "t={t}"
            );
        }
        // t = 300 s: the initial 10 (t = 0) leaves; the highest left is 8.
        assert_eq!(h.decide(&view(300, 0.18, 10, 1, 100)), Decision::Remove(2));
        // t = 315 s: the 8 leaves; ceil(8 × 0.3) = 3.
        assert_eq!(h.decide(&view(315, 0.18, 8, 1, 100)), Decision::Remove(5));
    }
}
