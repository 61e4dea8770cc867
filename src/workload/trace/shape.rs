//! From what a reader found, in the trace's own clock, to a [`Trace`] in simulation
//! time: the window, speedup, scale, alignment and the bounds.

use super::replay::{ArrivalSeries, RateSeries, Trace, TraceData};
use super::stamp::{self, Stamp};
use super::{
    Align, MAX_DISORDER, MAX_LENGTH, MAX_RATE, MIN_INTERVAL, TraceBound, TraceError, TraceSpec,
};
use crate::engine::{Time, human_duration, to_seconds};

/// What a reader hands over: the kept data, on the trace's clock.
pub(crate) struct Series {
    /// Names the trace in messages.
    pub file: String,
    /// The first instant kept: the start of the first interval, or the second of the
    /// first request.
    pub origin: Stamp,
    pub data: SeriesData,
}

pub(crate) enum SeriesData {
    /// Requests per interval from the origin on.
    Counts { interval_us: i64, counts: Vec<f64> },
    /// Arrival times in microseconds after the origin, sorted.
    Arrivals {
        times_us: Vec<i64>,
        service: Option<Vec<Time>>,
        /// From the origin to the end of the last second with a request.
        span_us: i64,
        /// The most requests in one second.
        peak_per_second: u64,
    },
}

/// The window `start`..`end`: which records are kept. Durations count from the first
/// record the reader sees (in file order); the first call to [`Window::keep`] fixes them.
pub(crate) struct Window {
    start: Option<TraceBound>,
    end: Option<TraceBound>,
    range: Option<(i64, i64)>,
    /// The first record's offset, to show instants on the trace's clock.
    offset: i32,
    /// Whether timestamps are dates (the Azure trace has only minutes since day 1).
    dated: bool,
    /// The earliest and latest record seen, kept or not.
    seen: Option<(i64, i64)>,
    /// The reader stopped at the first record past the end.
    stopped: bool,
}

impl Window {
    pub(crate) fn new(spec: &TraceSpec) -> Window {
        Window {
            start: spec.start,
            end: spec.end,
            range: None,
            offset: 0,
            dated: !matches!(spec.format, super::TraceFormat::AzureFunctions(_)),
            seen: None,
            stopped: false,
        }
    }

    /// Whether the record at `us` (on a clock `offset` seconds east of UTC) is kept.
    #[inline]
    pub(crate) fn keep(&mut self, us: i64, offset: i32) -> bool {
        let (from, to) = match self.range {
            Some(r) => r,
            None => self.resolve(us, offset),
        };
        self.seen = Some(match self.seen {
            Some((lo, hi)) => (lo.min(us), hi.max(us)),
            None => (us, us),
        });
        us >= from && us < to
    }

    fn resolve(&mut self, first: i64, offset: i32) -> (i64, i64) {
        let at = |b: Option<TraceBound>, default: i64| match b {
            None => default,
            Some(TraceBound::At(us)) => us,
            Some(TraceBound::After(d)) => first.saturating_add(d.min(i64::MAX as u64) as i64),
        };
        let range = (at(self.start, i64::MIN), at(self.end, i64::MAX));
        self.range = Some(range);
        self.offset = offset;
        range
    }

    /// Whether every later record is past the end: records are at most
    /// [`MAX_DISORDER`] out of order, so a reader may stop here.
    pub(crate) fn past_end(&mut self, us: i64) -> bool {
        self.stopped = self
            .range
            .is_some_and(|(_, to)| us >= to.saturating_add(MAX_DISORDER as i64));
        self.stopped
    }

    fn show(&self, us: i64) -> String {
        if self.dated {
            stamp::format(Stamp {
                us,
                offset: self.offset,
            })
        } else {
            format!("day 1 + {}", human_duration(us.max(0) as Time))
        }
    }

    fn empty_error(&self, file: &str) -> TraceError {
        let bound = |name: &str, b: Option<TraceBound>| match b {
            None => None,
            Some(TraceBound::At(us)) => Some(format!("{name} = {}", self.show(us))),
            Some(TraceBound::After(d)) => Some(format!("{name} = {}", human_duration(d))),
        };
        let bounds: Vec<String> = [bound("start", self.start), bound("end", self.end)]
            .into_iter()
            .flatten()
            .collect();
        let extent = |(lo, hi)| match self.stopped {
            true => format!(
                "starts at {} (read no further: it is past the window's end)",
                self.show(lo)
            ),
            false => format!("runs from {} to {}", self.show(lo), self.show(hi)),
        };
        match (bounds.is_empty(), self.seen) {
            (false, Some(seen)) => TraceError::file(
                file,
                format!(
                    "the window ({}) is empty: it holds none of the trace, which {}",
                    bounds.join(", "),
                    extent(seen)
                ),
            ),
            _ => TraceError::file(file, "holds no requests"),
        }
    }
}

/// Applies speedup, scale and alignment, and checks the peak rate.
pub(crate) fn finish(
    spec: &TraceSpec,
    series: Series,
    window: &Window,
    warnings: Vec<String>,
) -> Result<Trace, TraceError> {
    let empty = match &series.data {
        SeriesData::Counts { counts, .. } => counts.is_empty(),
        SeriesData::Arrivals { times_us, .. } => times_us.is_empty(),
    };
    if empty {
        return Err(window.empty_error(&series.file));
    }
    let offset = match spec.align {
        Align::Start => 0,
        Align::Calendar => stamp::week_position(series.origin),
    };
    let warp = |us: i64| (us as f64 / spec.speedup).round() as Time;
    let (data, length, peak) = match series.data {
        SeriesData::Counts {
            interval_us,
            counts,
        } => {
            let interval = warp(interval_us);
            if interval < MIN_INTERVAL {
                return Err(TraceError::option(
                    "speedup",
                    format!(
                        "{} sped up {}× leaves intervals shorter than 1ms",
                        human_duration(interval_us as Time),
                        spec.speedup
                    ),
                ));
            }
            let per_second = spec.scale / to_seconds(interval);
            let rates: Vec<f64> = counts.into_iter().map(|c| c * per_second).collect();
            let peak = rates.iter().copied().fold(0.0, f64::max);
            let length = interval.saturating_mul(rates.len() as Time);
            (
                TraceData::Rate(RateSeries { interval, rates }),
                length,
                peak,
            )
        }
        SeriesData::Arrivals {
            times_us,
            service,
            span_us,
            peak_per_second,
        } => {
            let times = times_us.into_iter().map(warp).collect();
            // The caller scales exact arrivals; the bound holds for what it will play.
            let peak = peak_per_second as f64 * spec.speedup * spec.scale;
            let length = warp(span_us).max(1);
            (
                TraceData::Arrivals(ArrivalSeries { times, service }),
                length,
                peak,
            )
        }
    };
    if length > MAX_LENGTH {
        return Err(TraceError::file(
            &series.file,
            format!(
                "the trace lasts {} after speedup, longer than the 100 years a simulation may",
                human_duration(length)
            ),
        ));
    }
    if peak.is_nan() || peak > MAX_RATE {
        return Err(TraceError::file(
            &series.file,
            format!(
                "the trace peaks at {peak:.3e} requests/s after scale and speedup; the simulator supports at most 1e8"
            ),
        ));
    }
    let first_timestamp = window.dated.then(|| stamp::format(series.origin));
    Ok(Trace::new(
        data,
        offset,
        length,
        spec.repeat,
        first_timestamp,
        warnings,
        peak,
    ))
}
