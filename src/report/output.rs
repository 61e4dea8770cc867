//! Output folders that never strand or delete anything.
//!
//! Before anything is simulated, [`prepare`] checks the output path, resolves a symbolic
//! link to the folder it points at (the link itself is never replaced), takes an advisory
//! lock on a sibling lock file (`.NAME.lock`: the folder itself is renamed, so it cannot
//! hold the lock), removes what an earlier run killed mid-way left behind, and creates the
//! hidden staging folder (`.NAME.partial-PID`) the files are written into. [`Prepared::commit`]
//! then writes the marker, which lists every file written, and swaps the staging folder
//! into place; the previous results are moved aside first and deleted only once the new
//! ones are in place, file by file as their marker lists them.
//!
//! provsim only ever deletes what it wrote: a folder is replaced only if every file in it
//! is listed by its [`MARKER`] (or, for a marker written before markers had lists, is a
//! file provsim names its outputs), so a stray marker beside a `thesis.tex` costs
//! nothing. Hidden names are cut to fit the 255 bytes a folder name may have. On SIGINT or
//! SIGTERM, [`interrupted`] (called by the command line's handler) removes the staging
//! folders and lock files of the runs in progress.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Marks a folder as provsim's results and lists the files in it that provsim wrote.
pub const MARKER: &str = ".provsim-output";
/// Marks a staging folder, so that one left by a killed run is known to be provsim's.
const STAGING_TAG: &str = ".provsim-staging";
/// The first line of a marker.
const MARKER_HEAD: &str = "This folder was written by provsim. A later run replaces the files listed below (and only them); anything else in it makes provsim leave the folder alone.";
/// The first line of the marker of a folder holding one folder per scenario.
const PARENT_HEAD: &str = "This folder holds provsim's results, one folder per scenario (listed below with a trailing /); provsim replaces those folders, never this one.";
/// Longest name one folder entry may have, in bytes (most filesystems).
const MAX_NAME_BYTES: usize = 255;
/// Longest suffix of a hidden name: `.previous-` and a 32-bit process id.
const MAX_SUFFIX_BYTES: usize = ".previous-4294967295".len();

/// Writing results failed, or could not start.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The output path exists and is not a folder.
    #[error("output path {0} exists and is not a directory; choose another --out")]
    NotADirectory(PathBuf),
    /// The output path is a folder holding files provsim did not write.
    #[error(
        "output folder {dir} already exists and holds {foreign}, which provsim did not write (only files listed in a {MARKER} are replaced); choose another --out or move it away"
    )]
    ForeignDirectory { dir: PathBuf, foreign: String },
    /// Another provsim run holds the lock on the output folder.
    #[error(
        "output folder {dir} is being written by another provsim run (it holds the lock {lock}); wait for it to finish or choose another --out"
    )]
    Locked { dir: PathBuf, lock: PathBuf },
    /// The output path is a symbolic link to nothing.
    #[error(
        "output path {link} is a symbolic link to {target}, which does not exist; create that folder or choose another --out"
    )]
    DanglingLink { link: PathBuf, target: PathBuf },
    /// The output folder cannot be made ready (checked before anything runs).
    #[error("cannot write results to {path}: {reason}; choose another --out")]
    Unusable { path: PathBuf, reason: String },
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

    fn unusable(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
        move |e| OutputError::Unusable {
            path: path.to_path_buf(),
            reason: e.to_string(),
        }
    }

    /// Whether the output was refused before anything ran (a bad `--out`), rather than
    /// failing while results were written.
    pub fn is_refusal(&self) -> bool {
        !matches!(
            self,
            OutputError::Io { .. } | OutputError::Csv { .. } | OutputError::Chart { .. }
        )
    }
}

// ---------------------------------------------------------------------------------------
// What a signal must clean up
// ---------------------------------------------------------------------------------------

/// What to remove if the process is interrupted: staging folders (whole: provsim made
/// every file in them) and lock files.
#[derive(Debug, Clone, PartialEq)]
enum Cleanup {
    Staging(PathBuf),
    File(PathBuf),
}

/// The runs in progress' cleanups. Held while a staging folder is swapped into place, so
/// an interruption waits for the swap rather than catching it half-done.
static CLEANUP: Mutex<Vec<Cleanup>> = Mutex::new(Vec::new());

fn registry() -> std::sync::MutexGuard<'static, Vec<Cleanup>> {
    CLEANUP.lock().unwrap_or_else(|e| e.into_inner())
}

fn register(c: Cleanup) {
    registry().push(c);
}

fn deregister(c: &Cleanup) {
    registry().retain(|x| x != c);
}

fn clean(c: &Cleanup) {
    let _ = match c {
        Cleanup::Staging(p) => fs::remove_dir_all(p),
        Cleanup::File(p) => fs::remove_file(p),
    };
}

/// Removes every staging folder and lock file of the runs in progress: what a SIGINT or
/// SIGTERM handler calls before the process exits. The lock is kept, so no new run starts
/// writing while this cleans up.
pub fn interrupted() {
    let mut list = registry();
    for c in list.drain(..).rev() {
        clean(&c);
    }
    // Keep the guard until the process exits: a swap that was waiting must not start.
    std::mem::forget(list);
}

// ---------------------------------------------------------------------------------------
// Names and the lock
// ---------------------------------------------------------------------------------------

/// The start of the hidden names beside an output folder called `base`: `base` itself,
/// or, if `.base.previous-PID` would pass 255 bytes, its start and a hash of all of it.
fn hidden_stem(base: &str) -> String {
    if 1 + base.len() + MAX_SUFFIX_BYTES <= MAX_NAME_BYTES {
        return base.to_string();
    }
    // FNV-1a: stable across runs and Rust versions.
    let hash = base.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let mut cut = MAX_NAME_BYTES - 1 - MAX_SUFFIX_BYTES - 9;
    while !base.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}~{:08x}", &base[..cut], hash as u32)
}

/// An advisory lock on a sibling lock file, removed when released.
#[derive(Debug)]
struct Lock {
    path: PathBuf,
    file: fs::File,
}

impl Lock {
    /// Takes the lock `path` at once, or says who holds it.
    fn take(path: PathBuf, dir: &Path) -> Result<Lock, OutputError> {
        // The holder removes the file when done: if it was removed between our open and
        // our lock, we locked a file nobody else will see, so open again.
        for _ in 0..10 {
            let file = fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)
                .map_err(OutputError::unusable(&path))?;
            match fs4::FileExt::try_lock(&file) {
                Ok(()) => {}
                Err(fs4::TryLockError::WouldBlock) => {
                    return Err(OutputError::Locked {
                        dir: dir.to_path_buf(),
                        lock: path,
                    });
                }
                Err(fs4::TryLockError::Error(e)) => {
                    return Err(OutputError::unusable(&path)(e));
                }
            }
            if same_file(&file, &path) {
                register(Cleanup::File(path.clone()));
                return Ok(Lock { path, file });
            }
        }
        Err(OutputError::Locked {
            dir: dir.to_path_buf(),
            lock: path,
        })
    }
}

#[cfg(unix)]
fn same_file(file: &fs::File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_file: &fs::File, path: &Path) -> bool {
    path.exists()
}

impl Drop for Lock {
    fn drop(&mut self) {
        let c = Cleanup::File(self.path.clone());
        deregister(&c);
        // Removed while still held, so nobody can lock the name we are letting go of.
        let _ = fs::remove_file(&self.path);
        let _ = fs4::FileExt::unlock(&self.file);
    }
}

// ---------------------------------------------------------------------------------------
// Markers and ownership
// ---------------------------------------------------------------------------------------

/// What a folder's marker says provsim wrote: relative file paths, and `name/` for a
/// scenario folder of a parent.
#[derive(Debug, Default)]
struct Owned {
    files: Vec<String>,
    /// A marker from before markers listed files: provsim's own output names count.
    legacy: bool,
}

impl Owned {
    fn read(dir: &Path) -> Option<Owned> {
        let text = fs::read_to_string(dir.join(MARKER)).ok()?;
        let mut lines = text.lines();
        let head = lines.next().unwrap_or("");
        if head != MARKER_HEAD && head != PARENT_HEAD {
            return Some(Owned {
                files: Vec::new(),
                legacy: head.starts_with("This folder was written by provsim"),
            });
        }
        let files = lines
            .map(str::trim)
            .filter(|l| {
                !l.is_empty()
                    && !l.starts_with('/')
                    && !Path::new(l)
                        .components()
                        .any(|c| !matches!(c, std::path::Component::Normal(_)))
            })
            .map(str::to_string)
            .collect();
        Some(Owned {
            files,
            legacy: false,
        })
    }

    fn lists(&self, rel: &str) -> bool {
        if self.legacy {
            return matches!(
                rel,
                "summary.csv"
                    | "timeseries.csv"
                    | "replications.csv"
                    | "scenario.toml"
                    | "break-even.csv"
                    | "crossings.csv"
                    | "break-even.png"
            ) || (rel.starts_with("charts/") && rel.ends_with(".png"));
        }
        self.files.iter().any(|f| f == rel)
    }

    fn lists_folder(&self, rel: &str) -> bool {
        self.files.iter().any(|f| f.strip_suffix('/') == Some(rel))
    }
}

/// The first thing in `dir` provsim did not write (`None`: everything is provsim's, or
/// `dir` is empty); `dir` without a marker is foreign unless empty.
fn first_foreign(dir: &Path) -> Result<Option<String>, OutputError> {
    let Some(owned) = Owned::read(dir) else {
        let mut entries = fs::read_dir(dir).map_err(OutputError::unusable(dir))?;
        return Ok(entries
            .next()
            .map(|e| e.map_or_else(|_| "files".into(), |e| quoted(&e.path()))));
    };
    foreign_in(dir, "", &owned)
}

fn quoted(p: &Path) -> String {
    format!("{:?}", p.display().to_string())
}

fn foreign_in(root: &Path, rel: &str, owned: &Owned) -> Result<Option<String>, OutputError> {
    let here = root.join(rel);
    for entry in fs::read_dir(&here).map_err(OutputError::unusable(&here))? {
        let entry = entry.map_err(OutputError::unusable(&here))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        let kind = entry.file_type().map_err(OutputError::unusable(&here))?;
        if rel.is_empty() && name == MARKER {
            continue;
        }
        let found = if kind.is_dir() {
            if owned.lists_folder(&path) {
                first_foreign(&root.join(&path))?
            } else {
                foreign_in(root, &path, owned)?
            }
        } else if owned.lists(&path) {
            None
        } else {
            Some(quoted(&root.join(&path)))
        };
        if found.is_some() {
            return Ok(found);
        }
    }
    Ok(None)
}

/// Deletes what `dir`'s marker lists (recursing into listed scenario folders), then the
/// folders left empty, the marker and `dir` itself if nothing else is left.
fn delete_owned(dir: &Path) {
    let Some(owned) = Owned::read(dir) else {
        return;
    };
    delete_in(dir, "", &owned);
    let _ = fs::remove_file(dir.join(MARKER));
    let _ = fs::remove_dir(dir);
}

fn delete_in(root: &Path, rel: &str, owned: &Owned) {
    let Ok(entries) = fs::read_dir(root.join(rel)) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        let full = root.join(&path);
        match entry.file_type() {
            Ok(t) if t.is_dir() => {
                if owned.lists_folder(&path) {
                    delete_owned(&full);
                } else {
                    delete_in(root, &path, owned);
                    let _ = fs::remove_dir(&full);
                }
            }
            Ok(_) if owned.lists(&path) => {
                let _ = fs::remove_file(&full);
            }
            _ => {}
        }
    }
}

fn write_marker(dir: &Path, head: &str, files: &[String]) -> Result<(), OutputError> {
    let path = dir.join(MARKER);
    let mut text = format!("{head}\n");
    for f in files {
        text.push_str(f);
        text.push('\n');
    }
    fs::write(&path, text).map_err(OutputError::io(&path))
}

// ---------------------------------------------------------------------------------------
// Preparing and committing
// ---------------------------------------------------------------------------------------

/// `dir`, or the folder it links to; an error if it links to nothing.
fn resolve(dir: &Path) -> Result<PathBuf, OutputError> {
    match fs::symlink_metadata(dir) {
        Ok(m) if m.file_type().is_symlink() => fs::canonicalize(dir).map_err(|_| {
            let target = fs::read_link(dir).unwrap_or_default();
            OutputError::DanglingLink {
                link: dir.to_path_buf(),
                target,
            }
        }),
        _ => Ok(dir.to_path_buf()),
    }
}

/// The folder holding `dir` and `dir`'s own name.
fn split(dir: &Path) -> Result<(PathBuf, String), OutputError> {
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let base = match dir.file_name() {
        Some(n) => n.to_string_lossy().into_owned(),
        None => {
            return Err(OutputError::Unusable {
                path: dir.to_path_buf(),
                reason: "it names no folder (`.`, `..` or a root)".into(),
            });
        }
    };
    if base.len() > MAX_NAME_BYTES {
        return Err(OutputError::Unusable {
            path: dir.to_path_buf(),
            reason: format!(
                "its name is {} bytes; a folder name may have at most {MAX_NAME_BYTES}",
                base.len()
            ),
        });
    }
    Ok((parent, base))
}

/// Checks that `dir` may be replaced: absent, empty, or every file in it provsim's; and
/// that the nearest of its ancestors that exists is a folder.
fn check_replaceable(dir: &Path) -> Result<(), OutputError> {
    if let Some(blocker) = dir
        .ancestors()
        .skip(1)
        .filter(|a| !a.as_os_str().is_empty())
        .find(|a| fs::metadata(a).is_ok())
        && !blocker.is_dir()
    {
        return Err(OutputError::NotADirectory(blocker.to_path_buf()));
    }
    match fs::metadata(dir) {
        Err(_) => Ok(()),
        Ok(m) if !m.is_dir() => Err(OutputError::NotADirectory(dir.to_path_buf())),
        Ok(_) => match first_foreign(dir)? {
            None => Ok(()),
            Some(foreign) => Err(OutputError::ForeignDirectory {
                dir: dir.to_path_buf(),
                foreign,
            }),
        },
    }
}

/// Checks that `dir` can be used as an output folder, without touching anything.
pub fn check_output_dir(dir: &Path) -> Result<(), OutputError> {
    let dir = resolve(dir)?;
    split(&dir)?;
    check_replaceable(&dir)
}

/// An output folder made ready before anything runs: checked, locked, and with its
/// staging folder created. Dropping it without [`Prepared::commit`] removes the staging
/// folder and releases the lock.
#[derive(Debug)]
pub struct Prepared {
    /// Where the results go (a symbolic link resolved).
    dir: PathBuf,
    parent: PathBuf,
    stem: String,
    staging: PathBuf,
    _lock: Lock,
}

/// Makes `dir` ready for a run's results: see the module's documentation.
pub fn prepare(dir: &Path) -> Result<Prepared, OutputError> {
    let dir = resolve(dir)?;
    let (parent, base) = split(&dir)?;
    check_replaceable(&dir)?;
    fs::create_dir_all(&parent).map_err(OutputError::unusable(&parent))?;
    let stem = hidden_stem(&base);
    let lock = Lock::take(parent.join(format!(".{stem}.lock")), &dir)?;
    // Under the lock nobody else writes this folder: what a killed run left is stale.
    check_replaceable(&dir)?;
    remove_stale(&parent, &stem);
    let staging = parent.join(format!(".{stem}.partial-{}", std::process::id()));
    fs::create_dir(&staging).map_err(OutputError::unusable(&staging))?;
    register(Cleanup::Staging(staging.clone()));
    let tag = staging.join(STAGING_TAG);
    fs::write(&tag, "").map_err(OutputError::unusable(&tag))?;
    Ok(Prepared {
        dir,
        parent,
        stem,
        staging,
        _lock: lock,
    })
}

/// Removes the staging and previous-results folders a killed run left beside the output
/// folder of hidden stem `stem` (called with its lock held).
fn remove_stale(parent: &Path, stem: &str) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    let partial = format!(".{stem}.partial-");
    let previous = format!(".{stem}.previous-");
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        let pid = |prefix: &str| {
            name.strip_prefix(prefix)
                .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        };
        if pid(&partial) && path.join(STAGING_TAG).is_file() {
            let _ = fs::remove_dir_all(&path);
        } else if pid(&previous) && matches!(first_foreign(&path), Ok(None)) {
            delete_owned(&path);
        }
    }
}

impl Prepared {
    /// The folder to write the files into.
    pub fn staging(&self) -> &Path {
        &self.staging
    }

    /// Where the results will be.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes the marker listing `written` (paths relative to the staging folder) and
    /// swaps the staging folder into place: the folder ends up with all of them or, on
    /// failure, as it was.
    pub fn commit(self, written: &[PathBuf]) -> Result<(), OutputError> {
        let mut files: Vec<String> = written
            .iter()
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .collect();
        files.sort();
        write_marker(&self.staging, MARKER_HEAD, &files)?;
        let _ = fs::remove_file(self.staging.join(STAGING_TAG));
        let mut list = registry();
        let result = self.swap();
        list.retain(|c| c != &Cleanup::Staging(self.staging.clone()));
        drop(list);
        result
    }

    fn swap(&self) -> Result<(), OutputError> {
        let fail = |e: io::Error| {
            let _ = fs::remove_dir_all(&self.staging);
            OutputError::io(&self.dir)(e)
        };
        if !self.dir.exists() {
            return fs::rename(&self.staging, &self.dir).map_err(fail);
        }
        // Checked again under the lock: a file put there since must not be lost.
        if let Err(e) = check_replaceable(&self.dir) {
            let _ = fs::remove_dir_all(&self.staging);
            return Err(e);
        }
        let old = self
            .parent
            .join(format!(".{}.previous-{}", self.stem, std::process::id()));
        fs::rename(&self.dir, &old).map_err(fail)?;
        if let Err(e) = fs::rename(&self.staging, &self.dir) {
            let _ = fs::rename(&old, &self.dir);
            return Err(fail(e));
        }
        // The new results are in place; what cannot be deleted of the old is left.
        delete_owned(&old);
        Ok(())
    }
}

impl Drop for Prepared {
    fn drop(&mut self) {
        let c = Cleanup::Staging(self.staging.clone());
        if registry().contains(&c) {
            let _ = fs::remove_dir_all(&self.staging);
            deregister(&c);
        }
    }
}

/// A folder holding one output folder per scenario (`run a.toml b.toml --out D`),
/// locked and marked before anything runs, so the same command can be run again.
#[derive(Debug)]
pub struct PreparedParent {
    _lock: Lock,
}

/// Makes `dir` ready to hold the scenario folders `names`: absent, empty, or marked by
/// provsim; created and marked now, listing `names` beside the folders it listed before.
pub fn prepare_parent(dir: &Path, names: &[String]) -> Result<PreparedParent, OutputError> {
    let dir = resolve(dir)?;
    let (parent, base) = split(&dir)?;
    let exists = match fs::metadata(&dir) {
        Ok(m) if !m.is_dir() => return Err(OutputError::NotADirectory(dir)),
        Ok(_) => true,
        Err(_) => false,
    };
    let owned = if exists { Owned::read(&dir) } else { None };
    if exists && owned.is_none() {
        let empty = fs::read_dir(&dir)
            .map_err(OutputError::unusable(&dir))?
            .next()
            .is_none();
        if !empty {
            return Err(OutputError::ForeignDirectory {
                dir: dir.clone(),
                foreign: "files and no provsim marker".into(),
            });
        }
    }
    fs::create_dir_all(&parent).map_err(OutputError::unusable(&parent))?;
    let lock = Lock::take(parent.join(format!(".{}.lock", hidden_stem(&base))), &dir)?;
    if !exists {
        fs::create_dir(&dir).map_err(OutputError::unusable(&dir))?;
    }
    let mut listed: Vec<String> = owned.map(|o| o.files).unwrap_or_default();
    for n in names {
        let entry = format!("{n}/");
        if !listed.contains(&entry) {
            listed.push(entry);
        }
    }
    listed.sort();
    write_marker(&dir, PARENT_HEAD, &listed).map_err(|e| OutputError::Unusable {
        path: dir.clone(),
        reason: e.to_string(),
    })?;
    Ok(PreparedParent { _lock: lock })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_names_fit_255_bytes_and_stay_apart() {
        let long = "é".repeat(120);
        let stem = hidden_stem(&long);
        assert!(format!(".{stem}.previous-4294967295").len() <= MAX_NAME_BYTES);
        assert_ne!(stem, hidden_stem(&format!("{long}x")));
        assert_eq!(hidden_stem("flash-crowd"), "flash-crowd");
    }

    #[test]
    fn a_stray_marker_does_not_make_a_folder_provsims() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("thesis");
        fs::create_dir(&dir).unwrap();
        fs::write(dir.join(MARKER), "anything\n").unwrap();
        fs::write(dir.join("thesis.tex"), "\\begin{document}").unwrap();
        assert!(matches!(
            check_output_dir(&dir),
            Err(OutputError::ForeignDirectory { .. })
        ));
        // A legacy marker covers provsim's own names only.
        fs::write(
            dir.join(MARKER),
            "This folder was written by provsim; the next run of the same scenario replaces it whole.\n",
        )
        .unwrap();
        assert!(check_output_dir(&dir).is_err());
        fs::remove_file(dir.join("thesis.tex")).unwrap();
        fs::create_dir(dir.join("charts")).unwrap();
        fs::write(dir.join("charts/summary.png"), "").unwrap();
        fs::write(dir.join("summary.csv"), "").unwrap();
        check_output_dir(&dir).unwrap();
    }

    #[test]
    fn commit_replaces_only_listed_files_and_leaves_nothing_beside() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        for round in 0..2 {
            let p = prepare(&dir).unwrap();
            assert!(matches!(prepare(&dir), Err(OutputError::Locked { .. })));
            fs::create_dir(p.staging().join("charts")).unwrap();
            fs::write(p.staging().join("charts/a.png"), format!("{round}")).unwrap();
            fs::write(p.staging().join("summary.csv"), format!("{round}")).unwrap();
            p.commit(&[PathBuf::from("summary.csv"), PathBuf::from("charts/a.png")])
                .unwrap();
            assert_eq!(
                fs::read_to_string(dir.join("summary.csv")).unwrap(),
                format!("{round}")
            );
        }
        let mut left: Vec<String> = fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["out"]);
        // A file the user adds makes the folder foreign.
        fs::write(dir.join("notes.txt"), "mine").unwrap();
        assert!(matches!(
            prepare(&dir),
            Err(OutputError::ForeignDirectory { .. })
        ));
    }
}
