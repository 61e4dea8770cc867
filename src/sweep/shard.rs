//! Shards: a sweep split over the machines of a cluster. Shard I of N runs the points
//! whose index ≡ I (mod N) and writes them, with a manifest, under
//! `DIR/shards/I-of-N/`; `provsim merge DIR` checks the shards belong together and
//! writes what one machine would have.
//!
//! The shard comes from `--shard I/N`, else from a Slurm job array
//! (`SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN` of `SLURM_ARRAY_TASK_COUNT`: arrays may
//! start at 1), else from a Kubernetes Indexed Job (`JOB_COMPLETION_INDEX`, with
//! `--shards N`). Nothing in a shard's folder depends on the time or the machine, so a
//! retried task writes the same bytes.

use std::path::{Path, PathBuf};

use super::file::MAX_POINTS;
use crate::app::Error;

/// One shard of N.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// Whether point `i` is this shard's.
    pub(crate) fn owns(&self, i: usize) -> bool {
        i as u64 % self.count == self.index
    }

    /// The folder name, `I-of-N`.
    pub(crate) fn folder(&self) -> String {
        format!("{}-of-{}", self.index, self.count)
    }
}

fn checked(index: u64, count: u64, from: &str) -> Result<Shard, Error> {
    if count == 0 || count > MAX_POINTS {
        return Err(Error::Usage(format!(
            "{from}: the number of shards must be from 1 to {MAX_POINTS}, got {count}"
        )));
    }
    if index >= count {
        return Err(Error::Usage(format!(
            "{from}: shard {index} is out of range: shards are numbered 0 to {} of {count}",
            count - 1
        )));
    }
    Ok(Shard { index, count })
}

/// `--shard I/N`.
pub fn parse_flag(text: &str) -> Result<Shard, Error> {
    let bad = || {
        Error::Usage(format!(
            "--shard expects I/N (shard I of N, I from 0, e.g. 0/4), got {text:?}"
        ))
    };
    let (i, n) = text.split_once('/').ok_or_else(bad)?;
    let num = |s: &str| -> Result<u64, Error> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        s.parse().map_err(|_| bad())
    };
    checked(num(i)?, num(n)?, &format!("--shard {text}"))
}

/// The shard this process runs: `--shard`, else a Slurm array task, else a Kubernetes
/// Indexed Job with `--shards`; `None`: the whole sweep. `env` reads an environment
/// variable.
pub fn choose(
    flag: Option<&str>,
    shards: Option<u64>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Shard>, Error> {
    if let Some(text) = flag {
        if shards.is_some() {
            return Err(Error::Usage(
                "give either --shard I/N or --shards N (with JOB_COMPLETION_INDEX), not both"
                    .into(),
            ));
        }
        return parse_flag(text).map(Some);
    }
    let number = |name: &str| -> Result<Option<u64>, Error> {
        match env(name) {
            None => Ok(None),
            Some(v) => v.trim().parse::<u64>().map(Some).map_err(|_| {
                Error::Usage(format!(
                    "environment variable {name}={v:?} is not a whole number"
                ))
            }),
        }
    };
    if let Some(id) = number("SLURM_ARRAY_TASK_ID")? {
        let min = number("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
        let Some(count) = number("SLURM_ARRAY_TASK_COUNT")? else {
            return Err(Error::Usage(
                "SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not; give --shard I/N"
                    .into(),
            ));
        };
        let from = format!(
            "Slurm array task {id} (SLURM_ARRAY_TASK_MIN={min}, SLURM_ARRAY_TASK_COUNT={count})"
        );
        let Some(index) = id.checked_sub(min) else {
            return Err(Error::Usage(format!(
                "{from}: the task id is below the minimum"
            )));
        };
        if let Some(n) = shards
            && n != count
        {
            return Err(Error::Usage(format!(
                "{from}: --shards {n} disagrees with the array's {count} tasks"
            )));
        }
        // An array with a step (1-9:2) numbers its tasks with gaps: the range check below
        // refuses some of them, and `merge` names the shards that never ran.
        return checked(index, count, &from).map(Some);
    }
    match (number("JOB_COMPLETION_INDEX")?, shards) {
        (Some(index), Some(n)) => checked(
            index,
            n,
            &format!("JOB_COMPLETION_INDEX={index} with --shards {n}"),
        )
        .map(Some),
        (Some(index), None) => Err(Error::Usage(format!(
            "JOB_COMPLETION_INDEX={index} is set (a Kubernetes Indexed Job) but not --shards N: give the Job's completions as --shards"
        ))),
        (None, Some(n)) => Err(Error::Usage(format!(
            "--shards {n} needs JOB_COMPLETION_INDEX (a Kubernetes Indexed Job); elsewhere give --shard I/{n}"
        ))),
        (None, None) => Ok(None),
    }
}

/// What `manifest.toml` records: enough for `merge` to check the shards belong
/// together.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub(crate) struct Manifest {
    pub provsim: String,
    pub sweep: String,
    pub sweep_sha256: String,
    pub shard: u64,
    pub shards: u64,
    pub points: u64,
    pub total_points: u64,
    pub replications: u32,
}

impl Manifest {
    pub(crate) fn to_toml(&self) -> String {
        format!(
            "# One shard of a provsim sweep; `provsim merge DIR` joins DIR/shards/*.\n\
             # sweep_sha256 hashes the sweep file and the base scenario: shards merge only with\n\
             # shards of the very same files.\n\
             provsim = {:?}\nsweep = {:?}\nsweep_sha256 = {:?}\nshard = {}\nshards = {}\npoints = {}\ntotal_points = {}\nreplications = {}\n",
            self.provsim,
            self.sweep,
            self.sweep_sha256,
            self.shard,
            self.shards,
            self.points,
            self.total_points,
            self.replications
        )
    }

    pub(crate) fn read(dir: &Path) -> Result<Manifest, Error> {
        let path = dir.join("manifest.toml");
        let text = std::fs::read_to_string(&path).map_err(|e| {
            Error::Usage(format!(
                "{}: cannot read the shard's manifest: {e} (an unfinished shard? run it again)",
                path.display()
            ))
        })?;
        toml::from_str(&text).map_err(|e| {
            Error::Usage(format!(
                "{}: not a shard manifest: {}",
                path.display(),
                e.message()
            ))
        })
    }
}

/// The shard folders under `DIR/shards`, as (shard, folder), sorted.
pub(crate) fn list(dir: &Path) -> Result<Vec<(Shard, PathBuf)>, Error> {
    let shards = dir.join("shards");
    let entries = std::fs::read_dir(&shards).map_err(|e| {
        Error::Usage(format!(
            "{}: no shards to merge ({e}); run `provsim sweep FILE --shard I/N --out {}` first",
            shards.display(),
            dir.display()
        ))
    })?;
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some((i, n)) = name.split_once("-of-") else {
            continue;
        };
        let (Ok(index), Ok(count)) = (i.parse::<u64>(), n.parse::<u64>()) else {
            continue;
        };
        if entry.path().is_dir() {
            out.push((Shard { index, count }, entry.path()));
        }
    }
    out.sort_by_key(|(s, _)| (s.count, s.index));
    if out.is_empty() {
        return Err(Error::Usage(format!(
            "{}: no shard folders (I-of-N) to merge",
            shards.display()
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn shards_come_from_flag_slurm_or_kubernetes() {
        let none = env(&[]);
        assert_eq!(choose(None, None, &none).unwrap(), None);
        assert_eq!(
            choose(Some("2/3"), None, &none).unwrap(),
            Some(Shard { index: 2, count: 3 })
        );
        for bad in ["3/3", "1", "a/3", "-1/3", "1/0", "1/ 3"] {
            assert!(choose(Some(bad), None, &none).is_err(), "{bad}");
        }
        let slurm = env(&[
            ("SLURM_ARRAY_TASK_ID", "3"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ]);
        assert_eq!(
            choose(None, None, &slurm).unwrap(),
            Some(Shard { index: 2, count: 4 })
        );
        let k8s = env(&[("JOB_COMPLETION_INDEX", "1")]);
        assert_eq!(
            choose(None, Some(2), &k8s).unwrap(),
            Some(Shard { index: 1, count: 2 })
        );
        assert!(choose(None, None, &k8s).is_err());
        assert!(choose(None, Some(1), &k8s).is_err());
        assert!(choose(None, Some(2), &none).is_err());
    }
}
