//! When the requests of a fluid backlog arrived, so their waits are their ages.
//!
//! The deterministic backlog is served first in, first out. The wait of those served in
//! a step was worked out as the backlog ahead of them ÷ the service rate of the step,
//! which is their wait only if the capacity was the same all the while they waited. A
//! group woken from zero servers (scale to zero), or one that grew while a backlog stood,
//! served nothing or less while they waited: the backlog's *ages* say how long they
//! really waited. Kept as cohorts, one per step in which requests joined the backlog.

use std::collections::VecDeque;

/// Most cohorts kept: beyond, a step's newcomers join the newest cohort (its time
/// becomes their weighted mean), so memory stays bounded however long a backlog stands.
const MAX_COHORTS: usize = 4_096;

#[derive(Debug, Default)]
pub(super) struct Cohorts {
    /// (mean arrival time in seconds, requests), oldest first.
    queue: VecDeque<(f64, u64)>,
    total: u64,
}

impl Cohorts {
    /// Makes the cohorts hold `backlog` requests, as another mode of the queue may have
    /// changed it: those served are taken from the front; those added, of unknown age,
    /// join at `now`, so their waits are what the service rate says.
    pub(super) fn reconcile(&mut self, backlog: u64, now: f64) {
        if backlog > self.total {
            self.join(now, backlog - self.total);
        } else if backlog < self.total {
            self.take(self.total - backlog, |_, _| {});
        }
    }

    /// Forgets every age (the backlog became a law's mean queue).
    #[inline]
    pub(super) fn clear(&mut self) {
        if self.total > 0 {
            self.queue.clear();
            self.total = 0;
        }
    }

    /// `n` requests joined the backlog at `at`.
    pub(super) fn join(&mut self, at: f64, n: u64) {
        if n == 0 {
            return;
        }
        self.total += n;
        if self.queue.len() >= MAX_COHORTS {
            if let Some((t, m)) = self.queue.back_mut() {
                *t = (*t * *m as f64 + at * n as f64) / (*m + n) as f64;
                *m += n;
                return;
            }
        }
        self.queue.push_back((at, n));
    }

    /// Takes the `n` oldest requests, calling `each(arrived_at, count)` per cohort part.
    pub(super) fn take(&mut self, mut n: u64, mut each: impl FnMut(f64, u64)) {
        while n > 0 {
            let Some(front) = self.queue.front_mut() else {
                break;
            };
            let part = front.1.min(n);
            each(front.0, part);
            front.1 -= part;
            n -= part;
            self.total -= part;
            if front.1 == 0 {
                self.queue.pop_front();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_are_served_first_with_their_arrival_times() {
        let mut c = Cohorts::default();
        c.join(1.0, 3);
        c.join(2.0, 2);
        let mut seen = Vec::new();
        c.take(4, |at, n| seen.push((at, n)));
        assert_eq!(seen, vec![(1.0, 3), (2.0, 1)]);
        // Another mode left 5 waiting: 1 known, 4 of unknown age join now.
        c.reconcile(5, 9.0);
        seen.clear();
        c.take(5, |at, n| seen.push((at, n)));
        assert_eq!(seen, vec![(2.0, 1), (9.0, 4)]);
        assert_eq!(c.total, 0);
    }

    #[test]
    fn memory_is_bounded_by_merging_newcomers() {
        let mut c = Cohorts::default();
        for i in 0..2 * MAX_COHORTS as u64 {
            c.join(i as f64, 1);
        }
        assert_eq!(c.queue.len(), MAX_COHORTS);
        assert_eq!(c.total, 2 * MAX_COHORTS as u64);
        // The newest cohort holds the merged newcomers at their mean time.
        let (t, n) = *c.queue.back().unwrap();
        assert_eq!(n, MAX_COHORTS as u64 + 1);
        let first = MAX_COHORTS as f64 - 1.0;
        let last = 2.0 * MAX_COHORTS as f64 - 1.0;
        assert!((t - (first + last) / 2.0).abs() < 1e-6, "{t}");
    }
}
