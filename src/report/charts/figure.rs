//! What every time-series chart shares, as data: the time axis and its unit, the `Ctx`
//! of one run (titles, the spike window to zoom on), the traces handed to plotters
//! (every sample, or per pixel column the samples' range and a line), and figures made
//! of panels — one stack of panels, or one per policy (small multiples) — with their
//! value ranges. `draw.rs` turns a [`Figure`] into pixels.

use std::ops::Range;
use std::path::Path;

use plotters::chart::MeshStyle;
use plotters::coord::combinators::{LogCoord, WithKeyPoints};
use plotters::prelude::*;

use super::DrawError;
use super::layout::{LegendEntry, truncate};
use super::style::{INK, MUTED, text};
use crate::engine::to_seconds;
use crate::metrics::Sample;
use crate::report::format;
use crate::scenario::{PolicyKind, Scenario, Shape};
use crate::simulation::{Outcome, PolicyOutcome};

/// A time-series chart's size in pixels (one stack of panels).
pub(super) const SIZE: (u32, u32) = (1200, 700);
/// The width of a small-multiples figure: [`MULTIPLES_COLS`] panels a row.
pub(super) const WIDE: u32 = 1500;
/// Above this many policies, a chart that would overlay one line per policy draws one
/// panel per policy instead (small multiples).
pub(super) const MAX_OVERLAID: usize = 6;
/// Panels per row of small multiples.
pub(super) const MULTIPLES_COLS: usize = 3;
/// A panel's pixels that are not plot, left to right: margin, y labels, margin.
pub(super) const PANEL_MARGIN_LEFT: u32 = 12;
pub(super) const Y_LABEL_W: u32 = 96;
pub(super) const PANEL_MARGIN_RIGHT: u32 = 36;

/// The unit of a time axis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct TimeAxis {
    /// Seconds per unit.
    pub(super) seconds: f64,
    pub(super) name: &'static str,
}

pub(super) fn time_axis(span_s: f64) -> TimeAxis {
    let (seconds, name) = if span_s >= 3.0 * 86_400.0 {
        (86_400.0, "days")
    } else if span_s >= 3.0 * 3600.0 {
        (3600.0, "hours")
    } else if span_s >= 3.0 * 60.0 {
        (60.0, "minutes")
    } else {
        (1.0, "seconds")
    };
    TimeAxis { seconds, name }
}

/// A panel's x axis: a time unit and the range shown, in that unit.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct XAxis {
    pub(super) time: TimeAxis,
    pub(super) range: Range<f64>,
    /// Ticks read `h:mm` (a zoomed window, in hours).
    pub(super) clock: bool,
}

impl XAxis {
    pub(super) fn desc(&self) -> String {
        if self.clock {
            "time since start (h:mm)".to_string()
        } else {
            format!("time since start ({})", self.time.name)
        }
    }

    pub(super) fn tick(&self, v: f64) -> String {
        if self.clock {
            let minutes = (v * 60.0).round().max(0.0) as u64;
            format!("{}:{:02}", minutes / 60, minutes % 60)
        } else {
            tick(v)
        }
    }

    /// `seconds` since the start, in this axis's unit.
    pub(super) fn at(&self, seconds: f64) -> f64 {
        seconds / self.time.seconds
    }
}

/// How a pixel column's samples become its line value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Agg {
    Mean,
    Max,
    Last,
}

/// One pixel column of a [`Trace::Band`]: the range of its samples and the line value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Column {
    /// The column's centre, in axis units.
    pub(super) x: f64,
    pub(super) lo: f64,
    pub(super) hi: f64,
    pub(super) line: f64,
}

/// What one line draws.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Trace {
    /// Every sample, `(time, value)`: there are no more of them than pixel columns.
    Points(Vec<(f64, f64)>),
    /// More samples than pixel columns: per column (`width` axis units wide) that has
    /// samples, their minimum and maximum (drawn as a band) and their mean, maximum or
    /// last value (the line). Within-day detail survives any horizon.
    Band { width: f64, columns: Vec<Column> },
}

impl Trace {
    /// The line through the trace: every point, or every column's line value.
    pub(super) fn line(&self) -> Vec<(f64, f64)> {
        match self {
            Trace::Points(p) => p.clone(),
            Trace::Band { columns, .. } => columns.iter().map(|c| (c.x, c.line)).collect(),
        }
    }

    /// Every value drawn: points, or band edges and line values.
    pub(super) fn values(&self) -> Box<dyn Iterator<Item = f64> + '_> {
        match self {
            Trace::Points(p) => Box::new(p.iter().map(|p| p.1)),
            Trace::Band { columns, .. } => {
                Box::new(columns.iter().flat_map(|c| [c.lo, c.hi, c.line]))
            }
        }
    }

    /// Points drawn (or pixel columns with samples).
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        match self {
            Trace::Points(p) => p.len(),
            Trace::Band { columns, .. } => columns.len(),
        }
    }

    pub(super) fn is_band(&self) -> bool {
        matches!(self, Trace::Band { .. })
    }
}

/// The samples of `series` that end inside `x` (non-finite values and `None` skipped):
/// all of them when they fit in `columns` pixel columns, else per column their range and
/// the `agg` of them. With every sample drawn, the nearest sample outside the window on
/// each side is kept too, so the line runs to the edges (drawing clips it).
pub(super) fn trace(
    series: &[Sample],
    x: &XAxis,
    columns: usize,
    agg: Agg,
    value: impl Fn(&Sample) -> Option<f64>,
) -> Trace {
    let (start, end) = (x.range.start, x.range.end);
    let points: Vec<(f64, f64)> = series
        .iter()
        .filter_map(|s| {
            let v = value(s).filter(|v| sane(*v))?;
            let t = x.at(s.time_s);
            sane(t).then_some((t, v))
        })
        .collect();
    let inside = |t: f64| t >= start - 1e-9 && t <= end + 1e-9;
    let first = points.iter().position(|p| inside(p.0));
    let last = points.iter().rposition(|p| inside(p.0));
    let (Some(first), Some(last)) = (first, last) else {
        return Trace::Points(Vec::new());
    };
    let columns = columns.max(1);
    if last + 1 - first <= columns {
        let from = first.saturating_sub(1);
        let to = (last + 2).min(points.len());
        return Trace::Points(points[from..to].to_vec());
    }
    let width = (end - start) / columns as f64;
    let mut acc: Vec<Option<ColumnAcc>> = vec![None; columns];
    for &(t, v) in &points[first..=last] {
        let k = (((t - start) / width).floor().max(0.0) as usize).min(columns - 1);
        acc[k] = Some(match acc[k] {
            None => (v, v, v, 1, v),
            Some((lo, hi, sum, n, _)) => (lo.min(v), hi.max(v), sum + v, n + 1, v),
        });
    }
    let columns = acc
        .iter()
        .enumerate()
        .filter_map(|(k, a)| {
            let (lo, hi, sum, n, last) = (*a)?;
            let line = match agg {
                Agg::Mean => sum / f64::from(n),
                Agg::Max => hi,
                Agg::Last => last,
            };
            Some(Column {
                x: start + (k as f64 + 0.5) * width,
                lo,
                hi,
                line,
            })
        })
        .collect();
    Trace::Band { width, columns }
}

/// What one pixel column has seen so far: (min, max, sum, count, last).
type ColumnAcc = (f64, f64, f64, u32, f64);

/// Finite and far from overflowing when padded.
pub(super) fn sane(v: f64) -> bool {
    v.is_finite() && v.abs() < 1e300
}

/// Pixel columns of the plot in a panel of a figure `width` pixels wide with `cols`
/// panels a row.
pub(super) fn plot_columns(width: u32, cols: usize) -> usize {
    let cell = width / cols.max(1) as u32;
    cell.saturating_sub(PANEL_MARGIN_LEFT + Y_LABEL_W + PANEL_MARGIN_RIGHT)
        .max(50) as usize
}

// ---------------------------------------------------------------------------------------
// The run being charted
// ---------------------------------------------------------------------------------------

/// A window of the run drawn at full resolution: the spike (or the largest rise in
/// demand), with some time before and after.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Zoom {
    /// Start and end, seconds since the start of the run.
    pub(super) from_s: f64,
    pub(super) to_s: f64,
    /// The zoomed panel's axis.
    pub(super) x: XAxis,
    /// What is zoomed on: `the ×3 spike at 2:00`.
    pub(super) what: String,
}

pub(super) struct Ctx<'a> {
    pub(super) scenario: &'a Scenario,
    /// Replication 0's policies: the time series drawn.
    pub(super) policies: &'a [PolicyOutcome],
    /// Every replication (the summary chart's means and intervals).
    pub(super) replications: &'a [Outcome],
    /// The whole run.
    pub(super) x: XAxis,
    pub(super) zoom: Option<Zoom>,
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
        let range = if sane(end) && end > 0.0 {
            0.0..end
        } else {
            0.0..1.0
        };
        let reference = policies
            .iter()
            .map(|p| p.series.as_slice())
            .find(|s| !s.is_empty());
        Ctx {
            scenario,
            policies,
            replications: outcomes,
            x: XAxis {
                time,
                range,
                clock: false,
            },
            zoom: zoom_window(scenario, reference.unwrap_or(&[]), horizon_s),
            sample_every: format::span(to_seconds(scenario.sample_every)),
            horizon: format::span(horizon_s),
        }
    }

    pub(super) fn title(&self, what: &str) -> String {
        format!("{}: {what}", truncate(&self.scenario.name, 60))
    }

    /// Horizon, sampling, how samples were reduced to pixel columns (`reduction`, if
    /// they were), replications and the description; in full (the header wraps it).
    pub(super) fn subtitle(&self, reduction: Option<&str>) -> String {
        let mut s = format!(
            "horizon {}, one sample every {}",
            self.horizon, self.sample_every
        );
        if let Some(r) = reduction {
            s.push_str("; more samples than pixels: ");
            s.push_str(r);
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
        s
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

    /// Whether policy `i` is a fixed fleet (own servers or a lease): drawn dashed.
    pub(super) fn is_fixed_fleet(&self, i: usize) -> bool {
        self.policies
            .get(i)
            .is_some_and(|p| matches!(p.summary.policy_type.as_str(), "fixed" | "lease"))
    }

    /// The first non-empty series (offered load and arrivals are the same for all).
    pub(super) fn reference_series(&self) -> Option<&'a [Sample]> {
        self.policies
            .iter()
            .map(|p| p.series.as_slice())
            .find(|s| !s.is_empty())
    }
}

/// The window to zoom on: around the tallest `spike` shape (the first of equals), else
/// around the largest rise of the offered load within ten minutes if it is at least half
/// the mean load. `None` when nothing stands out, or the window would be half the run or
/// more (the whole run shows it as well).
fn zoom_window(scenario: &Scenario, reference: &[Sample], horizon_s: f64) -> Option<Zoom> {
    let sample_s = to_seconds(scenario.sample_every);
    let spike = scenario
        .workload
        .shapes
        .iter()
        .filter_map(|s| match *s {
            Shape::Spike {
                start,
                ramp_up,
                hold,
                ramp_down,
                decay,
                factor,
            } if factor > 1.0 => Some((start, ramp_up + hold, decay.unwrap_or(ramp_down), factor)),
            _ => None,
        })
        .fold(None, |best: Option<(u64, u64, u64, f64)>, s| match best {
            Some(b) if b.3 >= s.3 => Some(b),
            _ => Some(s),
        });
    let (from_s, to_s, what) = if let Some((start, rise, fall, factor)) = spike {
        let start_s = to_seconds(start);
        // The rise and plateau, and as much of the way down (a long decay is cut).
        let rise_s = to_seconds(rise);
        let span = rise_s + to_seconds(fall).min(rise_s.max(sample_s));
        let before = (span / 2.0).max(600.0).max(5.0 * sample_s);
        let after = span.max(1200.0).max(10.0 * sample_s);
        (
            start_s - before,
            start_s + span + after,
            format!(
                "the ×{} spike at {}",
                format::number(factor, 2),
                clock(start_s)
            ),
        )
    } else {
        let rates: Vec<(f64, f64)> = reference
            .iter()
            .map(|s| (s.time_s, s.offered_rate))
            .filter(|p| sane(p.0) && sane(p.1))
            .collect();
        let mean = rates.iter().map(|p| p.1).sum::<f64>() / rates.len().max(1) as f64;
        let k = ((600.0 / sample_s).round() as usize).max(1);
        let (at, rise) = (1..rates.len())
            .map(|i| {
                let low = rates[i.saturating_sub(k)..i]
                    .iter()
                    .map(|p| p.1)
                    .fold(f64::INFINITY, f64::min);
                (rates[i].0, rates[i].1 - low)
            })
            .fold((0.0, 0.0), |best, c| if c.1 > best.1 { c } else { best });
        if !(mean > 0.0 && rise >= 0.5 * mean) {
            return None;
        }
        (
            at - (1800.0f64).max(10.0 * sample_s),
            at + (3600.0f64).max(20.0 * sample_s),
            format!("the largest rise in demand, at {}", clock(at)),
        )
    };
    let (from_s, to_s) = (from_s.max(0.0), to_s.min(horizon_s));
    if !(sane(from_s) && sane(to_s) && to_s > from_s && to_s - from_s <= 0.5 * horizon_s) {
        return None;
    }
    // Hours as h:mm up to three days in, days (with decimals) beyond.
    let clock = to_s <= 3.0 * 86_400.0;
    let time = if clock {
        time_axis(3.0 * 3600.0)
    } else {
        time_axis(3.0 * 86_400.0)
    };
    Some(Zoom {
        from_s,
        to_s,
        x: XAxis {
            time,
            range: from_s / time.seconds..to_s / time.seconds,
            clock,
        },
        what,
    })
}

/// Seconds since the start as `h:mm` (`26:05`), or `day d, h:mm` from three days on.
pub(super) fn clock(s: f64) -> String {
    let minutes = (s / 60.0).round().max(0.0) as u64;
    let (h, m) = (minutes / 60, minutes % 60);
    if h >= 72 {
        format!("day {}, {}:{m:02}", h / 24, h % 24)
    } else {
        format!("{h}:{m:02}")
    }
}

// ---------------------------------------------------------------------------------------
// Figures and panels
// ---------------------------------------------------------------------------------------

/// How a line is stroked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Stroke {
    Solid,
    /// Fixed fleets (own servers, leases).
    Dashed,
    /// A vertical stem from 0 at each point (rare events), not joined.
    Stems,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Line {
    pub(super) color: RGBColor,
    pub(super) width: u32,
    pub(super) trace: Trace,
    pub(super) stroke: Stroke,
}

/// A horizontal reference line (e.g. the SLO), dashed, labelled at the right.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct RefLine {
    pub(super) y: f64,
    pub(super) label: String,
}

/// A panel's value axis.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum YAxis {
    Linear(Range<f64>),
    Log(LogAxis),
}

impl YAxis {
    /// The values the axis spans.
    pub(super) fn range(&self) -> Range<f64> {
        match self {
            YAxis::Linear(r) => r.clone(),
            YAxis::Log(l) => l.range.clone(),
        }
    }
}

pub(super) struct Panel {
    /// A caption over the plot, in a colour (a small multiple's policy).
    pub(super) title: Option<(String, RGBColor)>,
    pub(super) x: XAxis,
    /// An x window shaded behind the data (the one zoomed on below).
    pub(super) highlight: Option<Range<f64>>,
    pub(super) y_desc: String,
    pub(super) y_fmt: fn(f64) -> String,
    pub(super) lines: Vec<Line>,
    pub(super) refs: Vec<RefLine>,
    /// Use a log y axis when the positive values span more than this ratio.
    pub(super) log_if_ratio_over: Option<f64>,
    /// The y axis shared with other panels ([`Figure::share_y`]); else fitted to this
    /// panel's values.
    pub(super) shared_y: Option<YAxis>,
    /// Shown in the middle of the panel when no line has a non-zero point.
    pub(super) empty_note: String,
}

impl Panel {
    /// A linear panel on `x` with these lines, no title, no reference line.
    pub(super) fn new(x: &XAxis, y_desc: impl Into<String>, lines: Vec<Line>) -> Panel {
        Panel {
            title: None,
            x: x.clone(),
            highlight: None,
            y_desc: y_desc.into(),
            y_fmt: tick,
            lines,
            refs: Vec::new(),
            log_if_ratio_over: None,
            shared_y: None,
            empty_note: "no samples".into(),
        }
    }

    pub(super) fn values(&self) -> impl Iterator<Item = f64> + '_ {
        self.lines
            .iter()
            .flat_map(|l| l.trace.values())
            .chain(self.refs.iter().map(|r| r.y))
            .filter(|v| sane(*v))
    }

    pub(super) fn has_signal(&self) -> bool {
        self.lines
            .iter()
            .any(|l| l.trace.values().any(|v| v != 0.0 && sane(v)))
    }

    /// The y axis the panel is drawn on: shared, or log when asked for and the values
    /// span enough, else linear from 0 (from the lowest value if one is negative).
    pub(super) fn y_axis(&self) -> YAxis {
        if let Some(y) = &self.shared_y {
            return y.clone();
        }
        y_axis_of(&self.values().collect::<Vec<_>>(), self.log_if_ratio_over)
    }
}

fn y_axis_of(values: &[f64], log_ratio: Option<f64>) -> YAxis {
    match log_ratio.and_then(|r| log_axis(values.iter().copied(), r)) {
        Some(l) => YAxis::Log(l),
        None => YAxis::Linear(linear_range(values.iter().copied())),
    }
}

/// One chart: a header, a legend, then cells in rows of `cols`, each a stack of panels
/// with height shares.
pub(super) struct Figure {
    pub(super) size: (u32, u32),
    pub(super) title: String,
    pub(super) subtitle: String,
    pub(super) legend: Vec<LegendEntry>,
    pub(super) cols: usize,
    pub(super) cells: Vec<Vec<(Panel, u32)>>,
}

impl Figure {
    /// Every panel, cell by cell.
    pub(super) fn panels(&self) -> impl Iterator<Item = &Panel> {
        self.cells.iter().flatten().map(|(p, _)| p)
    }

    /// Whether any line is drawn as pixel-column bands.
    pub(super) fn banded(&self) -> bool {
        self.panels()
            .flat_map(|p| &p.lines)
            .any(|l| l.trace.is_band() && l.stroke != Stroke::Stems)
    }

    /// The panels at the same place in every cell share one y axis, fitted to all of
    /// them: small multiples compare on one scale.
    pub(super) fn share_y(&mut self) {
        let depth = self.cells.iter().map(Vec::len).max().unwrap_or(0);
        for k in 0..depth {
            let values: Vec<f64> = self
                .cells
                .iter()
                .filter_map(|c| c.get(k))
                .flat_map(|(p, _)| p.values())
                .collect();
            let ratio = self
                .cells
                .iter()
                .filter_map(|c| c.get(k))
                .find_map(|(p, _)| p.log_if_ratio_over);
            let y = y_axis_of(&values, ratio);
            for cell in &mut self.cells {
                if let Some((p, _)) = cell.get_mut(k) {
                    p.shared_y = Some(y.clone());
                }
            }
        }
    }

    pub(super) fn draw(&self, path: &Path) -> Result<(), DrawError> {
        let root = BitMapBackend::new(path, self.size).into_drawing_area();
        super::draw::figure(&root, self)?;
        root.present()?;
        Ok(())
    }
}

/// Rows of `rows` panels of `panel_h` pixels under a header and legend.
pub(super) fn multiples_height(cells: usize, cell_h: u32) -> u32 {
    180 + cell_h * cells.div_ceil(MULTIPLES_COLS) as u32
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

#[derive(Debug, Clone, PartialEq)]
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
        .bold_line_style(super::style::GRID_BOLD)
        .light_line_style(super::style::GRID_LIGHT)
        .x_max_light_lines(2)
        .y_max_light_lines(if log { 10 } else { 2 })
        .axis_style(MUTED)
}

/// Draws `figure` on `area` (a test renders into a buffer).
#[cfg(test)]
pub(super) fn render(area: &super::Area, figure: &Figure) -> Result<Vec<PlotRect>, DrawError> {
    super::draw::figure(area, figure)
}

/// A plot's pixels on the image: x and y ranges, end excluded.
pub(super) type PlotRect = (Range<i32>, Range<i32>);

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
