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

use rayon::prelude::*;

use crate::metrics::Summary;
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

/// One sampled spike factor: every policy's summary.
#[derive(Debug, Clone)]
pub struct Point {
    pub spike_factor: f64,
    pub summaries: Vec<Summary>,
}

/// Runs the scenario at each factor, in parallel; `None` if it has no spike shape.
pub fn sweep(scenario: &Scenario, factors: &[f64]) -> Option<Vec<Point>> {
    sweep_with_progress(scenario, factors, &|_| {})
}

/// [`sweep`], calling `progress` with the simulated time each policy of each run
/// advances (microseconds), from several threads.
pub fn sweep_with_progress(
    scenario: &Scenario,
    factors: &[f64],
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
                summaries: simulation::run(s, progress)
                    .policies
                    .into_iter()
                    .map(|p| p.summary)
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
}

/// Every crossing of every pair of policies between consecutive sampled factors.
pub fn crossings(scenario: &Scenario, points: &[Point]) -> Vec<Crossing> {
    let n = points.first().map_or(0, |p| p.summaries.len());
    let mut out = Vec::new();
    for a in 0..n {
        for b in a + 1..n {
            for w in points.windows(2) {
                let cost = |p: &Point, i: usize| compared_cost(scenario, &p.summaries[i]);
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
                out.push(Crossing {
                    spike_factor: x,
                    between: (w[0].spike_factor, w[1].spike_factor),
                    cost: y,
                    cheaper_below: w[0].summaries[below].policy.clone(),
                    cheaper_above: w[0].summaries[above].policy.clone(),
                });
            }
        }
    }
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
            .map(|&(f, cloud)| Point {
                spike_factor: f,
                summaries: vec![summary("own", 10.0), summary("cloud", cloud)],
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
