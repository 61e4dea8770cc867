//! The fluid fidelity at and above saturation with a finite queue, against closed forms
//! and against the request-level engine.
//!
//! A fixed fleet of c slots with exponential service, Poisson arrivals at a constant rate
//! and a waiting room of N places is the M/M/c/K queue, stable at every load: the fluid
//! model must lose, delay and respond as its stationary law says, continuously through
//! ρ = 1 (fluid has no seed noise for fixed fleets: the tolerances are on the model).

use provsim::analytic::MMcK;
use provsim::compare::{Tolerances, compare};
use provsim::metrics::Summary;
use provsim::scenario;

const MEAN_SERVICE: f64 = 0.1;

/// A fluid run of `slots` slots offered `rho`·`slots` Erlangs with a room of `limit`.
fn fluid_run(slots: u32, rho: f64, limit: u64, horizon: &str) -> Summary {
    let rate = rho * slots as f64 / MEAN_SERVICE;
    let text = format!(
        r#"
name = "mmck"
horizon = "{horizon}"
sample_every = "1d"
fidelity = "fluid"
[service]
service_time = {{ distribution = "exponential", mean = "100ms" }}
slots_per_server = {slots}
queue_limit = {limit}
slo = "10s"
[workload]
base_rate = {rate}
[[policy]]
name = "fixed"
type = "fixed"
servers = 1
cost = {{ capex_per_server = 1000.0, amortization = "4y" }}
"#
    );
    let s = scenario::parse(&text, "mmck.toml", "mmck").expect("valid scenario");
    provsim::simulation::run_quiet(&s)
        .policies
        .remove(0)
        .summary
}

/// Within `rel` relative or `abs` absolute of `want` (the absolute floor covers zeros).
fn within(got: f64, want: f64, rel: f64, abs: f64) -> bool {
    (got - want).abs() <= (rel * want.abs()).max(abs)
}

/// Drop fraction and P(wait) within 2 % or 0.001, mean wait within 3 % or 0.1 ms, p95 and
/// p99 of response within 5 % or 1 ms of M/M/c/K, for c ∈ {1, 8, 50}, N ∈ {0, 5, 20,
/// 1000} and ρ from 0.9 to 2.
#[test]
fn fluid_follows_mmck_through_saturation() {
    let mut failures = Vec::new();
    println!(
        "{:>3} {:>5} {:>6} | {:>17} {:>17} {:>19} {:>17} {:>17}",
        "c", "N", "ρ", "drop fl/exact", "P(wait)", "mean wait s", "p95 s", "p99 s"
    );
    for slots in [1u32, 8, 50] {
        for limit in [0u64, 5, 20, 1_000] {
            for rho in [0.9, 0.95, 0.99, 1.0, 1.001, 1.02, 1.1, 1.25, 2.0] {
                // Long enough that the start from an empty queue (hours for a room of 1000
                // on one slot near saturation) weighs less than 0.5 %.
                let horizon = if limit >= 1_000 { "60d" } else { "2d" };
                let f = fluid_run(slots, rho, limit, horizon);
                let q = MMcK {
                    servers: slots,
                    arrival_rate: rho * slots as f64 / MEAN_SERVICE,
                    mean_service: MEAN_SERVICE,
                    queue_limit: limit,
                };
                let w = q.wait();
                let (p95, p99) = (w.response_quantile(0.95), w.response_quantile(0.99));
                println!(
                    "{slots:>3} {limit:>5} {rho:>6} | {:>8.5} {:>8.5} {:>8.5} {:>8.5} {:>9.5} {:>9.5} {:>8.4} {:>8.4} {:>8.4} {:>8.4}",
                    f.drop_fraction,
                    q.p_block(),
                    f.waited_fraction,
                    q.p_wait(),
                    f.wait_mean_s,
                    q.mean_wait(),
                    f.response_p95_s,
                    p95,
                    f.response_p99_s,
                    p99
                );
                let checks = [
                    ("drop", within(f.drop_fraction, q.p_block(), 0.02, 0.001)),
                    (
                        "P(wait)",
                        within(f.waited_fraction, q.p_wait(), 0.02, 0.001),
                    ),
                    (
                        "mean wait",
                        within(f.wait_mean_s, q.mean_wait(), 0.03, 1e-4),
                    ),
                    ("p95", within(f.response_p95_s, p95, 0.05, 1e-3)),
                    ("p99", within(f.response_p99_s, p99, 0.05, 1e-3)),
                ];
                for (what, ok) in checks {
                    if !ok {
                        failures.push(format!("c {slots}, N {limit}, ρ {rho}: {what}"));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "fluid is off M/M/c/K: {failures:#?}");
}

/// Two hours on a fixed fleet of 80 slots with a room of 20, the second hour at ρ = 1.02:
/// request level and fluid agree within `compare-fidelity`'s tolerances. (With the
/// deterministic overflow 1 − 1/ρ above saturation, fluid dropped 1.10 % against the
/// engine's 2.41 %: outside the 1-point tolerance.)
#[test]
fn compare_fidelity_agrees_across_saturation() {
    let text = r#"
name = "saturation-hour"
horizon = "2h"
seed = 7
sample_every = "5m"
[service]
service_time = { distribution = "exponential", mean = "100ms" }
slots_per_server = 8
queue_limit = 20
slo = "1s"
[workload]
base_rate = 600.0
[[workload.shape]]
type = "spike"
start = "1h"
ramp_up = "1m"
hold = "58m"
ramp_down = "1m"
factor = 1.36
[[policy]]
name = "own-servers"
type = "fixed"
servers = 10
cost = { capex_per_server = 2500.0, amortization = "4y" }
"#;
    let s = scenario::parse(text, "saturation-hour.toml", "saturation-hour").expect("valid");
    let tol = Tolerances::default();
    let c = compare(&s);
    println!("{}", c.table(&s, &tol));
    for p in &c.policies {
        assert!(p.agrees(&tol), "fluid disagrees: {p:?}");
    }
}
