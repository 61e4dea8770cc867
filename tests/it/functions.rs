//! `type = "functions"`: bills computed by hand (to the cent, from an access log of exact
//! arrivals and a constant service time), the cold-start fraction against its closed
//! form, throttling, and the fluid fidelity against request level.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use provsim::metrics::Summary;
use provsim::scenario::{Scenario, parse_in};
use provsim::simulation::run_quiet;

use crate::common::run_first;

/// A CLF line for second `s` after 1995-07-01 00:00:00 -0400.
fn clf(s: u64) -> String {
    let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
    format!("h - - [01/Jul/1995:{h:02}:{m:02}:{sec:02} -0400] \"GET / HTTP/1.0\" 200 1\n")
}

/// An access log with `per` requests in every `every`-th second of the first hour
/// (requests sharing a second are spread evenly over it).
fn log(dir: &Path, every: u64, per: usize) {
    let mut text = String::new();
    for s in (0..3600).step_by(every as usize) {
        for _ in 0..per {
            text.push_str(&clf(s));
        }
    }
    fs::write(dir.join("access.log"), text).unwrap();
}

/// One hour of the log's exact arrivals, service 1.234567 s, against `policy`.
fn scenario(dir: &Path, fidelity: &str, policy: &str) -> Scenario {
    let text = format!(
        r#"name = "bill"
horizon = "1h"
sample_every = "1m"
{fidelity}
[service]
service_time = {{ distribution = "constant", value = "1234567us" }}
slots_per_server = 1
[workload]
trace = {{ file = "access.log", format = "access-log", arrivals = "exact" }}
[[policy]]
name = "f"
type = "functions"
{policy}
"#
    );
    parse_in(&text, "bill.toml", "bill", dir).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn first(s: &Scenario) -> Summary {
    run_quiet(s).policies.remove(0).summary
}

fn both(dir: &Path, policy: &str) -> (Summary, Summary) {
    let request = first(&scenario(dir, "", policy));
    let fluid = first(&scenario(dir, "fidelity = \"fluid\"", policy));
    (request, fluid)
}

fn cents(x: f64) -> i64 {
    (x * 100.0).round() as i64
}

/// Lambda-style billing: 360 requests, one every 10 s, each a cold start (keep-alive
/// 5 s). Each pays $0.001 plus 2 GB × its duration rounded up to 1 ms (1.234567 s →
/// 1.235 s) and, with `bill_init`, its init rounded the same way (0.3004 s → 0.301 s),
/// at $0.01 per GB-second: 360 × (0.001 + 2 × 1.536 × 0.01) = $11.4192. Without the init:
/// 360 × (0.001 + 2 × 1.235 × 0.01) = $9.252, in both fidelities.
#[test]
fn a_lambda_bill_is_requests_plus_rounded_gb_seconds() {
    let dir = tempfile::tempdir().unwrap();
    log(dir.path(), 10, 1);
    let policy = |init: bool| {
        format!(
            r#"memory_gb = 2.0
cold_start = "300400us"
keep_alive = "5s"
billing = {{ basis = "request", price_per_request = 0.001, price_per_gb_second = 0.01, granularity = "1ms", bill_init = {init} }}"#
        )
    };
    let s = first(&scenario(dir.path(), "", &policy(true)));
    assert_eq!((s.arrived, s.served, s.dropped), (360, 360, 0));
    assert_eq!(s.cold_starts, 360);
    assert_eq!(s.throttled, 0);
    assert_eq!(cents(s.total_cost), cents(11.4192), "{}", s.total_cost);
    assert!((s.total_cost - 11.4192).abs() < 1e-9, "{}", s.total_cost);
    // Every response waited for its cold start: 0.3004 + 1.234567 s.
    assert!(
        (s.response_mean_s - 1.534967).abs() < 1e-9,
        "{}",
        s.response_mean_s
    );
    assert!((s.wait_mean_s - 0.3004).abs() < 1e-9);
    let (r, f) = both(dir.path(), &policy(false));
    for s in [&r, &f] {
        assert_eq!(s.served, 360, "{}", s.fidelity);
        assert_eq!(
            cents(s.total_cost),
            cents(9.252),
            "{}: {}",
            s.fidelity,
            s.total_cost
        );
    }
}

/// Provisioned concurrency: one instance kept warm for the hour serves every request
/// (one at a time), so nothing cold-starts (init billing off: the fluid fidelity's
/// Poisson overlaps would add a few). 2 GB × 3600 s × $0.001 = $7.20 for having
/// it, plus 360 × ($0.001 + 2 × 1.235 × $0.005) = $4.806 for its use: $12.006, in both
/// fidelities.
#[test]
fn provisioned_instances_are_paid_whether_used_or_not() {
    let dir = tempfile::tempdir().unwrap();
    log(dir.path(), 10, 1);
    let policy = r#"memory_gb = 2.0
cold_start = "300400us"
keep_alive = "5s"
provisioned = 1
billing = { price_per_request = 0.001, price_per_gb_second = 0.01, provisioned_price_per_gb_second = 0.001, provisioned_duration_price_per_gb_second = 0.005, bill_init = false }"#;
    let (r, f) = both(dir.path(), policy);
    // One instance all hour. (The fluid fidelity takes arrivals as Poisson, whose
    // overlaps would start a second instance now and then: not this regular log's.)
    assert_eq!(r.cold_starts, 0);
    assert!((r.mean_servers - 1.0).abs() < 1e-9, "{}", r.mean_servers);
    for s in [&r, &f] {
        assert_eq!(s.served, 360, "{}", s.fidelity);
        assert_eq!(
            cents(s.total_cost),
            cents(12.006),
            "{}: {}",
            s.fidelity,
            s.total_cost
        );
    }
    // The instance sat idle 1 − 360 × 1.234567 / 3600 of the hour: that share of the
    // $7.20 is idle cost.
    let idle = 7.2 * (1.0 - 360.0 * 1.234567 / 3600.0);
    assert!(
        (r.idle_cost - idle).abs() < 1e-6,
        "{} vs {idle}",
        r.idle_cost
    );
}

/// A Cloud Run policy of 1 vCPU and 2 GiB at $0.01 per vCPU-second, $0.001 per
/// GiB-second and $0.001 per request, 100 ms rounding, startup billed, with
/// `provisioned` minimum instances at the given idle prices per GiB- and vCPU-second.
fn cloud_run_1vcpu_2gib(provisioned: u32, idle_per_gb: &str, idle_per_vcpu: &str) -> String {
    format!(
        r#"preset = "cloud-run"
memory_gb = 2.0
vcpu = 1.0
cold_start = "100ms"
provisioned = {provisioned}
billing = {{ basis = "instance", price_per_request = 0.001, price_per_vcpu_second = 0.01, price_per_gb_second = 0.001, granularity = "100ms", bill_init = true, provisioned_price_per_gb_second = {idle_per_gb}, provisioned_price_per_vcpu_second = {idle_per_vcpu} }}"#
    )
}

/// Cloud Run's request-based billing: two requests every 10 s, half a second apart,
/// share one instance (concurrency 80). The instance is billable from the first one's
/// start (its cold start included, as Cloud Run bills startup) to the second one's end,
/// 1.734567 s, rounded up to 100 ms: 1.8 s, 360 times = 648 instance-seconds at
/// 1 vCPU × $0.01 + 2 GiB × $0.001 per second, plus 720 requests × $0.001:
/// $7.776 + $0.72 = $8.496.
#[test]
fn a_cloud_run_bill_shares_instance_time_between_concurrent_requests() {
    let dir = tempfile::tempdir().unwrap();
    log(dir.path(), 10, 2);
    let s = first(&scenario(
        dir.path(),
        "",
        &cloud_run_1vcpu_2gib(0, "0.0", "0.0"),
    ));
    assert_eq!((s.arrived, s.served), (720, 720));
    assert_eq!(s.cold_starts, 1);
    assert_eq!(s.peak_servers, 1);
    assert!((s.total_cost - 8.496).abs() < 1e-9, "{}", s.total_cost);
}

/// Cloud Run minimum instances (`provisioned`) pay the idle rate while idle and the
/// active rate while a request is active — not both. The same log on one provisioned
/// instance (nothing cold-starts): 3,600 s × (1 vCPU × $0.001 + 2 GiB × $0.0001) =
/// $4.32 for having it, 648 active seconds × ($0.012 − $0.0012) = $6.9984 on top of
/// that while serving, 720 requests × $0.001 = $0.72: $12.0384 (not $12.816).
#[test]
fn cloud_run_minimum_instances_pay_the_active_rate_instead_of_the_idle_one() {
    let dir = tempfile::tempdir().unwrap();
    log(dir.path(), 10, 2);
    let policy = cloud_run_1vcpu_2gib(1, "0.0001", "0.001");
    let s = first(&scenario(dir.path(), "", &policy));
    assert_eq!((s.served, s.cold_starts, s.peak_servers), (720, 0, 1));
    assert!((s.total_cost - 12.0384).abs() < 1e-9, "{}", s.total_cost);
}

/// With one instance at most, Poisson arrivals at rate λ, keep-alive T and S ≪ T,
/// λS ≪ 1, a request finds the instance warm when the previous one came less than T
/// ago: probability 1 − e^(−λT). Request level within 4 standard errors; the fluid
/// fidelity uses the same law.
#[test]
fn the_cold_start_fraction_at_a_low_rate_matches_the_closed_form() {
    let (lambda, keep): (f64, f64) = (0.01, 60.0);
    let text = |fidelity: &str| {
        format!(
            r#"name = "cold"
horizon = "30d"
seed = 11
{fidelity}
[service]
service_time = {{ distribution = "constant", value = "10ms" }}
slots_per_server = 1
[workload]
base_rate = {lambda}
[[policy]]
name = "lambda"
type = "functions"
preset = "aws-lambda"
cold_start = "1ms"
keep_alive = "{keep}s"
concurrency_limit = 1
"#
        )
    };
    let warm = 1.0 - (-lambda * keep).exp();
    let r = run_first(&text(""), "cold").summary;
    let n = r.arrived as f64;
    let cold = r.cold_starts as f64 / n;
    let se = (warm * (1.0 - warm) / n).sqrt();
    let z = ((1.0 - cold) - warm) / se;
    println!(
        "request level: {} arrivals, warm {:.4} vs 1 − e^(−λT) = {warm:.4} (z = {z:.2})",
        r.arrived,
        1.0 - cold
    );
    assert!(z.abs() < 4.0, "z = {z}");
    let f = run_first(&text("fidelity = \"fluid\""), "cold").summary;
    let fluid_warm = 1.0 - f.cold_starts as f64 / f.arrived as f64;
    println!("fluid: warm {fluid_warm:.4}");
    assert!((fluid_warm - warm).abs() < 0.01, "{fluid_warm} vs {warm}");
}

/// Above `concurrency_limit` requests are throttled: dropped, and counted apart.
#[test]
fn requests_beyond_the_concurrency_limit_are_throttled() {
    let text = r#"name = "throttle"
horizon = "10min"
[service]
service_time = { distribution = "exponential", mean = "1s" }
slots_per_server = 1
[workload]
base_rate = 50.0
[[policy]]
name = "lambda"
type = "functions"
preset = "aws-lambda"
cold_start = "200ms"
concurrency_limit = 20
"#;
    let s = run_first(text, "throttle").summary;
    assert!(s.throttled > 0);
    assert_eq!(s.dropped, s.throttled);
    assert!(s.peak_servers <= 20);
    // 50 req/s of 1 s work against 20 instances: well over half is refused.
    assert!(s.drop_fraction > 0.5, "{}", s.drop_fraction);
}

/// Poisson traffic at a rate that keeps instances warm: the fluid fidelity's cost and
/// cold starts against request level's (the figures the README quotes).
#[test]
fn fluid_functions_agree_with_request_level() {
    let mut report = String::new();
    for (preset, rate, tol) in [("aws-lambda", 20.0, 0.01), ("cloud-run", 20.0, 0.05)] {
        let text = |fidelity: &str| {
            format!(
                r#"name = "agree"
horizon = "6h"
seed = 5
{fidelity}
[service]
service_time = {{ distribution = "exponential", mean = "100ms" }}
slots_per_server = 1
[workload]
base_rate = {rate}
[[workload.shape]]
type = "diurnal"
amplitude = 0.5
period = "6h"
[[policy]]
name = "{preset}"
type = "functions"
preset = "{preset}"
cold_start = "250ms"
cold_start_p95 = "800ms"
"#
            )
        };
        let r = run_first(&text(""), "agree").summary;
        let f = run_first(&text("fidelity = \"fluid\""), "agree").summary;
        let cost = f.total_cost / r.total_cost - 1.0;
        writeln!(
            report,
            "{preset}: cost request ${:.4} fluid ${:.4} ({:+.2} %); cold starts {} vs {}; mean instances {:.2} vs {:.2}; p99 {:.3} s vs {:.3} s",
            r.total_cost,
            f.total_cost,
            100.0 * cost,
            r.cold_starts,
            f.cold_starts,
            r.mean_servers,
            f.mean_servers,
            r.response_p99_s,
            f.response_p99_s
        )
        .unwrap();
        assert!(cost.abs() < tol, "{report}");
    }
    println!("{report}");
}
