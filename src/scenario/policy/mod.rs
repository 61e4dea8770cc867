//! `[[policy]]`: the ways of hosting to compare, one unit per `type` (its serde struct,
//! defaults, checked struct and validation): [`fixed`], [`lease`], [`autoscale`],
//! [`hybrid`], which combines a fixed or lease base with an autoscale burst,
//! [`containers`] (pods on autoscaled nodes) and [`functions`] (serverless functions).

pub(crate) mod autoscale;
pub(crate) mod containers;
pub(crate) mod fixed;
pub(crate) mod functions;
pub(crate) mod hybrid;
pub(crate) mod lease;

use super::check::Scope;
use super::error::ScenarioError;
use crate::engine::Time;

pub use autoscale::{
    AppWarmup, AutoscaleSpec, BillingPreset, CloudBilling, Egress, ProviderLimits, Purchase,
    ScheduledAction,
};
pub use containers::{ContainersSpec, NodeSpec, PodSpec};
pub use fixed::{FixedSpec, PurchaseRule};
pub use functions::{Basis, FunctionBilling, FunctionsPreset, FunctionsSpec};
pub use hybrid::HybridSpec;
pub use lease::{Bandwidth, LeaseSpec, Renewal};

/// One provisioning policy to play the traffic against.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicySpec {
    pub name: String,
    pub kind: PolicyKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PolicyKind {
    Fixed(FixedSpec),
    Lease(LeaseSpec),
    Autoscale(AutoscaleSpec),
    Hybrid(HybridSpec),
    Containers(ContainersSpec),
    Functions(FunctionsSpec),
}

/// Every policy `type`.
const KINDS: [&str; 6] = [
    "fixed",
    "lease",
    "autoscale",
    "hybrid",
    "containers",
    "functions",
];

impl PolicyKind {
    /// The `type` string of the scenario file.
    pub fn type_name(&self) -> &'static str {
        match self {
            PolicyKind::Fixed(_) => "fixed",
            PolicyKind::Lease(_) => "lease",
            PolicyKind::Autoscale(_) => "autoscale",
            PolicyKind::Hybrid(_) => "hybrid",
            PolicyKind::Containers(_) => "containers",
            PolicyKind::Functions(_) => "functions",
        }
    }

    /// Slots of one of this policy's servers: a pod's for containers, else the service's.
    pub fn slots_per_server(&self, service_slots: u32) -> u32 {
        match self {
            PolicyKind::Containers(c) => c.pods.slots,
            _ => service_slots,
        }
    }

    /// The autoscaling group of this policy: itself, or a hybrid's burst.
    pub fn cloud(&self) -> Option<&AutoscaleSpec> {
        match self {
            PolicyKind::Autoscale(a) => Some(a),
            PolicyKind::Hybrid(h) => Some(&h.burst),
            // The pods' group: its "boot" is a pod's start, it has no price of its own.
            PolicyKind::Containers(c) => Some(&c.group),
            _ => None,
        }
    }
}

/// Where a policy block stands: a policy of its own, or one side of a hybrid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Alone,
    Base,
    Burst,
}

/// What every policy block is checked against.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Context {
    /// `service.slots_per_server`.
    pub slots: u32,
    pub horizon: Time,
    /// `service.queue_limit > 0`: requests can wait (a group at zero can see them).
    pub queueing: bool,
}

/// Checks one `[[policy]]` (scope `s`, e.g. `policy[2]`).
pub(crate) fn check(s: &Scope, cx: Context) -> Result<PolicySpec, ScenarioError> {
    let kind = check_block(s, cx, Role::Alone)?;
    let Some(name) = s.optional::<String>("name")? else {
        return Err(s.error("", "missing field `name`: every policy needs a name"));
    };
    if let Some(problem) = crate::scenario::name::policy_problem(&name) {
        return Err(s.error("name", format!("{name:?} {problem}")));
    }
    Ok(PolicySpec { name, kind })
}

/// Checks a policy block at scope `s` in its `role`: a policy of its own, or a hybrid's
/// base or burst (which go by the hybrid's name).
pub(crate) fn check_block(s: &Scope, cx: Context, role: Role) -> Result<PolicyKind, ScenarioError> {
    let (allowed, why): (&[&str], _) = match role {
        Role::Alone => (&KINDS, ""),
        Role::Base => (
            &["fixed", "lease"],
            "the base of a hybrid is own servers or a lease: ",
        ),
        Role::Burst => (
            &["autoscale"],
            "a hybrid bursts into a cloud autoscaling group: ",
        ),
    };
    let kind = s.tag("type", &KINDS, "policy")?;
    if !allowed.contains(&kind) {
        let expected = allowed
            .iter()
            .map(|k| format!("\"{k}\""))
            .collect::<Vec<_>>()
            .join(" or ");
        let why = if kind == "hybrid" {
            "a hybrid's base or burst cannot itself be a hybrid: ".to_string()
        } else {
            why.to_string()
        };
        return Err(s.error("type", format!("{why}expected {expected}, got \"{kind}\"")));
    }
    if role != Role::Alone && s.has("name") {
        return Err(s.error(
            "name",
            "a hybrid's base and burst go by the hybrid's name; remove this one",
        ));
    }
    let skip = ["type", "name"];
    Ok(match kind {
        "fixed" => PolicyKind::Fixed(fixed::check(s, s.read_without(&skip)?, cx)?),
        "lease" => PolicyKind::Lease(lease::check(s, s.read_without(&skip)?, cx)?),
        "autoscale" => {
            PolicyKind::Autoscale(autoscale::check(s, s.read_without(&skip)?, cx, role)?)
        }
        "containers" => PolicyKind::Containers(containers::check(s, s.read_without(&skip)?, cx)?),
        "functions" => PolicyKind::Functions(functions::check(s, s.read_without(&skip)?, cx)?),
        _ => PolicyKind::Hybrid(hybrid::check(s, s.read_without(&skip)?, cx)?),
    })
}
