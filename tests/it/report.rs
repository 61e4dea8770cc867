//! What an output folder tells a reader on its own: the run record (`run.toml`), the
//! scenario as run (`scenario.toml`, overrides written in, so it reproduces the run),
//! the self-contained `report.html`, and the `seed` and `fidelity` columns.

use std::fs;

use tempfile::TempDir;

use crate::common::{column, provsim, repo_file};

/// `provsim run scenarios/steady.toml --seed 7 --fidelity fluid` writes a scenario.toml
/// that says so, and running that copy gives the same results byte for byte.
#[test]
fn scenario_copy_reproduces_a_run_with_overrides() {
    let tmp = TempDir::new().unwrap();
    let cwd = tmp.path();
    provsim(cwd)
        .arg("run")
        .arg(repo_file("scenarios/steady.toml"))
        .args(["--seed", "7", "--fidelity", "fluid", "--no-charts"])
        .args(["--out", "steady-7"])
        .assert()
        .success();
    let first = cwd.join("steady-7");
    let copy = fs::read_to_string(first.join("scenario.toml")).unwrap();
    let doc: toml::Table = toml::from_str(&copy).unwrap();
    assert_eq!(doc["seed"].as_integer(), Some(7), "{copy}");
    assert_eq!(doc["fidelity"].as_str(), Some("fluid"), "{copy}");
    assert_eq!(doc["step"].as_str(), Some("1s"), "{copy}");
    // The file's comments survive the rewrite.
    let original = fs::read_to_string(repo_file("scenarios/steady.toml")).unwrap();
    let comments = |t: &str| t.lines().filter(|l| l.trim_start().starts_with('#')).count();
    assert_eq!(comments(&copy), comments(&original));

    let summary = fs::read_to_string(first.join("summary.csv")).unwrap();
    assert!(column(&summary, "seed").iter().all(|s| s == "7"), "{summary}");
    assert!(column(&summary, "fidelity").iter().all(|s| s == "fluid"));

    let record: toml::Table =
        toml::from_str(&fs::read_to_string(first.join("run.toml")).unwrap()).unwrap();
    assert_eq!(record["seed"].as_integer(), Some(7));
    assert_eq!(record["fidelity"].as_str(), Some("fluid"));
    assert_eq!(record["replications"].as_integer(), Some(1));
    assert_eq!(
        record["scenario_sha256"].as_str(),
        Some(provsim::report::sha256_hex(original.as_bytes()).as_str())
    );
    let command: Vec<&str> = record["command_line"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert!(command.ends_with(&["--out", "steady-7"]), "{command:?}");
    assert!(command.contains(&"--seed") && command.contains(&"fluid"));
    assert!(record["wall_time_s"].as_float().is_some_and(|t| t >= 0.0));
    assert!(record["provsim"].as_str().unwrap().starts_with("provsim "));

    // Again from the copy, elsewhere, with no override: the same results.
    provsim(cwd)
        .arg("run")
        .arg(first.join("scenario.toml"))
        .args(["--no-charts", "--out", "again"])
        .assert()
        .success();
    let again = cwd.join("again");
    for f in ["summary.csv", "timeseries.csv", "scenario.toml"] {
        assert!(
            fs::read(first.join(f)).unwrap() == fs::read(again.join(f)).unwrap(),
            "{f} differs when run from the copied scenario"
        );
    }
}

/// An override equal to the file's own value changes nothing in the copy; the copy of a
/// file without overrides is the file.
#[test]
fn scenario_copy_changes_only_what_was_overridden() {
    let tmp = TempDir::new().unwrap();
    let file = repo_file("scenarios/steady.toml");
    let original = fs::read_to_string(&file).unwrap();
    let seed: toml::Table = toml::from_str(&original).unwrap();
    let seed = seed["seed"].as_integer().unwrap().to_string();
    provsim(tmp.path())
        .arg("run")
        .arg(&file)
        .args(["--seed", &seed, "--replications", "1", "--no-charts"])
        .args(["--out", "same"])
        .assert()
        .success();
    let copy = fs::read_to_string(tmp.path().join("same/scenario.toml")).unwrap();
    assert_eq!(copy, original);
}
