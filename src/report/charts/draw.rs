//! A [`Figure`] into pixels: header and legend, cells in a grid, panels stacked in each.
//!
//! Lines are drawn segment by segment in pixel space, clipped to their plot and kept
//! half a stroke inside it: plotters joins a wide polyline into one polygon whose mitred
//! corners shoot far past sharp turns (through the x axis and its labels), and does not
//! clip. Bands are polygons under the lines; dashes are laid out in pixels, so two equal
//! lines alternate their colours dash by dash.

use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::figure::{
    Column, Figure, PANEL_MARGIN_LEFT, PANEL_MARGIN_RIGHT, Panel, PlotRect, Stroke, Trace,
    Y_LABEL_W, YAxis, house_mesh,
};
use super::layout::{header, legend};
use super::style::{HIGHLIGHT, MUTED, SLO_COLOR, band_color, text};
use super::{Area, DrawError};

/// Lines with at most this many points also get a dot per point (short runs).
const DOTS_UP_TO: usize = 40;
/// Length of a dash and of the gap after it, in pixels.
const DASH: f64 = 12.0;

pub(super) fn figure(root: &Area, fig: &Figure) -> Result<Vec<PlotRect>, DrawError> {
    root.fill(&WHITE)?;
    let body = header(root, &fig.title, &fig.subtitle)?;
    let rest = legend(&body, &fig.legend)?;
    let cols = fig.cols.max(1);
    let rows = fig.cells.len().div_ceil(cols).max(1);
    let grid = rest.split_evenly((rows, cols));
    let mut rects = Vec::new();
    for (c, (cell, area)) in fig.cells.iter().zip(&grid).enumerate() {
        let bottom_row = c + cols >= fig.cells.len();
        rects.extend(cell_panels(area, cell, bottom_row)?);
    }
    Ok(rects)
}

/// A cell's panels stacked by their height shares; the x axis is named under the last
/// panel on each axis, in the bottom row only.
fn cell_panels(
    area: &Area,
    cell: &[(Panel, u32)],
    bottom_row: bool,
) -> Result<Vec<PlotRect>, DrawError> {
    let total: u32 = cell.iter().map(|p| p.1).sum::<u32>().max(1);
    let height = area.dim_in_pixel().1;
    let mut rest = area.clone();
    let mut rects = Vec::with_capacity(cell.len());
    for (i, (panel, share)) in cell.iter().enumerate() {
        let this = if i + 1 == cell.len() {
            rest.clone()
        } else {
            let (a, b) = rest.split_vertically(height * share / total);
            rest = b;
            a
        };
        let axis_ends = cell.get(i + 1).is_none_or(|(next, _)| next.x != panel.x);
        let desc = bottom_row && axis_ends;
        rects.push(match panel.y_axis() {
            YAxis::Linear(r) => draw_panel(&this, panel, r, false, desc)?,
            YAxis::Log(l) => draw_panel(&this, panel, l.coord(), true, desc)?,
        });
    }
    Ok(rects)
}

fn draw_panel<Y>(
    area: &Area,
    panel: &Panel,
    y: Y,
    log: bool,
    x_desc: bool,
) -> Result<PlotRect, DrawError>
where
    Y: AsRangedCoord<Value = f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let mut chart = panel_builder(area, panel.title.is_some(), x_desc)
        .build_cartesian_2d(panel.x.range.clone(), y)?;
    let (y_lo, y_hi) = {
        let r = chart.y_range();
        (r.start, r.end)
    };
    // The zoomed window, shaded under the grid.
    if let Some(h) = &panel.highlight {
        let (a, b) = (
            h.start.max(panel.x.range.start),
            h.end.min(panel.x.range.end),
        );
        if a < b {
            chart.draw_series(std::iter::once(Rectangle::new(
                [(a, y_lo), (b, y_hi)],
                HIGHLIGHT.filled(),
            )))?;
        }
    }
    let (px, py) = chart.plotting_area().get_pixel_range();
    let plot_w = px.end - px.start;
    let x_fmt = |v: &f64| panel.x.tick(*v);
    let y_fmt = |v: &f64| (panel.y_fmt)(*v);
    let desc = panel.x.desc();
    let mut mesh = chart.configure_mesh();
    house_mesh(&mut mesh, log)
        .x_labels((plot_w / 85).clamp(4, 12) as usize)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .y_desc(panel.y_desc.as_str());
    if x_desc {
        mesh.x_desc(desc.as_str());
    }
    mesh.draw()?;

    let pen = Pen {
        area: chart.plotting_area().strip_coord_spec(),
        w: f64::from(plot_w - 1),
        h: f64::from(py.end - py.start - 1),
    };
    let base = (px.start, py.start);
    let to_px = |(x, y): (f64, f64)| -> Option<(f64, f64)> {
        if log && y <= 0.0 {
            return None;
        }
        let (a, b) = chart.backend_coord(&(x, y));
        Some((f64::from(a - base.0), f64::from(b - base.1)))
    };
    // On a log axis a band or stem reaching 0 stops at the bottom of the axis.
    let floor = |v: f64| if log { v.max(y_lo) } else { v };

    // Bands first, under every line.
    for line in panel.lines.iter().filter(|l| l.stroke != Stroke::Stems) {
        let Trace::Band { width, columns } = &line.trace else {
            continue;
        };
        for run in runs(columns, *width) {
            let upper = run.iter().map(|c| (c.x, floor(c.hi)));
            let lower = run.iter().rev().map(|c| (c.x, floor(c.lo)));
            let polygon: Vec<(f64, f64)> = upper.chain(lower).filter_map(to_px).collect();
            pen.band(&polygon, band_color(line.color))?;
        }
    }
    for (i, line) in panel.lines.iter().enumerate() {
        let width = line.width;
        if line.stroke == Stroke::Stems {
            let tops: Vec<(f64, f64)> = match &line.trace {
                Trace::Points(p) => p.clone(),
                Trace::Band { columns, .. } => columns.iter().map(|c| (c.x, c.hi)).collect(),
            };
            for (x, v) in tops.into_iter().filter(|p| p.1 != 0.0) {
                if let (Some(a), Some(b)) = (to_px((x, floor(0.0))), to_px((x, v))) {
                    pen.segment(a, b, line.color, width)?;
                }
            }
            continue;
        }
        let points = line.trace.line();
        // A line identical to an earlier one is dashed, offset by one dash, so both
        // colours show in turn.
        let same = panel.lines[..i]
            .iter()
            .any(|l| same_points(&l.trace.line(), &points));
        let dash = (same || line.stroke == Stroke::Dashed).then_some(if same { DASH } else { 0.0 });
        let pieces: Vec<Vec<(f64, f64)>> = match &line.trace {
            Trace::Points(p) => vec![p.clone()],
            Trace::Band { width, columns } => runs(columns, *width)
                .into_iter()
                .map(|r| r.iter().map(|c| (c.x, c.line)).collect())
                .collect(),
        };
        for piece in pieces {
            let pixels: Vec<(f64, f64)> = piece.into_iter().filter_map(to_px).collect();
            pen.polyline(&pixels, line.color, width, dash)?;
        }
        if matches!(line.trace, Trace::Points(_)) && points.len() <= DOTS_UP_TO {
            for p in points.into_iter().filter_map(to_px) {
                pen.dot(p, width + 1, line.color)?;
            }
        }
    }

    let (x0, x1) = (panel.x.range.start, panel.x.range.end);
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

    if let Some((title, color)) = &panel.title {
        caption(area, title, *color)?;
    }
    if !panel.has_signal() {
        let (w, h) = pen.area.dim_in_pixel();
        pen.area.draw(&Text::new(
            panel.empty_note.clone(),
            (w as i32 / 2, h as i32 / 2),
            text(18.0, MUTED).pos(Pos::new(HPos::Center, VPos::Center)),
        ))?;
    }
    Ok((px, py))
}

/// A panel's chart: the house margins, room for a caption over the plot when `titled`,
/// and for the x axis's name when `x_desc`.
pub(super) fn panel_builder<'a, 'b>(
    area: &'a Area<'b>,
    titled: bool,
    x_desc: bool,
) -> ChartBuilder<'a, 'b, BitMapBackend<'b>> {
    let mut builder = ChartBuilder::on(area);
    builder
        .margin_top(if titled { 34 } else { 10 })
        .margin_left(PANEL_MARGIN_LEFT)
        .margin_right(PANEL_MARGIN_RIGHT)
        .margin_bottom(if x_desc { 8 } else { 4 })
        .x_label_area_size(if x_desc { 58 } else { 30 })
        .y_label_area_size(Y_LABEL_W);
    builder
}

/// A panel's caption (a small multiple's policy), over its plot, in `color`.
pub(super) fn caption(area: &Area, title: &str, color: RGBColor) -> Result<(), DrawError> {
    area.draw(&Text::new(
        title.to_string(),
        ((PANEL_MARGIN_LEFT + Y_LABEL_W) as i32, 8),
        text(16.0, color).pos(Pos::new(HPos::Left, VPos::Top)),
    ))?;
    Ok(())
}

/// Consecutive columns (no empty column between them), each run drawn as one piece.
fn runs(columns: &[Column], width: f64) -> Vec<&[Column]> {
    let mut out = Vec::new();
    let mut from = 0;
    for i in 1..=columns.len() {
        if i == columns.len() || columns[i].x - columns[i - 1].x > 1.5 * width {
            out.push(&columns[from..i]);
            from = i;
        }
    }
    out
}

fn same_points(a: &[(f64, f64)], b: &[(f64, f64)]) -> bool {
    let close = |x: f64, y: f64| (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0);
    !a.is_empty()
        && a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(p, q)| close(p.0, q.0) && close(p.1, q.1))
}

/// Draws in one plot's pixels (0..=w, 0..=h from its top left), never outside them.
pub(super) struct Pen<'a> {
    pub(super) area: Area<'a>,
    pub(super) w: f64,
    pub(super) h: f64,
}

impl Pen<'_> {
    /// A straight stroke from `a` to `b`: clipped to the plot, then kept half its width
    /// inside, so a value on an edge (0 on the x axis) is drawn on the plot's side of it.
    pub(super) fn segment(
        &self,
        a: (f64, f64),
        b: (f64, f64),
        color: RGBColor,
        width: u32,
    ) -> Result<(), DrawError> {
        let Some((a, b)) = clip(a, b, self.w, self.h) else {
            return Ok(());
        };
        let (a, b) = (self.inside(a, width), self.inside(b, width));
        if a == b {
            return Ok(());
        }
        self.area
            .draw(&PathElement::new(vec![a, b], color.stroke_width(width)))?;
        Ok(())
    }

    fn inside(&self, (x, y): (f64, f64), width: u32) -> (i32, i32) {
        // plotters strokes width w as a polygon ±w/2 about the line, which rounds out
        // to the next pixel.
        let inset = f64::from(width.div_ceil(2));
        let keep = |v: f64, max: f64| v.clamp(inset.min(max / 2.0), (max - inset).max(max / 2.0));
        (
            keep(x, self.w).round() as i32,
            keep(y, self.h).round() as i32,
        )
    }

    /// A polyline: solid (round joints for wide strokes), or dashed from `dash` pixels
    /// into the pattern.
    pub(super) fn polyline(
        &self,
        points: &[(f64, f64)],
        color: RGBColor,
        width: u32,
        dash: Option<f64>,
    ) -> Result<(), DrawError> {
        let mut pattern = dash.unwrap_or(0.0);
        for (k, pair) in points.windows(2).enumerate() {
            let (a, b) = (pair[0], pair[1]);
            let Some(phase) = dash.map(|_| pattern) else {
                self.segment(a, b, color, width)?;
                if width >= 3 && k > 0 {
                    self.dot(a, width / 2, color)?;
                }
                continue;
            };
            let len = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
            let at = |t: f64| (a.0 + (b.0 - a.0) * t / len, a.1 + (b.1 - a.1) * t / len);
            let (mut t, mut phase) = (0.0, phase);
            while t < len {
                let into = phase % (2.0 * DASH);
                let on = into < DASH;
                let step = (if on { DASH - into } else { 2.0 * DASH - into }).min(len - t);
                if on {
                    self.segment(at(t), at(t + step), color, width)?;
                }
                t += step;
                phase += step;
            }
            pattern = phase;
        }
        Ok(())
    }

    /// A filled dot of radius `r`, kept inside the plot.
    pub(super) fn dot(&self, p: (f64, f64), r: u32, color: RGBColor) -> Result<(), DrawError> {
        if !(0.0..=self.w).contains(&p.0) || !(0.0..=self.h).contains(&p.1) {
            return Ok(());
        }
        let c = self.inside(p, 2 * r);
        self.area.draw(&Circle::new(c, r, color.filled()))?;
        Ok(())
    }

    /// A circle of radius `r` drawn as a `width`-pixel stroke, if its centre is inside.
    pub(super) fn ring(
        &self,
        p: (f64, f64),
        r: u32,
        width: u32,
        color: RGBColor,
    ) -> Result<(), DrawError> {
        if !(0.0..=self.w).contains(&p.0) || !(0.0..=self.h).contains(&p.1) {
            return Ok(());
        }
        let c = self.inside(p, 2 * r + width);
        self.area
            .draw(&Circle::new(c, r, color.stroke_width(width)))?;
        Ok(())
    }

    /// A filled band polygon (upper edge left to right, lower edge back), clamped into
    /// the plot; one column wide it is a vertical stroke.
    pub(super) fn band(&self, polygon: &[(f64, f64)], color: RGBAColor) -> Result<(), DrawError> {
        let clamp = |&(x, y): &(f64, f64)| {
            (
                x.clamp(0.0, self.w).round() as i32,
                y.clamp(0.0, self.h).round() as i32,
            )
        };
        let points: Vec<(i32, i32)> = polygon.iter().map(clamp).collect();
        match points.as_slice() {
            [] | [_] => {}
            [a, b] => {
                self.area
                    .draw(&PathElement::new(vec![*a, *b], color.stroke_width(1)))?;
            }
            _ => {
                self.area.draw(&Polygon::new(points, color.filled()))?;
            }
        }
        Ok(())
    }
}

/// The part of segment `a`–`b` inside `[0, w] × [0, h]` (Liang–Barsky), if any.
fn clip(a: (f64, f64), b: (f64, f64), w: f64, h: f64) -> Option<((f64, f64), (f64, f64))> {
    if ![a.0, a.1, b.0, b.1].iter().all(|v| v.is_finite()) {
        return None;
    }
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [(-dx, a.0), (dx, w - a.0), (-dy, a.1), (dy, h - a.1)] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
        }
    }
    (t0 <= t1).then_some((
        (a.0 + t0 * dx, a.1 + t0 * dy),
        (a.0 + t1 * dx, a.1 + t1 * dy),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipping_keeps_the_inside_part() {
        assert_eq!(
            clip((-10.0, 5.0), (10.0, 5.0), 100.0, 100.0),
            Some(((0.0, 5.0), (10.0, 5.0)))
        );
        assert_eq!(clip((5.0, 150.0), (5.0, 120.0), 100.0, 100.0), None);
        let ((_, y0), (_, y1)) = clip((0.0, 50.0), (10.0, 250.0), 100.0, 100.0).unwrap();
        assert_eq!((y0, y1), (50.0, 100.0));
        assert_eq!(clip((f64::NAN, 0.0), (1.0, 1.0), 10.0, 10.0), None);
    }

    #[test]
    fn runs_break_at_empty_columns() {
        let col = |x: f64| Column {
            x,
            lo: 0.0,
            hi: 1.0,
            line: 0.5,
        };
        let cols = [col(0.5), col(1.5), col(4.5), col(5.5)];
        let r = runs(&cols, 1.0);
        assert_eq!(r.len(), 2);
        assert_eq!((r[0].len(), r[1].len()), (2, 2));
        assert!(runs(&[], 1.0).is_empty());
    }
}
