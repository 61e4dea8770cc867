//! Theory next to the simulation: for each `fixed` policy whose service is exponential
//! under constant Poisson load (no traffic shapes), the closed-form M/M/c values beside
//! what the run measured, so users can see the model agree with queueing theory.

use std::fmt::Write;

use crate::analytic::{MMc, erlang_b};
use crate::scenario::{PolicyKind, Scenario, ServiceTime};
use crate::simulation::Outcome;

/// The comparison table, or `None` when no policy qualifies.
pub fn theory_table(scenario: &Scenario, outcome: &Outcome) -> Option<String> {
    let ServiceTime::Exponential { mean } = scenario.service.service_time else {
        return None;
    };
    if !scenario.workload.shapes.is_empty() {
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
        let q = MMc {
            servers: c,
            arrival_rate: scenario.workload.base_rate,
            mean_service: mean,
        };
        let s = &result.summary;
        if out.is_empty() {
            let _ = writeln!(
                out,
                "queueing theory vs simulation (constant Poisson load, exponential service):"
            );
        }
        let _ = write!(
            out,
            "  {}: M/M/{c}, offered {:.2} Erlangs (ρ = {:.3})",
            spec.name,
            q.offered_load(),
            q.utilization()
        );
        if scenario.service.queue_limit == 0 {
            let _ = writeln!(
                out,
                ", no queue (Erlang B)\n    drop fraction   theory {:.6}  simulated {:.6}",
                erlang_b(c, q.offered_load()),
                s.drop_fraction
            );
            continue;
        }
        if !q.is_stable() {
            let _ = writeln!(out, ": unstable (load ≥ slots), no steady state to compare");
            continue;
        }
        let _ = writeln!(out);
        let rows = [
            ("P(wait)", q.p_wait(), s.waited_fraction),
            ("mean wait s", q.mean_wait(), s.wait_mean_s),
            ("mean response s", q.mean_response(), s.response_mean_s),
            ("mean in system", q.mean_in_system(), s.mean_in_system),
        ];
        for (name, theory, simulated) in rows {
            let _ = writeln!(
                out,
                "    {name:<16} theory {theory:>10.6}  simulated {simulated:>10.6}"
            );
        }
        if s.dropped > 0 {
            let _ = writeln!(
                out,
                "    ({} requests were dropped at the queue limit, which M/M/c ignores)",
                s.dropped
            );
        }
    }
    (!out.is_empty()).then_some(out)
}
