//! Statistics over independent replications: mean, sample standard deviation and a
//! Student-t confidence interval for every numeric metric of every policy.
//!
//! # Why replications
//!
//! One run is one sample path: its p99 or its cost under an autoscaler depends on the
//! particular requests the seed drew. `provsim run --replications N` (or
//! `replications = N` in the scenario) runs N independent replications: replication 0
//! uses the scenario's seed (so N = 1 is exactly a plain run), the others seeds derived
//! from it ([`crate::simulation::replication_seed`]). Inside a replication every policy
//! sees the same requests (common random numbers); across replications the request
//! streams are independent.
//!
//! # The interval
//!
//! For one policy and one metric, the N per-replication values x₁ … x_N are i.i.d. (they
//! come from independent streams), so with x̄ their mean and
//! s² = Σ(xᵢ − x̄)² / (N − 1) their sample variance,
//!
//! ```text
//! x̄ ± t(0.975, N − 1) · s / √N
//! ```
//!
//! is a 95 % confidence interval for the metric's expected value over a run of this
//! scenario (exact when the xᵢ are normal; each is an average over many requests or
//! seconds, so close to normal in practice, less so for maxima and rare events). The
//! interval is about the *expected value of the run's metric* — e.g. the expected p99 of a
//! 6-hour window — not a band that 95 % of single runs fall into. With N = 1 there is no
//! spread to estimate: the standard deviation and half-width are `None` (written as empty
//! cells), never NaN.
//!
//! # The t quantile
//!
//! [`student_t_quantile`] uses statrs' Student-t quantile up to 300 degrees of freedom
//! and, above that, where statrs drifts, the Cornish–Fisher expansion; it agrees with
//! high-precision reference values to better than 10⁻⁹.
//!
//! ```
//! use provsim::replication::{Estimate, student_t_quantile};
//! assert!((student_t_quantile(0.975, 9) - 2.262_157).abs() < 1e-6);
//! let e = Estimate::of(&[10.0, 12.0, 11.0, 13.0, 9.0]);
//! assert_eq!(e.mean, 11.0);
//! // s = √2.5, t(0.975, 4) = 2.776: half-width 2.776 · √2.5 / √5 ≈ 1.963.
//! assert!((e.ci95.unwrap() - 1.963_243).abs() < 1e-6);
//! assert_eq!(Estimate::of(&[10.0]).ci95, None);
//! ```

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

use crate::metrics::Summary;
use crate::simulation::Outcome;

/// Two-sided confidence level of the intervals provsim reports.
pub const CONFIDENCE: f64 = 0.95;

/// Mean, spread and 95 % confidence half-width of one metric over replications.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// Number of values (replications) the estimate is built from.
    pub n: usize,
    /// Sample mean (NaN when `n` is 0).
    pub mean: f64,
    /// Sample standard deviation (denominator n − 1); `None` when n < 2.
    pub std_dev: Option<f64>,
    /// Half-width of the 95 % confidence interval for the mean,
    /// `t(0.975, n − 1) · s / √n`; `None` when n < 2.
    pub ci95: Option<f64>,
}

impl Estimate {
    /// The estimate from i.i.d. values, one per replication.
    pub fn of(values: &[f64]) -> Estimate {
        let n = values.len();
        if n == 0 {
            return Estimate {
                n,
                mean: f64::NAN,
                std_dev: None,
                ci95: None,
            };
        }
        // Identical values (a fixed fleet's cost, say) have no spread at all: report
        // them exactly rather than with rounding noise from the two-pass formula.
        if values.iter().all(|v| v.to_bits() == values[0].to_bits()) {
            return Estimate {
                n,
                mean: values[0],
                std_dev: (n > 1).then_some(0.0),
                ci95: (n > 1).then_some(0.0),
            };
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        if n < 2 {
            return Estimate {
                n,
                mean,
                std_dev: None,
                ci95: None,
            };
        }
        // Two passes: the textbook Σx² − n·x̄² cancels badly for large, close values.
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let sd = var.sqrt();
        let df = u32::try_from(n - 1).unwrap_or(u32::MAX);
        let t = student_t_quantile(0.5 + CONFIDENCE / 2.0, df);
        Estimate {
            n,
            mean,
            std_dev: Some(sd),
            ci95: Some(t * sd / (n as f64).sqrt()),
        }
    }

    /// The interval `(mean − h, mean + h)`, when it is defined.
    pub fn interval(&self) -> Option<(f64, f64)> {
        self.ci95.map(|h| (self.mean - h, self.mean + h))
    }

    /// Whether `value` lies inside the 95 % interval (`None` when it is undefined).
    pub fn covers(&self, value: f64) -> Option<bool> {
        self.interval().map(|(lo, hi)| lo <= value && value <= hi)
    }
}

/// One numeric column of the summary, estimated over replications.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricEstimate {
    /// The `summary.csv` column name, e.g. `total_cost`.
    pub name: &'static str,
    pub estimate: Estimate,
}

/// Every numeric summary metric of one policy, over all replications.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyEstimates {
    pub policy: String,
    pub policy_type: String,
    /// Number of replications.
    pub replications: usize,
    /// In `summary.csv` column order.
    pub metrics: Vec<MetricEstimate>,
}

impl PolicyEstimates {
    /// The estimate of the metric named like its `summary.csv` column.
    pub fn get(&self, name: &str) -> Option<&Estimate> {
        self.metrics
            .iter()
            .find(|m| m.name == name)
            .map(|m| &m.estimate)
    }
}

/// Estimates every numeric [`Summary`] metric of every policy over `outcomes` (one
/// [`Outcome`] per replication, policies in the same order in each). Columns that are
/// text (`policy`, `policy_type`) are carried over, not estimated.
pub fn estimate_all(outcomes: &[Outcome]) -> Vec<PolicyEstimates> {
    let Some(first) = outcomes.first() else {
        return Vec::new();
    };
    (0..first.policies.len())
        .map(|p| {
            let summaries: Vec<&Summary> = outcomes
                .iter()
                .filter_map(|o| o.policies.get(p).map(|po| &po.summary))
                .collect();
            estimate_policy(&summaries)
        })
        .collect()
}

/// Estimates over the summaries of one policy, one per replication: every numeric
/// [`Summary::columns`] entry but the [`Summary::RUN_COLUMNS`] (a seed is not a metric).
fn estimate_policy(summaries: &[&Summary]) -> PolicyEstimates {
    let metrics = Summary::columns()
        .iter()
        .filter(|(name, _)| !Summary::RUN_COLUMNS.contains(name))
        .filter_map(|&(name, cell)| {
            let values: Vec<f64> = summaries.iter().filter_map(|s| cell(s).number()).collect();
            (!values.is_empty()).then(|| MetricEstimate {
                name,
                estimate: Estimate::of(&values),
            })
        })
        .collect();
    let first = summaries.first();
    PolicyEstimates {
        policy: first.map(|s| s.policy.clone()).unwrap_or_default(),
        policy_type: first.map(|s| s.policy_type.clone()).unwrap_or_default(),
        replications: summaries.len(),
        metrics,
    }
}

/// The estimate of one quantity picked from each replication's summary of policy
/// `policy` (e.g. `|s| s.total_cost`).
pub fn estimate_of(
    outcomes: &[Outcome],
    policy: usize,
    value: impl Fn(&Summary) -> f64,
) -> Estimate {
    let values: Vec<f64> = outcomes
        .iter()
        .filter_map(|o| o.policies.get(policy))
        .map(|p| value(&p.summary))
        .collect();
    Estimate::of(&values)
}

// ---------------------------------------------------------------------------------------
// The t quantile
// ---------------------------------------------------------------------------------------

/// Up to this many degrees of freedom statrs' t quantile is used as it is; above, the
/// Cornish–Fisher expansion.
const STATRS_MAX_DF: u32 = 300;

/// The `p`-quantile of Student's t distribution with `df` degrees of freedom.
///
/// Within 10⁻⁹ (relative) of the exact value for 10⁻⁶ ≤ p ≤ 1 − 10⁻⁶ and every `df`.
/// NaN for `df` = 0 or `p` outside \[0, 1\] (or NaN), ∓∞ for `p` = 0 and 1.
///
/// statrs' `StudentsT::inverse_cdf` serves up to ν = 300 (measured: within 5·10⁻¹¹,
/// and a few ulp for ν ≤ 10). Above that it drifts (3·10⁻¹⁰ at ν = 400, 3·10⁻⁸ at
/// ν ≈ 2000 for p = 0.75, 7 % at ν = 10⁷) and for ν ≥ 10⁸ it never returns, so there
/// the Cornish–Fisher expansion around statrs' normal quantile (Abramowitz & Stegun
/// 26.7.5, error O(ν⁻⁵): 3·10⁻¹⁰ at ν = 300, 10⁻¹⁰ at 400) takes over.
pub fn student_t_quantile(p: f64, df: u32) -> f64 {
    if df == 0 || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if df > STATRS_MAX_DF {
        return cornish_fisher(p, f64::from(df));
    }
    StudentsT::new(0.0, 1.0, f64::from(df)).map_or(f64::NAN, |t| t.inverse_cdf(p))
}

/// The t quantile for large ν from the normal one (A&S 26.7.5).
fn cornish_fisher(p: f64, df: f64) -> f64 {
    let x = Normal::standard().inverse_cdf(p);
    let x2 = x * x;
    let g1 = (x2 + 1.0) * x / 4.0;
    let g2 = ((5.0 * x2 + 16.0) * x2 + 3.0) * x / 96.0;
    let g3 = (((3.0 * x2 + 19.0) * x2 + 17.0) * x2 - 15.0) * x / 384.0;
    let g4 = ((((79.0 * x2 + 776.0) * x2 + 1482.0) * x2 - 1920.0) * x2 - 945.0) * x / 92160.0;
    x + (g1 + (g2 + (g3 + g4 / df) / df) / df) / df
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference values computed with mpmath (40 digits) from the regularised incomplete
    /// beta function. The hand-written quantile this replaced (an exact series up to
    /// ν = 1000) met them within 10⁻⁹ too; the two differed by at most 2.8·10⁻¹⁰
    /// (relative) over p from 10⁻⁶ to 1 − 10⁻⁶ and ν from 1 to 2³² − 1, the most at
    /// p = 1 − 10⁻⁶ just above ν = 300.
    const T_TABLE: [(f64, u32, f64); 30] = [
        (0.975, 1, 12.706_204_736_174_693),
        (0.975, 2, 4.302_652_729_749_462),
        (0.975, 3, 3.182_446_305_283_708),
        (0.975, 4, 2.776_445_105_197_794),
        (0.975, 5, 2.570_581_835_636_315),
        (0.975, 9, 2.262_157_162_798_205),
        (0.975, 10, 2.228_138_851_986_274),
        (0.975, 29, 2.045_229_642_132_704),
        (0.975, 30, 2.042_272_456_301_238),
        (0.975, 100, 1.983_971_518_523_552),
        (0.975, 999, 1.962_341_461_133_45),
        (0.975, 1000, 1.962_339_080_826_408),
        (0.975, 1001, 1.962_336_705_280_88),
        (0.975, 5000, 1.960_438_551_706_508),
        (0.975, 9999, 1.960_201_263_621_357),
        (0.995, 1, 63.656_741_162_871_52),
        (0.995, 19, 2.860_934_606_464_979),
        (0.9995, 19, 3.883_405_852_592_131),
        (0.9, 5, 1.475_884_048_824_481),
        (0.999, 3, 10.214_531_852_407_38),
        (0.6, 7, 0.263_166_861_352_022_7),
        (0.995, 2000, 2.578_289_787_557_519),
        // Where statrs hands over to Cornish–Fisher, and far above, where statrs alone
        // drifts (0.75, 2000: 3·10⁻⁸) or never returns (10⁸).
        (0.975, 300, 1.967_903_011_261_086_6),
        (0.975, 301, 1.967_876_531_285_695),
        (0.999_999, 300, 4.848_514_301_103_871),
        (0.999_999, 301, 4.848_192_935_846_782),
        (0.75, 2000, 0.674_612_437_531_021_9),
        (0.975, 100_000, 1.959_987_707_534_609_3),
        (0.6, 100_000, 0.253_347_777_157_179_9),
        (0.975, 100_000_000, 1.959_964_008_262_766_4),
    ];

    #[test]
    fn t_quantiles_match_reference_values() {
        for (p, df, want) in T_TABLE {
            let got = student_t_quantile(p, df);
            assert!(
                ((got - want) / want).abs() < 1e-9,
                "t({p}, {df}) = {got}, want {want}"
            );
            let neg = student_t_quantile(1.0 - p, df);
            assert!(
                ((neg + want) / want).abs() < 1e-9,
                "t({}, {df}) = {neg}",
                1.0 - p
            );
        }
    }

    #[test]
    fn t_quantiles_from_the_brief() {
        // The usual three-decimal table values.
        for (df, want) in [(1, 12.706), (4, 2.776), (9, 2.262), (29, 2.045)] {
            let got = student_t_quantile(0.975, df);
            assert!((got - want).abs() < 5e-4, "t(0.975, {df}) = {got}");
        }
        // ν → ∞: the normal quantile 1.960.
        assert!((student_t_quantile(0.975, u32::MAX) - 1.959_963_984_540_054).abs() < 1e-9);
    }

    #[test]
    fn statrs_and_expansion_agree_where_they_meet() {
        for p in [0.6, 0.9, 0.975, 0.995, 0.9995, 0.999_999] {
            let statrs = student_t_quantile(p, STATRS_MAX_DF);
            let expansion = cornish_fisher(p, f64::from(STATRS_MAX_DF));
            assert!(
                ((statrs - expansion) / statrs).abs() < 1e-9,
                "p {p}: {statrs} vs {expansion}"
            );
        }
    }

    #[test]
    fn t_quantile_is_monotone_and_symmetric() {
        for df in [1, 2, 3, 7, 50, 300, 301, 1000] {
            let mut prev = f64::NEG_INFINITY;
            for i in 1..100 {
                let p = f64::from(i) / 100.0;
                let t = student_t_quantile(p, df);
                assert!(t > prev, "t({p}, {df}) = {t} not above {prev}");
                prev = t;
            }
            assert_eq!(student_t_quantile(0.5, df), 0.0);
        }
        // Decreasing in the degrees of freedom, towards the normal quantile.
        let z = Normal::standard().inverse_cdf(0.975);
        let mut prev = f64::INFINITY;
        for df in 1..=3000 {
            let t = student_t_quantile(0.975, df);
            assert!(t < prev && t > z, "t(0.975, {df}) = {t}");
            prev = t;
        }
    }

    #[test]
    fn quantile_edge_cases() {
        assert!(student_t_quantile(0.975, 0).is_nan());
        assert!(student_t_quantile(f64::NAN, 5).is_nan());
        assert!(student_t_quantile(1.5, 5).is_nan());
        assert_eq!(student_t_quantile(1.0, 5), f64::INFINITY);
        assert_eq!(student_t_quantile(0.0, 5), f64::NEG_INFINITY);
        let far = student_t_quantile(0.999_999, 1);
        assert!((far / 318_309.886_173_590_26 - 1.0).abs() < 1e-9, "{far}");
        for (p, want) in [
            (0.995, 2.575_829_303_548_900_5),
            (0.9995, 3.290_526_731_491_926),
            (0.999_999, 4.753_424_308_817_088),
            (0.6, 0.253_347_103_135_799_7),
        ] {
            let z = Normal::standard().inverse_cdf(p);
            assert!((z - want).abs() < 1e-9, "z({p})");
        }
    }

    #[test]
    fn estimates() {
        let e = Estimate::of(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]);
        assert_eq!(e.n, 8);
        assert_eq!(e.mean, 5.0);
        let sd = (32.0f64 / 7.0).sqrt();
        assert!((e.std_dev.unwrap() - sd).abs() < 1e-12);
        let h = student_t_quantile(0.975, 7) * sd / 8f64.sqrt();
        assert!((e.ci95.unwrap() - h).abs() < 1e-12);
        assert_eq!(e.covers(5.0 + h * 0.99), Some(true));
        assert_eq!(e.covers(5.0 - h * 1.01), Some(false));

        let one = Estimate::of(&[3.5]);
        assert_eq!((one.mean, one.std_dev, one.ci95), (3.5, None, None));
        assert_eq!(one.covers(3.5), None);
        let none = Estimate::of(&[]);
        assert!(none.mean.is_nan() && none.ci95.is_none());
        // Identical values: exactly no spread, not rounding noise.
        let same = Estimate::of(&[0.1; 3]);
        assert_eq!((same.mean, same.ci95), (0.1, Some(0.0)));
    }
}
