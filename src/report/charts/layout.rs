//! Text around the plots: the title and subtitle over a chart, the legend laid out in
//! rows above the plot (never over data), and shortened names and texts.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::style::{INK, MUTED, text};
use super::{Area, DrawError};
use crate::metrics::Summary;

const LEGEND_ROW_H: u32 = 28;
const SWATCH_W: i32 = 30;
const LEGEND_GAP: i32 = 28;
const MAX_LEGEND_ROWS: usize = 3;
/// Height of a subtitle line.
const SUBTITLE_LINE_H: u32 = 19;

/// Draws the title and the subtitle, wrapped onto as many lines as it needs (never cut);
/// returns the area below them.
pub(super) fn header<'a>(
    root: &Area<'a>,
    title: &str,
    subtitle: &str,
) -> Result<Area<'a>, DrawError> {
    let width = root.dim_in_pixel().0 as i32;
    let style = text(14.0, MUTED);
    let lines = wrap(root, subtitle, &style, width - 60)?;
    let height = 50 + SUBTITLE_LINE_H * lines.len() as u32 + 4;
    let (top, rest) = root.split_vertically(height);
    let mid = width / 2;
    let centre_top = Pos::new(HPos::Center, VPos::Top);
    top.draw(&Text::new(
        title.to_string(),
        (mid, 14),
        text(24.0, INK).pos(centre_top),
    ))?;
    for (i, line) in lines.into_iter().enumerate() {
        top.draw(&Text::new(
            line,
            (mid, 46 + SUBTITLE_LINE_H as i32 * i as i32),
            style.pos(centre_top),
        ))?;
    }
    Ok(rest)
}

/// `s` broken at spaces into lines at most `max_w` pixels wide in `style` (a word wider
/// than that gets a line of its own).
pub(super) fn wrap(
    area: &Area,
    s: &str,
    style: &TextStyle,
    max_w: i32,
) -> Result<Vec<String>, DrawError> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in s.split(' ').filter(|w| !w.is_empty()) {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if line.is_empty() || area.estimate_text_size(&candidate, style)?.0 as i32 <= max_w {
            line = candidate;
        } else {
            lines.push(std::mem::replace(&mut line, word.to_string()));
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    Ok(lines)
}

#[derive(Debug, Clone, Copy)]
pub(super) enum Swatch {
    Line(RGBColor, u32),
    Dashed(RGBColor, u32),
    /// A filled box, for a shaded area.
    Fill(RGBColor),
    /// A pale box with a line through it: a band and its line.
    Band(RGBColor),
    /// A box hatched in the colour: the penalty share of a cost bar.
    Hatch(RGBColor),
    /// A filled marker, a hollow one, and a ring around a marker (a scatter's points).
    Dot(RGBColor),
    Hollow(RGBColor),
    Ring(RGBColor),
}

pub(super) struct LegendEntry {
    label: String,
    swatch: Swatch,
}

impl LegendEntry {
    pub(super) fn new(label: impl Into<String>, swatch: Swatch) -> LegendEntry {
        LegendEntry {
            label: label.into(),
            swatch,
        }
    }
}

/// Lays the legend out in centred rows, draws it at the top of `area` (never over data);
/// returns the area below it. Beyond [`MAX_LEGEND_ROWS`] rows, the last entries are
/// summarised as "+N more".
pub(super) fn legend<'a>(area: &Area<'a>, entries: &[LegendEntry]) -> Result<Area<'a>, DrawError> {
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
        Swatch::Fill(c) => {
            area.draw(&Rectangle::new(
                [(x, y - 7), (x + SWATCH_W, y + 7)],
                c.filled(),
            ))?;
        }
        Swatch::Band(c) => {
            area.draw(&Rectangle::new(
                [(x, y - 8), (x + SWATCH_W, y + 8)],
                super::style::band_color(c).filled(),
            ))?;
            area.draw(&PathElement::new(
                vec![
                    (x, y + 1),
                    (x + 10, y - 3),
                    (x + 20, y + 3),
                    (x + SWATCH_W, y - 1),
                ],
                c.stroke_width(2),
            ))?;
        }
        Swatch::Hatch(c) => hatch(area, (x, y - 7), (x + SWATCH_W, y + 7), c)?,
        Swatch::Dot(c) => area.draw(&Circle::new((x + SWATCH_W / 2, y), 4, c.filled()))?,
        Swatch::Hollow(c) => {
            area.draw(&Circle::new((x + SWATCH_W / 2, y), 4, c.stroke_width(1)))?
        }
        Swatch::Ring(c) => {
            area.draw(&Circle::new((x + SWATCH_W / 2, y), 3, c.filled()))?;
            area.draw(&Circle::new((x + SWATCH_W / 2, y), 9, c.stroke_width(2)))?;
        }
    }
    Ok(())
}

/// A rectangle from `a` (top left) to `b` (bottom right) in pixels, white with diagonal
/// stripes of `c` and a border of it.
pub(super) fn hatch(
    area: &Area,
    a: (i32, i32),
    b: (i32, i32),
    c: RGBColor,
) -> Result<(), DrawError> {
    let (x0, y0, x1, y1) = (a.0.min(b.0), a.1.min(b.1), a.0.max(b.0), a.1.max(b.1));
    area.draw(&Rectangle::new([(x0, y0), (x1, y1)], WHITE.filled()))?;
    // Stripes x + y = k (rising to the right) every 6 pixels, cut to the rectangle.
    for k in (x0 + y0..=x1 + y1).step_by(6) {
        let (from, to) = ((k - y1).max(x0), (k - y0).min(x1));
        if from <= to {
            area.draw(&PathElement::new(
                vec![(from, k - from), (to, k - to)],
                c.stroke_width(1),
            ))?;
        }
    }
    area.draw(&Rectangle::new([(x0, y0), (x1, y1)], c.stroke_width(1)))?;
    Ok(())
}

/// `s` cut to `max_chars` characters, the last of them `…`.
pub(super) fn truncate(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max_chars.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// A policy name for display: long names keep their start and end, which is where
/// variants of one name usually differ.
pub(super) fn name(s: &Summary) -> String {
    let chars: Vec<char> = s.policy.chars().collect();
    if chars.len() <= 28 {
        s.policy.clone()
    } else {
        let head: String = chars[..16].iter().collect();
        let tail: String = chars[chars.len() - 11..].iter().collect();
        format!("{head}…{tail}")
    }
}
