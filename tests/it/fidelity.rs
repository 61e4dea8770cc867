//! The fluid fidelity against the exact request-level engine, on every shipped scenario
//! short enough to simulate request by request: total cost within 1 %, idle fraction
//! within 2 percentage points, dropped fraction within 1 point, p99 within 25 %.

use provsim::compare::{Tolerances, compare};
use provsim::scenario::{self, Fidelity};

use crate::common::{run_first, shipped_scenarios};

#[test]
fn fluid_agrees_with_request_level_on_shipped_scenarios() {
    let files = shipped_scenarios();
    let tol = Tolerances::default();
    let mut compared = 0;
    let mut failures = Vec::new();
    for file in files {
        let s = scenario::load(&file).expect("shipped scenarios are valid");
        // Long horizons are what the fluid fidelity is for; request level would take
        // minutes there.
        if matches!(s.fidelity, Fidelity::Fluid { .. }) && s.horizon > 30 * 86_400 * 1_000_000 {
            continue;
        }
        let c = compare(&s);
        println!("{}", c.table(&s, &tol));
        compared += 1;
        for p in &c.policies {
            if !p.agrees(&tol) {
                failures.push(format!("{}: {:?}", s.name, p));
            }
        }
    }
    assert!(compared >= 4, "only {compared} scenarios compared");
    assert!(failures.is_empty(), "fluid disagrees: {failures:#?}");
}

/// A fixed fleet under constant load is an M/M/c/K queue: the fluid fidelity must lose
/// and delay requests as that queue does, whatever the waiting room (Erlang B without
/// one, Erlang C with a large one).
#[test]
fn fluid_follows_mmck_for_finite_queues() {
    for queue_limit in [0u64, 1, 3, 10, 1_000] {
        let text = format!(
            r#"
name = "mmck"
horizon = "6h"
fidelity = "fluid"
[service]
service_time = {{ distribution = "exponential", mean = "100ms" }}
slots_per_server = 10
queue_limit = {queue_limit}
[workload]
base_rate = 80.0
[[policy]]
name = "fixed"
type = "fixed"
servers = 1
cost = {{ capex_per_server = 1000.0, amortization = "4y" }}
"#
        );
        let summary = run_first(&text, "mmck").summary;
        let theory = provsim::analytic::MMcK {
            servers: 10,
            arrival_rate: 80.0,
            mean_service: 0.1,
            queue_limit,
        };
        println!(
            "K−c = {queue_limit}: drops {:.5} vs {:.5}, P(wait) {:.4} vs {:.4}, Wq {:.5} vs {:.5}",
            summary.drop_fraction,
            theory.p_block(),
            summary.waited_fraction,
            theory.p_wait(),
            summary.wait_mean_s,
            theory.mean_wait()
        );
        assert!((summary.drop_fraction - theory.p_block()).abs() < 2e-4);
        // The fluid latency model books M/M/c/K's own law (on a fine grid of loads).
        assert!((summary.waited_fraction - theory.p_wait()).abs() < 1e-3);
        assert!((summary.wait_mean_s - theory.mean_wait()).abs() <= 0.03 * theory.mean_wait());
        if queue_limit == 0 {
            assert_eq!(summary.wait_mean_s, 0.0);
        }
    }
}
