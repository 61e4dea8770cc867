//! Scenario files: what the user writes, checked into a typed [`Scenario`] the simulator
//! can trust.
//!
//! Every error names the file, the field (as a path like `policy[2].max`), the line and
//! column, and what was expected. Unknown fields are errors.
//!
//! Layout: the checked model and [`load`]/[`parse`] here; the file as read (size limit,
//! read once, stdin, a structural pre-scan) in `input`; the error type in `error`; the
//! scoped checker that reads each table at its own path in `check`; names in `name`; the
//! top of the file in `raw`; then one unit per concept, each holding its serde struct, defaults, checked
//! struct and validation together: `service`, `workload`, `policy::{fixed, lease,
//! autoscale, hybrid}` and `scaling::{target_tracking, simple, step, hpa, scheduled,
//! predictive}`.

pub(crate) mod check;
mod error;
mod input;
pub(crate) mod name;
pub(crate) mod policy;
mod raw;
pub(crate) mod scaling;
mod service;
mod workload;

use std::path::Path;

use crate::engine::Time;

pub use error::{LineCol, ScenarioError};
pub use input::{MAX_FILE_BYTES, STDIN_NAME, Source};
pub use policy::{
    AppWarmup, AutoscaleSpec, Bandwidth, Basis, BillingPreset, CloudBilling, ContainersSpec,
    Egress, FixedSpec, FunctionBilling, FunctionsPreset, FunctionsSpec, HybridSpec, LeaseSpec,
    NodeSpec, PodSpec, PolicyKind, PolicySpec, ProviderLimits, Purchase, PurchaseRule, Renewal,
    ScheduledAction,
};
pub use scaling::{
    AdjustmentType, GcpMigScaling, HpaScaling, Metric, PredictiveScaling, Scaling,
    ScheduledScaling, SimpleScaling, StepAdjustment, StepScaling, TargetTracking, Tracked,
};
pub use service::{Penalty, Service, ServiceTime};
pub use workload::{Interpolate, Shape, Workload};

/// The scenario used when `provsim run` is given no file.
pub const DEFAULT_SCENARIO: &str = include_str!("../../scenarios/flash-crowd.toml");
/// The name shown for the built-in default scenario in messages.
pub const DEFAULT_SCENARIO_FILE: &str = "<built-in flash-crowd>";

/// A validated scenario: every value is in range and in simulator units.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Output folder name.
    pub name: String,
    pub description: String,
    /// Length of the simulated window.
    pub horizon: Time,
    pub seed: u64,
    /// Time-series resolution.
    pub sample_every: Time,
    pub service: Service,
    pub workload: Workload,
    pub policies: Vec<PolicySpec>,
    /// How the traffic is simulated.
    pub fidelity: Fidelity,
    /// Independent runs (seeds) to average; 1 = a single run.
    pub replications: u32,
}

/// How finely traffic and service are simulated: the same model, two ways of running it
/// (`docs/model.md` §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fidelity {
    /// Every request is an event: exact, for horizons of hours to weeks.
    Request,
    /// Traffic and service integrated in fixed steps, latency from queueing theory: for
    /// months and years.
    Fluid { step: Time },
}

impl Fidelity {
    /// The name used in scenario files and on the command line.
    pub fn name(&self) -> &'static str {
        match self {
            Fidelity::Request => "request",
            Fidelity::Fluid { .. } => "fluid",
        }
    }
}

/// Reads and validates a scenario file (`-`: standard input), reading it once.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    Source::read(path)?.parse()
}

/// Parses and validates scenario text. `file` names it in errors; `default_name` is used
/// when the file has no `name`.
/// Relative paths in it (a trace's files) are read from the current folder.
pub fn parse(text: &str, file: &str, default_name: &str) -> Result<Scenario, ScenarioError> {
    parse_in(text, file, default_name, Path::new(""))
}

/// [`parse`], with relative paths read from `base` (the scenario file's folder).
pub fn parse_in(
    text: &str,
    file: &str,
    default_name: &str,
    base: &Path,
) -> Result<Scenario, ScenarioError> {
    input::prescan(text, file)?;
    let checker = check::Checker::parse(text, file, base)?;
    raw::check(&checker.root(), default_name)
}

#[cfg(test)]
mod tests;
