//! Helpers for the trace tests: files written to a temporary folder and loaded.

use std::io::Write;
use std::path::PathBuf;

use super::{CsvOptions, Trace, TraceError, TraceFormat, TraceSpec, load};

/// `data` gzip-compressed.
pub(crate) fn gzip(data: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(data).unwrap();
    gz.finish().unwrap()
}

/// Writes `files` (name, bytes) into a new temporary folder.
pub(crate) fn write_files(files: &[(&str, &[u8])]) -> (tempfile::TempDir, Vec<PathBuf>) {
    let dir = tempfile::tempdir().unwrap();
    let paths = files
        .iter()
        .map(|(name, data)| {
            let path = dir.path().join(name);
            std::fs::write(&path, data).unwrap();
            path
        })
        .collect();
    (dir, paths)
}

/// Loads `data` saved as `name`, in `format`, after `tweak` adjusts the spec. The folder
/// is returned so that it lives as long as the caller needs the file names.
pub(crate) fn load_bytes(
    name: &str,
    data: &[u8],
    format: TraceFormat,
    tweak: impl FnOnce(&mut TraceSpec),
) -> Result<(Trace, tempfile::TempDir), TraceError> {
    let (dir, paths) = write_files(&[(name, data)]);
    let mut spec = TraceSpec::new(paths[0].clone(), format);
    tweak(&mut spec);
    load(&spec).map(|t| (t, dir))
}

/// Loads `text` as a counts CSV, after `tweak` (which may change the format).
pub(crate) fn load_text(
    name: &str,
    text: &str,
    tweak: impl FnOnce(&mut TraceSpec),
) -> Result<(Trace, tempfile::TempDir), TraceError> {
    load_bytes(
        name,
        text.as_bytes(),
        TraceFormat::Counts(CsvOptions::default()),
        tweak,
    )
}
