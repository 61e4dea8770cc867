//! `summary.png`: one row of bars per policy in four panels — cost (busy, idle and
//! penalty shares) across the top, idle capacity, p99, drops and SLO misses below — with
//! ±95 % confidence error bars over several replications. Each axis fits its longest bar;
//! a label goes beside its bar where there is room, else inside it on a white plate, else
//! (shortened, or as a last resort) beside it with the axis stretched just enough.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::figure::{Ctx, money_tick, sane, tick};
use super::layout::{LegendEntry, Swatch, hatch, header, legend, name};
use super::style::{
    ERROR_BAR, GRID_BOLD, GRID_LIGHT, INK, MUTED, SLO_COLOR, pale, policy_color, text,
};
use super::{Area, DrawError};
use crate::engine::to_seconds;
use crate::metrics::Summary;
use crate::replication::{Estimate, estimate_of};
use crate::report::format;

/// The summary chart's width in pixels; its height grows with the policies.
const SUMMARY_W: u32 = 1500;
/// The legend's swatches: a neutral stand-in for the policies' colours.
const SWATCH_GREY: RGBColor = RGBColor(105, 105, 105);

/// The chart's height for `rows` policies: two rows of panels.
fn summary_height(rows: usize) -> u32 {
    let row_h = if rows <= 4 { 56 } else { 34 };
    170 + 2 * (100 + row_h * rows.max(1) as u32)
}

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
    /// Hatched in `border` over white (the penalty), not filled.
    hatched: bool,
}

struct BarLabel {
    row: usize,
    lane: Lane,
    at: f64,
    text: String,
    /// What to write when `text` fits nowhere: the value alone.
    short: String,
}

/// Where a label is written.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Place {
    /// Right of its bar (or error bar).
    Beside,
    /// Inside the end of its bar, on a white plate.
    Inside,
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

pub(super) fn summary_chart(path: &Path, ctx: &Ctx) -> Result<(), DrawError> {
    let size = (SUMMARY_W, summary_height(ctx.policies.len()));
    let root = BitMapBackend::new(path, size).into_drawing_area();
    root.fill(&WHITE)?;
    let n_reps = ctx.replications.len();
    let reps = if n_reps > 1 {
        format!(", mean of {n_reps} replications with 95 % confidence intervals (Student t)")
    } else {
        String::new()
    };
    let subtitle = format!(
        "horizon {}, {} policies{reps} — {}",
        ctx.horizon,
        ctx.policies.len(),
        ctx.scenario.description
    );
    let body = header(&root, &ctx.title("summary by policy"), &subtitle)?;
    let priced = ctx.scenario.service.penalty.is_set();
    let mut entries = vec![
        LegendEntry::new(
            "solid: cost of busy slot-time; dropped requests",
            Swatch::Fill(SWATCH_GREY),
        ),
        LegendEntry::new(
            "pale: cost of idle slot-time; SLO misses",
            Swatch::Fill(pale(SWATCH_GREY)),
        ),
    ];
    if priced {
        entries.push(LegendEntry::new(
            "hatched: penalty for lost and late traffic",
            Swatch::Hatch(SWATCH_GREY),
        ));
    }
    if n_reps > 1 {
        entries.push(LegendEntry::new(
            "95 % confidence interval",
            Swatch::Line(ERROR_BAR, 2),
        ));
    }
    entries.push(LegendEntry::new(
        "bars in each policy's colour",
        Swatch::Line(policy_color(0), 3),
    ));
    let body = legend(&body, &entries)?;
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
        hatched: false,
    };
    let mut cost = BarPanel {
        title: if priced {
            "All-in cost over the run: infrastructure + lost and late traffic".into()
        } else {
            "Total cost over the run".into()
        },
        x_desc: "USD".into(),
        x_fmt: money_tick,
        segments: Vec::new(),
        labels: Vec::new(),
        errors: Vec::new(),
        vline: None,
    };
    let mut idle = BarPanel {
        title: "Idle capacity".into(),
        x_desc: "% of paid slot-time not serving".into(),
        x_fmt: tick,
        segments: Vec::new(),
        labels: Vec::new(),
        errors: Vec::new(),
        vline: None,
    };
    let mut latency = BarPanel {
        title: "p99 response time (whole run)".into(),
        x_desc: format!("seconds   (dashed line: SLO {})", format::duration(slo)),
        x_fmt: tick,
        segments: Vec::new(),
        labels: Vec::new(),
        errors: Vec::new(),
        vline: Some(slo),
    };
    let mut misses = BarPanel {
        title: "Dropped and slow requests".into(),
        x_desc: format!(
            "%   (dropped: of arrivals; SLO miss > {}: of served)",
            format::duration(slo)
        ),
        x_fmt: tick,
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
                hatched: true,
                ..full(row, all_in, WHITE, c)
            });
            cost.errors.extend(error(row, Lane::Full, all_in_v, 1.0));
            format!(
                "{} all-in (idle {}, penalty {})",
                all_in_v.label_with(format::money, format::money_half_width),
                format::money(idle_cost),
                format::money(all_in - total)
            )
        } else {
            cost.errors.extend(error(row, Lane::Full, total_v, 1.0));
            format!(
                "{} (idle {})",
                total_v.label_with(format::money, format::money_half_width),
                format::money(idle_cost)
            )
        };
        if committed > total_v.mean * 1.005 + 0.005 {
            label.push_str(&format!("; commits {}", format::money(committed)));
        }
        cost.labels.push(BarLabel {
            row,
            lane: Lane::Full,
            at: bar_end,
            text: label,
            short: format::money(bar_end),
        });

        let idle_v = value(row, |s| s.idle_fraction);
        let idle_pct = finite_or_zero(idle_v.mean) * 100.0;
        idle.segments.push(full(row, idle_pct, c, c));
        idle.errors.extend(error(row, Lane::Full, idle_v, 100.0));
        idle.labels.push(BarLabel {
            row,
            lane: Lane::Full,
            at: idle_pct,
            text: idle_v.label(format::percent),
            short: format::percent(idle_v.mean),
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
                p99_v.label(format::duration),
                format::duration(value(row, |s| s.response_p50_s).mean)
            ),
            short: format::duration(p99_v.mean),
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
            text: format!("dropped {}", dropped_v.label(format::percent)),
            short: format::percent(dropped_v.mean),
        });
        misses.labels.push(BarLabel {
            row,
            lane: Lane::Lower,
            at: slow,
            text: format!("SLO miss {}", slow_v.label(format::percent)),
            short: format::percent(slow_v.mean),
        });
    }

    // Cost across the top (its labels are the longest), the rest in a row below.
    let body = body.margin(0, 6, 6, 6);
    let (top, bottom) = body.split_vertically(body.dim_in_pixel().1 / 2);
    bar_panel(&root, &top, &names, &cost)?;
    let cells = bottom.split_evenly((1, 3));
    for (cell, panel) in cells.iter().zip([idle, latency, misses].iter()) {
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

    // The axis fits the bars; labels are placed around them (see `place_labels`).
    let data_max = p
        .segments
        .iter()
        .map(|s| s.to)
        .chain(p.errors.iter().map(|e| e.mean + e.half))
        .chain(p.vline)
        .filter(|v| sane(*v))
        .fold(0.0f64, f64::max)
        * 1.04;
    let data_max = if data_max > 0.0 && sane(data_max) {
        data_max
    } else {
        1.0
    };
    let mut widths = Vec::with_capacity(p.labels.len());
    for l in &p.labels {
        widths.push((
            f64::from(root.estimate_text_size(&l.text, &label_style)?.0),
            f64::from(root.estimate_text_size(&l.short, &label_style)?.0),
        ));
    }
    let (x_max, places) = place_labels(p, &widths, data_max, plot_w);
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
            .filter(|s| !s.hatched)
            .map(|s| Rectangle::new(rect(s), s.fill.filled())),
    )?;
    for s in drawn.clone().filter(|s| s.hatched && s.to > s.from) {
        let [a, b] = rect(s);
        let (a, b) = (
            chart.backend_coord(&(a.0, b.1)),
            chart.backend_coord(&(b.0, a.1)),
        );
        hatch(root, a, b, s.border)?;
    }
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

    for (l, place) in p.labels.iter().zip(&places) {
        let Some((place, short)) = place else {
            continue;
        };
        let (c, _) = lane_geometry(l.row, l.lane, rows);
        let label = if *short { &l.short } else { &l.text };
        match place {
            Place::Beside => {
                chart.draw_series(std::iter::once(
                    EmptyElement::at((label_at(p, l), c))
                        + Text::new(
                            label.clone(),
                            (GAP as i32, 0),
                            label_style.pos(Pos::new(HPos::Left, VPos::Center)),
                        ),
                ))?;
            }
            Place::Inside => {
                let (w, h) = root.estimate_text_size(label, &label_style)?;
                let (w, h) = (w as i32, h as i32);
                chart.draw_series(std::iter::once(
                    EmptyElement::at((l.at, c))
                        + Rectangle::new(
                            [(-w - 2 * GAP as i32, -h / 2 - 3), (-3, h / 2 + 3)],
                            WHITE.mix(0.85).filled(),
                        )
                        + Text::new(
                            label.clone(),
                            (-(GAP as i32) - 1, 0),
                            label_style.pos(Pos::new(HPos::Right, VPos::Center)),
                        ),
                ))?;
            }
        }
    }

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

/// Gap between a bar and its label, in pixels.
const GAP: f64 = 6.0;

/// Where a label starts when beside its bar: right of its error bar, and right of the
/// reference line if it would start left of it.
fn label_at(p: &BarPanel, l: &BarLabel) -> f64 {
    let at = ErrorBar::right_end(&p.errors, l.row, l.lane, l.at);
    match p.vline {
        Some(v) if sane(v) && at < v => v,
        _ => at.max(0.0),
    }
}

/// The axis end and each label's place (and whether it is shortened; `None`: not
/// drawn): beside the bar where it fits in the axis that fits the data (`data_max`),
/// else inside the bar, else shortened beside or inside; only a label that fits nowhere
/// stretches the axis, just enough. `widths` are the labels' full and short widths in
/// pixels; `plot_w` the plot's width.
fn place_labels(
    p: &BarPanel,
    widths: &[(f64, f64)],
    data_max: f64,
    plot_w: f64,
) -> (f64, Vec<Option<(Place, bool)>>) {
    let px = |v: f64, x_max: f64| v / x_max * plot_w;
    let fit = |l: &BarLabel, w: f64, x_max: f64| {
        if px(label_at(p, l), x_max) + GAP + w + 4.0 <= plot_w {
            Some(Place::Beside)
        } else if px(l.at, x_max) >= w + 3.0 * GAP {
            Some(Place::Inside)
        } else {
            None
        }
    };
    let mut x_max = data_max;
    // A label placed nowhere stretches the axis so that it fits beside its bar; the
    // others are placed again on the stretched axis (more room beside, never less).
    for l in p.labels.iter().zip(widths) {
        let (l, &(full, short)) = l;
        if !sane(l.at) || fit(l, full, x_max).is_some() || fit(l, short, x_max).is_some() {
            continue;
        }
        let room = (plot_w - GAP - short - 4.0).max(plot_w * 0.3);
        x_max = x_max.max(label_at(p, l) * plot_w / room);
    }
    let places = p
        .labels
        .iter()
        .zip(widths)
        .map(|(l, &(full, short))| {
            if !sane(l.at) {
                return None;
            }
            fit(l, full, x_max)
                .map(|place| (place, false))
                .or_else(|| fit(l, short, x_max).map(|place| (place, true)))
                .or(Some((Place::Beside, true)))
        })
        .collect();
    (x_max, places)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bar_labels() {
        let v = Value {
            mean: 12.5,
            half: Some(0.004),
        };
        assert_eq!(
            v.label_with(format::money, format::money_half_width),
            "$12.50 ± <$0.01"
        );
        let exact = Value {
            mean: 0.25,
            half: Some(0.0),
        };
        assert_eq!(exact.label(format::percent), "25.0 % ± 0");
        let single = Value {
            mean: 0.4607,
            half: None,
        };
        assert_eq!(single.label(format::duration), "461 ms");
        let errors = [ErrorBar {
            row: 1,
            lane: Lane::Full,
            mean: 2.0,
            half: 0.5,
        }];
        assert_eq!(ErrorBar::right_end(&errors, 1, Lane::Full, 2.0), 2.5);
        assert_eq!(ErrorBar::right_end(&errors, 0, Lane::Full, 2.0), 2.0);
    }
}
