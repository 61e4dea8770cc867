//! The discrete-event engine: a clock and a queue of timed events.
//!
//! Time is an integer number of microseconds ([`Time`]), so ordering and billing are exact
//! and every run is reproducible. Events are ordered by `(time, sequence)`: the sequence
//! number is handed out at scheduling, so events due at the same instant pop in the order
//! they were scheduled (FIFO). The engine knows nothing of servers, requests or money.
//!
//! A source that emits its events in time order, one at a time (arrivals, for instance),
//! keeps its next event out of the heap, in a register ([`Engine::schedule_next`]): each
//! pop compares the register with the heap's top, as a bare event loop compares the next
//! arrival with the next departure. The register's event takes its sequence number when
//! it is scheduled, like any other, so the merge keeps the exact `(time, sequence)` order.
//!
//! The heap holds everything else: in the request model that is chiefly departures (at
//! most one per busy slot), then the few control, sample and boot events.

mod heap;

use heap::{Entry, Key, QuadHeap, pack, time_of};

/// Simulated time in microseconds since the start of the run.
pub type Time = u64;

/// Microseconds per second.
pub const SECOND: Time = 1_000_000;

/// Converts a [`Time`] to seconds.
#[inline]
pub fn to_seconds(t: Time) -> f64 {
    t as f64 / SECOND as f64
}

/// Converts seconds to a [`Time`], rounding to the nearest microsecond (halves away from
/// zero, as [`f64::round`]). Negative and NaN inputs give 0; values past the `u64` range
/// saturate.
#[inline]
pub fn from_seconds(s: f64) -> Time {
    // 2^52: from there on, every f64 is an integer.
    const INTEGERS: f64 = 4_503_599_627_370_496.0;
    let us = s * SECOND as f64;
    // `f64::round` is a library call on the baseline x86-64 target (no SSE4.1), and the
    // request stream converts two times per request. Below 2^52 (142 years), adding 2^52
    // rounds to the nearest integer, halves to even, which the low mantissa bits then
    // hold; `us - whole` is exact and is +0.5 exactly where a half went down (halves away
    // from zero go up). So this is `us.round()` bit for bit, without a float-to-integer
    // conversion.
    // (Below 2^52 - 1, so the sum stays below 2^53.)
    if us > 0.0 && us < INTEGERS - 1.0 {
        let shifted = us + INTEGERS;
        let whole = shifted - INTEGERS;
        let half_down = (us - whole == 0.5) as u64;
        return (shifted.to_bits() & ((1 << 52) - 1)) + half_down;
    }
    if us.is_nan() || us <= 0.0 {
        return 0; // NaN, negative or zero
    }
    if us >= 18_446_744_073_709_551_616.0 {
        return u64::MAX; // 2^64 and beyond
    }
    // Truncate, then carry: `us - whole` is exact (and 0 from 2^53 on).
    let whole = us as u64;
    whole + (us - whole as f64 >= 0.5) as u64
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

/// Event queue plus clock.
pub struct Engine<E: Copy> {
    now: Time,
    next_seq: u64,
    heap: QuadHeap<E>,
    /// The ordered source's next event (see [`Engine::schedule_next`]).
    next: Option<Entry<E>>,
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
            next: None,
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

    /// Number of events waiting (heap and register).
    pub fn pending(&self) -> usize {
        self.heap.len() + self.next.is_some() as usize
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

    /// Schedules the next event of the ordered source, a source that hands its events
    /// over one at a time, each after the previous one has popped (arrivals drawn from a
    /// stream). It waits in a register, not the heap, and pops in `(time, sequence)` order
    /// with the heap's events like any other; the time is clamped to now. Debug builds
    /// assert that the previous one has popped.
    #[inline]
    pub fn schedule_next(&mut self, at: Time, event: E) {
        debug_assert!(self.next.is_none(), "the ordered source's event is pending");
        let seq = self.take_seq();
        self.next = Some(Entry {
            key: pack(at.max(self.now), seq),
            event,
        });
    }

    /// Removes the heap's events for which `cancel` is true; returns them with their
    /// times, in no particular order. O(pending): for rare events (a spot instance lost
    /// with the requests it was serving), not for every event.
    pub fn cancel(&mut self, mut cancel: impl FnMut(&E) -> bool) -> Vec<(Time, E)> {
        let mut gone = Vec::new();
        self.heap.retain(|e| {
            let drop = cancel(&e.event);
            if drop {
                gone.push((time_of(e.key), e.event));
            }
            !drop
        });
        gone
    }

    /// Time of the next event, if any.
    pub fn peek_time(&self) -> Option<Time> {
        let key = self
            .next
            .map_or(Key::MAX, |e| e.key)
            .min(self.heap.top_key());
        (key != Key::MAX).then(|| time_of(key))
    }

    /// Removes and returns the next event, advancing the clock to its time.
    #[inline(always)]
    pub fn pop(&mut self) -> Option<(Time, E)> {
        self.pop_sourced().map(|(time, event, _)| (time, event))
    }

    /// [`Engine::pop`], and whether the event is the ordered source's: a caller that
    /// handles those apart branches once on where the event came from, not again on
    /// what it is (in a queue model, arrivals against departures: at random).
    #[inline(always)]
    pub fn pop_sourced(&mut self) -> Option<(Time, E, bool)> {
        let (entry, ordered) = match self.next {
            Some(next) if next.key < self.heap.top_key() => {
                self.next = None;
                (next, true)
            }
            _ => (self.heap.pop()?, false),
        };
        let time = time_of(entry.key);
        self.now = time;
        self.popped += 1;
        Some((time, entry.event, ordered))
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
    fn the_ordered_source_merges_with_the_heap_in_time_then_schedule_order() {
        let mut e = Engine::new();
        e.schedule(10, "heap-10-first");
        e.schedule_next(10, "next-10-second");
        e.schedule(15, "heap-15");
        e.schedule(10, "heap-10-third");
        let mut got = Vec::new();
        while let Some((t, v)) = e.pop() {
            got.push(v);
            if v == "next-10-second" {
                // Handed over after its predecessor popped: sequenced after the others.
                e.schedule_next(15, "next-15");
                assert_eq!(e.peek_time(), Some(10));
            }
            assert!(t <= e.peek_time().unwrap_or(t));
        }
        assert_eq!(
            got,
            vec![
                "heap-10-first",
                "next-10-second",
                "heap-10-third",
                "heap-15",
                "next-15"
            ]
        );
    }

    #[test]
    fn cancelled_events_never_pop_and_the_rest_keep_their_order() {
        let mut e = Engine::new();
        for v in 0..50u32 {
            e.schedule(u64::from(v % 7), v);
        }
        let mut gone = e.cancel(|v| v % 3 == 0);
        gone.sort_unstable();
        let expected: Vec<_> = (0..50u32)
            .filter(|v| v % 3 == 0)
            .map(|v| (u64::from(v % 7), v))
            .collect();
        let mut expected = expected;
        expected.sort_unstable();
        assert_eq!(gone, expected);
        let got: Vec<_> = std::iter::from_fn(|| e.pop()).collect();
        let mut rest: Vec<_> = (0..50u32)
            .filter(|v| v % 3 != 0)
            .map(|v| (u64::from(v % 7), v))
            .collect();
        rest.sort_by_key(|&(t, v)| (t, v)); // time, then schedule order
        assert_eq!(got, rest);
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

    const INTEGERS_US: f64 = 4_503_599_627_370_496.0;

    /// The reference: what `from_seconds` computes, through `f64::round`.
    fn from_seconds_by_round(s: f64) -> Time {
        let us = (s * SECOND as f64).round();
        if us.is_nan() || us <= 0.0 {
            0
        } else if us >= u64::MAX as f64 {
            u64::MAX
        } else {
            us as Time
        }
    }

    #[test]
    fn from_seconds_rounds_exactly_as_f64_round() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut cases = vec![
            0.0,
            -0.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            4.999_999_999_999_999e-7,
            5e-7,
            5e-7_f64.next_down(),
            1.5e-6,
            2.5e-6,
            9.223_372_036_854_775e12,
            9.223_372_036_854_776e12,
            1.844_674_407_370_955e13,
            1e300,
            f64::MIN_POSITIVE,
        ];
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            cases.push(f64::from_bits(x));
            // Values near halves of a microsecond, over many magnitudes.
            let whole = (x >> (x % 60)) as f64;
            cases.push((whole + 0.5) / 1e6);
            cases.push((whole + 0.5).next_down() / 1e6);
            cases.push((x % 1_000_000_000) as f64 * 1e-7);
        }
        // Around 2^52 µs, where the fast path hands over.
        let mut edge = INTEGERS_US / 1e6;
        for _ in 0..5_000 {
            edge = edge.next_down();
        }
        for _ in 0..10_000 {
            cases.push(edge);
            edge = edge.next_up();
        }
        for s in cases {
            assert_eq!(from_seconds(s), from_seconds_by_round(s), "{s:e}");
        }
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
