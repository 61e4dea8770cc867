//! The scoped checker. The file is parsed once into a tree that remembers where every key
//! and value stands; each part of the scenario is then read and validated at its own path
//! through a [`Scope`] (`let s = policy.scope("scaling"); s.time("period", d)`), so the
//! field an error names and the line it points at come from the same place and cannot
//! disagree.
//!
//! Tagged tables (a policy's `type`, a shape's `type`, a service time's `distribution`)
//! are read in two steps: the tag picks the unit, then the rest of the table is read
//! into that unit's plain serde struct, whose errors (unknown field, wrong type, missing
//! field) carry the exact position.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_spanned::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use super::error::{self, LineCol, ScenarioError};
use crate::engine::{SECOND, Time};

/// Longest duration accepted: request-level time is `u64` microseconds, and a century is
/// already far past any planning question.
pub(crate) const MAX_DURATION: Time = 100 * 31_557_600 * SECOND;
/// Shortest interval of anything that recurs (decision periods, samples, fluid steps,
/// retries, traffic cycles): 1 s, CloudWatch's finest metric resolution.
pub(crate) const MIN_INTERVAL: Time = SECOND;
/// Most any price, fee, power or bandwidth figure may be: far above any real one, and low
/// enough that no total (× servers × seconds × requests) can overflow to infinity.
pub(crate) const MAX_AMOUNT: f64 = 1e9;
/// Most servers in any fleet.
pub(crate) const MAX_SERVERS: u64 = 1_000_000;
/// Most slots one policy may have (servers × slots per server): every slot is simulated,
/// so this bounds memory (a few bytes per slot) whatever the file says.
pub(crate) const MAX_POLICY_SLOTS: u64 = 10_000_000;

/// A field read later, at its own scope (a tagged table, or a list of them): serde only
/// checks that it is there.
pub(crate) type Deferred = serde::de::IgnoredAny;

/// The most servers of `slots` slots a policy may have: the default ceiling of rules that
/// grow a fleet.
pub(crate) fn largest_fleet(slots: u32) -> u64 {
    MAX_SERVERS.min(MAX_POLICY_SLOTS / u64::from(slots.max(1)))
}

/// `"90s"`, `"30days"`: how durations are echoed in messages.
pub(crate) fn fmt_duration(d: Duration) -> String {
    humantime::format_duration(d).to_string()
}

/// One scenario text, parsed, with the file name errors carry.
pub(crate) struct Checker<'a> {
    text: &'a str,
    file: &'a str,
    /// The folder relative paths in the file (a trace) are read from.
    base: &'a Path,
    root: Spanned<DeValue<'a>>,
}

impl<'a> Checker<'a> {
    /// Parses `text`, whose relative paths are read from `base`; a TOML syntax error is
    /// returned as it is.
    pub(crate) fn parse(
        text: &'a str,
        file: &'a str,
        base: &'a Path,
    ) -> Result<Self, ScenarioError> {
        let root = DeTable::parse(text).map_err(|e| {
            let message = e.message().trim().replace('\n', " ");
            error::syntax(text, file, e.span().map(|s| s.start), message)
        })?;
        let span = root.span();
        Ok(Checker {
            text,
            file,
            base,
            root: Spanned::new(span, DeValue::Table(root.into_inner())),
        })
    }

    /// The whole file.
    pub(crate) fn root(&self) -> Scope<'_> {
        Scope {
            checker: self,
            node: Some(&self.root),
            path: String::new(),
            at: 0,
        }
    }

    fn line_col(&self, offset: usize) -> LineCol {
        LineCol::of_offset(self.text, offset)
    }
}

/// One table (or value) of the file at its field path, e.g. `policy[2].scaling`. Every
/// error it builds names a field under that path and points at its line.
#[derive(Clone)]
pub(crate) struct Scope<'c> {
    checker: &'c Checker<'c>,
    /// What the file holds here (`None`: an optional table the file leaves out).
    node: Option<&'c Spanned<DeValue<'c>>>,
    path: String,
    /// Where errors about this scope point: its key or header, or (when the file leaves
    /// it out) the table that should hold it.
    at: usize,
}

impl<'c> Scope<'c> {
    /// The path of `field` inside this scope (`field` empty: this scope).
    fn field_path(&self, field: &str) -> String {
        match (self.path.is_empty(), field.is_empty()) {
            (_, true) => self.path.clone(),
            (true, false) => field.to_string(),
            (false, false) => format!("{}.{field}", self.path),
        }
    }

    fn table(&self) -> Option<&'c DeTable<'c>> {
        self.node?.get_ref().as_table()
    }

    /// Whether the file gives this scope (an optional table may be left out).
    pub(crate) fn is_given(&self) -> bool {
        self.node.is_some()
    }

    /// Whether the table here has key `field`.
    pub(crate) fn has(&self, field: &str) -> bool {
        self.table().is_some_and(|t| t.contains_key(field))
    }

    /// The table (or value) at key `field` of this one.
    pub(crate) fn scope(&self, field: &str) -> Scope<'c> {
        let entry = self.table().and_then(|t| t.get_key_value(field));
        Scope {
            checker: self.checker,
            node: entry.map(|(_, v)| v),
            path: self.field_path(field),
            at: entry.map_or(self.at, |(k, v)| key_at(k, v)),
        }
    }

    /// Item `i` of the array here.
    pub(crate) fn item(&self, i: usize) -> Scope<'c> {
        let node = self
            .node
            .and_then(|n| n.get_ref().as_array())
            .and_then(|a| a.get(i));
        Scope {
            checker: self.checker,
            node,
            path: format!("{}[{i}]", self.path),
            at: node.map_or(self.at, |n| n.span().start),
        }
    }

    /// Every item of the array here, in file order (none if it is not an array).
    pub(crate) fn items(&self) -> impl Iterator<Item = Scope<'c>> + '_ {
        let n = self
            .node
            .and_then(|n| n.get_ref().as_array())
            .map_or(0, |a| a.len());
        (0..n).map(|i| self.item(i))
    }

    /// An error about `field` of this scope (empty: the scope itself), pointing at the
    /// field's key, or at this table when the file does not give the field.
    pub(crate) fn error(&self, field: &str, message: impl Into<String>) -> ScenarioError {
        let at = if field.is_empty() {
            self.at
        } else {
            self.table()
                .and_then(|t| t.get_key_value(field))
                .map_or(self.at, |(k, v)| key_at(k, v))
        };
        self.invalid(self.field_path(field), at, message.into())
    }

    fn invalid(&self, field: String, at: usize, message: String) -> ScenarioError {
        let file = self.checker.file.to_string();
        let at = self.checker.line_col(at);
        // A message that already names the field in full ("unknown field `x`" at the
        // top) says it once.
        if field.is_empty() || message.contains(&format!("`{field}`")) {
            ScenarioError::Syntax { file, at, message }
        } else {
            ScenarioError::Invalid {
                file,
                at,
                field,
                message,
            }
        }
    }

    /// Reads this scope into `T` (a plain serde struct, or a value).
    pub(crate) fn read<T: DeserializeOwned>(&self) -> Result<T, ScenarioError> {
        self.read_without(&[])
    }

    /// Reads this table into `T` without the keys in `skip` (a tag read already).
    pub(crate) fn read_without<T: DeserializeOwned>(
        &self,
        skip: &[&str],
    ) -> Result<T, ScenarioError> {
        let Some(node) = self.node else {
            return Err(self.error("", "missing"));
        };
        let mut value = node.clone();
        if let DeValue::Table(t) = value.get_mut() {
            let kept = std::mem::take(t)
                .into_iter()
                .filter(|(k, _)| !skip.contains(&k.get_ref().as_ref()));
            *t = kept.collect();
        }
        T::deserialize(ValueDeserializer::from(value)).map_err(|e| {
            let message = e.message().trim().replace('\n', " ");
            match e.span() {
                Some(span) => {
                    let mut path = self.path.clone();
                    let at = find_offset(node, span.start, &mut path).unwrap_or(self.at);
                    self.invalid(path, at, message)
                }
                None => self.invalid(self.path.clone(), self.at, message),
            }
        })
    }

    /// Reads `field` if the table has it.
    pub(crate) fn optional<T: DeserializeOwned>(
        &self,
        field: &str,
    ) -> Result<Option<T>, ScenarioError> {
        let s = self.scope(field);
        if s.is_given() {
            s.read().map(Some)
        } else {
            Ok(None)
        }
    }

    /// The tag `key` of a tagged table (`type = "hpa"`): one of `kinds`. `what` names
    /// the thing in messages ("policy", "scaling").
    pub(crate) fn tag(
        &self,
        key: &str,
        kinds: &[&str],
        what: &str,
    ) -> Result<&'c str, ScenarioError> {
        let expected = kinds
            .iter()
            .map(|k| format!("\"{k}\""))
            .collect::<Vec<_>>()
            .join(", ");
        if self.node.is_some() && self.table().is_none() {
            return Err(self.error("", format!("expected a table with `{key}` = {expected}")));
        }
        let Some(tag) = self.table().and_then(|t| t.get(key)) else {
            return Err(self.error(
                "",
                format!("missing field `{key}`: expected {what} {key} {expected}"),
            ));
        };
        match tag.get_ref().as_str() {
            Some(name) if kinds.contains(&name) => Ok(name),
            Some(name) => Err(self.error(
                key,
                format!("unknown {what} {key} {name:?}: expected one of {expected}"),
            )),
            None => Err(self.error(key, format!("expected a string, one of {expected}"))),
        }
    }

    /// A path written in the file, read from the scenario's folder when relative.
    pub(crate) fn resolve(&self, path: &str) -> PathBuf {
        self.checker.base.join(path)
    }

    /// A duration in simulator time, at most [`MAX_DURATION`].
    pub(crate) fn time(&self, field: &str, d: Duration) -> Result<Time, ScenarioError> {
        let us = d.as_micros();
        if us > MAX_DURATION as u128 {
            return Err(self.error(
                field,
                format!("{} is too long (at most 100 years)", fmt_duration(d)),
            ));
        }
        Ok(us as Time)
    }

    /// Something that recurs every `d` (a decision period, a sample interval, a fluid
    /// step, a retry interval, a traffic cycle): at least [`MIN_INTERVAL`], because
    /// `why` (each occurrence is work; see the README's table of bounds).
    pub(crate) fn interval(
        &self,
        field: &str,
        d: Duration,
        why: &str,
    ) -> Result<Time, ScenarioError> {
        let t = self.time(field, d)?;
        if t < MIN_INTERVAL {
            return Err(self.error(
                field,
                format!("expected at least 1s ({why}), got {}", fmt_duration(d)),
            ));
        }
        Ok(t)
    }

    /// A duration longer than zero.
    pub(crate) fn positive_time(&self, field: &str, d: Duration) -> Result<Time, ScenarioError> {
        let t = self.time(field, d)?;
        if t == 0 {
            return Err(self.error(field, "must be longer than zero"));
        }
        Ok(t)
    }

    /// `v`, if it is finite and `ok`; else an error saying `what` was expected.
    pub(crate) fn finite(
        &self,
        field: &str,
        v: f64,
        what: &str,
        ok: bool,
    ) -> Result<f64, ScenarioError> {
        if !v.is_finite() || !ok {
            return Err(self.error(field, format!("expected {what}, got {v}")));
        }
        Ok(v)
    }

    /// A price, fee, power or bandwidth figure: from 0 to [`MAX_AMOUNT`].
    pub(crate) fn non_negative(&self, field: &str, v: f64) -> Result<f64, ScenarioError> {
        self.finite(
            field,
            v,
            "a finite number ≥ 0 and at most 1e9 (larger amounts could overflow the totals)",
            (0.0..=MAX_AMOUNT).contains(&v),
        )
    }

    /// A whole number in `min..=max`.
    pub(crate) fn count(
        &self,
        field: &str,
        v: u64,
        min: u64,
        max: u64,
    ) -> Result<u32, ScenarioError> {
        if v < min || v > max {
            return Err(self.error(
                field,
                format!("expected a whole number from {min} to {max}, got {v}"),
            ));
        }
        Ok(v as u32)
    }

    /// A server count whose slots stay within [`MAX_POLICY_SLOTS`].
    pub(crate) fn fleet_size(
        &self,
        field: &str,
        v: u64,
        min: u64,
        slots: u32,
    ) -> Result<u32, ScenarioError> {
        let most = (MAX_POLICY_SLOTS / slots.max(1) as u64).min(MAX_SERVERS);
        if v > most && v <= MAX_SERVERS {
            return Err(self.error(
                field,
                format!(
                    "{v} servers × {slots} slots is more than the {MAX_POLICY_SLOTS} slots a policy may have; at most {most} servers at this slots_per_server"
                ),
            ));
        }
        self.count(field, v, min, MAX_SERVERS)
    }
}

/// Where an error about a key points: the key, or the `[header]` of a table written as
/// one (its span starts before the key inside it).
fn key_at(key: &Spanned<std::borrow::Cow<'_, str>>, value: &Spanned<DeValue<'_>>) -> usize {
    key.span().start.min(value.span().start)
}

/// Where an error at byte `offset` inside `node` points: the key whose key or value holds
/// the offset (or the array item), with `path` extended to it; `None` if the offset is
/// the node's own (a missing field is reported at the table).
fn find_offset(node: &Spanned<DeValue<'_>>, offset: usize, path: &mut String) -> Option<usize> {
    let covers = |span: std::ops::Range<usize>| {
        span.start <= offset && offset < span.end.max(span.start + 1)
    };
    match node.get_ref() {
        DeValue::Table(table) => {
            for (key, value) in table.iter() {
                let depth = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key.get_ref());
                if covers(key.span()) {
                    return Some(key.span().start);
                }
                if let Some(inner) = find_offset(value, offset, path) {
                    return Some(inner);
                }
                if covers(value.span()) {
                    return Some(key_at(key, value));
                }
                path.truncate(depth);
            }
            None
        }
        DeValue::Array(array) => {
            for (i, value) in array.iter().enumerate() {
                let depth = path.len();
                path.push_str(&format!("[{i}]"));
                if let Some(inner) = find_offset(value, offset, path) {
                    return Some(inner);
                }
                if covers(value.span()) {
                    return Some(value.span().start);
                }
                path.truncate(depth);
            }
            None
        }
        _ => None,
    }
}
