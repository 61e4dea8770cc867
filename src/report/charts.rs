//! PNG charts of one run (DESIGN.md §5): demand vs capacity, idle capacity, cumulative
//! cost, latency & drops, a summary comparison, and — when an autoscale policy mixes
//! purchase options — its instances per option over time.
//!
//! With several replications the time-series charts show replication 0 (the scenario's
//! own seed, and say so in their subtitle), and the summary chart shows each policy's mean
//! over the replications with ±95 % confidence error bars.
//!
//! Every chart gives policy *i* the same colour (the Okabe–Ito colour-blind-safe palette,
//! in scenario order), uses the bundled DejaVu Sans font and is drawn deterministically:
//! the same outcome gives the same bytes. Series longer than [`MAX_POINTS`] are reduced
//! per bucket of consecutive samples (mean, or max for p99 and drops) before drawing.
//! Odd data (no policies, empty series, one sample, NaN, a horizon of seconds) still
//! draws; drawing failures become [`OutputError::Chart`].

mod break_even;

pub(crate) use break_even::draw_break_even;

use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::chart::MeshStyle;
use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use plotters::style::register_font;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::OutputError;
use crate::engine::to_seconds;
use crate::metrics::{Sample, Summary};
use crate::replication::{Estimate, estimate_of};
use crate::scenario::{PolicyKind, Scenario};
use crate::simulation::{Outcome, PolicyOutcome};

/// Most points drawn per line; longer series are bucketed.
const MAX_POINTS: usize = 2000;
/// Lines with at most this many points also get a dot per point (short runs).
const DOTS_UP_TO: usize = 40;
const SIZE: (u32, u32) = (1200, 700);
const SUMMARY_SIZE: (u32, u32) = (1400, 800);
const HEADER_H: u32 = 70;
const LEGEND_ROW_H: u32 = 28;
const SWATCH_W: i32 = 30;
const LEGEND_GAP: i32 = 28;
const MAX_LEGEND_ROWS: usize = 3;

const FONT: &str = "sans-serif";
const FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Okabe–Ito, without black (kept for the offered load); policy i gets `PALETTE[i % 7]`.
const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(230, 159, 0),   // orange
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(240, 228, 66),  // yellow
];
const INK: RGBColor = RGBColor(25, 25, 25);
const MUTED: RGBColor = RGBColor(95, 95, 95);
const ARRIVALS: RGBColor = RGBColor(150, 150, 150);
const GRID_BOLD: RGBColor = RGBColor(212, 212, 212);
const GRID_LIGHT: RGBColor = RGBColor(238, 238, 238);
const SLO_COLOR: RGBColor = RGBColor(60, 60, 60);
const ERROR_BAR: RGBColor = RGBColor(0, 0, 0);
/// Purchase options (one panel per policy, so these need not match policy colours).
const ON_DEMAND: RGBColor = RGBColor(213, 94, 0);
const RESERVED: RGBColor = RGBColor(0, 114, 178);
const SPOT: RGBColor = RGBColor(0, 158, 115);
const INTERRUPTIONS: RGBColor = RGBColor(204, 121, 167);
const BASE: RGBColor = RGBColor(0, 114, 178);
/// Most policies drawn in the purchase-options chart (one panel each).
const MAX_PURCHASE_PANELS: usize = 4;

type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

/// A drawing failure, as text (plotters' errors are generic over the backend).
#[derive(Debug)]
struct DrawError(String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for DrawError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        DrawError(e.to_string())
    }
}

type ChartFn = fn(&Path, &Ctx) -> Result<(), DrawError>;

/// Draws every chart into `dir/charts/` from `outcomes`, one per replication (replication
/// 0 first); returns their paths relative to `dir`.
pub(crate) fn draw_all(
    dir: &Path,
    scenario: &Scenario,
    outcomes: &[Outcome],
) -> Result<Vec<PathBuf>, OutputError> {
    let charts_dir = dir.join("charts");
    std::fs::create_dir_all(&charts_dir).map_err(OutputError::io(&charts_dir))?;
    ensure_font().map_err(|message| OutputError::Chart {
        path: charts_dir.clone(),
        message,
    })?;
    let ctx = Ctx::new(scenario, outcomes);
    let mut charts: Vec<(&str, ChartFn)> = vec![
        ("demand-vs-capacity.png", demand_chart),
        ("idle-capacity.png", idle_chart),
        ("cumulative-cost.png", cost_chart),
        ("latency-and-drops.png", latency_chart),
        ("summary.png", summary_chart),
    ];
    // Several autoscalers on the same traffic: put their choices side by side.
    if ctx.autoscalers().count() >= 2 {
        charts.push(("autoscaling-strategies.png", strategies_chart));
    }
    if ctx.mixed_policies().next().is_some() {
        charts.push(("purchase-options.png", purchase_chart));
    }
    if ctx.hybrids().next().is_some() {
        charts.push(("hybrid-burst.png", hybrid_chart));
    }
    let mut written = Vec::with_capacity(charts.len());
    for (name, draw) in charts {
        let rel = Path::new("charts").join(name);
        let path = dir.join(&rel);
        // plotters is not supposed to panic, but a chart is never worth aborting a run
        // whose CSV files are already written: a panic becomes an ordinary error.
        let message = match catch_unwind(AssertUnwindSafe(|| draw(&path, &ctx))) {
            Ok(Ok(())) => {
                written.push(rel);
                continue;
            }
            Ok(Err(DrawError(m))) => m,
            Err(panic) => format!("internal error while drawing: {}", panic_text(&panic)),
        };
        return Err(OutputError::Chart { path, message });
    }
    Ok(written)
}

fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic".to_string()
    }
}

/// Registers the bundled font under [`FONT`], once per process.
fn ensure_font() -> Result<(), String> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            register_font(FONT, FontStyle::Normal, FONT_BYTES)
                .map_err(|_| "the bundled DejaVu Sans font could not be loaded".to_string())
        })
        .clone()
}

// ---------------------------------------------------------------------------------------
// Shared context: time axis, downsampling, titles
// ---------------------------------------------------------------------------------------

/// The unit of the time axis.
#[derive(Debug, Clone, Copy, PartialEq)]
struct TimeAxis {
    /// Seconds per unit.
    seconds: f64,
    name: &'static str,
}

fn time_axis(horizon_s: f64) -> TimeAxis {
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
enum Agg {
    Mean,
    Max,
    Last,
}

struct Ctx<'a> {
    scenario: &'a Scenario,
    /// Replication 0's policies: the time series drawn.
    policies: &'a [PolicyOutcome],
    /// Every replication (the summary chart's means and intervals).
    replications: &'a [Outcome],
    time: TimeAxis,
    /// The time axis range, in `time` units.
    x: Range<f64>,
    /// Samples per drawn point (1 when nothing is downsampled).
    stride: usize,
    sample_every: String,
    horizon: String,
}

impl<'a> Ctx<'a> {
    fn new(scenario: &'a Scenario, outcomes: &'a [Outcome]) -> Ctx<'a> {
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
            sample_every: fmt_span(to_seconds(scenario.sample_every)),
            horizon: fmt_span(horizon_s),
        }
    }

    fn title(&self, what: &str) -> String {
        format!("{}: {what}", truncate(&self.scenario.name, 60))
    }

    /// Horizon, sampling, and how lines were reduced (with `how` = "mean"/"max").
    fn subtitle(&self, how: &str) -> String {
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

    fn points(
        &self,
        series: &[Sample],
        agg: Agg,
        value: impl Fn(&Sample) -> Option<f64>,
    ) -> Vec<(f64, f64)> {
        downsample(series, self.time, agg, value)
    }

    /// Autoscale policies that mix purchase options, with their outcomes.
    fn mixed_policies(&self) -> impl Iterator<Item = &'a PolicyOutcome> + '_ {
        self.scenario
            .policies
            .iter()
            .zip(self.policies)
            .filter(|(spec, _)| spec.kind.cloud().is_some_and(|a| a.purchase.is_mixed()))
            .map(|(_, p)| p)
    }

    /// Hybrid policies, with their outcomes.
    fn hybrids(&self) -> impl Iterator<Item = &'a PolicyOutcome> + '_ {
        self.scenario
            .policies
            .iter()
            .zip(self.policies)
            .filter(|(spec, _)| matches!(spec.kind, PolicyKind::Hybrid(_)))
            .map(|(_, p)| p)
    }

    /// The first non-empty series (offered load and arrivals are the same for all).
    /// Indices (colours) of the autoscaling policies.
    fn autoscalers(&self) -> impl Iterator<Item = usize> + '_ {
        self.policies
            .iter()
            .enumerate()
            .filter(|(_, p)| p.summary.policy_type == "autoscale")
            .map(|(i, _)| i)
    }

    fn reference_series(&self) -> Option<&'a [Sample]> {
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
fn downsample(
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
fn sane(v: f64) -> bool {
    v.is_finite() && v.abs() < 1e300
}

/// Policy i's colour, the same in every chart.
fn policy_color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Earlier policies are drawn wider, so a later line lying exactly on top of an earlier
/// one (two fleets of the same size) leaves a visible border of the earlier colour.
fn line_width(i: usize, n: usize) -> u32 {
    [2, 3, 5][n.saturating_sub(i + 1).min(2)]
}

/// A lighter tint of `c` (for the "idle" and "SLO miss" parts of bars).
/// The penalty share of a cost bar: the policy colour greyed, so it reads as the same
/// policy but as neither busy nor idle capacity.
fn hatch(c: RGBColor) -> RGBColor {
    let grey = |v: u8| ((v as u16 * 35 + 190 * 65) / 100) as u8;
    RGBColor(grey(c.0), grey(c.1), grey(c.2))
}

fn pale(c: RGBColor) -> RGBColor {
    let mix = |v: u8| (255.0 - (255.0 - f64::from(v)) * 0.38).round() as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

fn font(size: f64) -> FontDesc<'static> {
    (FONT, size).into_font()
}

fn text(size: f64, color: RGBColor) -> TextStyle<'static> {
    font(size).color(&color)
}

// ---------------------------------------------------------------------------------------
// Number formatting
// ---------------------------------------------------------------------------------------

/// `v` with at most `decimals` decimals, trailing zeros removed, thousands separated.
fn fmt_num(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return "–".to_string();
    }
    let s = format!("{:.*}", decimals, v.abs());
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s.as_str(), None),
    };
    let mut grouped = String::with_capacity(int.len() + int.len() / 3);
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    if let Some(f) = frac {
        grouped.push('.');
        grouped.push_str(f);
    }
    if v < 0.0 && grouped.chars().any(|c| c.is_ascii_digit() && c != '0') {
        format!("−{grouped}")
    } else {
        grouped
    }
}

/// Axis tick labels: plain numbers.
fn fmt_tick(v: f64) -> String {
    fmt_num(v, 6)
}

/// Ticks of a count axis: whole numbers only (plotters may put key points between).
fn fmt_count_tick(v: f64) -> String {
    if v.fract() == 0.0 {
        fmt_num(v, 0)
    } else {
        String::new()
    }
}

fn fmt_usd_tick(v: f64) -> String {
    format!("${}", fmt_num(v, 2))
}

/// Money for labels: `$28.00`, `$3,360`.
fn fmt_usd(v: f64) -> String {
    if !v.is_finite() {
        return "–".to_string();
    }
    let body = if v.abs() >= 1000.0 {
        fmt_num(v.abs().round(), 0)
    } else {
        format!("{:.2}", v.abs())
    };
    if v < 0.0 && body != "0.00" {
        format!("−${body}")
    } else {
        format!("${body}")
    }
}

/// A confidence half-width in money: under half a cent reads `<$0.01`, not `$0.00`.
fn fmt_usd_half(v: f64) -> String {
    if v > 0.0 && v < 0.005 {
        "<$0.01".to_string()
    } else {
        fmt_usd(v)
    }
}

/// A duration in seconds, for labels: `461 ms`, `4.68 s`.
fn fmt_duration(s: f64) -> String {
    if !s.is_finite() {
        "–".to_string()
    } else if s <= 0.0 {
        "0 s".to_string()
    } else if s < 1e-3 {
        format!("{:.0} µs", s * 1e6)
    } else if s < 1e-2 {
        format!("{:.1} ms", s * 1e3)
    } else if s < 1.0 {
        format!("{:.0} ms", s * 1e3)
    } else if s < 10.0 {
        format!("{:.2} s", s)
    } else if s < 600.0 {
        format!("{:.1} s", s)
    } else {
        format!("{:.1} min", s / 60.0)
    }
}

/// A fraction as a percentage, for labels.
fn fmt_pct(f: f64) -> String {
    let p = f * 100.0;
    if !p.is_finite() {
        "–".to_string()
    } else if p == 0.0 {
        "0 %".to_string()
    } else if p.abs() < 0.01 {
        "<0.01 %".to_string()
    } else if p.abs() < 10.0 {
        format!("{p:.2} %")
    } else {
        format!("{p:.1} %")
    }
}

/// A span of time, for titles: `6 h`, `1 min`, `30 s`.
fn fmt_span(s: f64) -> String {
    let (v, unit) = if s >= 86_400.0 {
        (s / 86_400.0, "d")
    } else if s >= 3600.0 {
        (s / 3600.0, "h")
    } else if s >= 60.0 {
        (s / 60.0, "min")
    } else {
        (s, "s")
    };
    format!("{} {unit}", fmt_num(v, 2))
}

fn truncate(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max_chars.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

// ---------------------------------------------------------------------------------------
// Header and legend
// ---------------------------------------------------------------------------------------

/// Draws the title and subtitle; returns the area below them.
fn header<'a>(root: &Area<'a>, title: &str, subtitle: &str) -> Result<Area<'a>, DrawError> {
    let (top, rest) = root.split_vertically(HEADER_H);
    let mid = top.dim_in_pixel().0 as i32 / 2;
    let centre_top = Pos::new(HPos::Center, VPos::Top);
    top.draw(&Text::new(
        title.to_string(),
        (mid, 14),
        text(24.0, INK).pos(centre_top),
    ))?;
    top.draw(&Text::new(
        subtitle.to_string(),
        (mid, 46),
        text(14.0, MUTED).pos(centre_top),
    ))?;
    Ok(rest)
}

#[derive(Debug, Clone, Copy)]
enum Swatch {
    Line(RGBColor, u32),
    Dashed(RGBColor, u32),
}

struct LegendEntry {
    label: String,
    swatch: Swatch,
}

impl LegendEntry {
    fn new(label: impl Into<String>, swatch: Swatch) -> LegendEntry {
        LegendEntry {
            label: label.into(),
            swatch,
        }
    }
}

/// Lays the legend out in centred rows, draws it at the top of `area` (never over data);
/// returns the area below it. Beyond [`MAX_LEGEND_ROWS`] rows, the last entries are
/// summarised as "+N more".
fn legend<'a>(area: &Area<'a>, entries: &[LegendEntry]) -> Result<Area<'a>, DrawError> {
    if entries.is_empty() {
        return Ok(area.clone());
    }
    let style = text(16.0, INK);
    let avail = area.dim_in_pixel().0 as i32 - 40;
    let mut widths = Vec::with_capacity(entries.len());
    for e in entries {
        widths.push(SWATCH_W + 8 + area.estimate_text_size(&e.label, &style)?.0 as i32);
    }
    let mut keep = entries.len();
    let (rows, more) = loop {
        let more = (keep < entries.len()).then(|| format!("+{} more", entries.len() - keep));
        let mut items: Vec<(Option<usize>, i32)> =
            (0..keep).map(|i| (Some(i), widths[i])).collect();
        if let Some(m) = &more {
            items.push((None, area.estimate_text_size(m, &style)?.0 as i32));
        }
        let rows = legend_rows(&items, avail);
        if rows.len() <= MAX_LEGEND_ROWS || keep == 0 {
            break (rows, more);
        }
        keep -= 1;
    };
    let (top, rest) = area.split_vertically(LEGEND_ROW_H * rows.len() as u32 + 6);
    let width = top.dim_in_pixel().0 as i32;
    let left = Pos::new(HPos::Left, VPos::Center);
    for (r, row) in rows.iter().enumerate() {
        let total: i32 =
            row.iter().map(|(_, w)| w).sum::<i32>() + LEGEND_GAP * (row.len() as i32 - 1);
        let mut x = ((width - total) / 2).max(4);
        let y = LEGEND_ROW_H as i32 * r as i32 + LEGEND_ROW_H as i32 / 2;
        for &(item, w) in row {
            match item {
                Some(i) => {
                    draw_swatch(&top, entries[i].swatch, x, y)?;
                    let label = entries[i].label.clone();
                    top.draw(&Text::new(label, (x + SWATCH_W + 8, y), style.pos(left)))?;
                }
                None => {
                    let label = more.clone().unwrap_or_default();
                    top.draw(&Text::new(label, (x, y), text(16.0, MUTED).pos(left)))?;
                }
            }
            x += w + LEGEND_GAP;
        }
    }
    Ok(rest)
}

/// Greedy line breaking of `(item, width)` pairs into rows at most `avail` wide.
fn legend_rows<T: Copy>(items: &[(T, i32)], avail: i32) -> Vec<Vec<(T, i32)>> {
    let mut rows: Vec<Vec<(T, i32)>> = Vec::new();
    let mut row_w = 0;
    for &(item, w) in items {
        match rows.last_mut() {
            Some(row) if row_w + LEGEND_GAP + w <= avail => {
                row_w += LEGEND_GAP + w;
                row.push((item, w));
            }
            _ => {
                rows.push(vec![(item, w)]);
                row_w = w;
            }
        }
    }
    rows
}

fn draw_swatch(area: &Area, swatch: Swatch, x: i32, y: i32) -> Result<(), DrawError> {
    match swatch {
        Swatch::Line(c, w) => {
            area.draw(&PathElement::new(
                vec![(x, y), (x + SWATCH_W, y)],
                c.stroke_width(w),
            ))?;
        }
        Swatch::Dashed(c, w) => {
            for (a, b) in [(0, 8), (12, 20), (24, 30)] {
                area.draw(&PathElement::new(
                    vec![(x + a, y), (x + b, y)],
                    c.stroke_width(w),
                ))?;
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Time-series figures
// ---------------------------------------------------------------------------------------

struct Line {
    color: RGBColor,
    width: u32,
    points: Vec<(f64, f64)>,
    /// Drawn as a vertical stem from 0 at each point (rare events), not joined.
    stems: bool,
}

/// A horizontal reference line (e.g. the SLO), dashed, labelled at the right.
struct RefLine {
    y: f64,
    label: String,
}

struct Panel {
    y_desc: String,
    y_fmt: fn(f64) -> String,
    lines: Vec<Line>,
    refs: Vec<RefLine>,
    /// Use a log y axis when the positive values span more than this ratio.
    log_if_ratio_over: Option<f64>,
    /// Shown in the middle of the panel when no line has a non-zero point.
    empty_note: String,
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
fn linear_range(values: impl Iterator<Item = f64>) -> Range<f64> {
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
fn log_axis(values: impl Iterator<Item = f64>, ratio: f64) -> Option<LogAxis> {
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

struct LogAxis {
    range: Range<f64>,
    labels: Vec<f64>,
    light: Vec<f64>,
}

/// One figure: header, legend, then `panels` stacked (height shares), sharing the time
/// axis; only the bottom panel names it.
fn time_figure(
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
            Some(y) => {
                let coord = y
                    .range
                    .log_scale()
                    .with_key_points(y.labels)
                    .with_light_points(y.light);
                draw_panel(&area, ctx, desc, coord, panel, true)?
            }
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
    let x_fmt = |v: &f64| fmt_tick(*v);
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
fn house_mesh<'m, 'a, 'b, X, Y, DB>(
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

fn policy_lines(ctx: &Ctx, agg: Agg, value: impl Fn(&Sample) -> Option<f64> + Copy) -> Vec<Line> {
    let n = ctx.policies.len();
    ctx.policies
        .iter()
        .enumerate()
        .map(|(i, p)| Line {
            stems: false,
            color: policy_color(i),
            width: line_width(i, n),
            points: ctx.points(&p.series, agg, value),
        })
        .collect()
}

fn policy_entries(ctx: &Ctx, label: impl Fn(&Summary) -> String) -> Vec<LegendEntry> {
    let n = ctx.policies.len();
    ctx.policies
        .iter()
        .enumerate()
        .map(|(i, p)| {
            LegendEntry::new(
                label(&p.summary),
                Swatch::Line(policy_color(i), line_width(i, n)),
            )
        })
        .collect()
}

/// A policy name for display: long names keep their start and end, which is where
/// variants of one name usually differ.
fn name(s: &Summary) -> String {
    let chars: Vec<char> = s.policy.chars().collect();
    if chars.len() <= 28 {
        s.policy.clone()
    } else {
        let head: String = chars[..16].iter().collect();
        let tail: String = chars[chars.len() - 11..].iter().collect();
        format!("{head}…{tail}")
    }
}

fn demand_chart(path: &Path, ctx: &Ctx) -> Result<(), DrawError> {
    let mut lines = policy_lines(ctx, Agg::Mean, |s| Some(s.capacity_rate));
    let mut entries = vec![
        LegendEntry::new("offered load λ(t)", Swatch::Line(BLACK, 2)),
        LegendEntry::new("arrivals (observed)", Swatch::Line(ARRIVALS, 1)),
    ];
    entries.extend(policy_entries(ctx, |s| format!("capacity: {}", name(s))));
    if let Some(series) = ctx.reference_series() {
        lines.push(Line {
            stems: false,
            color: ARRIVALS,
            width: 1,
            points: ctx.points(series, Agg::Mean, |s| Some(s.arrival_rate)),
        });
        lines.push(Line {
            stems: false,
            color: BLACK,
            width: 2,
            points: ctx.points(series, Agg::Mean, |s| Some(s.offered_rate)),
        });
    }
    let panel = Panel {
        y_desc: "requests per second (req/s)".into(),
        y_fmt: fmt_tick,
        lines,
        refs: Vec::new(),
        log_if_ratio_over: None,
        empty_note: "no samples".into(),
    };
    time_figure(
        path,
        ctx,
        (
            &ctx.title("offered load vs serving capacity"),
            &ctx.subtitle("mean"),
        ),
        &entries,
        &[(panel, 1)],
    )
}

fn idle_chart(path: &Path, ctx: &Ctx) -> Result<(), DrawError> {
    let entries = policy_entries(ctx, |s| {
        format!(
            "{} ({} of paid slot-time idle)",
            name(s),
            fmt_pct(s.idle_fraction)
        )
    });
    let panel = Panel {
        y_desc: "idle slots (paid but not serving)".into(),
        y_fmt: fmt_tick,
        lines: policy_lines(ctx, Agg::Mean, |s| Some(s.idle_slots)),
        refs: Vec::new(),
        log_if_ratio_over: None,
        empty_note: "no idle capacity".into(),
    };
    time_figure(
        path,
        ctx,
        (&ctx.title("idle capacity"), &ctx.subtitle("mean")),
        &entries,
        &[(panel, 1)],
    )
}

fn cost_chart(path: &Path, ctx: &Ctx) -> Result<(), DrawError> {
    let entries = policy_entries(ctx, |s| {
        let mut label = format!("{} ({}", name(s), fmt_usd(s.total_cost));
        if s.committed_cost > s.total_cost * 1.005 + 0.005 {
            label.push_str(&format!(", commits {}", fmt_usd(s.committed_cost)));
        }
        label.push(')');
        label
    });
    let panel = Panel {
        y_desc: "cumulative cost (USD)".into(),
        y_fmt: fmt_usd_tick,
        lines: policy_lines(ctx, Agg::Last, |s| Some(s.cost_cumulative)),
        refs: Vec::new(),
        log_if_ratio_over: None,
        empty_note: "no cost".into(),
    };
    time_figure(
        path,
        ctx,
        (&ctx.title("cumulative cost"), &ctx.subtitle("last value")),
        &entries,
        &[(panel, 1)],
    )
}

/// Running instances per purchase option, one panel per autoscale policy that mixes them,
/// each over a strip of what disturbs the mix: spot interruptions and launches the
/// provider refused, per sample interval.
fn purchase_chart(path: &Path, ctx: &Ctx) -> Result<(), DrawError> {
    let every = crate::engine::human_duration(ctx.scenario.sample_every);
    let entries = [
        ("reserved (covered by the commitment)".to_string(), RESERVED),
        ("on-demand (full price)".to_string(), ON_DEMAND),
        ("spot".to_string(), SPOT),
        (
            format!("spot interruptions (most in one {every})"),
            INTERRUPTIONS,
        ),
        (format!("launches refused (most in one {every})"), MUTED),
    ]
    .map(|(label, color)| LegendEntry::new(label, Swatch::Line(color, 2)));
    let panels: Vec<(Panel, u32)> = ctx
        .mixed_policies()
        .take(MAX_PURCHASE_PANELS)
        .flat_map(|p| {
            // Counts drawn as `stems` are rare events: the busiest interval of each
            // bucket, not a mean of 0.5s.
            let line = |color, count: fn(&Sample) -> u64, stems: bool| Line {
                stems,
                color,
                width: 2,
                points: ctx.points(&p.series, if stems { Agg::Max } else { Agg::Mean }, |s| {
                    Some(count(s) as f64)
                }),
            };
            let instances = Panel {
                y_desc: format!("{}: instances", name(&p.summary)),
                y_fmt: fmt_tick,
                lines: vec![
                    line(RESERVED, |s| s.servers_reserved.into(), false),
                    line(ON_DEMAND, |s| s.servers_on_demand.into(), false),
                    line(SPOT, |s| s.servers_spot.into(), false),
                ],
                refs: Vec::new(),
                log_if_ratio_over: None,
                empty_note: "no instances".into(),
            };
            let events = Panel {
                y_desc: "events".into(),
                y_fmt: fmt_count_tick,
                lines: vec![
                    line(INTERRUPTIONS, |s| s.spot_interruptions, true),
                    line(MUTED, |s| s.launches_refused, true),
                ],
                refs: Vec::new(),
                log_if_ratio_over: None,
                empty_note: "no events".into(),
            };
            [(instances, 3), (events, 2)]
        })
        .collect();
    time_figure(
        path,
        ctx,
        (
            &ctx.title("instances per purchase option"),
            &ctx.subtitle("mean"),
        ),
        &entries,
        &panels,
    )
}

/// One panel per hybrid policy: its own or leased servers, its cloud instances, and the
/// demand in servers (mean busy slots ÷ slots per server), so one sees the base carry
/// the everyday and the burst chase the spikes.
fn hybrid_chart(path: &Path, ctx: &Ctx) -> Result<(), DrawError> {
    let entries = [
        ("own or leased servers (base)", BASE),
        ("cloud instances (burst)", ON_DEMAND),
        ("demand: busy servers", ARRIVALS),
    ]
    .map(|(label, color)| LegendEntry::new(label, Swatch::Line(color, 2)));
    let slots = f64::from(ctx.scenario.service.slots_per_server.max(1));
    let panels: Vec<(Panel, u32)> = ctx
        .hybrids()
        .take(MAX_PURCHASE_PANELS)
        .map(|p| {
            let line = |color, value: &dyn Fn(&Sample) -> f64| Line {
                stems: false,
                color,
                width: 2,
                points: ctx.points(&p.series, Agg::Mean, |s| Some(value(s))),
            };
            let panel = Panel {
                y_desc: format!("{}: servers", name(&p.summary)),
                y_fmt: fmt_tick,
                lines: vec![
                    line(BASE, &|s| {
                        let all = s.servers_booting + s.servers_ready + s.servers_draining;
                        f64::from(all.saturating_sub(s.servers_burst))
                    }),
                    line(ON_DEMAND, &|s| f64::from(s.servers_burst)),
                    line(ARRIVALS, &|s| s.busy_slots / slots),
                ],
                refs: Vec::new(),
                log_if_ratio_over: None,
                empty_note: "no servers".into(),
            };
            (panel, 1)
        })
        .collect();
    time_figure(
        path,
        ctx,
        (
            &ctx.title("hybrid: base and cloud burst"),
            &ctx.subtitle("mean"),
        ),
        &entries,
        &panels,
    )
}

/// p99 over time against the SLO (`slo` seconds), on a log axis when it spans ×10.
fn p99_panel(lines: Vec<Line>, slo: f64) -> Panel {
    Panel {
        y_desc: "p99 response time (s)".into(),
        y_fmt: fmt_tick,
        lines,
        refs: vec![RefLine {
            y: slo,
            label: format!("SLO {}", fmt_duration(slo)),
        }],
        log_if_ratio_over: Some(10.0),
        empty_note: "no request completed".into(),
    }
}

fn latency_chart(path: &Path, ctx: &Ctx) -> Result<(), DrawError> {
    let slo = to_seconds(ctx.scenario.service.slo);
    let mut entries = policy_entries(ctx, name);
    entries.push(LegendEntry::new(
        format!("SLO ({})", fmt_duration(slo)),
        Swatch::Dashed(SLO_COLOR, 2),
    ));
    let latency = p99_panel(policy_lines(ctx, Agg::Max, |s| s.response_p99_s), slo);
    let drops = Panel {
        y_desc: format!("dropped (requests / {})", ctx.sample_every),
        y_fmt: fmt_tick,
        lines: policy_lines(ctx, Agg::Max, |s| Some(s.dropped as f64)),
        refs: Vec::new(),
        log_if_ratio_over: None,
        empty_note: "no request dropped".into(),
    };
    time_figure(
        path,
        ctx,
        (
            &ctx.title("p99 response time and dropped requests per interval"),
            &ctx.subtitle("max"),
        ),
        &entries,
        &[(latency, 55), (drops, 45)],
    )
}

/// The autoscaling policies alone: servers over time against the servers the load
/// needs, and p99 — which strategy chases the spike, which overshoots, which lags.
fn strategies_chart(path: &Path, ctx: &Ctx) -> Result<(), DrawError> {
    let n = ctx.policies.len();
    let slots = ctx.scenario.service.slots_per_server as f64;
    let mean_service = ctx.scenario.service.service_time.mean();
    let chosen: Vec<usize> = ctx.autoscalers().collect();
    let lines_of = |value: fn(&Sample) -> Option<f64>, agg: Agg| -> Vec<Line> {
        chosen
            .iter()
            .map(|&i| Line {
                stems: false,
                color: policy_color(i),
                width: line_width(i, n),
                points: ctx.points(&ctx.policies[i].series, agg, value),
            })
            .collect()
    };
    let mut entries = vec![LegendEntry::new(
        "servers the load keeps busy (λ·E[S] ÷ slots)",
        Swatch::Line(BLACK, 2),
    )];
    for &i in &chosen {
        let s = &ctx.policies[i].summary;
        entries.push(LegendEntry::new(
            format!(
                "{} ({}, p99 {})",
                name(s),
                fmt_usd(s.total_cost),
                fmt_duration(s.response_p99_s)
            ),
            Swatch::Line(policy_color(i), line_width(i, n)),
        ));
    }
    let mut servers = lines_of(
        |s| {
            Some(f64::from(
                s.servers_booting + s.servers_ready + s.servers_draining,
            ))
        },
        Agg::Mean,
    );
    if let Some(series) = ctx.reference_series() {
        servers.push(Line {
            stems: false,
            color: BLACK,
            width: 2,
            points: ctx.points(series, Agg::Mean, move |s| {
                Some(s.offered_rate * mean_service / slots)
            }),
        });
    }
    let fleet = Panel {
        y_desc: "servers (booting + ready + draining)".into(),
        y_fmt: fmt_tick,
        lines: servers,
        refs: Vec::new(),
        log_if_ratio_over: None,
        empty_note: "no samples".into(),
    };
    let slo = to_seconds(ctx.scenario.service.slo);
    let latency = p99_panel(lines_of(|s| s.response_p99_s, Agg::Max), slo);
    time_figure(
        path,
        ctx,
        (
            &ctx.title("autoscaling strategies on the same traffic"),
            &ctx.subtitle("servers: mean, p99: max"),
        ),
        &entries,
        &[(fleet, 55), (latency, 45)],
    )
}

// ---------------------------------------------------------------------------------------
// Summary bars
// ---------------------------------------------------------------------------------------

/// Where a bar sits in its policy's row.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Lane {
    Full,
    Upper,
    Lower,
}

/// Centre and half-height of a bar, in row units (row 0 at the top).
fn lane_geometry(row: usize, lane: Lane, rows: usize) -> (f64, f64) {
    let centre = rows.saturating_sub(row + 1) as f64;
    match lane {
        Lane::Full => (centre, 0.32),
        Lane::Upper => (centre + 0.19, 0.16),
        Lane::Lower => (centre - 0.19, 0.16),
    }
}

struct Segment {
    row: usize,
    lane: Lane,
    from: f64,
    to: f64,
    fill: RGBColor,
    border: RGBColor,
}

struct BarLabel {
    row: usize,
    lane: Lane,
    at: f64,
    text: String,
}

struct BarPanel {
    title: String,
    x_desc: String,
    x_fmt: fn(f64) -> String,
    segments: Vec<Segment>,
    labels: Vec<BarLabel>,
    /// ±95 % confidence error bars (several replications only).
    errors: Vec<ErrorBar>,
    /// A vertical dashed reference line (explained in `x_desc`).
    vline: Option<f64>,
}

/// A horizontal error bar `mean ± half` across a bar's lane.
struct ErrorBar {
    row: usize,
    lane: Lane,
    mean: f64,
    half: f64,
}

impl ErrorBar {
    /// Where the bar's label starts: right of the error bar if there is one.
    fn right_end(errors: &[ErrorBar], row: usize, lane: Lane, at: f64) -> f64 {
        errors
            .iter()
            .find(|e| e.row == row && e.lane == lane && sane(e.half))
            .map_or(at, |e| at.max(e.mean + e.half))
    }
}

/// A value for the summary bars: one run's, or the mean over replications with its
/// half-width.
#[derive(Debug, Clone, Copy)]
struct Value {
    mean: f64,
    half: Option<f64>,
}

impl From<Estimate> for Value {
    fn from(e: Estimate) -> Value {
        Value {
            mean: e.mean,
            half: e.ci95.filter(|h| sane(*h)),
        }
    }
}

impl Value {
    /// `fmt(mean)`, followed by `± fmt(half)` when there is an interval (`± 0` when the
    /// value was the same in every replication).
    fn label(&self, fmt: fn(f64) -> String) -> String {
        self.label_with(fmt, fmt)
    }

    /// Like [`Value::label`], with another format for the half-width.
    fn label_with(&self, fmt: fn(f64) -> String, half_fmt: fn(f64) -> String) -> String {
        match self.half {
            Some(0.0) => format!("{} ± 0", fmt(self.mean)),
            Some(h) => format!("{} ± {}", fmt(self.mean), half_fmt(h)),
            None => fmt(self.mean),
        }
    }
}

fn summary_chart(path: &Path, ctx: &Ctx) -> Result<(), DrawError> {
    let root = BitMapBackend::new(path, SUMMARY_SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let n_reps = ctx.replications.len();
    let reps = if n_reps > 1 {
        format!(", mean of {n_reps} replications with 95 % confidence intervals (Student t)")
    } else {
        String::new()
    };
    let subtitle = truncate(
        &format!(
            "horizon {}, {} policies{reps} — {}",
            ctx.horizon,
            ctx.policies.len(),
            ctx.scenario.description
        ),
        170,
    );
    let body = header(&root, &ctx.title("summary by policy"), &subtitle)?;
    let sums: Vec<&Summary> = ctx.policies.iter().map(|p| &p.summary).collect();
    let names: Vec<String> = sums.iter().map(|s| name(s)).collect();
    let slo = to_seconds(ctx.scenario.service.slo);
    // Over one replication the mean is the run's own value and there is no interval.
    let value = |row: usize, f: fn(&Summary) -> f64| -> Value {
        if n_reps > 1 {
            estimate_of(ctx.replications, row, f).into()
        } else {
            Value {
                mean: f(sums[row]),
                half: None,
            }
        }
    };
    let error = |row: usize, lane: Lane, v: Value, scale: f64| {
        v.half.map(|h| ErrorBar {
            row,
            lane,
            mean: finite_or_zero(v.mean) * scale,
            half: h * scale,
        })
    };

    let full = |row: usize, to: f64, fill: RGBColor, border: RGBColor| Segment {
        row,
        lane: Lane::Full,
        from: 0.0,
        to,
        fill,
        border,
    };
    let priced = ctx.scenario.service.penalty.is_set();
    let mut cost = BarPanel {
        title: if priced {
            "All-in cost over the run: infrastructure + lost and late traffic".into()
        } else {
            "Total cost over the run".into()
        },
        x_desc: if priced {
            "USD   (solid: busy slot-time, pale: idle slot-time, grey: penalty for drops and SLO misses)".into()
        } else {
            "USD   (solid: busy slot-time, pale: idle slot-time)".into()
        },
        x_fmt: fmt_usd_tick,
        segments: Vec::new(),
        labels: Vec::new(),
        errors: Vec::new(),
        vline: None,
    };
    let mut idle = BarPanel {
        title: "Idle capacity".into(),
        x_desc: "% of paid slot-time not serving".into(),
        x_fmt: fmt_tick,
        segments: Vec::new(),
        labels: Vec::new(),
        errors: Vec::new(),
        vline: None,
    };
    let mut latency = BarPanel {
        title: "p99 response time (whole run)".into(),
        x_desc: format!("seconds   (dashed line: SLO {})", fmt_duration(slo)),
        x_fmt: fmt_tick,
        segments: Vec::new(),
        labels: Vec::new(),
        errors: Vec::new(),
        vline: Some(slo),
    };
    let mut misses = BarPanel {
        title: "Dropped and slow requests".into(),
        x_desc: format!(
            "%   (solid: dropped, of arrivals; pale: SLO miss > {}, of served)",
            fmt_duration(slo)
        ),
        x_fmt: fmt_tick,
        segments: Vec::new(),
        labels: Vec::new(),
        errors: Vec::new(),
        vline: None,
    };
    for row in 0..sums.len() {
        let c = policy_color(row);
        let total_v = value(row, |s| s.total_cost);
        let total = finite_or_zero(total_v.mean);
        let idle_cost = finite_or_zero(value(row, |s| s.idle_cost).mean).clamp(0.0, total.max(0.0));
        let committed = value(row, |s| s.committed_cost).mean;
        cost.segments.push(full(row, total - idle_cost, c, c));
        cost.segments.push(Segment {
            from: total - idle_cost,
            ..full(row, total, pale(c), c)
        });
        let mut bar_end = total;
        let mut label = if priced {
            let all_in_v = value(row, |s| s.all_in_cost);
            let all_in = finite_or_zero(all_in_v.mean).max(total);
            bar_end = all_in;
            cost.segments.push(Segment {
                from: total,
                ..full(row, all_in, hatch(c), c)
            });
            cost.errors.extend(error(row, Lane::Full, all_in_v, 1.0));
            format!(
                "{} all-in (idle {}, penalty {})",
                all_in_v.label_with(fmt_usd, fmt_usd_half),
                fmt_usd(idle_cost),
                fmt_usd(all_in - total)
            )
        } else {
            cost.errors.extend(error(row, Lane::Full, total_v, 1.0));
            format!(
                "{} (idle {})",
                total_v.label_with(fmt_usd, fmt_usd_half),
                fmt_usd(idle_cost)
            )
        };
        if committed > total_v.mean * 1.005 + 0.005 {
            label.push_str(&format!("; commits {}", fmt_usd(committed)));
        }
        cost.labels.push(BarLabel {
            row,
            lane: Lane::Full,
            at: bar_end,
            text: label,
        });

        let idle_v = value(row, |s| s.idle_fraction);
        let idle_pct = finite_or_zero(idle_v.mean) * 100.0;
        idle.segments.push(full(row, idle_pct, c, c));
        idle.errors.extend(error(row, Lane::Full, idle_v, 100.0));
        idle.labels.push(BarLabel {
            row,
            lane: Lane::Full,
            at: idle_pct,
            text: idle_v.label(fmt_pct),
        });

        let p99_v = value(row, |s| s.response_p99_s);
        let p99 = finite_or_zero(p99_v.mean);
        latency.segments.push(full(row, p99, c, c));
        latency.errors.extend(error(row, Lane::Full, p99_v, 1.0));
        latency.labels.push(BarLabel {
            row,
            lane: Lane::Full,
            at: p99,
            text: format!(
                "{} (p50 {})",
                p99_v.label(fmt_duration),
                fmt_duration(value(row, |s| s.response_p50_s).mean)
            ),
        });

        let dropped_v = value(row, |s| s.drop_fraction);
        let slow_v = value(row, |s| s.slo_miss_fraction);
        let dropped = finite_or_zero(dropped_v.mean) * 100.0;
        let slow = finite_or_zero(slow_v.mean) * 100.0;
        misses.segments.push(Segment {
            lane: Lane::Upper,
            ..full(row, dropped, c, c)
        });
        misses.segments.push(Segment {
            lane: Lane::Lower,
            ..full(row, slow, pale(c), c)
        });
        misses
            .errors
            .extend(error(row, Lane::Upper, dropped_v, 100.0));
        misses.errors.extend(error(row, Lane::Lower, slow_v, 100.0));
        misses.labels.push(BarLabel {
            row,
            lane: Lane::Upper,
            at: dropped,
            text: format!("dropped {}", dropped_v.label(fmt_pct)),
        });
        misses.labels.push(BarLabel {
            row,
            lane: Lane::Lower,
            at: slow,
            text: format!("SLO miss {}", slow_v.label(fmt_pct)),
        });
    }

    let cells = body.margin(0, 6, 6, 6).split_evenly((2, 2));
    for (cell, panel) in cells.iter().zip([cost, idle, latency, misses].iter()) {
        bar_panel(&root, cell, &names, panel)?;
    }
    root.present()?;
    Ok(())
}

fn finite_or_zero(v: f64) -> f64 {
    if sane(v) { v } else { 0.0 }
}

fn bar_panel(root: &Area, area: &Area, names: &[String], p: &BarPanel) -> Result<(), DrawError> {
    let rows = names.len();
    let name_style = text(15.0, INK);
    let label_style = text(14.0, INK);
    let (area_w, _) = area.dim_in_pixel();
    let mut name_w = 40;
    for n in names {
        name_w = name_w.max(root.estimate_text_size(n, &name_style)?.0);
    }
    let y_area = (name_w + 22).min(area_w / 3);
    let (margin, margin_right) = (10u32, 24u32);
    let plot_w = f64::from(
        area_w
            .saturating_sub(y_area + margin + margin_right)
            .max(50),
    );

    // Fit the x range so every bar's label fits to its right.
    const GAP: f64 = 6.0;
    let mut x_max = p
        .segments
        .iter()
        .map(|s| s.to)
        .chain(p.errors.iter().map(|e| e.mean + e.half))
        .chain(p.vline)
        .filter(|v| sane(*v))
        .fold(0.0f64, f64::max)
        * 1.04;
    // A label starts right of its error bar, and one that would start left of the
    // reference line starts right of it instead.
    let label_at = |l: &BarLabel| {
        let at = ErrorBar::right_end(&p.errors, l.row, l.lane, l.at);
        match p.vline {
            Some(v) if sane(v) && at < v => v,
            _ => at.max(0.0),
        }
    };
    for l in p.labels.iter().filter(|l| sane(l.at)) {
        let w = f64::from(root.estimate_text_size(&l.text, &label_style)?.0);
        let room = (plot_w - GAP - w - 4.0).max(plot_w * 0.3);
        x_max = x_max.max(label_at(l) * plot_w / room);
    }
    if !(x_max > 0.0 && sane(x_max)) {
        x_max = 1.0;
    }
    let y_top = rows.max(1) as f64 - 0.5;

    let mut chart = ChartBuilder::on(area)
        .caption(p.title.as_str(), text(18.0, INK))
        .margin(margin)
        .margin_right(margin_right)
        .x_label_area_size(56)
        .y_label_area_size(y_area)
        .build_cartesian_2d(0.0..x_max, -0.5..y_top)?;
    let x_fmt = |v: &f64| (p.x_fmt)(*v);
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_labels(8)
        .x_label_formatter(&x_fmt)
        .x_desc(p.x_desc.as_str())
        .label_style(text(14.0, INK))
        .axis_desc_style(text(15.0, INK))
        .bold_line_style(GRID_BOLD)
        .light_line_style(GRID_LIGHT)
        .x_max_light_lines(2)
        .axis_style(MUTED)
        .draw()?;

    let rect = |s: &Segment| {
        let (c, h) = lane_geometry(s.row, s.lane, rows);
        [(s.from.max(0.0), c - h), (s.to.max(s.from).max(0.0), c + h)]
    };
    let drawn = p.segments.iter().filter(|s| sane(s.from) && sane(s.to));
    chart.draw_series(
        drawn
            .clone()
            .map(|s| Rectangle::new(rect(s), s.fill.filled())),
    )?;
    chart.draw_series(drawn.map(|s| Rectangle::new(rect(s), s.border.stroke_width(1))))?;

    if let Some(v) = &p.vline {
        if sane(*v) && *v > 0.0 {
            chart.draw_series(DashedLineSeries::new(
                [(*v, -0.5), (*v, y_top)],
                8,
                5,
                SLO_COLOR.stroke_width(2),
            ))?;
        }
    }

    // Error bars: a line from mean − h to mean + h with end caps, over the bar.
    let caps = p
        .errors
        .iter()
        .filter(|e| sane(e.mean) && sane(e.half) && e.half > 0.0);
    for e in caps {
        let (c, h) = lane_geometry(e.row, e.lane, rows);
        let (lo, hi) = ((e.mean - e.half).max(0.0), e.mean + e.half);
        let cap = h * 0.55;
        let style = ERROR_BAR.stroke_width(2);
        chart.draw_series(
            [
                vec![(lo, c), (hi, c)],
                vec![(lo, c - cap), (lo, c + cap)],
                vec![(hi, c - cap), (hi, c + cap)],
            ]
            .into_iter()
            .map(|pts| PathElement::new(pts, style)),
        )?;
    }

    chart.draw_series(p.labels.iter().filter(|l| sane(l.at)).map(|l| {
        let (c, _) = lane_geometry(l.row, l.lane, rows);
        EmptyElement::at((label_at(l), c))
            + Text::new(
                l.text.clone(),
                (GAP as i32, 0),
                label_style.pos(Pos::new(HPos::Left, VPos::Center)),
            )
    }))?;

    // Policy names in the left label area, centred on their rows.
    for (row, n) in names.iter().enumerate() {
        let (c, _) = lane_geometry(row, Lane::Full, rows);
        let (px, py) = chart.backend_coord(&(0.0, c));
        root.draw(&Text::new(
            n.clone(),
            (px - 10, py),
            name_style.pos(Pos::new(HPos::Right, VPos::Center)),
        ))?;
    }
    if rows == 0 {
        let plot = chart.plotting_area().strip_coord_spec();
        let (w, h) = plot.dim_in_pixel();
        plot.draw(&Text::new(
            "no policies",
            (w as i32 / 2, h as i32 / 2),
            text(18.0, MUTED).pos(Pos::new(HPos::Center, VPos::Center)),
        ))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

    fn scenario(horizon_s: u64, sample_s: u64) -> Scenario {
        let mut s = crate::scenario::parse(crate::scenario::DEFAULT_SCENARIO, "test.toml", "test")
            .expect("the built-in scenario parses");
        s.horizon = horizon_s * crate::engine::SECOND;
        s.sample_every = sample_s * crate::engine::SECOND;
        s
    }

    fn summary(policy: &str, scale: f64) -> Summary {
        Summary {
            policy: policy.into(),
            policy_type: "fixed".into(),
            arrived: 1000,
            served: 990,
            dropped: 10,
            in_system_at_end: 0,
            slo_misses: 5,
            wait_mean_s: 0.01,
            waited_fraction: 0.1,
            response_mean_s: 0.1,
            response_p50_s: 0.07,
            response_p95_s: 0.3,
            response_p99_s: 0.45 * scale,
            response_max_s: 1.5,
            paid_slot_seconds: 1000.0,
            busy_slot_seconds: 400.0,
            idle_slot_seconds: 600.0,
            idle_fraction: 0.6,
            billed_server_seconds: 125.0,
            total_cost: 20.0 * scale,
            committed_cost: 20.0 * scale,
            idle_cost: 12.0 * scale,
            penalty_cost: 0.0,
            all_in_cost: 40.0 * scale,
            cost_per_million_requests: 20_000.0,
            mean_in_system: 3.0,
            mean_servers: 10.0,
            peak_servers: 12,
            launches: 0,
            launches_refused: 0,
            drop_fraction: 0.01,
            slo_miss_fraction: 0.005,
            cost_on_demand: 0.0,
            cost_reserved: 0.0,
            cost_spot: 0.0,
            spot_interruptions: 0,
            requeued: 0,
            bandwidth_cost: 0.0,
            bandwidth_p95_mbps: 0.0,
            ..Summary::default()
        }
    }

    fn series(policy: &str, n: usize, every_s: f64, scale: f64) -> Vec<Sample> {
        (0..n)
            .map(|i| {
                let t = (i + 1) as f64 * every_s;
                let load = 200.0 + 100.0 * (i as f64 / 7.0).sin();
                Sample {
                    policy: policy.into(),
                    time_s: t,
                    offered_rate: load,
                    arrival_rate: load + 5.0,
                    servers_booting: 0,
                    servers_ready: 10,
                    servers_draining: 0,
                    servers_pending: 0,
                    servers_on_demand: 0,
                    servers_reserved: 0,
                    servers_spot: 0,
                    servers_burst: 0,
                    busy_slots: load * 0.1,
                    idle_slots: 80.0 - load * 0.1 * scale,
                    capacity_rate: 800.0 * scale,
                    queue_length: 0,
                    served: 100,
                    dropped: if i % 5 == 0 { 3 } else { 0 },
                    slo_misses: 1,
                    spot_interruptions: 0,
                    launches_refused: 0,
                    response_p99_s: (i % 4 != 0).then_some(0.2 * scale * (1 + i % 3) as f64),
                    cost_cumulative: t * 0.001 * scale,
                }
            })
            .collect()
    }

    fn outcome(policies: &[(&str, Vec<Sample>, f64)]) -> Outcome {
        Outcome {
            seed: 1,
            policies: policies
                .iter()
                .map(|(name, series, scale)| PolicyOutcome {
                    summary: summary(name, *scale),
                    series: series.clone(),
                    events: 0,
                })
                .collect(),
        }
    }

    fn assert_all_pngs(dir: &Path, written: &[PathBuf]) {
        let names: Vec<_> = written
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "charts/demand-vs-capacity.png",
                "charts/idle-capacity.png",
                "charts/cumulative-cost.png",
                "charts/latency-and-drops.png",
                "charts/summary.png",
            ]
        );
        for rel in written {
            let bytes = std::fs::read(dir.join(rel)).expect("chart written");
            assert!(bytes.len() > 1000, "{} is too small", rel.display());
            assert_eq!(bytes[..8], PNG_SIGNATURE, "{} is not a PNG", rel.display());
        }
    }

    #[test]
    fn compares_strategies_when_several_autoscalers_run() {
        let dir = tempfile::tempdir().unwrap();
        let mut out = outcome(&[
            ("own", series("own", 360, 60.0, 1.0), 1.0),
            ("tt", series("tt", 360, 60.0, 2.0), 2.0),
            ("hpa", series("hpa", 360, 60.0, 3.0), 3.0),
        ]);
        for p in &mut out.policies[1..] {
            p.summary.policy_type = "autoscale".into();
        }
        let written = draw_all(
            dir.path(),
            &scenario(6 * 3600, 60),
            std::slice::from_ref(&out),
        )
        .unwrap();
        let strategies = Path::new("charts").join("autoscaling-strategies.png");
        assert_eq!(written.last(), Some(&strategies));
        let bytes = std::fs::read(dir.path().join(&strategies)).unwrap();
        assert_eq!(bytes[..8], PNG_SIGNATURE);
        // With one autoscaler there is nothing to compare.
        out.policies[2].summary.policy_type = "fixed".into();
        let one = tempfile::tempdir().unwrap();
        let written = draw_all(
            one.path(),
            &scenario(6 * 3600, 60),
            std::slice::from_ref(&out),
        )
        .unwrap();
        assert!(!written.contains(&strategies));
    }

    #[test]
    fn draws_every_chart_as_png() {
        let dir = tempfile::tempdir().unwrap();
        let out = outcome(&[
            ("own", series("own", 360, 60.0, 1.0), 1.0),
            ("lease", series("lease", 360, 60.0, 1.0), 1.0),
            ("cloud", series("cloud", 360, 60.0, 30.0), 3.0),
        ]);
        let written = draw_all(
            dir.path(),
            &scenario(6 * 3600, 60),
            std::slice::from_ref(&out),
        )
        .unwrap();
        assert_all_pngs(dir.path(), &written);
        // Deterministic: drawing again gives the same bytes.
        let again = tempfile::tempdir().unwrap();
        draw_all(
            again.path(),
            &scenario(6 * 3600, 60),
            std::slice::from_ref(&out),
        )
        .unwrap();
        for rel in &written {
            assert_eq!(
                std::fs::read(dir.path().join(rel)).unwrap(),
                std::fs::read(again.path().join(rel)).unwrap(),
                "{} differs between identical runs",
                rel.display()
            );
        }
    }

    /// A policy mixing purchase options gets its instances per option drawn too.
    #[test]
    fn draws_purchase_options_for_mixed_policies() {
        let mut sc = scenario(6 * 3600, 60);
        let PolicyKind::Autoscale(a) = &mut sc.policies[2].kind else {
            panic!("the built-in scenario's third policy autoscales");
        };
        a.purchase.reserved = 2;
        a.purchase.spot_share = 0.5;
        let mut cloud = series("cloud", 360, 60.0, 30.0);
        for (i, x) in cloud.iter_mut().enumerate() {
            (x.servers_reserved, x.servers_on_demand, x.servers_spot) =
                (2, (i % 7) as u32, 2 + (i % 5) as u32);
        }
        let out = outcome(&[
            ("own", series("own", 360, 60.0, 1.0), 1.0),
            ("lease", series("lease", 360, 60.0, 1.0), 1.0),
            ("cloud", cloud, 3.0),
        ]);
        let dir = tempfile::tempdir().unwrap();
        let written = draw_all(dir.path(), &sc, std::slice::from_ref(&out)).unwrap();
        let last = written.last().unwrap();
        assert_eq!(last, Path::new("charts/purchase-options.png"));
        let bytes = std::fs::read(dir.path().join(last)).unwrap();
        assert_eq!(bytes[..8], PNG_SIGNATURE);
        assert!(bytes.len() > 1000);
    }

    #[test]
    fn draws_replications_with_error_bars() {
        let reps: Vec<Outcome> = [1.0, 1.1, 0.95, f64::NAN]
            .iter()
            .enumerate()
            .map(|(r, &k)| {
                let mut o = outcome(&[
                    ("own", series("own", 60, 60.0, 1.0), 1.0),
                    ("cloud", series("cloud", 60, 60.0, 3.0), 3.0 * k),
                ]);
                o.seed = r as u64 + 1;
                o
            })
            .collect();
        let sc = scenario(3600, 60);
        for n in [2, 3, 4] {
            let dir = tempfile::tempdir().unwrap();
            let written = draw_all(dir.path(), &sc, &reps[..n]).unwrap();
            assert_all_pngs(dir.path(), &written);
        }
        // More replications change the summary chart only; the time series are
        // replication 0's either way (their subtitle names it).
        let one = tempfile::tempdir().unwrap();
        let three = tempfile::tempdir().unwrap();
        draw_all(one.path(), &sc, &reps[..1]).unwrap();
        draw_all(three.path(), &sc, &reps[..3]).unwrap();
        let read = |d: &tempfile::TempDir, f: &str| std::fs::read(d.path().join("charts").join(f));
        assert!(read(&one, "summary.png").unwrap() != read(&three, "summary.png").unwrap());
        let ctx = Ctx::new(&sc, &reps[..3]);
        assert!(
            ctx.subtitle("mean")
                .contains("first of 3 replications (seed 1)")
        );
        assert!(
            !Ctx::new(&sc, &reps[..1])
                .subtitle("mean")
                .contains("replication")
        );
        // No replication at all still draws.
        let none = tempfile::tempdir().unwrap();
        assert_all_pngs(none.path(), &draw_all(none.path(), &sc, &[]).unwrap());
    }

    #[test]
    fn error_bar_labels() {
        let v = Value {
            mean: 12.5,
            half: Some(0.004),
        };
        assert_eq!(v.label_with(fmt_usd, fmt_usd_half), "$12.50 ± <$0.01");
        let exact = Value {
            mean: 0.25,
            half: Some(0.0),
        };
        assert_eq!(exact.label(fmt_pct), "25.0 % ± 0");
        let single = Value {
            mean: 0.4607,
            half: None,
        };
        assert_eq!(single.label(fmt_duration), "461 ms");
        let errors = [ErrorBar {
            row: 1,
            lane: Lane::Full,
            mean: 2.0,
            half: 0.5,
        }];
        assert_eq!(ErrorBar::right_end(&errors, 1, Lane::Full, 2.0), 2.5);
        assert_eq!(ErrorBar::right_end(&errors, 0, Lane::Full, 2.0), 2.0);
    }

    #[test]
    fn draws_degenerate_outcomes() {
        let mut nan = series("nan", 3, 10.0, 1.0);
        nan[1].offered_rate = f64::NAN;
        nan[1].capacity_rate = f64::INFINITY;
        nan[2].response_p99_s = Some(f64::NAN);
        let mut zero = series("zero", 1, 10.0, 0.0);
        zero[0].response_p99_s = None;
        let mut bad = summary("bad", f64::NAN);
        bad.idle_fraction = f64::NAN;
        let names: Vec<String> = (0..40)
            .map(|i| format!("a-policy-with-a-rather-long-name-{i}"))
            .collect();
        let many: Vec<(&str, Vec<Sample>, f64)> = names
            .iter()
            .map(|n| (n.as_str(), series(n, 60, 60.0, 1.0), 1.0))
            .collect();
        let cases = [
            (outcome(&[]), scenario(30, 10)),
            (outcome(&[("empty", Vec::new(), 1.0)]), scenario(30, 10)),
            (
                outcome(&[("one", series("one", 1, 10.0, 1.0), 1.0)]),
                scenario(30, 10),
            ),
            (
                outcome(&[("nan", nan, 1.0), ("zero", zero, 0.0)]),
                scenario(30, 10),
            ),
            (
                Outcome {
                    seed: 1,
                    policies: vec![PolicyOutcome {
                        summary: bad,
                        series: Vec::new(),
                        events: 0,
                    }],
                },
                scenario(1, 1),
            ),
            (
                outcome(&[("long", series("long", 100_000, 1.0, 1.0), 1.0)]),
                scenario(100_000, 1),
            ),
            (outcome(&many), scenario(3600, 60)),
        ];
        for (out, sc) in &cases {
            let dir = tempfile::tempdir().unwrap();
            let written = draw_all(dir.path(), sc, std::slice::from_ref(out)).unwrap();
            assert_all_pngs(dir.path(), &written);
        }
    }

    #[test]
    fn downsampling_keeps_at_most_max_points() {
        let s = series("p", 5001, 1.0, 1.0);
        let t = time_axis(5001.0);
        let pts = downsample(&s, t, Agg::Max, |s| Some(s.dropped as f64));
        assert!(pts.len() <= MAX_POINTS);
        assert!(pts.iter().any(|p| p.1 == 3.0));
        assert_eq!(
            downsample(&s[..10], t, Agg::Mean, |s| Some(s.time_s)).len(),
            10
        );
    }

    #[test]
    fn formats_numbers() {
        assert_eq!(fmt_tick(0.30000000000000004), "0.3");
        assert_eq!(fmt_tick(12000.0), "12,000");
        assert_eq!(fmt_tick(1500.0), "1,500");
        assert_eq!(fmt_tick(-0.0), "0");
        assert_eq!(fmt_usd(3360.0), "$3,360");
        assert_eq!(fmt_usd(28.0), "$28.00");
        assert_eq!(fmt_duration(0.4607), "461 ms");
        assert_eq!(fmt_duration(4.68), "4.68 s");
        assert_eq!(fmt_pct(0.694), "69.4 %");
        assert_eq!(fmt_span(60.0), "1 min");
        assert_eq!(fmt_span(21_600.0), "6 h");
        assert_eq!(time_axis(21_600.0).name, "hours");
        assert_eq!(time_axis(30.0).name, "seconds");
    }
}
