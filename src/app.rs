//! What the `provsim` commands do, as library calls: load and check every scenario
//! first (so a bad file stops the run before anything is written), then simulate, write
//! the outputs atomically and print the summary.

use std::io::Write;
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::bounds::{self, Estimate};
use crate::engine::SECOND;
use crate::report::{self, OutputError, Prepared, WriteOptions};
use crate::scenario::{self, Fidelity, Scenario, ScenarioError};
use crate::simulation;

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Output(#[from] OutputError),
    /// The run would take more work or memory than the budget (`--allow-large` lifts it).
    #[error(
        "{file}: the whole scenario (no single line): {why}; ways out: `--fidelity fluid`, a coarser `sample_every`, fewer replications, a shorter horizon, or `--allow-large` to run anyway"
    )]
    TooLarge { file: String, why: String },
    /// A result came out infinite or NaN: nothing is written.
    #[error("{file}: (a result, not a line of the file) {message}")]
    NonFinite { file: String, message: String },
}

impl Error {
    /// 2 for bad input (scenario files, arguments, a run over budget, an output path that
    /// cannot be used, a result that is not finite); 1 when a valid run could not write
    /// its results.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Output(e) if !e.is_refusal() => 1,
            _ => 2,
        }
    }
}

/// `provsim run`.
#[derive(Debug, Clone, Default)]
pub struct RunRequest {
    /// Scenario files; empty = the built-in default scenario.
    pub scenarios: Vec<PathBuf>,
    /// Output folder (one scenario) or parent of one folder per scenario (several).
    pub out: Option<PathBuf>,
    pub seed: Option<u64>,
    /// Independent replications (seeds) per scenario, overriding the scenario's
    /// `replications`; 1..=[`MAX_REPLICATIONS`].
    pub replications: Option<u32>,
    /// Overrides the scenario's fidelity (`fluid` keeps the scenario's step, else 1 s).
    pub fidelity: Option<FidelityChoice>,
    pub charts: bool,
    /// Print the summary table on stdout.
    pub print: bool,
    /// Run even above the work and memory budget ([`bounds::MAX_EVENTS`],
    /// [`bounds::MAX_BYTES`]).
    pub allow_large: bool,
}

/// `--fidelity`: which engine simulates the traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FidelityChoice {
    Request,
    Fluid,
}

impl FidelityChoice {
    /// The fidelity a scenario runs in under this choice.
    pub fn apply(self, scenario: &Scenario) -> Fidelity {
        match (self, scenario.fidelity) {
            (FidelityChoice::Request, _) => Fidelity::Request,
            (FidelityChoice::Fluid, Fidelity::Fluid { step }) => Fidelity::Fluid { step },
            (FidelityChoice::Fluid, Fidelity::Request) => Fidelity::Fluid {
                step: SECOND.min(scenario.sample_every),
            },
        }
    }
}

/// Most replications a run may ask for (the scenario field's limit too).
pub const MAX_REPLICATIONS: u32 = 10_000;

/// A scenario loaded from a file (or the built-in one), with its source text.
pub struct Loaded {
    pub scenario: Scenario,
    /// The scenario text with file paths made absolute ([`portable_copy`]); once
    /// overrides are applied ([`Overrides::apply`]), the scenario as run.
    pub text: String,
    /// SHA-256 of the bytes parsed, hex.
    pub sha256: String,
    /// How messages name it: the path as given, `<stdin>`, or the built-in scenario.
    pub file: String,
}

/// Loads and validates scenario files (`-`: standard input), reading each exactly once;
/// with none, the built-in default.
pub fn load_all(paths: &[PathBuf]) -> Result<Vec<Loaded>, Error> {
    if paths.is_empty() {
        let scenario = scenario::parse(
            scenario::DEFAULT_SCENARIO,
            scenario::DEFAULT_SCENARIO_FILE,
            "flash-crowd",
        )?;
        return Ok(vec![Loaded {
            scenario,
            text: scenario::DEFAULT_SCENARIO.to_string(),
            sha256: report::sha256_hex(scenario::DEFAULT_SCENARIO.as_bytes()),
            file: scenario::DEFAULT_SCENARIO_FILE.to_string(),
        }]);
    }
    let loaded = paths
        .iter()
        .map(|p| load_one(p))
        .collect::<Result<Vec<_>, _>>()?;
    check_names(&loaded)?;
    Ok(loaded)
}

fn load_one(path: &Path) -> Result<Loaded, Error> {
    let source = scenario::Source::read(path)?;
    let scenario = source.parse()?;
    Ok(Loaded {
        scenario,
        sha256: report::sha256_hex(source.text.as_bytes()),
        text: portable_copy(&source.text, Some(path), &Overrides::default()),
        file: source.file,
    })
}

/// Two scenarios of one command may not share a name: they would write one folder.
fn check_names(loaded: &[Loaded]) -> Result<(), Error> {
    for (i, l) in loaded.iter().enumerate() {
        if let Some(first) = loaded[..i]
            .iter()
            .find(|o| o.scenario.name == l.scenario.name)
        {
            return Err(Error::Usage(format!(
                "{}: two scenarios are named {:?} ({} too) and would write to the same folder; give them different `name`s",
                l.file, l.scenario.name, first.file
            )));
        }
    }
    Ok(())
}

/// `estimate`, or an error saying why it is over the budget and the ways out.
pub(crate) fn within_budget(
    file: &str,
    estimate: Estimate,
    allow_large: bool,
) -> Result<Estimate, Error> {
    if allow_large || estimate.within_budget() {
        Ok(estimate)
    } else {
        Err(Error::TooLarge {
            file: file.to_string(),
            why: estimate.over_budget(),
        })
    }
}

/// An error if a result of `outcome` is not a finite number.
fn check_finite(l: &Loaded, outcome: &simulation::Outcome) -> Result<(), Error> {
    match bounds::non_finite(&l.scenario, outcome) {
        None => Ok(()),
        Some(message) => Err(Error::NonFinite {
            file: l.file.clone(),
            message,
        }),
    }
}

/// Values given on the command line in place of the scenario file's: only those that
/// differ from the file's (so `--seed 42` on a file with `seed = 42` changes nothing).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Overrides {
    pub seed: Option<u64>,
    pub fidelity: Option<Fidelity>,
    pub replications: Option<u32>,
}

impl Overrides {
    /// What `seed`, `fidelity` and `replications` change in `scenario`.
    pub fn of(
        scenario: &Scenario,
        seed: Option<u64>,
        fidelity: Option<FidelityChoice>,
        replications: Option<u32>,
    ) -> Overrides {
        Overrides {
            seed: seed.filter(|s| *s != scenario.seed),
            fidelity: fidelity
                .map(|f| f.apply(scenario))
                .filter(|f| *f != scenario.fidelity),
            replications: replications.filter(|n| *n != scenario.replications),
        }
    }

    /// Applies the overrides to `loaded`: to the scenario, and written into its text, so
    /// the copy in the output folder is the scenario as run.
    pub fn apply(&self, loaded: &mut Loaded) {
        let s = &mut loaded.scenario;
        if let Some(seed) = self.seed {
            s.seed = seed;
        }
        if let Some(f) = self.fidelity {
            s.fidelity = f;
        }
        if let Some(n) = self.replications {
            s.replications = n;
        }
        loaded.text = portable_copy(&loaded.text, None, self);
    }
}

/// The scenario text made to run from anywhere as it ran here: with `path` (the file it
/// was read from), its trace's relative file paths made absolute; with `overrides`, the
/// seed, fidelity (and fluid step) and replications replaced (comments and layout kept).
/// Unchanged when there is nothing to rewrite (or the text cannot be edited, which
/// `load` would have refused already).
fn portable_copy(text: &str, path: Option<&Path>, overrides: &Overrides) -> String {
    let Ok(mut doc) = text.parse::<toml_edit::DocumentMut>() else {
        return text.to_string();
    };
    let mut edited = false;
    if let Some(base) = path.and_then(Path::parent) {
        edited |= absolute_trace_paths(&mut doc, base);
    }
    let mut set = |key: &str, v: toml_edit::Value| {
        set_top_level(&mut doc, key, v);
        edited = true;
    };
    if let Some(seed) = overrides.seed {
        // TOML integers stop at 2⁶³ − 1: a larger seed cannot be written (run.toml
        // records it).
        if let Ok(seed) = i64::try_from(seed) {
            set("seed", seed.into());
        }
    }
    if let Some(f) = overrides.fidelity {
        set("fidelity", f.name().into());
        if let Fidelity::Fluid { step } = f {
            set("step", report::exact_duration(step).into());
        }
    }
    if let Some(n) = overrides.replications {
        set("replications", i64::from(n).into());
    }
    if edited {
        doc.to_string()
    } else {
        text.to_string()
    }
}

/// `key = v` at the top of the scenario, keeping the comment of a line it replaces.
fn set_top_level(doc: &mut toml_edit::DocumentMut, key: &str, v: toml_edit::Value) {
    match doc.get_mut(key).and_then(|item| item.as_value_mut()) {
        Some(old) => {
            let decor = old.decor().clone();
            *old = v;
            *old.decor_mut() = decor;
        }
        None => {
            doc.insert(key, toml_edit::Item::Value(v));
        }
    }
}

/// Makes the trace's relative file paths absolute, from `base`; whether any was there.
fn absolute_trace_paths(doc: &mut toml_edit::DocumentMut, base: &Path) -> bool {
    let absolute = |f: &str| -> String {
        let p = base.join(f);
        std::fs::canonicalize(&p).unwrap_or(p).display().to_string()
    };
    let Some(file) = doc
        .get_mut("workload")
        .and_then(|w| w.get_mut("trace"))
        .and_then(|t| t.get_mut("file"))
        .and_then(|f| f.as_value_mut())
    else {
        return false;
    };
    match file {
        toml_edit::Value::String(s) => {
            let abs = absolute(s.value());
            *file = toml_edit::Value::from(abs).decorated(" ", "");
        }
        toml_edit::Value::Array(list) => {
            for item in list.iter_mut() {
                if let Some(f) = item.as_str() {
                    let abs = absolute(f);
                    *item = toml_edit::Value::from(abs).decorated(" ", "");
                }
            }
        }
        _ => return false,
    }
    true
}

/// What loading a scenario warns about (a trace's skipped lines or gaps), one line each.
pub fn warnings(file: &str, s: &Scenario) -> Vec<String> {
    s.workload
        .trace
        .iter()
        .flat_map(|t| t.warnings.iter())
        .map(|w| format!("{file}: workload.trace: {w}"))
        .collect()
}

/// Where each scenario's results go, made ready before anything runs: checked, locked,
/// a staging folder created for each (and the parent of several marked).
fn prepare_outputs(
    loaded: &[Loaded],
    out: Option<&Path>,
) -> Result<(Option<report::output::PreparedParent>, Vec<Prepared>), Error> {
    let dirs: Vec<PathBuf> = match out {
        Some(dir) if loaded.len() == 1 => vec![dir.to_path_buf()],
        Some(dir) => loaded.iter().map(|l| dir.join(&l.scenario.name)).collect(),
        None => loaded
            .iter()
            .map(|l| Path::new("output").join(&l.scenario.name))
            .collect(),
    };
    for d in &dirs {
        report::check_output_dir(d)?;
    }
    let parent = match out {
        Some(dir) if loaded.len() > 1 => {
            let names: Vec<String> = loaded.iter().map(|l| l.scenario.name.clone()).collect();
            Some(report::prepare_parent(dir, &names)?)
        }
        _ => None,
    };
    let prepared = dirs
        .iter()
        .map(|d| report::prepare(d))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((parent, prepared))
}

/// `provsim run`: simulate each scenario and write its outputs.
///
/// With N replications (`--replications`, else the scenario's `replications`) every
/// policy runs N times on independent seeds, all in parallel; replication 0 uses the
/// scenario's seed, so N = 1 is a plain run.
pub fn run(request: &RunRequest) -> Result<Vec<PathBuf>, Error> {
    if let Some(n) = request.replications
        && !(1..=MAX_REPLICATIONS).contains(&n)
    {
        return Err(Error::Usage(format!(
            "--replications must be between 1 and {MAX_REPLICATIONS}, got {n}"
        )));
    }
    let mut loaded = with_spinner("loading", || load_all(&request.scenarios))?;
    for l in &loaded {
        for w in warnings(&l.file, &l.scenario) {
            eprintln!("warning: {w}");
        }
    }
    for l in &mut loaded {
        Overrides::of(
            &l.scenario,
            request.seed,
            request.fidelity,
            request.replications,
        )
        .apply(l);
    }
    let mut estimates = Vec::with_capacity(loaded.len());
    for l in &loaded {
        estimates.push(within_budget(
            &l.file,
            bounds::of_run(&l.scenario),
            request.allow_large,
        )?);
    }
    let (_parent, prepared) = prepare_outputs(&loaded, request.out.as_deref())?;
    let mut dirs = Vec::with_capacity(loaded.len());
    for ((l, out), estimate) in loaded.iter().zip(prepared).zip(estimates) {
        let s = &l.scenario;
        let started = std::time::Instant::now();
        let mut record = report::RunRecord::new(s, &l.file, &l.sha256);
        if estimate.is_large() {
            eprintln!("note: {}: {estimate}; this will take a while", l.file);
        }
        let replications = s.replications.max(1);
        let progress = progress_bar(s, u64::from(replications), "");
        let outcomes = simulation::run_replications(s, replications, &|advanced| {
            progress.inc(advanced / SECOND)
        });
        progress.finish_and_clear();
        for outcome in &outcomes {
            check_finite(l, outcome)?;
        }
        record.wall_time_s = Some(started.elapsed().as_secs_f64());
        let dir = out.dir().to_path_buf();
        let files = with_spinner(&format!("{}: writing results", s.name), || {
            report::write_run(
                out,
                s,
                &l.text,
                &outcomes,
                WriteOptions {
                    charts: request.charts,
                },
                &record,
            )
        })?;
        if request.print {
            // A closed stdout (`provsim run | head`) must not turn a finished run into a
            // failure: the results are already on disk.
            let mut stdout = std::io::stdout().lock();
            let _ = writeln!(stdout, "{}", report::replicated_summary_table(s, &outcomes));
            if let Some(money) = report::money_view(s, &outcomes) {
                let _ = writeln!(stdout, "{money}");
            }
            if let Some(first) = outcomes.first()
                && let Some(theory) = report::theory_table(s, first)
            {
                let _ = write!(stdout, "{theory}");
                if outcomes.len() > 1 {
                    let _ = writeln!(
                        stdout,
                        "  (simulated: the first replication; replications.csv has every one)"
                    );
                }
                let _ = writeln!(stdout);
            }
            let _ = writeln!(
                stdout,
                "wrote {} files to {}/ ({})",
                files.len(),
                dir.display(),
                files
                    .iter()
                    .map(|f| f.display().to_string())
                    .filter(|f| !f.starts_with("charts/"))
                    .chain(
                        files
                            .iter()
                            .any(|f| f.starts_with("charts"))
                            .then(|| "charts/*.png".to_string())
                    )
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        dirs.push(dir);
    }
    Ok(dirs)
}

/// `provsim break-even`.
#[derive(Debug, Clone)]
pub struct BreakEvenRequest {
    /// The scenario; `None` = the built-in default.
    pub scenario: Option<PathBuf>,
    /// Spike factors from `from` to `to`, `steps` values.
    pub from: f64,
    pub to: f64,
    pub steps: u32,
    /// Output folder (default: `output/<name>-break-even`).
    pub out: Option<PathBuf>,
    pub seed: Option<u64>,
    pub fidelity: Option<FidelityChoice>,
    /// Replications (seeds) per spike factor, overriding the scenario's `replications`;
    /// 1..=[`MAX_REPLICATIONS`].
    pub replications: Option<u32>,
    pub charts: bool,
    /// Run even above the work and memory budget.
    pub allow_large: bool,
}

/// Most points a break-even sweep may sample.
pub const MAX_BREAK_EVEN_STEPS: u32 = 200;

/// `provsim break-even`: runs the scenario at each spike factor, writes
/// `break-even.csv`, `crossings.csv` and `break-even.png`; returns the text for stdout.
pub fn break_even(request: &BreakEvenRequest) -> Result<String, Error> {
    let (from, to) = (request.from, request.to);
    if !(from.is_finite() && to.is_finite() && 0.0 <= from && from < to && to <= 10_000.0) {
        return Err(Error::Usage(format!(
            "--spike-factor expects FROM..TO with 0 ≤ FROM < TO ≤ 10000 (as a spike's `factor`), got {from}..{to}"
        )));
    }
    if !(2..=MAX_BREAK_EVEN_STEPS).contains(&request.steps) {
        return Err(Error::Usage(format!(
            "--steps must be between 2 and {MAX_BREAK_EVEN_STEPS}, got {}",
            request.steps
        )));
    }
    if let Some(n) = request.replications
        && !(1..=MAX_REPLICATIONS).contains(&n)
    {
        return Err(Error::Usage(format!(
            "--replications must be between 1 and {MAX_REPLICATIONS}, got {n}"
        )));
    }
    let paths: Vec<PathBuf> = request.scenario.iter().cloned().collect();
    let Some(mut loaded) = with_spinner("loading", || load_all(&paths))?.pop() else {
        return Err(Error::Usage("no scenario".into()));
    };
    Overrides::of(
        &loaded.scenario,
        request.seed,
        request.fidelity,
        request.replications,
    )
    .apply(&mut loaded);
    let s = &loaded.scenario;
    let file = loaded.file.clone();
    if crate::break_even::with_spike_factor(s, to).is_none() {
        return Err(Error::Usage(format!(
            "{file}: break-even varies the height of the scenario's spikes, and it has no `spike` shape in [[workload.shape]]"
        )));
    }
    within_budget(
        &file,
        bounds::of_break_even(s, to, request.steps),
        request.allow_large,
    )?;
    let dir = request
        .out
        .clone()
        .unwrap_or_else(|| Path::new("output").join(format!("{}-break-even", s.name)));
    let out = report::prepare(&dir)?;
    let dir = out.dir().to_path_buf();
    let factors = crate::break_even::factors(from, to, request.steps);
    let started = std::time::Instant::now();
    let mut record = report::RunRecord::new(s, &file, &loaded.sha256);
    let replications = s.replications.max(1);
    let progress = progress_bar(
        s,
        factors.len() as u64 * u64::from(replications),
        "break-even",
    );
    let points = crate::break_even::sweep_with_progress(s, &factors, replications, &|t| {
        progress.inc(t / SECOND)
    });
    progress.finish_and_clear();
    let Some(points) = points else {
        return Err(Error::Usage(format!("{file}: no `spike` shape")));
    };
    for run in points.iter().flat_map(|p| &p.runs) {
        let summaries = run
            .iter()
            .map(|summary| simulation::PolicyOutcome {
                summary: summary.clone(),
                series: Vec::new(),
                events: 0,
            })
            .collect();
        let outcome = simulation::Outcome {
            seed: run.first().map_or(s.seed, |x| x.seed),
            policies: summaries,
        };
        if let Some(message) = bounds::non_finite(s, &outcome) {
            return Err(Error::NonFinite { file, message });
        }
    }
    let crossings = crate::break_even::crossings(s, &points);
    record.wall_time_s = Some(started.elapsed().as_secs_f64());
    let files = with_spinner("writing results", || {
        report::write_break_even(
            out,
            s,
            &loaded.text,
            &points,
            &crossings,
            WriteOptions {
                charts: request.charts,
            },
            &record,
        )
    })?;
    Ok(report::break_even_table(s, &points, &crossings) + &report::wrote_line(&files, &dir))
}

/// `provsim compare-fidelity`: each scenario at request level and in fluid fidelity,
/// with the comparison table; nothing is written.
pub fn compare_fidelity(paths: &[PathBuf], allow_large: bool) -> Result<String, Error> {
    let mut out = String::new();
    compare_fidelity_each(paths, allow_large, |table| out.push_str(table))?;
    Ok(out)
}

/// [`compare_fidelity`], handing each scenario's table (and a blank line) to `each` as
/// soon as it is computed, with a progress bar on a terminal meanwhile.
pub fn compare_fidelity_each(
    paths: &[PathBuf],
    allow_large: bool,
    mut each: impl FnMut(&str),
) -> Result<(), Error> {
    let loaded = with_spinner("loading", || load_all(paths))?;
    for l in &loaded {
        within_budget(&l.file, bounds::of_compare(&l.scenario), allow_large)?;
    }
    let tol = crate::compare::Tolerances::default();
    for l in &loaded {
        // Two runs: request level and fluid.
        let progress = progress_bar(&l.scenario, 2, "both fidelities");
        let c = crate::compare::compare_with_progress(&l.scenario, &|t| progress.inc(t / SECOND));
        progress.finish_and_clear();
        each(&(c.table(&l.scenario, &tol) + "\n"));
    }
    Ok(())
}

/// What `validate` finds about one file: the scenario and the estimate of its run.
pub type Validated = Result<(Scenario, Estimate), Error>;

/// `provsim validate`: checks every file (not just up to the first bad one) without
/// running anything, as `run` would (the work and memory budget, and names shared across
/// files, included); one result per file, in order, with the run's estimate.
pub fn validate(paths: &[PathBuf], allow_large: bool) -> Vec<(PathBuf, Validated)> {
    let mut seen: Vec<(String, String)> = Vec::new();
    with_spinner("checking", || {
        paths
        .iter()
        .map(|p| {
            let checked = load_one(p).and_then(|l| {
                if let Some((_, first)) = seen.iter().find(|(n, _)| *n == l.scenario.name) {
                    return Err(Error::Usage(format!(
                        "{}: two scenarios are named {:?} ({first} too) and would write to the same folder; give them different `name`s",
                        l.file, l.scenario.name
                    )));
                }
                seen.push((l.scenario.name.clone(), l.file.clone()));
                let estimate = within_budget(&l.file, bounds::of_run(&l.scenario), allow_large)?;
                Ok((l.scenario, estimate))
            });
            (p.clone(), checked)
        })
        .collect()
    })
}

/// A bar over simulated seconds × policies × `runs` (replications, spike factors,
/// fidelities), drawn only when stderr is a terminal.
pub(crate) fn progress_bar(s: &Scenario, runs: u64, what: &str) -> ProgressBar {
    let total = (s.horizon / SECOND)
        .saturating_mul(s.policies.len() as u64)
        .saturating_mul(runs);
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{prefix} [{bar:30}] {percent:>3}% simulated, {elapsed} elapsed, ~{eta} left",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_prefix(if what.is_empty() {
        s.name.clone()
    } else {
        format!("{} ({what})", s.name)
    });
    bar
}

/// Runs `work` under a spinner saying `what`, drawn only when stderr is a terminal (a
/// big trace can take seconds to read, a year of charts to draw).
pub(crate) fn with_spinner<T>(what: &str, work: impl FnOnce() -> T) -> T {
    let spinner = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
        spinner.set_style(style);
    }
    spinner.set_message(what.to_string());
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    let out = work();
    spinner.finish_and_clear();
    out
}
