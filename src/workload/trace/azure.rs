//! `azure-functions`: the Azure Functions 2019 trace (AzurePublicDataset,
//! `invocations_per_function_md.anon.d01.csv` … `d14`). Each file is one day; its header
//! is `HashOwner,HashApp,HashFunction,Trigger,1,2,…,1440` and each row counts one
//! function's invocations in each minute of that day. Rows are summed, all of them or
//! those of one app and/or function; several files are concatenated, one day each. The
//! trace is undated ("July 2019"), so windows are durations from day 1, 00:00.

use std::path::PathBuf;

use super::input::Lines;
use super::shape::{Series, SeriesData, Window};
use super::stamp::{Stamp, US};
use super::{AzureFilter, TraceError};

const MINUTES: usize = 1440;
const KEYS: [&str; 4] = ["HashOwner", "HashApp", "HashFunction", "Trigger"];

/// Reads the day files in order into per-minute counts.
pub(super) fn read(
    files: &[PathBuf],
    filter: &AzureFilter,
    window: &mut Window,
) -> Result<Series, TraceError> {
    let mut all: Vec<f64> = Vec::with_capacity(files.len() * MINUTES);
    let mut matched = 0u64;
    for path in files {
        let mut lines = Lines::open(path)?;
        lines.advance()?;
        check_header(lines.text()).map_err(|e| lines.error(e))?;
        let mut day = vec![0.0; MINUTES];
        while lines.advance()? {
            let text = lines.text();
            if text.trim().is_empty() {
                continue;
            }
            let mut fields = text.split(',');
            let keys: Vec<&str> = fields.by_ref().take(KEYS.len()).collect();
            if keys.len() < KEYS.len() {
                return Err(lines.error(format!(
                    "the row has {} field(s); expected {}, then 1440 counts",
                    keys.len(),
                    KEYS.join(",")
                )));
            }
            let wanted = |want: &Option<String>, have: &str| {
                want.as_deref().is_none_or(|w| w == have.trim())
            };
            if !(wanted(&filter.app, keys[1]) && wanted(&filter.function, keys[2])) {
                continue;
            }
            matched += 1;
            let mut n = 0;
            for (i, f) in fields.enumerate() {
                if i >= MINUTES {
                    return Err(lines.error("the row has more than 1440 minute counts"));
                }
                let v: u64 = f.trim().parse().map_err(|_| {
                    lines.error(format!(
                        "minute {}: count \"{}\" is not a whole number ≥ 0",
                        i + 1,
                        f.trim()
                    ))
                })?;
                day[i] += v as f64;
                n += 1;
            }
            if n != MINUTES {
                return Err(lines.error(format!("the row has {n} minute counts; expected 1440")));
            }
        }
        all.extend(day);
    }
    let file = files[0].display().to_string();
    if matched == 0 {
        return Err(TraceError::file(&file, no_match(files, filter)));
    }
    let minute = 60 * US;
    let kept: Vec<usize> = (0..all.len())
        .filter(|&i| window.keep(i as i64 * minute, 0))
        .collect();
    let first = kept.first().copied().unwrap_or(0);
    let counts = kept.iter().map(|&i| all[i]).collect();
    Ok(Series {
        file,
        origin: Stamp {
            us: first as i64 * minute,
            offset: 0,
        },
        data: SeriesData::Counts {
            interval_us: minute,
            counts,
        },
    })
}

fn check_header(text: &str) -> Result<(), String> {
    let fields: Vec<&str> = text.split(',').map(str::trim).collect();
    let ok = fields.len() == KEYS.len() + MINUTES
        && fields[..KEYS.len()] == KEYS
        && fields[KEYS.len()..]
            .iter()
            .enumerate()
            .all(|(i, f)| f.parse::<usize>() == Ok(i + 1));
    if ok {
        return Ok(());
    }
    let shown: String = text.chars().take(60).collect();
    let more = if text.chars().count() > 60 { "…" } else { "" };
    Err(format!(
        "not the Azure Functions 2019 invocation header: expected HashOwner,HashApp,HashFunction,Trigger,1,2,…,1440 ({} fields), found \"{shown}{more}\" ({} fields)",
        KEYS.len() + MINUTES,
        fields.len()
    ))
}

fn no_match(files: &[PathBuf], filter: &AzureFilter) -> String {
    let mut wanted = Vec::new();
    if let Some(a) = &filter.app {
        wanted.push(format!("HashApp = \"{a}\""));
    }
    if let Some(f) = &filter.function {
        wanted.push(format!("HashFunction = \"{f}\""));
    }
    let which = if wanted.is_empty() {
        "no rows at all".to_string()
    } else {
        format!("no row has {}", wanted.join(" and "))
    };
    format!(
        "{which} in {} day file(s): the filter matches nothing (app and function take the hashes as written in the trace)",
        files.len()
    )
}

#[cfg(test)]
mod tests {
    use super::super::testutil::write_files;
    use super::super::{TraceBound, TraceData, TraceFormat, TraceSpec, load};
    use super::*;
    use crate::engine::SECOND;

    fn header() -> String {
        let minutes: Vec<String> = (1..=MINUTES).map(|m| m.to_string()).collect();
        format!("{},{}\n", KEYS.join(","), minutes.join(","))
    }

    /// A row whose count at minute m (0-based) is `f(m)`.
    fn row(app: &str, function: &str, f: impl Fn(usize) -> u64) -> String {
        let counts: Vec<String> = (0..MINUTES).map(|m| f(m).to_string()).collect();
        format!("owner1,{app},{function},http,{}\n", counts.join(","))
    }

    fn spec(paths: Vec<PathBuf>, filter: AzureFilter) -> TraceSpec {
        let mut spec = TraceSpec::new(paths[0].clone(), TraceFormat::AzureFunctions(filter));
        spec.files = paths;
        spec
    }

    fn per_minute(spec: &TraceSpec) -> Vec<f64> {
        let trace = load(spec).unwrap();
        let TraceData::Rate(r) = &trace.data else {
            panic!()
        };
        assert_eq!(r.interval, 60 * SECOND);
        r.rates.iter().map(|x| x * 60.0).collect()
    }

    #[test]
    fn rows_sum_filter_and_days_concatenate() {
        let d1 =
            header() + &row("appA", "f1", |m| (m == 0) as u64 * 60) + &row("appB", "f2", |_| 1);
        let d2 = header() + &row("appA", "f1", |m| (m == 1439) as u64 * 120);
        let (_dir, paths) = write_files(&[("d01.csv", d1.as_bytes()), ("d02.csv", d2.as_bytes())]);
        let all = per_minute(&spec(paths.clone(), AzureFilter::default()));
        assert_eq!(all.len(), 2 * MINUTES);
        assert_eq!(
            (all[0], all[1], all[1439], all[1440], all[2879]),
            (61.0, 1.0, 1.0, 0.0, 120.0)
        );
        let app = AzureFilter {
            app: Some("appA".into()),
            function: Some("f1".into()),
        };
        let a = per_minute(&spec(paths.clone(), app.clone()));
        assert_eq!((a[0], a[1], a[2879]), (60.0, 0.0, 120.0));
        // A window of day 2's last hour.
        let mut s = spec(paths.clone(), app);
        s.start = Some(TraceBound::After(47 * 3600 * SECOND));
        let trace = load(&s).unwrap();
        assert_eq!(trace.length, 3600 * SECOND);
        assert_eq!(trace.first_timestamp, None);
        assert_eq!(trace.rate_at(3599 * SECOND), 2.0);
        let none = AzureFilter {
            app: Some("appZ".into()),
            function: None,
        };
        let e = load(&spec(paths, none)).unwrap_err().to_string();
        assert!(
            e.contains("no row has HashApp = \"appZ\" in 2 day file(s)"),
            "{e}"
        );
    }

    #[test]
    fn malformed_files_are_errors() {
        let bad_header = "HashOwner,HashApp,HashFunction,Trigger,1,2,3\nowner,a,f,http,1,2,3\n";
        let short_row = header() + "owner,a,f,http,1,2,3\n";
        let negative = header() + &row("a", "f", |_| 1).replacen(",1,", ",-1,", 1);
        let (_dir, paths) = write_files(&[
            ("h.csv", bad_header.as_bytes()),
            ("s.csv", short_row.as_bytes()),
            ("n.csv", negative.as_bytes()),
        ]);
        let err = |i: usize| {
            load(&spec(vec![paths[i].clone()], AzureFilter::default()))
                .unwrap_err()
                .to_string()
        };
        assert!(
            err(0).contains("h.csv:1: not the Azure Functions 2019 invocation header"),
            "{}",
            err(0)
        );
        assert!(
            err(1).contains("s.csv:2: the row has 3 minute counts; expected 1440"),
            "{}",
            err(1)
        );
        assert!(
            err(2).contains("n.csv:2: minute 1: count \"-1\" is not a whole number"),
            "{}",
            err(2)
        );
        let mut cal = spec(vec![paths[0].clone()], AzureFilter::default());
        cal.align = super::super::Align::Calendar;
        assert!(
            load(&cal)
                .unwrap_err()
                .to_string()
                .contains("carries no dates")
        );
    }
}
