//! Purchase options of the `autoscale` policy: hand-computed reserved and spot bills,
//! spot interruptions re-queueing in-service requests without losing or double counting
//! any, the interruption rate against its Poisson law, determinism, and both fidelities
//! agreeing on a small scenario with spot instances.

use provsim::compare::{Tolerances, compare};
use provsim::metrics::Summary;
use provsim::scenario::{self, Scenario};
use provsim::simulation::{Outcome, run_quiet};

use crate::common::run_first;

/// One autoscale group (`min`..`max`, `initial` ready) with the given purchase table,
/// under `rate` req/s of exponential 100 ms work on 8-slot servers at $1/h on-demand.
fn group(horizon: &str, rate: f64, fleet: (u32, u32, u32), purchase: &str) -> String {
    let (min, max, initial) = fleet;
    format!(
        r#"
name = "purchase"
horizon = "{horizon}"
seed = 11
[service]
service_time = {{ distribution = "exponential", mean = "100ms" }}
slots_per_server = 8
queue_limit = 100000
[workload]
base_rate = {rate}
[[policy]]
name = "cloud"
type = "autoscale"
min = {min}
max = {max}
initial = {initial}
boot_time = "90s"
scaling = {{ type = "target-tracking", target = 0.6, warmup = "120s" }}
billing = {{ price_per_hour = 1.0 }}
purchase = {purchase}
"#
    )
}

fn parse(text: &str) -> Scenario {
    scenario::parse(text, "purchase.toml", "purchase").expect("valid scenario")
}

fn summary(text: &str) -> Summary {
    run_first(text, "purchase").summary
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

fn conserved(s: &Summary) -> bool {
    s.arrived == s.served + s.dropped + s.in_system_at_end
}

/// 3 instances all hour long (min = initial = 3, light load keeps them), 2 reserved at
/// 40 % off a $1/h price: commitment 2 × $0.60 = $1.20, the third instance on-demand
/// $1.00. With 4 reserved: $2.40 of commitment, nothing on-demand, and the fourth
/// reserved instance-hour is paid, unused capacity (billed and idle).
#[test]
fn reserved_commitment_bill_by_hand() {
    let two = summary(&group(
        "1h",
        5.0,
        (3, 6, 3),
        "{ reserved = 2, reserved_discount = 0.4 }",
    ));
    assert!(close(two.cost_reserved, 1.2), "{two:?}");
    assert!(close(two.cost_on_demand, 1.0), "{two:?}");
    assert_eq!(two.cost_spot, 0.0);
    assert!(close(two.total_cost, 2.2), "{two:?}");
    assert!(close(two.billed_server_seconds, 3.0 * 3600.0));
    // A one-year commitment term is committed whole: 2 × $0.60 × 8766 h, plus the hour.
    assert!(
        close(two.committed_cost, 2.0 * 0.6 * 8766.0 + 1.0),
        "{two:?}"
    );

    let four = summary(&group(
        "1h",
        5.0,
        (3, 6, 3),
        "{ reserved = 4, reserved_discount = 0.4, reserved_term = \"1h\" }",
    ));
    assert!(close(four.cost_reserved, 2.4), "{four:?}");
    assert_eq!(four.cost_on_demand, 0.0);
    assert!(close(four.total_cost, 2.4));
    assert!(close(four.committed_cost, 2.4));
    assert!(close(four.billed_server_seconds, 4.0 * 3600.0));
    assert!(close(four.mean_servers, 3.0));
    // The unused reserved instance is idle capacity: idle ≥ its 8 slots × 1 h.
    assert!(four.idle_slot_seconds >= 8.0 * 3600.0, "{four:?}");
}

/// 4 instances all hour, half spot at 70 % off, never interrupted: 2 × $1.00 on-demand
/// plus 2 × $0.30 spot.
#[test]
fn spot_bill_by_hand() {
    let s = summary(&group(
        "1h",
        5.0,
        (4, 8, 4),
        "{ spot_share = 0.5, spot_discount = 0.7 }",
    ));
    assert!(close(s.cost_on_demand, 2.0), "{s:?}");
    assert!(close(s.cost_spot, 0.6), "{s:?}");
    assert!(close(s.total_cost, 2.6), "{s:?}");
    assert_eq!(s.spot_interruptions, 0);
}

/// Every instance spot, interrupted about every 20 minutes, each serving several
/// requests: interruptions re-queue what was in service, every request is still
/// accounted for exactly once, and the group launches replacements.
#[test]
fn interruptions_requeue_in_service_requests_and_conserve_them() {
    for fidelity in ["request", "fluid"] {
        let text = group(
            "6h",
            200.0,
            (4, 20, 6),
            "{ spot_share = 1.0, spot_discount = 0.7, spot_interruptions_per_hour = 3.0, spot_notice = \"120s\" }",
        )
        .replace("seed = 11", &format!("seed = 11\nfidelity = \"{fidelity}\""));
        let out = run_quiet(&parse(&text));
        let s = &out.policies[0].summary;
        println!(
            "{fidelity}: {} interruptions, {} re-queued, {} launches, served {} of {}",
            s.spot_interruptions, s.requeued, s.launches, s.served, s.arrived
        );
        assert!(conserved(s), "{fidelity}: {s:?}");
        assert!(s.spot_interruptions > 20, "{fidelity}: {s:?}");
        // 200 req/s × 0.1 s = 20 busy slots over ~6 servers: ~3 in service on each.
        assert!(s.requeued > s.spot_interruptions, "{fidelity}: {s:?}");
        assert!(s.requeued <= s.spot_interruptions * 8, "{fidelity}: {s:?}");
        // Nothing is lost: a generous queue, and capacity catches up after each loss.
        assert_eq!(s.dropped, 0, "{fidelity}");
        assert!(
            s.launches > 6 + s.spot_interruptions / 2,
            "{fidelity}: {s:?}"
        );
        assert!(s.cost_on_demand == 0.0 && s.cost_spot > 0.0);
        // Requests restarted from scratch wait longer than they would have.
        assert!(s.response_max_s > 0.1, "{fidelity}: {s:?}");
        // Every sample: all running instances are spot.
        for x in &out.policies[0].series {
            assert_eq!(
                x.servers_spot,
                x.servers_booting + x.servers_ready + x.servers_draining
            );
            assert_eq!(x.servers_on_demand + x.servers_reserved, 0);
        }
    }
}

/// Over a long run the interruption count N is Poisson with mean r × H (r per instance-
/// hour, H the spot instance-hours exposed). With no notice, H is every spot
/// instance-hour paid (mean servers × horizon). |N − rH| ≤ 4 √(rH) fails with
/// probability about 6e-5 per seed under the Poisson law (normal approximation; rH is
/// in the thousands).
#[test]
fn interruption_count_follows_its_poisson_rate() {
    for seed in [1u64, 2, 3] {
        let text = group(
            "2d",
            2.0,
            (20, 20, 20),
            "{ spot_share = 1.0, spot_discount = 0.7, spot_interruptions_per_hour = 2.0, spot_notice = \"0s\" }",
        )
        .replace("seed = 11", &format!("seed = {seed}"));
        let s = summary(&text);
        let hours = s.mean_servers * 48.0;
        let expected = 2.0 * hours;
        let observed = s.spot_interruptions as f64;
        let bound = 4.0 * expected.sqrt();
        println!(
            "seed {seed}: {observed} interruptions over {hours:.1} spot instance-hours, expected {expected:.1} ± {bound:.1}"
        );
        assert!(
            (observed - expected).abs() <= bound,
            "seed {seed}: {observed} vs {expected} ± {bound}"
        );
        assert!(conserved(&s));
    }
}

/// The same seed gives the same interruptions; another seed other ones.
#[test]
fn interruptions_are_deterministic_per_seed() {
    let text = group(
        "2h",
        100.0,
        (2, 10, 4),
        "{ reserved = 1, reserved_discount = 0.3, spot_share = 0.5, spot_discount = 0.7, spot_interruptions_per_hour = 2.0 }",
    );
    let a: Outcome = run_quiet(&parse(&text));
    let b: Outcome = run_quiet(&parse(&text));
    assert_eq!(a, b);
    let other = run_quiet(&parse(&text.replace("seed = 11", "seed = 12")));
    assert_ne!(
        a.policies[0].summary.spot_interruptions + a.policies[0].summary.requeued,
        0
    );
    assert_ne!(a.policies[0].series, other.policies[0].series);
}

/// A small scenario mixing reserved, spot and on-demand: the fluid fidelity within the
/// tolerances `provsim compare-fidelity` uses.
#[test]
fn both_fidelities_agree_with_spot_instances() {
    let text = group(
        "2h",
        300.0,
        (2, 20, 8),
        "{ reserved = 3, reserved_discount = 0.4, spot_share = 0.5, spot_discount = 0.7, spot_interruptions_per_hour = 1.0, spot_notice = \"120s\" }",
    );
    let s = parse(&text);
    let c = compare(&s);
    let tol = Tolerances::default();
    println!("{}", c.table(&s, &tol));
    let (r, f) = (&c.request.policies[0].summary, &c.fluid.policies[0].summary);
    println!(
        "interruptions {} vs {}, re-queued {} vs {}",
        r.spot_interruptions, f.spot_interruptions, r.requeued, f.requeued
    );
    assert!(r.spot_interruptions > 0);
    for p in &c.policies {
        assert!(p.agrees(&tol), "{p:?}");
    }
}

/// Twin groups on the same requests (common random numbers), constant 1 s service, an
/// SLO of exactly 1 s and capacity to spare: on-demand, every response takes exactly
/// 1 s and none misses the SLO; all spot with interruptions, exactly the restarted
/// requests take longer (lost service + 1 s). So the SLO misses count the re-queued
/// requests that completed: each restarted and served once, none lost or doubled.
#[test]
fn each_requeued_request_is_served_once_after_its_restart() {
    let policy = |name: &str, purchase: &str| {
        format!(
            r#"
[[policy]]
name = "{name}"
type = "autoscale"
min = 10
max = 10
boot_time = "60s"
scaling = {{ type = "target-tracking", target = 0.6 }}
billing = {{ price_per_hour = 1.0 }}
{purchase}
"#
        )
    };
    let text = format!(
        r#"
name = "twins"
horizon = "3h"
seed = 5
[service]
service_time = {{ distribution = "constant", value = "1s" }}
slots_per_server = 8
queue_limit = 100000
slo = "1s"
[workload]
base_rate = 20.0
{}{}"#,
        policy("on-demand", ""),
        policy(
            "spot",
            "purchase = { spot_share = 1.0, spot_discount = 0.7, spot_interruptions_per_hour = 2.0, spot_notice = \"30s\" }"
        )
    );
    let out = run_quiet(&parse(&text));
    let (od, spot) = (&out.policies[0].summary, &out.policies[1].summary);
    println!(
        "on-demand: served {} misses {}; spot: served {} misses {} re-queued {} interruptions {} in system {}",
        od.served,
        od.slo_misses,
        spot.served,
        spot.slo_misses,
        spot.requeued,
        spot.spot_interruptions,
        spot.in_system_at_end
    );
    assert_eq!(od.slo_misses, 0);
    assert_eq!((od.dropped, spot.dropped), (0, 0));
    assert!(spot.requeued > 20, "{spot:?}");
    assert_eq!(
        od.served + od.in_system_at_end,
        spot.served + spot.in_system_at_end
    );
    // Re-queued requests still in service at the end have not completed yet.
    assert!(spot.slo_misses <= spot.requeued, "{spot:?}");
    assert!(
        spot.slo_misses + spot.in_system_at_end >= spot.requeued,
        "{spot:?}"
    );
    // A restart waits from arrival to its second start: the lost service at least.
    assert!(spot.response_max_s > 1.0 && spot.waited_fraction > 0.0);
    assert_eq!(od.waited_fraction, 0.0);
}
