//! Sweeps: one sweep run whole and in shards + merge writes the same bytes; a retried
//! shard writes the same bytes; `best.csv` is the brute-force pick from `sweep.csv`;
//! points with the same values get the same rows (common random numbers); and every
//! file of `tests/bad_sweeps/` (one defect each, `# expect:` its message, `# args:`
//! extra arguments) is refused cleanly, as are merges of missing or mismatched shards.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::common::{files_in, provsim, repo_file, snapshot};

/// What a cluster sets, removed so a test run under Slurm or Kubernetes is not sharded.
const CLUSTER_VARS: [&str; 4] = [
    "SLURM_ARRAY_TASK_ID",
    "SLURM_ARRAY_TASK_MIN",
    "SLURM_ARRAY_TASK_COUNT",
    "JOB_COMPLETION_INDEX",
];

/// `provsim ARGS` in `cwd`, outside any cluster job.
fn sweep_cmd(cwd: &Path, args: &[&str]) -> assert_cmd::Command {
    let mut cmd = provsim(cwd);
    for v in CLUSTER_VARS {
        cmd.env_remove(v);
    }
    cmd.args(args);
    cmd
}

/// The bad sweeps' base scenario (flash-crowd, 3 hours, fluid: milliseconds a run)
/// copied into `dir` with the top-level `extra` lines, and a sweep file `name` beside
/// it with `body` after its `scenario` line.
fn write_sweep(dir: &Path, name: &str, extra: &str, body: &str) -> PathBuf {
    let base = fs::read_to_string(repo_file("tests/bad_sweeps/data/base.toml")).unwrap();
    fs::write(dir.join("base.toml"), format!("{extra}\n{base}")).unwrap();
    let path = dir.join(name);
    fs::write(&path, format!("scenario = \"base.toml\"\n{body}")).unwrap();
    path
}

/// 8 points (4 fleet sizes × 2 targets), 2 replications, bounded SLO misses.
const GRID: &str = r#"replications = 2
[[vary]]
field = "policy[own-servers].servers"
values = [6, 8, 10, 12]
[[vary]]
field = "policy[cloud].scaling.target"
range = { from = 0.5, to = 0.7, step = 0.2 }
[objective]
minimize = "all_in_cost"
subject_to = { slo_miss_fraction = 0.02 }
"#;

fn run_ok(cmd: &mut assert_cmd::Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn shards_merged_equal_the_whole_sweep_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let sweep = write_sweep(tmp.path(), "grid.toml", "", GRID);
    let s = sweep.to_str().unwrap();
    let whole = tmp.path().join("whole");
    run_ok(&mut sweep_cmd(
        tmp.path(),
        &["sweep", s, "--out", whole.to_str().unwrap()],
    ));
    let cluster = tmp.path().join("cluster");
    let c = cluster.to_str().unwrap();
    // Shard 0 by flag, 1 as a Slurm array task (arrays may start at 1), 2 as a
    // Kubernetes Indexed Job.
    run_ok(&mut sweep_cmd(
        tmp.path(),
        &["sweep", s, "--out", c, "--shard", "0/3"],
    ));
    run_ok(
        sweep_cmd(tmp.path(), &["sweep", s, "--out", c])
            .env("SLURM_ARRAY_TASK_ID", "2")
            .env("SLURM_ARRAY_TASK_MIN", "1")
            .env("SLURM_ARRAY_TASK_COUNT", "3"),
    );
    run_ok(
        sweep_cmd(tmp.path(), &["sweep", s, "--out", c, "--shards", "3"])
            .env("JOB_COMPLETION_INDEX", "2"),
    );
    let text = run_ok(&mut sweep_cmd(tmp.path(), &["merge", c]));
    assert!(text.contains("merged 3 shards of 8 points"), "{text}");
    let merged = cluster.join("merged");
    for f in [
        "sweep.csv",
        "best.csv",
        "sweep.toml",
        "scenario.toml",
        "charts/pareto.png",
        "charts/objective.png",
    ] {
        assert_eq!(
            fs::read(whole.join(f)).unwrap(),
            fs::read(merged.join(f)).unwrap(),
            "{f} differs"
        );
    }
    let rows = fs::read_to_string(whole.join("sweep.csv")).unwrap();
    // 8 points × 3 policies, and a header.
    assert_eq!(rows.lines().count(), 25);
    assert!(rows.starts_with(
        "point,policy[own-servers].servers,policy[cloud].scaling.target,policy,policy_type,replications,arrived_mean,arrived_ci95,"
    ));
    assert!(rows.contains("\n7,12,0.7,cloud,autoscale,2,"), "{rows}");
    // A shard run again (a retried array task) writes the very same bytes.
    let shard = cluster.join("shards/1-of-3");
    let before = snapshot(&shard);
    run_ok(&mut sweep_cmd(
        tmp.path(),
        &["sweep", s, "--out", c, "--shard", "1/3"],
    ));
    assert_eq!(before, snapshot(&shard));
    assert!(before.contains_key(Path::new("manifest.toml")));
}

/// `sweep.csv` read as maps of column → cell, in file order.
fn read_csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let head = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            head.iter()
                .zip(rec.unwrap().iter())
                .map(|(h, c)| (h.to_string(), c.to_string()))
                .collect()
        })
        .collect()
}

#[test]
fn best_is_the_brute_force_pick_from_sweep_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let sweep = write_sweep(tmp.path(), "grid.toml", "", GRID);
    let out = tmp.path().join("out");
    run_ok(&mut sweep_cmd(
        tmp.path(),
        &[
            "sweep",
            sweep.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
    ));
    let rows = read_csv(&out.join("sweep.csv"));
    let best = read_csv(&out.join("best.csv"));
    let num = |r: &BTreeMap<String, String>, c: &str| r[c].parse::<f64>().unwrap();
    let mut policies: Vec<String> = Vec::new();
    for r in &rows {
        if !policies.contains(&r["policy"]) {
            policies.push(r["policy"].clone());
        }
    }
    assert_eq!(best.len(), policies.len());
    let mut statuses = Vec::new();
    for (policy, b) in policies.iter().zip(&best) {
        assert_eq!(&b["policy"], policy);
        // Independently: the lowest mean all-in cost among rows within the bound,
        // the first on a tie.
        let mut pick: Option<&BTreeMap<String, String>> = None;
        for r in rows.iter().filter(|r| &r["policy"] == policy) {
            if num(r, "slo_miss_fraction_mean") > 0.02 {
                continue;
            }
            if pick.is_none_or(|p| num(r, "all_in_cost_mean") < num(p, "all_in_cost_mean")) {
                pick = Some(r);
            }
        }
        match pick {
            Some(p) => {
                assert_eq!(b["status"], "best");
                assert_eq!(b["point"], p["point"]);
                assert_eq!(b["all_in_cost_mean"], p["all_in_cost_mean"]);
                assert_eq!(
                    b["policy[own-servers].servers"],
                    p["policy[own-servers].servers"]
                );
            }
            None => {
                assert_eq!(b["status"], "none feasible");
                assert_eq!(b["point"], "");
            }
        }
        statuses.push(b["status"].clone());
    }
    // The grid spans a feasible and an infeasible fleet, so the check means something.
    assert!(statuses.contains(&"best".to_string()), "{statuses:?}");
    let own: Vec<f64> = rows
        .iter()
        .filter(|r| r["policy"] == "own-servers")
        .map(|r| num(r, "slo_miss_fraction_mean"))
        .collect();
    assert!(own.iter().any(|&x| x > 0.02) && own.iter().any(|&x| x <= 0.02));
}

#[test]
fn points_with_the_same_values_get_the_same_rows() {
    let tmp = tempfile::tempdir().unwrap();
    // Request level, 20 minutes, 2 replications: random, so equal rows mean equal seeds.
    let sweep = write_sweep(
        tmp.path(),
        "crn.toml",
        "",
        r#"replications = 2
[[vary]]
field = "fidelity"
values = ["request"]
[[vary]]
field = "horizon"
values = ["20m"]
[[vary]]
field = "policy[own-servers].servers"
values = [10, 10, 4]
"#,
    );
    let out = tmp.path().join("out");
    run_ok(&mut sweep_cmd(
        tmp.path(),
        &[
            "sweep",
            sweep.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--no-charts",
        ],
    ));
    let text = fs::read_to_string(out.join("sweep.csv")).unwrap();
    let rows: Vec<&str> = text.lines().skip(1).collect();
    assert_eq!(rows.len(), 9);
    let rest = |line: &str| line.split_once(',').unwrap().1.to_string();
    for p in 0..3 {
        assert_eq!(rest(rows[p]), rest(rows[3 + p]), "policy {p}");
    }
    // Every point saw the same requests: the arrivals agree across all three.
    let arrived = |line: &str| line.split(',').nth(7).unwrap().to_string();
    assert!(rows.iter().all(|r| arrived(r) == arrived(rows[0])));
    assert_ne!(rest(rows[0]), rest(rows[6]));
}

#[test]
fn merge_refuses_missing_and_mismatched_shards() {
    let tmp = tempfile::tempdir().unwrap();
    let sweep = write_sweep(tmp.path(), "grid.toml", "", GRID);
    let s = sweep.to_str().unwrap();
    let out = tmp.path().join("out");
    let o = out.to_str().unwrap();
    run_ok(&mut sweep_cmd(
        tmp.path(),
        &["sweep", s, "--out", o, "--shard", "0/3"],
    ));
    run_ok(&mut sweep_cmd(
        tmp.path(),
        &["sweep", s, "--out", o, "--shard", "2/3"],
    ));
    let refused = |args: &[&str], expect: &str| {
        let r = sweep_cmd(tmp.path(), args).output().unwrap();
        let err = String::from_utf8_lossy(&r.stderr);
        assert_eq!(r.status.code(), Some(2), "{err}");
        assert!(
            err.starts_with("error: ") && err.lines().count() == 1,
            "{err}"
        );
        assert!(err.contains(expect), "{err} lacks {expect:?}");
    };
    refused(&["merge", o], "missing shard 1-of-3");
    assert!(!out.join("merged").exists());
    // Shard 1 from another sweep file (other values): not the same sweep.
    let other = tmp.path().join("other");
    fs::create_dir(&other).unwrap();
    let changed = write_sweep(&other, "grid.toml", "", &GRID.replace("[6, 8,", "[5, 8,"));
    run_ok(&mut sweep_cmd(
        tmp.path(),
        &[
            "sweep",
            changed.to_str().unwrap(),
            "--out",
            o,
            "--shard",
            "1/3",
        ],
    ));
    refused(&["merge", o], "shards from different sweeps");
    // A shard of another split.
    run_ok(&mut sweep_cmd(
        tmp.path(),
        &["sweep", s, "--out", o, "--shard", "1/2"],
    ));
    refused(&["merge", o], "different splits");
    refused(
        &["merge", tmp.path().join("nothing").to_str().unwrap()],
        "no shards",
    );
    refused(&["sweep", s, "--out", o, "--shard", "3/3"], "out of range");
    let r = sweep_cmd(tmp.path(), &["sweep", s, "--out", o])
        .env("JOB_COMPLETION_INDEX", "0")
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(2));
}

/// The `# name: value` lines at the top of a bad sweep.
fn header(text: &str, name: &str) -> Option<String> {
    text.lines()
        .take_while(|l| l.starts_with('#'))
        .find_map(|l| l.strip_prefix(&format!("# {name}:")))
        .map(|v| v.trim().to_string())
}

#[test]
fn every_bad_sweep_is_refused_cleanly() {
    let files = files_in("tests/bad_sweeps", Some("toml"));
    assert!(files.len() >= 20, "only {} bad sweeps", files.len());
    let mut failures = Vec::new();
    for file in &files {
        let text = fs::read_to_string(file).unwrap();
        let expect = header(&text, "expect").expect("every bad sweep has # expect:");
        let extra = header(&text, "args").unwrap_or_default();
        let cwd = tempfile::tempdir().unwrap();
        let out = cwd.path().join("out");
        let mut args = vec![
            "sweep",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend(extra.split_whitespace());
        let r = sweep_cmd(cwd.path(), &args).output().unwrap();
        let err = String::from_utf8_lossy(&r.stderr).into_owned();
        let mut problems = Vec::new();
        if r.status.code() != Some(2) {
            problems.push(format!("exit {:?}", r.status.code()));
        }
        if err.contains("panicked") || err.lines().count() != 1 {
            problems.push("not exactly one line on stderr".to_string());
        }
        // A bad file is named first; a bad argument is about the argument.
        let prefix = format!("error: {}", file.display());
        if extra.is_empty() && !err.starts_with(&prefix) {
            problems.push(format!("does not start with {prefix:?}"));
        }
        if !err.contains(&expect) {
            problems.push(format!("does not contain {expect:?}"));
        }
        if !r.stdout.is_empty() || fs::read_dir(cwd.path()).unwrap().next().is_some() {
            problems.push("wrote something".to_string());
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{}: {} (stderr: {err})",
                file.display(),
                problems.join("; ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
