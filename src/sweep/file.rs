//! The sweep file: which scenario, which fields to vary over which values, how the
//! lists combine, and what "best" means. Every check that needs no scenario is here, so
//! a bad sweep file is refused with its line before the scenario is even read.
//!
//! ```toml
//! scenario = "flash-crowd.toml"          # relative to the sweep file
//! replications = 5                       # seeds per point (optional)
//! mode = "grid"                          # or "zip" (optional, default grid)
//! [[vary]]
//! field = "policy[cloud].scaling.target"
//! values = [0.4, 0.5, 0.6]
//! [[vary]]
//! field = "policy[own-servers].servers"
//! range = { from = 6, to = 16, step = 2 }   # ends included
//! [objective]                            # optional: minimize all_in_cost by default
//! minimize = "all_in_cost"
//! subject_to = { slo_miss_fraction = 0.01 }  # upper bounds
//! ```

use std::ops::Range;
use std::path::{Path, PathBuf};

use toml_edit::{Item, Value as TomlValue};

use super::path::FieldPath;
use crate::app::{Error, MAX_REPLICATIONS};
use crate::metrics::Summary;
use crate::scenario::LineCol;

/// Largest sweep file: 1 MiB (values lists of 10,000 numbers fit many times over).
pub const MAX_SWEEP_BYTES: u64 = 1024 * 1024;
/// Most points one sweep may have (all shards together).
pub const MAX_POINTS: u64 = 100_000;
/// Most values one `[[vary]]` may list or generate.
pub const MAX_VALUES: u64 = 10_000;
/// Most `[[vary]]` fields.
pub const MAX_VARY: usize = 32;
/// Longest bytes of one string value.
const MAX_STRING: usize = 1_000;

/// One value a field takes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Int(i64),
    Float(f64),
    Str(String),
    Bool(bool),
}

impl Value {
    pub(crate) fn to_toml(&self) -> TomlValue {
        match self {
            Value::Int(i) => (*i).into(),
            Value::Float(x) => (*x).into(),
            Value::Str(s) => s.as_str().into(),
            Value::Bool(b) => (*b).into(),
        }
    }

    /// As `sweep.csv` writes it: numbers in their shortest exact form.
    pub(crate) fn text(&self) -> String {
        match self {
            Value::Int(i) => i.to_string(),
            Value::Float(x) => {
                let mut w = csv_float(*x);
                if !w.contains(['.', 'e', 'E']) {
                    w.push_str(".0");
                }
                w
            }
            Value::Str(s) => s.clone(),
            Value::Bool(b) => b.to_string(),
        }
    }

    /// As a chart's axis: the number, or `position` in its list for text.
    pub(crate) fn number(&self, position: usize) -> f64 {
        match self {
            Value::Int(i) => *i as f64,
            Value::Float(x) => *x,
            Value::Str(_) | Value::Bool(_) => position as f64,
        }
    }
}

/// `x` as the csv writer writes a float.
fn csv_float(x: f64) -> String {
    let mut w = ::csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    let _ = w.serialize([x]);
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8_lossy(&bytes).trim_end().to_string()
}

/// One `[[vary]]`: a field and the values it takes, in order.
#[derive(Debug, Clone)]
pub(crate) struct Vary {
    pub path: FieldPath,
    pub values: Vec<Value>,
    /// Where its `field` is in the sweep file.
    pub at: LineCol,
}

/// How the value lists combine into points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Every combination; the first field varies slowest.
    Grid,
    /// The i-th values of every list together; the lists have one length.
    Zip,
}

/// What "best" means: the lowest `minimize` among points whose `subject_to` columns are
/// at most their bounds (means, with replications).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Objective {
    pub minimize: String,
    pub subject_to: Vec<(String, f64)>,
}

impl Objective {
    /// In words, for charts and tables: `minimize all_in_cost s.t. drop_fraction ≤ 0.001`.
    pub(crate) fn describe(&self) -> String {
        let mut s = format!("minimize {}", self.minimize);
        for (i, (c, b)) in self.subject_to.iter().enumerate() {
            s.push_str(if i == 0 { " s.t. " } else { ", " });
            s.push_str(&format!("{c} ≤ {b}"));
        }
        s
    }
}

/// A checked sweep file.
#[derive(Debug, Clone)]
pub(crate) struct SweepFile {
    /// How messages name it: the path as given.
    pub file: String,
    /// The base scenario, resolved against the sweep file's folder.
    pub scenario: PathBuf,
    /// Seeds per point, if the sweep sets them (else the scenario's).
    pub replications: Option<u32>,
    pub vary: Vec<Vary>,
    pub mode: Mode,
    pub objective: Objective,
}

/// Reads a sweep file: at most [`MAX_SWEEP_BYTES`], UTF-8.
pub(crate) fn read(path: &Path) -> Result<(String, String), Error> {
    let file = path.display().to_string();
    let fail = |reason: String| Error::Usage(format!("{file}: cannot read sweep file: {reason}"));
    if path.is_dir() {
        return Err(fail("is a directory, expected a .toml sweep file".into()));
    }
    let f = std::fs::File::open(path).map_err(|e| fail(e.to_string()))?;
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut std::io::Read::take(f, MAX_SWEEP_BYTES + 1), &mut bytes)
        .map_err(|e| fail(e.to_string()))?;
    if bytes.len() as u64 > MAX_SWEEP_BYTES {
        return Err(fail(format!(
            "larger than {} KiB, the most a sweep file may be",
            MAX_SWEEP_BYTES >> 10
        )));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        fail(format!(
            "not UTF-8 text (byte {})",
            e.utf8_error().valid_up_to()
        ))
    })?;
    Ok((file, text))
}

/// The numeric [`Summary`] columns an objective may name (not the seed).
pub(crate) fn numeric_columns() -> Vec<&'static str> {
    let probe = Summary::default();
    Summary::columns()
        .iter()
        .filter(|(name, cell)| {
            !Summary::RUN_COLUMNS.contains(name) && cell(&probe).number().is_some()
        })
        .map(|&(name, _)| name)
        .collect()
}

/// Parses and checks sweep file `text`, named `file` in messages, whose relative paths are
/// from `dir`.
pub(crate) fn parse(text: &str, file: &str, dir: &Path) -> Result<SweepFile, Error> {
    let doc = toml_edit::Document::parse(text).map_err(|e| {
        let at = e
            .span()
            .map_or_else(LineCol::default, |s| LineCol::of_offset(text, s.start));
        Error::Usage(format!(
            "{file}{at}: not a valid sweep file: {}",
            e.message().trim()
        ))
    })?;
    let p = Parser { text, file };
    let root = doc.as_table();
    for (key, item) in root.iter() {
        if !matches!(
            key,
            "scenario" | "replications" | "mode" | "vary" | "objective"
        ) {
            return Err(p.error(
                item.span(),
                key,
                "unknown field; a sweep file has `scenario`, `replications`, `mode`, `[[vary]]` and `[objective]`",
            ));
        }
    }
    let scenario = match root.get("scenario") {
        None => {
            return Err(p.error(
                None,
                "scenario",
                "missing: the base scenario file, relative to the sweep file",
            ));
        }
        Some(item) => match item.as_str() {
            Some(s) if !s.is_empty() => dir.join(s),
            _ => return Err(p.error(item.span(), "scenario", "expected a file name (text)")),
        },
    };
    let replications = match root.get("replications") {
        None => None,
        Some(item) => match item.as_integer() {
            Some(n) if (1..=i64::from(MAX_REPLICATIONS)).contains(&n) => Some(n as u32),
            _ => {
                return Err(p.error(
                    item.span(),
                    "replications",
                    &format!("expected a whole number from 1 to {MAX_REPLICATIONS}"),
                ));
            }
        },
    };
    let mode = match root.get("mode") {
        None => Mode::Grid,
        Some(item) => match item.as_str() {
            Some("grid") => Mode::Grid,
            Some("zip") => Mode::Zip,
            _ => return Err(p.error(item.span(), "mode", "expected \"grid\" or \"zip\"")),
        },
    };
    let vary = p.vary_list(root.get("vary"))?;
    let objective = p.objective(root.get("objective"))?;
    Ok(SweepFile {
        file: file.to_string(),
        scenario,
        replications,
        vary,
        mode,
        objective,
    })
}

struct Parser<'a> {
    text: &'a str,
    file: &'a str,
}

impl Parser<'_> {
    fn error(&self, span: Option<Range<usize>>, field: &str, message: &str) -> Error {
        let at = span.map_or_else(LineCol::default, |s| LineCol::of_offset(self.text, s.start));
        Error::Usage(format!("{}{at}: field `{field}`: {message}", self.file))
    }

    fn vary_list(&self, item: Option<&Item>) -> Result<Vec<Vary>, Error> {
        let none = "no `[[vary]]`: a sweep varies at least one field (an empty grid)";
        let Some(item) = item else {
            return Err(self.error(None, "vary", none));
        };
        let Some(list) = item.as_array_of_tables() else {
            return Err(self.error(item.span(), "vary", "expected `[[vary]]` tables"));
        };
        if list.is_empty() {
            return Err(self.error(item.span(), "vary", none));
        }
        if list.len() > MAX_VARY {
            return Err(self.error(
                item.span(),
                "vary",
                &format!("{} fields; a sweep varies at most {MAX_VARY}", list.len()),
            ));
        }
        let mut out: Vec<Vary> = Vec::with_capacity(list.len());
        for (i, t) in list.iter().enumerate() {
            let here = format!("vary[{i}]");
            for (key, v) in t.iter() {
                if !matches!(key, "field" | "values" | "range") {
                    return Err(self.error(
                        v.span().or(t.span()),
                        &format!("{here}.{key}"),
                        "unknown field; a `[[vary]]` has `field` and `values` or `range`",
                    ));
                }
            }
            let Some(field) = t.get("field") else {
                return Err(self.error(
                    t.span(),
                    &here,
                    "missing `field` (e.g. \"policy[cloud].scaling.target\")",
                ));
            };
            let Some(text) = field.as_str() else {
                return Err(self.error(
                    field.span(),
                    &format!("{here}.field"),
                    "expected a field path (text)",
                ));
            };
            let path = FieldPath::parse(text)
                .map_err(|m| self.error(field.span(), &format!("{here}.field"), &m))?;
            if matches!(path.steps.as_slice(), [super::path::Step::Key(k)] if k == "replications") {
                return Err(self.error(
                    field.span(),
                    &format!("{here}.field"),
                    "`replications` is the same for every point: set it at the top of the sweep file",
                ));
            }
            if let Some(first) = out.iter().position(|v| v.path.text == path.text) {
                return Err(self.error(
                    field.span(),
                    &format!("{here}.field"),
                    &format!("{:?} is varied twice (first by vary[{first}])", path.text),
                ));
            }
            let values = match (t.get("values"), t.get("range")) {
                (Some(v), None) => self.values(v, &here)?,
                (None, Some(r)) => self.range(r, &here)?,
                _ => {
                    return Err(self.error(
                        t.span(),
                        &here,
                        "give exactly one of `values = [...]` and `range = { from, to, step }`",
                    ));
                }
            };
            let at = field
                .span()
                .map_or_else(LineCol::default, |s| LineCol::of_offset(self.text, s.start));
            out.push(Vary { path, values, at });
        }
        Ok(out)
    }

    fn values(&self, item: &Item, here: &str) -> Result<Vec<Value>, Error> {
        let field = format!("{here}.values");
        let Some(list) = item.as_array() else {
            return Err(self.error(item.span(), &field, "expected a list, e.g. [0.4, 0.5]"));
        };
        if list.is_empty() {
            return Err(self.error(
                item.span(),
                &field,
                "empty: a field takes at least one value (an empty grid)",
            ));
        }
        if list.len() as u64 > MAX_VALUES {
            return Err(self.error(
                item.span(),
                &field,
                &format!("{} values; at most {MAX_VALUES} per field", list.len()),
            ));
        }
        list.iter()
            .enumerate()
            .map(|(i, v)| {
                let fail = |m: &str| self.error(v.span(), &format!("{field}[{i}]"), m);
                match v {
                    TomlValue::Integer(n) => Ok(Value::Int(*n.value())),
                    TomlValue::Float(x) if x.value().is_finite() => Ok(Value::Float(*x.value())),
                    TomlValue::Float(_) => {
                        Err(fail("not a finite number (inf and nan are refused)"))
                    }
                    TomlValue::String(s) if s.value().len() <= MAX_STRING => {
                        Ok(Value::Str(s.value().clone()))
                    }
                    TomlValue::String(_) => {
                        Err(fail(&format!("text longer than {MAX_STRING} bytes")))
                    }
                    TomlValue::Boolean(b) => Ok(Value::Bool(*b.value())),
                    _ => Err(fail("expected a number, text or true/false")),
                }
            })
            .collect()
    }

    fn range(&self, item: &Item, here: &str) -> Result<Vec<Value>, Error> {
        let field = format!("{here}.range");
        let Some(t) = item.as_table_like() else {
            return Err(self.error(
                item.span(),
                &field,
                "expected { from = …, to = …, step = … }",
            ));
        };
        for (key, v) in t.iter() {
            if !matches!(key, "from" | "to" | "step") {
                return Err(self.error(
                    v.span().or(item.span()),
                    &format!("{field}.{key}"),
                    "unknown field; a range has `from`, `to` and `step`",
                ));
            }
        }
        let get = |key: &str| -> Result<&Item, Error> {
            t.get(key)
                .ok_or_else(|| self.error(item.span(), &format!("{field}.{key}"), "missing"))
        };
        let (from, to, step) = (get("from")?, get("to")?, get("step")?);
        if let (Some(a), Some(b), Some(s)) = (from.as_integer(), to.as_integer(), step.as_integer())
        {
            return self.int_range(a, b, s, step, &field);
        }
        let num = |it: &Item, key: &str| -> Result<f64, Error> {
            let x = it
                .as_float()
                .or_else(|| it.as_integer().map(|i| i as f64))
                .ok_or_else(|| {
                    self.error(it.span(), &format!("{field}.{key}"), "expected a number")
                })?;
            if !x.is_finite() {
                return Err(self.error(
                    it.span(),
                    &format!("{field}.{key}"),
                    "not a finite number (inf and nan are refused)",
                ));
            }
            Ok(x)
        };
        let (a, b, s) = (num(from, "from")?, num(to, "to")?, num(step, "step")?);
        let bad_step = |m: &str| self.error(step.span(), &format!("{field}.step"), m);
        if s == 0.0 {
            return Err(bad_step("zero: a step must move from `from` towards `to`"));
        }
        if (b - a) * s < 0.0 {
            return Err(bad_step(&format!(
                "{s} goes away from `to` ({a} → {b}): give the step the sign of to − from"
            )));
        }
        let n = (b - a) / s;
        if !n.is_finite() || n + 1.0 > MAX_VALUES as f64 {
            return Err(bad_step(&format!("makes more than {MAX_VALUES} values")));
        }
        // from + i × step, with the end kept despite rounding (0.1 + 2 × 0.1 ≠ 0.3).
        let tol = 1e-9 * n.abs().max(1.0);
        let whole = n.round();
        let (count, exact_end) = if (n - whole).abs() <= tol {
            (whole as u64 + 1, true)
        } else {
            (n.floor() as u64 + 1, false)
        };
        Ok((0..count)
            .map(|i| {
                if exact_end && i + 1 == count && count > 1 {
                    Value::Float(b)
                } else {
                    Value::Float(a + i as f64 * s)
                }
            })
            .collect())
    }

    fn int_range(
        &self,
        a: i64,
        b: i64,
        s: i64,
        step: &Item,
        field: &str,
    ) -> Result<Vec<Value>, Error> {
        let bad_step = |m: &str| self.error(step.span(), &format!("{field}.step"), m);
        if s == 0 {
            return Err(bad_step("zero: a step must move from `from` towards `to`"));
        }
        let span = i128::from(b) - i128::from(a);
        if span * i128::from(s) < 0 {
            return Err(bad_step(&format!(
                "{s} goes away from `to` ({a} → {b}): give the step the sign of to − from"
            )));
        }
        let count = span / i128::from(s) + 1;
        if count > i128::from(MAX_VALUES) {
            return Err(bad_step(&format!(
                "makes {count} values; at most {MAX_VALUES} per field"
            )));
        }
        Ok((0..count as i64).map(|i| Value::Int(a + i * s)).collect())
    }

    fn objective(&self, item: Option<&Item>) -> Result<Objective, Error> {
        let mut objective = Objective {
            minimize: "all_in_cost".into(),
            subject_to: Vec::new(),
        };
        let Some(item) = item else {
            return Ok(objective);
        };
        let Some(t) = item.as_table_like() else {
            return Err(self.error(item.span(), "objective", "expected a table: [objective]"));
        };
        let columns = numeric_columns();
        let known = |name: &str, span, field: &str| -> Result<String, Error> {
            if columns.contains(&name) {
                Ok(name.to_string())
            } else {
                Err(self.error(
                    span,
                    field,
                    &format!(
                        "{name:?} is not a numeric summary column (one of: {})",
                        columns.join(", ")
                    ),
                ))
            }
        };
        for (key, v) in t.iter() {
            match key {
                "minimize" => {
                    let Some(name) = v.as_str() else {
                        return Err(self.error(
                            v.span(),
                            "objective.minimize",
                            "expected a summary column name (text)",
                        ));
                    };
                    objective.minimize = known(name, v.span(), "objective.minimize")?;
                }
                "subject_to" => {
                    let Some(bounds) = v.as_table_like() else {
                        return Err(self.error(
                            v.span(),
                            "objective.subject_to",
                            "expected { column = upper bound, … }",
                        ));
                    };
                    for (col, b) in bounds.iter() {
                        let field = format!("objective.subject_to.{col}");
                        let name = known(col, b.span().or(v.span()), &field)?;
                        let x = b
                            .as_float()
                            .or_else(|| b.as_integer().map(|i| i as f64))
                            .ok_or_else(|| {
                                self.error(
                                    b.span().or(v.span()),
                                    &field,
                                    "expected a number (an upper bound)",
                                )
                            })?;
                        if !x.is_finite() {
                            return Err(self.error(
                                b.span().or(v.span()),
                                &field,
                                "not a finite number (inf and nan are refused)",
                            ));
                        }
                        objective.subject_to.push((name, x));
                    }
                }
                _ => {
                    return Err(self.error(
                        v.span().or(item.span()),
                        &format!("objective.{key}"),
                        "unknown field; [objective] has `minimize` and `subject_to`",
                    ));
                }
            }
        }
        Ok(objective)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &str) -> SweepFile {
        parse(text, "s.toml", Path::new("")).unwrap()
    }

    fn parse_err(text: &str) -> String {
        parse(text, "s.toml", Path::new(""))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn float_ranges_keep_their_end() {
        let s = parse_ok(
            "scenario = \"x.toml\"\n[[vary]]\nfield = \"a\"\nrange = { from = 0.1, to = 0.3, step = 0.1 }\n",
        );
        assert_eq!(
            s.vary[0].values,
            [Value::Float(0.1), Value::Float(0.2), Value::Float(0.3)]
        );
        let s = parse_ok(
            "scenario = \"x.toml\"\n[[vary]]\nfield = \"a\"\nrange = { from = 16, to = 6, step = -5 }\n",
        );
        assert_eq!(
            s.vary[0].values,
            [Value::Int(16), Value::Int(11), Value::Int(6)]
        );
        assert_eq!(s.objective.minimize, "all_in_cost");
    }

    #[test]
    fn bad_files_name_their_line() {
        let e = parse_err(
            "scenario = \"x.toml\"\n[[vary]]\nfield = \"a\"\nrange = { from = 1, to = 3, step = -1 }\n",
        );
        assert!(e.starts_with("s.toml:4:"), "{e}");
        assert!(e.contains("vary[0].range.step"), "{e}");
        let e = parse_err("scenario = \"x.toml\"\n[[vary]]\nfield = \"a\"\nvalues = [nan]\n");
        assert!(e.contains("finite"), "{e}");
        let e = parse_err("scenario = \"x.toml\"\n");
        assert!(e.contains("empty grid"), "{e}");
    }

    #[test]
    fn values_are_written_exactly() {
        assert_eq!(Value::Float(2.0).text(), "2.0");
        assert_eq!(Value::Float(0.1).text(), "0.1");
        assert_eq!(Value::Int(-3).text(), "-3");
    }
}
