//! Bandwidth billed at the 95th percentile, as IDCs and transit providers bill it: the
//! traffic served is measured as a mean rate over every 5 minutes; each billing month
//! (30.44 days from the start) the highest 5 % of those samples are ignored and the next
//! one is the billable rate. The bill is the commit (`commit_mbps` × `price_per_mbps`)
//! plus the billable rate above the commit at `overage_per_mbps`.
//!
//! A month is charged to the window in proportion to the part of it inside the window,
//! like a lease term; every month started is committed in full.

use crate::billing::MONTH_SECONDS;
use crate::engine::{SECOND, Time, to_seconds};
use crate::scenario::Bandwidth;

/// The measurement interval of 95th-percentile billing.
pub(crate) const SAMPLE: Time = 300 * SECOND;

pub(crate) struct BandwidthMeter {
    terms: Bandwidth,
    month: Time,
    /// 5-minute rates (Mbps) of the current month.
    current: Vec<f64>,
    /// Bills of the months before it, worked out once when each closed.
    closed: Vec<f64>,
    /// The highest 95th percentile of the closed months.
    closed_peak: f64,
    served_before: u64,
}

impl BandwidthMeter {
    pub(crate) fn new(terms: Bandwidth) -> Self {
        BandwidthMeter {
            terms,
            month: (MONTH_SECONDS * SECOND as f64) as Time,
            current: Vec::new(),
            closed: Vec::new(),
            closed_peak: 0.0,
            served_before: 0,
        }
    }

    /// A 5-minute interval ended at `now` with `served` requests served so far.
    pub(crate) fn sample(&mut self, now: Time, served: u64) {
        let delta = served.saturating_sub(self.served_before);
        self.served_before = served;
        let mbps = delta as f64 * self.terms.bytes_per_request * 8.0 / to_seconds(SAMPLE) / 1e6;
        // The interval (now − 5 min, now] belongs to the month it started in.
        let month = (now.saturating_sub(1) / self.month) as usize;
        while self.closed.len() < month {
            let p95 = Self::p95(&self.current);
            self.closed.push(self.bill(p95));
            self.closed_peak = self.closed_peak.max(p95);
            self.current.clear();
        }
        self.current.push(mbps);
    }

    /// The 95th percentile of `samples`: the highest 5 % dropped, the next one.
    fn p95(samples: &[f64]) -> f64 {
        if samples.is_empty() {
            return 0.0;
        }
        let keep = (samples.len() as f64 * 0.95).ceil() as usize;
        let mut copy = samples.to_vec();
        // A selection, not a sort: the month's bill is asked for at every sample.
        *copy
            .select_nth_unstable_by(keep.clamp(1, samples.len()) - 1, f64::total_cmp)
            .1
    }

    /// A month's bill for a billable (95th-percentile) rate.
    fn bill(&self, p95: f64) -> f64 {
        let t = &self.terms;
        t.commit_mbps * t.price_per_mbps + (p95 - t.commit_mbps).max(0.0) * t.overage_per_mbps
    }

    /// The bill of month `m` as it stands: closed months' final bills, the current one's
    /// from its samples so far, later ones (no samples yet) the commit alone.
    fn bill_of(&self, m: usize) -> f64 {
        match m.cmp(&self.closed.len()) {
            std::cmp::Ordering::Less => self.closed[m],
            std::cmp::Ordering::Equal => self.bill(Self::p95(&self.current)),
            std::cmp::Ordering::Greater => self.bill(0.0),
        }
    }

    /// Cost attributable to `[0, now)`: each month's bill × the share of it elapsed.
    pub(crate) fn cost(&self, now: Time) -> f64 {
        let months = now.div_ceil(self.month.max(1)) as usize;
        (0..months)
            .map(|m| {
                let start = m as Time * self.month;
                let inside = now.min(start + self.month) - start;
                self.bill_of(m) * inside as f64 / self.month as f64
            })
            .sum()
    }

    /// Every month started by `now`, in full.
    pub(crate) fn committed(&self, now: Time) -> f64 {
        let months = now.div_ceil(self.month.max(1)).max(1) as usize;
        (0..months).map(|m| self.bill_of(m)).sum()
    }

    /// The highest monthly 95th percentile so far, Mbps.
    pub(crate) fn peak_p95(&self) -> f64 {
        self.closed_peak.max(Self::p95(&self.current))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meter() -> BandwidthMeter {
        BandwidthMeter::new(Bandwidth {
            bytes_per_request: 50_000.0,
            commit_mbps: 30.0,
            price_per_mbps: 1.0,
            overage_per_mbps: 1.5,
        })
    }

    #[test]
    fn p95_drops_the_top_five_percent() {
        let samples: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(BandwidthMeter::p95(&samples), 95.0);
        assert_eq!(BandwidthMeter::p95(&[7.0]), 7.0);
        // 20 samples: the top one is ignored.
        let mut spike: Vec<f64> = vec![10.0; 19];
        spike.push(1000.0);
        assert_eq!(BandwidthMeter::p95(&spike), 10.0);
    }

    #[test]
    fn hand_computed_bill() {
        let mut m = meter();
        // 100 requests/s × 50 kB = 40 Mbps in every 5-minute interval for 10 days.
        let intervals = 10 * 86_400 / 300;
        for i in 1..=intervals {
            m.sample(i * SAMPLE, i * 100 * 300);
        }
        assert!((m.peak_p95() - 40.0).abs() < 1e-9);
        // Month bill: 30 × $1 + (40 − 30) × $1.5 = $45; 10 days of a 30.44-day month
        // charged, the whole month committed.
        let now = intervals * SAMPLE;
        let share = to_seconds(now) / MONTH_SECONDS;
        assert!((m.cost(now) - 45.0 * share).abs() < 1e-9, "{}", m.cost(now));
        assert!((m.committed(now) - 45.0).abs() < 1e-9);
    }
}
