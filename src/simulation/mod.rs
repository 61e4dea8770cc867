//! Runs a checked [`Scenario`]: one model per policy, all fed the same request stream,
//! in parallel (one rayon task per policy, and per replication).
//!
//! `request.rs` simulates every request exactly; `fluid.rs` integrates traffic and
//! service in fixed steps for long horizons. Both produce the same [`PolicyOutcome`], so
//! reports never know which fidelity ran.

mod fluid;
mod functions;
mod request;
mod runtime;

use rayon::prelude::*;

use crate::engine::Time;
use crate::metrics::{Sample, Summary};
use crate::scenario::{Fidelity, PolicySpec, Scenario};
use crate::workload::{RateTable, Request, RequestStream};

/// Requests drawn at a time for the policies of one replication run in lockstep: 16 KiB,
/// small enough to stay in the core's cache while every policy reads it (8 replications
/// of flash-crowd: 4.9 s with 64 Ki-request chunks, 4.7 s with 1 Ki).
const LOCKSTEP_CHUNK: usize = 1_024;

/// What one policy did over the window.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyOutcome {
    pub summary: Summary,
    pub series: Vec<Sample>,
    /// Engine events (request level) or steps (fluid) processed, for throughput reports.
    pub events: u64,
}

/// The result of one run: one outcome per policy, in scenario order.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The seed this run used.
    pub seed: u64,
    pub policies: Vec<PolicyOutcome>,
}

/// What the policies of one run share: the fluid fidelity's rate table.
struct Shared {
    table: Option<RateTable>,
}

impl Shared {
    fn new(scenario: &Scenario) -> Shared {
        Shared {
            table: match scenario.fidelity {
                Fidelity::Fluid { step } => {
                    Some(RateTable::new(&scenario.workload, scenario.horizon, step))
                }
                Fidelity::Request => None,
            },
        }
    }
}

fn run_policy(
    scenario: &Scenario,
    shared: &Shared,
    spec: &PolicySpec,
    seed: u64,
    progress: &(dyn Fn(Time) + Sync),
) -> PolicyOutcome {
    if let crate::scenario::PolicyKind::Functions(f) = &spec.kind {
        return functions::run(scenario, spec, f, shared.table.as_ref(), seed, progress);
    }
    match (scenario.fidelity, &shared.table) {
        (Fidelity::Fluid { step }, Some(table)) => {
            fluid::FluidModel::new(scenario, spec, step, table, seed).run(progress)
        }
        _ => request::RequestModel::new(scenario, spec, seed).run(progress),
    }
}

/// Every policy of a request-level `scenario` on one thread, fed the same chunks of one
/// request stream of `seed`: the same outcomes as separate streams of that seed.
fn run_lockstep(
    scenario: &Scenario,
    seed: u64,
    progress: &(dyn Fn(Time) + Sync),
) -> Vec<PolicyOutcome> {
    let mut stream = RequestStream::new(
        &scenario.workload,
        scenario.service.service_time,
        scenario.horizon,
        seed,
    );
    let mut models: Vec<request::RequestModel> = scenario
        .policies
        .iter()
        .map(|spec| request::RequestModel::shared(scenario, spec, seed))
        .collect();
    for m in &mut models {
        m.begin();
    }
    let mut ended = vec![false; models.len()];
    loop {
        let chunk: Vec<Request> = std::iter::from_fn(|| stream.next_request())
            .take(LOCKSTEP_CHUNK)
            .collect();
        let last = chunk.len() < LOCKSTEP_CHUNK;
        let chunk: std::rc::Rc<[Request]> = chunk.into();
        for (m, ended) in models.iter_mut().zip(&mut ended) {
            if !*ended {
                m.feed(chunk.clone(), last);
                *ended = m.advance(progress);
            }
        }
        if last {
            break;
        }
    }
    models
        .into_iter()
        .map(request::RequestModel::finish)
        .collect()
}

/// Simulates every policy of `scenario` once, with the scenario's seed. `progress` is
/// called with simulated time advanced (in microseconds) by each policy, from several
/// threads.
pub fn run(scenario: &Scenario, progress: &(dyn Fn(Time) + Sync)) -> Outcome {
    let shared = Shared::new(scenario);
    let policies = scenario
        .policies
        .par_iter()
        .map(|spec| run_policy(scenario, &shared, spec, scenario.seed, progress))
        .collect();
    let mut outcome = Outcome {
        seed: scenario.seed,
        policies,
    };
    finish(scenario, &mut outcome);
    outcome
}

/// Like [`run`], without progress reports.
pub fn run_quiet(scenario: &Scenario) -> Outcome {
    run(scenario, &|_| {})
}

/// The seed of replication `i`: the scenario's own seed for the first, so one
/// replication is exactly a plain run; well-mixed derivatives for the others.
pub fn replication_seed(seed: u64, i: u32) -> u64 {
    if i == 0 {
        return seed;
    }
    crate::workload::mix_seed(seed, i as u64)
}

/// Runs `replications` independent replications (seeds from [`replication_seed`]) of
/// every policy in parallel. Within a replication every policy sees the same requests
/// (common random numbers); across replications the streams are independent.
///
/// Memory does not grow with the number of replications: each replication's time series
/// is used for its elasticity metrics and then dropped, except replication 0's, which is
/// what `timeseries.csv` and the charts show.
pub fn run_replications(
    scenario: &Scenario,
    replications: u32,
    progress: &(dyn Fn(Time) + Sync),
) -> Vec<Outcome> {
    let n = scenario.policies.len();
    // Functions run their own model, which draws its own stream.
    let functions = (scenario.policies.iter())
        .any(|p| matches!(p.kind, crate::scenario::PolicyKind::Functions(_)));
    let lockstep = replications > 1 && scenario.fidelity == Fidelity::Request && !functions;
    let shared = (!lockstep).then(|| Shared::new(scenario));
    (0..replications)
        .into_par_iter()
        .map(|r| {
            let seed = replication_seed(scenario.seed, r);
            let policies = match &shared {
                // Enough replications to keep every core busy: one task per replication,
                // its policies in lockstep on one stream instead of each drawing the same
                // requests.
                None => run_lockstep(scenario, seed, progress),
                Some(shared) => (0..n)
                    .into_par_iter()
                    .map(|p| run_policy(scenario, shared, &scenario.policies[p], seed, progress))
                    .collect(),
            };
            let mut outcome = Outcome { seed, policies };
            finish(scenario, &mut outcome);
            if r > 0 {
                for p in &mut outcome.policies {
                    p.series = Vec::new();
                }
            }
            outcome
        })
        .collect()
}

/// Completes a run once every policy's samples are in: the elasticity columns, and the
/// seed and fidelity every summary row records.
fn finish(scenario: &Scenario, outcome: &mut Outcome) {
    crate::elasticity::annotate(scenario, outcome);
    for p in &mut outcome.policies {
        p.summary.seed = outcome.seed;
        p.summary.fidelity = scenario.fidelity.name().to_string();
    }
}
