//! `break-even.png`: each policy's cost against the spike factor, with the crossings
//! marked — where one option starts beating another.

use std::path::{Path, PathBuf};

use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::figure::{SIZE, house_mesh, linear_range, log_axis, money_tick, tick};
use super::layout::{LegendEntry, Swatch, header, legend, name};
use super::style::{SLO_COLOR, line_width, policy_color, text};
use super::{Area, DrawError, ensure_font};
use crate::break_even::{Crossing, Point, compared_cost};
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
            "every spike shape's factor varied, everything else as in the scenario (seed {}); {} crossing{}",
            scenario.seed,
            crossings.len(),
            if crossings.len() == 1 { "" } else { "s" }
        ),
    )?;
    let policies = points.first().map_or(&[][..], |p| p.summaries.as_slice());
    let n = policies.len();
    let mut entries: Vec<LegendEntry> = policies
        .iter()
        .enumerate()
        .map(|(i, s)| LegendEntry::new(name(s), Swatch::Line(policy_color(i), line_width(i, n))))
        .collect();
    if !crossings.is_empty() {
        entries.push(LegendEntry::new("crossing", Swatch::Dashed(SLO_COLOR, 2)));
    }
    let area = legend(&body, &entries)?;
    let lines: Vec<Vec<(f64, f64)>> = (0..n)
        .map(|i| {
            points
                .iter()
                .map(|p| (p.spike_factor, compared_cost(scenario, &p.summaries[i])))
                .filter(|(x, y)| x.is_finite() && y.is_finite())
                .collect()
        })
        .collect();
    let plot = Plot {
        names: policies.iter().map(|s| s.policy.as_str()).collect(),
        lines: &lines,
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
    crossings: &'a [Crossing],
    y_desc: String,
}

impl Plot<'_> {
    /// Where to mark a crossing: on the cheaper-below policy's line as drawn — a
    /// straight segment, in log space when the axis is logarithmic.
    fn marker_y(&self, c: &Crossing, log: bool) -> f64 {
        let line = self
            .names
            .iter()
            .position(|n| *n == c.cheaper_below)
            .and_then(|i| self.lines.get(i));
        let segment = line.and_then(|l| {
            l.windows(2)
                .find(|w| w[0].0 <= c.spike_factor && c.spike_factor <= w[1].0)
        });
        let Some(w) = segment else {
            return c.cost;
        };
        let t = (c.spike_factor - w[0].0) / (w[1].0 - w[0].0);
        if log && w[0].1 > 0.0 && w[1].1 > 0.0 {
            (w[0].1.ln() + t * (w[1].1.ln() - w[0].1.ln())).exp()
        } else {
            w[0].1 + t * (w[1].1 - w[0].1)
        }
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
        for (i, line) in self.lines.iter().enumerate() {
            let color = policy_color(i);
            let width = line_width(i, n);
            let line: Vec<(f64, f64)> =
                line.iter().copied().filter(|p| !log || p.1 > 0.0).collect();
            chart.draw_series(LineSeries::new(line.clone(), color.stroke_width(width)))?;
            chart.draw_series(
                line.iter()
                    .map(|&p| Circle::new(p, width + 2, color.filled())),
            )?;
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
                EmptyElement::at((c.spike_factor, self.marker_y(c, log)))
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
