//! `summary.csv` (one row per policy), `timeseries.csv` (tidy: one row per policy ×
//! sample) and, with several replications, `replications.csv` (one row per replication ×
//! policy). Floats are written in their shortest exact form, so the same run gives
//! byte-identical files.

use std::path::{Path, PathBuf};

use super::OutputError;
use crate::replication::{self, Cell};
use crate::simulation::Outcome;

pub(crate) fn write_summary(dir: &Path, outcome: &Outcome) -> Result<PathBuf, OutputError> {
    write_rows(
        dir,
        "summary.csv",
        outcome.policies.iter().map(|p| &p.summary),
    )
}

/// `summary.csv` over several replications: `policy, policy_type, replications`, then
/// `<metric>_mean, <metric>_ci95` for every numeric column of the single-run summary, in
/// its order. A half-width that is undefined (one replication) is an empty cell.
pub(crate) fn write_summary_replicated(
    dir: &Path,
    outcomes: &[Outcome],
) -> Result<PathBuf, OutputError> {
    let name = "summary.csv";
    let path = dir.join(name);
    let fail = csv_error(&path);
    let estimates = replication::estimate_all(outcomes);
    let mut w = ::csv::WriterBuilder::new()
        .has_headers(false)
        .from_path(&path)
        .map_err(&fail)?;
    let mut header = vec![
        "policy".to_string(),
        "policy_type".to_string(),
        "replications".to_string(),
    ];
    if let Some(first) = estimates.first() {
        for m in &first.metrics {
            header.push(format!("{}_mean", m.name));
            header.push(format!("{}_ci95", m.name));
        }
    }
    w.write_record(&header).map_err(&fail)?;
    for p in &estimates {
        let mut row = vec![
            Cell::Text(p.policy.clone()),
            Cell::Text(p.policy_type.clone()),
            Cell::Int(p.replications as i128),
        ];
        for m in &p.metrics {
            let e = &m.estimate;
            row.push(if e.n > 0 {
                Cell::Float(e.mean)
            } else {
                Cell::Empty
            });
            row.push(e.ci95.map_or(Cell::Empty, Cell::Float));
        }
        w.serialize(&row).map_err(&fail)?;
    }
    w.flush().map_err(OutputError::io(&path))?;
    Ok(PathBuf::from(name))
}

/// The replication number and seed leading each row of `replications.csv`.
#[derive(serde::Serialize)]
struct ReplicationKey {
    replication: u32,
    seed: u64,
}

/// `replications.csv`: `replication, seed`, then the single-run summary columns; one row
/// per replication × policy, for users' own statistics.
pub(crate) fn write_replications(dir: &Path, outcomes: &[Outcome]) -> Result<PathBuf, OutputError> {
    write_rows(
        dir,
        "replications.csv",
        outcomes.iter().enumerate().flat_map(|(r, o)| {
            o.policies.iter().map(move |p| {
                (
                    ReplicationKey {
                        replication: r as u32,
                        seed: o.seed,
                    },
                    &p.summary,
                )
            })
        }),
    )
}

pub(crate) fn write_timeseries(dir: &Path, outcome: &Outcome) -> Result<PathBuf, OutputError> {
    write_rows(
        dir,
        "timeseries.csv",
        outcome.policies.iter().flat_map(|p| p.series.iter()),
    )
}

fn csv_error(path: &Path) -> impl Fn(::csv::Error) -> OutputError + '_ {
    move |e| OutputError::Csv {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

fn write_rows<T: serde::Serialize>(
    dir: &Path,
    name: &str,
    rows: impl Iterator<Item = T>,
) -> Result<PathBuf, OutputError> {
    let path = dir.join(name);
    let fail = csv_error(&path);
    let mut w = ::csv::Writer::from_path(&path).map_err(&fail)?;
    for row in rows {
        w.serialize(row).map_err(&fail)?;
    }
    w.flush().map_err(OutputError::io(&path))?;
    Ok(PathBuf::from(name))
}
