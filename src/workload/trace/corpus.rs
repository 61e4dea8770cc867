//! The bad-trace corpus, `tests/bad_traces/`: each case's data file, loaded with the
//! options its scenario gives, is refused with the message its first line expects.
//!
//! The scenario's `trace` table is read here by a small test-only reader (the scenario
//! validation proper lives with the scenario), so the corpus is checked against the
//! loader before the end-to-end wiring exists.

use std::path::{Path, PathBuf};

use super::{
    AccessLogOptions, Align, ArrivalMode, AzureFilter, CsvOptions, ServiceTimeField, TraceBound,
    TraceFormat, TraceSpec, load,
};
use crate::engine::Time;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/bad_traces");

fn duration(v: &toml::Value) -> Time {
    humantime::parse_duration(v.as_str().unwrap())
        .unwrap()
        .as_micros() as Time
}

/// The [`TraceSpec`] a case's `[workload] trace = { … }` describes.
fn spec_of(case: &Path) -> TraceSpec {
    let doc: toml::Table = toml::from_str(&std::fs::read_to_string(case).unwrap()).unwrap();
    let t = doc["workload"]["trace"].as_table().unwrap();
    let folder = case.parent().unwrap();
    let text = |key: &str| t.get(key).map(|v| v.as_str().unwrap().to_string());
    let files: Vec<PathBuf> = match &t["file"] {
        toml::Value::Array(a) => a.iter().map(|v| folder.join(v.as_str().unwrap())).collect(),
        v => vec![folder.join(v.as_str().unwrap())],
    };
    let csv = || CsvOptions {
        time_column: text("time_column"),
        value_column: text("value_column"),
        interval: t.get("interval").map(duration),
    };
    let format = match t["format"].as_str().unwrap() {
        "counts" => TraceFormat::Counts(csv()),
        "rate" => TraceFormat::Rate(csv()),
        "access-log" => TraceFormat::AccessLog(AccessLogOptions {
            arrivals: match text("arrivals").as_deref() {
                Some("exact") => ArrivalMode::Exact,
                _ => ArrivalMode::Poisson,
            },
            interval: t.get("interval").map_or(60_000_000, duration),
            service_time: text("service_time_field").map(|f| {
                let unit = text("service_time_unit").unwrap_or_else(|| "s".into());
                ServiceTimeField::parse(&f, &unit).unwrap()
            }),
        }),
        "azure-functions" => TraceFormat::AzureFunctions(AzureFilter {
            app: text("app"),
            function: text("function"),
        }),
        "wikipedia" => TraceFormat::Wikipedia {
            project: text("project").unwrap(),
        },
        other => panic!("{}: unknown format {other}", case.display()),
    };
    let number = |key: &str| {
        t.get(key).map_or(1.0, |v| {
            v.as_float().or(v.as_integer().map(|i| i as f64)).unwrap()
        })
    };
    let bound = |key: &str| text(key).map(|s| TraceBound::parse(&s).unwrap());
    let mut spec = TraceSpec::new(files[0].clone(), format);
    spec.files = files;
    spec.scale = number("scale");
    spec.speedup = number("speedup");
    spec.start = bound("start");
    spec.end = bound("end");
    spec.repeat = t
        .get("repeat")
        .and_then(toml::Value::as_bool)
        .unwrap_or(false);
    spec.strict = t
        .get("strict")
        .and_then(toml::Value::as_bool)
        .unwrap_or(false);
    spec.align = match text("align").as_deref() {
        Some("calendar") => Align::Calendar,
        _ => Align::Start,
    };
    spec
}

#[test]
fn every_bad_trace_is_refused_with_its_message() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(DIR)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 18, "only {} bad traces", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let text = std::fs::read_to_string(case).unwrap();
        let expect = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect:"))
            .map(str::trim)
            .unwrap_or_else(|| panic!("{}: no `# expect:` line", case.display()));
        let name = case.file_name().unwrap().to_string_lossy();
        match load(&spec_of(case)) {
            Ok(_) => failures.push(format!(
                "{name}: loaded, expected an error with \"{expect}\""
            )),
            Err(e) if !e.to_string().contains(expect) => {
                failures.push(format!("{name}: \"{e}\" lacks \"{expect}\""));
            }
            // Shown with `--nocapture`, to read every message at once.
            Err(e) => println!("{name}: {e}"),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_corpus_valid_file_loads() {
    let mut spec = spec_of(&Path::new(DIR).join("scale-zero.toml"));
    spec.scale = 1.0;
    let trace = load(&spec).unwrap();
    assert_eq!(trace.length, 120 * 60 * 1_000_000);
    assert!(trace.warnings.is_empty());
}

/// The samples in `scenarios/traces/` load, with the warnings their README promises.
#[test]
fn the_shipped_samples_load() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/traces");
    let show = |name: &str, spec: &TraceSpec| {
        let trace = load(spec).unwrap_or_else(|e| panic!("{name}: {e}"));
        println!(
            "{name}: {:.0} requests in {} s from {:?}, peak {:.2}/s, mean {:.2}/s; {:?}",
            trace.requests_per_pass(),
            trace.length / 1_000_000,
            trace.first_timestamp,
            trace.peak_rate(),
            trace.mean_over(trace.offset, trace.end()),
            trace.warnings
        );
        trace
    };
    let log = dir.join("nasa-like-access.log.gz");
    let trace = show(
        "access log",
        &TraceSpec::new(&log, TraceFormat::AccessLog(AccessLogOptions::default())),
    );
    assert_eq!(trace.length, 4 * 3600 * 1_000_000);
    assert!(
        trace.warnings[0].contains("that cannot be read"),
        "{:?}",
        trace.warnings
    );
    let exact = AccessLogOptions {
        arrivals: ArrivalMode::Exact,
        ..AccessLogOptions::default()
    };
    show(
        "access log, exact",
        &TraceSpec::new(&log, TraceFormat::AccessLog(exact)),
    );
    let counts = dir.join("prometheus-counts.csv");
    let mut calendar = TraceSpec::new(&counts, TraceFormat::Counts(CsvOptions::default()));
    calendar.align = Align::Calendar;
    let trace = show("prometheus", &calendar);
    assert_eq!(trace.offset, 0, "it starts on a Monday at 00:00");
    assert!(
        trace.warnings[0].contains("3 missing interval(s) of 5m"),
        "{:?}",
        trace.warnings
    );
    let rate = dir.join("datadog-rate.csv");
    show(
        "datadog",
        &TraceSpec::new(&rate, TraceFormat::Rate(CsvOptions::default())),
    );
    let azure = dir.join("azure-functions");
    let mut days = TraceSpec::new(
        azure.join("invocations_per_function_md.anon.d01.csv.gz"),
        TraceFormat::AzureFunctions(AzureFilter::default()),
    );
    days.files
        .push(azure.join("invocations_per_function_md.anon.d02.csv.gz"));
    assert_eq!(show("azure", &days).length, 2 * 86_400 * 1_000_000);
    let wiki = TraceSpec::new(
        dir.join("wikipedia"),
        TraceFormat::Wikipedia {
            project: "en".into(),
        },
    );
    assert_eq!(show("wikipedia", &wiki).length, 86_400 * 1_000_000);
}
