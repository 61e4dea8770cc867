//! Own servers as they behave: power drawn in proportion to load, so idle capacity shows
//! up in the electricity bill too. Hand-computed bills in both fidelities.

use provsim::scenario;
use provsim::simulation::run_quiet;

fn run(fidelity: &str, idle_watts: Option<f64>) -> provsim::metrics::Summary {
    let idle = idle_watts.map_or(String::new(), |w| format!(", idle_watts = {w:?}"));
    let text = format!(
        r#"
horizon = "10h"
fidelity = "{fidelity}"
[service]
service_time = {{ distribution = "exponential", mean = "100ms" }}
slots_per_server = 8
[workload]
base_rate = 40.0
[[policy]]
name = "own"
type = "fixed"
servers = 2
cost = {{ capex_per_server = 0.0, amortization = "4y", watts = 400.0{idle}, pue = 1.5, price_per_kwh = 0.2 }}
"#
    );
    let s = scenario::parse(&text, "own.toml", "own").expect("valid");
    run_quiet(&s).policies.remove(0).summary
}

#[test]
fn power_follows_load_when_idle_watts_are_given() {
    for fidelity in ["request", "fluid"] {
        // Flat draw: 2 servers × 0.4 kW × 1.5 × $0.20 × 10 h = $2.40, busy or idle.
        let flat = run(fidelity, None);
        assert!((flat.total_cost - 2.40).abs() < 1e-9, "{}", flat.total_cost);
        // Idle 100 W: 2 × 0.1 kW × 1.5 × $0.20 × 10 h = $0.60, plus 0.3 kW × 1.5 ×
        // $0.20 = $0.09 per fully busy server-hour.
        let s = run(fidelity, Some(100.0));
        let busy_server_hours = s.busy_slot_seconds / 8.0 / 3600.0;
        let want = 0.60 + 0.09 * busy_server_hours;
        assert!(
            (s.total_cost - want).abs() < 1e-9,
            "{fidelity}: {} vs {want}",
            s.total_cost
        );
        // 40 req/s × 0.1 s = 4 busy slots of 16: a quarter of 20 server-hours.
        assert!((busy_server_hours - 5.0).abs() < 0.1, "{busy_server_hours}");
        assert!(s.total_cost < flat.total_cost);
    }
}
