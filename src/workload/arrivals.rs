//! The request stream: arrival times by thinning (or, for a trace of exact arrivals, as
//! logged), plus each request's service demand.

use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Exp1, LogNormal};
use rand_pcg::Pcg64Mcg;

use std::sync::Arc;

use super::RateFunction;
use super::trace::{ArrivalCursor, Trace, TraceData, TraceRequest};
use crate::engine::{SECOND, Time, from_seconds, to_seconds};
use crate::scenario::{ServiceTime, Workload};

/// Length of the intervals over which the thinning bound is recomputed: short enough that
/// the bound stays tight under ramps and daily cycles, long enough to cost nothing.
const BOUND_SEGMENT: Time = 60 * SECOND;

/// One request as the workload hands it to a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Request {
    pub arrival: Time,
    pub service: Time,
}

/// Generates the same requests, in time order, for a given seed.
///
/// Arrivals and service demands come from two independent PCG streams derived from the
/// seed, so a change in how one is drawn never shifts the other.
pub(crate) struct RequestStream {
    rate: RateFunction,
    arrival_rng: Pcg64Mcg,
    service_rng: Pcg64Mcg,
    service: ServiceSampler,
    /// Current position of the thinning walk, in seconds.
    t: f64,
    segment_end: Time,
    segment_end_s: f64,
    bound: f64,
    /// The segment's rate is constant and reaches `bound`: every candidate is accepted
    /// without evaluating λ (which would return `bound` or more, so the second draw is
    /// never taken; the same arrivals).
    accept_all: bool,
    horizon: Time,
    /// A trace of exact arrivals replays its requests instead of thinning.
    replay: Option<Box<Replay>>,
}

/// Replaying a trace's exact arrivals. Each logged request becomes as many requests as
/// the multiplier (`scale` × the shapes at its time) says, deterministically: the
/// multipliers are summed and each request emits the whole requests its share completes
/// (a multiplier of 0.5 keeps every other request, 3 makes three). Copies of one request
/// are spread evenly until the next logged one (at most over a second, and never past the
/// horizon), so scaling keeps the log's timing.
struct Replay {
    trace: Arc<Trace>,
    cursor: ArrivalCursor,
    /// The next logged request, read ahead to space copies.
    ahead: Option<TraceRequest>,
    /// Σ multiplier over the logged requests so far, and requests emitted for them.
    sum: f64,
    emitted: u64,
    copies: Copies,
}

/// The copies of one logged request still to emit.
#[derive(Default)]
struct Copies {
    at: Time,
    gap: Time,
    count: u64,
    done: u64,
    service: Option<Time>,
}

impl Replay {
    fn new(trace: Arc<Trace>, horizon: Time) -> Replay {
        let mut cursor = trace.arrival_cursor(horizon);
        let ahead = trace.next_arrival(&mut cursor);
        Replay {
            trace,
            cursor,
            ahead,
            sum: 0.0,
            emitted: 0,
            copies: Copies::default(),
        }
    }

    /// The next replayed arrival and its logged service time, if the log has one.
    fn next(&mut self, rate: &RateFunction, horizon: Time) -> Option<(Time, Option<Time>)> {
        loop {
            let c = &mut self.copies;
            if c.done < c.count {
                let t =
                    c.at + (u128::from(c.gap) * u128::from(c.done) / u128::from(c.count)) as Time;
                c.done += 1;
                return (t < horizon).then_some((t, c.service));
            }
            let current = self.ahead.take()?;
            self.ahead = self.trace.next_arrival(&mut self.cursor);
            self.sum += rate.multiplier_at(to_seconds(current.arrival));
            let total = (self.sum + 0.5).floor() as u64;
            let count = total.saturating_sub(self.emitted);
            self.emitted += count;
            let gap = self
                .ahead
                .map_or(SECOND, |next| next.arrival - current.arrival)
                .min(SECOND)
                .min(horizon.saturating_sub(current.arrival));
            self.copies = Copies {
                at: current.arrival,
                gap,
                count,
                done: 0,
                service: current.service,
            };
        }
    }
}

impl RequestStream {
    pub(crate) fn new(workload: &Workload, service: ServiceTime, horizon: Time, seed: u64) -> Self {
        let rate = RateFunction::new(workload);
        let mut s = RequestStream {
            rate,
            arrival_rng: Pcg64Mcg::seed_from_u64(mix_seed(seed, 0xA11)),
            service_rng: Pcg64Mcg::seed_from_u64(mix_seed(seed, 0x5E7)),
            service: ServiceSampler::new(service),
            t: 0.0,
            segment_end: 0,
            segment_end_s: 0.0,
            bound: 0.0,
            accept_all: false,
            horizon,
            replay: None,
        };
        if let Some(trace) = s.rate.trace()
            && let TraceData::Arrivals(_) = trace.data
        {
            s.replay = Some(Box::new(Replay::new(Arc::clone(trace), horizon)));
        }
        s.enter_segment(0);
        s
    }

    fn enter_segment(&mut self, start: Time) {
        self.segment_end = start.saturating_add(BOUND_SEGMENT).min(self.horizon);
        self.segment_end_s = to_seconds(self.segment_end);
        self.bound = self.rate.max_over(start, self.segment_end);
        self.accept_all = self.rate.constant().is_some_and(|r| r >= self.bound);
    }

    /// The next arrival before the horizon, or `None` when the window is over.
    #[inline]
    pub(crate) fn next_arrival(&mut self) -> Option<Time> {
        if let Some(replay) = &mut self.replay {
            return replay.next(&self.rate, self.horizon).map(|(t, _)| t);
        }
        loop {
            if self.bound > 0.0 {
                let gap: f64 = Exp1.sample(&mut self.arrival_rng);
                let candidate = self.t + gap / self.bound;
                if candidate < self.segment_end_s {
                    self.t = candidate;
                    // A constant segment has r == bound: accept without a second draw.
                    if self.accept_all || {
                        let r = self.rate.at(candidate);
                        r >= self.bound || self.arrival_rng.random::<f64>() * self.bound < r
                    } {
                        let at = from_seconds(candidate);
                        if at >= self.horizon {
                            return None;
                        }
                        return Some(at);
                    }
                    continue;
                }
            }
            // Memorylessness: restart the exponential walk at the segment boundary.
            if self.segment_end >= self.horizon {
                return None;
            }
            self.t = self.segment_end_s;
            self.enter_segment(self.segment_end);
        }
    }

    /// The next request: its arrival time and service demand.
    #[inline]
    pub(crate) fn next_request(&mut self) -> Option<Request> {
        if let Some(replay) = &mut self.replay {
            let (arrival, logged) = replay.next(&self.rate, self.horizon)?;
            let service = match logged {
                Some(s) => s,
                None => self.service.sample(&mut self.service_rng),
            };
            return Some(Request { arrival, service });
        }
        let arrival = self.next_arrival()?;
        Some(Request {
            arrival,
            service: self.service.sample(&mut self.service_rng),
        })
    }
}

/// SplitMix64-style mixing so that nearby seeds give unrelated streams.
pub(crate) fn mix_seed(seed: u64, stream: u64) -> u64 {
    let mut z = seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Draws service demands in microseconds.
enum ServiceSampler {
    Exponential { mean: f64 },
    Constant { value: Time },
    LogNormal(LogNormal<f64>),
}

impl ServiceSampler {
    fn new(st: ServiceTime) -> Self {
        match st {
            ServiceTime::Exponential { mean } => ServiceSampler::Exponential { mean },
            ServiceTime::Constant { value } => ServiceSampler::Constant {
                value: from_seconds(value),
            },
            ServiceTime::LogNormal { mean, cv } => match LogNormal::from_mean_cv(mean, cv) {
                Ok(d) => ServiceSampler::LogNormal(d),
                // Validation keeps mean > 0 and cv > 0, for which this cannot fail.
                Err(_) => ServiceSampler::Exponential { mean },
            },
        }
    }

    #[inline]
    fn sample(&self, rng: &mut Pcg64Mcg) -> Time {
        match self {
            ServiceSampler::Exponential { mean } => {
                let x: f64 = Exp1.sample(rng);
                from_seconds(x * mean)
            }
            ServiceSampler::Constant { value } => *value,
            ServiceSampler::LogNormal(d) => from_seconds(d.sample(rng)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Shape;

    fn stream(shapes: Vec<Shape>, horizon: Time, seed: u64) -> RequestStream {
        RequestStream::new(
            &Workload {
                base_rate: 50.0,
                shapes,
                trace: None,
            },
            ServiceTime::Exponential { mean: 0.1 },
            horizon,
            seed,
        )
    }

    #[test]
    fn same_seed_same_requests_other_seed_other_requests() {
        let take = |seed| {
            let mut s = stream(vec![], 60 * SECOND, seed);
            std::iter::from_fn(|| s.next_request()).collect::<Vec<_>>()
        };
        assert_eq!(take(7), take(7));
        assert_ne!(take(7), take(8));
    }

    /// A constant rate takes every candidate without evaluating λ: the same requests as
    /// the same rate through a shape that multiplies by 1 (which evaluates it).
    #[test]
    fn constant_rate_shortcut_draws_the_same_requests() {
        let take = |shapes| {
            let mut s = stream(shapes, 3_600 * SECOND, 5);
            std::iter::from_fn(|| s.next_request()).collect::<Vec<_>>()
        };
        let unit = Shape::Step {
            at: 0,
            until: None,
            factor: 1.0,
        };
        let plain = take(vec![]);
        assert!(plain.len() > 150_000);
        assert_eq!(plain, take(vec![unit]));
    }

    #[test]
    fn arrivals_are_ordered_and_inside_the_window() {
        let mut s = stream(vec![], 600 * SECOND, 3);
        let mut last = 0;
        let mut n = 0;
        while let Some(t) = s.next_arrival() {
            assert!(t >= last && t < 600 * SECOND);
            last = t;
            n += 1;
        }
        // 30,000 expected; 5 standard deviations is ±866.
        assert!((n as f64 - 30_000.0).abs() < 866.0, "{n}");
    }

    /// Per-interval counts of a spiky, daily-cycling rate agree with ∫λ within 4σ.
    #[test]
    fn per_interval_counts_follow_the_rate_function() {
        let shapes = vec![
            Shape::Spike {
                start: 3000 * SECOND,
                ramp_up: 300 * SECOND,
                hold: 1200 * SECOND,
                ramp_down: 600 * SECOND,
                decay: None,
                factor: 3.0,
            },
            Shape::Diurnal {
                amplitude: 0.5,
                period: 7200 * SECOND,
                peak_at: 0,
            },
        ];
        let horizon = 7200 * SECOND;
        let rate = RateFunction::new(&Workload {
            base_rate: 50.0,
            shapes: shapes.clone(),
            trace: None,
        });
        let mut s = stream(shapes, horizon, 11);
        let bin = 300 * SECOND;
        let mut counts = vec![0u64; (horizon / bin) as usize];
        while let Some(t) = s.next_arrival() {
            counts[(t / bin) as usize] += 1;
        }
        for (i, &c) in counts.iter().enumerate() {
            let (a, b) = (i as u64 * bin, (i as u64 + 1) * bin);
            let expected = rate.mean_over(a, b) * to_seconds(b - a);
            let z = (c as f64 - expected) / expected.sqrt();
            assert!(z.abs() < 4.0, "bin {i}: {c} vs {expected:.1} (z = {z:.2})");
        }
    }

    #[test]
    fn service_demands_have_the_right_mean() {
        let mut s = stream(vec![], 2000 * SECOND, 5);
        let (mut n, mut sum) = (0u64, 0u64);
        while let Some(r) = s.next_request() {
            n += 1;
            sum += r.service;
        }
        let mean = sum as f64 / n as f64 / SECOND as f64;
        // n ≈ 100,000; σ of the mean = 0.1/√n ≈ 0.0003.
        assert!((mean - 0.1).abs() < 0.0015, "{mean}");
    }
}
