//! Reading a NASA-HTTP-sized access log.
//!
//! A deterministic log in NASA-HTTP's shape (July + August 1995 held 3,461,612 requests;
//! this one has 3,500,000 lines) is written once to a temporary file: 62 days from
//! 01/Jul/1995 at −04:00 with a daily cycle and quieter weekends, hosts that are IP
//! addresses or proxy and dial-up names, NASA-like paths, `-` for bytes on 304s and 404s,
//! about 1 line in 2,000 with an unbalanced quote in its request, 1 in 20,000 without a
//! timestamp (skipped), 1 in 1,000 logged up to 30 s late, and no newline after the last.
//!
//! - `access-log/poisson`: aggregated into 60 s counts (the default).
//! - `access-log/exact`: every request an arrival, through the reorder buffer.
//!
//! The target is under 5 s for either on the project's 2-core machine.

use std::fs::File;
use std::hint::black_box;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use provsim::workload::trace::{AccessLogOptions, ArrivalMode, TraceFormat, TraceSpec, load};

const LINES: u64 = 3_500_000;
const DAYS: u64 = 62;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

const PATHS: [&str; 12] = [
    "/images/NASA-logosmall.gif",
    "/images/KSC-logosmall.gif",
    "/shuttle/countdown/",
    "/shuttle/countdown/count.gif",
    "/images/MOSAIC-logosmall.gif",
    "/images/USA-logosmall.gif",
    "/images/WORLD-logosmall.gif",
    "/history/apollo/",
    "/shuttle/missions/sts-71/mission-sts-71.html",
    "/shuttle/missions/sts-70/images/KSC-95EC-0613.jpg",
    "/ksc.html",
    "/cgi-bin/imagemap/countdown?99,176",
];

fn host(rng: &mut Rng) -> String {
    match rng.below(6) {
        0 | 1 => format!(
            "{}.{}.{}.{}",
            128 + rng.below(80),
            rng.below(256),
            rng.below(256),
            1 + rng.below(254)
        ),
        2 => format!("piweba{}y.prodigy.com", 1 + rng.below(5)),
        3 => format!(
            "www-{}{}.proxy.aol.com",
            ["a", "b", "c", "d"][rng.below(4) as usize],
            1 + rng.below(5)
        ),
        4 => format!("ppp{}.dialup.example.net", rng.below(400)),
        _ => format!("host{}.cs.example.edu", rng.below(2000)),
    }
}

/// Writes the log; returns how many lines it has.
fn write_log(path: &Path) -> u64 {
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path).unwrap());
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    // A little over the mean, so that the 62 days hold all LINES lines.
    let mean = 1.01 * LINES as f64 / (DAYS * 86_400) as f64;
    let mut written = 0u64;
    'days: for day in 0..DAYS {
        let (month, dom) = if day < 31 {
            ("Jul", day + 1)
        } else {
            ("Aug", day - 30)
        };
        // 1 July 1995 was a Saturday.
        let weekend = matches!(day % 7, 0 | 1);
        for second in 0..86_400u64 {
            let phase = std::f64::consts::TAU * (second as f64 - 14.0 * 3600.0) / 86_400.0;
            let rate = mean * (1.0 + 0.6 * phase.cos()) * if weekend { 0.75 } else { 1.1 };
            let mut n = rate.floor() as u64 + u64::from(rng.unit() < rate.fract());
            while n > 0 {
                n -= 1;
                let late = if rng.below(1000) == 0 {
                    1 + rng.below(30)
                } else {
                    0
                };
                let s = second.saturating_sub(late);
                let h = host(&mut rng);
                let stamp = format!(
                    "[{dom:02}/{month}/1995:{:02}:{:02}:{:02} -0400]",
                    s / 3600,
                    s / 60 % 60,
                    s % 60
                );
                let path = PATHS[rng.below(PATHS.len() as u64) as usize];
                match rng.below(20_000) {
                    0 => write!(out, "{h} - - \"GET {path} HTTP/1.0\" 200 1204"),
                    1..=10 => write!(out, "{h} - - {stamp} \"GET {path} HTTP/1.0 200 3985"),
                    r if r % 5 == 0 => write!(out, "{h} - - {stamp} \"GET {path} HTTP/1.0\" 304 -"),
                    r if r % 41 == 0 => {
                        write!(out, "{h} - - {stamp} \"GET {path} HTTP/1.0\" 404 -")
                    }
                    _ => write!(
                        out,
                        "{h} - - {stamp} \"GET {path} HTTP/1.0\" 200 {}",
                        200 + rng.below(60_000)
                    ),
                }
                .unwrap();
                written += 1;
                if written == LINES {
                    break 'days;
                }
                out.write_all(b"\n").unwrap();
            }
        }
    }
    out.flush().unwrap();
    written
}

fn spec(path: &Path, arrivals: ArrivalMode) -> TraceSpec {
    TraceSpec::new(
        path,
        TraceFormat::AccessLog(AccessLogOptions {
            arrivals,
            ..AccessLogOptions::default()
        }),
    )
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nasa-like-access.log");
    let lines = write_log(&path);
    let mut group = c.benchmark_group("access-log");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(lines));
    for (name, mode) in [
        ("poisson", ArrivalMode::Poisson),
        ("exact", ArrivalMode::Exact),
    ] {
        let spec = spec(&path, mode);
        let trace = load(&spec).unwrap();
        eprintln!(
            "{name}: {lines} lines, {:.0} requests over {:.1} days, {} warning(s)",
            trace.requests_per_pass(),
            trace.length as f64 / 86_400e6,
            trace.warnings.len()
        );
        group.bench_function(name, |b| b.iter(|| black_box(load(&spec).unwrap())));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
