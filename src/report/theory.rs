//! Theory next to the simulation: for each `fixed` policy whose service is exponential
//! under constant Poisson load (no traffic shapes, no trace), the closed-form M/M/c/K values (the
//! scenario's `queue_limit` is the waiting room) beside what the run measured, so users
//! can see the model agree with queueing theory. Request fidelity only: the fluid
//! fidelity computes its waits from these same formulas, so the comparison would check
//! the formulas against themselves.

use std::fmt::Write;

use crate::analytic::MMcK;
use crate::scenario::{Fidelity, PolicyKind, Scenario, ServiceTime};
use crate::simulation::Outcome;

/// The comparison table, or `None` when no policy qualifies.
pub fn theory_table(scenario: &Scenario, outcome: &Outcome) -> Option<String> {
    let ServiceTime::Exponential { mean } = scenario.service.service_time else {
        return None;
    };
    let w = &scenario.workload;
    if !w.shapes.is_empty() || w.trace.is_some() || scenario.fidelity != Fidelity::Request {
        return None;
    }
    let mut out = String::new();
    for (spec, result) in scenario.policies.iter().zip(&outcome.policies) {
        let PolicyKind::Fixed(fixed) = &spec.kind else {
            continue;
        };
        let c = fixed
            .servers
            .saturating_mul(scenario.service.slots_per_server);
        let q = MMcK {
            servers: c,
            arrival_rate: scenario.workload.base_rate,
            mean_service: mean,
            queue_limit: scenario.service.queue_limit,
        };
        let s = &result.summary;
        if out.is_empty() {
            let _ = writeln!(
                out,
                "queueing theory vs simulation (constant Poisson load, exponential service):"
            );
        }
        let load = q.offered_load();
        let _ = writeln!(
            out,
            "  {}: M/M/{c}/{} (queue limit {}), offered {load:.2} Erlangs (ρ = {:.3})",
            spec.name,
            c as u64 + scenario.service.queue_limit,
            scenario.service.queue_limit,
            load / c as f64,
        );
        let (p_block, wait) = (q.p_block(), q.mean_wait());
        let rows = [
            ("drop fraction", p_block, s.drop_fraction),
            ("P(wait)", q.p_wait(), s.waited_fraction),
            ("mean wait s", wait, s.wait_mean_s),
            ("mean response s", wait + mean, s.response_mean_s),
            (
                "mean in system",
                q.arrival_rate * (1.0 - p_block) * (wait + mean),
                s.mean_in_system,
            ),
        ];
        for (name, theory, simulated) in rows {
            let _ = writeln!(
                out,
                "    {name:<16} theory {theory:>10.6}  simulated {simulated:>10.6}"
            );
        }
    }
    (!out.is_empty()).then_some(out)
}
