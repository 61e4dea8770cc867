//! A loaded trace in simulation time, and how to play it: the rate at an instant, bounds
//! and means over an interval, or the exact arrivals up to a horizon, repeating if asked.

use crate::engine::{Time, to_seconds};

/// Breakpoints listed at most per call, like the shapes' knots.
const MAX_BREAKPOINTS: usize = 100_000;

/// A trace ready to play, in simulation time (after window, speedup, scale and align).
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    pub data: TraceData,
    /// Where the first pass starts: 0 under `align = "start"`, the first instant's place
    /// in its week under `align = "calendar"`.
    pub offset: Time,
    /// One pass, after speedup: intervals × interval for a rate trace; for arrivals, from
    /// the second of the first request to the end of the second of the last.
    pub length: Time,
    /// Passes repeat back to back, every `length`, before `offset` too.
    pub repeat: bool,
    /// The first instant kept, RFC 3339 on the trace's own clock (for the run record);
    /// `None` for an undated trace (Azure Functions).
    pub first_timestamp: Option<String>,
    /// What was skipped or filled in, one sentence each, naming files and lines.
    pub warnings: Vec<String>,
    /// The highest rate in requests/s: the largest interval rate, or for arrivals the
    /// most requests in one trace second × speedup × scale.
    peak: f64,
    /// Requests before each interval of a pass (rate traces: intervals + 1 entries).
    cumulative: Vec<f64>,
}

/// The trace's data.
#[derive(Debug, Clone, PartialEq)]
pub enum TraceData {
    /// Piecewise-constant rate: drawn as Poisson arrivals.
    Rate(RateSeries),
    /// Each request where the log put it.
    Arrivals(ArrivalSeries),
}

/// `rates[i]` requests/s over `[i × interval, (i + 1) × interval)` of a pass.
#[derive(Debug, Clone, PartialEq)]
pub struct RateSeries {
    pub interval: Time,
    pub rates: Vec<f64>,
}

/// Arrival times within a pass, sorted, and each request's logged service time if asked
/// for (not warped by speedup: it is work, not trace time).
#[derive(Debug, Clone, PartialEq)]
pub struct ArrivalSeries {
    pub times: Vec<Time>,
    pub service: Option<Vec<Time>>,
}

/// One replayed request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceRequest {
    pub arrival: Time,
    /// The logged service time, when the trace has one.
    pub service: Option<Time>,
}

impl Trace {
    pub(crate) fn new(
        data: TraceData,
        offset: Time,
        length: Time,
        repeat: bool,
        first_timestamp: Option<String>,
        warnings: Vec<String>,
        peak: f64,
    ) -> Trace {
        let cumulative = match &data {
            TraceData::Rate(r) => {
                let width = to_seconds(r.interval);
                let mut sum = 0.0;
                let mut c = Vec::with_capacity(r.rates.len() + 1);
                c.push(0.0);
                for rate in &r.rates {
                    sum += rate * width;
                    c.push(sum);
                }
                c
            }
            TraceData::Arrivals(_) => Vec::new(),
        };
        Trace {
            data,
            offset,
            length,
            repeat,
            first_timestamp,
            warnings,
            peak,
            cumulative,
        }
    }

    /// When the first pass ends: the horizon a scenario gets by default.
    pub fn end(&self) -> Time {
        self.offset + self.length
    }

    /// The highest rate the trace reaches, requests/s (see the field's note for arrivals).
    pub fn peak_rate(&self) -> f64 {
        self.peak
    }

    /// Requests in one pass (before the caller's scale, for arrivals).
    pub fn requests_per_pass(&self) -> f64 {
        self.within(self.length)
    }

    /// Where `t` falls inside a pass, or `None` where the trace plays nothing.
    fn position(&self, t: Time) -> Option<Time> {
        if self.repeat {
            let rel = t as i128 - self.offset as i128;
            Some(rel.rem_euclid(self.length as i128) as Time)
        } else {
            t.checked_sub(self.offset).filter(|&u| u < self.length)
        }
    }

    /// λ at `t` in requests/s (rate traces; 0 for arrivals).
    pub fn rate_at(&self, t: Time) -> f64 {
        match (&self.data, self.position(t)) {
            (TraceData::Rate(r), Some(u)) => r.rates[(u / r.interval) as usize],
            _ => 0.0,
        }
    }

    /// An upper bound on λ over `[from, to)`: exact for rate traces; the peak for arrivals.
    pub fn max_over(&self, from: Time, to: Time) -> f64 {
        let TraceData::Rate(r) = &self.data else {
            return self.peak;
        };
        let mut best = self.rate_at(from);
        let mut t = from;
        for _ in 0..=r.rates.len() {
            t = match self.position(t) {
                Some(u) => t + (r.interval - u % r.interval),
                None if t < self.offset => self.offset,
                None => return best,
            };
            if t >= to {
                return best;
            }
            best = best.max(self.rate_at(t));
        }
        self.peak
    }

    /// Requests over `[from, to)`: ∫λ for a rate trace, the count for arrivals.
    pub fn requests_between(&self, from: Time, to: Time) -> f64 {
        self.before(to) - self.before(from)
    }

    /// Mean λ over `[from, to)`, requests/s.
    pub fn mean_over(&self, from: Time, to: Time) -> f64 {
        if to <= from {
            return self.rate_at(from);
        }
        self.requests_between(from, to) / to_seconds(to - from)
    }

    /// Requests from the first pass's start to `t` (negative before it, when repeating).
    fn before(&self, t: Time) -> f64 {
        let rel = t as i128 - self.offset as i128;
        if !self.repeat {
            return self.within(rel.clamp(0, self.length as i128) as Time);
        }
        let len = self.length as i128;
        let passes = rel.div_euclid(len) as f64;
        passes * self.within(self.length) + self.within(rel.rem_euclid(len) as Time)
    }

    /// Requests in the first `u` of a pass.
    fn within(&self, u: Time) -> f64 {
        match &self.data {
            TraceData::Rate(r) => {
                let i = (u / r.interval) as usize;
                match r.rates.get(i) {
                    Some(rate) => {
                        self.cumulative[i] + rate * to_seconds(u - i as Time * r.interval)
                    }
                    None => self.cumulative[r.rates.len()],
                }
            }
            TraceData::Arrivals(a) => a.times.partition_point(|&x| x < u) as f64,
        }
    }

    /// Pushes the instants in `(from, to)` where a rate trace's λ may change (interval
    /// boundaries, pass starts and ends), at most 100,000 of them.
    pub fn breakpoints(&self, from: Time, to: Time, out: &mut Vec<Time>) {
        let TraceData::Rate(r) = &self.data else {
            return;
        };
        let mut t = from;
        for _ in 0..MAX_BREAKPOINTS {
            t = match self.position(t) {
                Some(u) => t + (r.interval - u % r.interval),
                None if t < self.offset => self.offset,
                None => return,
            };
            if t >= to {
                return;
            }
            out.push(t);
        }
    }

    /// The exact arrivals before `horizon`, in time order, repeating if the trace does
    /// (empty for a rate trace).
    pub fn arrivals(&self, horizon: Time) -> TraceArrivals<'_> {
        TraceArrivals {
            trace: self,
            cursor: self.arrival_cursor(horizon),
        }
    }

    /// Where a replay of the exact arrivals before `horizon` starts; advance it with
    /// [`Trace::next_arrival`]. (A cursor holds no borrow, so a request stream can keep
    /// one beside a shared trace.)
    pub fn arrival_cursor(&self, horizon: Time) -> ArrivalCursor {
        let times = self.times();
        // Start with the pass that covers time 0 (possibly begun before it).
        let mut base = self.offset as i128;
        if self.repeat {
            let len = self.length as i128;
            base -= (base + len - 1).div_euclid(len) * len;
        }
        let skip = (-base).max(0) as u128;
        let idx = times.partition_point(|&x| (x as u128) < skip);
        ArrivalCursor { base, idx, horizon }
    }

    /// The request at `cursor`, moving it on; `None` at the horizon.
    #[inline]
    pub fn next_arrival(&self, cursor: &mut ArrivalCursor) -> Option<TraceRequest> {
        let (times, service): (&[Time], _) = match &self.data {
            TraceData::Arrivals(a) => (&a.times, a.service.as_deref()),
            TraceData::Rate(_) => return None,
        };
        if cursor.idx == times.len() {
            if !self.repeat || times.is_empty() {
                return None;
            }
            cursor.base += self.length as i128;
            cursor.idx = 0;
        }
        let at = cursor.base + times[cursor.idx] as i128;
        if at >= cursor.horizon as i128 {
            return None;
        }
        let request = TraceRequest {
            arrival: at as Time,
            service: service.map(|s| s[cursor.idx]),
        };
        cursor.idx += 1;
        Some(request)
    }

    fn times(&self) -> &[Time] {
        match &self.data {
            TraceData::Arrivals(a) => &a.times,
            TraceData::Rate(_) => &[],
        }
    }
}

/// A position in a replay of exact arrivals; see [`Trace::arrival_cursor`].
#[derive(Debug, Clone, Copy)]
pub struct ArrivalCursor {
    /// Simulation time of the current pass's start (negative before time 0).
    base: i128,
    idx: usize,
    horizon: Time,
}

/// Iterator over a trace's arrivals; see [`Trace::arrivals`].
#[derive(Debug, Clone)]
pub struct TraceArrivals<'a> {
    trace: &'a Trace,
    cursor: ArrivalCursor,
}

impl Iterator for TraceArrivals<'_> {
    type Item = TraceRequest;

    #[inline]
    fn next(&mut self) -> Option<TraceRequest> {
        self.trace.next_arrival(&mut self.cursor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SECOND;

    fn rate_trace(rates: Vec<f64>, offset: Time, repeat: bool) -> Trace {
        let length = 10 * SECOND * rates.len() as Time;
        let peak = rates.iter().copied().fold(0.0, f64::max);
        Trace::new(
            TraceData::Rate(RateSeries {
                interval: 10 * SECOND,
                rates,
            }),
            offset,
            length,
            repeat,
            None,
            vec![],
            peak,
        )
    }

    fn arrival_trace(times: Vec<Time>, offset: Time, length: Time, repeat: bool) -> Trace {
        let service = Some(times.iter().map(|t| t + 1).collect());
        Trace::new(
            TraceData::Arrivals(ArrivalSeries { times, service }),
            offset,
            length,
            repeat,
            None,
            vec![],
            1.0,
        )
    }

    #[test]
    fn rate_plays_once_from_its_offset() {
        let t = rate_trace(vec![1.0, 5.0, 2.0], 100 * SECOND, false);
        assert_eq!(t.end(), 130 * SECOND);
        assert_eq!(t.rate_at(0), 0.0);
        assert_eq!(t.rate_at(100 * SECOND), 1.0);
        assert_eq!(t.rate_at(115 * SECOND), 5.0);
        assert_eq!(t.rate_at(129 * SECOND), 2.0);
        assert_eq!(t.rate_at(130 * SECOND), 0.0);
        assert_eq!(t.max_over(0, 105 * SECOND), 1.0);
        assert_eq!(t.max_over(0, 110 * SECOND), 1.0);
        assert_eq!(t.max_over(0, 111 * SECOND), 5.0);
        assert_eq!(t.max_over(121 * SECOND, 1000 * SECOND), 2.0);
        assert_eq!(t.max_over(0, 50 * SECOND), 0.0);
        assert!((t.requests_between(0, 1000 * SECOND) - 80.0).abs() < 1e-9);
        assert!((t.requests_between(105 * SECOND, 115 * SECOND) - 30.0).abs() < 1e-9);
        assert!((t.mean_over(100 * SECOND, 130 * SECOND) - 8.0 / 3.0).abs() < 1e-9);
        let mut b = Vec::new();
        t.breakpoints(0, 1000 * SECOND, &mut b);
        assert_eq!(b, [100, 110, 120, 130].map(|s| s * SECOND));
    }

    #[test]
    fn rate_repeats_before_and_after_its_offset() {
        let t = rate_trace(vec![1.0, 5.0, 2.0], 100 * SECOND, true);
        // 100 s = 3 passes of 30 s + 10 s: time 0 is 20 s into a pass.
        assert_eq!(t.rate_at(0), 2.0);
        assert_eq!(t.rate_at(10 * SECOND), 1.0);
        assert_eq!(t.rate_at(1000 * SECOND), 1.0); // 900 s after the offset: pass start
        assert_eq!(t.max_over(0, 10 * SECOND), 2.0);
        assert_eq!(t.max_over(0, 100_000 * SECOND), 5.0);
        assert!((t.requests_between(0, 300 * SECOND) - 800.0).abs() < 1e-6);
        assert!((t.requests_between(5 * SECOND, 15 * SECOND) - 15.0).abs() < 1e-9);
    }

    #[test]
    fn arrivals_replay_and_repeat_to_the_horizon() {
        let s = SECOND;
        let t = arrival_trace(vec![0, s / 2, 3 * s], 10 * s, 4 * s, false);
        let got: Vec<Time> = t.arrivals(100 * s).map(|r| r.arrival).collect();
        assert_eq!(got, [10 * s, 10 * s + s / 2, 13 * s]);
        assert_eq!(t.arrivals(13 * s).count(), 2);
        assert_eq!(t.arrivals(100 * s).next().unwrap().service, Some(1));
        assert_eq!(t.requests_between(0, 100 * s), 3.0);
        assert_eq!(t.requests_between(10 * s, 11 * s), 2.0);

        let r = arrival_trace(vec![0, s / 2, 3 * s], 10 * s, 4 * s, true);
        let got: Vec<Time> = r.arrivals(15 * s).map(|r| r.arrival).collect();
        // Passes start at −2, 2, 6, 10 and 14 s; the first pass's −2 s and −1.5 s are
        // before time 0.
        assert_eq!(
            got,
            [
                s,
                2 * s,
                2 * s + s / 2,
                5 * s,
                6 * s,
                6 * s + s / 2,
                9 * s,
                10 * s,
                10 * s + s / 2,
                13 * s,
                14 * s,
                14 * s + s / 2
            ]
        );
        assert!(got.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(r.requests_between(2 * s, 14 * s), 9.0);
    }
}
