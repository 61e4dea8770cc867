//! Response times counted in the bucket layout of an HDR histogram, recorded inline.
//!
//! `hdrhistogram::Histogram::record` is a call of some 65 instructions (range checks,
//! minimum and maximum, the total), and the request level recorded every response twice
//! (the run's histogram and the interval's): a seventh of a request's cost. Here a
//! response is one index computation and an increment in the interval's counts (and in
//! its group's, see [`GROUP`]); the interval's counts are added to the run's when it
//! closes, so only one array of counts is hot (the two did not fit in the core's L1
//! cache together). The layout is exactly that of a 3-significant-digit
//! `Histogram::new_with_bounds(1, high, 3)`, so:
//! - the run's histogram is rebuilt from the counts at the end (one `record_n` per
//!   non-empty bucket: the same counts, so the same quantiles and maximum);
//! - the interval's p99 is what a 2-digit histogram of the same responses reports: its
//!   buckets are unions of 3-digit ones (both are power-of-two ranges aligned on their
//!   size, the 2-digit one never smaller), so the 3-digit bucket where the running count
//!   reaches the quantile lies in the 2-digit bucket where it does, and the answer is that
//!   bucket's highest value.
//!
//! Values are microseconds ≥ 1 (the lowest discernible value is 1, so the unit magnitude
//! is 0). A value past the last bucket is counted as `high`, as `saturating_record` does.

use hdrhistogram::Histogram;

/// One HDR bucket layout with a lowest discernible value of 1: `half` is the magnitude
/// of half the sub-bucket count (10 for 3 significant digits, 7 for 2).
#[derive(Clone, Copy)]
struct Layout {
    half: u32,
}

/// 3 significant digits: 2048 sub-buckets (unit resolution up to 2 × 10³).
const DIGITS3: Layout = Layout { half: 10 };
/// 2 significant digits: 256 sub-buckets (unit resolution up to 2 × 10²).
const DIGITS2: Layout = Layout { half: 7 };

impl Layout {
    /// The bucket (power of two) of `value`.
    #[inline]
    fn bucket(self, value: u64) -> u32 {
        let mask = (1u64 << (self.half + 1)) - 1;
        (64 - (self.half + 1)) - (value | mask).leading_zeros()
    }

    /// The counts index of `value`.
    #[inline]
    fn index(self, value: u64) -> usize {
        let bucket = self.bucket(value);
        let sub = (value >> bucket) as usize;
        ((bucket as usize + 1) << self.half) + sub - (1 << self.half)
    }

    /// The lowest value counted at `index`.
    fn value(self, index: usize) -> u64 {
        let half = 1usize << self.half;
        let bucket = (index >> self.half) as i64 - 1;
        let sub = (index & (half - 1)) + half;
        if bucket < 0 {
            (sub - half) as u64
        } else {
            (sub as u64) << bucket
        }
    }

    /// The highest value equivalent to `value` (in its bucket).
    fn highest_equivalent(self, value: u64) -> u64 {
        if value == u64::MAX {
            return u64::MAX;
        }
        let bucket = self.bucket(value);
        let lowest = (value >> bucket) << bucket;
        lowest.saturating_add(1 << bucket) - 1
    }

    /// The number of counts that cover values up to `high`.
    fn len(self, high: u64) -> usize {
        let mut untrackable = 1u64 << (self.half + 1);
        let mut buckets = 1;
        while untrackable <= high {
            if untrackable > u64::MAX / 2 {
                buckets += 1;
                break;
            }
            untrackable <<= 1;
            buckets += 1;
        }
        (buckets + 1) << self.half
    }
}

/// Interval counts are also summed by groups of this many indices, so the p99 is found
/// by walking groups, then one group, not the whole range of an interval's responses.
const GROUP: usize = 64;

/// Response times of a run and of its current interval.
pub(crate) struct ResponseTimes {
    high: u64,
    /// Counts over the run up to the current interval, by 3-digit index.
    all: Vec<u64>,
    /// Counts in the current interval; only `lo..=hi` can be non-zero.
    interval: Vec<u64>,
    /// `interval` summed by groups of [`GROUP`] indices.
    groups: Vec<u64>,
    lo: usize,
    hi: usize,
    interval_len: u64,
    /// Where values past the last bucket are counted: `high`'s index.
    clamp: usize,
}

impl ResponseTimes {
    /// Counts for values from 1 to `high` (≥ 2, ≤ `u64::MAX / 2`).
    pub(crate) fn new(high: u64) -> ResponseTimes {
        let len = DIGITS3.len(high);
        ResponseTimes {
            high,
            all: vec![0; len],
            interval: vec![0; len],
            groups: vec![0; len.div_ceil(GROUP)],
            lo: usize::MAX,
            hi: 0,
            interval_len: 0,
            clamp: DIGITS3.index(high),
        }
    }

    /// `n` responses of `value` microseconds (values below 1 count as 1).
    #[inline]
    pub(crate) fn record(&mut self, value: u64, n: u64) {
        let i = DIGITS3.index(value.max(1));
        let i = if i < self.interval.len() {
            i
        } else {
            self.clamp
        };
        self.interval[i] += n;
        self.groups[i / GROUP] += n;
        self.lo = self.lo.min(i);
        self.hi = self.hi.max(i);
        self.interval_len += n;
    }

    /// Closes the interval, adding its counts to the run's: the p99 a 2-digit HDR
    /// histogram of its responses reports, in microseconds (`None` if it had none).
    pub(crate) fn take_interval_p99(&mut self) -> Option<u64> {
        if self.interval_len == 0 {
            return None;
        }
        // As `Histogram::value_at_quantile(0.99)` counts.
        let target = ((0.99 * self.interval_len as f64).ceil() as u64).max(1);
        let (mut seen, mut at) = (0, self.lo);
        for g in self.lo / GROUP..=self.hi / GROUP {
            if seen + self.groups[g] >= target {
                at = g * GROUP;
                break;
            }
            seen += self.groups[g];
        }
        while seen + self.interval[at] < target {
            seen += self.interval[at];
            at += 1;
        }
        let (lo, hi) = (self.lo, self.hi);
        for (all, n) in self.all[lo..=hi]
            .iter_mut()
            .zip(&mut self.interval[lo..=hi])
        {
            *all += std::mem::take(n);
        }
        self.groups[lo / GROUP..=hi / GROUP].fill(0);
        self.lo = usize::MAX;
        self.hi = 0;
        self.interval_len = 0;
        Some(DIGITS2.highest_equivalent(DIGITS3.value(at)))
    }

    /// The run's 3-digit HDR histogram (the current interval included).
    pub(crate) fn histogram(&self) -> Histogram<u64> {
        let mut h = Histogram::new_with_bounds(1, self.high, 3)
            .expect("bounds are checked by the recorder");
        for (i, (&all, &open)) in self.all.iter().zip(&self.interval).enumerate() {
            let n = all + open;
            if n > 0 {
                h.saturating_record_n(DIGITS3.value(i), n);
            }
        }
        h
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(seed: u64, n: usize, scale: u32) -> Vec<u64> {
        let mut x = seed | 1;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                // Log-uniform over many magnitudes, with exact powers of two mixed in.
                let v = (x >> 11) >> (x % scale as u64);
                if x % 97 == 0 { 1 << (x % 40) } else { v }
            })
            .collect()
    }

    #[test]
    fn the_layout_is_hdrhistograms() {
        for (layout, sigfig) in [(DIGITS3, 3), (DIGITS2, 2)] {
            for high in [2, 1_000, 2_048, 7_200_000_000, 1 << 50, u64::MAX / 2] {
                let h = Histogram::<u64>::new_with_bounds(1, high, sigfig).unwrap();
                assert_eq!(layout.len(high), h.distinct_values(), "{sigfig} {high}");
            }
            for v in values(7, 20_000, 60) {
                let v = v.max(1);
                let mut h = Histogram::<u64>::new_with_bounds(1, u64::MAX / 2, sigfig).unwrap();
                h.record(v).unwrap();
                assert_eq!(layout.highest_equivalent(v), h.max(), "{v}");
                assert_eq!(layout.value(layout.index(v)), h.lowest_equivalent(v), "{v}");
            }
        }
    }

    /// The run's quantiles and maximum and every interval's p99 are those of recording
    /// each response in hdrhistogram (3 and 2 digits), including clamped values.
    #[test]
    fn same_answers_as_recording_in_hdrhistogram() {
        for (seed, high, scale) in [(1, 7_200_000_000, 40), (2, 3_000, 20), (3, 1 << 40, 63)] {
            let mut fast = ResponseTimes::new(high);
            let mut all = Histogram::<u64>::new_with_bounds(1, high, 3).unwrap();
            for (k, chunk) in values(seed, 30_000, scale)
                .chunks(1 + seed as usize * 997)
                .enumerate()
            {
                let mut interval = Histogram::<u64>::new_with_bounds(1, high, 2).unwrap();
                for (j, &v) in chunk.iter().enumerate() {
                    let n = 1 + (j % 3 == 0) as u64 * (k as u64 % 4);
                    fast.record(v, n);
                    all.saturating_record_n(v.max(1), n);
                    interval.saturating_record_n(v.max(1), n);
                }
                assert_eq!(
                    fast.take_interval_p99(),
                    Some(interval.value_at_quantile(0.99))
                );
            }
            assert_eq!(fast.take_interval_p99(), None);
            // The run's histogram counts an interval still open.
            fast.record(7, 2);
            all.saturating_record_n(7, 2);
            let h = fast.histogram();
            for q in [0.0, 0.01, 0.5, 0.95, 0.99, 0.999, 1.0] {
                assert_eq!(h.value_at_quantile(q), all.value_at_quantile(q), "{q}");
            }
            assert_eq!((h.max(), h.len()), (all.max(), all.len()));
        }
    }
}
