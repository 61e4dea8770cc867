//! `provsim compare-fidelity`: the same scenario in both fidelities, side by side, so a
//! user can see how far the fast fluid approximation is from the exact request-level
//! engine on their own traffic before trusting it for long horizons.

use std::fmt::Write;

use crate::scenario::{Fidelity, Scenario};
use crate::simulation::{self, Outcome};

/// How close the fluid result must be to the request-level one to count as agreeing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerances {
    /// Relative difference of total cost.
    pub cost: f64,
    /// Absolute difference of idle fraction.
    pub idle_fraction: f64,
    /// Absolute difference of dropped fraction.
    pub drop_fraction: f64,
    /// Relative difference of p99 response time.
    pub p99: f64,
}

impl Default for Tolerances {
    fn default() -> Self {
        Tolerances {
            cost: 0.01,
            idle_fraction: 0.02,
            drop_fraction: 0.01,
            p99: 0.25,
        }
    }
}

/// One policy's metrics in both fidelities.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyComparison {
    pub policy: String,
    /// (request, fluid) pairs.
    pub total_cost: (f64, f64),
    pub idle_fraction: (f64, f64),
    pub drop_fraction: (f64, f64),
    pub p99: (f64, f64),
}

fn relative(pair: (f64, f64)) -> f64 {
    let (exact, approx) = pair;
    if exact == 0.0 && approx == 0.0 {
        0.0
    } else {
        (approx - exact).abs() / exact.abs().max(1e-12)
    }
}

fn absolute(pair: (f64, f64)) -> f64 {
    (pair.1 - pair.0).abs()
}

impl PolicyComparison {
    /// Whether every metric is within `tol`.
    pub fn agrees(&self, tol: &Tolerances) -> bool {
        relative(self.total_cost) <= tol.cost
            && absolute(self.idle_fraction) <= tol.idle_fraction
            && absolute(self.drop_fraction) <= tol.drop_fraction
            && relative(self.p99) <= tol.p99
    }
}

/// Both runs and their comparison.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub request: Outcome,
    pub fluid: Outcome,
    pub policies: Vec<PolicyComparison>,
}

/// Runs `scenario` at request level and in fluid fidelity (`step` from the scenario if it
/// is fluid, else 1 s).
pub fn compare(scenario: &Scenario) -> Comparison {
    compare_with_progress(scenario, &|_| {})
}

/// [`compare`], calling `progress` with the simulated time each policy of each run
/// advances (microseconds), from several threads.
pub fn compare_with_progress(
    scenario: &Scenario,
    progress: &(dyn Fn(crate::engine::Time) + Sync),
) -> Comparison {
    let step = match scenario.fidelity {
        Fidelity::Fluid { step } => step,
        Fidelity::Request => crate::engine::SECOND.min(scenario.sample_every),
    };
    let mut exact = scenario.clone();
    exact.fidelity = Fidelity::Request;
    let mut fast = scenario.clone();
    fast.fidelity = Fidelity::Fluid { step };
    let (request, fluid) = rayon::join(
        || simulation::run(&exact, progress),
        || simulation::run(&fast, progress),
    );
    let policies = request
        .policies
        .iter()
        .zip(&fluid.policies)
        .map(|(r, f)| {
            let (r, f) = (&r.summary, &f.summary);
            PolicyComparison {
                policy: r.policy.clone(),
                total_cost: (r.total_cost, f.total_cost),
                idle_fraction: (r.idle_fraction, f.idle_fraction),
                drop_fraction: (r.drop_fraction, f.drop_fraction),
                p99: (r.response_p99_s, f.response_p99_s),
            }
        })
        .collect();
    Comparison {
        request,
        fluid,
        policies,
    }
}

impl Comparison {
    /// The table `compare-fidelity` prints.
    pub fn table(&self, scenario: &Scenario, tol: &Tolerances) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{}: request-level vs fluid (tolerances: cost {:.0} %, idle {:.0} pp, drops {:.0} pp, p99 {:.0} %)",
            scenario.name,
            tol.cost * 100.0,
            tol.idle_fraction * 100.0,
            tol.drop_fraction * 100.0,
            tol.p99 * 100.0
        );
        let width = self
            .policies
            .iter()
            .map(|p| p.policy.chars().count())
            .fold(6, usize::max);
        let _ = writeln!(
            out,
            "{:<width$}  {:>28}  {:>22}  {:>22}  {:>24}  agree",
            "policy", "total cost $ (req → fluid)", "idle % (req → fluid)", "dropped %", "p99 s"
        );
        for p in &self.policies {
            let cost = format!(
                "{:.2} → {:.2} ({:+.1}%)",
                p.total_cost.0,
                p.total_cost.1,
                signed_relative(p.total_cost) * 100.0
            );
            let idle = format!(
                "{:.2} → {:.2} ({:+.2})",
                p.idle_fraction.0 * 100.0,
                p.idle_fraction.1 * 100.0,
                (p.idle_fraction.1 - p.idle_fraction.0) * 100.0
            );
            let drop = format!(
                "{:.3} → {:.3} ({:+.3})",
                p.drop_fraction.0 * 100.0,
                p.drop_fraction.1 * 100.0,
                (p.drop_fraction.1 - p.drop_fraction.0) * 100.0
            );
            let p99 = format!(
                "{:.3} → {:.3} ({:+.0}%)",
                p.p99.0,
                p.p99.1,
                signed_relative(p.p99) * 100.0
            );
            let _ = writeln!(
                out,
                "{:<width$}  {cost:>28}  {idle:>22}  {drop:>22}  {p99:>24}  {}",
                p.policy,
                if p.agrees(tol) { "yes" } else { "NO" }
            );
        }
        out
    }
}

fn signed_relative(pair: (f64, f64)) -> f64 {
    if pair.0 == 0.0 {
        0.0
    } else {
        (pair.1 - pair.0) / pair.0
    }
}
