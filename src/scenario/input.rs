//! The scenario file as read: at most [`MAX_FILE_BYTES`], read exactly once (so stdin,
//! pipes and FIFOs work, and the copy written beside the results is made from the very
//! bytes that were parsed), then pre-scanned before the TOML parser builds its tree.
//!
//! The pre-scan walks the tokens without keeping them (constant memory) and refuses a file
//! with more than [`MAX_ITEMS`] keys and array items, arrays or inline tables nested more
//! than [`MAX_DEPTH`] deep, or keys of more than [`MAX_KEY_PARTS`] dotted parts: the
//! parser's tree takes ~200 bytes per item and the units' own limits (1,000 policies,
//! 1,000 shapes, 100,000 profile points) are checked only on that tree, so without it a
//! 16 MB array would cost seconds and gigabytes only to be refused.

use std::io::Read;
use std::path::{Path, PathBuf};

use toml_parser::lexer::TokenKind;

use super::error::{self, LineCol, ScenarioError};

/// Largest scenario file: 16 MiB. Traffic belongs in a trace file, which is streamed and
/// has limits of its own.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;
/// Most keys and array items in one file: a 100,000-point profile and 1,000 policies fit.
pub const MAX_ITEMS: usize = 250_000;
/// Deepest nesting of arrays and inline tables.
pub const MAX_DEPTH: usize = 32;
/// Most parts of one dotted key or table header (`a.b.c` has 3).
pub const MAX_KEY_PARTS: usize = 32;

/// What a scenario path names: a file, or `-` for standard input.
pub(crate) const STDIN: &str = "-";
/// How standard input is named in messages.
pub const STDIN_NAME: &str = "<stdin>";

/// A scenario as read from its file, before parsing.
#[derive(Debug, Clone)]
pub struct Source {
    /// How errors name it: the path as given, or `<stdin>`.
    pub file: String,
    /// The file's text, exactly as read (checked UTF-8).
    pub text: String,
    /// The name a scenario without `name` takes, derived from the file name.
    pub default_name: String,
    /// The folder relative paths in it (a trace's files) are read from.
    pub base: PathBuf,
}

impl Source {
    /// Reads `path` once (`-`: standard input), refusing more than [`MAX_FILE_BYTES`].
    pub fn read(path: &Path) -> Result<Source, ScenarioError> {
        let stdin = path.as_os_str() == STDIN;
        let file = if stdin {
            STDIN_NAME.to_string()
        } else {
            path.display().to_string()
        };
        let failed = |reason: String| ScenarioError::Read {
            file: file.clone(),
            reason,
        };
        let bytes = if stdin {
            read_limited(std::io::stdin().lock(), &file)?
        } else {
            if path.is_dir() {
                return Err(failed(
                    "is a directory, expected a .toml scenario file".into(),
                ));
            }
            let f = std::fs::File::open(path).map_err(|e| failed(e.to_string()))?;
            // A regular file's size is known without reading it; a device or a pipe is
            // read up to one byte past the limit.
            if let Ok(meta) = f.metadata()
                && meta.is_file()
                && meta.len() > MAX_FILE_BYTES
            {
                return Err(too_large(&file));
            }
            read_limited(f, &file)?
        };
        let text = utf8(bytes, &file)?;
        let (default_name, base) = if stdin {
            ("stdin".to_string(), PathBuf::new())
        } else {
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            (
                super::name::from_file(&stem),
                path.parent().unwrap_or(Path::new("")).to_path_buf(),
            )
        };
        Ok(Source {
            file,
            text,
            default_name,
            base,
        })
    }

    /// Parses and validates the text read.
    pub fn parse(&self) -> Result<super::Scenario, ScenarioError> {
        super::parse_in(&self.text, &self.file, &self.default_name, &self.base)
    }
}

fn too_large(file: &str) -> ScenarioError {
    ScenarioError::Read {
        file: file.to_string(),
        reason: format!(
            "larger than {} MiB, the most a scenario file may be (nothing was parsed); traffic belongs in a trace file (`workload.trace`), which is streamed",
            MAX_FILE_BYTES >> 20
        ),
    }
}

/// Up to [`MAX_FILE_BYTES`] of `input`; one byte more is an error.
fn read_limited(input: impl Read, file: &str) -> Result<Vec<u8>, ScenarioError> {
    let mut bytes = Vec::new();
    input
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ScenarioError::Read {
            file: file.to_string(),
            reason: e.to_string(),
        })?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(file));
    }
    Ok(bytes)
}

/// The bytes as text, or where they stop being UTF-8.
pub(crate) fn utf8(bytes: Vec<u8>, file: &str) -> Result<String, ScenarioError> {
    String::from_utf8(bytes).map_err(|e| ScenarioError::Syntax {
        at: LineCol::of_offset(
            &String::from_utf8_lossy(e.as_bytes()),
            e.utf8_error().valid_up_to(),
        ),
        file: file.to_string(),
        message: "not UTF-8 text; a scenario file is TOML".into(),
    })
}

/// Refuses `text` if its structure exceeds the limits above, pointing at the token where
/// it does; a file that is not valid TOML passes (the parser reports it).
pub(crate) fn prescan(text: &str, file: &str) -> Result<(), ScenarioError> {
    let mut items = 0usize;
    let mut depth = 0usize;
    let mut key_parts = 1usize;
    let fail = |at: usize, message: String| Err(error::syntax(text, file, Some(at), message));
    for token in toml_parser::Source::new(text).lex() {
        let at = token.span().start();
        match token.kind() {
            TokenKind::LeftSquareBracket | TokenKind::LeftCurlyBracket => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return fail(
                        at,
                        format!("nested more than {MAX_DEPTH} levels deep; a scenario needs a few"),
                    );
                }
            }
            TokenKind::RightSquareBracket | TokenKind::RightCurlyBracket => {
                depth = depth.saturating_sub(1);
            }
            TokenKind::Equals | TokenKind::Comma => {
                items += 1;
                if items > MAX_ITEMS {
                    return fail(
                        at,
                        format!(
                            "more than {MAX_ITEMS} keys and values in one file; a scenario holds at most 1,000 policies, 1,000 shapes and 100,000 profile points (traffic belongs in a trace file)"
                        ),
                    );
                }
            }
            TokenKind::Dot => {
                key_parts += 1;
                if key_parts > MAX_KEY_PARTS {
                    return fail(
                        at,
                        format!(
                            "a dotted key or table header of more than {MAX_KEY_PARTS} parts; a scenario's are at most 4 deep"
                        ),
                    );
                }
            }
            _ => {}
        }
        // A dotted key is parts and dots, maybe spaced; anything else ends it.
        if !matches!(
            token.kind(),
            TokenKind::Dot
                | TokenKind::Atom
                | TokenKind::BasicString
                | TokenKind::LiteralString
                | TokenKind::Whitespace
        ) {
            key_parts = 1;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prescan_passes_ordinary_files_and_counts_only_structure() {
        prescan(super::super::DEFAULT_SCENARIO, "d").unwrap();
        // Floats and dates have dots too; they are one part of a value, not a key.
        prescan(
            "a = 1.5\nb = 1979-05-27T07:32:00.5Z\n[x.y.z]\nc = \"a.b.c\"\n",
            "f",
        )
        .unwrap();
    }

    #[test]
    fn prescan_refuses_deep_long_and_huge_files_with_a_position() {
        let deep = format!("a = {}1{}\n", "[".repeat(40), "]".repeat(40));
        let e = prescan(&deep, "f.toml").unwrap_err().to_string();
        assert!(e.starts_with("f.toml:1:") && e.contains("nested"), "{e}");
        let dotted = format!("x = 1\n[{}]\n", vec!["a"; 3000].join("."));
        let e = prescan(&dotted, "f.toml").unwrap_err().to_string();
        assert!(e.starts_with("f.toml:2:") && e.contains("dotted"), "{e}");
        let huge = format!("points = [{}]\n", vec!["1"; MAX_ITEMS + 1].join(","));
        let e = prescan(&huge, "f.toml").unwrap_err().to_string();
        assert!(e.contains("field `points`") && e.contains("250000"), "{e}");
    }
}
