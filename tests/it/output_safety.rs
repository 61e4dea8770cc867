//! Output folders that never strand or delete anything: a scenario read from stdin or a
//! FIFO, an interrupted run, the same multi-scenario command twice, a symbolic link as
//! `--out`, a stray marker beside the user's files, two runs on one folder at once, and
//! output paths that cannot work, refused before anything is simulated.

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::common::{entries, provsim, short_flash_crowd};

/// What a finished command must have done.
trait Outcome {
    /// Exit code 2, `expect` in its one line on stderr.
    fn refused(&self, expect: &str);
    /// Exit code 0, stdout starting with `start`.
    fn printed(&self, start: &str);
}

impl Outcome for std::process::Output {
    fn refused(&self, expect: &str) {
        let stderr = String::from_utf8_lossy(&self.stderr);
        assert_eq!(self.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(expect), "{expect:?} not in {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }

    fn printed(&self, start: &str) {
        let stdout = String::from_utf8_lossy(&self.stdout);
        assert!(
            self.status.success(),
            "{}",
            String::from_utf8_lossy(&self.stderr)
        );
        assert!(
            stdout.starts_with(start),
            "{start:?} does not start {stdout}"
        );
    }
}

/// `provsim run --no-charts --out OUT FILE` in `cwd`.
fn run_to(cwd: &Path, out: impl AsRef<std::ffi::OsStr>, file: &Path) -> std::process::Output {
    provsim(cwd)
        .args(["run", "--no-charts", "--out"])
        .arg(out)
        .arg(file)
        .output()
        .unwrap()
}

/// A short flash crowd named `name` in `dir`.
fn scenario(dir: &Path, name: &str) -> std::path::PathBuf {
    short_flash_crowd(
        dir,
        &format!("{name}.toml"),
        "20m",
        &[("name", name.into())],
    )
}

#[test]
fn a_scenario_from_stdin_runs_and_its_copy_is_the_bytes_read() {
    let tmp = tempfile::tempdir().unwrap();
    let file = scenario(tmp.path(), "piped");
    let text = fs::read_to_string(&file).unwrap();
    let out = tmp.path().join("out");
    provsim(tmp.path())
        .args(["run", "-", "--no-charts", "--out"])
        .arg(&out)
        .write_stdin(text.clone())
        .assert()
        .success();
    assert_eq!(fs::read_to_string(out.join("scenario.toml")).unwrap(), text);
    assert!(out.join("summary.csv").is_file());
    provsim(tmp.path())
        .args(["validate", "-"])
        .write_stdin(text)
        .output()
        .unwrap()
        .printed("ok: piped");
}

#[test]
fn a_scenario_without_a_name_takes_a_safe_one_from_its_file() {
    let tmp = tempfile::tempdir().unwrap();
    let file = scenario(tmp.path(), "x");
    let text = fs::read_to_string(&file)
        .unwrap()
        .replace("name = \"x\"\n", "");
    fs::write(tmp.path().join("my scenario.toml"), text).unwrap();
    provsim(tmp.path())
        .args(["validate", "my scenario.toml"])
        .output()
        .unwrap()
        .printed("ok: my-scenario");
}

#[cfg(unix)]
#[test]
fn a_scenario_from_a_fifo_is_read_once() {
    let tmp = tempfile::tempdir().unwrap();
    let file = scenario(tmp.path(), "fifo");
    let text = fs::read_to_string(&file).unwrap();
    let fifo = tmp.path().join("s.toml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let writer = {
        let (fifo, text) = (fifo.clone(), text.clone());
        std::thread::spawn(move || fs::write(fifo, text).unwrap())
    };
    let out = tmp.path().join("out");
    provsim(tmp.path())
        .args(["run", "--no-charts", "--out"])
        .arg(&out)
        .arg(&fifo)
        .timeout(Duration::from_secs(120))
        .assert()
        .success();
    writer.join().unwrap();
    assert_eq!(fs::read_to_string(out.join("scenario.toml")).unwrap(), text);
}

#[test]
fn the_same_multi_scenario_command_runs_twice() {
    let tmp = tempfile::tempdir().unwrap();
    let a = scenario(tmp.path(), "a");
    let b = scenario(tmp.path(), "b");
    let out = tmp.path().join("both");
    for _ in 0..2 {
        provsim(tmp.path())
            .args(["run", "--no-charts", "--out"])
            .arg(&out)
            .arg(&a)
            .arg(&b)
            .assert()
            .success();
        assert_eq!(entries(&out), [".provsim-output", "a", "b"]);
    }
    assert_eq!(entries(tmp.path()), ["a.toml", "b.toml", "both"]);
    // `validate` refuses two files with one name, as `run` does.
    let twin = tmp.path().join("twin");
    fs::create_dir(&twin).unwrap();
    fs::copy(&a, twin.join("a.toml")).unwrap();
    provsim(tmp.path())
        .arg("validate")
        .arg(&a)
        .arg(twin.join("a.toml"))
        .output()
        .unwrap()
        .refused("two scenarios are named \"a\"");
}

#[cfg(unix)]
#[test]
fn a_symlinked_out_writes_into_its_target_and_stays_a_link() {
    let tmp = tempfile::tempdir().unwrap();
    let file = scenario(tmp.path(), "s");
    let target = tmp.path().join("real");
    fs::create_dir(&target).unwrap();
    let link = tmp.path().join("link");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    for _ in 0..2 {
        assert!(run_to(tmp.path(), &link, &file).status.success());
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert!(target.join("summary.csv").is_file());
    }
    let dangling = tmp.path().join("dangling");
    std::os::unix::fs::symlink(tmp.path().join("nowhere"), &dangling).unwrap();
    run_to(tmp.path(), &dangling, &file).refused("symbolic link");
}

#[test]
fn a_stray_marker_never_costs_the_users_files() {
    let tmp = tempfile::tempdir().unwrap();
    let file = scenario(tmp.path(), "s");
    let thesis = tmp.path().join("thesis");
    fs::create_dir(&thesis).unwrap();
    fs::write(thesis.join(".provsim-output"), "stray\n").unwrap();
    fs::write(thesis.join("thesis.tex"), "\\documentclass{book}").unwrap();
    run_to(tmp.path(), &thesis, &file).refused("thesis.tex");
    assert_eq!(entries(&thesis), [".provsim-output", "thesis.tex"]);
    // A file the user adds to a real output folder is kept the same way.
    let out = tmp.path().join("out");
    assert!(run_to(tmp.path(), &out, &file).status.success());
    fs::write(out.join("notes.md"), "mine").unwrap();
    run_to(tmp.path(), &out, &file).refused("");
    assert_eq!(fs::read_to_string(out.join("notes.md")).unwrap(), "mine");
}

#[test]
fn unusable_output_paths_are_refused_before_anything_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let file = scenario(tmp.path(), "s");
    fs::write(tmp.path().join("output"), "a file").unwrap();
    let long = "x".repeat(256);
    let cases = [
        ("output/s", "not a directory"),
        ("output", "not a directory"),
        (long.as_str(), "at most 255"),
    ];
    for (out, expect) in cases {
        let started = Instant::now();
        provsim(tmp.path())
            .args(["run", "--no-charts", "--out", out])
            .arg(&file)
            .output()
            .unwrap()
            .refused(expect);
        assert!(started.elapsed() < Duration::from_secs(5), "{out}");
    }
    // A 245-byte name is fine: its hidden staging name is cut to fit.
    let name = "y".repeat(245);
    provsim(tmp.path())
        .args(["run", "--no-charts", "--out", &name])
        .arg(&file)
        .assert()
        .success();
    assert!(tmp.path().join(&name).join("summary.csv").is_file());
    assert_eq!(entries(tmp.path()), ["output", "s.toml", &name]);
}

#[cfg(unix)]
#[test]
fn a_read_only_folder_is_refused_before_anything_runs() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let file = scenario(tmp.path(), "s");
    let ro = tmp.path().join("ro");
    fs::create_dir(&ro).unwrap();
    fs::set_permissions(&ro, fs::Permissions::from_mode(0o555)).unwrap();
    if fs::write(ro.join("probe"), "").is_ok() {
        eprintln!("note: skipping the read-only case: this user (root?) writes anywhere");
        return;
    }
    run_to(tmp.path(), ro.join("out"), &file).refused("Permission denied");
}

/// A run of 2 h with charts: long enough to interrupt or to race.
fn slow_scenario(dir: &Path) -> std::path::PathBuf {
    short_flash_crowd(dir, "slow.toml", "3h", &[("name", "slow".into())])
}

/// Waits until `dir` holds an entry whose name contains `part`.
fn wait_for(dir: &Path, part: &str) -> bool {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        if entries(dir).iter().any(|e| e.contains(part)) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

#[cfg(unix)]
#[test]
fn an_interrupted_run_leaves_nothing_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let file = slow_scenario(tmp.path());
    let results = tmp.path().join("results");
    fs::create_dir(&results).unwrap();
    for signal in ["INT", "TERM"] {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("provsim"))
            .current_dir(tmp.path())
            .args(["run", "--out"])
            .arg(results.join("slow"))
            .arg(&file)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        assert!(
            wait_for(&results, ".partial-"),
            "no staging folder appeared"
        );
        std::thread::sleep(Duration::from_millis(300));
        let killed = std::process::Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(child.id().to_string())
            .status()
            .unwrap();
        assert!(killed.success());
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(130), "SIG{signal}");
        assert_eq!(entries(&results), Vec::<String>::new(), "SIG{signal}");
    }
}

#[cfg(unix)]
#[test]
fn a_stale_staging_folder_of_a_dead_run_is_removed() {
    let tmp = tempfile::tempdir().unwrap();
    let file = scenario(tmp.path(), "s");
    let stale = tmp.path().join(".out.partial-999999999");
    fs::create_dir(&stale).unwrap();
    fs::write(stale.join(".provsim-staging"), "").unwrap();
    fs::write(stale.join("summary.csv"), "half").unwrap();
    // Not provsim's (no tag): left alone.
    let other = tmp.path().join(".out.partial-12");
    fs::create_dir(&other).unwrap();
    provsim(tmp.path())
        .args(["run", "--no-charts", "--out", "out"])
        .arg(&file)
        .assert()
        .success();
    assert_eq!(entries(tmp.path()), [".out.partial-12", "out", "s.toml"]);
}

#[test]
fn a_second_run_on_the_same_folder_fails_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let file = slow_scenario(tmp.path());
    let out = tmp.path().join("out");
    let mut first = std::process::Command::new(assert_cmd::cargo::cargo_bin("provsim"))
        .current_dir(tmp.path())
        .args(["run", "--out"])
        .arg(&out)
        .arg(&file)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    assert!(wait_for(tmp.path(), ".out.lock"), "no lock file appeared");
    let started = Instant::now();
    provsim(tmp.path())
        .args(["run", "--out"])
        .arg(&out)
        .arg(&file)
        .output()
        .unwrap()
        .refused("being written by another provsim run");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(first.wait().unwrap().success());
    assert!(out.join("summary.csv").is_file());
    assert_eq!(entries(tmp.path()), ["out", "slow.toml"]);
}
