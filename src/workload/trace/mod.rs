//! Traces: real traffic read from files ("bring your own traffic").
//!
//! One entry point, [`load`], reads a trace described by a checked [`TraceSpec`] and
//! returns a [`Trace`]: either a piecewise-constant rate (requests/s per interval), later
//! drawn as Poisson arrivals, or exact arrival times, each request where the log put it.
//! Files are read line by line through a bounded buffer (plain or gzip), so memory follows
//! the number of intervals (or of arrivals kept, in exact mode), never the file's size.
//!
//! # Formats
//! - `counts` / `rate` ([`TraceFormat::Counts`], [`TraceFormat::Rate`]): a CSV with a
//!   header; one row per interval, its time and its request count (or requests/s). Rows
//!   strictly increase in time and lie on the interval grid from the first row; missing
//!   grid points, and empty, `null` or `NaN` values, are gaps counted as 0 (warned).
//! - `access-log` ([`TraceFormat::AccessLog`]): Common or Combined Log Format, one line per
//!   request. Lines without a readable timestamp are skipped and counted.
//! - `azure-functions` ([`TraceFormat::AzureFunctions`]): the Azure Functions 2019
//!   invocation counts per function and minute, one file per day.
//! - `wikipedia` ([`TraceFormat::Wikipedia`]): hourly projectviews / pageviews files.
//!
//! # Timestamps
//! CSV times are epoch seconds (a fraction allowed), epoch milliseconds, or RFC 3339 /
//! ISO 8601 with a UTC offset (`2024-06-03T14:30:00+02:00`, `…Z`, a space for the `T`).
//! Epoch numbers below 1e11 are seconds, from 1e11 on milliseconds (1e11 s is the year
//! 5138, 1e11 ms is 3 March 1973: any trace from 1973 on is read right); from 1e14 on they
//! are refused (microseconds or nanoseconds). Epoch numbers are on UTC's clock.
//!
//! # From trace time to simulation time
//! In this order: the window (`start`, `end`) cuts the trace; `speedup` divides its time;
//! `scale` multiplies its rates (rate traces only: the caller scales exact arrivals by
//! copying or thinning requests); `align` places it. Under [`Align::Start`] the first
//! instant kept (a row, an interval, the second of the first request) plays at time 0.
//! Under [`Align::Calendar`] it keeps its weekday and time of day on its own clock (the UTC
//! offset its timestamps carry) against the simulation's origin, Monday 00:00: a trace
//! starting Wednesday 14:30 +02:00 plays from 2 d 14 h 30 m. The offset is not sped up.
//! Before that point nothing arrives unless `repeat` is set; with `repeat` the trace plays
//! back to back every [`Trace::length`], before its offset too. [`Trace::end`] (offset +
//! length) is the horizon a scenario gets by default.

mod access_log;
mod azure;
mod counts;
mod error;
mod input;
mod replay;
mod shape;
mod stamp;
mod wikipedia;

#[cfg(test)]
mod corpus;
#[cfg(test)]
mod testutil;

use std::path::PathBuf;

use crate::engine::{SECOND, Time};

pub use error::TraceError;
pub use input::MAX_LINE_BYTES;
pub use replay::{
    ArrivalCursor, ArrivalSeries, RateSeries, Trace, TraceArrivals, TraceData, TraceRequest,
};

/// Most intervals a rate trace may hold: 10 million (80 MB of rates; 19 years of
/// minutes).
pub const MAX_INTERVALS: usize = 10_000_000;
/// Most arrivals an exact trace may hold: 50 million, 400 MB of times (800 MB with
/// service times); beyond that use `arrivals = "poisson"`.
pub const MAX_ARRIVALS: usize = 50_000_000;
/// The highest peak rate after `scale` and `speedup`, in requests/s: the simulator's limit.
pub const MAX_RATE: f64 = 1e8;
/// `scale` is in (0, MAX_SCALE], like a shape's factor.
pub const MAX_SCALE: f64 = 1e4;
/// `speedup` is in [MIN_SPEEDUP, MAX_SPEEDUP]: a day at most compressed to 86 s or
/// stretched to 1000 days.
pub const MIN_SPEEDUP: f64 = 1e-3;
pub const MAX_SPEEDUP: f64 = 1e3;
/// How far back in time an access-log line may be and still be put in order.
pub const MAX_DISORDER: Time = 60 * SECOND;
/// The shortest interval after `speedup`: 1 ms.
pub const MIN_INTERVAL: Time = 1_000;
/// The longest interval: 31 days.
pub const MAX_INTERVAL: Time = 31 * 86_400 * SECOND;
/// The longest pass after speedup: 100 years, the simulator's longest horizon.
pub const MAX_LENGTH: Time = 100 * 31_557_600 * SECOND;

/// A checked trace description: every field in range and in simulator units. Build one
/// with [`TraceSpec::new`] and set the fields that differ from the defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceSpec {
    /// The trace's files, already resolved against the scenario's folder. `counts`,
    /// `rate` and `access-log` take exactly one; `azure-functions` one or more day files,
    /// in order, one day each; `wikipedia` one or more hourly files or directories.
    pub files: Vec<PathBuf>,
    pub format: TraceFormat,
    /// Multiplies every rate; in (0, [`MAX_SCALE`]]. Default 1. Not applied to exact
    /// arrivals: the caller scales those by copying or thinning requests.
    pub scale: f64,
    /// Time warp: trace time ÷ speedup, so 2 plays a day in 12 hours at twice the rate;
    /// in [[`MIN_SPEEDUP`], [`MAX_SPEEDUP`]]. Default 1. Service times are not warped.
    pub speedup: f64,
    /// The window's start: only data at or after it is kept. Default: the beginning.
    pub start: Option<TraceBound>,
    /// The window's end: only data before it is kept. Default: the end.
    pub end: Option<TraceBound>,
    /// Play the trace back to back up to any horizon. Default false.
    pub repeat: bool,
    pub align: Align,
    /// Access logs and Wikipedia files: the first unreadable line is an error instead of
    /// being skipped and counted. Default false. (CSV rows are never skipped.)
    pub strict: bool,
}

impl TraceSpec {
    /// One file in a format, every transformation at its default.
    pub fn new(file: impl Into<PathBuf>, format: TraceFormat) -> TraceSpec {
        TraceSpec {
            files: vec![file.into()],
            format,
            scale: 1.0,
            speedup: 1.0,
            start: None,
            end: None,
            repeat: false,
            align: Align::Start,
            strict: false,
        }
    }
}

/// What kind of file, and its own options.
#[derive(Debug, Clone, PartialEq)]
pub enum TraceFormat {
    /// CSV: requests per interval.
    Counts(CsvOptions),
    /// CSV: requests per second, held over each interval.
    Rate(CsvOptions),
    AccessLog(AccessLogOptions),
    AzureFunctions(AzureFilter),
    Wikipedia {
        /// The `domain_code` whose lines are summed: `en` (English Wikipedia, desktop),
        /// `en.m` (its mobile site), `de`, `commons.m`, … Not empty.
        project: String,
    },
}

/// Which CSV columns hold what, and the interval.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CsvOptions {
    /// The header name of the time column; default: the first column.
    pub time_column: Option<String>,
    /// The header name of the value column; default: the second column.
    pub value_column: Option<String>,
    /// The interval each row covers, in [[`MIN_INTERVAL`], [`MAX_INTERVAL`]]; default:
    /// the smallest positive gap between consecutive rows.
    pub interval: Option<Time>,
}

/// Options of an access log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessLogOptions {
    pub arrivals: ArrivalMode,
    /// Aggregation interval in `poisson` mode: whole seconds, from 1 s to
    /// [`MAX_INTERVAL`]. Default 60 s.
    pub interval: Time,
    /// Where each request's service time is, in `exact` mode only.
    pub service_time: Option<ServiceTimeField>,
}

impl Default for AccessLogOptions {
    fn default() -> Self {
        AccessLogOptions {
            arrivals: ArrivalMode::Poisson,
            interval: 60 * SECOND,
            service_time: None,
        }
    }
}

/// How an access log becomes arrivals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArrivalMode {
    /// Every logged request is one arrival; the k requests logged in second s arrive at
    /// s + j/k, j = 0..k−1. Disorder of up to [`MAX_DISORDER`] is put right by a bounded
    /// reorder buffer.
    Exact,
    /// Requests are counted per interval and later drawn as Poisson arrivals.
    Poisson,
}

/// A per-request duration logged at the end of each line, such as nginx's
/// `$request_time` (seconds, millisecond resolution) appended to the combined format, or
/// Apache's `%D` (microseconds). In TOML: `service_time_field = "last"` (or `"last-1"`,
/// `"last-2"`, … counting further back) and `service_time_unit = "s"` (`"ms"`, `"us"`;
/// default `"s"`). The field may be quoted and may carry a `name=` prefix (`rt=0.042`).
/// A line whose field is `-`, negative, not a number or longer than a day is skipped
/// and counted like an unreadable line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceTimeField {
    /// Which whitespace-separated field, counted from the line's end: 0 is the last.
    pub from_end: usize,
    pub unit: TimeUnit,
}

impl ServiceTimeField {
    /// Reads the TOML spelling: `field` is `last` or `last-N` (N up to 20), `unit` is
    /// `s`, `ms` or `us`.
    pub fn parse(field: &str, unit: &str) -> Result<ServiceTimeField, String> {
        let from_end = match field.strip_prefix("last") {
            Some("") => 0,
            Some(n) => n
                .strip_prefix('-')
                .and_then(|n| n.parse::<usize>().ok())
                .filter(|&n| n <= 20)
                .ok_or_else(|| {
                    format!("expected \"last\" or \"last-N\" (N from 1 to 20), got \"{field}\"")
                })?,
            None => {
                return Err(format!(
                    "expected \"last\" or \"last-N\" (N from 1 to 20), got \"{field}\""
                ));
            }
        };
        let unit = match unit {
            "s" => TimeUnit::Seconds,
            "ms" => TimeUnit::Milliseconds,
            "us" | "µs" => TimeUnit::Microseconds,
            other => return Err(format!("expected \"s\", \"ms\" or \"us\", got \"{other}\"")),
        };
        Ok(ServiceTimeField { from_end, unit })
    }
}

/// The unit of a logged duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUnit {
    Seconds,
    Milliseconds,
    Microseconds,
}

/// Which rows of the Azure Functions trace to sum (all when both are `None`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AzureFilter {
    /// Keep rows whose `HashApp` is this.
    pub app: Option<String>,
    /// Keep rows whose `HashFunction` is this.
    pub function: Option<String>,
}

/// One end of the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceBound {
    /// An instant, in microseconds since 1970-01-01T00:00:00Z (from RFC 3339 text).
    At(i64),
    /// This long after the trace's first timestamp (the first record in file order).
    After(Time),
}

impl TraceBound {
    /// Reads the TOML spelling: RFC 3339 with a UTC offset, or a duration (`"36h"`).
    pub fn parse(text: &str) -> Result<TraceBound, String> {
        if let Ok(d) = humantime::parse_duration(text.trim()) {
            let us = d.as_micros();
            return Time::try_from(us)
                .map(TraceBound::After)
                .map_err(|_| format!("\"{text}\" is too long"));
        }
        stamp::parse_csv_time(text)
            .map(|s| TraceBound::At(s.us))
            .map_err(|e| format!("expected a duration such as \"36h\" or an RFC 3339 time: {e}"))
    }
}

/// Where the trace's first instant lands in simulation time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Align {
    /// At time 0.
    #[default]
    Start,
    /// At its weekday and time of day, on its own clock, from Monday 00:00.
    Calendar,
}

/// Reads the trace `spec` describes. Errors name the file and line and say what was
/// expected; what was skipped or filled in is in [`Trace::warnings`].
pub fn load(spec: &TraceSpec) -> Result<Trace, TraceError> {
    check(spec)?;
    let mut warnings = Vec::new();
    let mut window = shape::Window::new(spec);
    let series = match &spec.format {
        TraceFormat::Counts(o) => {
            counts::read(&spec.files[0], o, false, &mut window, &mut warnings)?
        }
        TraceFormat::Rate(o) => counts::read(&spec.files[0], o, true, &mut window, &mut warnings)?,
        TraceFormat::AccessLog(o) => {
            access_log::read(&spec.files[0], o, spec.strict, &mut window, &mut warnings)?
        }
        TraceFormat::AzureFunctions(f) => azure::read(&spec.files, f, &mut window)?,
        TraceFormat::Wikipedia { project } => wikipedia::read(
            &spec.files,
            project,
            spec.strict,
            &mut window,
            &mut warnings,
        )?,
    };
    shape::finish(spec, series, &window, warnings)
}

/// Checks the spec's ranges again, whatever built it.
fn check(spec: &TraceSpec) -> Result<(), TraceError> {
    let one_file = !matches!(
        spec.format,
        TraceFormat::AzureFunctions(_) | TraceFormat::Wikipedia { .. }
    );
    if spec.files.is_empty() || (one_file && spec.files.len() > 1) {
        return Err(TraceError::option(
            "file",
            format!(
                "expected {}, got {}",
                if one_file {
                    "one file"
                } else {
                    "at least one file"
                },
                spec.files.len()
            ),
        ));
    }
    if !(spec.scale > 0.0 && spec.scale <= MAX_SCALE) {
        return Err(TraceError::option(
            "scale",
            format!(
                "expected a factor > 0 and at most {MAX_SCALE}, got {}",
                spec.scale
            ),
        ));
    }
    if !(MIN_SPEEDUP..=MAX_SPEEDUP).contains(&spec.speedup) {
        return Err(TraceError::option(
            "speedup",
            format!(
                "expected a factor from {MIN_SPEEDUP} to {MAX_SPEEDUP} (a day played in 86 s to 1000 days), got {}",
                spec.speedup
            ),
        ));
    }
    let interval_ok = |field, t: Time, whole_seconds: bool| {
        if !(MIN_INTERVAL..=MAX_INTERVAL).contains(&t) || (whole_seconds && t % SECOND != 0) {
            let what = if whole_seconds {
                "whole seconds"
            } else {
                "at least 1ms"
            };
            return Err(TraceError::option(
                field,
                format!(
                    "expected an interval of {what}, at most 31 days, got {} µs",
                    t
                ),
            ));
        }
        Ok(())
    };
    match &spec.format {
        TraceFormat::Counts(o) | TraceFormat::Rate(o) => {
            if let Some(i) = o.interval {
                interval_ok("interval", i, false)?;
            }
        }
        TraceFormat::AccessLog(o) => {
            interval_ok("interval", o.interval, true)?;
            if o.service_time.is_some() && o.arrivals != ArrivalMode::Exact {
                return Err(TraceError::option(
                    "service_time_field",
                    "per-request service times need arrivals = \"exact\" (aggregated counts keep no requests)",
                ));
            }
        }
        TraceFormat::AzureFunctions(_) => {
            let dated = matches!(spec.start, Some(TraceBound::At(_)))
                || matches!(spec.end, Some(TraceBound::At(_)));
            if spec.align == Align::Calendar || dated {
                return Err(TraceError::option(
                    if dated { "start" } else { "align" },
                    "the Azure Functions 2019 trace carries no dates (only \"July 2019\", day by day): use durations for start and end, and align = \"start\"",
                ));
            }
        }
        TraceFormat::Wikipedia { project } => {
            if project.trim().is_empty() {
                return Err(TraceError::option(
                    "project",
                    "expected a domain code such as \"en\" or \"en.m\"",
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_out_of_range_are_refused() {
        let base = TraceSpec::new("t.csv", TraceFormat::Counts(CsvOptions::default()));
        let refused = |tweak: &dyn Fn(&mut TraceSpec)| {
            let mut spec = base.clone();
            tweak(&mut spec);
            check(&spec).unwrap_err().to_string()
        };
        assert!(
            refused(&|s| s.scale = 0.0).contains("trace option `scale`: expected a factor > 0")
        );
        assert!(refused(&|s| s.scale = f64::NAN).contains("`scale`"));
        assert!(refused(&|s| s.speedup = 5000.0).contains("trace option `speedup`"));
        assert!(refused(&|s| s.files.push("u.csv".into())).contains("expected one file, got 2"));
        assert!(refused(&|s| s.files.clear()).contains("expected one file, got 0"));
        assert!(
            refused(&|s| {
                s.format = TraceFormat::Counts(CsvOptions {
                    interval: Some(0),
                    ..CsvOptions::default()
                })
            })
            .contains("trace option `interval`")
        );
        assert!(
            refused(&|s| {
                s.format = TraceFormat::AccessLog(AccessLogOptions {
                    interval: 1_500_000,
                    ..AccessLogOptions::default()
                })
            })
            .contains("whole seconds")
        );
        assert!(
            refused(&|s| {
                s.format = TraceFormat::Wikipedia {
                    project: " ".into(),
                }
            })
            .contains("trace option `project`")
        );
        assert!(check(&base).is_ok());
    }

    #[test]
    fn bounds_read_durations_and_instants() {
        assert_eq!(
            TraceBound::parse("36h"),
            Ok(TraceBound::After(36 * 3600 * SECOND))
        );
        assert_eq!(
            TraceBound::parse("2024-06-01T02:00:00+02:00"),
            Ok(TraceBound::At(1_717_200_000 * 1_000_000))
        );
        let e = TraceBound::parse("next week").unwrap_err();
        assert!(
            e.contains("expected a duration such as \"36h\" or an RFC 3339 time"),
            "{e}"
        );
        assert!(TraceBound::parse("2024-06-01T02:00:00").is_err());
    }
}
