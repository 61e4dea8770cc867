//! Every `scaling.type` on the same short, spiky traffic, request by request and fluid:
//! the fleet stays within [min, max] at every sample, requests are conserved, each
//! strategy scales out during the spike and back in after it.

use provsim::scenario::{self, Scenario};
use provsim::simulation::run_quiet;

/// 3 h at 100 req/s × 100 ms = 10 busy slots (8 per server); from 1 h the rate rises to
/// × 4 over 5 min and holds 20 min (40 busy slots ≈ 8 servers at 60 %).
const BASE: &str = r#"
horizon = "3h"
seed = 7
sample_every = "1m"
[service]
service_time = { distribution = "exponential", mean = "100ms" }
slots_per_server = 8
queue_limit = 2000
slo = "500ms"
[workload]
base_rate = 100.0
[[workload.shape]]
type = "spike"
start = "1h"
ramp_up = "5m"
hold = "20m"
ramp_down = "5m"
factor = 4.0
"#;

const MIN: u32 = 2;
const MAX: u32 = 12;
const INITIAL: u32 = 3;

const STRATEGIES: [(&str, &str); 4] = [
    (
        "target-tracking",
        r#"{ type = "target-tracking", target = 0.6, warmup = "120s" }"#,
    ),
    (
        "simple",
        r#"{ type = "simple", scale_out_threshold = 0.7, scale_in_threshold = 0.3, evaluation_periods = 2, adjustment = 2, cooldown = "300s" }"#,
    ),
    (
        "step",
        r#"{ type = "step", threshold = 0.6, warmup = "120s", evaluation_periods = 2, steps = [{ upper = -0.3, change = -1 }, { lower = 0.0, upper = 0.2, change = 1 }, { lower = 0.2, change = 3 }] }"#,
    ),
    ("hpa", r#"{ type = "hpa", target = 0.6 }"#),
];

fn scenario(fluid: bool) -> Scenario {
    let mut text = String::from(BASE);
    if fluid {
        text = text.replace("seed = 7", "seed = 7\nfidelity = \"fluid\"");
    }
    for (name, scaling) in STRATEGIES {
        text.push_str(&format!(
            "[[policy]]\nname = \"{name}\"\ntype = \"autoscale\"\nmin = {MIN}\nmax = {MAX}\ninitial = {INITIAL}\nboot_time = \"90s\"\nscaling = {scaling}\nbilling = {{ preset = \"aws-linux\", price_per_hour = 0.384 }}\n"
        ));
    }
    scenario::parse(&text, "strategies.toml", "strategies").expect("valid scenario")
}

fn check(fluid: bool) {
    let s = scenario(fluid);
    let outcome = run_quiet(&s);
    assert_eq!(outcome.policies.len(), STRATEGIES.len());
    for p in &outcome.policies {
        let m = &p.summary;
        let name = &m.policy;
        assert_eq!(
            m.arrived,
            m.served + m.dropped + m.in_system_at_end,
            "{name}: conservation"
        );
        assert!(m.arrived > 1_000_000, "{name}: {} arrived", m.arrived);
        let mut before = 0;
        let mut during = 0;
        let mut after = u32::MAX;
        for x in &p.series {
            let total = x.servers_ready + x.servers_booting;
            assert!(
                (MIN..=MAX).contains(&total),
                "{name}: {total} servers at {} s",
                x.time_s
            );
            if x.time_s <= 3600.0 {
                before = before.max(total);
            } else if x.time_s <= 3600.0 + 40.0 * 60.0 {
                during = during.max(total);
            } else if x.time_s >= 3.0 * 3600.0 - 600.0 {
                after = after.min(total);
            }
        }
        // 40 busy slots need at least 5 servers, 7+ near any of the targets.
        assert!(
            during >= 6 && during > before,
            "{name}: {before} before the spike, at most {during} during it"
        );
        assert!(
            after < during,
            "{name}: {after} at the end, {during} during"
        );
        assert!(m.launches > 0 && m.total_cost > 0.0, "{name}");
        println!(
            "{} {name}: servers ≤{before} before, ≤{during} during, {after} after; cost ${:.2}, p99 {:.3} s, dropped {}",
            s.fidelity.name(),
            m.total_cost,
            m.response_p99_s,
            m.dropped
        );
    }
}

#[test]
fn every_strategy_chases_the_spike_request_level() {
    check(false);
}

#[test]
fn every_strategy_chases_the_spike_fluid() {
    check(true);
}
