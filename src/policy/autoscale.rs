//! `autoscale`: cloud on-demand instances under an autoscaler.
//!
//! The policy shell owns what every autoscaling group has — `min`, `max`, `initial`, the
//! boot time and the billing rule — and delegates the decision to a [`Strategy`] chosen
//! by `scaling.type`, one file each:
//! - [`target_tracking`]: AWS target tracking (DESIGN.md §1);
//! - [`simple`]: AWS simple scaling — one adjustment per alarm, then a cooldown;
//! - [`step`]: AWS step scaling — step adjustments relative to an alarm threshold;
//! - [`hpa`]: the Kubernetes HorizontalPodAutoscaler.
//!
//! A strategy sees a [`View`] (the measured utilisation and the fleet's counts), never the
//! fleet itself, so its decision function is tested with hand-made views.

mod hpa;
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
    /// End of the last control period and ∫ serving slots dt up to it.
    last: (Time, f64),
}

impl Autoscaler {
    pub(crate) fn new(spec: AutoscaleSpec) -> Self {
        let strategy: Box<dyn Strategy> = match &spec.scaling {
            Scaling::TargetTracking(t) => Box::new(target_tracking::TargetTracker::new(t.clone())),
            Scaling::Simple(s) => Box::new(simple::SimpleScaler::new(s.clone(), spec.boot_time)),
            Scaling::Step(s) => Box::new(step::StepScaler::new(s.clone())),
            Scaling::Hpa(h) => Box::new(hpa::Hpa::new(h.clone(), spec.initial)),
        };
        Autoscaler {
            spec,
            strategy,
            last: (0, 0.0),
        }
    }
}

impl Policy for Autoscaler {
    fn initial_servers(&self) -> u32 {
        self.spec.initial
    }

    fn boot_time(&self) -> Time {
        self.spec.boot_time
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
        // The runtime measured utilisation against these serving slot-seconds.
        let serving = fleet.serving_slots.integral(now);
        let (since, serving_before) = std::mem::replace(&mut self.last, (now, serving));
        let length = crate::engine::to_seconds(now.saturating_sub(since));
        let slots = fleet.slots_per_server() as f64;
        let busy_servers = if length > 0.0 {
            seen.utilization * (serving - serving_before) / length / slots
        } else {
            0.0
        };
        let view = View {
            now,
            utilization: seen.utilization,
            busy_servers,
            ready: counts.ready,
            booting: counts.booting,
            past_warmup,
            min: self.spec.min,
            max: self.spec.max,
        };
        self.strategy.decide(&view)
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
        busy_servers: ready as f64 * utilization,
        ready,
        booting: 0,
        past_warmup: ready,
        min,
        max,
    }
}
