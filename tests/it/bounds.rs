//! Bounded by design: inputs too large for their structure are refused before they are
//! parsed, in well under 2 s and 100 MB (through the hostile-input harness, which measures
//! both); runs over the work and memory budget are refused by every command unless
//! `--allow-large`; replications keep only replication 0's time series; and the work
//! estimate is close to the work done.

use std::fs;
use std::path::Path;

use provsim::scenario;
use provsim::simulation::run_replications;

use crate::common::{provsim, repo_file, short_flash_crowd};
use crate::hostile_input::assert_refused;

/// The shipped flash crowd followed by `tail`.
fn flash_crowd_with(tail: &str) -> String {
    fs::read_to_string(repo_file("scenarios/flash-crowd.toml")).unwrap() + tail
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_file_over_16_mib_is_refused_unread() {
    let tmp = tempfile::tempdir().unwrap();
    let mut text = flash_crowd_with("\n# ");
    text.push_str(&"x".repeat(16 << 20));
    let big = write(tmp.path(), "big.toml", &text);
    assert_refused(&big, &["16 MiB"]);
}

#[cfg(unix)]
#[test]
fn an_endless_device_is_refused_after_16_mib() {
    assert_refused(Path::new("/dev/zero"), &["16 MiB"]);
}

#[test]
fn structures_too_large_to_parse_cheaply_are_refused_with_a_line() {
    let tmp = tempfile::tempdir().unwrap();
    // 300,000 profile points: more items than any scenario needs.
    let points = vec!["1"; 300_000].join(",");
    let f = write(
        tmp.path(),
        "points.toml",
        &flash_crowd_with(&format!(
            "\n[[workload.shape]]\ntype = \"profile\"\npoints = [{points}]\n"
        )),
    );
    assert_refused(&f, &["workload.shape[2].points", "250000"]);
    // ~300,000 shapes in under 16 MiB.
    let shapes = "[[workload.shape]]\ntype = \"step\"\nat = \"1s\"\nfactor = 1.0\n".repeat(100_000);
    let f = write(
        tmp.path(),
        "shapes.toml",
        &flash_crowd_with(&format!("\n{shapes}")),
    );
    assert_refused(&f, &["250000"]);
    // 100,000 policies.
    let policy = "[[policy]]\nname = \"p\"\ntype = \"fixed\"\nservers = 1\ncost = { capex_per_server = 1.0, amortization = \"4y\" }\n";
    let f = write(
        tmp.path(),
        "policies.toml",
        &flash_crowd_with(&format!("\n{}", policy.repeat(100_000))),
    );
    assert_refused(&f, &["250000"]);
}

/// A century of requests at 1e6 req/s: over the budget by five orders of magnitude.
fn century(dir: &Path) -> std::path::PathBuf {
    short_flash_crowd(
        dir,
        "century.toml",
        "100y",
        &[("sample_every", "1d".into()), ("name", "century".into())],
    )
}

#[test]
fn every_command_refuses_a_run_over_budget_unless_allowed() {
    let tmp = tempfile::tempdir().unwrap();
    let file = century(tmp.path());
    for args in [
        vec!["run"],
        vec!["validate"],
        vec!["compare-fidelity"],
        vec!["break-even", "--spike-factor", "1..5"],
    ] {
        let out = provsim(tmp.path()).args(&args).arg(&file).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("--allow-large"), "{args:?}: {stderr}");
        assert!(stderr.contains("events"), "{args:?}: {stderr}");
    }
    let ok = provsim(tmp.path())
        .args(["validate", "--allow-large"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(ok.status.success());
    assert!(String::from_utf8_lossy(&ok.stdout).contains("events"));
    assert_eq!(crate::common::entries(tmp.path()), ["century.toml"]);
}

#[test]
fn replications_keep_only_the_first_time_series_and_every_elasticity() {
    let tmp = tempfile::tempdir().unwrap();
    let file = short_flash_crowd(tmp.path(), "r.toml", "30m", &[]);
    let s = scenario::load(&file).unwrap();
    let outcomes = run_replications(&s, 3, &|_| {});
    assert!(outcomes[0].policies.iter().all(|p| !p.series.is_empty()));
    for o in &outcomes[1..] {
        assert!(o.policies.iter().all(|p| p.series.is_empty()));
        // Elasticity was computed from the series before it was dropped.
        assert!(
            o.policies
                .iter()
                .any(|p| p.summary.over_provision_timeshare > 0.0)
        );
    }
    // Replication 0 is the plain run, series included.
    assert_eq!(outcomes[0], provsim::simulation::run_quiet(&s));
}

#[test]
fn the_estimate_is_close_to_the_work_done() {
    let tmp = tempfile::tempdir().unwrap();
    let file = short_flash_crowd(tmp.path(), "e.toml", "1h", &[]);
    let s = scenario::load(&file).unwrap();
    let estimate = provsim::bounds::of_run(&s);
    let done: u64 = provsim::simulation::run_quiet(&s)
        .policies
        .iter()
        .map(|p| p.events)
        .sum();
    let ratio = estimate.events / done as f64;
    assert!(
        (0.5..3.0).contains(&ratio),
        "estimated {estimate}, done {done} events"
    );
}

#[test]
fn a_non_finite_result_names_the_column_and_the_inputs() {
    let tmp = tempfile::tempdir().unwrap();
    let file = short_flash_crowd(tmp.path(), "n.toml", "10m", &[]);
    let s = scenario::load(&file).unwrap();
    let mut outcome = provsim::simulation::run_quiet(&s);
    assert_eq!(provsim::bounds::non_finite(&s, &outcome), None);
    outcome.policies[1].summary.total_cost = f64::INFINITY;
    let message = provsim::bounds::non_finite(&s, &outcome).unwrap();
    assert!(
        message.contains("idc-lease") && message.contains("`total_cost`"),
        "{message}"
    );
    assert!(message.contains("prices"), "{message}");
}
