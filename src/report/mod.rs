//! Outputs: `summary.csv`, `timeseries.csv`, PNG charts and the stdout table; with
//! several replications also `replications.csv`, and means with 95 % confidence
//! intervals in place of single values (see [`crate::replication`]).
//!
//! Everything is written into a staging folder beside the target, made ready before the
//! simulation starts, and renamed into place only when every file is complete, so a failed
//! run never leaves half-written results and never destroys the previous ones (see
//! [`output`]).

mod charts;
mod csv;
pub(crate) mod format;
mod html;
pub mod output;
mod record;
mod table;
mod theory;

use std::path::{Path, PathBuf};

pub use output::{MARKER, OutputError, Prepared, check_output_dir, prepare, prepare_parent};
// Drawn for `provsim sweep` (src/sweep/).
pub(crate) use charts::{SweepChart, SweepChartRow, draw_sweep};
pub(crate) use record::exact_duration;
pub use record::{RunRecord, sha256_hex};
pub use table::{break_even_table, money_view, replicated_summary_table, summary_table};
pub use theory::theory_table;

use crate::scenario::Scenario;
use crate::simulation::Outcome;

/// What to write.
#[derive(Debug, Clone, Copy)]
pub struct WriteOptions {
    pub charts: bool,
}

/// Writes every output of one run into the prepared folder `out`, atomically. Returns
/// the files written (relative to the folder).
pub fn write_outputs(
    out: Prepared,
    scenario: &Scenario,
    scenario_text: &str,
    outcome: &Outcome,
    options: WriteOptions,
) -> Result<Vec<PathBuf>, OutputError> {
    write_replicated_outputs(
        out,
        scenario,
        scenario_text,
        std::slice::from_ref(outcome),
        options,
    )
}

/// Writes the outputs of `outcomes`, one per replication (replication 0 first), into the
/// prepared folder `out`, atomically. With one replication this is exactly [`write_outputs`]. With
/// several, `summary.csv` holds each metric's mean and 95 % confidence half-width,
/// `replications.csv` every replication's own summary, the summary chart draws error
/// bars, and `timeseries.csv` and the time-series charts show replication 0.
pub fn write_replicated_outputs(
    out: Prepared,
    scenario: &Scenario,
    scenario_text: &str,
    outcomes: &[Outcome],
    options: WriteOptions,
) -> Result<Vec<PathBuf>, OutputError> {
    if outcomes.is_empty() {
        return Err(no_replication(out.dir()));
    }
    write_folder(out, |staging| {
        write_all(staging, scenario, scenario_text, outcomes, options)
    })
}

/// Like [`write_replicated_outputs`], with the run's `record` written as `run.toml`:
/// what `provsim run` writes.
pub fn write_run(
    out: Prepared,
    scenario: &Scenario,
    scenario_text: &str,
    outcomes: &[Outcome],
    options: WriteOptions,
    record: &RunRecord,
) -> Result<Vec<PathBuf>, OutputError> {
    if outcomes.is_empty() {
        return Err(no_replication(out.dir()));
    }
    write_folder(out, |staging| {
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

/// The break-even sweep into the prepared folder `out`, atomically: `break-even.csv` (one row per spike
/// factor × policy), `crossings.csv`, the scenario, `run.toml`, `report.html` and, with
/// charts, `break-even.png`.
pub fn write_break_even(
    out: Prepared,
    scenario: &Scenario,
    scenario_text: &str,
    points: &[crate::break_even::Point],
    crossings: &[crate::break_even::Crossing],
    options: WriteOptions,
    record: &RunRecord,
) -> Result<Vec<PathBuf>, OutputError> {
    write_folder(out, |staging| {
        let mut written = vec![
            csv::write_break_even(staging, points)?,
            csv::write_crossings(
                staging,
                crossings,
                points.iter().any(|p| p.replications() > 1),
            )?,
        ];
        written.extend(write_scenario_copy(staging, scenario_text)?);
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

/// Writes a folder's files into the staging folder of `out` with `fill`, then swaps it
/// into place: the folder ends up with all of them or, on failure, as it was.
fn write_folder(
    out: Prepared,
    fill: impl FnOnce(&Path) -> Result<Vec<PathBuf>, OutputError>,
) -> Result<Vec<PathBuf>, OutputError> {
    let written = fill(out.staging())?;
    out.commit(&written)?;
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
    written.extend(write_scenario_copy(staging, scenario_text)?);
    if options.charts {
        written.extend(charts::draw_all(staging, scenario, outcomes)?);
    }
    Ok(written)
}

/// A copy of the scenario file, so results can be reproduced (the [`MARKER`] listing
/// every file is written when the folder is committed).
fn write_scenario_copy(staging: &Path, scenario_text: &str) -> Result<Vec<PathBuf>, OutputError> {
    let copy = staging.join("scenario.toml");
    std::fs::write(&copy, scenario_text).map_err(OutputError::io(&copy))?;
    Ok(vec![PathBuf::from("scenario.toml")])
}

/// `wrote N files to DIR/ (a, b, …)`: the last line of a command that wrote a folder.
pub(crate) fn wrote_line(files: &[PathBuf], dir: &Path) -> String {
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    format!(
        "wrote {} files to {}/ ({})\n",
        files.len(),
        dir.display(),
        names.join(", ")
    )
}

fn no_replication(dir: &Path) -> OutputError {
    OutputError::Csv {
        path: dir.to_path_buf(),
        message: "no replication to write".into(),
    }
}
