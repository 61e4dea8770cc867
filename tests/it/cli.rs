//! The `provsim` command line, end to end: help, validate, run, output files and their
//! columns, determinism, `--seed`, `--out` handling, and that failures write nothing.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

use crate::common::{
    BAD_SCENARIOS, column, entries, flash_crowd, header, provsim, repo_file, shipped_scenarios,
    short_flash_crowd, snapshot,
};

/// The columns `summary.csv` must have at least: the documented output format, which
/// scripts read by name (more columns may follow).
const SUMMARY_COLUMNS: &[&str] = &[
    "policy",
    "policy_type",
    "arrived",
    "served",
    "dropped",
    "in_system_at_end",
    "slo_misses",
    "wait_mean_s",
    "waited_fraction",
    "response_mean_s",
    "response_p50_s",
    "response_p95_s",
    "response_p99_s",
    "response_max_s",
    "paid_slot_seconds",
    "busy_slot_seconds",
    "idle_slot_seconds",
    "idle_fraction",
    "billed_server_seconds",
    "total_cost",
    "committed_cost",
    "idle_cost",
    "cost_per_million_requests",
];

/// The columns `timeseries.csv` must have at least: the documented output format, which
/// scripts read by name (more columns may follow).
const TIMESERIES_COLUMNS: &[&str] = &[
    "policy",
    "time_s",
    "arrival_rate",
    "servers_booting",
    "servers_ready",
    "servers_draining",
    "busy_slots",
    "idle_slots",
    "queue_length",
    "dropped",
    "slo_misses",
    "response_p99_s",
    "cost_cumulative",
];

fn bad_scenario() -> PathBuf {
    repo_file(BAD_SCENARIOS).join("zero-slots.toml")
}

/// Exit code 2 and exactly one `error: ` line on stderr, no panic; returns the line.
fn assert_one_error_line(output: &std::process::Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    stderr
}

#[test]
fn help_shows_examples() {
    let tmp = TempDir::new().unwrap();
    for args in [&["--help"][..], &["run", "--help"], &["validate", "--help"]] {
        let out = provsim(tmp.path()).args(args).assert().success();
        let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
        if args[0] == "validate" {
            assert!(stdout.contains("validate"), "{stdout}");
            continue;
        }
        assert!(stdout.contains("Examples:"), "provsim {args:?}: {stdout}");
        assert!(
            stdout.contains("provsim run "),
            "provsim {args:?}: {stdout}"
        );
        assert!(stdout.contains("--out"), "provsim {args:?}: {stdout}");
    }
    assert!(entries(tmp.path()).is_empty());
}

#[test]
fn usage_errors_exit_2() {
    let tmp = TempDir::new().unwrap();
    for args in [
        &[][..],
        &["validate"],
        &["run", "--seed", "seven"],
        &["frobnicate"],
    ] {
        let out = provsim(tmp.path()).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "provsim {args:?}");
    }
    assert!(entries(tmp.path()).is_empty());
}

#[test]
fn validate_accepts_every_shipped_scenario() {
    let tmp = TempDir::new().unwrap();
    let files = shipped_scenarios();
    for file in &files {
        let out = provsim(tmp.path())
            .arg("validate")
            .arg(file)
            .assert()
            .success();
        let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
        assert!(stdout.starts_with("ok: "), "{}: {stdout}", file.display());
    }
    // All at once, too: one `ok:` line each.
    let out = provsim(tmp.path())
        .arg("validate")
        .args(&files)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("ok: ")).count(),
        files.len()
    );
    // Validating writes nothing.
    assert!(entries(tmp.path()).is_empty());
}

#[test]
fn validate_refuses_a_bad_file_among_good_ones() {
    let tmp = TempDir::new().unwrap();
    let out = provsim(tmp.path())
        .arg("validate")
        .arg(flash_crowd())
        .arg(bad_scenario())
        .output()
        .unwrap();
    let line = assert_one_error_line(&out);
    assert!(line.contains("zero-slots.toml"), "{line}");
}

#[test]
fn run_writes_csvs_with_the_design_columns() {
    let text = fs::read_to_string(flash_crowd()).unwrap();
    let scenario = provsim::scenario::parse(&text, "flash-crowd.toml", "flash-crowd").unwrap();
    let names: Vec<&str> = scenario.policies.iter().map(|p| p.name.as_str()).collect();
    let types: Vec<&str> = scenario
        .policies
        .iter()
        .map(|p| p.kind.type_name())
        .collect();

    let tmp = TempDir::new().unwrap();
    let out_dir = tmp.path().join("results");
    let out = provsim(tmp.path())
        .args(["run", "--no-charts", "--out"])
        .arg(&out_dir)
        .arg(flash_crowd())
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    for policy in &names {
        assert!(
            stdout.contains(policy),
            "summary table lacks {policy}: {stdout}"
        );
    }

    let summary = fs::read_to_string(out_dir.join("summary.csv")).unwrap();
    let cols = header(&summary);
    for c in SUMMARY_COLUMNS {
        assert!(cols.contains(c), "summary.csv lacks column {c}: {cols:?}");
    }
    // One row per policy, in scenario order.
    assert_eq!(column(&summary, "policy"), names);
    assert_eq!(column(&summary, "policy_type"), types);
    // Common random numbers: every policy saw the same requests.
    let arrived = column(&summary, "arrived");
    assert!(arrived.iter().all(|a| a == &arrived[0]), "{arrived:?}");
    let expected = scenario.workload.base_rate * scenario.horizon as f64 / 1e6;
    let arrived: f64 = arrived[0].parse().unwrap();
    assert!(
        arrived > 0.5 * expected,
        "{arrived} arrivals, base rate alone gives {expected}"
    );

    let series = fs::read_to_string(out_dir.join("timeseries.csv")).unwrap();
    let cols = header(&series);
    for c in TIMESERIES_COLUMNS {
        assert!(
            cols.contains(c),
            "timeseries.csv lacks column {c}: {cols:?}"
        );
    }
    // Tidy long format: one row per policy × sample.
    let samples = scenario.horizon / scenario.sample_every;
    let policies = column(&series, "policy");
    for p in &names {
        let n = policies.iter().filter(|q| q == p).count() as u64;
        assert!(
            (samples..=samples + 1).contains(&n),
            "{p}: {n} rows, expected {samples}"
        );
    }
    // Rectangular, and every number finite.
    for csv in [&summary, &series] {
        let width = header(csv).len();
        for line in csv.lines().skip(1) {
            let fields: Vec<&str> = line.split(',').collect();
            assert_eq!(fields.len(), width, "{line}");
            for f in fields {
                if let Ok(v) = f.parse::<f64>() {
                    assert!(v.is_finite(), "{line}");
                }
            }
        }
    }

    // --no-charts: no charts folder; nothing else left beside the output folder.
    assert!(!out_dir.join("charts").exists());
    assert_eq!(entries(tmp.path()), ["results"]);
}

#[test]
fn same_run_twice_is_byte_identical_and_seed_changes_arrivals() {
    let tmp = TempDir::new().unwrap();
    let scenario = short_flash_crowd(tmp.path(), "short.toml", "30m", &[]);
    let run = |out: &str, seed: Option<&str>| -> BTreeMap<PathBuf, Vec<u8>> {
        let mut cmd = provsim(tmp.path());
        cmd.args(["run", "--no-charts", "--out", out])
            .arg(&scenario);
        if let Some(seed) = seed {
            cmd.args(["--seed", seed]);
        }
        cmd.assert().success();
        snapshot(&tmp.path().join(out))
    };
    let a = run("a", None);
    let b = run("b", None);
    let own_seed = run("own-seed", Some("42"));
    let seven = run("seven", Some("7"));

    for f in ["summary.csv", "timeseries.csv"] {
        let f = Path::new(f);
        assert!(a.contains_key(f), "{} not written", f.display());
        assert!(
            a[f] == b[f],
            "{} differs between two identical runs",
            f.display()
        );
        assert!(
            a[f] == own_seed[f],
            "{}: --seed 42 (the scenario's own seed) changed the output",
            f.display()
        );
        assert!(
            a[f] != seven[f],
            "{}: --seed 7 changed nothing",
            f.display()
        );
    }
    let arrivals = |s: &BTreeMap<PathBuf, Vec<u8>>| {
        column(
            &String::from_utf8_lossy(&s[Path::new("timeseries.csv")]),
            "arrival_rate",
        )
    };
    assert_ne!(
        arrivals(&a),
        arrivals(&seven),
        "--seed 7 kept the same arrivals"
    );
}

#[test]
fn default_output_folder_is_output_slash_name() {
    let tmp = TempDir::new().unwrap();
    let scenario = short_flash_crowd(tmp.path(), "short.toml", "10m", &[("name", "tiny".into())]);
    provsim(tmp.path())
        .args(["run", "--no-charts"])
        .arg(&scenario)
        .assert()
        .success();
    let dir = tmp.path().join("output/tiny");
    assert!(dir.join("summary.csv").is_file());
    assert!(dir.join("timeseries.csv").is_file());
    assert_eq!(entries(&tmp.path().join("output")), ["tiny"]);
}

#[test]
fn several_scenarios_go_to_out_slash_name() {
    let tmp = TempDir::new().unwrap();
    let one = short_flash_crowd(tmp.path(), "one.toml", "10m", &[("name", "one".into())]);
    let two = short_flash_crowd(tmp.path(), "two.toml", "10m", &[("name", "two".into())]);
    provsim(tmp.path())
        .args(["run", "--no-charts", "--out", "all"])
        .args([&one, &two])
        .assert()
        .success();
    // `all` is marked as holding scenario folders, so the same command runs again.
    assert_eq!(
        entries(&tmp.path().join("all")),
        [".provsim-output", "one", "two"]
    );
    for name in ["one", "two"] {
        assert!(
            tmp.path()
                .join("all")
                .join(name)
                .join("summary.csv")
                .is_file()
        );
    }
}

#[test]
fn out_pointing_at_a_file_is_refused_and_the_file_kept() {
    let tmp = TempDir::new().unwrap();
    let scenario = short_flash_crowd(tmp.path(), "short.toml", "10m", &[]);
    let target = tmp.path().join("results.txt");
    fs::write(&target, "precious\n").unwrap();
    let out = provsim(tmp.path())
        .args(["run", "--no-charts", "--out"])
        .arg(&target)
        .arg(&scenario)
        .output()
        .unwrap();
    let line = assert_one_error_line(&out);
    assert!(line.contains("results.txt"), "{line}");
    assert!(line.contains("not a directory"), "{line}");
    assert_eq!(fs::read_to_string(&target).unwrap(), "precious\n");
    assert_eq!(entries(tmp.path()), ["results.txt", "short.toml"]);
}

#[test]
fn a_failed_run_leaves_previous_results_untouched() {
    let tmp = TempDir::new().unwrap();
    let scenario = short_flash_crowd(tmp.path(), "short.toml", "10m", &[]);
    provsim(tmp.path())
        .args(["run", "--no-charts", "--out", "results"])
        .arg(&scenario)
        .assert()
        .success();
    let before = snapshot(&tmp.path().join("results"));
    assert!(before.contains_key(Path::new("summary.csv")));

    let out = provsim(tmp.path())
        .args(["run", "--no-charts", "--out", "results"])
        .arg(bad_scenario())
        .output()
        .unwrap();
    let line = assert_one_error_line(&out);
    assert!(line.contains("zero-slots.toml"), "{line}");
    assert!(out.stdout.is_empty());
    assert!(
        before == snapshot(&tmp.path().join("results")),
        "previous results changed"
    );
    assert_eq!(entries(tmp.path()), ["results", "short.toml"]);
}

#[test]
fn one_bad_scenario_among_several_writes_nothing() {
    let tmp = TempDir::new().unwrap();
    let good = short_flash_crowd(tmp.path(), "good.toml", "10m", &[("name", "good".into())]);
    let other = short_flash_crowd(tmp.path(), "other.toml", "10m", &[("name", "other".into())]);
    for (args, label) in [
        (
            vec![good.clone(), other.clone(), bad_scenario()],
            "bad last",
        ),
        (vec![bad_scenario(), good.clone()], "bad first"),
        (
            vec![good.clone(), bad_scenario(), other.clone()],
            "bad between",
        ),
    ] {
        for out in [Some("all"), None] {
            let mut cmd = provsim(tmp.path());
            cmd.args(["run", "--no-charts"]).args(&args);
            if let Some(out) = out {
                cmd.args(["--out", out]);
            }
            let output = cmd.output().unwrap();
            let line = assert_one_error_line(&output);
            assert!(line.contains("zero-slots.toml"), "{label}: {line}");
            assert!(output.stdout.is_empty(), "{label}: printed results");
            assert_eq!(
                entries(tmp.path()),
                ["good.toml", "other.toml"],
                "{label}, --out {out:?}: something was written"
            );
        }
    }
}

#[test]
fn two_scenarios_with_the_same_name_are_refused() {
    let tmp = TempDir::new().unwrap();
    let one = short_flash_crowd(tmp.path(), "one.toml", "10m", &[("name", "same".into())]);
    let two = short_flash_crowd(tmp.path(), "two.toml", "10m", &[("name", "same".into())]);
    let out = provsim(tmp.path())
        .args(["run", "--no-charts"])
        .args([&one, &two])
        .output()
        .unwrap();
    let line = assert_one_error_line(&out);
    assert!(line.contains("same"), "{line}");
    assert_eq!(entries(tmp.path()), ["one.toml", "two.toml"]);
}

/// `--out` at a folder that holds someone else's files: provsim may refuse (exit 2) or
/// write its results, but must never delete files it did not write.
#[test]
fn out_folder_with_foreign_files_does_not_lose_them() {
    let tmp = TempDir::new().unwrap();
    let scenario = short_flash_crowd(tmp.path(), "short.toml", "10m", &[]);
    let dir = tmp.path().join("my-project");
    fs::create_dir_all(dir.join("src")).unwrap();
    fs::write(dir.join("notes.txt"), "do not delete\n").unwrap();
    fs::write(dir.join("src/main.rs"), "fn main() {}\n").unwrap();
    let out = provsim(tmp.path())
        .args(["run", "--no-charts", "--out"])
        .arg(&dir)
        .arg(&scenario)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0 | 2)),
        "exit {:?}: {stderr}",
        out.status.code()
    );
    assert_eq!(
        fs::read_to_string(dir.join("notes.txt")).ok().as_deref(),
        Some("do not delete\n"),
        "--out {} (exit {:?}) deleted a file provsim did not write: notes.txt",
        dir.display(),
        out.status.code()
    );
    assert_eq!(
        fs::read_to_string(dir.join("src/main.rs")).ok().as_deref(),
        Some("fn main() {}\n"),
        "--out deleted a file provsim did not write: src/main.rs"
    );
}

#[test]
fn break_even_sweeps_the_spike_and_writes_its_files() {
    let tmp = TempDir::new().unwrap();
    let scenario = short_flash_crowd(tmp.path(), "short.toml", "3h", &[]);
    let out = tmp.path().join("be");
    let run = provsim(tmp.path())
        .args([
            "break-even",
            "--spike-factor",
            "1..5",
            "--steps",
            "3",
            "--out",
        ])
        .arg(&out)
        .arg(&scenario)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(stdout.contains("×3.00"), "{stdout}");
    assert_eq!(
        entries(&out),
        [
            ".provsim-output",
            "break-even.csv",
            "break-even.png",
            "crossings.csv",
            "report.html",
            "run.toml",
            "scenario.toml"
        ]
    );
    let csv = fs::read_to_string(out.join("break-even.csv")).unwrap();
    // Three factors × three policies; the fixed fleets cost the same at every factor.
    assert_eq!(column(&csv, "spike_factor").len(), 9);
    let own: Vec<String> = csv
        .lines()
        .filter(|l| l.contains(",own-servers,"))
        .map(|l| l.split(',').nth(3).unwrap().to_string())
        .collect();
    assert_eq!(own.len(), 3);
    assert!(own.iter().all(|c| *c == own[0]), "{own:?}");
    let crossings = fs::read_to_string(out.join("crossings.csv")).unwrap();
    assert!(crossings.starts_with("spike_factor,between_low,between_high,cost,"));
}

#[test]
fn break_even_refuses_bad_ranges_and_spikeless_scenarios() {
    let tmp = TempDir::new().unwrap();
    for range in ["5..1", "1..x", "-1..2", "3"] {
        let run = provsim(tmp.path())
            .args(["break-even", "--spike-factor", range])
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(2), "{range}");
    }
    let flat = tmp.path().join("flat.toml");
    let text = fs::read_to_string(repo_file("scenarios/steady.toml")).unwrap();
    fs::write(&flat, text).unwrap();
    let run = provsim(tmp.path())
        .args(["break-even", "--spike-factor", "1..3", "--steps", "2"])
        .arg(&flat)
        .output()
        .unwrap();
    let line = assert_one_error_line(&run);
    assert!(line.contains("no `spike` shape"), "{line}");
    assert!(!tmp.path().join("output").exists(), "nothing written");
}
