//! A sweep's charts (`provsim sweep`, issue #17):
//!
//! - `pareto.png`: every point's all-in cost against its p99 response time, one colour
//!   per policy (in order of first appearance, as every chart), filled where the point
//!   meets every `subject_to` bound and hollow where it misses one; each policy's Pareto
//!   front over its feasible points (nothing both cheaper and faster) as a step line; its
//!   best point under the objective ringed and labelled. Axes go log when their values
//!   span more than 30×. Beyond six policies, one panel per policy (the others grey).
//! - `objective.png`: one panel per varied field: along the field's values, each policy's
//!   lowest objective over the other fields among feasible points (a line), over a pale
//!   cloud of every point; values where no policy has a feasible point are shaded.
//!
//! Markers are thinned to one per 2×2 pixels per policy and kind, so 100,000 rows draw
//! as fast as a few thousand. Rows whose values cannot be drawn (not finite, or ≤ 0 on a
//! log axis) are left out and counted in the subtitle.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::draw::{Pen, caption, panel_builder};
use super::figure::{
    MAX_OVERLAID, MULTIPLES_COLS, PlotRect, SIZE, WIDE, YAxis, house_mesh, linear_range, log_axis,
    money_tick, multiples_height, tick,
};
use super::layout::{LegendEntry, Swatch, header, legend, truncate};
use super::style::{GRID_BOLD, INK, MUTED, line_width, pale, policy_color, text};
use super::{Area, DrawError, charts_dir, draw_file};
use crate::report::{OutputError, format};

/// What a sweep's charts show: its rows and how to read them.
#[derive(Debug, Clone, Default)]
pub(crate) struct SweepChart {
    /// The sweep's name (titles).
    pub name: String,
    /// A line under the title (base scenario, replications, …).
    pub subtitle: String,
    /// The summary column minimised (`all_in_cost`, `response_p99_s`, …).
    pub objective: String,
    /// The varied fields' paths, in grid order.
    pub varied: Vec<String>,
    pub rows: Vec<SweepChartRow>,
}

impl SweepChart {
    /// `name: what`, or `what` for a sweep without a name.
    fn title(&self, what: &str) -> String {
        if self.name.is_empty() {
            what.to_string()
        } else {
            format!("{}: {what}", self.name)
        }
    }

    /// The minimised column, or `objective` when none is named.
    fn objective_name(&self) -> &str {
        if self.objective.is_empty() {
            "objective"
        } else {
            &self.objective
        }
    }
}

/// One point × policy (means when replicated).
#[derive(Debug, Clone, Default)]
pub(crate) struct SweepChartRow {
    pub point: usize,
    /// One per varied field, in `varied` order.
    pub values: Vec<f64>,
    pub policy: String,
    pub all_in_cost: f64,
    pub response_p99_s: f64,
    /// The minimised column's value.
    pub objective: f64,
    /// Meets every `subject_to` bound.
    pub feasible: bool,
}

/// One of a sweep's charts: its size, and how it is drawn (returning its plots' pixels).
struct SweepDrawing {
    size: fn(&SweepChart) -> (u32, u32),
    draw: fn(&Area, &SweepChart) -> Result<Vec<PlotRect>, DrawError>,
}

const PARETO: SweepDrawing = SweepDrawing {
    size: pareto_size,
    draw: pareto_chart,
};
const OBJECTIVE: SweepDrawing = SweepDrawing {
    size: objective_size,
    draw: objective_chart,
};

/// Draws `dir/charts/pareto.png` and `dir/charts/objective.png`; returns their paths
/// relative to `dir`.
pub(crate) fn draw_sweep(dir: &Path, chart: &SweepChart) -> Result<Vec<PathBuf>, OutputError> {
    charts_dir(dir)?;
    let charts = [("pareto.png", PARETO), ("objective.png", OBJECTIVE)];
    let mut written = Vec::with_capacity(charts.len());
    for (name, drawing) in charts {
        let rel = Path::new("charts").join(name);
        let path = dir.join(&rel);
        draw_file(&path, || {
            let root = BitMapBackend::new(&path, (drawing.size)(chart)).into_drawing_area();
            (drawing.draw)(&root, chart)?;
            root.present()?;
            Ok(())
        })?;
        written.push(rel);
    }
    Ok(written)
}

/// Most policies drawn as panels of their own.
const MAX_PANELS: usize = 12;
/// A small multiple's height, and a field panel's.
const PANEL_H: u32 = 330;
/// Markers are thinned to one per this many pixels square (per policy and kind).
const MARKER_CELL: f64 = 2.0;
/// Other policies' points behind a small multiple's own.
const OTHERS: RGBColor = RGBColor(214, 214, 214);
/// Field values where no policy has a feasible point.
const NONE_FEASIBLE: RGBColor = RGBColor(236, 236, 236);

// ---------------------------------------------------------------------------------------
// The data: policies, fronts, best points
// ---------------------------------------------------------------------------------------

/// The indices of the points that no other point dominates (no more costly and no
/// slower, and better in one), ordered by cost; of identical points only the first.
/// Points with a coordinate that is not finite are left out.
pub(super) fn pareto_front(points: &[(f64, f64)]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..points.len())
        .filter(|&i| points[i].0.is_finite() && points[i].1.is_finite())
        .collect();
    let cmp = |a: f64, b: f64| a.partial_cmp(&b).unwrap_or(std::cmp::Ordering::Equal);
    idx.sort_by(|&a, &b| {
        cmp(points[a].0, points[b].0)
            .then(cmp(points[a].1, points[b].1))
            .then(a.cmp(&b))
    });
    // By cost, then p99: a point is on the front iff it is faster than all before it.
    let mut fastest = f64::INFINITY;
    idx.retain(|&i| {
        let keep = points[i].1 < fastest;
        if keep {
            fastest = points[i].1;
        }
        keep
    });
    idx
}

/// The front (ordered by cost) as a staircase: from each point across at its p99 to the
/// next one's cost, then down to it: the lowest p99 reachable for each cost.
fn staircase(front: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(2 * front.len());
    for w in front.windows(2) {
        out.push(w[0]);
        out.push((w[1].0, w[0].1));
    }
    out.extend(front.last());
    out
}

/// Policies in order of first appearance, and each row's policy index.
fn policies(rows: &[SweepChartRow]) -> (Vec<&str>, Vec<usize>) {
    let mut names: Vec<&str> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    let of = rows
        .iter()
        .map(|r| {
            *index.entry(r.policy.as_str()).or_insert_with(|| {
                names.push(&r.policy);
                names.len() - 1
            })
        })
        .collect();
    (names, of)
}

/// Per policy, its feasible row with the lowest finite objective (the first on a tie).
fn best_rows(rows: &[SweepChartRow], of: &[usize], n: usize) -> Vec<Option<usize>> {
    let mut best: Vec<Option<usize>> = vec![None; n];
    for (i, r) in rows.iter().enumerate() {
        if !(r.feasible && r.objective.is_finite()) {
            continue;
        }
        let b = &mut best[of[i]];
        if b.is_none_or(|j| r.objective < rows[j].objective) {
            *b = Some(i);
        }
    }
    best
}

/// How a summary column's values read: by its name.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Unit {
    Money,
    Seconds,
    Fraction,
    Plain,
}

impl Unit {
    fn of(column: &str) -> Unit {
        if column.contains("cost") {
            Unit::Money
        } else if column.ends_with("_s") {
            Unit::Seconds
        } else if column.contains("fraction") {
            Unit::Fraction
        } else {
            Unit::Plain
        }
    }

    fn desc(self, column: &str) -> String {
        match self {
            Unit::Money => format!("{column}, USD"),
            Unit::Seconds => format!("{column}, seconds"),
            Unit::Fraction => format!("{column}, %"),
            Unit::Plain => column.to_string(),
        }
    }

    fn value(self, v: f64) -> String {
        match self {
            Unit::Money => format::money(v),
            Unit::Seconds => format::duration(v),
            Unit::Fraction => format::percent(v),
            Unit::Plain => format::number(v, 4),
        }
    }

    fn tick(self) -> fn(f64) -> String {
        match self {
            Unit::Money => money_tick,
            Unit::Seconds => format::duration,
            Unit::Fraction => format::percent,
            Unit::Plain => tick,
        }
    }
}

/// A field's name for labels: its last part (`policy[cloud].scaling.target` reads
/// `target`), or the whole path where two fields would read alike.
fn short_names(varied: &[String]) -> Vec<String> {
    let last = |f: &String| f.rsplit('.').next().unwrap_or(f).to_string();
    varied
        .iter()
        .map(|f| {
            let s = last(f);
            if varied.iter().filter(|g| last(g) == s).count() > 1 {
                f.clone()
            } else {
                s
            }
        })
        .collect()
}

/// `best: servers=8, target=0.6 · $1,234`.
fn best_label(chart: &SweepChart, names: &[String], row: &SweepChartRow) -> String {
    let fields: Vec<String> = names
        .iter()
        .zip(&row.values)
        .map(|(n, v)| format!("{n}={}", format::number(*v, 4)))
        .collect();
    let value = Unit::of(&chart.objective).value(row.objective);
    let label = if fields.is_empty() {
        format!("best: {value}")
    } else {
        format!("best: {} · {value}", fields.join(", "))
    };
    truncate(&label, 64)
}

/// A scatter axis over `values`: log if they span more than 30×, else linear, padded,
/// from 0 when `from_zero` (and none is negative), else around them (never below 0 when
/// all are positive).
fn scatter_axis(values: &[f64], from_zero: bool) -> YAxis {
    if let Some(l) = log_axis(values.iter().copied(), 30.0) {
        return YAxis::Log(l);
    }
    if from_zero {
        return YAxis::Linear(linear_range(values.iter().copied()));
    }
    let (lo, hi) = values
        .iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    if !lo.is_finite() {
        return YAxis::Linear(0.0..1.0);
    }
    let pad = if hi > lo {
        (hi - lo) * 0.08
    } else if hi != 0.0 {
        hi.abs() * 0.1
    } else {
        1.0
    };
    // Positive values keep the axis positive; 0 gets room on both sides.
    let start = if lo > 0.0 {
        (lo - pad).max(0.0)
    } else {
        lo - pad
    };
    YAxis::Linear(start..hi + pad)
}

/// Whether `v` can be drawn on `axis`.
fn drawable(axis: &YAxis, v: f64) -> bool {
    v.is_finite() && !(matches!(axis, YAxis::Log(_)) && v <= 0.0)
}

// ---------------------------------------------------------------------------------------
// Plots in pixels
// ---------------------------------------------------------------------------------------

/// How a plot's axes are labelled.
struct Axes {
    x: YAxis,
    y: YAxis,
    x_desc: String,
    y_desc: String,
    x_fmt: fn(f64) -> String,
    y_fmt: fn(f64) -> String,
    /// Name the x axis (the bottom row of a grid).
    x_desc_shown: bool,
    /// A caption over the plot, in a colour.
    title: Option<(String, RGBColor)>,
    /// Label exactly these x values (a linear axis with few distinct values).
    x_keys: Option<Vec<f64>>,
}

/// A plot with its grid and labels drawn: its pixels, and where values fall on them.
struct Frame<'a> {
    pen: Pen<'a>,
    x: YAxis,
    y: YAxis,
}

impl Frame<'_> {
    /// Pixels from the plot's top left of `(x, y)`, if both can be drawn (they may lie
    /// outside the plot).
    fn at(&self, (x, y): (f64, f64)) -> Option<(f64, f64)> {
        let along = |axis: &YAxis, v: f64| -> Option<f64> {
            if !drawable(axis, v) {
                return None;
            }
            let r = axis.range();
            Some(match axis {
                YAxis::Log(_) => (v.ln() - r.start.ln()) / (r.end.ln() - r.start.ln()),
                YAxis::Linear(_) => (v - r.start) / (r.end - r.start),
            })
        };
        let (tx, ty) = (along(&self.x, x)?, along(&self.y, y)?);
        Some((tx * self.pen.w, (1.0 - ty) * self.pen.h))
    }

    /// Pixels of `(x, y)` if they fall inside the plot.
    fn inside(&self, p: (f64, f64)) -> Option<(f64, f64)> {
        self.at(p)
            .filter(|q| (0.0..=self.pen.w).contains(&q.0) && (0.0..=self.pen.h).contains(&q.1))
    }
}

/// Draws the grid, ticks and axis names on `area`; returns the plot to draw in.
fn frame<'a>(area: &Area<'a>, axes: &Axes) -> Result<Frame<'a>, DrawError> {
    let pen = match (axes.x.clone(), axes.y.clone()) {
        (YAxis::Linear(x), YAxis::Linear(y)) => mesh(area, axes, x, y, false)?,
        (YAxis::Linear(x), YAxis::Log(y)) => mesh(area, axes, x, y.coord(), true)?,
        (YAxis::Log(x), YAxis::Linear(y)) => mesh(area, axes, x.coord(), y, false)?,
        (YAxis::Log(x), YAxis::Log(y)) => mesh(area, axes, x.coord(), y.coord(), true)?,
    };
    let f = Frame {
        pen,
        x: axes.x.clone(),
        y: axes.y.clone(),
    };
    // The x values to label, each with its grid line (plotters picks round ones).
    let (plot, outer) = (f.pen.area.get_base_pixel(), area.get_base_pixel());
    let (ox, oy) = (plot.0 - outer.0, plot.1 - outer.1);
    for &k in axes.x_keys.iter().flatten() {
        let Some((x, _)) = f.at((k, f.y.range().start)) else {
            continue;
        };
        f.pen.segment((x, 0.0), (x, f.pen.h), GRID_BOLD, 1)?;
        area.draw(&Text::new(
            (axes.x_fmt)(k),
            (ox + x.round() as i32, oy + f.pen.h as i32 + 8),
            text(15.0, INK).pos(Pos::new(HPos::Center, VPos::Top)),
        ))?;
    }
    Ok(f)
}

fn mesh<'a, X, Y>(
    area: &Area<'a>,
    axes: &Axes,
    x: X,
    y: Y,
    log_y: bool,
) -> Result<Pen<'a>, DrawError>
where
    X: AsRangedCoord<Value = f64>,
    X::CoordDescType: ValueFormatter<f64>,
    Y: AsRangedCoord<Value = f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let mut chart =
        panel_builder(area, axes.title.is_some(), axes.x_desc_shown).build_cartesian_2d(x, y)?;
    let (px, py) = chart.plotting_area().get_pixel_range();
    let x_fmt = |v: &f64| (axes.x_fmt)(*v);
    let y_fmt = |v: &f64| (axes.y_fmt)(*v);
    let mut mesh = chart.configure_mesh();
    let x_labels = match &axes.x_keys {
        Some(_) => 0,
        None => ((px.end - px.start) / 85).clamp(3, 12) as usize,
    };
    house_mesh(&mut mesh, log_y)
        .x_labels(x_labels)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .y_desc(axes.y_desc.as_str());
    if axes.x_desc_shown {
        mesh.x_desc(axes.x_desc.as_str());
    }
    mesh.draw()?;
    if let Some((title, color)) = &axes.title {
        caption(area, title, *color)?;
    }
    Ok(Pen {
        area: chart.plotting_area().strip_coord_spec(),
        w: f64::from(px.end - px.start - 1),
        h: f64::from(py.end - py.start - 1),
    })
}

/// One marker per [`MARKER_CELL`] pixels square and `key`, the first there.
fn thin<K: std::hash::Hash + Eq + Copy>(
    markers: impl Iterator<Item = ((f64, f64), K)>,
) -> Vec<((f64, f64), K)> {
    let mut seen = HashSet::new();
    markers
        .filter(|&((x, y), k)| {
            let cell = ((x / MARKER_CELL) as i64, (y / MARKER_CELL) as i64);
            seen.insert((cell, k))
        })
        .collect()
}

/// Cells of `n` panels in rows of up to `cols` under `area`.
fn grid<'a>(area: &Area<'a>, n: usize, cols: usize) -> Vec<Area<'a>> {
    let rows = n.div_ceil(cols).max(1);
    area.split_evenly((rows, cols))
}

/// Labels placed so far in a plot, as pixel rectangles; a new one goes to the first of a
/// few spots around its point that fits in the plot and overlaps none.
struct Labels(Vec<(f64, f64, f64, f64)>);

impl Labels {
    fn place(
        &mut self,
        pen: &Pen,
        at: (f64, f64),
        label: &str,
        color: RGBColor,
    ) -> Result<(), DrawError> {
        let style = text(14.0, color);
        let (w, h) = pen.area.estimate_text_size(label, &style)?;
        let (w, h) = (f64::from(w) + 6.0, f64::from(h) + 4.0);
        let overlaps = |r: &(f64, f64, f64, f64)| {
            self.0
                .iter()
                .any(|o| r.0 < o.2 && o.0 < r.2 && r.1 < o.3 && o.1 < r.3)
        };
        let fits =
            |r: &(f64, f64, f64, f64)| r.0 >= 0.0 && r.1 >= 0.0 && r.2 <= pen.w && r.3 <= pen.h;
        let spots = (0..8).flat_map(|k| {
            let dy = f64::from(k) * (h + 2.0);
            [
                (at.0 + 12.0, at.1 - 12.0 - h - dy),
                (at.0 + 12.0, at.1 + 12.0 + dy),
                (at.0 - 12.0 - w, at.1 - 12.0 - h - dy),
                (at.0 - 12.0 - w, at.1 + 12.0 + dy),
            ]
        });
        let rect = |(x, y): (f64, f64)| (x, y, x + w, y + h);
        let chosen = spots
            .clone()
            .map(rect)
            .find(|r| fits(r) && !overlaps(r))
            .unwrap_or_else(|| {
                // Nowhere free: inside the plot, beside the point.
                let (x, y) = (
                    (at.0 + 12.0).clamp(0.0, (pen.w - w).max(0.0)),
                    (at.1 - 12.0 - h).clamp(0.0, (pen.h - h).max(0.0)),
                );
                rect((x, y))
            });
        self.0.push(chosen);
        let (x, y) = (chosen.0.round() as i32, chosen.1.round() as i32);
        pen.area.draw(&Rectangle::new(
            [(x, y), (chosen.2.round() as i32, chosen.3.round() as i32)],
            WHITE.mix(0.85).filled(),
        ))?;
        pen.area.draw(&Text::new(
            label.to_string(),
            (x + 3, y + 2),
            style.pos(Pos::new(HPos::Left, VPos::Top)),
        ))?;
        Ok(())
    }
}

/// What a chart says about rows it could not draw.
fn left_out_note(left_out: usize, what: &str) -> Option<String> {
    (left_out > 0).then(|| {
        format!(
            "{} row{} left out ({what})",
            format::count(left_out as u64),
            if left_out == 1 { "" } else { "s" }
        )
    })
}

/// The chart's subtitle: the sweep's own, then notes.
fn subtitle(chart: &SweepChart, notes: &[Option<String>]) -> String {
    std::iter::once(chart.subtitle.clone())
        .chain(notes.iter().flatten().cloned())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

fn policy_entries(names: &[&str], n: usize) -> Vec<LegendEntry> {
    names
        .iter()
        .enumerate()
        .map(|(i, p)| {
            LegendEntry::new(
                truncate(p, 28),
                Swatch::Line(policy_color(i), line_width(n)),
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// pareto.png
// ---------------------------------------------------------------------------------------

/// Draws `pareto.png` on `root` (of [`pareto_size`]); returns the plots' pixels.
fn pareto_chart(root: &Area, chart: &SweepChart) -> Result<Vec<PlotRect>, DrawError> {
    let rows = &chart.rows;
    let (names, of) = policies(rows);
    let n = names.len();
    // The axes fit the rows with both values finite.
    let both = |r: &&SweepChartRow| r.all_in_cost.is_finite() && r.response_p99_s.is_finite();
    let values = |pick: fn(&SweepChartRow) -> f64| -> Vec<f64> {
        rows.iter().filter(both).map(pick).collect()
    };
    let x = scatter_axis(&values(|r| r.all_in_cost), false);
    let y = scatter_axis(&values(|r| r.response_p99_s), true);
    let shown = |r: &SweepChartRow| drawable(&x, r.all_in_cost) && drawable(&y, r.response_p99_s);
    let left_out = rows.iter().filter(|r| !shown(r)).count();
    // Per policy: its drawable points (row, cost, p99), front (feasible points), best row.
    let mut points: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, r) in rows.iter().enumerate() {
        if shown(r) {
            points[of[i]].push(i);
        }
    }
    let fronts: Vec<Vec<(f64, f64)>> = points
        .iter()
        .map(|pts| {
            let feasible: Vec<(f64, f64)> = pts
                .iter()
                .filter(|&&i| rows[i].feasible)
                .map(|&i| (rows[i].all_in_cost, rows[i].response_p99_s))
                .collect();
            pareto_front(&feasible)
                .into_iter()
                .map(|k| feasible[k])
                .collect()
        })
        .collect();
    let best = best_rows(rows, &of, n);
    let field_names = short_names(&chart.varied);
    let none_feasible = best.iter().filter(|b| b.is_none()).count();

    let multiples = n > MAX_OVERLAID;
    let panels = if multiples { n.min(MAX_PANELS) } else { 1 };
    root.fill(&WHITE)?;
    let objective = chart.objective_name();
    let grid_points = rows.iter().map(|r| r.point).collect::<HashSet<_>>().len();
    let notes = [
        Some(format!(
            "{} point{} × {n} polic{}",
            format::count(grid_points as u64),
            if grid_points == 1 { "" } else { "s" },
            if n == 1 { "y" } else { "ies" }
        )),
        Some("step lines: Pareto fronts of the feasible points".to_string()),
        (none_feasible > 0).then(|| {
            format!(
                "{none_feasible} of {n} polic{} with no feasible point",
                if n == 1 { "y" } else { "ies" }
            )
        }),
        (n > panels && multiples).then(|| format!("first {panels} of {n} policies")),
        left_out_note(left_out, "cost or p99 not finite, or ≤ 0 on a log axis"),
    ];
    let body = header(
        root,
        &chart.title("all-in cost against p99 response time"),
        &subtitle(chart, &notes),
    )?;
    let mut entries = if multiples {
        Vec::new()
    } else {
        policy_entries(&names, n)
    };
    entries.extend([
        LegendEntry::new("meets every bound", Swatch::Dot(MUTED)),
        LegendEntry::new("misses a bound", Swatch::Hollow(MUTED)),
        LegendEntry::new(
            format!("lowest {objective} meeting them"),
            Swatch::Ring(MUTED),
        ),
    ]);
    if multiples {
        entries.push(LegendEntry::new("other policies", Swatch::Dot(OTHERS)));
    }
    let rest = legend(&body, &entries)?;
    let mut rects = Vec::new();
    let cols = if multiples { MULTIPLES_COLS } else { 1 };
    let cells = grid(&rest, panels, cols);
    for (k, area) in cells.iter().enumerate().take(panels) {
        let axes = Axes {
            x: x.clone(),
            y: y.clone(),
            x_desc: "all-in cost (infrastructure + penalty), USD".to_string(),
            y_desc: "p99 response time".to_string(),
            x_fmt: money_tick,
            y_fmt: format::duration,
            x_desc_shown: k + cols >= panels,
            title: multiples.then(|| (truncate(names[k], 40), policy_color(k))),
            x_keys: None,
        };
        let f = frame(area, &axes)?;
        rects.push(f.pen.area.get_pixel_range());
        let own: Vec<usize> = if multiples { vec![k] } else { (0..n).collect() };
        // Other policies' points, grey, behind a small multiple's own.
        if multiples {
            let grey = thin(
                (0..n)
                    .filter(|&p| p != k)
                    .flat_map(|p| &points[p])
                    .filter_map(|&i| f.inside((rows[i].all_in_cost, rows[i].response_p99_s)))
                    .map(|p| (p, ())),
            );
            for (p, ()) in grey {
                f.pen.dot(p, 2, OTHERS)?;
            }
        }
        // Every point, pale: hollow misses a bound, filled meets them all.
        for &p in &own {
            let c = pale(policy_color(p));
            let markers = thin(points[p].iter().filter_map(|&i| {
                let r = &rows[i];
                f.inside((r.all_in_cost, r.response_p99_s))
                    .map(|q| (q, r.feasible))
            }));
            for (q, feasible) in markers {
                if feasible {
                    f.pen.dot(q, 3, c)?;
                } else {
                    f.pen.ring(q, 3, 1, policy_color(p))?;
                }
            }
        }
        // Fronts over them, their points in full colour.
        let width = if multiples { 2 } else { line_width(n) };
        for &p in &own {
            let c = policy_color(p);
            let stair: Vec<(f64, f64)> = staircase(&fronts[p])
                .into_iter()
                .filter_map(|q| f.at(q))
                .collect();
            f.pen.polyline(&stair, c, width, None)?;
            for q in thin(
                fronts[p]
                    .iter()
                    .filter_map(|&q| f.inside(q))
                    .map(|q| (q, ())),
            ) {
                f.pen.dot(q.0, 3, c)?;
            }
        }
        // The best points, ringed and labelled: labels on neither each other nor rings.
        let ringed: Vec<(usize, (f64, f64))> = own
            .iter()
            .filter_map(|&p| {
                let r = &rows[best[p]?];
                Some((p, f.inside((r.all_in_cost, r.response_p99_s))?))
            })
            .collect();
        let mut labels = Labels(
            ringed
                .iter()
                .map(|(_, q)| (q.0 - 11.0, q.1 - 11.0, q.0 + 11.0, q.1 + 11.0))
                .collect(),
        );
        for &(p, q) in &ringed {
            f.pen.ring(q, 9, 2, policy_color(p))?;
            let label = best_label(chart, &field_names, &rows[best[p].unwrap_or_default()]);
            labels.place(&f.pen, q, &label, policy_color(p))?;
        }
        if own.iter().all(|&p| points[p].is_empty()) {
            no_data(&f.pen, "no point to draw")?;
        }
    }
    Ok(rects)
}

/// `pareto.png`'s size: one plot, or a panel per policy beyond [`MAX_OVERLAID`].
fn pareto_size(chart: &SweepChart) -> (u32, u32) {
    let n = policies(&chart.rows).0.len();
    if n > MAX_OVERLAID {
        (WIDE, multiples_height(n.min(MAX_PANELS), PANEL_H))
    } else {
        SIZE
    }
}

/// Panels a row for `fields` panels.
fn field_cols(fields: usize) -> usize {
    match fields {
        0 | 1 => 1,
        2 | 4 => 2,
        _ => 3,
    }
}

/// `objective.png`'s size: one plot, or a grid of a panel per varied field.
fn objective_size(chart: &SweepChart) -> (u32, u32) {
    let fields = chart.varied.len();
    let cols = field_cols(fields);
    if fields <= 1 {
        SIZE
    } else {
        (
            if cols == 3 { WIDE } else { SIZE.0 },
            multiples_height(fields * MULTIPLES_COLS / cols, PANEL_H).max(SIZE.1),
        )
    }
}

/// A grey note in the middle of an empty plot.
fn no_data(pen: &Pen, note: &str) -> Result<(), DrawError> {
    pen.area.draw(&Text::new(
        note.to_string(),
        ((pen.w / 2.0) as i32, (pen.h / 2.0) as i32),
        text(18.0, MUTED).pos(Pos::new(HPos::Center, VPos::Center)),
    ))?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// objective.png
// ---------------------------------------------------------------------------------------

/// Along one varied field: its distinct values, and per policy the lowest objective
/// among feasible rows at each (`None` where it has none).
#[derive(Debug, PartialEq)]
pub(super) struct Profile {
    pub(super) xs: Vec<f64>,
    pub(super) best: Vec<Vec<Option<f64>>>,
}

/// The [`Profile`] of field `field` (`None`: the point index, for a sweep that varies
/// nothing).
fn profile(rows: &[SweepChartRow], of: &[usize], n: usize, field: Option<usize>) -> Profile {
    let x_of = |r: &SweepChartRow| match field {
        Some(k) => r.values.get(k).copied().unwrap_or(f64::NAN),
        None => r.point as f64,
    };
    let mut xs: Vec<f64> = rows.iter().map(x_of).filter(|x| x.is_finite()).collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    // + 0.0 makes −0 and 0 one key.
    let slot: HashMap<u64, usize> = xs
        .iter()
        .enumerate()
        .map(|(i, x)| ((x + 0.0).to_bits(), i))
        .collect();
    let mut best = vec![vec![None; xs.len()]; n];
    for (i, r) in rows.iter().enumerate() {
        let Some(&s) = slot.get(&(x_of(r) + 0.0).to_bits()) else {
            continue;
        };
        if r.feasible && r.objective.is_finite() {
            let b: &mut Option<f64> = &mut best[of[i]][s];
            if b.is_none_or(|v| r.objective < v) {
                *b = Some(r.objective);
            }
        }
    }
    Profile { xs, best }
}

/// Draws `objective.png` on `root` (of [`objective_size`]); returns the plots' pixels.
fn objective_chart(root: &Area, chart: &SweepChart) -> Result<Vec<PlotRect>, DrawError> {
    let rows = &chart.rows;
    let (names, of) = policies(rows);
    let n = names.len();
    let fields: Vec<Option<usize>> = if chart.varied.is_empty() {
        vec![None]
    } else {
        (0..chart.varied.len()).map(Some).collect()
    };
    let cols = field_cols(fields.len());
    let unit = Unit::of(&chart.objective);
    let objectives: Vec<f64> = rows.iter().map(|r| r.objective).collect();
    let y = scatter_axis(
        &objectives
            .iter()
            .copied()
            .filter(|v| v.is_finite())
            .collect::<Vec<_>>(),
        true,
    );
    let left_out = objectives.iter().filter(|v| !drawable(&y, **v)).count();
    let profiles: Vec<Profile> = fields.iter().map(|&f| profile(rows, &of, n, f)).collect();
    let nothing_feasible = |p: &Profile, s: usize| p.best.iter().all(|b| b[s].is_none());
    let any_gap = profiles
        .iter()
        .any(|p| (0..p.xs.len()).any(|s| nothing_feasible(p, s)));

    root.fill(&WHITE)?;
    let objective = chart.objective_name();
    let notes = [
        Some(format!(
            "lines: the lowest {objective} over the other fields among points meeting every bound; dots: every point"
        )),
        left_out_note(
            left_out,
            &format!("{objective} not finite, or ≤ 0 on a log axis"),
        ),
    ];
    let body = header(
        root,
        &chart.title(&format!("{objective} along each varied field")),
        &subtitle(chart, &notes),
    )?;
    let mut entries = policy_entries(&names, n);
    entries.push(LegendEntry::new("every point", Swatch::Dot(pale(MUTED))));
    if any_gap {
        entries.push(LegendEntry::new(
            "no policy meets every bound",
            Swatch::Fill(NONE_FEASIBLE),
        ));
    }
    let rest = legend(&body, &entries)?;
    let mut rects = Vec::new();
    let cells = grid(&rest, fields.len(), cols);
    let short = short_names(&chart.varied);
    for ((field, prof), area) in fields.iter().zip(&profiles).zip(&cells) {
        let x_desc = match field {
            Some(f) => chart.varied[*f].clone(),
            None => "sweep point".to_string(),
        };
        let x = scatter_axis(&prof.xs, false);
        let axes = Axes {
            x: x.clone(),
            y: y.clone(),
            x_desc: x_desc.clone(),
            y_desc: unit.desc(objective),
            x_fmt: tick,
            y_fmt: unit.tick(),
            // Every panel names its field.
            x_desc_shown: true,
            title: (fields.len() > 1)
                .then(|| (field.map_or(String::new(), |f| short[f].clone()), MUTED)),
            // Few values: label each (a grid's values are what the user wrote).
            x_keys: (matches!(x, YAxis::Linear(_)) && prof.xs.len() <= 24 / cols)
                .then(|| prof.xs.clone()),
        };
        let f = frame(area, &axes)?;
        rects.push(f.pen.area.get_pixel_range());
        // Where no policy has a feasible point: a pale column.
        let px: Vec<Option<f64>> = prof
            .xs
            .iter()
            .map(|&v| f.at((v, y.range().start)).map(|p| p.0))
            .collect();
        for s in (0..prof.xs.len()).filter(|&s| nothing_feasible(prof, s)) {
            let Some(c) = px[s] else { continue };
            let half = |o: Option<&Option<f64>>| {
                o.copied()
                    .flatten()
                    .map_or(8.0, |v| ((v - c).abs() / 2.0).clamp(2.0, 40.0))
            };
            let (l, r) = (
                c - half(s.checked_sub(1).map(|i| &px[i])),
                c + half(px.get(s + 1)),
            );
            f.pen.band(
                &[(l, 0.0), (r, 0.0), (r, f.pen.h), (l, f.pen.h)],
                NONE_FEASIBLE.to_rgba(),
            )?;
        }
        // Every point, pale, then the lines.
        let x_of = |r: &SweepChartRow| match field {
            Some(j) => r.values.get(*j).copied().unwrap_or(f64::NAN),
            None => r.point as f64,
        };
        let cloud = thin(
            rows.iter()
                .zip(&of)
                .filter_map(|(r, &p)| f.inside((x_of(r), r.objective)).map(|q| (q, p))),
        );
        for (q, p) in cloud {
            f.pen.dot(q, 2, pale(policy_color(p)))?;
        }
        for (p, line) in prof.best.iter().enumerate() {
            let c = policy_color(p);
            let width = line_width(n);
            // Runs of consecutive values with a feasible point, each its own piece.
            let mut run: Vec<(f64, f64)> = Vec::new();
            for (s, v) in line.iter().enumerate() {
                match v.and_then(|v| f.at((prof.xs[s], v))) {
                    Some(q) => run.push(q),
                    None => {
                        f.pen.polyline(&run, c, width, None)?;
                        run.clear();
                    }
                }
                if let Some(q) = v.and_then(|v| f.inside((prof.xs[s], v))) {
                    f.pen.dot(q, width + 1, c)?;
                }
            }
            f.pen.polyline(&run, c, width, None)?;
        }
        if prof.xs.is_empty() {
            no_data(&f.pen, "no point to draw")?;
        }
    }
    Ok(rects)
}

#[cfg(test)]
mod tests;
