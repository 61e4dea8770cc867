//! Provisioning policies: one file per kind, all behind [`Policy`].
//!
//! A policy sees only the fleet, what was measured, and the clock — never which fidelity
//! produced them — and answers with a [`Decision`]. Its billing rule comes with it.

mod autoscale;
mod fixed;
mod functions;
mod lease;

use crate::billing::Tariff;
use crate::engine::Time;
use crate::fleet::{Decision, Fleet};
use crate::scenario::{PolicyKind, Purchase};

/// How often owners and tenants look at their fleet's load (the purchase rule of `fixed`,
/// the renewal rule of `lease`): hourly, as capacity reports usually are.
pub(crate) const HOURLY_REVIEW: Time = 3600 * crate::engine::SECOND;

/// What the model measured over the last control period.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Observation {
    /// Busy slot-seconds ÷ slot-seconds of ready and draining servers over the period
    /// (0 when no server could serve).
    pub utilization: f64,
    /// The denominator of `utilization`: slot-seconds of ready and draining servers.
    pub serving_slot_seconds: f64,
    /// A hybrid's burst: ready servers of the base it bursts over, whose load
    /// `utilization` includes (0 otherwise).
    pub base_ready: u32,
    /// Launches asked for that the provider has not granted yet (quota, rate limit,
    /// capacity shortage): capacity already requested, like booting servers.
    pub pending_launches: u32,
    /// Requests that arrived during the period (dropped ones included).
    pub arrivals: u64,
    /// ∫ waiting requests dt over the period, request-seconds (requests in service are
    /// not waiting).
    pub queue_seconds: f64,
}

pub(crate) trait Policy: Send {
    /// Servers ready at t = 0.
    fn initial_servers(&self) -> u32;
    /// How often [`Policy::control`] runs, if the policy ever changes the fleet.
    fn control_period(&self) -> Option<Time> {
        None
    }
    /// Decides, at the end of a control period, whether to grow or shrink the fleet.
    fn control(&mut self, _now: Time, _fleet: &Fleet, _seen: Observation) -> Decision {
        Decision::Hold
    }
    /// How this policy's servers are paid for.
    fn tariff(&self) -> Tariff;
    /// Purchase options beyond on-demand (reserved, spot), if the policy mixes any.
    fn purchase(&self) -> Option<&Purchase> {
        None
    }
}

/// An observation of `utilization` alone, for policy tests.
#[cfg(test)]
pub(crate) fn observed(utilization: f64) -> Observation {
    Observation {
        utilization,
        serving_slot_seconds: 0.0,
        base_ready: 0,
        pending_launches: 0,
        arrivals: 0,
        queue_seconds: 0.0,
    }
}

/// Builds the policy that runs one fleet: a hybrid's sides are built one by one (see
/// `simulation/runtime.rs`), so a hybrid itself runs its base.
pub(crate) fn build(kind: &PolicyKind) -> Box<dyn Policy> {
    match kind {
        PolicyKind::Fixed(f) => Box::new(fixed::OwnServers::new(f.clone())),
        PolicyKind::Lease(l) => Box::new(lease::IdcLease::new(l.clone())),
        PolicyKind::Autoscale(a) => Box::new(autoscale::Autoscaler::new(a.clone())),
        PolicyKind::Hybrid(h) => build(&h.base),
        // The pod autoscaler; the cluster autoscaler runs in `simulation::cluster`.
        PolicyKind::Containers(c) => Box::new(autoscale::Autoscaler::new(c.group.clone())),
        PolicyKind::Functions(_) => Box::new(functions::Serverless),
    }
}
