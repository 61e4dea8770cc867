//! Replications: `--replications N` runs N independent seeds and reports means with 95 %
//! Student-t confidence intervals (`provsim::replication`).
//!
//! - **N = 1 is a plain run**, byte for byte: every output file, through the CLI and the
//!   library.
//! - **Determinism**: the same seed and N give identical files; `replications.csv` holds
//!   every replication's own summary and `summary.csv` its means and half-widths.
//! - **Coverage**: the intervals are what they claim to be. An M/M/c queue with a known
//!   answer is run as K independent experiments of N replications each, and the number
//!   of experiments whose 95 % interval covers the analytic value must be consistent with
//!   a Binomial(K, 0.95) count (see [`interval_coverage_matches_95_percent`] for how the
//!   acceptance band and the run length are chosen).

use std::fs;
use std::path::Path;

use rayon::prelude::*;
use tempfile::TempDir;

use provsim::analytic::MMc;
use provsim::metrics::Summary;
use provsim::replication::Estimate;
use provsim::simulation::{replication_seed, run_quiet, run_replications};

use crate::common::{Csv, entries, flash_crowd, provsim, short_flash_crowd, snapshot};

/// Runs `provsim run <args>` in `cwd` and asserts success; returns stdout.
fn run_ok(cwd: &Path, args: &[&str]) -> String {
    let out = provsim(cwd).arg("run").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "provsim run {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The same files in `a` and `b`, byte for byte, but the record of how each run was
/// made (its command line and wall time), which `run.toml` and `report.html` hold.
fn assert_same_files(a: &Path, b: &Path) {
    let results = |dir: &Path| {
        let mut files = snapshot(dir);
        files.retain(|name, _| !matches!(name.to_str(), Some("run.toml" | "report.html")));
        files
    };
    let (sa, sb) = (results(a), results(b));
    assert_eq!(
        sa.keys().collect::<Vec<_>>(),
        sb.keys().collect::<Vec<_>>(),
        "different files in {} and {}",
        a.display(),
        b.display()
    );
    for (name, bytes) in &sa {
        assert!(
            *bytes == sb[name],
            "{} differs between {} and {}",
            name.display(),
            a.display(),
            b.display()
        );
    }
}

/// The `summary.csv` columns of one run: the [`Summary`] fields, in order.
fn single_run_columns(dir: &Path) -> Vec<String> {
    Csv::read(&dir.join("summary.csv")).header
}

// ---------------------------------------------------------------------------------------
// (a) N = 1 is exactly a plain run
// ---------------------------------------------------------------------------------------

#[test]
fn one_replication_is_byte_identical_to_a_plain_run() {
    let tmp = TempDir::new().unwrap();
    let cwd = tmp.path();
    let plain = short_flash_crowd(cwd, "plain.toml", "20m", &[]);
    let field_one = short_flash_crowd(cwd, "one.toml", "20m", &[("replications", 1i64.into())]);
    let field_three = short_flash_crowd(cwd, "three.toml", "20m", &[("replications", 3i64.into())]);
    let scenario = |p: &Path| p.to_str().unwrap().to_string();

    let plain_out = run_ok(cwd, &[&scenario(&plain), "--out", "plain"]);
    let flag_out = run_ok(
        cwd,
        &[&scenario(&plain), "--replications", "1", "--out", "flag"],
    );
    // `replications = 3` in the file, overridden back to one on the command line.
    let override_out = run_ok(
        cwd,
        &[
            &scenario(&field_three),
            "--replications",
            "1",
            "--out",
            "override",
        ],
    );
    let field_out = run_ok(cwd, &[&scenario(&field_one), "--out", "field"]);

    assert_same_files(&cwd.join("plain"), &cwd.join("flag"));
    // Stdout too, but for the folder name on the last line.
    let body = |s: &str| {
        s.lines()
            .filter(|l| !l.starts_with("wrote "))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(body(&plain_out), body(&flag_out));
    assert!(!plain_out.contains("replications"), "{plain_out}");
    // The copied scenario.toml differs (it is the user's file); every result is the same.
    for dir in ["override", "field"] {
        for file in ["summary.csv", "timeseries.csv", "charts/summary.png"] {
            assert_eq!(
                fs::read(cwd.join("plain").join(file)).unwrap(),
                fs::read(cwd.join(dir).join(file)).unwrap(),
                "{dir}/{file}"
            );
        }
    }
    assert_eq!(body(&plain_out), body(&override_out));
    assert_eq!(body(&plain_out), body(&field_out));

    // The single-run format: Summary's own columns, no replication files.
    assert!(!cwd.join("plain/replications.csv").exists());
    let columns = single_run_columns(&cwd.join("plain"));
    assert_eq!(&columns[..3], ["policy", "policy_type", "arrived"]);
    // Summary's own columns (`pods_mean` among them), no replication statistics.
    let own: Vec<&str> = Summary::columns().iter().map(|c| c.0).collect();
    assert_eq!(columns, own);
    assert!(columns.iter().all(|c| !c.ends_with("_ci95")));
}

#[test]
fn one_replication_equals_run_in_the_library() {
    let text = fs::read_to_string(flash_crowd())
        .unwrap()
        .replace("horizon = \"6h\"", "horizon = \"15m\"");
    let scenario = provsim::scenario::parse(&text, "flash-crowd.toml", "flash-crowd").unwrap();
    assert_eq!(scenario.replications, 1);
    let plain = run_quiet(&scenario);
    let replicated = run_replications(&scenario, 1, &|_| {});
    assert_eq!(replicated, vec![plain.clone()]);
    // Replication 0 of any N is the plain run; the others use other seeds. (With N > 1
    // a replication runs its policies in lockstep on one shared stream, in chunks:
    // exactly the same outcome as separate streams of its seed.)
    let three = run_replications(&scenario, 3, &|_| {});
    assert_eq!(three[0], plain);
    let second = provsim::scenario::Scenario {
        seed: replication_seed(scenario.seed, 1),
        ..scenario.clone()
    };
    // Only replication 0 keeps its time series (the one written); the others keep their
    // summaries, elasticity included.
    let mut alone = run_quiet(&second);
    for p in &mut alone.policies {
        p.series = Vec::new();
    }
    assert_eq!(three[1], alone);
    let seeds: Vec<u64> = three.iter().map(|o| o.seed).collect();
    assert_eq!(
        seeds,
        (0..3)
            .map(|i| replication_seed(scenario.seed, i))
            .collect::<Vec<_>>()
    );
    assert!(three[1] != three[0] && three[2] != three[1]);
}

// ---------------------------------------------------------------------------------------
// (b) Determinism and the replicated files
// ---------------------------------------------------------------------------------------

#[test]
fn same_seed_and_replications_give_identical_outputs() {
    let tmp = TempDir::new().unwrap();
    let cwd = tmp.path();
    let file = short_flash_crowd(cwd, "fc.toml", "20m", &[]);
    let file = file.to_str().unwrap();
    let args = |out: &'static str, seed: &'static str| {
        [file, "--replications", "4", "--seed", seed, "--out", out]
    };
    let first = run_ok(cwd, &args("a", "11"));
    let second = run_ok(cwd, &args("b", "11"));
    assert_same_files(&cwd.join("a"), &cwd.join("b"));
    let body = |s: &str| {
        s.lines()
            .filter(|l| !l.starts_with("wrote "))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(body(&first), body(&second));
    assert!(
        first.contains("4 replications, 95 % CI (Student t"),
        "{first}"
    );
    assert!(first.contains(" ± "), "{first}");

    // Another seed: other numbers.
    run_ok(cwd, &args("c", "12"));
    assert!(
        fs::read(cwd.join("a/summary.csv")).unwrap()
            != fs::read(cwd.join("c/summary.csv")).unwrap()
    );

    // A scenario's own `replications = 4` does the same as the flag.
    let field = short_flash_crowd(cwd, "fc4.toml", "20m", &[("replications", 4i64.into())]);
    run_ok(
        cwd,
        &[field.to_str().unwrap(), "--seed", "11", "--out", "d"],
    );
    for f in ["summary.csv", "replications.csv", "timeseries.csv"] {
        assert_eq!(
            fs::read(cwd.join("a").join(f)).unwrap(),
            fs::read(cwd.join("d").join(f)).unwrap(),
            "{f}"
        );
    }
}

/// `replications.csv` has every replication's single-run summary; `summary.csv` their
/// means and Student-t half-widths; `timeseries.csv` is replication 0's.
#[test]
fn replicated_files_hold_each_run_and_their_statistics() {
    let tmp = TempDir::new().unwrap();
    let cwd = tmp.path();
    let file = short_flash_crowd(cwd, "fc.toml", "15m", &[]);
    let file = file.to_str().unwrap();
    run_ok(cwd, &[file, "--seed", "5", "--out", "one", "--no-charts"]);
    run_ok(
        cwd,
        &[
            file,
            "--seed",
            "5",
            "--replications",
            "3",
            "--out",
            "three",
            "--no-charts",
        ],
    );
    let one = cwd.join("one");
    let three = cwd.join("three");
    assert_eq!(
        entries(&three),
        [
            ".provsim-output",
            "replications.csv",
            "report.html",
            "run.toml",
            "scenario.toml",
            "summary.csv",
            "timeseries.csv"
        ]
    );
    // The time series is replication 0's, which is the plain run.
    assert_eq!(
        fs::read(one.join("timeseries.csv")).unwrap(),
        fs::read(three.join("timeseries.csv")).unwrap()
    );

    let plain_columns = single_run_columns(&one);
    // The run columns follow the original metrics; later metrics (the containers and
    // functions columns) were appended after them.
    let run_at = plain_columns.iter().position(|c| c == "seed").unwrap();
    assert_eq!(plain_columns[run_at..run_at + 2], ["seed", "fidelity"]);
    assert_eq!(
        plain_columns[plain_columns.len() - 2..],
        ["cold_starts", "throttled"]
    );
    let reps = Csv::read(&three.join("replications.csv"));
    assert_eq!(reps.header[..1], ["replication"]);
    assert_eq!(reps.header[1..], plain_columns[..]);
    assert_eq!(reps.rows.len(), 3 * 3, "3 replications × 3 policies");
    // Replication 0's rows are the plain run's summary rows, cell for cell.
    let plain_summary = fs::read_to_string(one.join("summary.csv")).unwrap();
    let plain_rows: Vec<&str> = plain_summary.lines().skip(1).collect();
    let reps_text = fs::read_to_string(three.join("replications.csv")).unwrap();
    for (i, line) in reps_text.lines().skip(1).take(3).enumerate() {
        assert_eq!(line, format!("0,{}", plain_rows[i]));
    }
    let seeds: Vec<u64> = (0..3).map(|r| replication_seed(5, r)).collect();
    for (i, row) in reps.rows.iter().enumerate() {
        assert_eq!(row[0], (i / 3).to_string());
        assert_eq!(reps.text(i, "seed"), seeds[i / 3].to_string());
        assert_eq!(reps.text(i, "fidelity"), "request");
    }

    let summary = Csv::read(&three.join("summary.csv"));
    assert_eq!(
        summary.header[..3],
        ["policy", "policy_type", "replications"]
    );
    // Every numeric column is estimated but the seed, which is carried over (replication
    // 0's: the scenario's) with the fidelity at the end of the row.
    let metrics: Vec<&String> = plain_columns[2..]
        .iter()
        .filter(|c| !Summary::RUN_COLUMNS.contains(&c.as_str()))
        .collect();
    assert_eq!(summary.header.len(), 3 + 2 * metrics.len() + 2);
    for (k, m) in metrics.iter().enumerate() {
        assert_eq!(summary.header[3 + 2 * k], format!("{m}_mean"));
        assert_eq!(summary.header[4 + 2 * k], format!("{m}_ci95"));
    }
    assert_eq!(
        summary.header[summary.header.len() - 2..],
        ["seed", "fidelity"]
    );
    assert_eq!(summary.rows.len(), 3);
    for p in 0..3 {
        assert_eq!(summary.rows[p][0], reps.rows[p][1], "policy name");
        assert_eq!(summary.rows[p][2], "3");
        assert_eq!(summary.text(p, "seed"), "5");
        assert_eq!(summary.text(p, "fidelity"), "request");
        for m in &metrics {
            let xs: Vec<f64> = (0..3).map(|r| reps.num(r * 3 + p, m)).collect();
            let mean = xs.iter().sum::<f64>() / 3.0;
            let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 2.0).sqrt();
            let half = 4.302_652_729_749_462 * sd / 3f64.sqrt(); // t(0.975, 2)
            let got_mean = summary.num(p, &format!("{m}_mean"));
            let got_half = summary.num(p, &format!("{m}_ci95"));
            let tol = 1e-9 * mean.abs().max(1e-12);
            assert!(
                (got_mean - mean).abs() <= tol,
                "{m}: mean {got_mean} vs {mean}"
            );
            assert!(
                (got_half - half).abs() <= 1e-9 * half.max(mean.abs()).max(1e-12),
                "{m}: half-width {got_half} vs {half}"
            );
        }
    }
}

#[test]
fn bad_replication_counts_are_refused() {
    let tmp = TempDir::new().unwrap();
    for n in ["0", "10001", "-1", "two"] {
        let out = provsim(tmp.path())
            .args(["run", "--replications", n, "--out", "x"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "--replications {n}");
        assert!(!tmp.path().join("x").exists());
    }
    let err = provsim::app::run(&provsim::app::RunRequest {
        replications: Some(0),
        out: Some(tmp.path().join("y")),
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert!(err.to_string().contains("--replications"), "{err}");
}

// ---------------------------------------------------------------------------------------
// (c) Coverage of the 95 % interval against queueing theory
// ---------------------------------------------------------------------------------------

/// c = 10 slots, λ = 80/s, E[S] = 100 ms: ρ = 0.8.
const QUEUE: MMc = MMc {
    servers: 10,
    arrival_rate: 80.0,
    mean_service: 0.1,
};
/// Independent experiments.
const EXPERIMENTS: u64 = 200;
/// Replications per experiment (the N of `--replications`).
const REPLICATIONS: u32 = 10;
/// Simulated seconds per replication.
const HORIZON_S: u64 = 600;
/// Chance that the coverage test fails although the intervals are exact, over all
/// metrics together (split between them, Bonferroni).
const FALSE_ALARM: f64 = 0.01;

fn mmc_scenario(horizon_s: u64, seed: u64) -> provsim::scenario::Scenario {
    let text = format!(
        r#"
name = "mmc"
horizon = "{horizon_s}s"
seed = {seed}
sample_every = "{horizon_s}s"

[service]
service_time = {{ distribution = "exponential", mean = "100ms" }}
slots_per_server = 1
queue_limit = 100000000

[workload]
base_rate = 80.0

[[policy]]
name = "fixed"
type = "fixed"
servers = 10
cost = {{ capex_per_server = 1000.0, amortization = "4y" }}
"#
    );
    provsim::scenario::parse(&text, "mmc.toml", "mmc").unwrap()
}

/// A metric checked against theory: name, analytic value, per-run value.
type Checked = (&'static str, f64, fn(&Summary) -> f64);

/// The metrics checked against theory.
fn checked_metrics() -> [Checked; 3] {
    [
        ("mean response time", QUEUE.mean_response(), |s| {
            s.response_mean_s
        }),
        ("mean number in system", QUEUE.mean_in_system(), |s| {
            s.mean_in_system
        }),
        ("P(wait)", QUEUE.p_wait(), |s| s.waited_fraction),
    ]
}

/// ln P(X = k) for X ~ Binomial(n, p).
fn binomial_ln_pmf(n: u64, k: u64, p: f64) -> f64 {
    let ln_choose: f64 = (1..=k).map(|i| ((n - k + i) as f64 / i as f64).ln()).sum();
    ln_choose + k as f64 * p.ln() + (n - k) as f64 * (1.0 - p).ln()
}

/// The acceptance band for X ~ Binomial(n, p): the narrowest `[lo, hi]` with
/// P(X < lo) ≤ α/2 and P(X > hi) ≤ α/2.
fn binomial_band(n: u64, p: f64, alpha: f64) -> (u64, u64) {
    let pmf: Vec<f64> = (0..=n).map(|k| binomial_ln_pmf(n, k, p).exp()).collect();
    let mut lo = 0;
    let mut below = 0.0;
    while below + pmf[lo as usize] <= alpha / 2.0 {
        below += pmf[lo as usize];
        lo += 1;
    }
    let mut hi = n;
    let mut above = 0.0;
    while above + pmf[hi as usize] <= alpha / 2.0 {
        above += pmf[hi as usize];
        hi -= 1;
    }
    (lo, hi)
}

#[test]
fn binomial_band_is_right() {
    // Hand check for Binomial(200, 0.95): P(X ≥ 199) = 200·0.05·0.95¹⁹⁹ + 0.95²⁰⁰
    // ≈ 4.0·10⁻⁴, P(X ≥ 198) ≈ 2.3·10⁻³.
    assert_eq!(binomial_band(200, 0.95, 0.01 / 3.0).1, 198);
    assert_eq!(binomial_band(200, 0.95, 2.0 * 4.1e-4).1, 198);
    let total: f64 = (0..=200).map(|k| binomial_ln_pmf(200, k, 0.95).exp()).sum();
    assert!((total - 1.0).abs() < 1e-12);
    // Symmetric case: Binomial(10, 0.5), α = 0.05 → [2, 8] (P(X ≤ 1) = 11/1024).
    assert_eq!(binomial_band(10, 0.5, 0.05), (2, 8));
}

/// The intervals cover the truth 95 % of the time.
///
/// `EXPERIMENTS` (K = 200) independent experiments, each `run_replications` with N = 10
/// on its own base seed (seeds 1..=K, fixed in advance, not chosen to pass), estimate the
/// M/M/10 mean response time, mean number in system and P(wait) with [`Estimate`]'s 95 %
/// Student-t interval; for each metric we count the experiments whose interval contains
/// the Erlang C value.
///
/// **Acceptance band.** If the intervals are exact, each count is Binomial(K, 0.95)
/// (the experiments are independent). The band is that distribution's central 1 − α/3
/// region, α = `FALSE_ALARM` = 1 % split over the three metrics (Bonferroni, valid
/// whatever their correlation): for K = 200 it is [180, 198], coverage 0.90–0.99.
/// Intervals that are too wide (s instead of s/√N: coverage ≈ 1) fail the upper edge;
/// much too narrow ones (no √ or a halved quantile) the lower one. Subtler errors, such as
/// the normal 1.96 instead of t(0.975, 9) = 2.262 (coverage ≈ 0.92), are the unit tests'
/// job (`provsim::replication`'s quantile tests): at K = 200 coverage can only be pinned
/// to about ±3 points.
///
/// **Start-up bias.** Every run starts empty, so its averages include the fill-up
/// transient. M/M/10 at ρ = 0.8 relaxes in about E\[S\]/(c(1 − √ρ)²) ≈ 0.9 s, so the
/// relative bias of a 600 s run is of order 10⁻³ or less. Measured over 10,000 runs of
/// 600 s: −0.034 % (response time), −0.033 % (number in system), −0.062 % (P(wait)),
/// about 0.07 standard errors of an N = 10 mean, whose interval is ±1.3 %, ±1.4 % and
/// ±2.3 % wide: the bias costs the coverage well under a percentage point
/// (`startup_bias_is_small_against_the_interval` re-checks it with 400 runs).
/// The horizon is therefore not cut for warm-up.
///
/// **What to expect.** Two runs of this test with K = 2,000 (base seeds 1000… and
/// 50000…) measured coverage 0.937–0.950 per metric, about 0.945 on average: a shade
/// under 95 % from that bias and the mild skewness of per-run values (+0.28 for the mean
/// response time), and well inside the band.
///
/// Cost: K × N × 600 s × 80/s ≈ 96 M requests, 3–6 s on two cores.
#[test]
fn interval_coverage_matches_95_percent() {
    let metrics = checked_metrics();
    let per_experiment: Vec<[bool; 3]> = (1..=EXPERIMENTS)
        .into_par_iter()
        .map(|seed| {
            let outcomes = run_replications(&mmc_scenario(HORIZON_S, seed), REPLICATIONS, &|_| {});
            let mut covered = [false; 3];
            for (c, (_, truth, value)) in covered.iter_mut().zip(&metrics) {
                let xs: Vec<f64> = outcomes
                    .iter()
                    .map(|o| {
                        let s = &o.policies[0].summary;
                        assert_eq!(s.dropped, 0);
                        value(s)
                    })
                    .collect();
                *c = Estimate::of(&xs)
                    .covers(*truth)
                    .expect("N > 1 has an interval");
            }
            covered
        })
        .collect();

    let (lo, hi) = binomial_band(EXPERIMENTS, 0.95, FALSE_ALARM / metrics.len() as f64);
    let mut failures = Vec::new();
    for (i, (name, truth, _)) in metrics.iter().enumerate() {
        let covered = per_experiment.iter().filter(|c| c[i]).count() as u64;
        println!(
            "{name:<22} theory {truth:.6}: covered in {covered}/{EXPERIMENTS} experiments ({:.1} %), accepted band [{lo}, {hi}]",
            100.0 * covered as f64 / EXPERIMENTS as f64
        );
        if !(lo..=hi).contains(&covered) {
            failures.push(format!(
                "{name}: {covered}/{EXPERIMENTS} outside [{lo}, {hi}]"
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:?}");
}

/// The pre-check behind the coverage test's run length: the start-up bias of a run that
/// starts empty is small against the N = 10 interval (400 runs per horizon, ≈ 29 M
/// requests, 1–2 s). `cargo test --test it replications:: -- --nocapture` prints the numbers.
#[test]
fn startup_bias_is_small_against_the_interval() {
    const RUNS: u32 = 400;
    for horizon_s in [300, HORIZON_S] {
        let outcomes = run_replications(&mmc_scenario(horizon_s, 7), RUNS, &|_| {});
        for (name, truth, value) in checked_metrics() {
            let xs: Vec<f64> = outcomes
                .iter()
                .map(|o| value(&o.policies[0].summary))
                .collect();
            let all = Estimate::of(&xs);
            // The half-width an N = 10 experiment would have, on average.
            let sd = all.std_dev.unwrap();
            let n10_half = 2.262_157_162_798_205 * sd / 10f64.sqrt();
            let bias = all.mean - truth;
            println!(
                "{horizon_s:>5} s  {name:<22} theory {truth:.6}  mean of {RUNS} {:.6} ± {:.6}  bias {:+.2e} ({:+.3} % of theory)  N=10 half-width {:.6} ({:.2} %)",
                all.mean,
                all.ci95.unwrap(),
                bias,
                100.0 * bias / truth,
                n10_half,
                100.0 * n10_half / truth
            );
            // The bias (plus the uncertainty of measuring it) is under a quarter of the
            // interval an experiment reports.
            assert!(
                bias.abs() <= all.ci95.unwrap() + 0.25 * n10_half,
                "{name} at {horizon_s} s: bias {bias} against half-width {n10_half}"
            );
        }
    }
}
