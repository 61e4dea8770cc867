//! Break-even: how each policy's cost moves as the traffic spike grows, and where the
//! lines cross — the spike height at which autoscaling starts beating fixed capacity
//! (or stops, when the penalty for lost traffic is what decides).
//!
//! The scenario is run once per spike factor, with every `spike` shape's `factor` set to
//! that value and everything else — seed, policies, the rest of the traffic — unchanged,
//! so the points share their random numbers and the curves are smooth. Points run in
//! parallel. The cost compared is `all_in_cost` when the scenario prices lost traffic
//! (`[service.penalty]`), else `total_cost`. A crossing between two sampled factors is
//! placed by linear interpolation of the cost difference.
//!
//! With N replications (`--replications N`) each factor runs N times through
//! [`simulation::run_replications`], replication r on the same seed at every factor.
//! The curves are the means over the replications and the crossings are read from
//! them; each crossing also gets the spread of the crossings found the same way on each
//! replication's own curves, for the same two policies between the same two samples
//! ([`Spread`]: how many cross there, and a Student-t 95 % half-width).

use rayon::prelude::*;

use crate::metrics::Summary;
use crate::replication::Estimate;
use crate::scenario::{Scenario, Shape};
use crate::simulation;

/// Factors to sample: `steps` values evenly spaced from `from` to `to`.
pub fn factors(from: f64, to: f64, steps: u32) -> Vec<f64> {
    let n = steps.max(2);
    (0..n)
        .map(|i| from + (to - from) * f64::from(i) / f64::from(n - 1))
        .collect()
}

/// The scenario with every spike at `factor`; `None` if it has no spike shape.
pub fn with_spike_factor(scenario: &Scenario, factor: f64) -> Option<Scenario> {
    let mut s = scenario.clone();
    let mut found = false;
    for shape in &mut s.workload.shapes {
        if let Shape::Spike { factor: f, .. } = shape {
            *f = factor;
            found = true;
        }
    }
    found.then_some(s)
}

/// One sampled spike factor: every policy's summary, for each replication.
#[derive(Debug, Clone)]
pub struct Point {
    pub spike_factor: f64,
    /// `[replication][policy]`: replication r ran on [`simulation::replication_seed`]
    /// `(seed, r)` — the same seed at every factor (common random numbers). One list
    /// without replications.
    pub runs: Vec<Vec<Summary>>,
}

impl Point {
    /// A point of one run.
    pub fn single(spike_factor: f64, summaries: Vec<Summary>) -> Point {
        Point {
            spike_factor,
            runs: vec![summaries],
        }
    }

    /// The first replication's summaries (the scenario's seed): policy names and types.
    pub fn summaries(&self) -> &[Summary] {
        self.runs.first().map_or(&[][..], Vec::as_slice)
    }

    /// Number of replications.
    pub fn replications(&self) -> usize {
        self.runs.len()
    }

    /// Mean and 95 % interval over the replications of `value` of policy `policy`
    /// (with one replication, the value itself and no interval).
    pub fn estimate(&self, policy: usize, value: impl Fn(&Summary) -> f64) -> Estimate {
        let values: Vec<f64> = self
            .runs
            .iter()
            .filter_map(|r| r.get(policy))
            .map(value)
            .collect();
        Estimate::of(&values)
    }

    /// The mean compared cost ([`compared_cost`]) of policy `policy` over the
    /// replications: the point of the curve crossings are read from.
    pub fn cost(&self, scenario: &Scenario, policy: usize) -> f64 {
        self.estimate(policy, |s| compared_cost(scenario, s)).mean
    }
}

/// Runs the scenario at each factor, in parallel; `None` if it has no spike shape.
pub fn sweep(scenario: &Scenario, factors: &[f64]) -> Option<Vec<Point>> {
    sweep_with_progress(scenario, factors, 1, &|_| {})
}

/// [`sweep`] with `replications` replications per factor (the seeds of
/// [`simulation::run_replications`], identical at every factor), calling `progress`
/// with the simulated time each policy of each run advances (microseconds), from
/// several threads.
pub fn sweep_with_progress(
    scenario: &Scenario,
    factors: &[f64],
    replications: u32,
    progress: &(dyn Fn(crate::engine::Time) + Sync),
) -> Option<Vec<Point>> {
    let scenarios: Vec<Scenario> = factors
        .iter()
        .map(|&f| with_spike_factor(scenario, f))
        .collect::<Option<_>>()?;
    Some(
        scenarios
            .par_iter()
            .zip(factors)
            .map(|(s, &spike_factor)| Point {
                spike_factor,
                runs: simulation::run_replications(s, replications.max(1), progress)
                    .into_iter()
                    .map(|o| o.policies.into_iter().map(|p| p.summary).collect())
                    .collect(),
            })
            .collect(),
    )
}

/// The cost the break-even view compares.
pub fn compared_cost(scenario: &Scenario, s: &Summary) -> f64 {
    if scenario.service.penalty.is_set() {
        s.all_in_cost
    } else {
        s.total_cost
    }
}

/// Where two policies' cost lines cross.
#[derive(Debug, Clone, PartialEq)]
pub struct Crossing {
    /// Linear estimate between the two sampled factors around it.
    pub spike_factor: f64,
    /// The sampled factors it lies between: sample more finely there to pin it down.
    pub between: (f64, f64),
    pub cost: f64,
    /// Cheaper below the crossing.
    pub cheaper_below: String,
    /// Cheaper above it.
    pub cheaper_above: String,
    /// With several replications: how the replications' own crossings spread.
    pub spread: Option<Spread>,
}

/// The crossings of the same two policies between the same two sampled factors, found
/// on each replication's own curves (same interpolation).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    /// Replications whose curves cross there (of [`Point::replications`]).
    pub replications_crossing: usize,
    /// Mean of their crossing factors; `None` when none crosses there.
    pub mean: Option<f64>,
    /// Student-t 95 % half-width of their crossing factors,
    /// `t(0.975, k − 1) · s / √k` over the k replications that cross; `None` when k < 2.
    pub ci95: Option<f64>,
}

/// A crossing of policies `a` and `b` (indices) on the curves `cost` gives.
struct Found {
    a: usize,
    b: usize,
    crossing: Crossing,
}

/// Every crossing of every pair of policies between consecutive sampled factors, on the
/// curves of `cost(point, policy)`.
fn find(points: &[Point], cost: &dyn Fn(&Point, usize) -> f64) -> Vec<Found> {
    let n = points.first().map_or(0, |p| p.summaries().len());
    let mut out = Vec::new();
    for a in 0..n {
        for b in a + 1..n {
            for w in points.windows(2) {
                let d0 = cost(&w[0], a) - cost(&w[0], b);
                let d1 = cost(&w[1], a) - cost(&w[1], b);
                // A sign change (touching zero at the right end counts once, at its left).
                if d0 == 0.0 || d0.signum() == d1.signum() || !d0.is_finite() || !d1.is_finite() {
                    continue;
                }
                let t = d0 / (d0 - d1);
                let x = w[0].spike_factor + t * (w[1].spike_factor - w[0].spike_factor);
                let y = cost(&w[0], a) + t * (cost(&w[1], a) - cost(&w[0], a));
                let (below, above) = if d0 < 0.0 { (a, b) } else { (b, a) };
                out.push(Found {
                    a,
                    b,
                    crossing: Crossing {
                        spike_factor: x,
                        between: (w[0].spike_factor, w[1].spike_factor),
                        cost: y,
                        cheaper_below: w[0].summaries()[below].policy.clone(),
                        cheaper_above: w[0].summaries()[above].policy.clone(),
                        spread: None,
                    },
                });
            }
        }
    }
    out
}

/// Every crossing of every pair of policies between consecutive sampled factors, on the
/// mean curves ([`Point::cost`]). With several replications each crossing also gets the
/// [`Spread`] of the crossings of the same pair in the same bracket on each
/// replication's curves.
pub fn crossings(scenario: &Scenario, points: &[Point]) -> Vec<Crossing> {
    let mut out = find(points, &|p, i| p.cost(scenario, i));
    let replications = points.first().map_or(1, Point::replications);
    if replications > 1 {
        let each: Vec<Vec<Found>> = (0..replications)
            .map(|r| {
                find(points, &|p, i| {
                    p.runs
                        .get(r)
                        .and_then(|run| run.get(i))
                        .map_or(f64::NAN, |s| compared_cost(scenario, s))
                })
            })
            .collect();
        for f in &mut out {
            let factors: Vec<f64> = each
                .iter()
                .flat_map(|found| {
                    found.iter().filter(|g| {
                        g.a == f.a && g.b == f.b && g.crossing.between == f.crossing.between
                    })
                })
                .map(|g| g.crossing.spike_factor)
                .collect();
            let e = Estimate::of(&factors);
            f.crossing.spread = Some(Spread {
                replications_crossing: factors.len(),
                mean: (e.n > 0).then_some(e.mean),
                ci95: e.ci95,
            });
        }
    }
    let mut out: Vec<Crossing> = out.into_iter().map(|f| f.crossing).collect();
    out.sort_by(|x, y| x.spike_factor.total_cmp(&y.spike_factor));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(policy: &str, cost: f64) -> Summary {
        Summary {
            policy: policy.into(),
            total_cost: cost,
            all_in_cost: cost,
            ..Summary::default()
        }
    }

    #[test]
    fn factors_are_evenly_spaced_and_include_both_ends() {
        assert_eq!(factors(1.0, 5.0, 5), vec![1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(factors(2.0, 2.0, 1), vec![2.0, 2.0]);
    }

    #[test]
    fn crossing_is_interpolated_between_samples() {
        let scenario = crate::scenario::parse(crate::scenario::DEFAULT_SCENARIO, "d", "d").unwrap();
        // Own servers cost 10 whatever the spike; the cloud 4, 8, 12 at ×1, ×2, ×3:
        // equal at ×2.5, cost 10.
        let points: Vec<Point> = [(1.0, 4.0), (2.0, 8.0), (3.0, 12.0)]
            .iter()
            .map(|&(f, cloud)| {
                Point::single(f, vec![summary("own", 10.0), summary("cloud", cloud)])
            })
            .collect();
        let c = crossings(&scenario, &points);
        assert_eq!(c.len(), 1);
        assert!((c[0].spike_factor - 2.5).abs() < 1e-12);
        assert_eq!(c[0].between, (2.0, 3.0));
        assert!((c[0].cost - 10.0).abs() < 1e-12);
        assert_eq!(
            (c[0].cheaper_below.as_str(), c[0].cheaper_above.as_str()),
            ("cloud", "own")
        );
    }

    #[test]
    fn replications_give_the_crossing_a_spread() {
        let scenario = crate::scenario::parse(crate::scenario::DEFAULT_SCENARIO, "d", "d").unwrap();
        // Own servers cost 10; the cloud crosses at ×2.5, ×2.25 and not at all (9, 9.5).
        let clouds = [[4.0, 8.0, 12.0], [4.0, 9.0, 13.0], [4.0, 9.0, 9.5]];
        let points: Vec<Point> = [1.0, 2.0, 3.0]
            .iter()
            .enumerate()
            .map(|(k, &f)| Point {
                spike_factor: f,
                runs: clouds
                    .iter()
                    .map(|c| vec![summary("own", 10.0), summary("cloud", c[k])])
                    .collect(),
            })
            .collect();
        let c = crossings(&scenario, &points);
        assert_eq!(c.len(), 1);
        // Mean curve: 4, 26/3, 34.5/3 = 11.5: crossing at 2 + (10 − 26/3) / (11.5 − 26/3).
        let mid = 26.0 / 3.0;
        assert!((c[0].spike_factor - (2.0 + (10.0 - mid) / (11.5 - mid))).abs() < 1e-12);
        let spread = c[0].spread.unwrap();
        assert_eq!(spread.replications_crossing, 2);
        assert!((spread.mean.unwrap() - 2.375).abs() < 1e-12);
        // s = 0.125·√2, t(0.975, 1) = 12.706: half-width 12.706 · 0.125.
        let t = crate::replication::student_t_quantile(0.975, 1);
        assert!((spread.ci95.unwrap() - t * 0.125).abs() < 1e-9);
    }

    #[test]
    fn only_spikes_are_scaled() {
        let s = crate::scenario::parse(crate::scenario::DEFAULT_SCENARIO, "d", "d").unwrap();
        let scaled = with_spike_factor(&s, 7.5).unwrap();
        for (a, b) in s.workload.shapes.iter().zip(&scaled.workload.shapes) {
            match (a, b) {
                (Shape::Spike { .. }, Shape::Spike { factor, .. }) => assert_eq!(*factor, 7.5),
                _ => assert_eq!(a, b),
            }
        }
        let mut flat = s.clone();
        flat.workload
            .shapes
            .retain(|x| !matches!(x, Shape::Spike { .. }));
        assert!(with_spike_factor(&flat, 2.0).is_none());
    }
}
