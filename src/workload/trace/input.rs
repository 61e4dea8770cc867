//! Reading trace files: plain or gzip, line by line through a bounded buffer, each line
//! checked to be text; the count of unreadable lines; CSV fields.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufRead, BufReader, ErrorKind, Read};
use std::path::Path;

use flate2::read::MultiGzDecoder;

use super::TraceError;

/// The longest line a trace may hold, in bytes. Real lines are far shorter (an nginx
/// request line is capped at 8 KiB by default; an Azure Functions row is ~12 KiB); the
/// cap keeps a file of garbage without newlines from filling memory.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// How many skipped lines a warning or error names.
const SHOWN: usize = 5;

/// The lines of one trace file, read through a reusable buffer of at most
/// [`MAX_LINE_BYTES`]. Gzip is recognised by its magic bytes, and concatenated gzip
/// members (as `cat a.gz b.gz` makes) are read as one stream.
pub(crate) struct Lines {
    name: String,
    reader: Box<dyn BufRead>,
    buf: Vec<u8>,
    line: u64,
    gzip: bool,
}

impl Lines {
    pub(crate) fn open(path: &Path) -> Result<Lines, TraceError> {
        let name = path.display().to_string();
        let cannot =
            |e: std::io::Error| TraceError::file(&name, format!("cannot open the trace file: {e}"));
        if path.is_dir() {
            return Err(TraceError::file(&name, "is a directory, not a trace file"));
        }
        let mut raw = BufReader::with_capacity(1 << 18, File::open(path).map_err(cannot)?);
        let head = raw.fill_buf().map_err(cannot)?;
        if head.is_empty() {
            return Err(TraceError::file(
                &name,
                "the file is empty: a trace needs data",
            ));
        }
        let gzip = head.starts_with(&[0x1f, 0x8b]);
        // Text has no NUL byte and most binary files have one early (grep's and git's test).
        let sniff = &head[..head.len().min(8192)];
        if let Some(at) = sniff.iter().position(|&b| b == 0).filter(|_| !gzip) {
            return Err(TraceError::file(
                &name,
                format!(
                    "binary data (a NUL byte at byte {}), not a text trace: an image, an archive, a compression other than gzip?",
                    at + 1
                ),
            ));
        }
        if !gzip && name.ends_with(".gz") {
            return Err(TraceError::file(
                &name,
                "is named .gz but is not gzip data (it does not start with the gzip magic bytes 1f 8b)",
            ));
        }
        let reader: Box<dyn BufRead> = if gzip {
            Box::new(BufReader::with_capacity(1 << 18, MultiGzDecoder::new(raw)))
        } else {
            Box::new(raw)
        };
        Ok(Lines {
            name,
            reader,
            buf: Vec::with_capacity(1024),
            line: 0,
            gzip,
        })
    }

    /// Moves to the next line; `false` at the end of the file. A file with no line at all
    /// is an error, as are a line longer than [`MAX_LINE_BYTES`], binary data, bytes that
    /// are not UTF-8, and a gzip stream that is cut short or corrupt.
    pub(crate) fn advance(&mut self) -> Result<bool, TraceError> {
        self.buf.clear();
        let limit = MAX_LINE_BYTES as u64 + 1;
        let read = (&mut self.reader)
            .take(limit)
            .read_until(b'\n', &mut self.buf);
        let n = read.map_err(|e| self.read_error(e))?;
        if n == 0 {
            if self.line == 0 {
                return Err(self.file_error("holds no lines: a trace needs data"));
            }
            return Ok(false);
        }
        self.line += 1;
        if self.buf.last() == Some(&b'\n') {
            self.buf.pop();
            if self.buf.last() == Some(&b'\r') {
                self.buf.pop();
            }
        } else if self.buf.len() > MAX_LINE_BYTES {
            return Err(self.error(format!(
                "the line is longer than {MAX_LINE_BYTES} bytes, the most a trace line may hold (so that garbage cannot fill memory): is this a trace file?"
            )));
        }
        self.check_text()
    }

    fn check_text(&self) -> Result<bool, TraceError> {
        let control = self
            .buf
            .iter()
            .position(|&b| (b < 0x20 && b != b'\t') || b == 0x7f);
        let not_utf8 = if self.buf.is_ascii() {
            None
        } else {
            std::str::from_utf8(&self.buf)
                .err()
                .map(|e| e.valid_up_to())
        };
        match (control, not_utf8) {
            (Some(c), u) if u.is_none_or(|u| c <= u) => Err(self.error(format!(
                "binary data (byte 0x{:02x} at column {}), not text: is this a compressed or binary file?",
                self.buf[c],
                c + 1
            ))),
            (_, Some(u)) => Err(self.error(format!(
                "not UTF-8 text (byte 0x{:02x} at column {}): a binary file, or text in another encoding (save it as UTF-8)",
                self.buf[u],
                u + 1
            ))),
            _ => Ok(true),
        }
    }

    fn read_error(&self, e: std::io::Error) -> TraceError {
        let after = match self.line {
            0 => "before the first line".to_string(),
            n => format!("after line {n}"),
        };
        let message = match (self.gzip, e.kind()) {
            (true, ErrorKind::UnexpectedEof) => format!(
                "the gzip data stops {after}: the file is truncated (an interrupted download or copy?)"
            ),
            (true, _) => format!("corrupt gzip data {after}: {e}"),
            (false, _) => format!("cannot read {after}: {e}"),
        };
        self.file_error(message)
    }

    /// The current line's bytes, without its line ending.
    #[inline]
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.buf
    }

    /// The current line as text (checked by [`Lines::advance`]).
    pub(crate) fn text(&self) -> &str {
        std::str::from_utf8(&self.buf).unwrap_or_default()
    }

    /// The current line's number, from 1.
    pub(crate) fn line(&self) -> u64 {
        self.line
    }

    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// An error at the current line.
    pub(crate) fn error(&self, message: impl Into<String>) -> TraceError {
        TraceError::line(&self.name, self.line, message)
    }

    /// An error at another line of this file.
    pub(crate) fn error_at(&self, line: u64, message: impl Into<String>) -> TraceError {
        TraceError::line(&self.name, line, message)
    }

    /// An error about the whole file.
    pub(crate) fn file_error(&self, message: impl Into<String>) -> TraceError {
        TraceError::file(&self.name, message)
    }
}

/// Lines that cannot be read at all, skipped and counted: under `strict` the first is an
/// error, and more than 1 % of a file's lines is an error (a wrong format, most likely).
pub(crate) struct Skips {
    strict: bool,
    count: u64,
    first: Vec<String>,
}

impl Skips {
    pub(crate) fn new(strict: bool) -> Skips {
        Skips {
            strict,
            count: 0,
            first: Vec::new(),
        }
    }

    /// Skips the current line of `lines`, for the reason `why` gives.
    pub(crate) fn skip(
        &mut self,
        lines: &Lines,
        why: impl FnOnce() -> String,
    ) -> Result<(), TraceError> {
        if self.strict {
            return Err(lines.error(format!("{} (strict = true: no line may be skipped)", why())));
        }
        self.count += 1;
        if self.first.len() < SHOWN {
            self.first.push(format!("line {}: {}", lines.line(), why()));
        }
        Ok(())
    }

    /// At the end of a file: an error past 1 %, else a warning if any line was skipped.
    pub(crate) fn finish(
        &self,
        lines: &Lines,
        warnings: &mut Vec<String>,
    ) -> Result<(), TraceError> {
        if self.count == 0 {
            return Ok(());
        }
        let total = lines.line().max(1);
        let share = self.count as f64 * 100.0 / total as f64;
        let first = self.first.join("; ");
        let counted = format!("{} of {total} lines ({share:.2} %)", self.count);
        if self.count * 100 > total {
            return Err(lines.file_error(format!(
                "{counted} cannot be read, more than the 1 % a replay tolerates (is it the right format?); first: {first}"
            )));
        }
        warnings.push(format!(
            "{}: skipped {counted} that cannot be read; first: {first}",
            lines.name()
        ));
        Ok(())
    }
}

/// Splits one CSV line into fields, trimmed; a quoted field may hold commas and doubled
/// quotes. An unbalanced quote is an error.
pub(crate) fn csv_fields(line: &str) -> Result<Vec<Cow<'_, str>>, String> {
    let mut fields = Vec::new();
    let mut rest = line;
    loop {
        let trimmed = rest.trim_start();
        if let Some(quoted) = trimmed.strip_prefix('"') {
            let mut value = String::new();
            let mut chars = quoted.char_indices();
            let after = loop {
                match chars.next() {
                    None => return Err("a quote is not closed".to_string()),
                    Some((i, '"')) if quoted[i + 1..].starts_with('"') => {
                        value.push('"');
                        chars.next();
                    }
                    Some((i, '"')) => break &quoted[i + 1..],
                    Some((_, c)) => value.push(c),
                }
            };
            fields.push(Cow::Owned(value));
            let after = after.trim_start();
            match after.strip_prefix(',') {
                Some(next) => rest = next,
                None if after.is_empty() => return Ok(fields),
                None => return Err("text follows a closing quote".to_string()),
            }
        } else {
            match trimmed.split_once(',') {
                Some((field, next)) => {
                    fields.push(Cow::Borrowed(field.trim_end()));
                    rest = next;
                }
                None => {
                    fields.push(Cow::Borrowed(trimmed.trim_end()));
                    return Ok(fields);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::gzip;
    use super::*;

    fn read_all(path: &Path) -> Result<Vec<String>, TraceError> {
        let mut lines = Lines::open(path)?;
        let mut out = Vec::new();
        while lines.advance()? {
            out.push(lines.text().to_string());
        }
        Ok(out)
    }

    fn file_with(name: &str, data: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
        let (dir, mut paths) = super::super::testutil::write_files(&[(name, data)]);
        (dir, paths.remove(0))
    }

    #[test]
    fn plain_gzip_and_multi_member_gzip_read_alike() {
        let (_d, plain) = file_with("a.log", b"one\r\ntwo\nthree");
        assert_eq!(read_all(&plain).unwrap(), ["one", "two", "three"]);
        let mut two = gzip(b"one\ntwo\n");
        two.extend(gzip(b"three"));
        let (_d, gz) = file_with("a.log.gz", &two);
        assert_eq!(read_all(&gz).unwrap(), ["one", "two", "three"]);
    }

    #[test]
    fn broken_files_are_named_errors() {
        let err =
            |name: &str, data: &[u8]| read_all(&file_with(name, data).1).unwrap_err().to_string();
        assert!(err("e.csv", b"").contains("the file is empty"));
        assert!(err("e.gz", b"plain").contains("is not gzip data"));
        assert!(
            err("e.log", b"ok\nab\x01cd\n")
                .contains("e.log:2: binary data (byte 0x01 at column 3)")
        );
        assert!(
            err("e.log", b"\x89PNG\r\n\x1a\n\0\0")
                .contains("e.log: binary data (a NUL byte at byte 9)")
        );
        assert!(
            err("e.log", b"caf\xe9\n").contains("e.log:1: not UTF-8 text (byte 0xe9 at column 4)")
        );
        let long = vec![b'x'; MAX_LINE_BYTES + 1];
        assert!(err("e.log", &long).contains("e.log:1: the line is longer than 65536 bytes"));
        let mut cut = gzip(&b"line of text\n".repeat(2000));
        cut.truncate(cut.len() / 2);
        let msg = err("cut.gz", &cut);
        assert!(msg.contains("truncated"), "{msg}");
        let msg = err("empty.gz", &gzip(b""));
        assert!(msg.contains("holds no lines"), "{msg}");
        let missing = read_all(Path::new("/nonexistent/trace.csv"))
            .unwrap_err()
            .to_string();
        assert!(missing.contains("cannot open the trace file"), "{missing}");
    }

    #[test]
    fn a_line_at_the_limit_is_fine() {
        let mut data = vec![b'x'; MAX_LINE_BYTES];
        data.push(b'\n');
        data.extend(b"next");
        let (_d, path) = file_with("edge.log", &data);
        let lines = read_all(&path).unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].len(), MAX_LINE_BYTES);
    }

    #[test]
    fn csv_fields_split_quotes_and_commas() {
        let f = |s| {
            csv_fields(s)
                .unwrap()
                .into_iter()
                .map(|c| c.into_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(f("a, b ,c"), ["a", "b", "c"]);
        assert_eq!(
            f(r#""2024-06-03 00:00","1,5",x"#),
            ["2024-06-03 00:00", "1,5", "x"]
        );
        assert_eq!(f(r#""say ""hi""",,"#), [r#"say "hi""#, "", ""]);
        assert!(csv_fields(r#""open,1"#).is_err());
        assert!(csv_fields(r#""a"b,1"#).is_err());
    }
}
