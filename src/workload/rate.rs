//! The rate function λ(t) and exact upper bounds on it over an interval.

use std::f64::consts::TAU;
use std::sync::Arc;

use super::trace::{Trace, TraceData};
use crate::engine::{Time, from_seconds, to_seconds};
use crate::scenario::{Interpolate, Shape, Workload};

/// λ(t) in requests per second: `base` × the trace's rate (if any) × every shape.
#[derive(Debug, Clone)]
pub struct RateFunction {
    base: f64,
    shapes: Vec<ShapeFn>,
    trace: Option<Arc<Trace>>,
}

/// A shape in seconds, ready to evaluate.
#[derive(Debug, Clone)]
enum ShapeFn {
    Spike {
        start: f64,
        peak_from: f64,
        peak_until: f64,
        end: f64,
        decay: Option<f64>,
        factor: f64,
    },
    Step {
        at: f64,
        until: f64,
        factor: f64,
    },
    Diurnal {
        amplitude: f64,
        period: f64,
        peak_at: f64,
    },
    Profile {
        period: f64,
        points: Vec<f64>,
        interpolate: Interpolate,
        offset: f64,
    },
    Growth {
        log_factor_per_s: f64,
    },
}

impl RateFunction {
    /// Builds λ(t) from a checked workload.
    pub fn new(workload: &Workload) -> RateFunction {
        let shapes = workload.shapes.iter().map(ShapeFn::new).collect();
        RateFunction {
            base: workload.base_rate,
            shapes,
            trace: workload.trace.clone(),
        }
    }

    /// The replayed trace, if the workload has one.
    pub(crate) fn trace(&self) -> Option<&Arc<Trace>> {
        self.trace.as_ref()
    }

    /// λ without shapes or a trace: the same at every `t` ([`RateFunction::at`] returns
    /// this number exactly), if it is.
    pub(crate) fn constant(&self) -> Option<f64> {
        (self.shapes.is_empty() && self.trace.is_none()).then_some(self.base)
    }

    /// λ at `t` seconds. An exact-arrivals trace has no rate to sample: 0 (its requests
    /// are replayed as logged, see `arrivals.rs`).
    #[inline]
    pub fn at(&self, t: f64) -> f64 {
        let mut r = self.base;
        if let Some(trace) = &self.trace {
            r *= trace.rate_at(from_seconds(t.max(0.0)));
        }
        for s in &self.shapes {
            r *= s.at(t);
        }
        r
    }

    /// What the shapes multiply the rate by at `t` seconds (`base` included): how many
    /// requests each logged request of an exact trace becomes.
    #[inline]
    pub(crate) fn multiplier_at(&self, t: f64) -> f64 {
        let mut r = self.base;
        for s in &self.shapes {
            r *= s.at(t);
        }
        r
    }

    /// An upper bound on λ over `[from, to]` (microseconds). Exact when each shape peaks
    /// inside the interval at the same point; never below the true maximum, because each
    /// shape is monotone between the knots it lists.
    pub fn max_over(&self, from: Time, to: Time) -> f64 {
        let (a, b) = (to_seconds(from), to_seconds(to));
        let mut bound = self.base;
        if let Some(trace) = &self.trace {
            bound *= trace.max_over(from, to);
        }
        let mut knots = Vec::new();
        for s in &self.shapes {
            bound *= s.max_over(a, b, &mut knots);
        }
        bound
    }

    /// Mean of λ over `[from, to]`: 3-point Gauss–Legendre on every piece between the
    /// shapes' breakpoints (pieces longer than a minute are split), so steps and kinks
    /// are integrated exactly and smooth cycles to ~1e-9.
    ///
    /// With a rate trace the pieces are cut at its interval boundaries too, so the product
    /// is integrated exactly where the shapes are. With exact arrivals it is the logged
    /// rate over `[from, to]` times the shapes' mean there (an approximation only where
    /// both vary inside the interval).
    pub fn mean_over(&self, from: Time, to: Time) -> f64 {
        let (a, b) = (to_seconds(from), to_seconds(to));
        if let Some(trace) = &self.trace
            && let TraceData::Arrivals(_) = trace.data
        {
            let shapes = self.integrate(a, b, |t| self.multiplier_at(t), &mut |_| {});
            return if b <= a {
                self.multiplier_at(a) * trace.rate_at(from)
            } else {
                trace.mean_over(from, to) * shapes
            };
        }
        if b <= a {
            return self.at(a);
        }
        let trace = self.trace.clone();
        self.integrate(a, b, |t| self.at(t), &mut |cuts: &mut Vec<f64>| {
            if let Some(trace) = &trace {
                let mut at = Vec::new();
                trace.breakpoints(from, to, &mut at);
                cuts.extend(at.into_iter().map(to_seconds));
            }
        })
    }

    /// Mean of `f` over `[a, b]` seconds, 3-point Gauss–Legendre on every piece between
    /// the shapes' knots (and the cuts `more` adds); `f(a)` when `b ≤ a`.
    fn integrate(
        &self,
        a: f64,
        b: f64,
        f: impl Fn(f64) -> f64,
        more: &mut dyn FnMut(&mut Vec<f64>),
    ) -> f64 {
        if b <= a {
            return f(a);
        }
        let mut cuts = vec![a, b];
        more(&mut cuts);
        for s in &self.shapes {
            s.knots(a, b, &mut cuts);
        }
        cuts.sort_by(f64::total_cmp);
        cuts.dedup();
        // Nodes and weights of 3-point Gauss–Legendre on [-1, 1].
        const NODE: f64 = 0.774_596_669_241_483_4;
        const W_SIDE: f64 = 5.0 / 9.0;
        const W_MID: f64 = 8.0 / 9.0;
        let mut integral = 0.0;
        for piece in cuts.windows(2) {
            let (lo, hi) = (piece[0], piece[1]);
            let parts = ((hi - lo) / 60.0).ceil().clamp(1.0, 1e6) as usize;
            let width = (hi - lo) / parts as f64;
            for k in 0..parts {
                let mid = lo + (k as f64 + 0.5) * width;
                let half = width / 2.0;
                integral += half
                    * (W_SIDE * f(mid - NODE * half)
                        + W_MID * f(mid)
                        + W_SIDE * f(mid + NODE * half));
            }
        }
        integral / (b - a)
    }
}

impl ShapeFn {
    fn new(shape: &Shape) -> ShapeFn {
        match *shape {
            Shape::Spike {
                start,
                ramp_up,
                hold,
                ramp_down,
                decay,
                factor,
            } => {
                let start = to_seconds(start);
                let peak_from = start + to_seconds(ramp_up);
                let peak_until = peak_from + to_seconds(hold);
                ShapeFn::Spike {
                    start,
                    peak_from,
                    peak_until,
                    end: peak_until + to_seconds(ramp_down),
                    decay: decay.map(to_seconds),
                    factor,
                }
            }
            Shape::Step { at, until, factor } => ShapeFn::Step {
                at: to_seconds(at),
                until: until.map_or(f64::INFINITY, to_seconds),
                factor,
            },
            Shape::Diurnal {
                amplitude,
                period,
                peak_at,
            } => ShapeFn::Diurnal {
                amplitude,
                period: to_seconds(period),
                peak_at: to_seconds(peak_at),
            },
            Shape::Profile {
                period,
                ref points,
                interpolate,
                offset,
            } => ShapeFn::Profile {
                period: to_seconds(period),
                points: points.clone(),
                interpolate,
                offset: to_seconds(offset),
            },
            Shape::Growth { factor, per } => ShapeFn::Growth {
                log_factor_per_s: factor.ln() / to_seconds(per),
            },
        }
    }

    #[inline]
    fn at(&self, t: f64) -> f64 {
        match *self {
            ShapeFn::Spike {
                start,
                peak_from,
                peak_until,
                end,
                decay,
                factor,
            } => {
                if t < start {
                    1.0
                } else if t < peak_from {
                    1.0 + (factor - 1.0) * (t - start) / (peak_from - start)
                } else if t < peak_until {
                    factor
                } else if let Some(tau) = decay {
                    1.0 + (factor - 1.0) * (-(t - peak_until) / tau).exp()
                } else if t < end {
                    factor + (1.0 - factor) * (t - peak_until) / (end - peak_until)
                } else {
                    1.0
                }
            }
            ShapeFn::Step { at, until, factor } => {
                if t >= at && t < until {
                    factor
                } else {
                    1.0
                }
            }
            ShapeFn::Diurnal {
                amplitude,
                period,
                peak_at,
            } => 1.0 + amplitude * (TAU * (t - peak_at) / period).cos(),
            ShapeFn::Profile {
                period,
                ref points,
                interpolate,
                offset,
            } => {
                let n = points.len();
                let pos = ((t - offset) / period).rem_euclid(1.0) * n as f64;
                let i = (pos.floor() as usize).min(n - 1);
                match interpolate {
                    Interpolate::Step => points[i],
                    Interpolate::Linear => {
                        let frac = pos - i as f64;
                        points[i] + (points[(i + 1) % n] - points[i]) * frac
                    }
                }
            }
            ShapeFn::Growth { log_factor_per_s } => (log_factor_per_s * t).exp(),
        }
    }

    /// The largest multiplier over `[a, b]`.
    fn max_over(&self, a: f64, b: f64, knots: &mut Vec<f64>) -> f64 {
        if let ShapeFn::Profile {
            period,
            ref points,
            interpolate,
            offset,
        } = *self
        {
            return profile_max(a, b, period, points, interpolate, offset);
        }
        knots.clear();
        self.knots(a, b, knots);
        knots
            .iter()
            .map(|&k| self.at(k))
            .fold(self.at(a).max(self.at(b)), f64::max)
    }

    /// Points inside `(a, b)` between which the shape is monotone (or constant).
    fn knots(&self, a: f64, b: f64, out: &mut Vec<f64>) {
        let mut push = |k: f64| {
            if k > a && k < b {
                out.push(k);
            }
        };
        match *self {
            ShapeFn::Spike {
                start,
                peak_from,
                peak_until,
                end,
                ..
            } => {
                for k in [start, peak_from, peak_until, end] {
                    push(k);
                }
            }
            ShapeFn::Step { at, until, .. } => {
                push(at);
                push(until);
            }
            ShapeFn::Diurnal {
                period, peak_at, ..
            } => periodic_knots(a, b, peak_at, period / 2.0, push),
            ShapeFn::Profile {
                period,
                ref points,
                offset,
                ..
            } => periodic_knots(a, b, offset, period / points.len() as f64, push),
            ShapeFn::Growth { .. } => {}
        }
    }
}

/// The largest value of a cyclic profile over `[a, b]`, by piece index rather than by
/// evaluating at knot positions (which rounding can shift into the neighbouring piece).
fn profile_max(
    a: f64,
    b: f64,
    period: f64,
    points: &[f64],
    interpolate: Interpolate,
    offset: f64,
) -> f64 {
    let n = points.len();
    let width = period / n as f64;
    let first = ((a - offset) / width).floor();
    let last = ((b - offset) / width).floor();
    // Pieces touched, widened by one on each side against rounding: a safe upper bound.
    let count = (last - first + 3.0).max(1.0);
    let start = (first - 1.0).rem_euclid(n as f64) as usize;
    let span = if count >= n as f64 { n } else { count as usize };
    (0..span)
        .map(|k| {
            let i = (start + k) % n;
            match interpolate {
                Interpolate::Step => points[i],
                Interpolate::Linear => points[i].max(points[(i + 1) % n]),
            }
        })
        .fold(0.0, f64::max)
}

/// Calls `push` for every `origin + k × step` inside `(a, b)` (capped for safety).
fn periodic_knots(a: f64, b: f64, origin: f64, step: f64, mut push: impl FnMut(f64)) {
    let first = ((a - origin) / step).floor();
    let mut k = origin + first * step;
    let mut n = 0;
    while k < b && n < 100_000 {
        push(k);
        k += step;
        n += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SECOND;

    fn rate(shapes: Vec<Shape>) -> RateFunction {
        RateFunction::new(&Workload {
            base_rate: 100.0,
            shapes,
            trace: None,
        })
    }

    #[test]
    fn spike_ramps_holds_and_returns() {
        let r = rate(vec![Shape::Spike {
            start: 100 * SECOND,
            ramp_up: 100 * SECOND,
            hold: 100 * SECOND,
            ramp_down: 100 * SECOND,
            decay: None,
            factor: 3.0,
        }]);
        assert_eq!(r.at(50.0), 100.0);
        assert!((r.at(150.0) - 200.0).abs() < 1e-9);
        assert_eq!(r.at(250.0), 300.0);
        assert!((r.at(350.0) - 200.0).abs() < 1e-9);
        assert_eq!(r.at(450.0), 100.0);
        assert_eq!(r.max_over(0, 120 * SECOND), r.at(120.0));
        assert_eq!(r.max_over(0, 1000 * SECOND), 300.0);
    }

    #[test]
    fn diurnal_bound_finds_interior_peak() {
        let r = rate(vec![Shape::Diurnal {
            amplitude: 0.5,
            period: 86_400 * SECOND,
            peak_at: 14 * 3600 * SECOND,
        }]);
        assert!((r.at(14.0 * 3600.0) - 150.0).abs() < 1e-9);
        assert!((r.at(2.0 * 3600.0) - 50.0).abs() < 1e-9);
        let b = r.max_over(13 * 3600 * SECOND, 15 * 3600 * SECOND);
        assert!((b - 150.0).abs() < 1e-9);
    }

    #[test]
    fn bound_is_never_below_the_rate() {
        let r = rate(vec![
            Shape::Diurnal {
                amplitude: 0.3,
                period: 3600 * SECOND,
                peak_at: 0,
            },
            Shape::Profile {
                period: 7 * 86_400 * SECOND,
                points: vec![1.2, 1.2, 1.2, 1.2, 1.2, 0.5, 0.5],
                interpolate: Interpolate::Step,
                offset: 0,
            },
            Shape::Step {
                at: 500 * SECOND,
                until: Some(900 * SECOND),
                factor: 2.0,
            },
        ]);
        for seg in 0..2000u64 {
            let (a, b) = (seg * 97 * SECOND, (seg + 1) * 97 * SECOND);
            let bound = r.max_over(a, b);
            for i in 0..=20 {
                let t = to_seconds(a) + (to_seconds(b) - to_seconds(a)) * i as f64 / 20.0;
                assert!(r.at(t) <= bound * (1.0 + 1e-12), "t={t}");
            }
        }
    }

    /// Regression: sampling λ every second aliased with a 6.4 s step profile (-11 %).
    #[test]
    fn mean_over_integrates_short_step_pieces_exactly() {
        let r = rate(vec![Shape::Profile {
            period: 6_400_000,
            points: vec![1.5, 0.9, 0.6],
            interpolate: Interpolate::Step,
            offset: 115_941_000,
        }]);
        for k in 0..20u64 {
            let (a, b) = (k * 5_485_000, (k + 1) * 5_485_000);
            let n = 548_500;
            let brute = (0..n)
                .map(|i| r.at(to_seconds(a) + (i as f64 + 0.5) * 1e-5))
                .sum::<f64>()
                / n as f64;
            let m = r.mean_over(a, b);
            assert!((m - brute).abs() < 1e-3, "{k}: {m} vs {brute}");
        }
    }

    #[test]
    fn profile_interpolates_cyclically() {
        let r = rate(vec![Shape::Profile {
            period: 4 * SECOND,
            points: vec![0.5, 1.5],
            interpolate: Interpolate::Linear,
            offset: 0,
        }]);
        assert!((r.at(1.0) - 100.0).abs() < 1e-9);
        assert!((r.at(3.0) - 100.0).abs() < 1e-9);
        assert!((r.at(4.0) - 50.0).abs() < 1e-9);
        assert!((r.mean_over(0, 400 * SECOND) - 100.0).abs() < 1e-6);
    }
}
