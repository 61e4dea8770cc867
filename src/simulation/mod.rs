//! Runs a checked [`Scenario`]: one model per policy, all fed the same request stream,
//! in parallel (one rayon task per policy).
//!
//! `request.rs` simulates every request exactly. A second fidelity (stepped, for long
//! horizons) will sit beside it behind the same [`run`] face.

mod request;

use rayon::prelude::*;

use crate::engine::Time;
use crate::metrics::{Sample, Summary};
use crate::scenario::Scenario;

/// What one policy did over the window.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyOutcome {
    pub summary: Summary,
    pub series: Vec<Sample>,
    /// Engine events processed (for throughput reports).
    pub events: u64,
}

/// The result of one run: one outcome per policy, in scenario order.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub policies: Vec<PolicyOutcome>,
}

/// Simulates every policy of `scenario`. `progress` is called with simulated time
/// advanced (in microseconds) by each policy, from several threads.
pub fn run(scenario: &Scenario, progress: &(dyn Fn(Time) + Sync)) -> Outcome {
    let policies = scenario
        .policies
        .par_iter()
        .map(|spec| request::RequestModel::new(scenario, spec).run(progress))
        .collect();
    Outcome { policies }
}

/// Like [`run`], without progress reports.
pub fn run_quiet(scenario: &Scenario) -> Outcome {
    run(scenario, &|_| {})
}
