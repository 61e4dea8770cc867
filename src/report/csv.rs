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

/// One row of `break-even.csv`.
#[derive(serde::Serialize)]
struct BreakEvenRow<'a> {
    spike_factor: f64,
    policy: &'a str,
    policy_type: &'a str,
    total_cost: f64,
    idle_cost: f64,
    penalty_cost: f64,
    all_in_cost: f64,
    idle_fraction: f64,
    drop_fraction: f64,
    slo_miss_fraction: f64,
    response_p99_s: f64,
    peak_servers: u64,
}

pub(crate) fn write_break_even(
    dir: &Path,
    points: &[crate::break_even::Point],
) -> Result<PathBuf, OutputError> {
    write_rows(
        dir,
        "break-even.csv",
        points.iter().flat_map(|p| {
            p.summaries.iter().map(move |s| BreakEvenRow {
                spike_factor: p.spike_factor,
                policy: &s.policy,
                policy_type: &s.policy_type,
                total_cost: s.total_cost,
                idle_cost: s.idle_cost,
                penalty_cost: s.penalty_cost,
                all_in_cost: s.all_in_cost,
                idle_fraction: s.idle_fraction,
                drop_fraction: s.drop_fraction,
                slo_miss_fraction: s.slo_miss_fraction,
                response_p99_s: s.response_p99_s,
                peak_servers: s.peak_servers,
            })
        }),
    )
}

pub(crate) fn write_crossings(
    dir: &Path,
    crossings: &[crate::break_even::Crossing],
) -> Result<PathBuf, OutputError> {
    #[derive(serde::Serialize)]
    struct Row<'a> {
        spike_factor: f64,
        between_low: f64,
        between_high: f64,
        cost: f64,
        cheaper_below: &'a str,
        cheaper_above: &'a str,
    }
    let rows = crossings.iter().map(|c| Row {
        spike_factor: c.spike_factor,
        between_low: c.between.0,
        between_high: c.between.1,
        cost: c.cost,
        cheaper_below: &c.cheaper_below,
        cheaper_above: &c.cheaper_above,
    });
    // An empty sweep still gets its header, so scripts can read the file.
    let path = dir.join("crossings.csv");
    let fail = csv_error(&path);
    let mut w = ::csv::WriterBuilder::new()
        .has_headers(false)
        .from_path(&path)
        .map_err(&fail)?;
    w.write_record([
        "spike_factor",
        "between_low",
        "between_high",
        "cost",
        "cheaper_below",
        "cheaper_above",
    ])
    .map_err(&fail)?;
    for row in rows {
        w.serialize(row).map_err(&fail)?;
    }
    w.flush().map_err(OutputError::io(&path))?;
    Ok(PathBuf::from("crossings.csv"))
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
