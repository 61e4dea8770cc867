//! Outputs: `summary.csv`, `timeseries.csv`, PNG charts and the stdout table; with
//! several replications also `replications.csv`, and means with 95 % confidence
//! intervals in place of single values (see [`crate::replication`]).
//!
//! Everything is written into a temporary folder beside the target and renamed into place
//! only when every file is complete, so a failed run never leaves half-written results and
//! never destroys the previous ones.

mod charts;
mod csv;
pub(crate) mod format;
mod html;
mod record;
mod table;
mod theory;

use std::path::{Path, PathBuf};

pub(crate) use record::exact_duration;
pub use record::{RunRecord, sha256_hex};
pub use table::{break_even_table, money_view, replicated_summary_table, summary_table};
pub use theory::theory_table;

use crate::scenario::Scenario;
use crate::simulation::Outcome;

/// Writing results failed.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The output path exists and is not a folder.
    #[error("output path {0} exists and is not a directory; choose another --out")]
    NotADirectory(PathBuf),
    /// The output path is a folder provsim did not write: replacing it would delete the
    /// user's files.
    #[error(
        "output folder {0} already exists and holds files provsim did not write (no {MARKER} in it); choose another --out or empty it"
    )]
    ForeignDirectory(PathBuf),
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {message}")]
    Csv { path: PathBuf, message: String },
    #[error("cannot draw chart {path}: {message}")]
    Chart { path: PathBuf, message: String },
}

impl OutputError {
    pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
        move |source| OutputError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Marks a folder as provsim's results, which a later run may replace whole.
pub const MARKER: &str = ".provsim-output";

/// What to write.
#[derive(Debug, Clone, Copy)]
pub struct WriteOptions {
    pub charts: bool,
}

/// Checks that `dir` can be used as an output folder before anything is simulated.
/// A run replaces its output folder whole, so the folder must be absent, empty, or one
/// that provsim wrote (it holds the [`MARKER`] file).
pub fn check_output_dir(dir: &Path) -> Result<(), OutputError> {
    if !dir.exists() {
        return Ok(());
    }
    if !dir.is_dir() {
        return Err(OutputError::NotADirectory(dir.to_path_buf()));
    }
    let empty = std::fs::read_dir(dir)
        .map_err(OutputError::io(dir))?
        .next()
        .is_none();
    if empty || dir.join(MARKER).is_file() {
        Ok(())
    } else {
        Err(OutputError::ForeignDirectory(dir.to_path_buf()))
    }
}

/// Writes every output of one run into `dir`, atomically. Returns the files written
/// (relative to `dir`).
pub fn write_outputs(
    dir: &Path,
    scenario: &Scenario,
    scenario_text: &str,
    outcome: &Outcome,
    options: WriteOptions,
) -> Result<Vec<PathBuf>, OutputError> {
    write_replicated_outputs(
        dir,
        scenario,
        scenario_text,
        std::slice::from_ref(outcome),
        options,
    )
}

/// Writes the outputs of `outcomes`, one per replication (replication 0 first), into
/// `dir`, atomically. With one replication this is exactly [`write_outputs`]. With
/// several, `summary.csv` holds each metric's mean and 95 % confidence half-width,
/// `replications.csv` every replication's own summary, the summary chart draws error
/// bars, and `timeseries.csv` and the time-series charts show replication 0.
pub fn write_replicated_outputs(
    dir: &Path,
    scenario: &Scenario,
    scenario_text: &str,
    outcomes: &[Outcome],
    options: WriteOptions,
) -> Result<Vec<PathBuf>, OutputError> {
    if outcomes.is_empty() {
        return Err(no_replication(dir));
    }
    write_folder(dir, |staging| {
        write_all(staging, scenario, scenario_text, outcomes, options)
    })
}

/// Like [`write_replicated_outputs`], with the run's `record` written as `run.toml`:
/// what `provsim run` writes.
pub fn write_run(
    dir: &Path,
    scenario: &Scenario,
    scenario_text: &str,
    outcomes: &[Outcome],
    options: WriteOptions,
    record: &RunRecord,
) -> Result<Vec<PathBuf>, OutputError> {
    if outcomes.is_empty() {
        return Err(no_replication(dir));
    }
    write_folder(dir, |staging| {
        let written = write_all(staging, scenario, scenario_text, outcomes, options)?;
        with_record_and_report(staging, record, written, |files| {
            html::write_run_report(staging, scenario, scenario_text, outcomes, record, files)
        })
    })
}

/// `written` with `run.toml` added, then `report.html` (made by `report` from every file
/// written before it).
fn with_record_and_report(
    staging: &Path,
    record: &RunRecord,
    mut written: Vec<PathBuf>,
    report: impl FnOnce(&[PathBuf]) -> Result<PathBuf, OutputError>,
) -> Result<Vec<PathBuf>, OutputError> {
    written.push(record::write(staging, record)?);
    let page = report(&written)?;
    written.push(page);
    Ok(written)
}

/// The break-even sweep into `dir`, atomically: `break-even.csv` (one row per spike
/// factor × policy), `crossings.csv`, the scenario, `run.toml`, `report.html` and, with
/// charts, `break-even.png`.
pub fn write_break_even(
    dir: &Path,
    scenario: &Scenario,
    scenario_text: &str,
    points: &[crate::break_even::Point],
    crossings: &[crate::break_even::Crossing],
    options: WriteOptions,
    record: &RunRecord,
) -> Result<Vec<PathBuf>, OutputError> {
    write_folder(dir, |staging| {
        let mut written = vec![
            csv::write_break_even(staging, points)?,
            csv::write_crossings(staging, crossings)?,
        ];
        written.extend(write_marker_and_scenario(staging, scenario_text)?);
        if options.charts {
            written.push(charts::draw_break_even(
                staging, scenario, points, crossings,
            )?);
        }
        with_record_and_report(staging, record, written, |files| {
            html::write_break_even_report(
                staging,
                scenario,
                scenario_text,
                points,
                crossings,
                record,
                files,
            )
        })
    })
}

/// Writes a folder's files into a staging folder beside `dir` with `fill`, then swaps it
/// into place: `dir` ends up with all of them or, on failure, as it was.
fn write_folder(
    dir: &Path,
    fill: impl FnOnce(&Path) -> Result<Vec<PathBuf>, OutputError>,
) -> Result<Vec<PathBuf>, OutputError> {
    check_output_dir(dir)?;
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(OutputError::io(&parent))?;
    let base = dir
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
    let staging = parent.join(format!(".{base}.partial-{}", std::process::id()));
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(OutputError::io(&staging))?;
    }
    std::fs::create_dir(&staging).map_err(OutputError::io(&staging))?;

    let written = match fill(&staging) {
        Ok(w) => w,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    if let Err(e) = swap_into_place(&staging, dir, &parent, &base) {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    Ok(written)
}

fn write_all(
    staging: &Path,
    scenario: &Scenario,
    scenario_text: &str,
    outcomes: &[Outcome],
    options: WriteOptions,
) -> Result<Vec<PathBuf>, OutputError> {
    let Some(first) = outcomes.first() else {
        return Err(no_replication(staging));
    };
    let mut written = if outcomes.len() == 1 {
        vec![csv::write_summary(staging, first)?]
    } else {
        vec![
            csv::write_summary_replicated(staging, outcomes)?,
            csv::write_replications(staging, outcomes)?,
        ]
    };
    written.push(csv::write_timeseries(staging, first)?);
    written.extend(write_marker_and_scenario(staging, scenario_text)?);
    if options.charts {
        written.extend(charts::draw_all(staging, scenario, outcomes)?);
    }
    Ok(written)
}

/// The [`MARKER`] (not listed) and a copy of the scenario file, so results can be
/// reproduced.
fn write_marker_and_scenario(
    staging: &Path,
    scenario_text: &str,
) -> Result<Vec<PathBuf>, OutputError> {
    let marker = staging.join(MARKER);
    std::fs::write(
        &marker,
        "This folder was written by provsim; the next run of the same scenario replaces it whole.\n",
    )
    .map_err(OutputError::io(&marker))?;
    let copy = staging.join("scenario.toml");
    std::fs::write(&copy, scenario_text).map_err(OutputError::io(&copy))?;
    Ok(vec![PathBuf::from("scenario.toml")])
}

fn no_replication(dir: &Path) -> OutputError {
    OutputError::Csv {
        path: dir.to_path_buf(),
        message: "no replication to write".into(),
    }
}

/// Replaces `dir` by `staging`: the old results are moved aside first and deleted only
/// once the new ones are in place; if the swap fails they are put back.
fn swap_into_place(
    staging: &Path,
    dir: &Path,
    parent: &Path,
    base: &str,
) -> Result<(), OutputError> {
    if !dir.exists() {
        return std::fs::rename(staging, dir).map_err(OutputError::io(dir));
    }
    let old = parent.join(format!(".{base}.previous-{}", std::process::id()));
    if old.exists() {
        std::fs::remove_dir_all(&old).map_err(OutputError::io(&old))?;
    }
    std::fs::rename(dir, &old).map_err(OutputError::io(dir))?;
    if let Err(e) = std::fs::rename(staging, dir) {
        let _ = std::fs::rename(&old, dir);
        return Err(OutputError::io(dir)(e));
    }
    // The new results are in place; failing to delete the old copy loses nothing.
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}
