//! `elasticity.png`: for each policy, the servers its traffic needs (demand d(t)) against
//! the servers it had serving (supply s(t)), with the under-provisioned area (s < d) and
//! the over-provisioned one (s > d) shaded: the picture behind the SPEC elasticity columns
//! of `summary.csv`. One panel per policy, all on the same axes.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::DrawError;
use super::figure::{Agg, Ctx, Trace, house_mesh, plot_columns, tick, trace};
use super::layout::{LegendEntry, Swatch, header, legend, name};
use super::style::{INK, policy_color, text};
use crate::metrics::{Sample, Summary};
use crate::report::format;

/// Shading of intervals with fewer servers than needed (users wait), and with more:
/// vermillion and blue, paled (they never overlap, so no transparency is needed).
const UNDER: RGBColor = RGBColor(236, 183, 140);
const OVER: RGBColor = RGBColor(179, 213, 232);
/// Most policies drawn (one panel each).
const MAX_PANELS: usize = 12;
const WIDTH: u32 = 1200;
const PANEL_H: u32 = 230;

pub(super) fn elasticity_chart(path: &Path, ctx: &Ctx) -> Result<(), DrawError> {
    let policies = &ctx.policies[..ctx.policies.len().min(MAX_PANELS)];
    let cols = if policies.len() <= 3 { 1 } else { 2 };
    let rows = policies.len().div_ceil(cols).max(1);
    let height = 170 + PANEL_H * rows as u32;
    let root = BitMapBackend::new(path, (WIDTH, height)).into_drawing_area();
    root.fill(&WHITE)?;
    let columns = plot_columns(WIDTH, cols);
    let line_of = |series: &[Sample], value: &dyn Fn(&Sample) -> f64| {
        trace(series, &ctx.x, columns, Agg::Mean, |s| Some(value(s)))
    };
    let demand = ctx
        .reference_series()
        .map(|series| line_of(series, &|s| f64::from(s.demand_servers)))
        .unwrap_or(Trace::Points(Vec::new()));
    let supplies: Vec<Trace> = policies
        .iter()
        .map(|p| line_of(&p.series, &|s| supply(ctx, s)))
        .collect();
    let reduced = supplies.iter().chain([&demand]).any(Trace::is_band);
    let mut subtitle = ctx.subtitle(reduced.then_some("lines show each pixel column's mean"));
    if ctx.policies.len() > MAX_PANELS {
        subtitle = format!(
            "first {MAX_PANELS} of {} policies; {subtitle}",
            ctx.policies.len()
        );
    }
    let body = header(
        &root,
        &ctx.title("elasticity: servers needed vs servers serving"),
        &subtitle,
    )?;
    let entries = [
        LegendEntry::new(
            format!(
                "demand: fewest servers keeping P(wait > SLO − mean service) ≤ {}",
                format::number(ctx.scenario.service.slo_target, 4)
            ),
            Swatch::Line(BLACK, 2),
        ),
        LegendEntry::new(
            "supply: mean serving servers (policy colour)",
            Swatch::Line(INK, 3),
        ),
        LegendEntry::new("under-provisioned (s < d)", Swatch::Fill(UNDER)),
        LegendEntry::new("over-provisioned (s > d)", Swatch::Fill(OVER)),
    ];
    let grid = legend(&body, &entries)?;
    let demand = demand.line();
    let supplies: Vec<Vec<(f64, f64)>> = supplies.iter().map(Trace::line).collect();
    let top = supplies
        .iter()
        .flatten()
        .chain(&demand)
        .map(|p| p.1)
        .filter(|v| v.is_finite())
        .fold(1.0, f64::max)
        * 1.1;
    let cells = grid.split_evenly((rows, cols));
    for (i, (p, cell)) in policies.iter().zip(&cells).enumerate() {
        let last_row = i / cols + 1 == rows;
        panel(
            cell,
            ctx,
            &demand,
            &supplies[i],
            top,
            &p.summary,
            i,
            last_row,
        )?;
    }
    root.present()?;
    Ok(())
}

/// Mean serving servers of a sample: serving slots ÷ slots per server.
fn supply(ctx: &Ctx, s: &Sample) -> f64 {
    let service = &ctx.scenario.service;
    s.capacity_rate * service.service_time.mean() / f64::from(service.slots_per_server.max(1))
}

#[allow(clippy::too_many_arguments)]
fn panel(
    area: &super::Area,
    ctx: &Ctx,
    demand: &[(f64, f64)],
    supply: &[(f64, f64)],
    top: f64,
    summary: &Summary,
    i: usize,
    x_desc: bool,
) -> Result<(), DrawError> {
    let mut chart = ChartBuilder::on(area)
        .margin_top(26)
        .margin_left(8)
        .margin_right(20)
        .margin_bottom(4)
        .x_label_area_size(if x_desc { 50 } else { 26 })
        .y_label_area_size(70)
        .build_cartesian_2d(ctx.x.range.clone(), 0.0..top)?;
    let x_fmt = |v: &f64| tick(*v);
    let y_fmt = |v: &f64| tick(*v);
    let mut mesh = chart.configure_mesh();
    house_mesh(&mut mesh, false)
        .x_labels(8)
        .y_labels(5)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .y_desc("servers");
    let x_name = ctx.x.desc();
    if x_desc {
        mesh.x_desc(x_name.as_str());
    }
    mesh.draw()?;
    // Each interval (from the previous point to this one) shaded between the two curves.
    let mut from = ctx.x.range.start;
    let mut shades = Vec::with_capacity(supply.len());
    for (&(x, s), &(_, d)) in supply.iter().zip(demand) {
        if s.is_finite() && d.is_finite() && (s - d).abs() > 1e-9 {
            let colour = if s < d { UNDER } else { OVER };
            shades.push(Rectangle::new(
                [(from, s.min(d)), (x, s.max(d))],
                colour.filled(),
            ));
        }
        from = x;
    }
    chart.draw_series(shades)?;
    chart.draw_series(LineSeries::new(
        steps(demand, ctx.x.range.start),
        BLACK.stroke_width(2),
    ))?;
    chart.draw_series(LineSeries::new(
        steps(supply, ctx.x.range.start),
        policy_color(i).stroke_width(3),
    ))?;
    let caption = format!(
        "{}: under {} ({} of the time), over {} ({}); instability {}, jitter {}/h",
        name(summary),
        pct(summary.under_provision_accuracy),
        pct(summary.under_provision_timeshare),
        pct(summary.over_provision_accuracy),
        pct(summary.over_provision_timeshare),
        pct(summary.instability),
        format::number(summary.jitter_per_hour, 1),
    );
    area.draw(&Text::new(
        caption,
        (78, 4),
        text(14.0, INK).pos(Pos::new(HPos::Left, VPos::Top)),
    ))?;
    Ok(())
}

/// A percentage already in percent: `12.3 %`.
fn pct(v: f64) -> String {
    format!("{} %", format::number(v, 1))
}

/// Per-interval values as a step line: each value held from the previous point.
fn steps(points: &[(f64, f64)], start: f64) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(points.len() * 2);
    let mut from = start;
    for &(x, y) in points {
        if y.is_finite() {
            out.push((from, y));
            out.push((x, y));
        }
        from = x;
    }
    out
}
