//! Text around the plots: the title and subtitle over a chart, the legend laid out in
//! rows above the plot (never over data), and shortened names and texts.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::style::{INK, MUTED, text};
use super::{Area, DrawError};
use crate::metrics::Summary;

const HEADER_H: u32 = 70;
const LEGEND_ROW_H: u32 = 28;
const SWATCH_W: i32 = 30;
const LEGEND_GAP: i32 = 28;
const MAX_LEGEND_ROWS: usize = 3;

/// Draws the title and subtitle; returns the area below them.
pub(super) fn header<'a>(
    root: &Area<'a>,
    title: &str,
    subtitle: &str,
) -> Result<Area<'a>, DrawError> {
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
pub(super) enum Swatch {
    Line(RGBColor, u32),
    Dashed(RGBColor, u32),
    /// A filled box, for a shaded area.
    Fill(RGBColor),
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
    }
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
