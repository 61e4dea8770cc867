//! `sweep.csv` (tidy: one row per point × policy) and `best.csv` (per policy, the best
//! point under the objective), made from every point's rows, whether they were run here
//! or merged from shards.
//!
//! With one replication, the summary columns are the point's own, as `summary.csv`
//! writes them; with several, `policy, policy_type, replications`, then `<metric>_mean`
//! and `<metric>_ci95` for every numeric column, then the seed and fidelity of
//! replication 0, as the replicated `summary.csv` does ([`crate::replication`]).

use std::path::{Path, PathBuf};

use super::file::{SweepFile, numeric_columns};
use super::grid::Grid;
use super::rows::PointRows;
use crate::app::Error;
use crate::metrics::Summary;
use crate::replication::Estimate;

/// One CSV cell.
enum Out<'a> {
    Text(&'a str),
    Real(f64),
    Int(i64),
    Empty,
}

impl serde::Serialize for Out<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            Out::Text(t) => s.serialize_str(t),
            Out::Real(x) => s.serialize_f64(x),
            Out::Int(i) => s.serialize_i64(i),
            Out::Empty => s.serialize_str(""),
        }
    }
}

/// One policy at one point: its cells and the numbers the objective needs.
pub(crate) struct Row<'a> {
    pub point: usize,
    pub policy: &'a str,
    /// Replication 0's summary cells (text, as run).
    first: &'a [String],
    /// Every numeric column's estimate over the replications, in [`numeric_columns`]
    /// order.
    estimates: Vec<Estimate>,
}

/// Every point's rows, with what the tables need to know.
pub(crate) struct Table<'a> {
    pub sweep: &'a SweepFile,
    pub grid: &'a Grid,
    pub replications: u32,
    pub rows: Vec<Row<'a>>,
    numeric: Vec<&'static str>,
}

impl<'a> Table<'a> {
    /// The table of `points` (indexed by point, each complete).
    pub(crate) fn new(
        sweep: &'a SweepFile,
        grid: &'a Grid,
        replications: u32,
        points: &'a [PointRows],
        source: &Path,
    ) -> Result<Table<'a>, Error> {
        let numeric = numeric_columns();
        let all = Summary::columns();
        let index: Vec<usize> = numeric
            .iter()
            .map(|n| all.iter().position(|(c, _)| c == n).unwrap_or(0))
            .collect();
        let policy_col = all.iter().position(|(c, _)| *c == "policy").unwrap_or(0);
        let mut rows = Vec::new();
        for (point, reps) in points.iter().enumerate() {
            for (p, first) in reps[0].iter().enumerate() {
                let mut estimates = Vec::with_capacity(index.len());
                for (&j, name) in index.iter().zip(&numeric) {
                    let values = reps
                        .iter()
                        .map(|r| {
                            r[p][j].parse::<f64>().map_err(|_| {
                                Error::Usage(format!(
                                    "{}: point {point}: `{name}` is not a number: {:?}",
                                    source.display(),
                                    r[p][j]
                                ))
                            })
                        })
                        .collect::<Result<Vec<f64>, Error>>()?;
                    estimates.push(Estimate::of(&values));
                }
                rows.push(Row {
                    point,
                    policy: &first[policy_col],
                    first,
                    estimates,
                });
            }
        }
        Ok(Table {
            sweep,
            grid,
            replications,
            rows,
            numeric,
        })
    }

    /// The mean of column `name` for `row` (the value itself with one replication).
    pub(crate) fn value(&self, row: &Row<'_>, name: &str) -> f64 {
        self.numeric
            .iter()
            .position(|n| *n == name)
            .map_or(f64::NAN, |i| row.estimates[i].mean)
    }

    /// Whether `row` meets every `subject_to` bound.
    pub(crate) fn feasible(&self, row: &Row<'_>) -> bool {
        self.sweep
            .objective
            .subject_to
            .iter()
            .all(|(c, bound)| self.value(row, c) <= *bound)
    }

    /// The varied fields' cells of point `i`.
    fn varied(&self, i: usize) -> Vec<Out<'a>> {
        self.grid
            .values(self.sweep, i)
            .into_iter()
            .map(|v| match v {
                super::file::Value::Int(n) => Out::Int(*n),
                super::file::Value::Float(x) => Out::Real(*x),
                super::file::Value::Str(s) => Out::Text(s),
                super::file::Value::Bool(b) => Out::Text(if *b { "true" } else { "false" }),
            })
            .collect()
    }

    /// The summary part of a `sweep.csv` row's header.
    fn summary_header(&self) -> Vec<String> {
        if self.replications <= 1 {
            return Summary::columns()
                .iter()
                .map(|&(n, _)| n.to_string())
                .collect();
        }
        let mut h = vec![
            "policy".to_string(),
            "policy_type".to_string(),
            "replications".to_string(),
        ];
        for m in &self.numeric {
            h.push(format!("{m}_mean"));
            h.push(format!("{m}_ci95"));
        }
        h.extend(Summary::RUN_COLUMNS.map(String::from));
        h
    }

    /// The summary part of `row`'s cells, as [`Table::summary_header`] names them.
    fn summary_cells<'r>(&self, row: &'r Row<'a>) -> Vec<Out<'r>> {
        if self.replications <= 1 {
            return row.first.iter().map(|s| Out::Text(s)).collect();
        }
        let all = Summary::columns();
        let text = |name: &str| {
            all.iter()
                .position(|(c, _)| *c == name)
                .map_or(Out::Empty, |j| Out::Text(&row.first[j]))
        };
        let mut cells = vec![
            text("policy"),
            text("policy_type"),
            Out::Int(i64::from(self.replications)),
        ];
        for e in &row.estimates {
            cells.push(if e.n > 0 {
                Out::Real(e.mean)
            } else {
                Out::Empty
            });
            cells.push(e.ci95.map_or(Out::Empty, Out::Real));
        }
        cells.extend(Summary::RUN_COLUMNS.iter().map(|c| text(c)));
        cells
    }

    fn varied_header(&self) -> impl Iterator<Item = String> + '_ {
        self.sweep.vary.iter().map(|v| v.path.text.clone())
    }

    /// `sweep.csv`: `point`, the varied fields (named by their path), the summary.
    pub(crate) fn write_sweep(&self, dir: &Path) -> Result<PathBuf, Error> {
        let header: Vec<String> = std::iter::once("point".to_string())
            .chain(self.varied_header())
            .chain(self.summary_header())
            .collect();
        let rows = self.rows.iter().map(|row| {
            std::iter::once(Out::Int(row.point as i64))
                .chain(self.varied(row.point))
                .chain(self.summary_cells(row))
                .collect::<Vec<_>>()
        });
        write_csv(dir, "sweep.csv", header, rows)
    }

    /// Per policy (in the order they first appear), the index in `rows` of its best
    /// point (`None`: no point is feasible), with how many points are feasible.
    pub(crate) fn best(&self) -> Vec<(&'a str, Option<usize>, usize)> {
        let mut out: Vec<(&'a str, Option<usize>, usize)> = Vec::new();
        let minimize = &self.sweep.objective.minimize;
        for (k, row) in self.rows.iter().enumerate() {
            let slot = match out.iter().position(|(p, _, _)| *p == row.policy) {
                Some(i) => i,
                None => {
                    out.push((row.policy, None, 0));
                    out.len() - 1
                }
            };
            let value = self.value(row, minimize);
            if !self.feasible(row) || value.is_nan() {
                continue;
            }
            out[slot].2 += 1;
            // Strictly lower only: the first in grid order wins a tie.
            let better = match out[slot].1 {
                None => true,
                Some(b) => value < self.value(&self.rows[b], minimize),
            };
            if better {
                out[slot].1 = Some(k);
            }
        }
        out
    }

    /// The objective's columns, the minimised one first, each once.
    pub(crate) fn objective_columns(&self) -> Vec<&str> {
        let o = &self.sweep.objective;
        let mut cols = vec![o.minimize.as_str()];
        for (c, _) in &o.subject_to {
            if !cols.contains(&c.as_str()) {
                cols.push(c);
            }
        }
        cols
    }

    /// `best.csv`: per policy, `status` (`best`, or `none feasible` with empty cells),
    /// the point and its varied values, the objective's columns (means with
    /// replications), and how many of the points met the bounds.
    pub(crate) fn write_best(&self, dir: &Path) -> Result<PathBuf, Error> {
        let suffix = if self.replications > 1 { "_mean" } else { "" };
        let cols = self.objective_columns();
        let header: Vec<String> = ["policy", "status", "point"]
            .into_iter()
            .map(String::from)
            .chain(self.varied_header())
            .chain(cols.iter().map(|c| format!("{c}{suffix}")))
            .chain(["feasible_points".to_string(), "points".to_string()])
            .collect();
        let points = self.grid.len() as i64;
        let best = self.best();
        let rows = best.iter().map(|(policy, pick, feasible)| {
            let mut cells = vec![Out::Text(policy)];
            match pick {
                Some(k) => {
                    let row = &self.rows[*k];
                    cells.push(Out::Text("best"));
                    cells.push(Out::Int(row.point as i64));
                    cells.extend(self.varied(row.point));
                    cells.extend(cols.iter().map(|c| Out::Real(self.value(row, c))));
                }
                None => {
                    cells.push(Out::Text("none feasible"));
                    cells.push(Out::Empty);
                    cells.extend(self.sweep.vary.iter().map(|_| Out::Empty));
                    cells.extend(cols.iter().map(|_| Out::Empty));
                }
            }
            cells.push(Out::Int(*feasible as i64));
            cells.push(Out::Int(points));
            cells
        });
        write_csv(dir, "best.csv", header, rows)
    }

    /// `best.csv` as lines for the terminal.
    pub(crate) fn best_text(&self) -> String {
        let mut s = format!("best under: {}\n", self.sweep.objective.describe());
        for (policy, pick, feasible) in self.best() {
            match pick {
                None => s.push_str(&format!("  {policy}: no point meets the bounds\n")),
                Some(k) => {
                    let row = &self.rows[k];
                    s.push_str(&format!(
                        "  {policy}: {} → {} = {} ({feasible} of {} points feasible)\n",
                        self.grid.describe(self.sweep, row.point),
                        self.sweep.objective.minimize,
                        self.value(row, &self.sweep.objective.minimize),
                        self.grid.len()
                    ));
                }
            }
        }
        s
    }
}

fn write_csv<T: serde::Serialize>(
    dir: &Path,
    name: &str,
    header: Vec<String>,
    rows: impl Iterator<Item = T>,
) -> Result<PathBuf, Error> {
    let path = dir.join(name);
    let fail = |e: ::csv::Error| {
        Error::Output(crate::report::OutputError::Csv {
            path: path.clone(),
            message: e.to_string(),
        })
    };
    let mut w = ::csv::WriterBuilder::new()
        .has_headers(false)
        .from_path(&path)
        .map_err(fail)?;
    w.write_record(header).map_err(fail)?;
    for row in rows {
        w.serialize(row).map_err(fail)?;
    }
    w.flush()
        .map_err(|e| Error::Output(crate::report::OutputError::io(&path)(e)))?;
    Ok(PathBuf::from(name))
}
