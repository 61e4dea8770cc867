//! Hybrid cloud bursting: own or leased servers take the traffic first, cloud instances
//! the overflow. Checked against the Erlang loss model the base-first rule makes of the
//! base, and against hand-computed bills, in both fidelities.

use provsim::analytic::erlang_b;
use provsim::simulation::PolicyOutcome;

use crate::common::run_first;

/// A one-policy scenario with `policy` (TOML of one `[[policy]]`), 1 s mean service, 8
/// slots per server; the outcome, with conservation checked.
fn run(fidelity: &str, horizon: &str, workload: &str, policy: &str) -> PolicyOutcome {
    let text = format!(
        r#"
horizon = "{horizon}"
sample_every = "10m"
fidelity = "{fidelity}"
seed = 11
[service]
service_time = {{ distribution = "exponential", mean = "1s" }}
slots_per_server = 8
queue_limit = 1000
[workload]
{workload}
{policy}
"#
    );
    let out = run_first(&text, "hybrid");
    let sum = &out.summary;
    assert_eq!(sum.policy_type, "hybrid");
    let parts = sum.base_cost + sum.burst_cost + sum.egress_cost;
    assert!(
        (sum.total_cost - parts).abs() < 1e-9 * sum.total_cost.max(1.0),
        "{fidelity}: total {} != base + burst + egress {parts}",
        sum.total_cost
    );
    out
}

/// One leased server ($240 per 10-day term) as the base; a burst group pinned at one
/// instance ($0.36/h) so the overflow always has somewhere to go; 100 KB per response
/// at $0.09/GB.
const PINNED: &str = r#"
[[policy]]
name = "hybrid"
type = "hybrid"
[policy.base]
type = "lease"
servers = 1
term = "10d"
price_per_server_term = 240.0
[policy.burst]
type = "autoscale"
egress = { bytes_per_request = 100_000, price_per_gb = 0.09 }
min = 1
max = 1
boot_time = "0s"
scaling = { type = "target-tracking", target = 0.6 }
billing = { price_per_hour = 0.36 }
"#;

#[test]
fn the_base_overflows_to_the_burst_like_an_erlang_loss_system() {
    // 6 Erlangs on a base of 8 slots: the base takes every request it has room for, so
    // it is an Erlang loss system and the burst serves what it would lose, B(8, 6) of
    // the traffic (the burst's own 8 slots are all busy too for ~1e-4 of the time).
    let b = erlang_b(8, 6.0);
    assert!((b - 0.12188).abs() < 1e-4, "B(8, 6) = {b}");
    for (fidelity, tolerance) in [("request", 0.004), ("fluid", 0.001)] {
        let out = run(fidelity, "6h", "base_rate = 6.0", PINNED);
        let s = &out.summary;
        let share = s.served_by_burst as f64 / s.served as f64;
        assert!(
            (share - b).abs() < tolerance,
            "{fidelity}: burst served {share:.5} of the traffic, Erlang B {b:.5}"
        );
        // 6 h of one leased server at $240 per 240 h and one instance at $0.36/h.
        assert!(
            (s.base_cost - 6.0).abs() < 1e-9,
            "{fidelity}: {}",
            s.base_cost
        );
        assert!(
            (s.burst_cost - 2.16).abs() < 1e-9,
            "{fidelity}: {}",
            s.burst_cost
        );
        // Egress: 100 KB × $0.09/GB = $0.000009 per request served from the cloud.
        let egress = s.served_by_burst as f64 * 9e-6;
        assert!((s.egress_cost - egress).abs() < 1e-9, "{fidelity}");
        assert_eq!(s.dropped, 0, "{fidelity}");
        // Both sides are servers of the hybrid: 2 all the time, 1 of them cloud.
        for x in &out.series {
            assert_eq!((x.servers_ready, x.servers_burst), (2, 1), "{fidelity}");
        }
    }
}

#[test]
fn light_traffic_never_leaves_the_base() {
    // 1 Erlang on 16 own slots: the base is full for B(16, 1) ≈ 5e-15 of the time, so no
    // request reaches the empty burst group, which never launches: the bill is the own
    // servers' alone (2 × $0.10/h × 24 h with capex only).
    let policy = r#"
[[policy]]
name = "hybrid"
type = "hybrid"
[policy.base]
type = "fixed"
servers = 2
cost = { capex_per_server = 876.6, amortization = "1y", watts = 0.0, pue = 1.0, price_per_kwh = 0.0, ops_per_server_month = 0.0 }
[policy.burst]
type = "autoscale"
egress = { bytes_per_request = 100_000, price_per_gb = 0.09 }
min = 0
max = 10
boot_time = "90s"
scaling = { type = "target-tracking", target = 0.6 }
billing = { price_per_hour = 0.384 }
"#;
    for fidelity in ["request", "fluid"] {
        let out = run(fidelity, "24h", "base_rate = 1.0", policy);
        let s = &out.summary;
        assert_eq!((s.served_by_burst, s.launches), (0, 2), "{fidelity}");
        assert_eq!((s.burst_cost, s.egress_cost), (0.0, 0.0), "{fidelity}");
        assert!(
            (s.total_cost - 4.8).abs() < 1e-9,
            "{fidelity}: {}",
            s.total_cost
        );
        assert!((s.base_cost - 4.8).abs() < 1e-9, "{fidelity}");
    }
}

#[test]
fn the_burst_group_scales_the_whole_hybrid_from_zero_and_back() {
    // An hour at 8 Erlangs, an hour at 24, an hour at 8, on 2 own servers (16 slots).
    // The burst group tracks 60 % over base and burst together, counting the 2 own
    // servers as capacity it cannot remove: at 8 Erlangs ceil(2 × 0.5 / 0.6) = 2 ⇒ no
    // cloud instance; at 24 Erlangs it wants 24 / 8 / 0.6 = 5 servers ⇒ 3 instances
    // (4 if an observation's noise lands just above target); back at 8, the instances
    // are shed after 15 quiet periods, down to none (min 0).
    let workload = r#"base_rate = 13.333333333333334
[[workload.shape]]
type = "profile"
period = "3h"
interpolate = "step"
points = [1.0, 3.0, 1.0]"#;
    let policy = r#"
[[policy]]
name = "hybrid"
type = "hybrid"
[policy.base]
type = "fixed"
servers = 2
cost = { capex_per_server = 2500.0, amortization = "4y", watts = 150.0, pue = 1.5, price_per_kwh = 0.12, ops_per_server_month = 50.0 }
[policy.burst]
type = "autoscale"
min = 0
max = 10
boot_time = "90s"
scaling = { type = "target-tracking", target = 0.6, period = "60s", scale_out_periods = 3, scale_in_periods = 15 }
billing = { price_per_hour = 0.384 }
"#;
    for fidelity in ["request", "fluid"] {
        let out = run(fidelity, "3h", workload, policy);
        let at = |t: f64| {
            out.series
                .iter()
                .find(|x| x.time_s == t)
                .unwrap_or_else(|| panic!("{fidelity}: no sample at {t} s"))
        };
        for t in [1800.0, 3600.0] {
            assert_eq!(at(t).servers_burst, 0, "{fidelity} at {t} s: quiet hour");
        }
        for t in [6000.0, 7200.0] {
            let x = at(t);
            assert!(
                (3..=4).contains(&x.servers_burst),
                "{fidelity} at {t} s: {} burst servers",
                x.servers_burst
            );
            assert_eq!(x.servers_ready, 2 + x.servers_burst, "{fidelity} at {t} s");
        }
        assert_eq!(at(10_800.0).servers_burst, 0, "{fidelity}: shed by the end");
        let s = &out.summary;
        // The burst served about the hour's excess over what 16 own slots carry.
        assert!(s.served_by_burst > 0 && s.burst_cost > 0.0, "{fidelity}");
        // Until the instances serve (3 periods of evidence + 90 s boot, ~4.5 min) the
        // base is overloaded by 8 req/s: the 1000-request queue fills and the rest of
        // that lag is lost — at most 8 × 600 s even if it took 10 minutes.
        assert!(s.dropped < 4_800, "{fidelity}: {} dropped", s.dropped);
    }
}

#[test]
fn request_and_fluid_agree_on_a_bursting_hybrid() {
    // A leased base of 4 servers under a 3× spike: the burst group follows it; both
    // fidelities must tell the same story about the cloud's share and its bill.
    let workload = r#"base_rate = 20.0
[[workload.shape]]
type = "spike"
start = "2h"
ramp_up = "10m"
hold = "1h"
ramp_down = "10m"
factor = 3.0"#;
    let policy = r#"
[[policy]]
name = "hybrid"
type = "hybrid"
[policy.base]
type = "lease"
servers = 4
term = "30d"
price_per_server_term = 140.0
[policy.burst]
type = "autoscale"
egress = { bytes_per_request = 50_000, price_per_gb = 0.09 }
min = 0
max = 20
boot_time = "60s"
scaling = { type = "target-tracking", target = 0.6 }
billing = { price_per_hour = 0.384 }
"#;
    let request = run("request", "6h", workload, policy);
    let fluid = run("fluid", "6h", workload, policy);
    let (r, f) = (&request.summary, &fluid.summary);
    let share = |s: &provsim::metrics::Summary| s.served_by_burst as f64 / s.served as f64;
    assert!(
        (share(r) - share(f)).abs() < 0.03,
        "burst share: request {:.4}, fluid {:.4}",
        share(r),
        share(f)
    );
    assert!(
        (r.burst_cost - f.burst_cost).abs() < 0.15 * r.burst_cost,
        "burst cost: request {}, fluid {}",
        r.burst_cost,
        f.burst_cost
    );
    assert_eq!(r.base_cost, f.base_cost);
}

#[test]
fn an_all_cloud_policy_pays_egress_for_every_response() {
    // One pinned instance at $0.36/h for 2 h; 1 MB per response at $0.05/GB is $0.00005
    // per request, for every request served.
    let policy = r#"
[[policy]]
name = "cloud"
type = "autoscale"
min = 1
max = 1
boot_time = "0s"
scaling = { type = "target-tracking", target = 0.6 }
billing = { price_per_hour = 0.36 }
egress = { bytes_per_request = 1_000_000, price_per_gb = 0.05 }
"#;
    for fidelity in ["request", "fluid"] {
        let text = format!(
            "horizon = \"2h\"\nfidelity = \"{fidelity}\"\n[service]\nservice_time = {{ distribution = \"exponential\", mean = \"1s\" }}\nslots_per_server = 8\n[workload]\nbase_rate = 2.0\n{policy}"
        );
        let sum = run_first(&text, "cloud").summary;
        assert!(sum.served > 10_000, "{fidelity}");
        let egress = sum.served as f64 * 5e-5;
        assert!((sum.egress_cost - egress).abs() < 1e-9, "{fidelity}");
        assert!(
            (sum.total_cost - (0.72 + egress)).abs() < 1e-9,
            "{fidelity}"
        );
        assert_eq!(
            (sum.base_cost, sum.burst_cost, sum.served_by_burst),
            (0.0, 0.0, 0)
        );
    }
}
