//! `[workload] trace = { file, format, … }`: traffic replayed from the user's own logs or
//! metric exports (see `workload::trace` for the formats and how a trace plays). This unit
//! reads the table, checks which options go with which format, resolves the files against
//! the scenario's folder and loads the trace, so a bad trace fails `validate` like any
//! other field.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use crate::scenario::check::Scope;
use crate::scenario::error::ScenarioError;
use crate::workload::trace::{
    AccessLogOptions, Align, ArrivalMode, AzureFilter, CsvOptions, ServiceTimeField, Trace,
    TraceBound, TraceError, TraceFormat, TraceSpec,
};

/// Most files one trace may list (a year of hourly Wikipedia files is 8,784).
const MAX_FILES: usize = 100_000;

/// Every format, as spelled in the file.
const FORMATS: [&str; 5] = [
    "counts",
    "rate",
    "access-log",
    "azure-functions",
    "wikipedia",
];

/// One path, or a list of them.
#[derive(Deserialize)]
#[serde(untagged)]
enum Files {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    file: Files,
    #[allow(dead_code)] // read and checked by `Scope::tag`
    format: String,
    time_column: Option<String>,
    value_column: Option<String>,
    #[serde(with = "humantime_serde", default)]
    interval: Option<Duration>,
    arrivals: Option<String>,
    service_time_field: Option<String>,
    service_time_unit: Option<String>,
    app: Option<String>,
    function: Option<String>,
    project: Option<String>,
    #[serde(default)]
    strict: bool,
    #[serde(default = "one")]
    scale: f64,
    #[serde(default = "one")]
    speedup: f64,
    start: Option<String>,
    end: Option<String>,
    #[serde(default)]
    repeat: bool,
    align: Option<String>,
}

fn one() -> f64 {
    1.0
}

/// A loaded trace and how the stream plays it.
#[derive(Debug, Clone)]
pub(crate) struct Loaded {
    pub trace: Trace,
    /// `scale` for exact arrivals (each logged request becomes `scale` × the shapes'
    /// factor requests); 1 for rate traces, whose rates the loader has scaled.
    pub multiplier: f64,
}

/// Reads, checks and loads the trace at scope `s` (`workload.trace`).
pub(crate) fn check(s: &Scope) -> Result<Loaded, ScenarioError> {
    let raw: Raw = s.read()?;
    let format = s.tag("format", &FORMATS, "trace")?;
    // Options that belong to other formats are refused, not ignored: a typo or a
    // misunderstanding must not pass silently.
    let csv = matches!(format, "counts" | "rate");
    let log = format == "access-log";
    let given: [(&str, bool, bool, &str); 10] = [
        (
            "time_column",
            raw.time_column.is_some(),
            csv,
            "counts or rate",
        ),
        (
            "value_column",
            raw.value_column.is_some(),
            csv,
            "counts or rate",
        ),
        (
            "interval",
            raw.interval.is_some(),
            csv || log,
            "counts, rate or access-log",
        ),
        ("arrivals", raw.arrivals.is_some(), log, "access-log"),
        (
            "service_time_field",
            raw.service_time_field.is_some(),
            log,
            "access-log",
        ),
        (
            "service_time_unit",
            raw.service_time_unit.is_some(),
            log,
            "access-log",
        ),
        (
            "app",
            raw.app.is_some(),
            format == "azure-functions",
            "azure-functions",
        ),
        (
            "function",
            raw.function.is_some(),
            format == "azure-functions",
            "azure-functions",
        ),
        (
            "project",
            raw.project.is_some(),
            format == "wikipedia",
            "wikipedia",
        ),
        (
            "strict",
            raw.strict,
            log || format == "wikipedia",
            "access-log or wikipedia",
        ),
    ];
    for (field, is_given, applies, formats) in given {
        if is_given && !applies {
            return Err(s.error(
                field,
                format!("applies only to format = {formats}, not to \"{format}\""),
            ));
        }
    }
    let interval = raw
        .interval
        .map(|d| s.positive_time("interval", d))
        .transpose()?;
    let csv_options = || CsvOptions {
        time_column: raw.time_column.clone(),
        value_column: raw.value_column.clone(),
        interval,
    };
    let format = match format {
        "counts" => TraceFormat::Counts(csv_options()),
        "rate" => TraceFormat::Rate(csv_options()),
        "access-log" => {
            let arrivals = match raw.arrivals.as_deref() {
                None | Some("poisson") => ArrivalMode::Poisson,
                Some("exact") => ArrivalMode::Exact,
                Some(other) => {
                    return Err(s.error(
                        "arrivals",
                        format!("expected \"exact\" or \"poisson\", got {other:?}"),
                    ));
                }
            };
            let service_time = match (&raw.service_time_field, &raw.service_time_unit) {
                (None, None) => None,
                (None, Some(_)) => {
                    return Err(s.error(
                        "service_time_unit",
                        "goes with `service_time_field`, which is missing",
                    ));
                }
                (Some(field), unit) => Some(
                    ServiceTimeField::parse(field, unit.as_deref().unwrap_or("s")).map_err(
                        |e| {
                            let key = if e.contains("\"s\", \"ms\"") {
                                "service_time_unit"
                            } else {
                                "service_time_field"
                            };
                            s.error(key, e)
                        },
                    )?,
                ),
            };
            TraceFormat::AccessLog(AccessLogOptions {
                arrivals,
                interval: interval.unwrap_or(AccessLogOptions::default().interval),
                service_time,
            })
        }
        "azure-functions" => TraceFormat::AzureFunctions(AzureFilter {
            app: raw.app.clone(),
            function: raw.function.clone(),
        }),
        _ => TraceFormat::Wikipedia {
            project: raw.project.clone().ok_or_else(|| {
                s.error(
                    "project",
                    "format = \"wikipedia\" needs the `project` to count, e.g. \"en\"",
                )
            })?,
        },
    };
    let exact = matches!(
        format,
        TraceFormat::AccessLog(AccessLogOptions {
            arrivals: ArrivalMode::Exact,
            ..
        })
    );
    let files: Vec<String> = match raw.file {
        Files::One(f) => vec![f],
        Files::Many(list) => list,
    };
    if files.is_empty() || files.len() > MAX_FILES {
        return Err(s.error(
            "file",
            format!("expected 1 to {MAX_FILES} files, got {}", files.len()),
        ));
    }
    let bound = |field: &str, text: &Option<String>| {
        text.as_deref()
            .map(|t| TraceBound::parse(t).map_err(|e| s.error(field, e)))
            .transpose()
    };
    let align = match raw.align.as_deref() {
        None | Some("start") => Align::Start,
        Some("calendar") => Align::Calendar,
        Some(other) => {
            return Err(s.error(
                "align",
                format!("expected \"start\" or \"calendar\", got {other:?}"),
            ));
        }
    };
    let spec = TraceSpec {
        files: files.iter().map(|f| s.resolve(f)).collect::<Vec<PathBuf>>(),
        format,
        // Exact arrivals are scaled by the request stream, by copying or thinning.
        scale: if exact { 1.0 } else { raw.scale },
        speedup: raw.speedup,
        start: bound("start", &raw.start)?,
        end: bound("end", &raw.end)?,
        repeat: raw.repeat,
        align,
        strict: raw.strict,
    };
    if exact {
        s.finite(
            "scale",
            raw.scale,
            &format!(
                "a factor > 0 and at most {}",
                crate::workload::trace::MAX_SCALE
            ),
            raw.scale > 0.0 && raw.scale <= crate::workload::trace::MAX_SCALE,
        )?;
    }
    let trace = crate::workload::trace::load(&spec).map_err(|e| match e {
        TraceError::Option { field, message } => s.error(field, message),
        other => s.error("", other.to_string()),
    })?;
    Ok(Loaded {
        trace,
        multiplier: if exact { raw.scale } else { 1.0 },
    })
}
