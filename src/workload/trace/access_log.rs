//! `access-log`: Common and Combined Log Format, one line per request, as nginx and
//! Apache write by default and as the NASA-HTTP and ClarkNet traces are:
//!
//! `host - - [01/Jul/1995:00:00:01 -0400] "GET /history/apollo/ HTTP/1.0" 200 6245`
//!
//! Only the timestamp is needed (and, if asked, a service time at the line's end), so the
//! rest may be anything: `-` for bytes, a request line with unbalanced quotes, a missing
//! newline at the end. The timestamp is the first `[…]` and is read by position. A line
//! without one is skipped and counted ([`Skips`]). Requests up to [`MAX_DISORDER`] out of
//! order are put in order; further back is an error.

use std::path::Path;

use super::input::{Lines, Skips};
use super::shape::{Series, SeriesData, Window};
use super::stamp::{self, CLF_STAMP_LEN, ClfClock, ClfDateError, Stamp, US};
use super::{
    AccessLogOptions, ArrivalMode, MAX_ARRIVALS, MAX_DISORDER, MAX_INTERVALS, ServiceTimeField,
    TimeUnit, TraceError,
};
use crate::engine::{SECOND, Time, human_duration};

/// Disorder tolerated, in seconds.
const WINDOW: i64 = (MAX_DISORDER / SECOND) as i64;
/// Reorder slots, one per second: more than the WINDOW + 1 seconds that can be pending.
const RING: i64 = 64;
/// A silence at least this long is named in the warnings (logging may have been down).
const QUIET: i64 = 3600;
/// Quiet spells named in a warning.
const SHOWN: usize = 5;
/// The longest service time read from a line.
const MAX_SERVICE: Time = 86_400 * SECOND;

/// Why a line could not be read.
#[derive(Debug, Clone, Copy)]
enum Why {
    NoTimestamp,
    Layout(usize),
    NotADate(usize),
    NoServiceField,
    BadService,
}

impl Why {
    fn describe(self, line: &[u8], field: Option<ServiceTimeField>) -> String {
        // What the brackets hold, up to 40 bytes.
        let at = |open: usize| {
            let inner = &line[open + 1..(open + 41).min(line.len())];
            let end = inner.iter().position(|&b| b == b']').unwrap_or(inner.len());
            String::from_utf8_lossy(&inner[..end]).into_owned()
        };
        match self {
            Why::NoTimestamp => "no [timestamp] on the line".to_string(),
            Why::Layout(open) => format!(
                "timestamp \"{}\" is not in the layout dd/Mon/yyyy:HH:MM:SS ±hhmm",
                at(open)
            ),
            Why::NotADate(open) => format!("timestamp \"{}\" is not a date", at(open)),
            Why::NoServiceField => format!(
                "the line has no field {} from its end for the service time",
                field.map_or(0, |f| f.from_end)
            ),
            Why::BadService => {
                let text = field
                    .and_then(|f| service_field(line, f))
                    .map(String::from_utf8_lossy)
                    .unwrap_or_default();
                format!("service time \"{text}\" is not a duration of 0 to 1 day")
            }
        }
    }
}

/// Reads an access log into per-interval counts or exact arrivals.
pub(super) fn read(
    path: &Path,
    opts: &AccessLogOptions,
    strict: bool,
    window: &mut Window,
    warnings: &mut Vec<String>,
) -> Result<Series, TraceError> {
    let mut lines = Lines::open(path)?;
    let mut skips = Skips::new(strict);
    let mut clock = ClfClock::default();
    let mut order = Order::default();
    let interval = (opts.interval / SECOND) as i64;
    let mut sink = match opts.arrivals {
        ArrivalMode::Exact => Sink::Exact(Reorder::new(opts.service_time.is_some())),
        ArrivalMode::Poisson => Sink::Counts(Bins::new(interval)),
    };
    let mut first_offset = None;
    let mut quiet = Quiet::default();
    while lines.advance()? {
        let line = lines.bytes();
        if line.is_empty() {
            continue;
        }
        let (second, offset) = match timestamp(line, &mut clock) {
            Ok(t) => t,
            Err(why) => {
                skips.skip(&lines, || why.describe(line, opts.service_time))?;
                continue;
            }
        };
        order.check(second, offset, &lines)?;
        let us = second * US;
        if !window.keep(us, offset) {
            if window.past_end(us) {
                break;
            }
            continue;
        }
        let service = match opts.service_time {
            None => None,
            Some(f) => match service_time(line, f) {
                Ok(s) => Some(s),
                Err(why) => {
                    skips.skip(&lines, || why.describe(line, opts.service_time))?;
                    continue;
                }
            },
        };
        first_offset.get_or_insert(offset);
        match &mut sink {
            Sink::Exact(r) => r.add(second, service, &mut quiet),
            Sink::Counts(b) => b.add(second),
        }
        .map_err(|e| lines.error(e))?;
    }
    skips.finish(&lines, warnings)?;
    let offset = first_offset.unwrap_or(0);
    let (origin, data) = match sink {
        Sink::Exact(r) => r.finish(&mut quiet).map_err(|e| lines.file_error(e))?,
        Sink::Counts(b) => b.finish(&mut quiet),
    };
    if let Some(w) = quiet.warning(lines.name(), offset) {
        warnings.push(w);
    }
    Ok(Series {
        file: lines.name().to_string(),
        origin: Stamp {
            us: origin * US,
            offset,
        },
        data,
    })
}

/// The first `[…]` of the line: Unix seconds and the UTC offset.
#[inline]
fn timestamp(line: &[u8], clock: &mut ClfClock) -> Result<(i64, i32), Why> {
    let open = line
        .iter()
        .position(|&b| b == b'[')
        .ok_or(Why::NoTimestamp)?;
    let close = open + 1 + CLF_STAMP_LEN;
    match (line.get(open + 1..close), line.get(close)) {
        (Some(inner), Some(b']')) => clock.parse(inner).map_err(|e| match e {
            ClfDateError::Layout => Why::Layout(open),
            ClfDateError::NotADate => Why::NotADate(open),
        }),
        _ => Err(Why::Layout(open)),
    }
}

/// The service time field's text: quotes and a `name=` prefix removed.
fn service_field(line: &[u8], f: ServiceTimeField) -> Option<&[u8]> {
    let mut field = line
        .split(|b| b.is_ascii_whitespace())
        .filter(|f| !f.is_empty())
        .rev()
        .nth(f.from_end)?;
    if field.len() >= 2 && field[0] == b'"' && field[field.len() - 1] == b'"' {
        field = &field[1..field.len() - 1];
    }
    if let Some(eq) = field.iter().rposition(|&b| b == b'=') {
        field = &field[eq + 1..];
    }
    Some(field)
}

fn service_time(line: &[u8], f: ServiceTimeField) -> Result<Time, Why> {
    let field = service_field(line, f).ok_or(Why::NoServiceField)?;
    let value: f64 = std::str::from_utf8(field)
        .ok()
        .and_then(|t| t.parse().ok())
        .ok_or(Why::BadService)?;
    let us = value
        * match f.unit {
            TimeUnit::Seconds => 1e6,
            TimeUnit::Milliseconds => 1e3,
            TimeUnit::Microseconds => 1.0,
        };
    if !(us >= 0.0 && us <= MAX_SERVICE as f64) {
        return Err(Why::BadService);
    }
    Ok(us.round() as Time)
}

/// The latest timestamp read so far, and the disorder check against it.
#[derive(Default)]
struct Order {
    latest: Option<(i64, i32, u64)>,
}

impl Order {
    #[inline]
    fn check(&mut self, second: i64, offset: i32, lines: &Lines) -> Result<(), TraceError> {
        match self.latest {
            Some((latest, _, _)) if second <= latest => {
                if latest - second > WINDOW {
                    return Err(self.too_far_back(second, offset, lines));
                }
            }
            _ => self.latest = Some((second, offset, lines.line())),
        }
        Ok(())
    }

    #[cold]
    fn too_far_back(&self, second: i64, offset: i32, lines: &Lines) -> TraceError {
        let (latest, latest_offset, line) = self.latest.unwrap_or_default();
        let show = |s: i64, offset| stamp::format(Stamp { us: s * US, offset });
        lines.error(format!(
            "request at {} is {} earlier than one already read ({}, line {line}): up to 60 s out of order is put in order, more means the log is not in time order (concatenated or rotated files? sort them by time)",
            show(second, offset),
            human_duration((latest - second) as Time * SECOND),
            show(latest, latest_offset),
        ))
    }
}

enum Sink {
    Exact(Reorder),
    Counts(Bins),
}

/// Silences of an hour or more between requests.
#[derive(Default)]
struct Quiet {
    count: usize,
    first: Vec<(i64, i64)>,
}

impl Quiet {
    fn note(&mut self, from: i64, to: i64) {
        if to - from >= QUIET {
            self.count += 1;
            if self.first.len() < SHOWN {
                self.first.push((from, to));
            }
        }
    }

    fn warning(&self, file: &str, offset: i32) -> Option<String> {
        if self.count == 0 {
            return None;
        }
        let spells: Vec<String> = self
            .first
            .iter()
            .map(|&(from, to)| {
                format!(
                    "{} from {}",
                    human_duration((to - from) as Time * SECOND),
                    stamp::format(Stamp {
                        us: from * US,
                        offset
                    })
                )
            })
            .collect();
        let more = if self.count > SHOWN { ", …" } else { "" };
        Some(format!(
            "{file}: {} silence(s) of an hour or more without a request (was logging down?): {}{more}",
            self.count,
            spells.join(", ")
        ))
    }
}

/// Exact arrivals: requests wait in one slot per second until no line can come before
/// them any more (WINDOW seconds behind the latest), then leave in time order.
struct Reorder {
    slots: Vec<Slot>,
    /// Seconds below this have left.
    low: i64,
    latest: Option<i64>,
    last_out: Option<i64>,
    /// Arrival instants, Unix microseconds.
    times: Vec<i64>,
    service: Option<Vec<Time>>,
    peak: u64,
}

#[derive(Default, Clone)]
struct Slot {
    second: i64,
    count: u64,
    services: Vec<Time>,
}

impl Reorder {
    fn new(with_service: bool) -> Reorder {
        Reorder {
            slots: vec![Slot::default(); RING as usize],
            low: i64::MIN,
            latest: None,
            last_out: None,
            times: Vec::new(),
            service: with_service.then(Vec::new),
            peak: 0,
        }
    }

    #[inline]
    fn add(&mut self, second: i64, service: Option<Time>, quiet: &mut Quiet) -> Result<(), String> {
        match self.latest {
            Some(latest) if second <= latest => {}
            _ => {
                self.release_below(second - WINDOW, quiet)?;
                self.latest = Some(second);
            }
        }
        let slot = &mut self.slots[second.rem_euclid(RING) as usize];
        slot.second = second;
        slot.count += 1;
        slot.services.extend(service);
        Ok(())
    }

    /// Lets out every second below `limit`, in order.
    fn release_below(&mut self, limit: i64, quiet: &mut Quiet) -> Result<(), String> {
        let Some(latest) = self.latest else {
            self.low = limit;
            return Ok(());
        };
        // Pending seconds lie within [latest − WINDOW, latest]: at most WINDOW + 1 visits.
        for second in self.low.max(latest - WINDOW)..limit.min(latest + 1) {
            let slot = &mut self.slots[second.rem_euclid(RING) as usize];
            if slot.count == 0 || slot.second != second {
                continue;
            }
            let k = slot.count;
            if self.times.len() as u64 + k > MAX_ARRIVALS as u64 {
                return Err(format!(
                    "more than {MAX_ARRIVALS} requests, the most an exact trace may hold (400 MB of arrival times): use arrivals = \"poisson\" or a window"
                ));
            }
            if let Some(last) = self.last_out {
                quiet.note(last + 1, second);
            }
            let base = second * US;
            self.times
                .extend((0..k).map(|j| base + (j * US as u64 / k) as i64));
            if let Some(s) = &mut self.service {
                s.append(&mut slot.services);
            }
            self.peak = self.peak.max(k);
            self.last_out = Some(second);
            slot.count = 0;
        }
        self.low = self.low.max(limit);
        Ok(())
    }

    fn finish(mut self, quiet: &mut Quiet) -> Result<(i64, SeriesData), String> {
        if let Some(latest) = self.latest {
            self.release_below(latest + 1, quiet)?;
        }
        let origin = self.times.first().map_or(0, |t| t.div_euclid(US));
        let span_us = self.last_out.map_or(0, |s| (s + 1 - origin) * US);
        let start = origin * US;
        let times_us = self.times.into_iter().map(|t| t - start).collect();
        Ok((
            origin,
            SeriesData::Arrivals {
                times_us,
                service: self.service,
                span_us,
                peak_per_second: self.peak,
            },
        ))
    }
}

/// Aggregated mode: requests per interval, the first interval starting at the first
/// request kept (moved back whole intervals if an earlier request turns up).
struct Bins {
    interval: i64,
    base: Option<i64>,
    counts: Vec<f64>,
}

impl Bins {
    fn new(interval: i64) -> Bins {
        Bins {
            interval,
            base: None,
            counts: Vec::new(),
        }
    }

    #[inline]
    fn add(&mut self, second: i64) -> Result<(), String> {
        let mut base = *self.base.get_or_insert(second);
        if second < base {
            let k = (base - second + self.interval - 1) / self.interval;
            self.counts
                .splice(0..0, std::iter::repeat_n(0.0, k as usize));
            base -= k * self.interval;
            self.base = Some(base);
        }
        let i = ((second - base) / self.interval) as usize;
        if i >= self.counts.len() {
            if i >= MAX_INTERVALS {
                return Err(format!(
                    "the log spans more than {MAX_INTERVALS} intervals of {}, the most a trace may hold (80 MB): use a longer interval or a window",
                    human_duration(self.interval as Time * SECOND)
                ));
            }
            self.counts.resize(i + 1, 0.0);
        }
        self.counts[i] += 1.0;
        Ok(())
    }

    fn finish(self, quiet: &mut Quiet) -> (i64, SeriesData) {
        let base = self.base.unwrap_or(0);
        let mut run_start = None;
        for (i, &c) in self.counts.iter().enumerate() {
            let at = base + i as i64 * self.interval;
            match (c == 0.0, run_start) {
                (true, None) => run_start = Some(at),
                (false, Some(from)) => {
                    quiet.note(from, at);
                    run_start = None;
                }
                _ => {}
            }
        }
        (
            base,
            SeriesData::Counts {
                interval_us: self.interval * US,
                counts: self.counts,
            },
        )
    }
}

#[cfg(test)]
#[path = "access_log_tests.rs"]
mod tests;
