//! `summary.csv` (one row per policy) and `timeseries.csv` (tidy: one row per policy ×
//! sample). Floats are written in their shortest exact form, so the same run gives
//! byte-identical files.

use std::path::{Path, PathBuf};

use super::OutputError;
use crate::simulation::Outcome;

pub(crate) fn write_summary(dir: &Path, outcome: &Outcome) -> Result<PathBuf, OutputError> {
    write_rows(
        dir,
        "summary.csv",
        outcome.policies.iter().map(|p| &p.summary),
    )
}

pub(crate) fn write_timeseries(dir: &Path, outcome: &Outcome) -> Result<PathBuf, OutputError> {
    write_rows(
        dir,
        "timeseries.csv",
        outcome.policies.iter().flat_map(|p| p.series.iter()),
    )
}

fn write_rows<T: serde::Serialize>(
    dir: &Path,
    name: &str,
    rows: impl Iterator<Item = T>,
) -> Result<PathBuf, OutputError> {
    let path = dir.join(name);
    let fail = |e: ::csv::Error| OutputError::Csv {
        path: path.clone(),
        message: e.to_string(),
    };
    let mut w = ::csv::Writer::from_path(&path).map_err(fail)?;
    for row in rows {
        w.serialize(row).map_err(fail)?;
    }
    w.flush().map_err(OutputError::io(&path))?;
    Ok(PathBuf::from(name))
}
