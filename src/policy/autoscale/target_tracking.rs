//! `target-tracking`: AWS EC2 Auto Scaling target tracking, as `docs/model.md` §1 states it
//! (AWS user guide, "Target tracking scaling policies"), on one or more metrics:
//!
//! - `target`: utilisation, busy ÷ serving slot-seconds over the period (AWS
//!   `ASGAverageCPUUtilization`);
//! - `request_rate_target`: arrivals per second per ready instance (AWS
//!   `ALBRequestCountPerTarget`, which counts requests per target per minute; here per
//!   second so the target does not depend on `period`);
//! - `queue_length_target`: time-average waiting requests per ready instance over the
//!   period (AWS's "backlog per instance" for SQS workers: the acceptable backlog is the
//!   longest acceptable wait ÷ the time to serve one request).
//!
//! For each metric, every `period`: `R` = ready servers past warmup; `desired =
//! clamp(ceil(R × metric / target), min, max)`; `total` = ready + booting. A metric asks
//! to scale out once `desired > total` held for `scale_out_periods` consecutive periods,
//! and to scale in once `desired < total` held for `scale_in_periods`. Several metrics
//! act as AWS's several target tracking policies on one group (user guide, "Multiple
//! scaling policies"): scale out if ANY metric asks, to the largest capacity asked for;
//! scale in only if ALL ask, to the largest desired of all, and only while no server is
//! still warming up. Booting servers count toward `total`, so nothing is launched twice.
//!
//! With no server ready (`min = 0`, scale to zero) request rate and queue length are the
//! group's totals ÷ target, so arrivals wake the group; utilisation alone never would,
//! and the scenario check refuses `min = 0` for it.

use super::{Strategy, View};
use crate::engine::Time;
use crate::fleet::Decision;
use crate::scenario::{Metric, TargetTracking};

pub(crate) struct TargetTracker {
    cfg: TargetTracking,
    /// Per metric (in `cfg.metrics` order): consecutive periods above / below `total`.
    out_streaks: Vec<u32>,
    in_streaks: Vec<u32>,
}

impl TargetTracker {
    pub(crate) fn new(cfg: TargetTracking) -> Self {
        let n = cfg.metrics.len();
        TargetTracker {
            cfg,
            out_streaks: vec![0; n],
            in_streaks: vec![0; n],
        }
    }
}

/// The desired fleet size for target tracking, before the min/max clamp.
pub(crate) fn desired_capacity(ready_past_warmup: u32, per_instance: f64, target: f64) -> f64 {
    // Float noise must not turn an exact 3.0 into 4: subtract 1e-9 before the ceiling.
    (ready_past_warmup as f64 * per_instance / target - 1e-9)
        .ceil()
        .max(0.0)
}

/// What `metric` asks for when no server is ready (a group scaled to zero, or one whose
/// servers are all still booting): arrivals per second or waiting requests are measured
/// for the whole group, so the group's total ÷ the per-instance target is the capacity
/// that carries it (as KEDA wakes a deployment from zero on a queue or request metric);
/// utilisation asks for nothing, as it measures nothing.
pub(crate) fn desired_from_zero(metric: Metric, v: &View, target: f64) -> f64 {
    let total = match metric {
        Metric::Utilization => 0.0,
        Metric::RequestRate => v.arrival_rate,
        Metric::QueueLength => v.queue,
    };
    (total / target - 1e-9).ceil().max(0.0)
}

/// A metric's value per ready instance, as this view measured it (0 with none ready).
pub(crate) fn per_instance(metric: Metric, v: &View) -> f64 {
    let per_ready = |x: f64| if v.ready > 0 { x / v.ready as f64 } else { 0.0 };
    match metric {
        Metric::Utilization => v.utilization,
        Metric::RequestRate => per_ready(v.arrival_rate),
        Metric::QueueLength => per_ready(v.queue),
    }
}

impl Strategy for TargetTracker {
    fn period(&self) -> Time {
        self.cfg.period
    }

    fn warmup(&self) -> Time {
        self.cfg.warmup
    }

    fn decide(&mut self, v: &View) -> Decision {
        let total = v.total();
        let mut out = None::<u32>;
        let mut all_in = true;
        let mut highest = v.min;
        for (i, m) in self.cfg.metrics.iter().enumerate() {
            let raw = if v.ready == 0 {
                desired_from_zero(m.metric, v, m.target)
            } else {
                desired_capacity(v.past_warmup, per_instance(m.metric, v), m.target)
            };
            let desired = (raw.min(u32::MAX as f64) as u32).clamp(v.min, v.max);
            highest = highest.max(desired);
            self.out_streaks[i] = if desired > total {
                self.out_streaks[i] + 1
            } else {
                0
            };
            self.in_streaks[i] = if desired < total {
                self.in_streaks[i] + 1
            } else {
                0
            };
            if self.out_streaks[i] >= self.cfg.scale_out_periods {
                out = out.max(Some(desired));
            }
            all_in &= self.in_streaks[i] >= self.cfg.scale_in_periods;
        }
        if let Some(desired) = out {
            Decision::Launch(desired - total)
        } else if all_in && v.warming() == 0 && highest < total {
            Decision::Remove(total - highest)
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
    use crate::scenario::Tracked;

    fn tracker(out: u32, inn: u32) -> TargetTracker {
        TargetTracker::new(TargetTracking {
            metrics: vec![Tracked {
                metric: Metric::Utilization,
                target: 0.6,
            }],
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
    fn a_group_at_zero_wakes_on_arrivals_and_returns_to_zero_when_they_stop() {
        let mut t = TargetTracker::new(TargetTracking {
            metrics: vec![
                Tracked {
                    metric: Metric::Utilization,
                    target: 0.6,
                },
                Tracked {
                    metric: Metric::RequestRate,
                    target: 10.0,
                },
            ],
            period: 60 * SECOND,
            scale_out_periods: 1,
            scale_in_periods: 2,
            warmup: 0,
        });
        // Nothing ready, 25 requests/s arriving: ceil(25 / 10) = 3 wanted from zero.
        let zero = View {
            arrival_rate: 25.0,
            ..view(60, 0.0, 0, 0, 10)
        };
        assert_eq!(t.decide(&zero), Decision::Launch(3));
        // Those 3 booting count: nothing more while the load holds.
        assert_eq!(t.decide(&View { booting: 3, ..zero }), Decision::Hold);
        // Ready and idle with no arrivals: both metrics want 0 = min, after 2 periods.
        let idle = view(180, 0.0, 3, 0, 10);
        assert_eq!(t.decide(&idle), Decision::Hold);
        assert_eq!(t.decide(&idle), Decision::Remove(3));
        // Utilisation alone asks for nothing at zero (the check refuses min 0 for it).
        let v = view(240, 0.0, 0, 0, 10);
        assert_eq!(desired_from_zero(Metric::Utilization, &v, 0.6), 0.0);
        let queued = View { queue: 7.0, ..v };
        assert_eq!(desired_from_zero(Metric::QueueLength, &queued, 2.0), 4.0);
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

    /// Utilisation 0.6, request rate 50 /s and queue length 10 per instance, 60 s
    /// periods, 2 periods to scale out, 3 to scale in.
    fn three_metrics() -> TargetTracker {
        let t = |metric, target| Tracked { metric, target };
        TargetTracker::new(TargetTracking {
            metrics: vec![
                t(Metric::Utilization, 0.6),
                t(Metric::RequestRate, 50.0),
                t(Metric::QueueLength, 10.0),
            ],
            period: 60 * SECOND,
            scale_out_periods: 2,
            scale_in_periods: 3,
            warmup: 120 * SECOND,
        })
    }

    #[test]
    fn request_rate_and_queue_length_per_instance() {
        // 4 ready, 300 req/s: 75 per instance ⇒ ceil(4 × 75 / 50) = 6.
        let mut v = view(60, 0.0, 4, 1, 60);
        v.arrival_rate = 300.0;
        assert_eq!(per_instance(Metric::RequestRate, &v), 75.0);
        assert_eq!(desired_capacity(4, 75.0, 50.0), 6.0);
        // 4 ready, 90 waiting on average: 22.5 per instance ⇒ ceil(4 × 22.5 / 10) = 9.
        v.queue = 90.0;
        assert_eq!(per_instance(Metric::QueueLength, &v), 22.5);
        assert_eq!(desired_capacity(4, 22.5, 10.0), 9.0);
        // No ready server: nothing to divide by, the metric reads 0.
        let none = View {
            ready: 0,
            past_warmup: 0,
            booting: 2,
            ..v
        };
        assert_eq!(per_instance(Metric::RequestRate, &none), 0.0);
    }

    #[test]
    fn any_metric_scales_out_to_the_largest_ask() {
        let mut t = three_metrics();
        // 4 ready at 30 % (util asks 2), 300 req/s (asks 6), 90 waiting (asks 9).
        let mut v = view(60, 0.3, 4, 1, 60);
        v.arrival_rate = 300.0;
        v.queue = 90.0;
        assert_eq!(t.decide(&v), Decision::Hold);
        assert_eq!(t.decide(&v), Decision::Launch(5));
        // Only the request rate breaches (no queue): it alone scales out, to 6.
        let mut t = three_metrics();
        v.queue = 0.0;
        assert_eq!(t.decide(&v), Decision::Hold);
        assert_eq!(t.decide(&v), Decision::Launch(2));
    }

    #[test]
    fn scale_in_needs_every_metric() {
        let mut t = three_metrics();
        // 10 ready at 12 % (util asks 2) with no queue (asks min 1), but 450 req/s: the
        // request rate asks ceil(10 × 45 / 50) = 9 < 10, so all three want fewer.
        let mut v = view(60, 0.12, 10, 1, 60);
        v.arrival_rate = 450.0;
        assert_eq!(t.decide(&v), Decision::Hold);
        assert_eq!(t.decide(&v), Decision::Hold);
        // Third period: all agree; remove down to the largest desired, 9.
        assert_eq!(t.decide(&v), Decision::Remove(1));
        // At 500 req/s the request rate asks exactly 10 = total: no scale-in at all,
        // however low the utilisation.
        let mut t = three_metrics();
        v.arrival_rate = 500.0;
        for _ in 0..5 {
            assert_eq!(t.decide(&v), Decision::Hold);
        }
    }
}
