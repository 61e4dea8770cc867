//! `provsim sweep` and `provsim merge`: many variants of one scenario, on one machine or
//! in shards on a cluster, and the cheapest that meets the bounds.
//!
//! A sweep file ([`file`]) names a base scenario and the fields to vary; its points
//! ([`grid`]) are applied to the scenario's text ([`apply`]) and each is checked by the
//! scenario checker before anything runs. Every point runs on the same seeds (common
//! random numbers: replication r of each point uses replication r's seed), points in
//! parallel. Results go through one text form ([`rows`]), kept by shards and read back
//! by `merge`, so a merged sweep writes the very bytes of a single-machine one
//! ([`table`]).

mod apply;
mod chart;
mod file;
mod grid;
mod path;
mod rows;
pub mod shard;
mod table;

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use toml_edit::DocumentMut;

use crate::app::Error;
use crate::bounds::{self, Estimate};
use crate::engine::SECOND;
use crate::report::{self, Prepared};
use crate::scenario::{self, Scenario, Source};
use crate::simulation;

pub use file::{MAX_POINTS, MAX_SWEEP_BYTES, MAX_VALUES, MAX_VARY};
pub use shard::Shard;

use file::SweepFile;
use grid::Grid;
use rows::PointRows;
use table::Table;

/// `provsim sweep`.
#[derive(Debug, Clone, Default)]
pub struct SweepRequest {
    /// The sweep file.
    pub sweep: PathBuf,
    /// Output folder (default `output/<sweep file stem>`); shards go under its
    /// `shards/I-of-N/`.
    pub out: Option<PathBuf>,
    /// `--shard I/N`.
    pub shard: Option<String>,
    /// `--shards N` (with `JOB_COMPLETION_INDEX`).
    pub shards: Option<u64>,
    pub charts: bool,
    pub allow_large: bool,
}

/// `provsim merge`.
#[derive(Debug, Clone, Default)]
pub struct MergeRequest {
    /// The sweep's output folder, holding `shards/`.
    pub dir: PathBuf,
    /// Where the merged results go (default `DIR/merged`).
    pub out: Option<PathBuf>,
    pub charts: bool,
}

/// `provsim sweep`, the shard taken from the process's environment when not given;
/// returns the text for stdout.
pub fn sweep(request: &SweepRequest) -> Result<String, Error> {
    sweep_with_env(request, &|name| std::env::var(name).ok())
}

/// [`sweep`] with `env` in place of the process's environment.
pub fn sweep_with_env(
    request: &SweepRequest,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<String, Error> {
    let (file, text) = file::read(&request.sweep)?;
    let folder = request.sweep.parent().unwrap_or(Path::new(""));
    let sweep = file::parse(&text, &file, folder)?;
    let grid = Grid::of(&sweep)?;
    let shard = shard::choose(request.shard.as_deref(), request.shards, env)?;
    // The base scenario's own errors name it, after the sweep file that points at it.
    let in_sweep =
        |e: scenario::ScenarioError| Error::Usage(format!("{file}: field `scenario`: {e}"));
    let source = Source::read(&sweep.scenario).map_err(in_sweep)?;
    let mut base = source.parse().map_err(in_sweep)?;
    let replications = sweep.replications.unwrap_or(base.replications).max(1);
    base.replications = replications;
    let doc: DocumentMut = source.text.parse().map_err(|e: toml_edit::TomlError| {
        Error::Usage(format!("{}: {}", source.file, e.message().trim()))
    })?;
    let points = Points {
        sweep: &sweep,
        grid: &grid,
        source: &source,
        doc: &doc,
        replications,
    };
    let own: Vec<usize> = (0..grid.len())
        .filter(|&i| shard.is_none_or(|s| s.owns(i)))
        .collect();
    // Every point is checked (not only this shard's), so all shards refuse a bad sweep.
    let estimates = crate::app::with_spinner(&format!("checking {} points", grid.len()), || {
        points.check_all(|i| shard.is_none_or(|s| s.owns(i)))
    })?;
    let rows = estimates.len() as f64 * f64::from(replications) * base.policies.len() as f64;
    crate::app::within_budget(
        &file,
        bounds::of_sweep(&estimates, rows),
        request.allow_large,
    )?;
    let stem = scenario::name::from_file(
        &request
            .sweep
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
    );
    let root = request
        .out
        .clone()
        .unwrap_or_else(|| Path::new("output").join(&stem));
    let target = match shard {
        Some(s) => root.join("shards").join(s.folder()),
        None => root.clone(),
    };
    let out = report::prepare(&target)?;
    let started = std::time::Instant::now();
    let rows = points.run(&base, &own)?;
    let hash = sweep_hash(text.as_bytes(), source.text.as_bytes());
    let dir = out.dir().to_path_buf();
    match shard {
        Some(s) => {
            let manifest = shard::Manifest {
                provsim: version(),
                sweep: stem,
                sweep_sha256: hash,
                shard: s.index,
                shards: s.count,
                points: own.len() as u64,
                total_points: grid.len() as u64,
                replications,
            };
            let files = write_shard(out, &manifest, &rows, &text, &source.text)?;
            Ok(format!(
                "shard {} of {}: {} of {} points; wrote {} files to {}/\n",
                s.index,
                s.count,
                own.len(),
                grid.len(),
                files.len(),
                dir.display()
            ))
        }
        None => {
            let parsed = rows::parse(&rows, Path::new(&file), replications)?;
            let all: Vec<PointRows> = parsed.into_iter().map(|(_, r)| r).collect();
            let table = Table::new(&sweep, &grid, replications, &all, Path::new(&file))?;
            let mut record = report::RunRecord::new(
                &base,
                &source.file,
                &report::sha256_hex(source.text.as_bytes()),
            );
            record.wall_time_s = Some(started.elapsed().as_secs_f64());
            let files = write_results(
                out,
                &table,
                &stem,
                &text,
                &source.text,
                Some(&record),
                request.charts,
            )?;
            Ok(table.best_text() + &report::wrote_line(&files, &dir))
        }
    }
}

/// `provsim merge`: checks that `DIR/shards` holds every shard of one sweep and writes
/// what a single-machine run writes; returns the text for stdout.
pub fn merge(request: &MergeRequest) -> Result<String, Error> {
    let dir = &request.dir;
    let found = shard::list(dir)?;
    let count = found[0].0.count;
    if let Some((other, _)) = found.iter().find(|(s, _)| s.count != count) {
        return Err(Error::Usage(format!(
            "{}: shards of different splits ({} and {}); remove the folders of the old split",
            dir.join("shards").display(),
            found[0].0.folder(),
            other.folder()
        )));
    }
    let mut manifests = Vec::with_capacity(found.len());
    for (s, folder) in &found {
        let m = shard::Manifest::read(folder)?;
        if m.shard != s.index || m.shards != s.count {
            return Err(Error::Usage(format!(
                "{}: its manifest says shard {} of {}; was the folder renamed?",
                folder.display(),
                m.shard,
                m.shards
            )));
        }
        if let Some((first, f)) = manifests
            .first()
            .map(|m: &shard::Manifest| (m, &found[0].1))
        {
            if m.sweep_sha256 != first.sweep_sha256 {
                return Err(Error::Usage(format!(
                    "{}: shards from different sweeps: {} (sweep_sha256 {}…) and {} ({}…) were made from different sweep files or base scenarios; run every shard from the same files",
                    dir.display(),
                    f.display(),
                    &first.sweep_sha256[..first.sweep_sha256.len().min(12)],
                    folder.display(),
                    &m.sweep_sha256[..m.sweep_sha256.len().min(12)]
                )));
            }
            if m.provsim != first.provsim {
                return Err(Error::Usage(format!(
                    "{}: shards from different provsim versions ({} and {}); run every shard with one",
                    dir.display(),
                    first.provsim,
                    m.provsim
                )));
            }
        }
        manifests.push(m);
    }
    let missing: Vec<String> = (0..count)
        .filter(|i| !found.iter().any(|(s, _)| s.index == *i))
        .map(|i| format!("{i}-of-{count}"))
        .collect();
    if !missing.is_empty() {
        return Err(Error::Usage(format!(
            "{}: missing shard{} {} of {count}: run `provsim sweep SWEEP --shard I/{count} --out {}` for {}",
            dir.join("shards").display(),
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", "),
            dir.display(),
            if missing.len() == 1 { "it" } else { "each" }
        )));
    }
    let first = &found[0].1;
    let read = |name: &str| -> Result<String, Error> {
        let p = first.join(name);
        std::fs::read_to_string(&p)
            .map_err(|e| Error::Usage(format!("{}: cannot read: {e}", p.display())))
    };
    let (sweep_text, scenario_text) = (read("sweep.toml")?, read("scenario.toml")?);
    let m0 = &manifests[0];
    if sweep_hash(sweep_text.as_bytes(), scenario_text.as_bytes()) != m0.sweep_sha256 {
        return Err(Error::Usage(format!(
            "{}: sweep.toml or scenario.toml does not match the manifest's sweep_sha256 (edited after the run?)",
            first.display()
        )));
    }
    let copy = first.join("sweep.toml");
    let sweep = file::parse(&sweep_text, &copy.display().to_string(), Path::new(""))?;
    let grid = Grid::of(&sweep)?;
    if grid.len() as u64 != m0.total_points {
        return Err(Error::Usage(format!(
            "{}: the manifest counts {} points, the sweep file {}",
            first.display(),
            m0.total_points,
            grid.len()
        )));
    }
    let mut points: Vec<Option<PointRows>> = vec![None; grid.len()];
    for ((s, folder), m) in found.iter().zip(&manifests) {
        let path = folder.join("rows.csv");
        let bytes = std::fs::read(&path)
            .map_err(|e| Error::Usage(format!("{}: cannot read: {e}", path.display())))?;
        let parsed = rows::parse(&bytes, &path, m.replications)?;
        if parsed.len() as u64 != m.points {
            return Err(Error::Usage(format!(
                "{}: {} points, the manifest says {}",
                path.display(),
                parsed.len(),
                m.points
            )));
        }
        for (i, r) in parsed {
            if i >= grid.len() || !s.owns(i) {
                return Err(Error::Usage(format!(
                    "{}: point {i} is not shard {} of {}'s",
                    path.display(),
                    s.index,
                    s.count
                )));
            }
            points[i] = Some(r);
        }
    }
    let all: Vec<PointRows> = points
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            p.ok_or_else(|| Error::Usage(format!("{}: point {i} is in no shard", dir.display())))
        })
        .collect::<Result<_, _>>()?;
    let table = Table::new(&sweep, &grid, m0.replications, &all, &copy)?;
    let target = request.out.clone().unwrap_or_else(|| dir.join("merged"));
    let out = report::prepare(&target)?;
    let out_dir = out.dir().to_path_buf();
    let files = write_results(
        out,
        &table,
        &m0.sweep,
        &sweep_text,
        &scenario_text,
        None,
        request.charts,
    )?;
    Ok(format!("merged {count} shards of {} points\n", grid.len())
        + &table.best_text()
        + &report::wrote_line(&files, &out_dir))
}

/// The points of one sweep, made into scenarios.
struct Points<'a> {
    sweep: &'a SweepFile,
    grid: &'a Grid,
    source: &'a Source,
    doc: &'a DocumentMut,
    replications: u32,
}

impl Points<'_> {
    /// Point `i`'s scenario, checked as a scenario file is.
    fn scenario(&self, i: usize) -> Result<Scenario, Error> {
        let mut doc = self.doc.clone();
        for (k, (v, value)) in self
            .sweep
            .vary
            .iter()
            .zip(self.grid.values(self.sweep, i))
            .enumerate()
        {
            apply::set(&mut doc, &v.path, value).map_err(|m| {
                Error::Usage(format!(
                    "{}{}: field `vary[{k}].field` ({}): {}: {m}",
                    self.sweep.file,
                    v.at,
                    v.path.text,
                    self.grid.describe(self.sweep, i)
                ))
            })?;
        }
        let text = doc.to_string();
        let s = &self.source;
        let mut scenario =
            scenario::parse_in(&text, &s.file, &s.default_name, &s.base).map_err(|e| {
                Error::Usage(format!(
                    "{}: {} makes an invalid scenario: {e}",
                    self.sweep.file,
                    self.grid.describe(self.sweep, i)
                ))
            })?;
        scenario.replications = self.replications;
        Ok(scenario)
    }

    /// Checks every point (the first bad one in grid order is the error) and returns the
    /// run estimates of those `run` selects.
    fn check_all(&self, run: impl Fn(usize) -> bool + Sync) -> Result<Vec<Estimate>, Error> {
        let checked: Vec<Result<Option<Estimate>, Error>> = (0..self.grid.len())
            .into_par_iter()
            .map(|i| {
                let s = self.scenario(i)?;
                Ok(run(i).then(|| bounds::of_run(&s)))
            })
            .collect();
        let mut out = Vec::new();
        for c in checked {
            if let Some(e) = c? {
                out.push(e);
            }
        }
        Ok(out)
    }

    /// Runs the points `own`, in parallel, with a progress bar; `rows.csv` text of them
    /// all, header first.
    fn run(&self, base: &Scenario, own: &[usize]) -> Result<Vec<u8>, Error> {
        let progress = crate::app::progress_bar(
            base,
            own.len() as u64 * u64::from(self.replications),
            "sweep",
        );
        let tick = |t| progress.inc(t / SECOND);
        let done: Result<Vec<Vec<u8>>, Error> = own
            .par_iter()
            .map(|&i| {
                let s = self.scenario(i)?;
                let outcomes = simulation::run_replications(&s, self.replications, &tick);
                for o in &outcomes {
                    if let Some(message) = bounds::non_finite(&s, o) {
                        return Err(Error::NonFinite {
                            file: format!(
                                "{}: {}",
                                self.sweep.file,
                                self.grid.describe(self.sweep, i)
                            ),
                            message,
                        });
                    }
                }
                Ok(rows::point_bytes(i, &outcomes))
            })
            .collect();
        progress.finish_and_clear();
        let mut bytes = rows::header_bytes();
        for d in done? {
            bytes.extend(d);
        }
        Ok(bytes)
    }
}

/// SHA-256 naming a sweep: of the sweep file's and the base scenario's hashes.
fn sweep_hash(sweep: &[u8], scenario: &[u8]) -> String {
    report::sha256_hex(
        format!(
            "{}\n{}\n",
            report::sha256_hex(sweep),
            report::sha256_hex(scenario)
        )
        .as_bytes(),
    )
}

fn version() -> String {
    format!("provsim {}", env!("CARGO_PKG_VERSION"))
}

fn output(e: report::OutputError) -> Error {
    Error::Output(e)
}

/// Writes a file of `text` into `dir`; its name.
fn write_text(dir: &Path, name: &str, text: &str) -> Result<PathBuf, Error> {
    let path = dir.join(name);
    std::fs::write(&path, text).map_err(|e| output(report::OutputError::io(&path)(e)))?;
    Ok(PathBuf::from(name))
}

/// A shard's folder: `rows.csv`, `manifest.toml` and the sweep file and base scenario
/// as read. Nothing depends on the time, so a retried shard writes the same bytes.
fn write_shard(
    out: Prepared,
    manifest: &shard::Manifest,
    rows: &[u8],
    sweep_text: &str,
    scenario_text: &str,
) -> Result<Vec<PathBuf>, Error> {
    let staging = out.staging().to_path_buf();
    let rows_path = staging.join("rows.csv");
    std::fs::write(&rows_path, rows).map_err(|e| output(report::OutputError::io(&rows_path)(e)))?;
    let files = vec![
        PathBuf::from("rows.csv"),
        write_text(&staging, "manifest.toml", &manifest.to_toml())?,
        write_text(&staging, "sweep.toml", sweep_text)?,
        write_text(&staging, "scenario.toml", scenario_text)?,
    ];
    out.commit(&files)?;
    Ok(files)
}

/// A sweep's results: `sweep.csv`, `best.csv`, the sweep file and base scenario as
/// read, `run.toml` when there is a record (not for a merge: its shards ran
/// elsewhere), and the charts.
fn write_results(
    out: Prepared,
    table: &Table<'_>,
    name: &str,
    sweep_text: &str,
    scenario_text: &str,
    record: Option<&report::RunRecord>,
    charts: bool,
) -> Result<Vec<PathBuf>, Error> {
    let staging = out.staging().to_path_buf();
    let mut files = vec![
        table.write_sweep(&staging)?,
        table.write_best(&staging)?,
        write_text(&staging, "sweep.toml", sweep_text)?,
        write_text(&staging, "scenario.toml", scenario_text)?,
    ];
    if let Some(record) = record {
        files.push(write_text(&staging, "run.toml", &run_toml(record))?);
    }
    if charts {
        let data = chart::chart_data(name, table);
        files.extend(report::draw_sweep(&staging, &data).map_err(output)?);
    }
    out.commit(&files)?;
    Ok(files)
}

/// `run.toml` of a sweep: the record of the base scenario as run, with how to redo it.
fn run_toml(record: &report::RunRecord) -> String {
    let text = record.to_toml();
    let body: String = text
        .lines()
        .skip_while(|l| l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    format!(
        "# How the files in this folder were made. sweep.toml and scenario.toml are the sweep\n\
         # file and its base scenario as read: with sweep.toml's `scenario` pointing at\n\
         # scenario.toml, `provsim sweep sweep.toml` writes the same sweep.csv and best.csv.\n\
         # scenario_* below is the base scenario; replications is the sweep's.\n{body}"
    )
}
