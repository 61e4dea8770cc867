//! Hostile input: broken, absurd and random scenario files must be refused with one clear
//! line on stderr and exit code 2, never a panic, and never leave anything on disk.
//!
//! - Every file in `tests/bad_scenarios/` holds one defect. Its first line may be
//!   `# expect: <substring>`: the error message (after `error: <file>`) must contain it,
//!   so the message names the problem (usually the field).
//! - A directory, an unreadable file and a missing file as the scenario.
//! - Property tests: random bytes, random TOML-ish text and random mutations of valid
//!   scenarios go through `scenario::parse`, which must return `Ok` or `Err`, never panic;
//!   what parses and is small enough is simulated too.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use proptest::prelude::*;
use proptest::sample::Index;

use provsim::engine::Time;
use provsim::scenario::{PolicyKind, Scenario};

use crate::common::{BAD_SCENARIOS, entries, files_in, flash_crowd, shipped_scenarios};

/// Generous: a bad scenario must fail in milliseconds; this only stops a runaway run.
const TIMEOUT: Duration = Duration::from_secs(60);
/// What refusing a bad input may take: wall time and peak resident memory.
const MAX_REFUSAL_TIME: Duration = Duration::from_secs(2);
const MAX_REFUSAL_RSS_KB: u64 = 100_000;
/// GNU time, to measure a refusal's peak resident memory (the check is skipped without).
const GNU_TIME: &str = "/usr/bin/time";

/// The `# expect: ...` of a bad scenario's first line, if it has one.
fn expectation(bytes: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(bytes);
    let first = text.lines().next()?;
    let expect = first.strip_prefix("# expect:")?.trim();
    (!expect.is_empty()).then(|| expect.to_string())
}

/// `provsim ARGS` in `cwd`. On Unix the address space is capped at 1 GB, so a hostile
/// file that slips through validation and asks for absurd memory fails (and is reported)
/// instead of taking the machine down; with `rss`, GNU time writes the peak resident
/// memory (KB) there.
fn capped_provsim(cwd: &Path, args: &[&std::ffi::OsStr], rss: Option<&Path>) -> Command {
    let bin = assert_cmd::cargo::cargo_bin("provsim");
    let mut cmd = if cfg!(unix) {
        let mut c = Command::new("sh");
        match rss {
            Some(file) if Path::new(GNU_TIME).exists() => {
                c.arg("-c")
                    .arg(format!(
                        "ulimit -v 1000000 2>/dev/null; exec {GNU_TIME} -f %M -o \"$RSS\" \"$0\" \"$@\""
                    ))
                    .env("RSS", file);
            }
            _ => {
                c.arg("-c")
                    .arg("ulimit -v 1000000 2>/dev/null; exec \"$0\" \"$@\"");
            }
        }
        c.arg(bin);
        c
    } else {
        Command::cargo_bin("provsim").unwrap()
    };
    cmd.args(args)
        .current_dir(cwd)
        .env_remove("RUST_BACKTRACE")
        .timeout(TIMEOUT);
    cmd
}

/// Runs `provsim run SCENARIO --out <cwd>/out` and `provsim validate SCENARIO` in a fresh
/// temporary folder and lists every way they fail to refuse the input cleanly.
fn refusal_problems(scenario: &Path, expect: &[&str]) -> Vec<String> {
    let cwd = tempfile::tempdir().unwrap();
    let out = cwd.path().join("out");
    let measured = tempfile::tempdir().unwrap();
    let rss = measured.path().join("rss");
    let started = std::time::Instant::now();
    let run = capped_provsim(
        cwd.path(),
        &[
            "run".as_ref(),
            scenario.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ],
        Some(&rss),
    )
    .output()
    .unwrap();
    let took = started.elapsed();
    let mut problems = Vec::new();
    if took > MAX_REFUSAL_TIME {
        problems.push(format!("took {took:?}, more than {MAX_REFUSAL_TIME:?}"));
    }
    if let Some(kb) = peak_rss_kb(&rss)
        && kb > MAX_REFUSAL_RSS_KB
    {
        problems.push(format!(
            "peak resident memory {kb} KB, more than {MAX_REFUSAL_RSS_KB} KB"
        ));
    }
    let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
    let stdout = String::from_utf8_lossy(&run.stdout).into_owned();
    match run.status.code() {
        Some(2) => {}
        Some(code) => problems.push(format!("exit code {code}, expected 2")),
        None => problems.push(format!(
            "killed by a signal ({:?}): crash or abort",
            run.status
        )),
    }
    if stderr.contains("panicked") {
        problems.push("panicked".into());
    }
    if stderr.lines().count() != 1 || !stderr.ends_with('\n') {
        problems.push(format!(
            "stderr is {} lines, expected exactly one",
            stderr.lines().count()
        ));
    }
    let prefix = format!("error: {}", scenario.display());
    match stderr.strip_prefix(&prefix) {
        None => problems.push(format!("stderr does not start with {prefix:?}")),
        Some(rest) => {
            for e in expect {
                if !rest.to_lowercase().contains(&e.to_lowercase()) {
                    problems.push(format!("message does not contain {e:?}"));
                }
            }
        }
    }
    if !stdout.is_empty() {
        problems.push(format!("wrote to stdout: {:?}", first_chars(&stdout)));
    }
    let left = entries(cwd.path());
    if !left.is_empty() {
        problems.push(format!("left files behind in the working folder: {left:?}"));
    }
    // `validate` must refuse it with the very same line.
    let validate = capped_provsim(
        cwd.path(),
        &["validate".as_ref(), scenario.as_os_str()],
        None,
    )
    .output()
    .unwrap();
    if validate.status.code() != Some(2) || validate.stderr != run.stderr {
        problems.push(format!(
            "`validate` disagrees: exit {:?}, stderr {:?}",
            validate.status.code(),
            first_chars(&String::from_utf8_lossy(&validate.stderr))
        ));
    }
    if !problems.is_empty() {
        problems.push(format!("stderr was: {:?}", first_chars(&stderr)));
    }
    problems
}

/// The peak resident memory GNU time wrote to `file` (its last line), in KB.
fn peak_rss_kb(file: &Path) -> Option<u64> {
    fs::read_to_string(file)
        .ok()?
        .lines()
        .last()?
        .trim()
        .parse()
        .ok()
}

fn first_chars(s: &str) -> String {
    s.chars().take(400).collect()
}

pub(crate) fn assert_refused(scenario: &Path, expect: &[&str]) {
    let problems = refusal_problems(scenario, expect);
    assert!(
        problems.is_empty(),
        "{}:\n  {}",
        scenario.display(),
        problems.join("\n  ")
    );
}

#[test]
fn every_bad_scenario_is_refused_cleanly() {
    let files = files_in(BAD_SCENARIOS, None);
    assert!(files.len() >= 35, "only {} bad scenarios", files.len());
    assert_all_refused(&files, "bad scenarios");
}

/// Every scenario of `tests/bad_traces/` points at a broken trace in its `data/` folder
/// (missing, truncated, garbage, out of order, …): refused like a bad field, naming the
/// trace file and line where there is one.
#[test]
fn every_bad_trace_is_refused_cleanly() {
    let files = files_in("tests/bad_traces", Some("toml"));
    assert!(files.len() >= 15, "only {} bad traces", files.len());
    assert_all_refused(&files, "bad traces");
}

fn assert_all_refused(files: &[PathBuf], what: &str) {
    let mut failures = Vec::new();
    for file in files {
        let expect = expectation(&fs::read(file).unwrap());
        let expect: Vec<&str> = expect.iter().map(String::as_str).collect();
        let problems = refusal_problems(file, &expect);
        if !problems.is_empty() {
            let name = file.file_name().unwrap().to_string_lossy();
            failures.push(format!("{name}:\n    {}", problems.join("\n    ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} {what} were not refused cleanly:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

#[test]
fn a_directory_is_not_a_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("looks-like.toml");
    fs::create_dir(&scenario).unwrap();
    assert_refused(&scenario, &["directory"]);
}

#[test]
fn a_missing_file_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("no-such-scenario.toml");
    assert_refused(&scenario, &["no such file"]);
}

#[cfg(unix)]
#[test]
fn an_unreadable_file_is_reported() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("secret.toml");
    fs::copy(flash_crowd(), &scenario).unwrap();
    fs::set_permissions(&scenario, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::read(&scenario).is_ok() {
        eprintln!(
            "note: skipping the unreadable-file case: this user (root?) can read a chmod 000 file"
        );
        return;
    }
    assert_refused(&scenario, &["permission denied"]);
}

// ---------------------------------------------------------------------------------------
// Property tests on the parser (and the simulator, for what parses and is small)
// ---------------------------------------------------------------------------------------

/// Valid scenarios that use every shape, distribution and policy type, short enough to
/// simulate in a property test.
const KITCHEN_SINK_A: &str = r#"
name = "sink-a"
horizon = "20m"
seed = 3
sample_every = "30s"

[service]
service_time = { distribution = "lognormal", mean = "200ms", cv = 1.5 }
slots_per_server = 4
queue_limit = 50
slo = "400ms"

[workload]
base_rate = 2.0

[[workload.shape]]
type = "spike"
start = "5m"
ramp_up = "1m"
hold = "2m"
decay = "3m"
factor = 4.0

[[workload.shape]]
type = "step"
at = "12m"
until = "15m"
factor = 0.5

[[workload.shape]]
type = "diurnal"
amplitude = 0.5
period = "10m"
peak_at = "2m"

[[policy]]
name = "own"
type = "fixed"
servers = 2
cost = { capex_per_server = 6000.0, amortization = "4y", watts = 300.0, pue = 1.2, price_per_kwh = 0.1, ops_per_server_month = 50.0 }

[[policy]]
name = "lease"
type = "lease"
servers = 1
term = "7m"
price_per_server_term = 20.0
setup_fee_per_server = 5.0

[[policy]]
name = "cloud"
type = "autoscale"
min = 1
max = 5
initial = 1
boot_time = "30s"
scaling = { type = "target-tracking", target = 0.5, period = "30s", scale_out_periods = 1, scale_in_periods = 2, warmup = "10s" }
billing = { price_per_hour = 0.4, minimum = "60s", granularity = "10s" }
"#;

const KITCHEN_SINK_B: &str = r#"
horizon = "15m"
sample_every = "1m"

[service]
service_time = { distribution = "constant", value = "50ms" }
slots_per_server = 1
queue_limit = 0

[workload]
base_rate = 3.0

[[workload.shape]]
type = "profile"
period = "5m"
points = [0.0, 1.0, 4.0, 2.0]
interpolate = "step"
offset = "1m"

[[workload.shape]]
type = "growth"
factor = 2.0
per = "10m"

[[workload.shape]]
type = "spike"
start = "3m"
ramp_up = "0s"
hold = "1m"
ramp_down = "2m"
factor = 0.0

[[policy]]
name = "cloud"
type = "autoscale"
min = 1
max = 3
boot_time = "0s"
scaling = { type = "target-tracking", target = 1.0 }
billing = { price_per_hour = 0.0 }
"#;

/// What the mutations start from: the shipped scenarios.
fn shipped() -> &'static [String] {
    static SHIPPED: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    SHIPPED.get_or_init(|| {
        shipped_scenarios()
            .iter()
            .map(|p| fs::read_to_string(p).unwrap())
            .collect()
    })
}

#[test]
fn kitchen_sinks_are_valid_and_run() {
    for text in [KITCHEN_SINK_A, KITCHEN_SINK_B] {
        let s = provsim::scenario::parse(text, "sink.toml", "sink").unwrap();
        assert!(is_small(&s));
        check_run(&s);
    }
}

/// Few enough events that simulating it in a property test is quick.
fn is_small(s: &Scenario) -> bool {
    let horizon_s = s.horizon as f64 / 1e6;
    let peak = provsim::workload::RateFunction::new(&s.workload).max_over(0, s.horizon);
    let per = |t: Time| s.horizon / t.max(1);
    let slots = u64::from(s.service.slots_per_server);
    horizon_s * s.workload.base_rate <= 20_000.0
        && horizon_s * peak <= 20_000.0
        && per(s.sample_every) <= 10_000
        && s.policies.iter().all(|p| match &p.kind {
            PolicyKind::Fixed(f) => u64::from(f.servers) * slots <= 100_000,
            PolicyKind::Lease(l) => u64::from(l.servers) * slots <= 100_000,
            PolicyKind::Autoscale(a) => {
                u64::from(a.max) * slots <= 100_000 && per(a.scaling.period()) <= 10_000
            }
            PolicyKind::Containers(c) => {
                u64::from(c.pods.max) * u64::from(c.pods.slots) <= 100_000
                    && per(c.scaling.period()) <= 10_000
                    && per(10_000_000) <= 10_000
                    && c.nodes.max <= 10_000
            }
            PolicyKind::Hybrid(h) => {
                let base = match &*h.base {
                    PolicyKind::Fixed(f) => f.servers,
                    PolicyKind::Lease(l) => l.servers,
                    _ => 0,
                };
                u64::from(base + h.burst.max) * slots <= 100_000
                    && per(h.burst.scaling.period()) <= 10_000
            }
            PolicyKind::Functions(f) => {
                u64::from(f.concurrency_limit) * u64::from(f.concurrency) <= 1_000_000
            }
        })
}

fn check_run(s: &Scenario) {
    let outcome = provsim::simulation::run_quiet(s);
    assert_eq!(outcome.policies.len(), s.policies.len());
    for p in &outcome.policies {
        let m = &p.summary;
        assert_eq!(
            m.arrived,
            m.served + m.dropped + m.in_system_at_end,
            "conservation broken"
        );
    }
}

const NUMBERS: &[&str] = &[
    "-1",
    "0",
    "1",
    "2",
    "0.5",
    "0.999",
    "-0.0",
    "1e-9",
    "1e308",
    "-1e308",
    "1e-320",
    "nan",
    "inf",
    "-inf",
    "100000",
    "1000000",
    "4294967296",
    "9223372036854775807",
    "18446744073709551616",
    "1_000",
    "0x10",
    "007",
];

/// Values to put where a scenario has any value: the numbers above and durations.
const VALUES: &[&str] = &[
    "\"0s\"",
    "\"1us\"",
    "\"1ms\"",
    "\"1s\"",
    "\"90s\"",
    "\"10m\"",
    "\"7d\"",
    "\"100years\"",
    "\"101years\"",
    "\"-1s\"",
    "\"\"",
    "0",
    "1",
    "0.5",
    "-1",
    "1e308",
    "nan",
    "18446744073709551616",
];

/// Horizons short enough that every shipped scenario becomes cheap to simulate.
const SHORT_HORIZONS: &[&str] = &["1us", "1ms", "999ms", "1s", "59s", "1m", "2m"];

#[derive(Debug, Clone)]
enum Mutation {
    /// Delete `len` bytes at a position.
    DeleteRange(Index, usize),
    DuplicateLine(Index),
    /// Replace the n-th number (a run of digits, maybe with `.`/`e`) by another.
    ReplaceNumber(Index, &'static str),
    /// Replace the value of the n-th `key = value` (inline tables included).
    ReplaceValue(Index, &'static str),
    SwapLines(Index, Index),
    Truncate(Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        1 => (any::<Index>(), 1usize..40).prop_map(|(i, n)| Mutation::DeleteRange(i, n)),
        1 => any::<Index>().prop_map(Mutation::DuplicateLine),
        2 => (any::<Index>(), prop::sample::select(NUMBERS))
            .prop_map(|(i, n)| Mutation::ReplaceNumber(i, n)),
        3 => (any::<Index>(), prop::sample::select(VALUES))
            .prop_map(|(i, v)| Mutation::ReplaceValue(i, v)),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        1 => any::<Index>().prop_map(Mutation::Truncate),
    ]
}

/// Byte ranges of the numbers in `text` (digits, `.`, `_` and exponents).
fn numbers(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let start = i;
            while i < b.len()
                && (b[i].is_ascii_digit()
                    || b[i] == b'.'
                    || b[i] == b'_'
                    || ((b[i] == b'e' || b[i] == b'E')
                        && b.get(i + 1)
                            .is_some_and(|c| c.is_ascii_digit() || *c == b'-')))
            {
                i += 1;
            }
            out.push((start, i));
        } else {
            i += 1;
        }
    }
    out
}

/// Byte ranges of the values of `key = value` pairs outside comments: up to the end of
/// the line, a `,` or a `}` (so inline-table entries count one by one).
fn values(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let code = line.split('#').next().unwrap_or("");
        let b = code.as_bytes();
        let mut i = 0;
        while let Some(eq) = code[i..].find(" = ").map(|p| p + i) {
            let start = eq + 3;
            if b.get(start) == Some(&b'{') {
                i = start + 1;
                continue;
            }
            let mut end = start;
            let mut in_string = false;
            while end < b.len() {
                match b[end] {
                    b'"' => in_string = !in_string,
                    b',' | b'}' | b'\n' | b'\r' if !in_string => break,
                    _ => {}
                }
                end += 1;
            }
            let trimmed = code[start..end].trim_end().len();
            out.push((line_start + start, line_start + start + trimmed));
            i = end;
        }
        line_start += line.len();
    }
    out
}

fn apply(text: &str, m: &Mutation) -> String {
    let mut bytes = text.as_bytes().to_vec();
    let lines = || -> Vec<String> { text.lines().map(str::to_string).collect() };
    let mut replace = |found: Vec<(usize, usize)>, at: &Index, with: &str| {
        if !found.is_empty() {
            let (s, e) = found[at.index(found.len())];
            bytes.splice(s..e, with.bytes());
        }
    };
    match m {
        Mutation::DeleteRange(at, len) => {
            if !text.is_empty() {
                let start = at.index(text.len());
                let end = (start + len).min(text.len());
                bytes.drain(start..end);
            }
        }
        Mutation::Truncate(at) => {
            if !text.is_empty() {
                bytes.truncate(at.index(text.len()));
            }
        }
        Mutation::DuplicateLine(at) => {
            let mut l = lines();
            if !l.is_empty() {
                let i = at.index(l.len());
                l.insert(i, l[i].clone());
            }
            return l.join("\n");
        }
        Mutation::SwapLines(a, b) => {
            let mut l = lines();
            if !l.is_empty() {
                let (i, j) = (a.index(l.len()), b.index(l.len()));
                l.swap(i, j);
            }
            return l.join("\n");
        }
        Mutation::ReplaceNumber(at, with) => replace(numbers(text), at, with),
        Mutation::ReplaceValue(at, with) => replace(values(text), at, with),
    }
    // Byte surgery may split a multi-byte character (the scenarios have `×`, `≈`, `–`).
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn mutation_helpers_find_what_they_should() {
    let text = "a = 1.5e3 # 7\nb = { c = \"9s\", d = [1, 2] }\n";
    let nums: Vec<&str> = numbers(text).iter().map(|&(s, e)| &text[s..e]).collect();
    assert_eq!(nums, ["1.5e3", "7", "9", "1", "2"]);
    let vals: Vec<&str> = values(text).iter().map(|&(s, e)| &text[s..e]).collect();
    assert_eq!(vals, ["1.5e3", "\"9s\"", "[1"]);
    assert_eq!(values("horizon = \"6h\"  # six\n"), [(10, 14)]);
}

/// Keys, headers and values the scenario format uses, to build TOML-ish random text that
/// gets past the TOML parser more often than random bytes do.
fn tomlish_line() -> impl Strategy<Value = String> {
    const HEADERS: &[&str] = &[
        "[service]",
        "[workload]",
        "[[workload.shape]]",
        "[[policy]]",
        "[policy]",
        "[service.service_time]",
        "[[policy.cost]]",
    ];
    const KEYS: &[&str] = &[
        "name",
        "description",
        "horizon",
        "seed",
        "sample_every",
        "service_time",
        "slots_per_server",
        "queue_limit",
        "slo",
        "base_rate",
        "type",
        "start",
        "ramp_up",
        "hold",
        "ramp_down",
        "decay",
        "factor",
        "at",
        "until",
        "amplitude",
        "period",
        "peak_at",
        "points",
        "interpolate",
        "offset",
        "per",
        "servers",
        "cost",
        "term",
        "price_per_server_term",
        "setup_fee_per_server",
        "min",
        "max",
        "initial",
        "boot_time",
        "scaling",
        "billing",
        "policy",
        "shape",
    ];
    const VALUES: &[&str] = &[
        "\"1h\"",
        "\"1s\"",
        "\"1us\"",
        "\"0s\"",
        "\"100years\"",
        "\"-5m\"",
        "\"fixed\"",
        "\"lease\"",
        "\"autoscale\"",
        "\"spike\"",
        "\"step\"",
        "\"diurnal\"",
        "\"profile\"",
        "\"growth\"",
        "\"linear\"",
        "\"x/../y\"",
        "\"\"",
        "0",
        "1",
        "-1",
        "3.5",
        "nan",
        "inf",
        "1e308",
        "18446744073709551616",
        "true",
        "[]",
        "[0.0, 1.0]",
        "[nan]",
        "{ distribution = \"exponential\", mean = \"100ms\" }",
        "{ distribution = \"lognormal\", mean = \"1s\", cv = 20.0 }",
        "{ type = \"target-tracking\", target = 0.6 }",
        "{ price_per_hour = 1.0, minimum = \"0s\", granularity = \"1h\" }",
        "{ capex_per_server = 1.0, amortization = \"1s\" }",
        "{}",
        "1979-05-27T07:32:00Z",
    ];
    prop_oneof![
        prop::sample::select(HEADERS).prop_map(str::to_string),
        (prop::sample::select(KEYS), prop::sample::select(VALUES))
            .prop_map(|(k, v)| format!("{k} = {v}")),
    ]
}

/// Property-test cases: `default`, or `PROVSIM_FUZZ_CASES` to fuzz longer.
fn fuzz_cases(default: u32) -> u32 {
    std::env::var("PROVSIM_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: fuzz_cases(512),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = provsim::scenario::parse(&text, "fuzz.toml", "fuzz");
    }

    #[test]
    fn random_tomlish_text_never_panics(lines in prop::collection::vec(tomlish_line(), 0..40)) {
        let text = lines.join("\n");
        if let Ok(s) = provsim::scenario::parse(&text, "fuzz.toml", "fuzz")
            && is_small(&s)
        {
            check_run(&s);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: fuzz_cases(1500),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Mutations of the shipped scenarios (optionally cut to a short horizon so they are
    /// cheap to simulate) and of the kitchen sinks.
    #[test]
    fn mutated_scenarios_never_panic(
        pick in any::<Index>(),
        short in prop::option::of(prop::sample::select(SHORT_HORIZONS)),
        mutations in prop::collection::vec(mutation(), 0..4),
    ) {
        let shipped = shipped();
        let n = shipped.len() + 2;
        let mut text = match pick.index(n) {
            i if i < shipped.len() => shipped[i].clone(),
            i if i == shipped.len() => KITCHEN_SINK_A.to_string(),
            _ => KITCHEN_SINK_B.to_string(),
        };
        if let Some(h) = short {
            let mut doc: toml_edit::DocumentMut = text.parse().unwrap();
            doc["horizon"] = toml_edit::value(h);
            doc["sample_every"] = toml_edit::value(h);
            text = doc.to_string();
        }
        for m in &mutations {
            text = apply(&text, m);
        }
        match provsim::scenario::parse(&text, "mutant.toml", "mutant") {
            Ok(s) => {
                if is_small(&s) {
                    check_run(&s);
                }
            }
            Err(e) => {
                let msg = e.to_string();
                prop_assert!(msg.starts_with("mutant.toml"), "{msg}");
                prop_assert!(!msg.contains('\n'), "multi-line message: {msg}");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Structure-aware fuzzing: the shipped scenarios with numbers pushed to extremes
// ---------------------------------------------------------------------------------------

/// Extremes for a number: zero, negatives, the largest and smallest floats, integers at
/// and past the 64-bit limits, just past the scenario's own bounds, and non-numbers.
const EXTREME_NUMBERS: &[&str] = &[
    "0",
    "-1",
    "1",
    "0.5",
    "1e-300",
    "5e-324",
    "1e9",
    "1000000001",
    "1e15",
    "1e308",
    "-1e308",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551615",
    "nan",
    "inf",
    "-inf",
];

/// Extremes for a duration: nothing, a microsecond, just under and at the 1 s floor,
/// a century and more.
const EXTREME_DURATIONS: &[&str] = &[
    "0s", "1us", "1ms", "999ms", "1s", "59s", "1h", "30d", "100y", "101y", "1000000y",
];

/// Where a number or a duration sits in a document: the keys and indexes down to it.
#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index(usize),
}

/// Every number and duration string of `item`, with whether it is a duration.
fn leaves(item: &toml_edit::Item, path: &mut Vec<Step>, out: &mut Vec<(Vec<Step>, bool)>) {
    use toml_edit::{Item, Value};
    fn value(v: &Value, path: &mut Vec<Step>, out: &mut Vec<(Vec<Step>, bool)>) {
        match v {
            Value::Integer(_) | Value::Float(_) => out.push((path.clone(), false)),
            Value::String(s) if humantime::parse_duration(s.value()).is_ok() => {
                out.push((path.clone(), true))
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    path.push(Step::Index(i));
                    value(x, path, out);
                    path.pop();
                }
            }
            Value::InlineTable(t) => {
                for (k, x) in t.iter() {
                    path.push(Step::Key(k.to_string()));
                    value(x, path, out);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    match item {
        Item::Value(v) => value(v, path, out),
        Item::Table(t) => {
            for (k, x) in t.iter() {
                path.push(Step::Key(k.to_string()));
                leaves(x, path, out);
                path.pop();
            }
        }
        Item::ArrayOfTables(a) => {
            for (i, t) in a.iter().enumerate() {
                path.push(Step::Index(i));
                for (k, x) in t.iter() {
                    path.push(Step::Key(k.to_string()));
                    leaves(x, path, out);
                    path.pop();
                }
                path.pop();
            }
        }
        Item::None => {}
    }
}

/// Replaces the leaf at `path` of `doc` by the TOML value `text`.
fn set_leaf(doc: &mut toml_edit::DocumentMut, path: &[Step], text: &str) {
    if let Ok(new) = text.parse::<toml_edit::Value>() {
        set_in_item(doc.as_item_mut(), path, &new);
    }
}

fn set_in_item(item: &mut toml_edit::Item, path: &[Step], new: &toml_edit::Value) {
    use toml_edit::Item;
    match (item, path.split_first()) {
        (Item::Value(v), _) => set_in_value(v, path, new),
        (Item::Table(t), Some((Step::Key(k), rest))) => {
            if let Some(x) = t.get_mut(k) {
                set_in_item(x, rest, new);
            }
        }
        (Item::ArrayOfTables(a), Some((Step::Index(i), rest))) => {
            if let (Some(t), Some((Step::Key(k), rest))) = (a.get_mut(*i), rest.split_first())
                && let Some(x) = t.get_mut(k)
            {
                set_in_item(x, rest, new);
            }
        }
        _ => {}
    }
}

fn set_in_value(v: &mut toml_edit::Value, path: &[Step], new: &toml_edit::Value) {
    use toml_edit::Value;
    match (v, path.split_first()) {
        (v, None) => {
            let decor = v.decor().clone();
            *v = new.clone();
            *v.decor_mut() = decor;
        }
        (Value::Array(a), Some((Step::Index(i), rest))) => {
            if let Some(x) = a.get_mut(*i) {
                set_in_value(x, rest, new);
            }
        }
        (Value::InlineTable(t), Some((Step::Key(k), rest))) => {
            if let Some(x) = t.get_mut(k) {
                set_in_value(x, rest, new);
            }
        }
        _ => {}
    }
}

/// The structure-aware generator: a shipped scenario (half of the time cut to half an
/// hour), one to three of its numbers or durations set to extremes.
fn extreme_mutant(rng: &mut rand_pcg::Pcg64) -> String {
    use rand::RngExt;
    let shipped = shipped();
    let text = &shipped[rng.random_range(0..shipped.len())];
    let mut doc: toml_edit::DocumentMut = text.parse().unwrap();
    if rng.random_range(0..2) == 0 {
        doc["horizon"] = toml_edit::value("30m");
        doc["sample_every"] = toml_edit::value("1m");
    }
    let mut found = Vec::new();
    leaves(doc.as_item(), &mut Vec::new(), &mut found);
    for _ in 0..rng.random_range(1..=3) {
        let (path, duration) = &found[rng.random_range(0..found.len())];
        let pool = if *duration && rng.random_range(0..4) > 0 {
            EXTREME_DURATIONS
        } else {
            EXTREME_NUMBERS
        };
        let v = pool[rng.random_range(0..pool.len())];
        let v = if pool == EXTREME_DURATIONS {
            format!("\"{v}\"")
        } else {
            v.to_string()
        };
        set_leaf(&mut doc, path, &v);
    }
    doc.to_string()
}

/// Most work a mutant may have to be simulated here (the rest are parsed and estimated).
const FUZZ_RUN_EVENTS: f64 = 3e6;
/// What parsing, estimating or simulating one mutant may take.
const FUZZ_HANG: Duration = Duration::from_secs(10);

/// Shipped scenarios with numbers pushed to extremes: parsing and estimating never panic
/// or hang, and every mutant that is accepted and small enough runs with finite results
/// in every column. In CI it runs for a fixed time (about 40 s); `PROVSIM_FUZZ_CASES=N`
/// runs N cases whatever they take.
#[test]
fn extreme_numbers_in_shipped_scenarios_never_panic_hang_or_give_infinities() {
    use rand::SeedableRng;
    let cases = std::env::var("PROVSIM_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse::<u64>().ok());
    let budget = if cases.is_some() {
        Duration::MAX
    } else {
        Duration::from_secs(40)
    };
    let started = std::time::Instant::now();
    let mut rng = rand_pcg::Pcg64::seed_from_u64(15);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let (mut tried, mut accepted, mut simulated) = (0u64, 0u64, 0u64);
    while tried < cases.unwrap_or(u64::MAX) && started.elapsed() < budget {
        tried += 1;
        let text = extreme_mutant(&mut rng);
        let t = std::time::Instant::now();
        let parsed = provsim::scenario::parse(&text, "mutant.toml", "mutant");
        let estimate = parsed.as_ref().ok().map(provsim::bounds::of_run);
        assert!(
            t.elapsed() < FUZZ_HANG,
            "parsing took {:?}:\n{text}",
            t.elapsed()
        );
        let (s, e) = match (parsed, estimate) {
            (Ok(s), Some(e)) => (s, e),
            (Err(e), _) => {
                let msg = e.to_string();
                assert!(
                    msg.starts_with("mutant.toml") && !msg.contains('\n'),
                    "{msg}"
                );
                continue;
            }
            _ => unreachable!(),
        };
        accepted += 1;
        if e.events > FUZZ_RUN_EVENTS || e.bytes > 5e8 {
            continue;
        }
        simulated += 1;
        // On a pool of its own: the global one is shared with the other tests, whose long
        // runs would count against this one's time.
        let t = std::time::Instant::now();
        let outcomes = pool
            .install(|| provsim::simulation::run_replications(&s, s.replications.min(2), &|_| {}));
        assert!(
            t.elapsed() < FUZZ_HANG,
            "a run estimated at {e} took {:?}:\n{text}",
            t.elapsed()
        );
        for o in &outcomes {
            if let Some(problem) = provsim::bounds::non_finite(&s, o) {
                panic!("{problem}:\n{text}");
            }
        }
    }
    eprintln!(
        "extreme mutants: {tried} tried, {accepted} accepted, {simulated} simulated in {:?}",
        started.elapsed()
    );
    assert!(tried >= 50, "only {tried} cases in {budget:?}");
}
