//! Helpers more than one topic uses: the `provsim` command run in a folder, the shipped
//! and the broken scenario files, short copies of the shipped flash crowd, snapshots and
//! listings of output folders, CSV columns, one-policy runs, and the spiky traffic and
//! autoscale policies the autoscaling topics share.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

use provsim::scenario;
use provsim::simulation::{PolicyOutcome, run_quiet};

/// The repository root, where `Cargo.toml` is.
pub const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");

/// The folder of broken scenario files (one defect each), relative to [`MANIFEST_DIR`].
pub const BAD_SCENARIOS: &str = "tests/bad_scenarios";

/// `rel` (a path relative to the repository root) as a full path.
pub fn repo_file(rel: &str) -> PathBuf {
    Path::new(MANIFEST_DIR).join(rel)
}

/// `provsim` with `cwd` as its working folder and no `RUST_BACKTRACE`.
pub fn provsim(cwd: &Path) -> Command {
    let mut cmd = Command::cargo_bin("provsim").unwrap();
    cmd.current_dir(cwd).env_remove("RUST_BACKTRACE");
    cmd
}

/// The files of the repository folder `dir`, sorted; only those ending in `.ext` if
/// `ext` is given.
pub fn files_in(dir: &str, ext: Option<&str>) -> Vec<PathBuf> {
    let dir = repo_file(dir);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && ext.is_none_or(|x| p.extension().is_some_and(|e| e == x)))
        .collect();
    files.sort();
    files
}

/// The shipped scenarios, `scenarios/*.toml`, sorted.
pub fn shipped_scenarios() -> Vec<PathBuf> {
    let files = files_in("scenarios", Some("toml"));
    assert!(!files.is_empty(), "no scenarios/*.toml");
    files
}

/// The shipped flash-crowd scenario (its spike starts at 2 h).
pub fn flash_crowd() -> PathBuf {
    repo_file("scenarios/flash-crowd.toml")
}

/// The shipped flash-crowd scenario cut to `horizon`, with the top-level `fields` set
/// (another `name`, a `replications` count), written into `dir` as `file`: same format,
/// a fraction of the run time in debug builds.
pub fn short_flash_crowd(
    dir: &Path,
    file: &str,
    horizon: &str,
    fields: &[(&str, toml_edit::Value)],
) -> PathBuf {
    let text = fs::read_to_string(flash_crowd()).unwrap();
    let mut doc: toml_edit::DocumentMut = text.parse().unwrap();
    doc["horizon"] = toml_edit::value(horizon);
    for (key, value) in fields {
        doc[*key] = toml_edit::value(value.clone());
    }
    let path = dir.join(file);
    fs::write(&path, doc.to_string()).unwrap();
    path
}

/// Every file under `dir` (relative path → bytes).
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap().to_path_buf();
                out.insert(rel, fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Names in `dir`, sorted.
pub fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The column names of a CSV file (its first line).
pub fn header(csv: &str) -> Vec<&str> {
    csv.lines().next().unwrap_or("").split(',').collect()
}

/// The values of one column of a CSV file, by header name.
pub fn column(csv: &str, name: &str) -> Vec<String> {
    let cols = header(csv);
    let i = cols
        .iter()
        .position(|c| *c == name)
        .unwrap_or_else(|| panic!("no column {name}"));
    csv.lines()
        .skip(1)
        .map(|l| l.split(',').nth(i).unwrap().to_string())
        .collect()
}

/// Runs the scenario `text` (as file `<name>.toml`) and returns its first policy's
/// outcome, once every request is accounted for: arrived = served + dropped + still in
/// the system at the end.
pub fn run_first(text: &str, name: &str) -> PolicyOutcome {
    let s = scenario::parse(text, &format!("{name}.toml"), name)
        .unwrap_or_else(|e| panic!("invalid scenario: {e}\n{text}"));
    let out = run_quiet(&s).policies.remove(0);
    let sum = &out.summary;
    assert_eq!(
        sum.arrived,
        sum.served + sum.dropped + sum.in_system_at_end,
        "{name}: conservation"
    );
    out
}

/// The traffic the autoscaling topics chase: 3 h at 100 req/s × 100 ms = 10 busy slots
/// (8 per server); from 1 h the rate rises to × 4 over 5 min and holds 20 min: 40 busy
/// slots, 5 servers flat out, about 9 at 60 % utilisation. Sampled every minute, in the
/// fluid fidelity if `fluid`, with an SLO if `slo` is given; policies go after it.
pub fn spike_traffic(seed: u64, fluid: bool, slo: Option<&str>) -> String {
    let fidelity = if fluid { "fidelity = \"fluid\"\n" } else { "" };
    let slo = slo.map_or(String::new(), |slo| format!("slo = \"{slo}\"\n"));
    format!(
        r#"
horizon = "3h"
seed = {seed}
{fidelity}sample_every = "1m"
[service]
service_time = {{ distribution = "exponential", mean = "100ms" }}
slots_per_server = 8
queue_limit = 2000
{slo}[workload]
base_rate = 100.0
[[workload.shape]]
type = "spike"
start = "1h"
ramp_up = "5m"
hold = "20m"
ramp_down = "5m"
factor = 4.0
"#
    )
}

/// A `[[policy]]` of type `autoscale` with `(min, max, initial)` servers that boot in
/// 90 s, scaled by `scaling` (a TOML inline table), billed as AWS Linux at $0.384/h, and
/// the keys of `extra` (limits, warmup, schedules…).
pub fn autoscale_policy(
    name: &str,
    (min, max, initial): (u32, u32, u32),
    scaling: &str,
    extra: &str,
) -> String {
    format!(
        r#"[[policy]]
name = "{name}"
type = "autoscale"
min = {min}
max = {max}
initial = {initial}
boot_time = "90s"
scaling = {scaling}
billing = {{ preset = "aws-linux", price_per_hour = 0.384 }}
{extra}
"#
    )
}

/// A parsed CSV file: header and rows of cells.
pub(crate) struct Csv {
    pub(crate) header: Vec<String>,
    pub(crate) rows: Vec<Vec<String>>,
}

impl Csv {
    pub(crate) fn read(path: &Path) -> Csv {
        let mut r = csv::Reader::from_path(path).unwrap();
        let header = r.headers().unwrap().iter().map(String::from).collect();
        let rows = r
            .records()
            .map(|rec| rec.unwrap().iter().map(String::from).collect())
            .collect();
        Csv { header, rows }
    }

    pub(crate) fn col(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {:?}", self.header))
    }

    pub(crate) fn num(&self, row: usize, name: &str) -> f64 {
        self.rows[row][self.col(name)].parse().unwrap()
    }

    pub(crate) fn text(&self, row: usize, name: &str) -> &str {
        &self.rows[row][self.col(name)]
    }
}
