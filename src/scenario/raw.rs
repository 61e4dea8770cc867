//! The top of a scenario file: its own fields (`name`, `horizon`, `seed`, …) with their
//! defaults, and the validation that turns the whole file into a checked [`Scenario`],
//! handing each table to its unit.

use std::time::Duration;

use serde::Deserialize;

use super::check::{Deferred, Scope, fmt_duration};
use super::error::ScenarioError;
use super::policy::{self, PolicySpec};
use super::{Fidelity, Scenario, service, workload};

/// Most time-series samples per policy: keeps memory bounded whatever the file says.
const MAX_SAMPLES: u64 = 2_000_000;
/// Most fluid steps per policy: ten years of 1 s steps.
const MAX_STEPS: u64 = 315_576_000;
/// Most replications a scenario may ask for.
pub(crate) const MAX_REPLICATIONS: u64 = 10_000;
/// Most policies in one scenario: each is simulated, and a comparison of more is no
/// longer read by anyone.
const MAX_POLICIES: usize = 1_000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    name: Option<String>,
    #[serde(default)]
    description: String,
    #[serde(with = "humantime_serde", default)]
    horizon: Option<Duration>,
    #[serde(default = "default_seed")]
    seed: u64,
    #[serde(with = "humantime_serde", default = "default_sample_every")]
    sample_every: Duration,
    #[serde(default)]
    fidelity: RawFidelity,
    #[serde(with = "humantime_serde", default = "default_step")]
    step: Duration,
    #[serde(default = "default_replications")]
    replications: u64,
    #[allow(dead_code)] // these three are read at their own scope
    service: Deferred,
    #[allow(dead_code)]
    workload: Deferred,
    policy: Vec<Deferred>,
}

#[derive(Deserialize, Default, Clone, Copy)]
#[serde(rename_all = "kebab-case")]
enum RawFidelity {
    #[default]
    Request,
    Fluid,
}

fn default_step() -> Duration {
    Duration::from_secs(1)
}
fn default_replications() -> u64 {
    1
}
fn default_seed() -> u64 {
    1
}
fn default_sample_every() -> Duration {
    Duration::from_secs(60)
}

/// Checks the whole file (scope `s`, the root); `default_name` names a scenario without
/// `name`.
pub(crate) fn check(s: &Scope, default_name: &str) -> Result<Scenario, ScenarioError> {
    // Only a replay may leave the horizon out (it defaults to the trace's length): say so
    // before anything else, as for any required field.
    if !s.has("horizon") && !s.scope("workload").has("trace") {
        return Err(s.error("", "missing field `horizon`"));
    }
    let raw: Raw = s.read()?;
    let name = raw.name.unwrap_or_else(|| default_name.to_string());
    if let Some(problem) = super::name::folder_problem(&name) {
        return Err(s.error(
            "name",
            format!("{name:?} {problem}: it names the output folder"),
        ));
    }
    let trace = workload::load_trace(&s.scope("workload"))?;
    let horizon = match (raw.horizon, &trace) {
        (Some(h), _) => s.positive_time("horizon", h)?,
        // A replay runs as long as its trace unless told otherwise.
        (None, Some(t)) => s.time("workload.trace", Duration::from_micros(t.trace.end()))?,
        (None, None) => return Err(s.error("", "missing field `horizon`")),
    };
    let sample_every = s.interval(
        "sample_every",
        raw.sample_every,
        "every sample is a row per policy, in memory and in timeseries.csv",
    )?;
    if sample_every > horizon {
        return Err(s.error(
            "sample_every",
            format!(
                "must not be longer than the horizon ({}), got {}",
                fmt_duration(Duration::from_micros(horizon)),
                fmt_duration(raw.sample_every)
            ),
        ));
    }
    if horizon / sample_every > MAX_SAMPLES {
        return Err(s.error(
            "sample_every",
            format!(
                "{} samples over the horizon; at most {MAX_SAMPLES} are kept, so sample less often",
                horizon / sample_every
            ),
        ));
    }
    let service = service::check(&s.scope("service"))?;
    let workload = workload::check(&s.scope("workload"), horizon, trace)?;
    if raw.policy.is_empty() {
        return Err(s.error("policy", "expected at least one [[policy]]"));
    }
    if raw.policy.len() > MAX_POLICIES {
        return Err(s.error(
            "policy",
            format!(
                "{} policies; at most {MAX_POLICIES} (each is simulated in full)",
                raw.policy.len()
            ),
        ));
    }
    let cx = policy::Context {
        slots: service.slots_per_server,
        horizon,
        queueing: service.queue_limit > 0,
    };
    let mut policies: Vec<PolicySpec> = Vec::with_capacity(raw.policy.len());
    let mut names = std::collections::HashSet::new();
    for p in s.scope("policy").items() {
        let spec = policy::check(&p, cx)?;
        if !names.insert(spec.name.clone()) {
            return Err(p.error(
                "name",
                format!("policy names must be unique; {:?} is used twice", spec.name),
            ));
        }
        policies.push(spec);
    }
    let step = s.interval(
        "step",
        raw.step,
        "for finer detail than 1 s steps, use fidelity = \"request\"",
    )?;
    let fidelity = match raw.fidelity {
        RawFidelity::Request => Fidelity::Request,
        RawFidelity::Fluid => {
            if step > sample_every {
                return Err(s.error(
                    "step",
                    format!(
                        "must not be longer than sample_every ({}), got {}",
                        fmt_duration(raw.sample_every),
                        fmt_duration(raw.step)
                    ),
                ));
            }
            if horizon / step > MAX_STEPS {
                return Err(s.error(
                    "step",
                    format!(
                        "{} steps over the horizon; at most {MAX_STEPS}",
                        horizon / step
                    ),
                ));
            }
            Fidelity::Fluid { step }
        }
    };
    let replications = s.count("replications", raw.replications, 1, MAX_REPLICATIONS)?;
    Ok(Scenario {
        name,
        description: raw.description,
        horizon,
        seed: raw.seed,
        sample_every,
        service,
        workload,
        policies,
        fidelity,
        replications,
    })
}
