//! What every time-series chart shares: the time axis and its unit, the `Ctx` of one run
//! (titles, downsampling of long series), panels stacked on one time axis, linear and
//! log value ranges, the house axes and grid, and axis tick labels.

use std::ops::Range;
use std::path::Path;

use plotters::chart::MeshStyle;
use plotters::coord::combinators::{LogCoord, WithKeyPoints};
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::layout::{LegendEntry, header, legend, truncate};
use super::style::{GRID_BOLD, GRID_LIGHT, INK, MUTED, SLO_COLOR, text};
use super::{Area, DrawError};
use crate::engine::to_seconds;
use crate::metrics::Sample;
use crate::report::format;
use crate::scenario::{PolicyKind, Scenario};
use crate::simulation::{Outcome, PolicyOutcome};

/// Most points drawn per line; longer series are bucketed.
pub(super) const MAX_POINTS: usize = 2000;
/// Lines with at most this many points also get a dot per point (short runs).
const DOTS_UP_TO: usize = 40;
/// A time-series chart's size in pixels.
pub(super) const SIZE: (u32, u32) = (1200, 700);

/// The unit of the time axis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct TimeAxis {
    /// Seconds per unit.
    pub(super) seconds: f64,
    pub(super) name: &'static str,
}

pub(super) fn time_axis(horizon_s: f64) -> TimeAxis {
    let (seconds, name) = if horizon_s >= 3.0 * 86_400.0 {
        (86_400.0, "days")
    } else if horizon_s >= 3.0 * 3600.0 {
        (3600.0, "hours")
    } else if horizon_s >= 3.0 * 60.0 {
        (60.0, "minutes")
    } else {
        (1.0, "seconds")
    };
    TimeAxis { seconds, name }
}

/// How a bucket of consecutive samples becomes one drawn point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Agg {
    Mean,
    Max,
    Last,
}

pub(super) struct Ctx<'a> {
    pub(super) scenario: &'a Scenario,
    /// Replication 0's policies: the time series drawn.
    pub(super) policies: &'a [PolicyOutcome],
    /// Every replication (the summary chart's means and intervals).
    pub(super) replications: &'a [Outcome],
    pub(super) time: TimeAxis,
    /// The time axis range, in `time` units.
    pub(super) x: Range<f64>,
    /// Samples per drawn point (1 when nothing is downsampled).
    pub(super) stride: usize,
    pub(super) sample_every: String,
    pub(super) horizon: String,
}

impl<'a> Ctx<'a> {
    pub(super) fn new(scenario: &'a Scenario, outcomes: &'a [Outcome]) -> Ctx<'a> {
        let policies: &'a [PolicyOutcome] = outcomes.first().map_or(&[], |o| &o.policies);
        let last_sample = policies
            .iter()
            .flat_map(|p| p.series.last())
            .map(|s| s.time_s)
            .filter(|t| t.is_finite())
            .fold(0.0, f64::max);
        let horizon_s = to_seconds(scenario.horizon).max(last_sample);
        let time = time_axis(horizon_s);
        let end = horizon_s / time.seconds;
        let x = if end.is_finite() && end > 0.0 {
            0.0..end
        } else {
            0.0..1.0
        };
        let stride = policies
            .iter()
            .map(|p| bucket_stride(&p.series, time))
            .max()
            .unwrap_or(1);
        Ctx {
            scenario,
            policies,
            replications: outcomes,
            time,
            x,
            stride,
            sample_every: format::span(to_seconds(scenario.sample_every)),
            horizon: format::span(horizon_s),
        }
    }

    pub(super) fn title(&self, what: &str) -> String {
        format!("{}: {what}", truncate(&self.scenario.name, 60))
    }

    /// Horizon, sampling, and how lines were reduced (with `how` = "mean"/"max").
    pub(super) fn subtitle(&self, how: &str) -> String {
        let mut s = format!(
            "horizon {}, one sample every {}",
            self.horizon, self.sample_every
        );
        let per_day = 86_400.0 / to_seconds(self.scenario.sample_every);
        if self.stride > 1 && (self.stride as f64 - per_day).abs() < 0.5 {
            s.push_str(&format!("; lines show the daily {how}"));
        } else if self.stride > 1 {
            s.push_str(&format!(
                "; lines show the {how} of every {} samples",
                self.stride
            ));
        }
        if let [first, _, ..] = self.replications {
            s.push_str(&format!(
                "; first of {} replications (seed {})",
                self.replications.len(),
                first.seed
            ));
        }
        if !self.scenario.description.is_empty() {
            s.push_str(" — ");
            s.push_str(&self.scenario.description);
        }
        truncate(&s, 150)
    }

    pub(super) fn points(
        &self,
        series: &[Sample],
        agg: Agg,
        value: impl Fn(&Sample) -> Option<f64>,
    ) -> Vec<(f64, f64)> {
        downsample(series, self.time, agg, value)
    }

    /// Autoscale policies that mix purchase options, with their outcomes.
    pub(super) fn mixed_policies(&self) -> impl Iterator<Item = &'a PolicyOutcome> + '_ {
        self.scenario
            .policies
            .iter()
            .zip(self.policies)
            .filter(|(spec, _)| spec.kind.cloud().is_some_and(|a| a.purchase.is_mixed()))
            .map(|(_, p)| p)
    }

    /// Hybrid policies, with their outcomes.
    pub(super) fn hybrids(&self) -> impl Iterator<Item = &'a PolicyOutcome> + '_ {
        self.scenario
            .policies
            .iter()
            .zip(self.policies)
            .filter(|(spec, _)| matches!(spec.kind, PolicyKind::Hybrid(_)))
            .map(|(_, p)| p)
    }

    /// Indices (colours) of the autoscaling policies.
    pub(super) fn autoscalers(&self) -> impl Iterator<Item = usize> + '_ {
        self.policies
            .iter()
            .enumerate()
            .filter(|(_, p)| p.summary.policy_type == "autoscale")
            .map(|(i, _)| i)
    }

    /// The first non-empty series (offered load and arrivals are the same for all).
    pub(super) fn reference_series(&self) -> Option<&'a [Sample]> {
        self.policies
            .iter()
            .map(|p| p.series.as_slice())
            .find(|s| !s.is_empty())
    }
}

fn stride_for(len: usize) -> usize {
    len.div_ceil(MAX_POINTS).max(1)
}

/// Samples per drawn point: at most [`MAX_POINTS`] points, and on a time axis in days
/// whole days (a year of hourly samples is a solid band otherwise).
fn bucket_stride(series: &[Sample], time: TimeAxis) -> usize {
    let stride = stride_for(series.len());
    if time.seconds >= 86_400.0
        && let [a, b, ..] = series
    {
        let per_day = (86_400.0 / (b.time_s - a.time_s)).round();
        if per_day.is_finite() && per_day > 1.0 {
            return stride.max(per_day as usize);
        }
    }
    stride
}

/// `(time in axis units, value)` points, at most [`MAX_POINTS`]; non-finite values and
/// `None` are skipped. A bucket is drawn at the end time of its last sample.
pub(super) fn downsample(
    series: &[Sample],
    time: TimeAxis,
    agg: Agg,
    value: impl Fn(&Sample) -> Option<f64>,
) -> Vec<(f64, f64)> {
    let stride = bucket_stride(series, time);
    series
        .chunks(stride)
        .filter_map(|bucket| {
            let t = bucket.last()?.time_s / time.seconds;
            let values = bucket.iter().filter_map(&value).filter(|v| sane(*v));
            let v = match agg {
                Agg::Mean => {
                    let (sum, n) = values.fold((0.0, 0u32), |(s, n), v| (s + v, n + 1));
                    (n > 0).then(|| sum / f64::from(n))
                }
                Agg::Max => values.reduce(f64::max),
                Agg::Last => values.last(),
            }?;
            sane(t).then_some((t, v))
        })
        .collect()
}

/// Finite and far from overflowing when padded.
pub(super) fn sane(v: f64) -> bool {
    v.is_finite() && v.abs() < 1e300
}

// ---------------------------------------------------------------------------------------
// Panels on the time axis
// ---------------------------------------------------------------------------------------

pub(super) struct Line {
    pub(super) color: RGBColor,
    pub(super) width: u32,
    pub(super) points: Vec<(f64, f64)>,
    /// Drawn as a vertical stem from 0 at each point (rare events), not joined.
    pub(super) stems: bool,
}

/// A horizontal reference line (e.g. the SLO), dashed, labelled at the right.
pub(super) struct RefLine {
    pub(super) y: f64,
    pub(super) label: String,
}

pub(super) struct Panel {
    pub(super) y_desc: String,
    pub(super) y_fmt: fn(f64) -> String,
    pub(super) lines: Vec<Line>,
    pub(super) refs: Vec<RefLine>,
    /// Use a log y axis when the positive values span more than this ratio.
    pub(super) log_if_ratio_over: Option<f64>,
    /// Shown in the middle of the panel when no line has a non-zero point.
    pub(super) empty_note: String,
}

impl Panel {
    fn values(&self) -> impl Iterator<Item = f64> + '_ {
        self.lines
            .iter()
            .flat_map(|l| l.points.iter().map(|p| p.1))
            .chain(self.refs.iter().map(|r| r.y))
            .filter(|v| sane(*v))
    }

    fn has_signal(&self) -> bool {
        self.lines
            .iter()
            .any(|l| l.points.iter().any(|p| p.1 != 0.0))
    }
}

/// `0..max` padded (or `min..max` if something is negative); never empty.
pub(super) fn linear_range(values: impl Iterator<Item = f64>) -> Range<f64> {
    let (lo, hi) = values.fold((0.0f64, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let span = hi - lo;
    if !(span.is_finite() && span > 0.0) {
        return lo..lo + 1.0;
    }
    let pad = span * 0.08;
    (if lo < 0.0 { lo - pad } else { lo })..hi + pad
}

/// A log range over the positive values if they span more than `ratio`, widened to
/// 1-2-5 steps, with its labelled (1-2-5) and light (1..9) key points.
pub(super) fn log_axis(values: impl Iterator<Item = f64>, ratio: f64) -> Option<LogAxis> {
    let (lo, hi) = values
        .filter(|v| *v > 0.0)
        .fold((f64::INFINITY, 0.0f64), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if !(lo.is_finite() && hi > 0.0 && hi / lo > ratio) {
        return None;
    }
    let first_decade = lo.log10().floor() as i32;
    let last_decade = hi.log10().ceil() as i32;
    if !(-300..=300).contains(&first_decade) || !(-300..=300).contains(&last_decade) {
        return None;
    }
    let steps = |mults: &'static [f64]| {
        (first_decade - 1..=last_decade)
            .flat_map(move |d| mults.iter().map(move |m| m * 10f64.powi(d)))
    };
    let start = steps(&[1.0, 2.0, 5.0])
        .filter(|v| *v <= lo / 1.15)
        .fold(f64::NAN, f64::max);
    let end = steps(&[1.0, 2.0, 5.0, 10.0])
        .find(|v| *v >= hi * 1.15)
        .unwrap_or(hi);
    if !(start > 0.0 && end > start) {
        return None;
    }
    let inside = |v: &f64| *v >= start * (1.0 - 1e-9) && *v <= end * (1.0 + 1e-9);
    Some(LogAxis {
        range: start..end,
        labels: steps(&[1.0, 2.0, 5.0]).filter(inside).collect(),
        light: steps(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])
            .filter(inside)
            .collect(),
    })
}

pub(super) struct LogAxis {
    range: Range<f64>,
    labels: Vec<f64>,
    light: Vec<f64>,
}

impl LogAxis {
    /// The axis to build a chart on: log scale, with its labelled and light key points.
    pub(super) fn coord(self) -> WithKeyPoints<LogCoord<f64>> {
        self.range
            .log_scale()
            .with_key_points(self.labels)
            .with_light_points(self.light)
    }
}

/// One figure: header, legend, then `panels` stacked (height shares), sharing the time
/// axis; only the bottom panel names it.
pub(super) fn time_figure(
    path: &Path,
    ctx: &Ctx,
    titles: (&str, &str),
    entries: &[LegendEntry],
    panels: &[(Panel, u32)],
) -> Result<(), DrawError> {
    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let body = header(&root, titles.0, titles.1)?;
    let mut rest = legend(&body, entries)?;
    let total: u32 = panels.iter().map(|p| p.1).sum::<u32>().max(1);
    let height = rest.dim_in_pixel().1;
    let x_desc = format!("time since start ({})", ctx.time.name);
    for (i, (panel, share)) in panels.iter().enumerate() {
        let last = i + 1 == panels.len();
        let area = if last {
            rest.clone()
        } else {
            let (a, b) = rest.split_vertically(height * share / total);
            rest = b;
            a
        };
        let desc = last.then_some(x_desc.as_str());
        let log = panel
            .log_if_ratio_over
            .and_then(|r| log_axis(panel.values(), r));
        match log {
            Some(y) => draw_panel(&area, ctx, desc, y.coord(), panel, true)?,
            None => draw_panel(&area, ctx, desc, linear_range(panel.values()), panel, false)?,
        }
    }
    root.present()?;
    Ok(())
}

fn draw_panel<Y>(
    area: &Area,
    ctx: &Ctx,
    x_desc: Option<&str>,
    y: Y,
    panel: &Panel,
    log: bool,
) -> Result<(), DrawError>
where
    Y: AsRangedCoord<Value = f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let mut chart = ChartBuilder::on(area)
        .margin_top(10)
        .margin_left(12)
        .margin_right(36)
        .margin_bottom(if x_desc.is_some() { 8 } else { 4 })
        .x_label_area_size(if x_desc.is_some() { 58 } else { 30 })
        .y_label_area_size(96)
        .build_cartesian_2d(ctx.x.clone(), y)?;
    let x_fmt = |v: &f64| tick(*v);
    let y_fmt = |v: &f64| (panel.y_fmt)(*v);
    let mut mesh = chart.configure_mesh();
    house_mesh(&mut mesh, log)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .y_desc(panel.y_desc.as_str());
    if let Some(d) = x_desc {
        mesh.x_desc(d);
    }
    mesh.draw()?;

    let keep = |p: &&(f64, f64)| !log || p.1 > 0.0;
    for (i, line) in panel.lines.iter().enumerate() {
        let points: Vec<(f64, f64)> = line.points.iter().filter(keep).copied().collect();
        let style = line.color.stroke_width(line.width);
        if line.stems {
            chart.draw_series(
                points
                    .iter()
                    .filter(|p| p.1 != 0.0)
                    .map(|&(x, y)| PathElement::new([(x, 0.0), (x, y)], style)),
            )?;
            continue;
        }
        if points.len() <= DOTS_UP_TO {
            let r = line.width + 1;
            chart.draw_series(
                points
                    .iter()
                    .map(|&p| Circle::new(p, r, line.color.filled())),
            )?;
        }
        // A line identical to an earlier one is dashed, so both colours show.
        if panel.lines[..i]
            .iter()
            .any(|l| same_points(&l.points, &line.points))
        {
            chart.draw_series(DashedLineSeries::new(points, 14, 14, style))?;
        } else {
            chart.draw_series(LineSeries::new(points, style))?;
        }
    }

    let x0 = ctx.x.start;
    let x1 = ctx.x.end;
    for r in &panel.refs {
        chart.draw_series(DashedLineSeries::new(
            [(x0, r.y), (x1, r.y)],
            10,
            6,
            SLO_COLOR.stroke_width(2),
        ))?;
        // On a white plate, so lines running just above the reference stay readable.
        let style = text(14.0, SLO_COLOR).pos(Pos::new(HPos::Right, VPos::Bottom));
        let (w, h) = area.estimate_text_size(&r.label, &style)?;
        let (w, h) = (w as i32, h as i32);
        chart.draw_series(std::iter::once(
            EmptyElement::at((x1, r.y))
                + Rectangle::new([(-w - 10, -h - 8), (-2, -2)], WHITE.mix(0.85).filled())
                + Text::new(r.label.clone(), (-6, -4), style),
        ))?;
    }

    if !panel.has_signal() {
        let plot = chart.plotting_area().strip_coord_spec();
        let (w, h) = plot.dim_in_pixel();
        plot.draw(&Text::new(
            panel.empty_note.clone(),
            (w as i32 / 2, h as i32 / 2),
            text(18.0, MUTED).pos(Pos::new(HPos::Center, VPos::Center)),
        ))?;
    }
    Ok(())
}

/// Every chart's axes and grid: label sizes, grid shades, light lines (more on a log axis).
pub(super) fn house_mesh<'m, 'a, 'b, X, Y, DB>(
    mesh: &'m mut MeshStyle<'a, 'b, X, Y, DB>,
    log: bool,
) -> &'m mut MeshStyle<'a, 'b, X, Y, DB>
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
    DB: DrawingBackend,
{
    mesh.x_labels(12)
        .y_labels(if log { 12 } else { 8 })
        .label_style(text(15.0, INK))
        .axis_desc_style(text(16.0, INK))
        .bold_line_style(GRID_BOLD)
        .light_line_style(GRID_LIGHT)
        .x_max_light_lines(2)
        .y_max_light_lines(if log { 10 } else { 2 })
        .axis_style(MUTED)
}

fn same_points(a: &[(f64, f64)], b: &[(f64, f64)]) -> bool {
    let close = |x: f64, y: f64| (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0);
    !a.is_empty()
        && a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(p, q)| close(p.0, q.0) && close(p.1, q.1))
}

// ---------------------------------------------------------------------------------------
// Axis tick labels
// ---------------------------------------------------------------------------------------

/// Tick labels of a plain axis: `0.3`, `12,000`.
pub(super) fn tick(v: f64) -> String {
    format::number(v, 6)
}

/// Ticks of a count axis: whole numbers only (plotters may put key points between).
pub(super) fn count_tick(v: f64) -> String {
    if v.fract() == 0.0 {
        format::number(v, 0)
    } else {
        String::new()
    }
}

/// Tick labels of a money axis: `$0.5`, `$1,000`.
pub(super) fn money_tick(v: f64) -> String {
    format::dollars(v, 2)
}
