//! `rows.csv`: what a shard keeps of its points, one row per point × replication ×
//! policy (`point`, `replication`, then every [`Summary::columns`] cell as
//! `replications.csv` writes it). A single-machine sweep makes the same text in memory
//! and reads it back like `merge` reads the shards', so both write `sweep.csv` and
//! `best.csv` from identical numbers (floats are written in their shortest exact form).

use std::path::Path;

use crate::app::Error;
use crate::metrics::{Cell, Summary};
use crate::simulation::Outcome;

/// One point's results: `[replication][policy]` → the summary cells as text.
pub(crate) type PointRows = Vec<Vec<Vec<String>>>;

/// The header line of `rows.csv`.
pub(crate) fn header() -> Vec<&'static str> {
    ["point", "replication"]
        .into_iter()
        .chain(Summary::columns().iter().map(|&(n, _)| n))
        .collect()
}

/// The header as CSV bytes.
pub(crate) fn header_bytes() -> Vec<u8> {
    let mut w = ::csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    let _ = w.write_record(header());
    w.into_inner().unwrap_or_default()
}

/// Point `point`'s rows (no header), one per replication × policy.
pub(crate) fn point_bytes(point: usize, outcomes: &[Outcome]) -> Vec<u8> {
    let mut w = ::csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    for (r, o) in outcomes.iter().enumerate() {
        for p in &o.policies {
            let row: Vec<Cell<'_>> = [Cell::Count(point as u64), Cell::Count(r as u64)]
                .into_iter()
                .chain(Summary::columns().iter().map(|&(_, cell)| cell(&p.summary)))
                .collect();
            // Writing into memory cannot fail.
            let _ = w.serialize(row);
        }
    }
    w.into_inner().unwrap_or_default()
}

/// Reads `rows.csv` text (`source` names it in errors): each point's rows, in file
/// order, checked to hold `replications` replications of the same policies.
pub(crate) fn parse(
    bytes: &[u8],
    source: &Path,
    replications: u32,
) -> Result<Vec<(usize, PointRows)>, Error> {
    let fail = |line: Option<u64>, m: &str| {
        let at = line.map_or_else(String::new, |l| format!(":{l}"));
        Error::Usage(format!("{}{at}: {m}", source.display()))
    };
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(bytes);
    let head = reader
        .headers()
        .map_err(|e| fail(Some(1), &format!("not a rows.csv: {e}")))?
        .clone();
    if head.iter().ne(header()) {
        return Err(fail(
            Some(1),
            "its columns are not this provsim's (a shard written by another version?); run the shard again",
        ));
    }
    let mut out: Vec<(usize, PointRows)> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| fail(None, &e.to_string()))?;
        let line = record.position().map(|p| p.line());
        let point: usize = record[0]
            .parse()
            .map_err(|_| fail(line, "`point` is not a whole number"))?;
        let r: usize = record[1]
            .parse()
            .map_err(|_| fail(line, "`replication` is not a whole number"))?;
        let cells: Vec<String> = record.iter().skip(2).map(str::to_string).collect();
        match out.last_mut() {
            Some((p, reps)) if *p == point => {
                if r == reps.len() {
                    reps.push(vec![cells]);
                } else if r + 1 == reps.len() {
                    reps[r].push(cells);
                } else {
                    return Err(fail(line, "replications out of order"));
                }
            }
            _ => {
                if r != 0 {
                    return Err(fail(line, "a point starts at replication 0"));
                }
                if out.iter().any(|(p, _)| *p == point) {
                    return Err(fail(line, &format!("point {point} appears twice")));
                }
                out.push((point, vec![vec![cells]]));
            }
        }
    }
    for (point, reps) in &out {
        let policies = reps[0].len();
        if reps.len() != replications as usize || reps.iter().any(|r| r.len() != policies) {
            return Err(fail(
                None,
                &format!(
                    "point {point} has {} replications (of unequal policies?), expected {replications}",
                    reps.len()
                ),
            ));
        }
    }
    Ok(out)
}
