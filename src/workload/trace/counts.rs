//! `counts` and `rate`: a CSV with a header and one row per interval, as Prometheus,
//! CloudWatch, Datadog and Grafana export a time series.
//!
//! Rows strictly increase in time and lie on a grid of whole intervals from the first
//! row kept. Missing grid points, and values that are empty, `null` or `NaN`, count as 0
//! requests and are listed in the warnings. Blank lines and lines starting with `#` are
//! passed over.

use std::path::Path;

use super::input::{Lines, csv_fields};
use super::shape::{Series, SeriesData, Window};
use super::stamp::{self, Stamp};
use super::{CsvOptions, MAX_INTERVALS, TraceError};
use crate::engine::{Time, human_duration};

/// Gaps named in a warning.
const SHOWN: usize = 5;

struct Row {
    us: i64,
    /// Requests in the row's interval; NaN where the value is missing.
    count: f64,
    line: u64,
}

/// Reads a counts CSV (`per_second`: a rate CSV) into per-interval counts.
pub(super) fn read(
    path: &Path,
    opts: &CsvOptions,
    per_second: bool,
    window: &mut Window,
    warnings: &mut Vec<String>,
) -> Result<Series, TraceError> {
    let mut lines = Lines::open(path)?;
    let header = read_header(&mut lines)?;
    let header_line = lines.line();
    let column = |name: &Option<String>, default: usize, what: &str| match name {
        Some(n) => header.iter().position(|h| h == n).ok_or_else(|| {
            lines.error_at(
                header_line,
                format!(
                    "unknown {what} column \"{n}\": the header has {}",
                    header
                        .iter()
                        .map(|h| format!("\"{h}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        }),
        None if default < header.len() => Ok(default),
        None => Err(lines.error_at(
            header_line,
            "the header names one column; expected a time column and a value column",
        )),
    };
    let time_col = column(&opts.time_column, 0, "time")?;
    let value_col = column(&opts.value_column, 1, "value")?;
    if time_col == value_col {
        return Err(lines.error_at(
            header_line,
            format!(
                "the time and value columns are both \"{}\"",
                header[time_col]
            ),
        ));
    }
    let value_name = header[value_col].clone();

    let mut rows: Vec<Row> = Vec::new();
    let mut origin: Option<Stamp> = None;
    let mut prev: Option<(Stamp, u64)> = None;
    let mut min_gap = i64::MAX;
    while lines.advance()? {
        let text = lines.text().trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let fields = csv_fields(text).map_err(|e| lines.error(e))?;
        let field = |col: usize| {
            fields.get(col).ok_or_else(|| {
                lines.error(format!(
                    "the row has {} field(s); column \"{}\" is field {}",
                    fields.len(),
                    header[col],
                    col + 1
                ))
            })
        };
        let at = stamp::parse_csv_time(field(time_col)?).map_err(|e| lines.error(e))?;
        let count = parse_value(field(value_col)?, &value_name).map_err(|e| lines.error(e))?;
        if let Some((p, line)) = prev {
            if at.us <= p.us {
                return Err(lines.error(format!(
                    "time {} is not after the previous row's, {} (line {line}): rows must strictly increase in time",
                    stamp::format(at),
                    stamp::format(p),
                )));
            }
            min_gap = min_gap.min(at.us - p.us);
        }
        prev = Some((at, lines.line()));
        if window.keep(at.us, at.offset) {
            if rows.len() >= MAX_INTERVALS {
                return Err(lines.error(too_many()));
            }
            origin.get_or_insert(at);
            rows.push(Row {
                us: at.us,
                count,
                line: lines.line(),
            });
        }
    }
    if prev.is_none() {
        return Err(lines
            .file_error("holds a header but no data rows: expected rows of a time and a value"));
    }
    let interval = match opts.interval {
        Some(i) => i as i64,
        None if min_gap == i64::MAX => {
            return Err(lines.file_error(
                "has a single row: the interval cannot be inferred from it; give `interval`",
            ));
        }
        None => min_gap,
    };
    let counts = grid(&rows, interval, per_second, &lines, warnings)?;
    Ok(Series {
        file: lines.name().to_string(),
        origin: origin.unwrap_or(Stamp { us: 0, offset: 0 }),
        data: SeriesData::Counts {
            interval_us: interval,
            counts,
        },
    })
}

/// The first line that is not blank or a comment, as column names.
fn read_header(lines: &mut Lines) -> Result<Vec<String>, TraceError> {
    loop {
        if !lines.advance()? {
            return Err(lines.file_error(
                "holds no header: expected a header line naming the columns, such as time,requests",
            ));
        }
        let text = lines.text().trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let fields = csv_fields(text).map_err(|e| lines.error(format!("header: {e}")))?;
        if stamp::parse_csv_time(&fields[0]).is_ok() {
            return Err(lines.error(format!(
                "\"{text}\" looks like a data row, not a header: the file must start with a header naming its columns, such as time,requests"
            )));
        }
        return Ok(fields.into_iter().map(|f| f.into_owned()).collect());
    }
}

/// A row's value: a finite number ≥ 0; empty, `null` or `NaN` is a missing value (NaN).
fn parse_value(text: &str, column: &str) -> Result<f64, String> {
    let t = text.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("null") || t.eq_ignore_ascii_case("nan") {
        return Ok(f64::NAN);
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        Ok(v) if v < 0.0 => Err(format!(
            "value {t} in column \"{column}\" is negative: requests are counted from 0"
        )),
        _ => Err(format!(
            "value \"{t}\" in column \"{column}\" is not a number: expected a count of requests ≥ 0"
        )),
    }
}

fn too_many() -> String {
    format!(
        "the trace has more than {MAX_INTERVALS} intervals, the most a trace may hold (80 MB of rates): use a coarser interval or a window"
    )
}

/// Puts the kept rows on their grid: counts per interval, gaps as 0 (warned).
fn grid(
    rows: &[Row],
    interval: i64,
    per_second: bool,
    lines: &Lines,
    warnings: &mut Vec<String>,
) -> Result<Vec<f64>, TraceError> {
    let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
        return Ok(Vec::new());
    };
    let n = (last.us - first.us) / interval + 1;
    if n > MAX_INTERVALS as i64 {
        return Err(lines.error_at(last.line, too_many()));
    }
    let width = interval as f64 / 1e6;
    let mut counts = vec![0.0; n as usize];
    let (mut gaps, mut gap_count, mut missing) = (Vec::new(), 0usize, 0u64);
    let mut empty_values = Vec::new();
    let (mut prev_index, mut prev_line) = (-1i64, first.line);
    for row in rows {
        let rel = row.us - first.us;
        if rel % interval != 0 {
            return Err(lines.error_at(
                row.line,
                format!(
                    "time {} is off the {} grid that starts at line {} ({}): rows must be whole intervals apart",
                    stamp::format(Stamp { us: row.us, offset: 0 }),
                    human_duration(interval as Time),
                    first.line,
                    stamp::format(Stamp { us: first.us, offset: 0 }),
                ),
            ));
        }
        let index = rel / interval;
        if index > prev_index + 1 {
            let skipped = (index - prev_index - 1) as u64;
            missing += skipped;
            gap_count += 1;
            if gaps.len() < SHOWN {
                gaps.push((prev_line, skipped));
            }
        }
        (prev_index, prev_line) = (index, row.line);
        if row.count.is_nan() {
            empty_values.push(row.line);
        } else {
            counts[index as usize] = if per_second {
                row.count * width
            } else {
                row.count
            };
        }
    }
    if missing > 0 {
        warnings.push(format!(
            "{}: {missing} missing interval(s) of {} in {gap_count} gap(s) counted as 0 requests: {}",
            lines.name(),
            human_duration(interval as Time),
            list_gaps(&gaps, gap_count),
        ));
    }
    if !empty_values.is_empty() {
        let shown: Vec<String> = empty_values
            .iter()
            .take(SHOWN)
            .map(u64::to_string)
            .collect();
        warnings.push(format!(
            "{}: {} row(s) have no value (empty, null or NaN) and count as 0 requests: line(s) {}{}",
            lines.name(),
            empty_values.len(),
            shown.join(", "),
            if empty_values.len() > SHOWN { ", …" } else { "" }
        ));
    }
    Ok(counts)
}

/// Names what a gap list shows: `after line 5 (3 intervals), …`.
pub(crate) fn list_gaps(gaps: &[(u64, u64)], total_gaps: usize) -> String {
    let mut shown: Vec<String> = gaps
        .iter()
        .map(|&(line, n)| {
            let s = if n == 1 { "" } else { "s" };
            format!("after line {line} ({n} interval{s})")
        })
        .collect();
    if total_gaps > gaps.len() {
        shown.push(format!("and {} more", total_gaps - gaps.len()));
    }
    shown.join(", ")
}

#[cfg(test)]
mod tests {
    use super::super::testutil::load_text;
    use super::super::{Align, CsvOptions, TraceBound, TraceData, TraceFormat};
    use crate::engine::SECOND;

    fn rates(trace: &super::super::Trace) -> (u64, Vec<f64>) {
        match &trace.data {
            TraceData::Rate(r) => (r.interval / SECOND, r.rates.clone()),
            TraceData::Arrivals(_) => panic!("expected a rate"),
        }
    }

    #[test]
    fn epoch_rows_with_a_gap_infer_the_interval() {
        let (trace, _dir) = load_text(
            "c.csv",
            "time,requests\n1717200000,60\n1717200060,120\n1717200240,30\n",
            |_| {},
        )
        .unwrap();
        let (interval, r) = rates(&trace);
        assert_eq!(interval, 60);
        assert_eq!(r, [1.0, 2.0, 0.0, 0.0, 0.5]);
        assert_eq!(trace.length, 300 * SECOND);
        assert_eq!(
            trace.first_timestamp.as_deref(),
            Some("2024-06-01T00:00:00Z")
        );
        assert_eq!(trace.warnings.len(), 1);
        let w = &trace.warnings[0];
        assert!(
            w.contains("2 missing interval(s) of 1m in 1 gap(s)") && w.contains("after line 3"),
            "{w}"
        );
    }

    #[test]
    fn rate_rows_named_columns_quotes_and_milliseconds() {
        let text = "# exported\nseries,\"ts\",rps\nweb,1717200000000,2.5\nweb,1717200030000,\napi,1717200060000,4\n";
        let (trace, _dir) = load_text("r.csv", text, |s| {
            s.format = TraceFormat::Rate(CsvOptions {
                time_column: Some("ts".into()),
                value_column: Some("rps".into()),
                interval: Some(30 * SECOND),
            });
        })
        .unwrap();
        let (interval, r) = rates(&trace);
        assert_eq!(interval, 30);
        assert_eq!(r, [2.5, 0.0, 4.0]);
        assert!(
            trace.warnings[0].contains("no value"),
            "{:?}",
            trace.warnings
        );
    }

    #[test]
    fn rfc3339_rows_align_to_the_calendar() {
        // Wednesday 2024-06-05 14:30 at +02:00.
        let text = "time,count\n2024-06-05T14:30:00+02:00,600\n2024-06-05T14:40:00+02:00,1200\n";
        let (trace, _dir) = load_text("cal.csv", text, |s| s.align = Align::Calendar).unwrap();
        assert_eq!(trace.offset, (2 * 86_400 + 14 * 3600 + 30 * 60) * SECOND);
        assert_eq!(trace.rate_at(trace.offset), 1.0);
        assert_eq!(trace.rate_at(0), 0.0);
        assert_eq!(trace.end(), trace.offset + 1200 * SECOND);
        assert_eq!(
            trace.first_timestamp.as_deref(),
            Some("2024-06-05T14:30:00+02:00")
        );
    }

    #[test]
    fn window_speedup_scale_and_repeat() {
        let text = "t,n\n0,10\n10,20\n20,30\n30,40\n";
        let (trace, _dir) = load_text("w.csv", text, |s| {
            s.start = Some(TraceBound::After(10 * SECOND));
            s.end = Some(TraceBound::At(30 * SECOND as i64));
            s.speedup = 2.0;
            s.scale = 3.0;
            s.repeat = true;
        })
        .unwrap();
        let (_, r) = rates(&trace);
        // Rows at 10 s and 20 s; 5 s intervals after speedup; × 3.
        assert_eq!(r, [12.0, 18.0]);
        assert_eq!(trace.length, 10 * SECOND);
        assert_eq!(trace.rate_at(12 * SECOND), 12.0);
        assert_eq!(trace.rate_at(17 * SECOND), 18.0);
        let err = load_text("w.csv", text, |s| {
            s.start = Some(TraceBound::After(100 * SECOND))
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains("the window (start = 100s) is empty"), "{err}");
        assert!(
            err.contains("1970-01-01T00:00:00Z to 1970-01-01T00:00:30Z"),
            "{err}"
        );
    }

    #[test]
    fn bad_rows_are_errors_naming_the_line() {
        let err = |text: &str| load_text("bad.csv", text, |_| {}).unwrap_err().to_string();
        let e = err("time,n\n60,1\n60,1\n");
        assert!(e.contains("bad.csv:3: time 1970-01-01T00:01:00Z is not after the previous row's, 1970-01-01T00:01:00Z (line 2)"), "{e}");
        assert!(
            err("time,n\n0,1\n60,-3\n").contains("bad.csv:3: value -3 in column \"n\" is negative")
        );
        assert!(
            err("time,n\n0,1\n60,lots\n")
                .contains("bad.csv:3: value \"lots\" in column \"n\" is not a number")
        );
        assert!(
            err("time,n\n0,1\nnoon,1\n").contains("bad.csv:3: timestamp \"noon\" is not a date")
        );
        assert!(
            err("time,n\n0,1\n60\n")
                .contains("bad.csv:3: the row has 1 field(s); column \"n\" is field 2")
        );
        assert!(
            err("0,1\n60,1\n").contains("bad.csv:1: \"0,1\" looks like a data row, not a header")
        );
        assert!(err("time,n\n").contains("holds a header but no data rows"));
        assert!(err("time,n\n0,1\n").contains("has a single row"));
        let e = load_text("g.csv", "time,n\n0,1\n60,1\n90,1\n", |s| {
            s.format = TraceFormat::Counts(CsvOptions {
                interval: Some(60 * SECOND),
                ..CsvOptions::default()
            });
        })
        .unwrap_err()
        .to_string();
        assert!(
            e.contains(
                "g.csv:4: time 1970-01-01T00:01:30Z is off the 1m grid that starts at line 2"
            ),
            "{e}"
        );
        let e = load_text("u.csv", "time,n\n0,1\n", |s| {
            s.format = TraceFormat::Counts(CsvOptions {
                value_column: Some("requests".into()),
                ..CsvOptions::default()
            });
        })
        .unwrap_err()
        .to_string();
        assert!(
            e.contains(
                "u.csv:1: unknown value column \"requests\": the header has \"time\", \"n\""
            ),
            "{e}"
        );
    }

    #[test]
    fn too_long_a_trace_is_refused() {
        let e = load_text("long.csv", "time,n\n0,1\n1,1\n100000000,1\n", |_| {})
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("long.csv:4: the trace has more than 10000000 intervals"),
            "{e}"
        );
        let e = load_text("peak.csv", "time,n\n0,200000000\n1,0\n", |_| {})
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("peak.csv: the trace peaks at 2.000e8 requests/s"),
            "{e}"
        );
        let e = load_text("slow.csv", "time,n\n0,1\n2678400,1\n", |s| {
            s.speedup = 0.001
        })
        .unwrap_err()
        .to_string();
        assert!(e.contains("longer than the 100 years"), "{e}");
    }
}
