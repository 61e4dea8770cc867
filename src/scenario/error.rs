//! What a scenario error says and where it points: the error type, `:line:col`, and the
//! field a syntax error sits in when the file is not valid TOML (so there is no tree to
//! walk).

use std::fmt;

/// A scenario file that cannot be used, with where and why.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("{file}: cannot read scenario file: {reason}")]
    Read { file: String, reason: String },
    /// The file is not valid TOML or does not match the scenario's shape.
    #[error("{file}{at}: {message}")]
    Syntax {
        file: String,
        at: LineCol,
        message: String,
    },
    /// A field has a value the model cannot use.
    #[error("{file}{at}: field `{field}`: {message}")]
    Invalid {
        file: String,
        at: LineCol,
        field: String,
        message: String,
    },
}

/// `:line:column` when known, empty otherwise.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LineCol(pub Option<(usize, usize)>);

impl fmt::Display for LineCol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some((line, col)) => write!(f, ":{line}:{col}"),
            None => Ok(()),
        }
    }
}

impl LineCol {
    /// Line and column (both from 1, the column in characters) of byte `offset`.
    pub(crate) fn of_offset(src: &str, offset: usize) -> LineCol {
        let offset = offset.min(src.len());
        let before = &src.as_bytes()[..offset];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        let col = String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count()
            + 1;
        LineCol(Some((line, col)))
    }
}

/// An error the TOML parser reports (the file is not valid TOML), with the field it sits
/// in when the line shows one.
pub(crate) fn syntax(
    text: &str,
    file: &str,
    offset: Option<usize>,
    message: String,
) -> ScenarioError {
    let Some(offset) = offset else {
        return ScenarioError::Syntax {
            file: file.to_string(),
            at: LineCol::default(),
            message: format!("{message} (no line: the TOML parser gave no position)"),
        };
    };
    let at = LineCol::of_offset(text, offset);
    match field_on_line(text, offset) {
        // The message names the key already ("duplicate key `x`"): say it once.
        Some(field) if !message.contains(&format!("`{field}`")) => ScenarioError::Invalid {
            file: file.to_string(),
            at,
            field,
            message,
        },
        _ => ScenarioError::Syntax {
            file: file.to_string(),
            at,
            message,
        },
    }
}

/// The field path of the key (or table header) on the line holding byte `offset`, read
/// from the text alone: the enclosing table is the nearest header above, indexed if it
/// is an array of tables. A path longer than 80 characters is cut (`…`).
fn field_on_line(text: &str, offset: usize) -> Option<String> {
    let field = full_field_on_line(text, offset)?;
    if field.chars().count() <= 80 {
        return Some(field);
    }
    Some(field.chars().take(80).chain(['…']).collect())
}

fn full_field_on_line(text: &str, offset: usize) -> Option<String> {
    let before = &text[..floor_char_boundary(text, offset)];
    let line_start = before.rfind('\n').map_or(0, |p| p + 1);
    let line = text[line_start..].lines().next()?.trim();
    let is_key = |k: &str| {
        !k.is_empty()
            && k.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    };
    let header = |l: &str| -> Option<(String, bool)> {
        let l = l.split('#').next()?.trim();
        if let Some(name) = l.strip_prefix("[[").and_then(|r| r.strip_suffix("]]")) {
            Some((name.trim().to_string(), true))
        } else {
            let name = l.strip_prefix('[').and_then(|r| r.strip_suffix(']'))?;
            Some((name.trim().to_string(), false))
        }
    };
    if let Some((name, _)) = header(line) {
        return is_key(&name).then_some(name);
    }
    let key = line.split_once('=')?.0.trim();
    if !is_key(key) {
        return None;
    }
    let lines_above: Vec<&str> = text[..line_start].lines().collect();
    let Some((pos, (name, array))) = lines_above
        .iter()
        .enumerate()
        .rev()
        .find_map(|(i, l)| header(l.trim()).map(|h| (i, h)))
    else {
        return Some(key.to_string());
    };
    let prefix = if array {
        let index = lines_above[..pos]
            .iter()
            .filter(|l| header(l.trim()).is_some_and(|(n, a)| a && n == name))
            .count();
        format!("{name}[{index}]")
    } else {
        name
    };
    Some(format!("{prefix}.{key}"))
}

/// The largest char boundary at or before `offset`.
fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut i = offset.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}
