//! `summary.csv` (one row per policy), `timeseries.csv` (tidy: one row per policy ×
//! sample) and, with several replications, `replications.csv` (one row per replication ×
//! policy). Floats are written in their shortest exact form, so the same run gives
//! byte-identical files.

use std::path::{Path, PathBuf};

use super::OutputError;
use crate::metrics::{Cell, Column, Summary};
use crate::replication;
use crate::simulation::Outcome;

/// `summary.csv`: the [`Summary::columns`] of every policy.
pub(crate) fn write_summary(dir: &Path, outcome: &Outcome) -> Result<PathBuf, OutputError> {
    let header = Summary::columns().iter().map(|&(name, _)| name);
    let rows = outcome
        .policies
        .iter()
        .map(|p| summary_cells(&p.summary).collect::<Vec<_>>());
    write_with_header(dir, "summary.csv", header, rows)
}

/// `summary.csv` over several replications: `policy, policy_type, replications`, then
/// `<metric>_mean, <metric>_ci95` for every numeric column of the single-run summary, in
/// its order, then the [`Summary::RUN_COLUMNS`] of replication 0 (the scenario's seed,
/// the fidelity). A half-width that is undefined (one replication) is an empty cell.
pub(crate) fn write_summary_replicated(
    dir: &Path,
    outcomes: &[Outcome],
) -> Result<PathBuf, OutputError> {
    let estimates = replication::estimate_all(outcomes);
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
    header.extend(Summary::RUN_COLUMNS.map(String::from));
    let first = outcomes.first().map_or(&[][..], |o| o.policies.as_slice());
    let rows = estimates.iter().zip(first).map(|(p, run)| {
        let mut row = vec![
            Some(Cell::Text(&p.policy)),
            Some(Cell::Text(&p.policy_type)),
            Some(Cell::Count(p.replications as u64)),
        ];
        for m in &p.metrics {
            let e = &m.estimate;
            row.push((e.n > 0).then_some(Cell::Real(e.mean)));
            row.push(e.ci95.map(Cell::Real));
        }
        row.extend(run_cells(&run.summary).map(Some));
        row
    });
    write_with_header(dir, "summary.csv", header, rows)
}

/// `replications.csv`: `replication`, then the single-run summary columns (which end
/// with the replication's `seed`); one row per replication × policy, for users' own
/// statistics.
pub(crate) fn write_replications(dir: &Path, outcomes: &[Outcome]) -> Result<PathBuf, OutputError> {
    let header = ["replication"]
        .into_iter()
        .chain(Summary::columns().iter().map(|&(name, _)| name));
    let rows = outcomes.iter().enumerate().flat_map(|(r, o)| {
        o.policies.iter().map(move |p| {
            std::iter::once(Cell::Count(r as u64))
                .chain(summary_cells(&p.summary))
                .collect::<Vec<_>>()
        })
    });
    write_with_header(dir, "replications.csv", header, rows)
}

/// A summary's cells in [`Summary::columns`] order.
fn summary_cells(s: &Summary) -> impl Iterator<Item = Cell<'_>> {
    Summary::columns().iter().map(move |&(_, cell)| cell(s))
}

/// A summary's [`Summary::RUN_COLUMNS`] cells.
fn run_cells(s: &Summary) -> impl Iterator<Item = Cell<'_>> {
    Summary::RUN_COLUMNS
        .into_iter()
        .filter_map(|name| Summary::column(name))
        .map(move |(_, cell)| cell(s))
}

/// Writes `header`, then one record per row: for rows that are not structs (a `None`
/// cell is empty), or a file that needs its header even with no rows.
fn write_with_header<H: AsRef<[u8]>, T: serde::Serialize>(
    dir: &Path,
    name: &str,
    header: impl IntoIterator<Item = H>,
    rows: impl Iterator<Item = T>,
) -> Result<PathBuf, OutputError> {
    let path = dir.join(name);
    let fail = csv_error(&path);
    let mut w = ::csv::WriterBuilder::new()
        .has_headers(false)
        .from_path(&path)
        .map_err(&fail)?;
    w.write_record(header).map_err(&fail)?;
    for row in rows {
        w.serialize(row).map_err(&fail)?;
    }
    w.flush().map_err(OutputError::io(&path))?;
    Ok(PathBuf::from(name))
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

/// The summary columns of `break-even.csv`, in its order, after `spike_factor`.
const BREAK_EVEN_COLUMNS: [&str; 11] = [
    "policy",
    "policy_type",
    "total_cost",
    "idle_cost",
    "penalty_cost",
    "all_in_cost",
    "idle_fraction",
    "drop_fraction",
    "slo_miss_fraction",
    "response_p99_s",
    "peak_servers",
];

/// `break-even.csv`: one row per spike factor × policy. With several replications the
/// numbers are means over them, and every numeric column's Student-t 95 % half-width
/// follows at the end of the row as `<column>_ci95`, then `replications`.
pub(crate) fn write_break_even(
    dir: &Path,
    points: &[crate::break_even::Point],
) -> Result<PathBuf, OutputError> {
    let columns: Vec<Column> = BREAK_EVEN_COLUMNS
        .iter()
        .map(|name| Summary::column(name).expect("break-even columns are summary columns"))
        .collect();
    if points.iter().all(|p| p.replications() <= 1) {
        let header = ["spike_factor"].into_iter().chain(BREAK_EVEN_COLUMNS);
        let rows = points.iter().flat_map(|p| {
            let columns = &columns;
            p.summaries().iter().map(move |s| {
                let spike = Cell::Real(p.spike_factor);
                std::iter::once(spike)
                    .chain(columns.iter().map(|&(_, cell)| cell(s)))
                    .collect::<Vec<_>>()
            })
        });
        return write_with_header(dir, "break-even.csv", header, rows);
    }
    // The numeric columns (those with a number in a summary).
    let probe = Summary::default();
    let numeric: Vec<Column> = columns
        .iter()
        .copied()
        .filter(|&(_, cell)| cell(&probe).number().is_some())
        .collect();
    let header: Vec<String> = ["spike_factor"]
        .into_iter()
        .chain(BREAK_EVEN_COLUMNS)
        .map(String::from)
        .chain(numeric.iter().map(|(name, _)| format!("{name}_ci95")))
        .chain(["replications".to_string()])
        .collect();
    let rows = points.iter().flat_map(|p| {
        let (columns, numeric) = (&columns, &numeric);
        p.summaries().iter().enumerate().map(move |(i, s)| {
            let mut row = vec![Some(Cell::Real(p.spike_factor))];
            for &(_, cell) in columns {
                row.push(Some(match cell(s).number() {
                    Some(_) => {
                        Cell::Real(p.estimate(i, |x| cell(x).number().unwrap_or(f64::NAN)).mean)
                    }
                    None => cell(s),
                }));
            }
            for &(_, cell) in numeric {
                row.push(
                    p.estimate(i, |x| cell(x).number().unwrap_or(f64::NAN))
                        .ci95
                        .map(Cell::Real),
                );
            }
            row.push(Some(Cell::Count(p.replications() as u64)));
            row
        })
    });
    write_with_header(dir, "break-even.csv", header, rows)
}

/// `crossings.csv`: one row per crossing of the mean curves. With several replications,
/// `spike_factor_ci95` (the Student-t 95 % half-width of the crossing factors found on
/// each replication's curves for the same two policies between the same two samples),
/// `replications_crossing` (how many replications cross there) and
/// `spike_factor_replications_mean` (their mean) follow at the end of the row.
pub(crate) fn write_crossings(
    dir: &Path,
    crossings: &[crate::break_even::Crossing],
    replicated: bool,
) -> Result<PathBuf, OutputError> {
    let mut header = vec![
        "spike_factor",
        "between_low",
        "between_high",
        "cost",
        "cheaper_below",
        "cheaper_above",
    ];
    if replicated {
        header.extend([
            "spike_factor_ci95",
            "replications_crossing",
            "spike_factor_replications_mean",
        ]);
    }
    let rows = crossings.iter().map(|c| {
        let mut row = vec![
            Some(Cell::Real(c.spike_factor)),
            Some(Cell::Real(c.between.0)),
            Some(Cell::Real(c.between.1)),
            Some(Cell::Real(c.cost)),
            Some(Cell::Text(&c.cheaper_below)),
            Some(Cell::Text(&c.cheaper_above)),
        ];
        if replicated {
            let spread = c.spread;
            row.push(spread.and_then(|x| x.ci95).map(Cell::Real));
            row.push(Some(Cell::Count(
                spread.map_or(0, |x| x.replications_crossing as u64),
            )));
            row.push(spread.and_then(|x| x.mean).map(Cell::Real));
        }
        row
    });
    // An empty sweep still gets its header, so scripts can read the file.
    write_with_header(dir, "crossings.csv", header, rows)
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
