//! `break-even.png`: each policy's cost against the spike factor, with the crossings
//! marked — where one option starts beating another. Between sampled factors a line is
//! the straight interpolation the crossings are computed from (curved on a log axis), so
//! each marker sits on both lines it marks.

use std::path::{Path, PathBuf};

use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::figure::{SIZE, house_mesh, linear_range, log_axis, money_tick, tick};
use super::layout::{LegendEntry, Swatch, header, legend, name};
use super::style::{SLO_COLOR, line_width, policy_color, text};
use super::{Area, DrawError, ensure_font};
use crate::break_even::{Crossing, Point, compared_cost};
use crate::replication::Estimate;
use crate::report::{OutputError, format};
use crate::scenario::Scenario;

/// Draws the chart into `dir/break-even.png`; returns its name.
pub(crate) fn draw_break_even(
    dir: &Path,
    scenario: &Scenario,
    points: &[Point],
    crossings: &[Crossing],
) -> Result<PathBuf, OutputError> {
    let rel = PathBuf::from("break-even.png");
    let path = dir.join(&rel);
    let fail = |message: String| OutputError::Chart {
        path: path.clone(),
        message,
    };
    ensure_font().map_err(fail)?;
    draw(&path, scenario, points, crossings).map_err(|DrawError(m)| fail(m))?;
    Ok(rel)
}

fn draw(
    path: &Path,
    scenario: &Scenario,
    points: &[Point],
    crossings: &[Crossing],
) -> Result<(), DrawError> {
    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let priced = scenario.service.penalty.is_set();
    let what = if priced {
        "all-in cost (infrastructure + penalty)"
    } else {
        "total cost"
    };
    let body = header(
        &root,
        &format!("{}: {what} as the spike grows", scenario.name),
        &format!(
            "every spike shape's factor varied, everything else as in the scenario (seed {}{}); {} crossing{}",
            scenario.seed,
            match points.first().map_or(1, Point::replications) {
                1 => String::new(),
                n => format!("; means of {n} replications, bars: 95 % CI"),
            },
            crossings.len(),
            if crossings.len() == 1 { "" } else { "s" }
        ),
    )?;
    let policies = points.first().map_or(&[][..], Point::summaries);
    let n = policies.len();
    let mut entries: Vec<LegendEntry> = policies
        .iter()
        .enumerate()
        .map(|(i, s)| LegendEntry::new(name(s), Swatch::Line(policy_color(i), line_width(n))))
        .collect();
    if !crossings.is_empty() {
        entries.push(LegendEntry::new("crossing", Swatch::Dashed(SLO_COLOR, 2)));
    }
    let area = legend(&body, &entries)?;
    let estimates: Vec<Vec<(f64, Estimate)>> = (0..n)
        .map(|i| {
            points
                .iter()
                .map(|p| {
                    (
                        p.spike_factor,
                        p.estimate(i, |s| compared_cost(scenario, s)),
                    )
                })
                .filter(|(x, e)| x.is_finite() && e.mean.is_finite())
                .collect()
        })
        .collect();
    let lines: Vec<Vec<(f64, f64)>> = estimates
        .iter()
        .map(|l| l.iter().map(|(x, e)| (*x, e.mean)).collect())
        .collect();
    // With replications: each sampled mean's 95 % interval, as an error bar.
    let bars: Vec<Vec<(f64, f64, f64)>> = estimates
        .iter()
        .map(|l| {
            l.iter()
                .filter_map(|(x, e)| e.interval().map(|(lo, hi)| (*x, lo, hi)))
                .filter(|(_, lo, hi)| lo.is_finite() && hi.is_finite() && hi > lo)
                .collect()
        })
        .collect();
    let plot = Plot {
        names: policies.iter().map(|s| s.policy.as_str()).collect(),
        lines: &lines,
        bars: &bars,
        crossings,
        y_desc: format!("{what}, USD"),
    };
    let costs = || lines.iter().flatten().map(|p| p.1);
    // Lost traffic can cost a hundred times the servers: then only a log axis shows
    // where the cheap lines cross.
    match log_axis(costs(), 30.0) {
        Some(y) => plot.draw(&area, y.coord(), true)?,
        None => plot.draw(&area, linear_range(costs().chain([0.0])), false)?,
    }
    root.present()?;
    Ok(())
}

struct Plot<'a> {
    /// Policy names, in line order.
    names: Vec<&'a str>,
    lines: &'a [Vec<(f64, f64)>],
    /// Per line, `(x, low, high)` of each sampled point's 95 % interval (none without
    /// replications).
    bars: &'a [Vec<(f64, f64, f64)>],
    crossings: &'a [Crossing],
    y_desc: String,
}

impl Plot<'_> {
    /// The lines as drawn: the sampled points joined by the linear interpolation
    /// [`crate::break_even::crossings`] uses, sampled finely on a log axis (where it is
    /// a curve), with every crossing of the line's policy as a vertex of its own.
    fn drawn(&self, log: bool) -> Vec<Vec<(f64, f64)>> {
        const STEPS: usize = 24;
        self.lines
            .iter()
            .enumerate()
            .map(|(i, line)| {
                let name = self.names.get(i).copied().unwrap_or_default();
                let mut xs: Vec<f64> = self
                    .crossings
                    .iter()
                    .filter(|c| c.cheaper_below == name || c.cheaper_above == name)
                    .map(|c| c.spike_factor)
                    .collect();
                for w in line.windows(2) {
                    // On a log axis the straight line is a curve where the cost changes
                    // by more than a few per cent; elsewhere one segment is exact enough.
                    let ratio = (w[1].1 / w[0].1).abs().ln().abs();
                    let steps = if log && ratio.is_finite() {
                        ((ratio / 0.04).ceil() as usize).clamp(1, STEPS)
                    } else {
                        1
                    };
                    xs.extend(
                        (0..steps).map(|k| w[0].0 + (w[1].0 - w[0].0) * k as f64 / steps as f64),
                    );
                }
                xs.extend(line.last().map(|p| p.0));
                xs.sort_by(f64::total_cmp);
                xs.dedup();
                xs.into_iter()
                    .filter_map(|x| interpolate(line, x).map(|y| (x, y)))
                    .filter(|p| !log || p.1 > 0.0)
                    .collect()
            })
            .collect()
    }

    fn draw<Y>(&self, area: &Area, y: Y, log: bool) -> Result<(), DrawError>
    where
        Y: AsRangedCoord<Value = f64>,
        Y::CoordDescType: ValueFormatter<f64>,
    {
        let xs = self.lines.iter().flatten().map(|p| p.0);
        let (lo, hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
            (lo.min(x), hi.max(x))
        });
        let pad = if hi > lo { (hi - lo) * 0.03 } else { 1.0 };
        let x = if lo.is_finite() {
            lo - pad..hi + pad
        } else {
            0.0..1.0
        };
        let mut chart = ChartBuilder::on(area)
            .margin_top(10)
            .margin_left(12)
            .margin_right(36)
            .margin_bottom(8)
            .x_label_area_size(58)
            .y_label_area_size(96)
            .build_cartesian_2d(x, y)?;
        let x_fmt = |v: &f64| format!("×{}", tick(*v));
        let y_fmt = |v: &f64| money_tick(*v);
        house_mesh(&mut chart.configure_mesh(), log)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .x_desc("spike factor (traffic on the spike's plateau ÷ traffic without it)")
            .y_desc(self.y_desc.as_str())
            .draw()?;
        let n = self.lines.len();
        let (y_lo, y_hi) = {
            let r = chart.y_range();
            (r.start, r.end)
        };
        for (i, (line, drawn)) in self.lines.iter().zip(self.drawn(log)).enumerate() {
            let color = policy_color(i);
            let width = line_width(n);
            chart.draw_series(LineSeries::new(drawn, color.stroke_width(width)))?;
            chart.draw_series(
                line.iter()
                    .filter(|p| !log || p.1 > 0.0)
                    .map(|&p| Circle::new(p, width + 2, color.filled())),
            )?;
            if let Some(bars) = self.bars.get(i) {
                let style = color.stroke_width(width.max(1));
                let drawn: Vec<_> = bars.iter().filter(|b| !log || b.1 > 0.0).collect();
                chart.draw_series(
                    drawn
                        .iter()
                        .map(|&&(x, lo, hi)| PathElement::new(vec![(x, lo), (x, hi)], style)),
                )?;
                // Caps, a few pixels wide whatever the axis.
                chart.draw_series(drawn.iter().flat_map(|&&(x, lo, hi)| {
                    [lo, hi].map(|y| {
                        EmptyElement::at((x, y)) + PathElement::new(vec![(-6, 0), (6, 0)], style)
                    })
                }))?;
            }
        }
        for (k, c) in self.crossings.iter().enumerate() {
            chart.draw_series(DashedLineSeries::new(
                [(c.spike_factor, y_lo), (c.spike_factor, y_hi)],
                8,
                6,
                SLO_COLOR.stroke_width(1),
            ))?;
            let label = format!(
                "×{}: {} cheaper above {} ({})",
                format::number(c.spike_factor, 2),
                c.cheaper_above,
                c.cheaper_below,
                format::money(c.cost)
            );
            // Crossings close together get their labels stacked, not overprinted.
            let stacked = self.crossings[..k]
                .iter()
                .filter(|o| (o.spike_factor - c.spike_factor).abs() < (hi - lo).max(1e-9) * 0.15)
                .count() as i32;
            chart.draw_series(std::iter::once(
                EmptyElement::at((c.spike_factor, c.cost))
                    + Circle::new((0, 0), 5, SLO_COLOR.filled())
                    + Text::new(
                        label,
                        (8, -6 - 20 * stacked),
                        text(14.0, SLO_COLOR).pos(Pos::new(HPos::Left, VPos::Bottom)),
                    ),
            ))?;
        }
        Ok(())
    }
}

/// The straight-line interpolation of `line` (sorted by x) at `x`, inside its range.
fn interpolate(line: &[(f64, f64)], x: f64) -> Option<f64> {
    let w = line.windows(2).find(|w| w[0].0 <= x && x <= w[1].0)?;
    if w[1].0 == w[0].0 {
        return Some(w[0].1);
    }
    let t = (x - w[0].0) / (w[1].0 - w[0].0);
    Some(w[0].1 + t * (w[1].1 - w[0].1))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A crossing's marker (its factor and cost) is a vertex of both lines it marks, on a
    /// log axis too, where the old marker interpolated in log space and sat off the line.
    #[test]
    fn markers_sit_on_the_lines_they_mark() {
        let fixed = vec![(1.0, 5000.0), (6.0, 5000.0)];
        let cloud = vec![(1.0, 200.0), (6.0, 100_000.0)];
        let lines = [fixed, cloud];
        let t = (5000.0 - 200.0) / (100_000.0 - 200.0);
        let c = Crossing {
            spike_factor: 1.0 + 5.0 * t,
            between: (1.0, 6.0),
            cost: 5000.0,
            cheaper_below: "cloud".into(),
            cheaper_above: "fixed".into(),
            spread: None,
        };
        let plot = Plot {
            names: vec!["fixed", "cloud"],
            lines: &lines,
            bars: &[],
            crossings: std::slice::from_ref(&c),
            y_desc: String::new(),
        };
        for log in [false, true] {
            for drawn in plot.drawn(log) {
                let on = drawn
                    .iter()
                    .any(|p| p.0 == c.spike_factor && (p.1 - c.cost).abs() < 1e-6);
                assert!(on, "log {log}: marker not on {drawn:?}");
            }
        }
        assert_eq!(interpolate(&lines[1], 3.5), Some(50_100.0));
        assert_eq!(interpolate(&lines[1], 7.0), None);
    }
}
