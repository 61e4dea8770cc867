//! `provsim break-even --replications N`: N seeds at every spike factor (replication r on
//! the same seed at each), mean curves with 95 % intervals, and an interval on each
//! crossing from the crossings of the replications' own curves.

use std::fs;
use std::path::Path;

use provsim::break_even::{compared_cost, with_spike_factor};
use provsim::replication::student_t_quantile;
use provsim::simulation::{replication_seed, run_quiet};
use tempfile::TempDir;

use crate::common::{Csv, provsim, short_flash_crowd, snapshot};

/// Runs `provsim break-even <args>` in `cwd` and asserts success; returns stdout.
fn break_even_ok(cwd: &Path, args: &[&str]) -> String {
    let out = provsim(cwd).arg("break-even").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "provsim break-even {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn one_replication_is_byte_identical_to_no_flag() {
    let tmp = TempDir::new().unwrap();
    let cwd = tmp.path();
    let file = short_flash_crowd(cwd, "short.toml", "150m", &[]);
    let file = file.to_str().unwrap();
    let common = ["--spike-factor", "2..4", "--steps", "2"];
    let plain = break_even_ok(cwd, &[&[file, "--out", "plain"][..], &common].concat());
    let one = break_even_ok(
        cwd,
        &[&[file, "--replications", "1", "--out", "one"][..], &common].concat(),
    );
    assert_eq!(plain.replace("plain", "one"), one);
    assert!(!plain.contains("replications"), "{plain}");
    let results = |dir: &str| {
        let mut files = snapshot(&cwd.join(dir));
        files.retain(|name, _| !matches!(name.to_str(), Some("run.toml" | "report.html")));
        files
    };
    let (a, b) = (results("plain"), results("one"));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, bytes) in &a {
        assert!(*bytes == b[name], "{} differs", name.display());
    }
    let header = Csv::read(&cwd.join("plain/crossings.csv")).header;
    assert_eq!(
        header,
        [
            "spike_factor",
            "between_low",
            "between_high",
            "cost",
            "cheaper_below",
            "cheaper_above"
        ]
    );
}

/// N = 3: every number of `break-even.csv` is the mean of three separate single runs
/// with the replication seeds, and the compared cost's `_ci95` their Student-t
/// half-width.
#[test]
fn replicated_means_are_the_means_of_single_runs_on_the_replication_seeds() {
    let tmp = TempDir::new().unwrap();
    let cwd = tmp.path();
    let path = short_flash_crowd(cwd, "short.toml", "150m", &[]);
    let stdout = break_even_ok(
        cwd,
        &[
            path.to_str().unwrap(),
            "--spike-factor",
            "2..4",
            "--steps",
            "2",
            "--replications",
            "3",
            "--out",
            "three",
        ],
    );
    assert!(stdout.contains("over 3 replications"), "{stdout}");
    let csv = Csv::read(&cwd.join("three/break-even.csv"));
    // The columns of one run, then the intervals and the count at the end.
    assert_eq!(csv.header[..12], single_run_header(cwd, &path)[..]);
    assert_eq!(csv.header.last().map(String::as_str), Some("replications"));
    let text = fs::read_to_string(&path).unwrap();
    let scenario = provsim::scenario::parse(&text, "short.toml", "short").unwrap();
    let t = student_t_quantile(0.975, 2);
    let mut row = 0;
    for factor in [2.0, 4.0] {
        let runs: Vec<_> = (0..3)
            .map(|r| {
                let mut s = with_spike_factor(&scenario, factor).unwrap();
                s.seed = replication_seed(scenario.seed, r);
                run_quiet(&s)
            })
            .collect();
        for p in 0..scenario.policies.len() {
            assert_eq!(csv.num(row, "spike_factor"), factor);
            assert_eq!(csv.text(row, "policy"), scenario.policies[p].name);
            for column in ["total_cost", "all_in_cost", "drop_fraction", "peak_servers"] {
                let values: Vec<f64> = runs
                    .iter()
                    .map(|o| {
                        let s = &o.policies[p].summary;
                        provsim::metrics::Summary::column(column).unwrap().1(s)
                            .number()
                            .unwrap()
                    })
                    .collect();
                let mean = values.iter().sum::<f64>() / 3.0;
                assert!(
                    close(csv.num(row, column), mean),
                    "×{factor} {} {column}: {} vs {mean}",
                    scenario.policies[p].name,
                    csv.num(row, column)
                );
            }
            let costs: Vec<f64> = runs
                .iter()
                .map(|o| compared_cost(&scenario, &o.policies[p].summary))
                .collect();
            let mean = costs.iter().sum::<f64>() / 3.0;
            let sd = (costs.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / 2.0).sqrt();
            let half = t * sd / 3f64.sqrt();
            let got = csv.num(row, "all_in_cost_ci95");
            assert!(
                (got - half).abs() <= 1e-9 * half.max(mean.abs()),
                "×{factor}: half-width {got} vs {half}"
            );
            assert_eq!(csv.num(row, "replications"), 3.0);
            row += 1;
        }
    }
    assert_eq!(row, csv.rows.len());
}

/// The header of a single-run `break-even.csv` (a fluid run of `path`).
fn single_run_header(cwd: &Path, path: &Path) -> Vec<String> {
    break_even_ok(
        cwd,
        &[
            path.to_str().unwrap(),
            "--spike-factor",
            "2..4",
            "--steps",
            "2",
            "--fidelity",
            "fluid",
            "--out",
            "single-header",
        ],
    );
    Csv::read(&cwd.join("single-header/break-even.csv")).header
}

/// Every crossing that at least two replications share gets a finite, non-negative
/// interval; the scenario's own `replications` is the default N.
#[test]
fn crossings_get_an_interval_from_the_replications() {
    let tmp = TempDir::new().unwrap();
    let cwd = tmp.path();
    let path = short_flash_crowd(cwd, "fc4.toml", "3h", &[("replications", 4i64.into())]);
    let stdout = break_even_ok(
        cwd,
        &[
            path.to_str().unwrap(),
            "--spike-factor",
            "1..6",
            "--steps",
            "11",
            "--fidelity",
            "fluid",
            "--out",
            "be",
        ],
    );
    assert!(stdout.contains("of 4 replications cross there"), "{stdout}");
    let c = Csv::read(&cwd.join("be/crossings.csv"));
    assert_eq!(
        c.header[6..],
        [
            "spike_factor_ci95",
            "replications_crossing",
            "spike_factor_replications_mean"
        ]
    );
    assert!(!c.rows.is_empty(), "no crossing in {:?}", c.rows);
    let mut checked = 0;
    for r in 0..c.rows.len() {
        let k = c.num(r, "replications_crossing");
        assert!((0.0..=4.0).contains(&k));
        if k >= 2.0 {
            let half = c.num(r, "spike_factor_ci95");
            assert!(half.is_finite() && half >= 0.0, "{half}");
            let mean = c.num(r, "spike_factor_replications_mean");
            assert!(c.num(r, "between_low") <= mean && mean <= c.num(r, "between_high"));
            checked += 1;
        } else {
            assert_eq!(c.text(r, "spike_factor_ci95"), "");
        }
    }
    assert!(checked > 0, "no crossing shared by two replications");
    let be = Csv::read(&cwd.join("be/break-even.csv"));
    assert!(be.header.contains(&"all_in_cost_ci95".to_string()));
    assert!(cwd.join("be/break-even.png").exists());
    let html = fs::read_to_string(cwd.join("be/report.html")).unwrap();
    assert!(
        html.contains("4 replications"),
        "report.html says nothing of the CI"
    );
}

#[test]
fn bad_replication_counts_are_refused() {
    let tmp = TempDir::new().unwrap();
    for n in ["0", "10001", "-1", "two", "1.5", ""] {
        // `--replications=-1`: clap would take a separate `-1` for an option.
        let out = provsim(tmp.path())
            .args(["break-even", "--spike-factor", "1..3", "--out", "x"])
            .arg(format!("--replications={n}"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "--replications {n:?}: {stderr}");
        let first = stderr.lines().next().unwrap_or_default();
        assert!(
            first.starts_with("error: ") && first.contains("--replications"),
            "--replications {n:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(!tmp.path().join("x").exists());
    }
    for n in [0, provsim::app::MAX_REPLICATIONS + 1] {
        let err = provsim::app::break_even(&provsim::app::BreakEvenRequest {
            scenario: None,
            from: 1.0,
            to: 3.0,
            steps: 2,
            out: Some(tmp.path().join("y")),
            seed: None,
            fidelity: None,
            replications: Some(n),
            charts: false,
            allow_large: false,
        })
        .unwrap_err();
        assert_eq!(err.exit_code(), 2);
        let message = err.to_string();
        assert!(message.contains("--replications"), "{message}");
        assert_eq!(message.lines().count(), 1, "{message}");
        assert!(!tmp.path().join("y").exists());
    }
}

/// The budget counts every replication: N times the runs of one.
#[test]
fn the_budget_counts_replications() {
    let text = fs::read_to_string(crate::common::flash_crowd()).unwrap();
    let mut s = provsim::scenario::parse(&text, "flash-crowd.toml", "flash-crowd").unwrap();
    let one = provsim::bounds::of_break_even(&s, 6.0, 11);
    s.replications = 10;
    let ten = provsim::bounds::of_break_even(&s, 6.0, 11);
    assert!(
        close(ten.events, 10.0 * one.events),
        "{} vs {}",
        ten.events,
        one.events
    );
}
