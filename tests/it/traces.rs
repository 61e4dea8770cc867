//! Traffic replayed from traces, and the elasticity metrics, end to end: an access log
//! replayed exactly arrives request for request; a counts export arrives within Poisson
//! noise of its counts; elasticity against hand-computed cases; every bad trace in
//! `tests/bad_traces/` is refused cleanly.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use provsim::metrics::Summary;
use provsim::scenario::{Scenario, parse_in};
use provsim::simulation::{PolicyOutcome, run_quiet};

const POLICY: &str = r#"
[[policy]]
name = "own"
type = "fixed"
servers = 40
cost = { capex_per_server = 1000.0, amortization = "4y" }
"#;

fn scenario(dir: &Path, head: &str, workload: &str, policies: &str) -> Scenario {
    let text = format!(
        "{head}\n[service]\nservice_time = {{ distribution = \"exponential\", mean = \"100ms\" }}\nslots_per_server = 4\n[workload]\n{workload}\n{policies}"
    );
    parse_in(&text, "t.toml", "t", dir).unwrap_or_else(|e| panic!("{e}"))
}

/// A month name of CLF.
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A CLF timestamp of second `s` after 1995-07-01 00:00:00 -0400.
fn clf_time(s: u64) -> String {
    let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
    format!("01/{}/1995:{h:02}:{m:02}:{sec:02} -0400", MONTHS[6])
}

/// Exact replay: every readable line is one arrival, at its own second, and the
/// time series counts them per interval as the log does.
#[test]
fn an_exact_access_log_replay_arrives_request_for_request() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = String::new();
    let mut per_minute = [0u64; 10];
    let mut readable = 0u64;
    let mut last = 0;
    // A deterministic, uneven stream over ten minutes: 1 to 7 requests a second, some
    // seconds out of order, some junk lines, `-` for bytes, no newline at the end.
    for s in 0..600u64 {
        let n = 1 + (s * 7 + s / 13) % 7;
        // Every 50th second is logged 3 seconds late (allowed: up to 60 s).
        let logged = if s % 50 == 49 { s - 3 } else { s };
        last = last.max(logged);
        for k in 0..n {
            let bytes = if k % 5 == 0 {
                "-".to_string()
            } else {
                (100 + k).to_string()
            };
            writeln!(
                log,
                "host{k}.example.com - - [{}] \"GET /page/{s}.html HTTP/1.0\" 200 {bytes}",
                clf_time(logged)
            )
            .unwrap();
            readable += 1;
            per_minute[(logged / 60) as usize] += 1;
        }
        if s % 97 == 0 {
            log.push_str("garbage without a timestamp\n");
        }
    }
    log.pop();
    fs::write(dir.path().join("access.log"), &log).unwrap();
    let s = scenario(
        dir.path(),
        "sample_every = \"1m\"",
        r#"trace = { file = "access.log", format = "access-log", arrivals = "exact" }"#,
        POLICY,
    );
    // The horizon defaults to the log's length: to the end of its last second.
    assert_eq!(s.horizon, (last + 1) * provsim::engine::SECOND);
    let outcome = run_quiet(&s);
    let own = &outcome.policies[0];
    assert_eq!(own.summary.arrived, readable);
    let arrivals: Vec<u64> = own.series.iter().map(|x| x.arrivals).collect();
    assert_eq!(arrivals, per_minute.to_vec());
    // Twice the traffic with `scale = 2`: each logged request twice.
    let doubled = scenario(
        dir.path(),
        "sample_every = \"1m\"",
        r#"trace = { file = "access.log", format = "access-log", arrivals = "exact", scale = 2.0 }"#,
        POLICY,
    );
    assert_eq!(
        run_quiet(&doubled).policies[0].summary.arrived,
        2 * readable
    );
}

/// A counts export is drawn as Poisson arrivals: each interval within 4 standard
/// deviations of its count, in both fidelities' offered rate.
#[test]
fn a_counts_export_arrives_within_poisson_noise_of_its_counts() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("timestamp,requests\n");
    let counts: Vec<u64> = (0..120u64).map(|i| 600 + (i * 379) % 5400).collect();
    for (i, c) in counts.iter().enumerate() {
        // Prometheus-style epoch seconds, one row a minute.
        writeln!(csv, "{},{c}", 1_717_200_000 + 60 * i as u64).unwrap();
    }
    fs::write(dir.path().join("counts.csv"), csv).unwrap();
    let s = scenario(
        dir.path(),
        "sample_every = \"1m\"\nseed = 9",
        r#"trace = { file = "counts.csv", format = "counts" }"#,
        POLICY,
    );
    let own: &PolicyOutcome = &run_quiet(&s).policies[0];
    assert_eq!(own.series.len(), counts.len());
    for (sample, &c) in own.series.iter().zip(&counts) {
        let z = (sample.arrivals as f64 - c as f64) / (c as f64).sqrt();
        assert!(
            z.abs() < 4.0,
            "t = {}: {} vs {c} (z = {z:.2})",
            sample.time_s,
            sample.arrivals
        );
        // The offered rate is the file's rate.
        assert!((sample.offered_rate - c as f64 / 60.0).abs() < 1e-9);
    }
}

fn summary_of(s: &Scenario, policy: usize) -> (Summary, Vec<u32>) {
    let o = run_quiet(s);
    let p = &o.policies[policy];
    (
        p.summary.clone(),
        p.series.iter().map(|x| x.demand_servers).collect(),
    )
}

/// A fixed fleet of twice the (constant) demand is over-provisioned by 100 %, all the
/// time, never under.
#[test]
fn a_fleet_twice_the_demand_is_over_provisioned_by_100_percent() {
    let dir = tempfile::tempdir().unwrap();
    let head = "horizon = \"1h\"\nsample_every = \"1m\"";
    let workload = "base_rate = 100.0";
    let (_, demand) = summary_of(&scenario(dir.path(), head, workload, POLICY), 0);
    let d = demand[0];
    assert!(d > 0 && demand.iter().all(|&x| x == d), "{demand:?}");
    let twice = POLICY.replace("servers = 40", &format!("servers = {}", 2 * d));
    let (s, _) = summary_of(&scenario(dir.path(), head, workload, &twice), 0);
    assert_eq!(s.over_provision_accuracy, 100.0);
    assert_eq!(s.over_provision_timeshare, 100.0);
    assert_eq!(s.under_provision_accuracy, 0.0);
    assert_eq!(s.under_provision_timeshare, 0.0);
    assert_eq!((s.instability, s.jitter_per_hour), (0.0, 0.0));
}

/// Demand steps up at 01:00; a scheduled group follows at 01:01, one sample interval
/// late. Over 120 intervals: interval 61 is under-provisioned by (d2 − d1) / d2, at
/// boundaries 61 (demand moves, supply not) and 62 (supply moves, demand not) they do not
/// move together, and both moved by d2 − d1 in all (no jitter).
#[test]
fn a_fleet_one_interval_late_on_a_step_gives_the_hand_computed_areas() {
    let dir = tempfile::tempdir().unwrap();
    let head = "horizon = \"2h\"\nsample_every = \"1m\"";
    let workload =
        "base_rate = 100.0\n[[workload.shape]]\ntype = \"step\"\nat = \"1h\"\nfactor = 2.5";
    let (_, demand) = summary_of(&scenario(dir.path(), head, workload, POLICY), 0);
    let (d1, d2) = (demand[0], demand[119]);
    assert!(demand[..60].iter().all(|&x| x == d1), "{demand:?}");
    assert!(demand[60..].iter().all(|&x| x == d2), "{demand:?}");
    assert!(d2 > d1);
    let group = format!(
        r#"
[[policy]]
name = "late"
type = "autoscale"
min = {d1}
max = {d2}
boot_time = "0s"
scaling = {{ type = "scheduled" }}
billing = {{ price_per_hour = 1.0 }}
schedule = [{{ at = "01:01", min = {d2} }}]
"#
    );
    let (s, _) = summary_of(&scenario(dir.path(), head, workload, &group), 0);
    let (d1, d2) = (f64::from(d1), f64::from(d2));
    let close = |a: f64, b: f64| (a - b).abs() < 1e-9 * b.abs().max(1.0);
    assert!(
        close(s.under_provision_accuracy, 100.0 / 120.0 * (d2 - d1) / d2),
        "{s:?}"
    );
    assert!(close(s.under_provision_timeshare, 100.0 / 120.0), "{s:?}");
    assert_eq!(
        (s.over_provision_accuracy, s.over_provision_timeshare),
        (0.0, 0.0)
    );
    assert!(close(s.instability, 200.0 / 119.0), "{s:?}");
    assert!(close(s.jitter_per_hour, 0.0), "{s:?}");
}
