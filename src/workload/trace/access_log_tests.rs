//! Tests of the access-log reader.

use super::super::testutil::{gzip, load_bytes};
use super::super::{
    AccessLogOptions, Align, ArrivalMode, ServiceTimeField, Trace, TraceBound, TraceData,
    TraceError, TraceFormat, TraceSpec,
};
use crate::engine::{SECOND, Time};

/// A NASA-style line at second `s` of 01/Jul/1995 (−04:00).
fn line(s: u32, rest: &str) -> String {
    format!(
        "host{s}.example.com - - [01/Jul/1995:{:02}:{:02}:{:02} -0400] {rest}\n",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

fn get(s: u32) -> String {
    line(s, "\"GET /shuttle/countdown/ HTTP/1.0\" 200 3985")
}

fn exact() -> TraceFormat {
    TraceFormat::AccessLog(AccessLogOptions {
        arrivals: ArrivalMode::Exact,
        ..AccessLogOptions::default()
    })
}

fn poisson(interval_s: u64) -> TraceFormat {
    TraceFormat::AccessLog(AccessLogOptions {
        interval: interval_s * SECOND,
        ..AccessLogOptions::default()
    })
}

fn load(
    text: &str,
    format: TraceFormat,
    tweak: impl FnOnce(&mut TraceSpec),
) -> Result<Trace, TraceError> {
    load_bytes("access.log", text.as_bytes(), format, tweak).map(|(t, _)| t)
}

fn times(trace: &Trace) -> Vec<Time> {
    match &trace.data {
        TraceData::Arrivals(a) => a.times.clone(),
        TraceData::Rate(_) => panic!("expected arrivals"),
    }
}

fn counts(trace: &Trace) -> Vec<f64> {
    match &trace.data {
        TraceData::Rate(r) => r
            .rates
            .iter()
            .map(|x| x * r.interval as f64 / 1e6)
            .collect(),
        TraceData::Arrivals(_) => panic!("expected a rate"),
    }
}

#[test]
fn exact_arrivals_spread_over_their_second() {
    let text = [get(5), get(5), get(5), get(6)].concat();
    let trace = load(&text, exact(), |_| {}).unwrap();
    assert_eq!(times(&trace), [0, SECOND / 3, 2 * SECOND / 3, SECOND]);
    assert_eq!(trace.length, 2 * SECOND);
    assert_eq!(trace.peak_rate(), 3.0);
    assert_eq!(
        trace.first_timestamp.as_deref(),
        Some("1995-07-01T00:00:05-04:00")
    );
    assert!(trace.warnings.is_empty(), "{:?}", trace.warnings);
}

#[test]
fn disorder_within_a_minute_is_put_in_order() {
    // 100, 70 (30 s back), 160, 101, 100 (60 s back: still fine).
    let text = [get(100), get(70), get(160), get(101), get(100)].concat();
    let trace = load(&text, exact(), |_| {}).unwrap();
    let s = SECOND;
    assert_eq!(times(&trace), [0, 30 * s, 30 * s + s / 2, 31 * s, 90 * s]);
    let agg = load(&text, poisson(30), |_| {}).unwrap();
    // Bins from 70 s (moved back from 100 s): [70,100) 1, [100,130) 3, [130,160) 0, [160,190) 1.
    assert_eq!(counts(&agg), [1.0, 3.0, 0.0, 1.0]);
    assert_eq!(agg.length, 120 * SECOND);
}

#[test]
fn more_than_a_minute_back_is_an_error_naming_the_line() {
    let text = [get(100), get(200), get(139)].concat();
    for format in [exact(), poisson(60)] {
        let e = load(&text, format, |_| {}).unwrap_err().to_string();
        assert!(
            e.contains("access.log:3: request at 1995-07-01T00:02:19-04:00 is 61s earlier than one already read (1995-07-01T00:03:20-04:00, line 2)"),
            "{e}"
        );
        assert!(e.contains("not in time order"), "{e}");
    }
}

/// 200 lines in NASA's shape: `-` bytes, an unbalanced quote, no final newline.
fn nasa_like(bad: &[usize]) -> String {
    let mut text = String::new();
    for i in 0..200u32 {
        if bad.contains(&(i as usize)) {
            text += "this line lost its timestamp\n";
        } else if i % 7 == 0 {
            text += &line(i, "\"GET /images/NASA-logosmall.gif HTTP/1.0\" 304 -");
        } else if i % 11 == 0 {
            text += &line(
                i,
                "\"GET /shuttle/missions/sts-71/images/KSC-95EC-0423.txt\" 404 -",
            );
        } else {
            text += &get(i);
        }
    }
    text.pop();
    text
}

#[test]
fn junk_is_skipped_and_counted_up_to_one_percent() {
    let trace = load(&nasa_like(&[3, 150]), poisson(60), |_| {}).unwrap();
    assert_eq!(counts(&trace).iter().sum::<f64>(), 198.0);
    let w = &trace.warnings[0];
    assert!(
        w.contains("access.log: skipped 2 of 200 lines (1.00 %)"),
        "{w}"
    );
    assert!(
        w.contains("line 4: no [timestamp] on the line; line 151"),
        "{w}"
    );
    let e = load(&nasa_like(&[3, 150, 170]), poisson(60), |_| {})
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("access.log: 3 of 200 lines (1.50 %) cannot be read, more than the 1 %"),
        "{e}"
    );
    let e = load(&nasa_like(&[3]), poisson(60), |s| s.strict = true)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("access.log:4: no [timestamp] on the line (strict = true"),
        "{e}"
    );
    let mut bad_date = nasa_like(&[]);
    bad_date.insert_str(
        0,
        "h - - [32/Jul/1995:00:00:01 -0400] \"GET / HTTP/1.0\" 200 1\n",
    );
    let e = load(&bad_date, poisson(60), |s| s.strict = true)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("access.log:1: timestamp \"32/Jul/1995:00:00:01 -0400\" is not a date"),
        "{e}"
    );
}

#[test]
fn gzip_logs_read_like_plain_ones() {
    let text = nasa_like(&[]);
    let (plain, _d) = load_bytes("a.log", text.as_bytes(), exact(), |_| {}).unwrap();
    let (gz, _d) = load_bytes("a.log.gz", &gzip(text.as_bytes()), exact(), |_| {}).unwrap();
    assert_eq!(times(&plain), times(&gz));
    assert_eq!(times(&gz).len(), 200);
}

#[test]
fn service_times_come_from_the_end_of_the_line() {
    let combined = "\"GET / HTTP/1.1\" 200 512 \"-\" \"curl/8.0\"";
    let text = [
        line(1, &format!("{combined} 0.042")),
        line(1, &format!("{combined} 1.500")),
        line(2, &format!("{combined} -")),
        line(3, &format!("{combined} 0.000")),
    ]
    .concat()
    .repeat(30);
    let format = |field: &str, unit: &str| {
        TraceFormat::AccessLog(AccessLogOptions {
            arrivals: ArrivalMode::Exact,
            service_time: Some(ServiceTimeField::parse(field, unit).unwrap()),
            ..AccessLogOptions::default()
        })
    };
    let e = load(&text, format("last", "s"), |_| {})
        .unwrap_err()
        .to_string();
    assert!(e.contains("30 of 120 lines"), "{e}");
    assert!(
        e.contains("line 3: service time \"-\" is not a duration"),
        "{e}"
    );
    let ok: String = text
        .lines()
        .filter(|l| !l.ends_with(" -"))
        .map(|l| format!("{l}\n"))
        .collect();
    let trace = load(&ok, format("last", "s"), |_| {}).unwrap();
    let TraceData::Arrivals(a) = &trace.data else {
        panic!()
    };
    // Second 1 holds 60 requests (their services alternate), second 3 the 30 zeros.
    let service = a.service.as_ref().unwrap();
    assert_eq!(&service[..3], [42_000, 1_500_000, 42_000]);
    assert_eq!(service[60..], [0; 30]);
    let first = trace.arrivals(Time::MAX).next().unwrap();
    assert_eq!(first.service, Some(42_000));
    // Apache %D in microseconds, quoted with a name, one field before the end.
    let apache = line(1, "\"GET / HTTP/1.1\" 200 5 \"D=1234\" x");
    let trace = load(&apache, format("last-1", "us"), |_| {}).unwrap();
    let TraceData::Arrivals(a) = &trace.data else {
        panic!()
    };
    assert_eq!(a.service.as_deref(), Some(&[1234][..]));
    assert!(ServiceTimeField::parse("first", "s").is_err());
    assert!(ServiceTimeField::parse("last", "min").is_err());
    let e = load(&ok, poisson(60), |s| {
        s.format = TraceFormat::AccessLog(AccessLogOptions {
            service_time: Some(ServiceTimeField::parse("last", "s").unwrap()),
            ..AccessLogOptions::default()
        })
    })
    .unwrap_err()
    .to_string();
    assert!(e.contains("need arrivals = \"exact\""), "{e}");
}

#[test]
fn calendar_alignment_uses_the_log_clock() {
    // Wednesday 5 June 2024, 14:30 at +02:00.
    let text = "h - - [05/Jun/2024:14:30:00 +0200] \"GET / HTTP/1.1\" 200 1\n";
    let trace = load(text, exact(), |s| s.align = Align::Calendar).unwrap();
    assert_eq!(trace.offset, (2 * 86_400 + 14 * 3600 + 30 * 60) * SECOND);
    assert_eq!(
        trace.arrivals(Time::MAX).next().unwrap().arrival,
        trace.offset
    );
    // Nothing before the offset unless it repeats; repeating, the day before plays too.
    assert_eq!(trace.arrivals(trace.offset).count(), 0);
    let looped = load(text, exact(), |s| {
        s.align = Align::Calendar;
        s.repeat = true;
    })
    .unwrap();
    assert_eq!(looped.length, SECOND);
    assert_eq!(
        looped.arrivals(trace.offset).count() as u64,
        trace.offset / SECOND
    );
}

#[test]
fn window_speedup_and_an_early_stop() {
    let mut text: String = (0..600).map(get).collect();
    text += "not a request line at all\n".repeat(50).as_str();
    let trace = load(&text, exact(), |s| {
        s.start = Some(TraceBound::After(100 * SECOND));
        s.end = Some(TraceBound::After(200 * SECOND));
        s.speedup = 4.0;
    })
    .unwrap();
    // 100 requests, one a second, played 4× as fast; the junk after the end is never read.
    let t = times(&trace);
    assert_eq!(t.len(), 100);
    assert_eq!(t[1], SECOND / 4);
    assert_eq!(trace.length, 25 * SECOND);
    assert_eq!(trace.peak_rate(), 4.0);
    assert!(trace.warnings.is_empty());
    let e = load(&text[..text.find("not a").unwrap()], exact(), |s| {
        s.start = Some(TraceBound::At(0));
        s.end = Some(TraceBound::At(1000));
    })
    .unwrap_err()
    .to_string();
    assert!(e.contains("the window (start = 1969-12-31T20:00:00-04:00, end = 1969-12-31T20:00:00.001000-04:00) is empty"), "{e}");
    assert!(e.contains("which starts at 1995-07-01T00:00:00-04:00 (read no further: it is past the window's end)"), "{e}");
}

#[test]
fn long_silences_are_named() {
    let text = [get(0), get(1), get(7201), get(7202)].concat();
    for format in [exact(), poisson(60)] {
        let trace = load(&text, format, |_| {}).unwrap();
        let w = trace.warnings.join("\n");
        assert!(w.contains("1 silence(s) of an hour or more"), "{w}");
        assert!(w.contains("from 1995-07-01T00:0"), "{w}");
    }
}

#[test]
fn only_junk_is_an_error() {
    let e = load("nothing here\n", poisson(60), |_| {})
        .unwrap_err()
        .to_string();
    assert!(e.contains("1 of 1 lines"), "{e}");
    let e = load("\n\n", poisson(60), |_| {}).unwrap_err().to_string();
    assert!(e.contains("access.log: holds no requests"), "{e}");
}
