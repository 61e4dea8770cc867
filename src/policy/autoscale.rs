//! `autoscale`: cloud on-demand instances under an autoscaler.
//!
//! The policy shell owns what every autoscaling group has — `min`, `max`, `initial`, the
//! boot time, the billing rule and the scheduled actions — and delegates the decision to
//! a [`Strategy`] chosen by `scaling.type`, one file each:
//! - [`target_tracking`]: AWS target tracking on utilisation, request rate and queue
//!   length per instance;
//! - [`simple`]: AWS simple scaling — one adjustment per alarm, then a cooldown;
//! - [`step`]: AWS step scaling — step adjustments relative to an alarm threshold;
//! - [`hpa`]: the Kubernetes HorizontalPodAutoscaler;
//! - [`gcp_mig`]: the Google Compute Engine managed-instance-group autoscaler;
//! - [`predictive`]: AWS predictive scaling — an hourly forecast from the load seen so
//!   far, under a reactive strategy;
//! - [`scheduled`]: AWS scheduled actions, alone (`type = "scheduled"`) or, as the
//!   policy's `schedule`, changing min, max and the desired capacity under any strategy.
//!
//! A strategy sees a [`View`] (what was measured and the fleet's counts), never the
//! fleet itself, so its decision function is tested with hand-made views.

mod gcp_mig;
mod hpa;
mod predictive;
mod scheduled;
mod simple;
mod step;
mod target_tracking;

use super::{Observation, Policy};
use crate::billing::Tariff;
use crate::engine::Time;
use crate::fleet::{Decision, Fleet};
use crate::scenario::{AutoscaleSpec, Purchase, Scaling};

/// What a strategy sees at the end of a control period.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct View {
    pub now: Time,
    /// Busy ÷ serving slot-seconds over the last period.
    pub utilization: f64,
    /// Arrivals per second over the last period.
    pub arrival_rate: f64,
    /// Time-average number of waiting requests over the last period.
    pub queue: f64,
    /// Mean busy servers over the last period (busy slot-seconds ÷ its length ÷ slots
    /// per server): the demand, whatever the fleet did during the period. `ready ×
    /// utilization` equals it only if no server became ready or left in the period.
    pub busy_servers: f64,
    pub ready: u32,
    pub booting: u32,
    /// Ready servers past the strategy's warmup (all ready ones if it has none).
    pub past_warmup: u32,
    pub min: u32,
    pub max: u32,
}

impl View {
    /// Capacity the group already has or has asked for: ready + booting.
    pub fn total(&self) -> u32 {
        self.ready + self.booting
    }

    /// Ready servers still warming up.
    pub fn warming(&self) -> u32 {
        self.ready - self.past_warmup
    }

    /// The decision that takes the group from `total` to `desired`, clamped to [min, max].
    pub fn towards(&self, desired: u32) -> Decision {
        let desired = desired.clamp(self.min, self.max);
        let total = self.total();
        if desired > total {
            Decision::Launch(desired - total)
        } else if desired < total {
            Decision::Remove(total - desired)
        } else {
            Decision::Hold
        }
    }

    /// The fleet size `decision` leads to.
    pub fn after(&self, decision: Decision) -> u32 {
        match decision {
            Decision::Hold => self.total(),
            Decision::Launch(n) | Decision::Order { servers: n, .. } => {
                self.total().saturating_add(n)
            }
            Decision::Remove(n) => self.total().saturating_sub(n),
        }
    }
}

/// One way of deciding the fleet size.
pub(crate) trait Strategy: Send {
    /// How often [`Strategy::decide`] runs.
    fn period(&self) -> Time;
    /// How long a new server is "warming up" for [`View::past_warmup`].
    fn warmup(&self) -> Time {
        0
    }
    /// Grow, shrink or hold, at the end of a period.
    fn decide(&mut self, view: &View) -> Decision;
}

pub(crate) struct Autoscaler {
    spec: AutoscaleSpec,
    strategy: Box<dyn Strategy>,
    schedule: scheduled::Schedule,
    /// Current (min, max): the spec's, as scheduled actions changed them.
    limits: scheduled::Limits,
    /// End of the last control period.
    last: Time,
}

/// The strategy `scaling` names (a predictive one wraps its reactive strategy).
fn strategy(scaling: &Scaling, spec: &AutoscaleSpec) -> Box<dyn Strategy> {
    match scaling {
        Scaling::TargetTracking(t) => Box::new(target_tracking::TargetTracker::new(t.clone())),
        Scaling::Simple(s) => Box::new(simple::SimpleScaler::new(s.clone(), spec.boot_time)),
        Scaling::Step(s) => Box::new(step::StepScaler::new(s.clone())),
        Scaling::Hpa(h) => Box::new(hpa::Hpa::new(h.clone(), spec.initial)),
        Scaling::GcpMig(g) => Box::new(gcp_mig::GcpMig::new(g.clone(), spec.initial)),
        Scaling::Scheduled(s) => Box::new(scheduled::ScheduleOnly { period: s.period }),
        Scaling::Predictive(p) => {
            let reactive = p.reactive.as_deref().map(|r| strategy(r, spec));
            Box::new(predictive::Predictive::new(p.clone(), reactive))
        }
    }
}

impl Autoscaler {
    pub(crate) fn new(spec: AutoscaleSpec) -> Self {
        Autoscaler {
            strategy: strategy(&spec.scaling, &spec),
            schedule: scheduled::Schedule::new(spec.schedule.clone()),
            limits: scheduled::Limits {
                min: spec.min,
                max: spec.max,
            },
            spec,
            last: 0,
        }
    }
}

impl Policy for Autoscaler {
    fn initial_servers(&self) -> u32 {
        self.spec.initial
    }

    fn control_period(&self) -> Option<Time> {
        Some(self.strategy.period())
    }

    fn control(&mut self, now: Time, fleet: &Fleet, seen: Observation) -> Decision {
        let counts = fleet.counts();
        let warmup = self.strategy.warmup();
        let past_warmup = if warmup == 0 {
            counts.ready
        } else {
            fleet.ready_past_warmup(now, warmup)
        };
        let since = std::mem::replace(&mut self.last, now);
        let length = crate::engine::to_seconds(now.saturating_sub(since));
        let slots = fleet.slots_per_server() as f64;
        let per_second = |x: f64| if length > 0.0 { x / length } else { 0.0 };
        let busy_servers = per_second(seen.utilization * seen.serving_slot_seconds) / slots;
        // A hybrid's burst sizes base + burst as one fleet; the base is capacity it has
        // but cannot remove, so it is added to what it counts and to its limits.
        let base = seen.base_ready;
        let desired = self
            .schedule
            .advance(now, &mut self.limits)
            .map(|d| d.saturating_add(base));
        let view = View {
            now,
            utilization: seen.utilization,
            arrival_rate: per_second(seen.arrivals as f64),
            queue: per_second(seen.queue_seconds),
            busy_servers,
            ready: counts.ready + base,
            // Pending launches are capacity asked for: counted so it is not asked twice.
            booting: counts.booting + seen.pending_launches,
            past_warmup: past_warmup + base,
            min: self.limits.min.saturating_add(base),
            max: self.limits.max.saturating_add(base),
        };
        // The strategy runs every period, so its streaks and windows stay current even
        // when a scheduled action overrides its answer.
        let decision = self.strategy.decide(&view);
        match desired {
            Some(d) => view.towards(d),
            // A schedule may have moved min or max past the fleet while the strategy
            // holds: the group is brought within its limits (as AWS does).
            None => view.towards(view.after(decision)),
        }
    }

    fn tariff(&self) -> Tariff {
        Tariff::metered(&self.spec.billing)
    }

    fn purchase(&self) -> Option<&Purchase> {
        self.spec.purchase.is_mixed().then_some(&self.spec.purchase)
    }
}

/// A view for strategy tests: `ready` servers all past warmup, none booting.
#[cfg(test)]
pub(crate) fn view(now_s: u64, utilization: f64, ready: u32, min: u32, max: u32) -> View {
    View {
        now: now_s * crate::engine::SECOND,
        utilization,
        arrival_rate: 0.0,
        queue: 0.0,
        busy_servers: ready as f64 * utilization,
        ready,
        booting: 0,
        past_warmup: ready,
        min,
        max,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SECOND;
    use crate::scenario::{CloudBilling, Metric, ScheduledAction, TargetTracking, Tracked};

    fn action(
        at_s: u64,
        min: Option<u32>,
        max: Option<u32>,
        desired: Option<u32>,
    ) -> ScheduledAction {
        ScheduledAction {
            at: at_s * SECOND,
            days: 0x7f,
            min,
            max,
            desired,
        }
    }

    /// min 2, max 10, 2 ready; target tracking at 60 % that needs 3 periods to act.
    fn group(schedule: Vec<ScheduledAction>) -> (Autoscaler, Fleet) {
        let billing = CloudBilling {
            price_per_hour: 1.0,
            minimum: 60 * SECOND,
            granularity: SECOND,
        };
        let mut fleet = Fleet::new(8, Tariff::metered(&billing));
        for _ in 0..2 {
            let id = fleet.launch(0);
            fleet.mark_ready(id, 0);
        }
        let spec = AutoscaleSpec {
            min: 2,
            max: 10,
            initial: 2,
            boot_time: 90 * SECOND,
            boot_time_p95: None,
            scaling: Scaling::TargetTracking(TargetTracking {
                metrics: vec![Tracked {
                    metric: Metric::Utilization,
                    target: 0.6,
                }],
                period: 60 * SECOND,
                scale_out_periods: 3,
                scale_in_periods: 15,
                warmup: 0,
            }),
            schedule,
            billing,
            limits: Default::default(),
            app_warmup: None,
            purchase: Default::default(),
            egress: Default::default(),
        };
        (Autoscaler::new(spec), fleet)
    }

    use crate::policy::observed as seen;

    #[test]
    fn a_scheduled_min_or_max_moves_the_fleet_while_the_strategy_holds() {
        // 00:01 min 5; 00:02 max 3 alone (below min 5: min follows it down to 3).
        let (mut a, fleet) = group(vec![
            action(60, Some(5), None, None),
            action(120, None, Some(3), None),
        ]);
        // 2 servers at 50 %: target tracking wants ceil(2 × 0.5 / 0.6) = 2 and holds;
        // the new min 5 launches 3.
        assert_eq!(
            a.control(60 * SECOND, &fleet, seen(0.5)),
            Decision::Launch(3)
        );
        // Limits (3, 3) with 2 still in the fleet: launch 1.
        assert_eq!(
            a.control(120 * SECOND, &fleet, seen(0.5)),
            Decision::Launch(1)
        );
        assert_eq!(a.limits, scheduled::Limits { min: 3, max: 3 });
    }

    #[test]
    fn a_scheduled_desired_overrides_the_strategy_once() {
        let (mut a, fleet) = group(vec![action(60, None, None, Some(7))]);
        // Target tracking would hold; the action sets 7.
        assert_eq!(
            a.control(60 * SECOND, &fleet, seen(0.5)),
            Decision::Launch(5)
        );
        // Next period the strategy decides again: 2 servers at 50 % ⇒ hold.
        assert_eq!(a.control(120 * SECOND, &fleet, seen(0.5)), Decision::Hold);
        // Without a schedule the same group only holds.
        let (mut plain, fleet) = group(Vec::new());
        assert_eq!(
            plain.control(60 * SECOND, &fleet, seen(0.5)),
            Decision::Hold
        );
    }
}
