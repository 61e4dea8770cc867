//! The discrete-event engine: a clock and a queue of timed events.
//!
//! Time is an integer number of microseconds ([`Time`]), so ordering and billing are exact
//! and every run is reproducible. Events are ordered by `(time, sequence)`: the sequence
//! number is handed out at scheduling, so events due at the same instant pop in the order
//! they were scheduled (FIFO). The engine knows nothing of servers, requests or money.
//!
//! A source that emits its events in time order (arrivals, for instance) may use an
//! [`Engine::schedule_ordered`] lane instead of the heap: a FIFO is cheaper than a heap,
//! and the merge keeps the exact `(time, sequence)` order.

mod heap;

use std::collections::VecDeque;

use heap::{Entry, QuadHeap, pack, time_of};

/// Simulated time in microseconds since the start of the run.
pub type Time = u64;

/// Microseconds per second.
pub const SECOND: Time = 1_000_000;

/// Converts a [`Time`] to seconds.
#[inline]
pub fn to_seconds(t: Time) -> f64 {
    t as f64 / SECOND as f64
}

/// Converts seconds to a [`Time`], rounding to the nearest microsecond.
/// Negative and NaN inputs give 0; values past the `u64` range saturate.
#[inline]
pub fn from_seconds(s: f64) -> Time {
    let us = (s * SECOND as f64).round();
    if us.is_nan() || us <= 0.0 {
        0
    } else if us >= u64::MAX as f64 {
        u64::MAX
    } else {
        us as Time
    }
}

/// A duration for people: the largest whole unit that divides it (`365d`, `6h`, `90s`,
/// `250ms`), else seconds with decimals.
pub fn human_duration(t: Time) -> String {
    const UNITS: [(Time, &str); 5] = [
        (86_400 * SECOND, "d"),
        (3_600 * SECOND, "h"),
        (60 * SECOND, "m"),
        (SECOND, "s"),
        (1_000, "ms"),
    ];
    for (unit, name) in UNITS {
        if t >= unit && t % unit == 0 {
            return format!("{}{name}", t / unit);
        }
    }
    format!("{}s", to_seconds(t))
}

/// Identifies an ordered lane created by [`Engine::add_lane`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lane(usize);

/// Event queue plus clock.
pub struct Engine<E: Copy> {
    now: Time,
    next_seq: u64,
    heap: QuadHeap<E>,
    lanes: Vec<VecDeque<Entry<E>>>,
    popped: u64,
}

impl<E: Copy> Default for Engine<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Copy> Engine<E> {
    /// An empty engine at time 0.
    pub fn new() -> Self {
        Engine {
            now: 0,
            next_seq: 0,
            heap: QuadHeap::with_capacity(0),
            lanes: Vec::new(),
            popped: 0,
        }
    }

    /// An empty engine with room for `capacity` heap events.
    pub fn with_capacity(capacity: usize) -> Self {
        Engine {
            heap: QuadHeap::with_capacity(capacity),
            ..Self::new()
        }
    }

    /// The current simulated time: the time of the last event popped.
    #[inline]
    pub fn now(&self) -> Time {
        self.now
    }

    /// Number of events popped so far.
    pub fn events_processed(&self) -> u64 {
        self.popped
    }

    /// Number of events waiting (heap and lanes).
    pub fn pending(&self) -> usize {
        self.heap.len() + self.lanes.iter().map(VecDeque::len).sum::<usize>()
    }

    /// Schedules `event` at absolute time `at`. Scheduling in the past is clamped to now,
    /// so time never runs backwards.
    #[inline]
    pub fn schedule(&mut self, at: Time, event: E) {
        let seq = self.take_seq();
        self.heap.push(Entry {
            key: pack(at.max(self.now), seq),
            event,
        });
    }

    /// Schedules `event` `delay` after now.
    #[inline]
    pub fn schedule_in(&mut self, delay: Time, event: E) {
        self.schedule(self.now.saturating_add(delay), event);
    }

    /// Adds a FIFO lane for a source whose events come in non-decreasing time order.
    pub fn add_lane(&mut self) -> Lane {
        self.lanes.push(VecDeque::new());
        Lane(self.lanes.len() - 1)
    }

    /// Schedules `event` on an ordered lane. The caller promises `at` is not earlier than
    /// the last event scheduled on that lane; an earlier time is raised to keep the lane
    /// sorted (and debug builds assert).
    #[inline]
    pub fn schedule_ordered(&mut self, lane: Lane, at: Time, event: E) {
        let seq = self.take_seq();
        let queue = &mut self.lanes[lane.0];
        let floor = queue
            .back()
            .map_or(self.now, |e| time_of(e.key).max(self.now));
        debug_assert!(at >= floor, "ordered lane scheduled out of order");
        queue.push_back(Entry {
            key: pack(at.max(floor), seq),
            event,
        });
    }

    /// Time of the next event, if any.
    pub fn peek_time(&self) -> Option<Time> {
        self.next_source().map(|(key, _)| time_of(key))
    }

    /// Removes and returns the next event, advancing the clock to its time.
    #[inline]
    pub fn pop(&mut self) -> Option<(Time, E)> {
        let entry = match self.next_source()? {
            (_, None) => self.heap.pop()?,
            (_, Some(lane)) => self.lanes[lane].pop_front()?,
        };
        let time = time_of(entry.key);
        self.now = time;
        self.popped += 1;
        Some((time, entry.event))
    }

    /// Which source holds the earliest event: `None` = heap, `Some(i)` = lane i.
    #[inline]
    fn next_source(&self) -> Option<(u128, Option<usize>)> {
        let mut best = self.heap.peek_key().map(|k| (k, None));
        for (i, lane) in self.lanes.iter().enumerate() {
            if let Some(front) = lane.front() {
                let key = front.key;
                if best.is_none_or(|(b, _)| key < b) {
                    best = Some((key, Some(i)));
                }
            }
        }
        best
    }

    #[inline]
    fn take_seq(&mut self) -> u64 {
        let s = self.next_seq;
        self.next_seq += 1;
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_time_order() {
        let mut e = Engine::new();
        for (t, v) in [(30, 'c'), (10, 'a'), (20, 'b'), (5, 'z')] {
            e.schedule(t, v);
        }
        let got: Vec<_> = std::iter::from_fn(|| e.pop()).collect();
        assert_eq!(got, vec![(5, 'z'), (10, 'a'), (20, 'b'), (30, 'c')]);
    }

    #[test]
    fn equal_times_pop_fifo() {
        let mut e = Engine::new();
        for v in 0..100u32 {
            e.schedule(7, v);
        }
        let got: Vec<u32> = std::iter::from_fn(|| e.pop()).map(|(_, v)| v).collect();
        assert_eq!(got, (0..100).collect::<Vec<_>>());
    }

    #[test]
    fn lanes_merge_with_heap_in_time_then_schedule_order() {
        let mut e = Engine::new();
        let lane = e.add_lane();
        e.schedule(10, "heap-10-first");
        e.schedule_ordered(lane, 10, "lane-10-second");
        e.schedule_ordered(lane, 20, "lane-20");
        e.schedule(15, "heap-15");
        e.schedule(10, "heap-10-third");
        let got: Vec<_> = std::iter::from_fn(|| e.pop()).map(|(_, v)| v).collect();
        assert_eq!(
            got,
            vec![
                "heap-10-first",
                "lane-10-second",
                "heap-10-third",
                "heap-15",
                "lane-20"
            ]
        );
    }

    #[test]
    fn clock_follows_popped_events_and_never_goes_back() {
        let mut e = Engine::new();
        e.schedule(100, ());
        assert_eq!(e.peek_time(), Some(100));
        e.pop();
        assert_eq!(e.now(), 100);
        e.schedule(50, ()); // in the past: clamped to now
        assert_eq!(e.pop(), Some((100, ())));
        e.schedule_in(25, ());
        assert_eq!(e.pop(), Some((125, ())));
        assert_eq!(e.pop(), None);
        assert_eq!(e.events_processed(), 3);
    }

    #[test]
    fn human_durations_use_the_largest_whole_unit() {
        assert_eq!(human_duration(365 * 86_400 * SECOND), "365d");
        assert_eq!(human_duration(90 * SECOND), "90s");
        assert_eq!(human_duration(6 * 3600 * SECOND), "6h");
        assert_eq!(human_duration(1_500), "0.0015s");
    }

    #[test]
    fn seconds_conversions_round_and_saturate() {
        assert_eq!(from_seconds(1.5), 1_500_000);
        assert_eq!(from_seconds(-3.0), 0);
        assert_eq!(from_seconds(f64::NAN), 0);
        assert_eq!(from_seconds(1e300), u64::MAX);
        assert_eq!(to_seconds(2_500_000), 2.5);
    }
}
