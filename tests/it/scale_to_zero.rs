//! Scale to zero: autoscaling groups with `min = 0`, or taken to zero by a scheduled
//! `desired = 0`, on a day with quiet nights. The group must empty when the traffic
//! stops, wake when it returns (paying for the wake in waiting time, never losing the
//! requests its queue can hold), and cost less than the same group kept at one server.

use crate::common::{autoscale_policy, run_first};
use provsim::metrics::Sample;
use provsim::simulation::PolicyOutcome;

/// A day whose nights (22:00–06:00) have no traffic and whose day runs at 30 req/s of
/// 100 ms requests (8 slots per server), with a queue that can hold a wake-up's backlog.
fn quiet_nights(fidelity: &str, queue_limit: u32) -> String {
    format!(
        r#"
horizon = "24h"
seed = 7
sample_every = "10m"
{fidelity}
[service]
service_time = {{ distribution = "exponential", mean = "100ms" }}
slots_per_server = 8
queue_limit = {queue_limit}
[workload]
base_rate = 20.0
[[workload.shape]]
type = "profile"
period = "24h"
interpolate = "step"
points = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0]
"#
    )
}

/// Target tracking on 20 requests/s per instance (two servers by day), from `min`.
fn on_request_rate(name: &str, min: u32) -> String {
    autoscale_policy(
        name,
        (min, 10, min),
        r#"{ type = "target-tracking", request_rate_target = 20.0 }"#,
        "",
    )
}

/// Servers booting or ready in the sample ending at `hour`.
fn fleet_at(out: &PolicyOutcome, hour: f64) -> u32 {
    let s: &Sample = out
        .series
        .iter()
        .find(|s| (s.time_s - hour * 3600.0).abs() < 1.0)
        .unwrap_or_else(|| panic!("no sample at {hour} h"));
    s.servers_booting + s.servers_ready
}

fn day_at_zero(fidelity: &str) {
    let text = quiet_nights(fidelity, 100_000);
    let zero = run_first(&format!("{text}{}", on_request_rate("zero", 0)), "zero");
    let one = run_first(&format!("{text}{}", on_request_rate("one", 1)), "one");
    let (z, o) = (&zero.summary, &one.summary);
    // Empty through the night, awake by day.
    for hour in [0.5, 3.0, 5.5, 23.5] {
        assert_eq!(fleet_at(&zero, hour), 0, "{fidelity}: zero at {hour} h");
        assert_eq!(fleet_at(&one, hour), 1, "{fidelity}: one at {hour} h");
    }
    for hour in [8.0, 12.0, 20.0] {
        assert_eq!(fleet_at(&zero, hour), 2, "{fidelity}: zero at {hour} h");
    }
    // Nothing lost: the morning's first requests wait for the wake-up (three 60 s
    // periods of target tracking, then a 90 s boot) instead of being dropped.
    assert_eq!(z.dropped, 0, "{fidelity}");
    assert_eq!(z.served, o.served, "{fidelity}: same requests served");
    assert!(z.response_max_s > 90.0, "{fidelity}: {}", z.response_max_s);
    assert!(
        z.response_max_s < 5.0 * 60.0,
        "{fidelity}: {}",
        z.response_max_s
    );
    // Eight hours a night without a server: cheaper than the group kept at one.
    assert!(
        z.total_cost < o.total_cost - 7.0 * 0.384,
        "{fidelity}: {} vs {}",
        z.total_cost,
        o.total_cost
    );
}

#[test]
fn a_group_with_min_zero_empties_at_night_and_wakes_on_arrivals() {
    day_at_zero("");
}

#[test]
fn a_group_with_min_zero_empties_and_wakes_in_the_fluid_fidelity() {
    day_at_zero("fidelity = \"fluid\"");
}

#[test]
fn a_group_at_zero_without_a_queue_drops_until_its_first_server_is_ready() {
    let text = quiet_nights("", 0);
    let out = run_first(&format!("{text}{}", on_request_rate("zero", 0)), "zero");
    let s = &out.summary;
    // 30 req/s from 06:00, for three periods and a boot (270 s) with nothing to serve:
    // about 8,100 dropped, then served.
    assert!(
        (6_000..10_000).contains(&s.dropped),
        "dropped {} of {}",
        s.dropped,
        s.arrived
    );
    assert!(s.served > 1_500_000, "served {}", s.served);
}

#[test]
fn a_scheduled_desired_zero_takes_the_group_to_zero_until_the_morning_action() {
    let schedule = r#"
[[policy.schedule]]
at = "06:00"
min = 2
desired = 2
[[policy.schedule]]
at = "22:00"
min = 0
desired = 0
"#;
    // HPA on utilisation cannot wake a group by itself; its schedule does.
    let policy = autoscale_policy(
        "nightly",
        (2, 10, 2),
        r#"{ type = "hpa", target = 0.6 }"#,
        schedule,
    );
    let out = run_first(&format!("{}{policy}", quiet_nights("", 100_000)), "nightly");
    assert_eq!(fleet_at(&out, 1.0), 2, "before the first 22:00");
    assert_eq!(fleet_at(&out, 23.5), 0, "after 22:00");
    assert!(fleet_at(&out, 12.0) >= 2);
    assert_eq!(out.summary.dropped, 0);
}

/// Pods from zero on nodes from zero: at night neither pods nor nodes are paid; the
/// first requests of the morning wait for a node's boot, then a pod's start.
fn cluster_at_zero(fidelity: &str) {
    let policy = r#"
[[policy]]
name = "k8s"
type = "containers"
pods = { slots = 4, cpu = 1.0, memory_gb = 2.0, start = "5s", min = 0, max = 40 }
nodes = { cpus = 8.0, memory_gb = 32.0, boot_time = "90s", min = 0, max = 20, billing = { preset = "aws-linux", price_per_hour = 0.384 } }
scaling = { type = "target-tracking", request_rate_target = 10.0 }
"#;
    let out = run_first(
        &format!("{}{policy}", quiet_nights(fidelity, 100_000)),
        "k8s",
    );
    let s = &out.summary;
    assert_eq!(fleet_at(&out, 3.0), 0, "{fidelity}: no pods at 03:00");
    assert!(fleet_at(&out, 12.0) >= 3, "{fidelity}: pods by day");
    assert_eq!(s.dropped, 0, "{fidelity}");
    // Three 60 s periods, a 90 s node boot and a 5 s pod start before the first serves.
    assert!(s.response_max_s > 95.0, "{fidelity}: {}", s.response_max_s);
    // One node by day (16 h of $0.384, the 60 s minimum aside), none by night.
    assert!(s.total_cost < 17.0 * 0.384, "{fidelity}: {}", s.total_cost);
    assert!(
        s.mean_servers < 0.75,
        "{fidelity}: {} nodes",
        s.mean_servers
    );
}

#[test]
fn pods_and_nodes_scale_to_zero_at_request_level() {
    cluster_at_zero("");
}

#[test]
fn pods_and_nodes_scale_to_zero_in_the_fluid_fidelity() {
    cluster_at_zero("fidelity = \"fluid\"");
}
