//! The charts' look: the policy palette and other colours, line widths, the bundled font
//! and text styles.

use plotters::prelude::*;

/// The family the bundled DejaVu Sans is registered under (see `ensure_font`).
pub(super) const FONT: &str = "sans-serif";

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
pub(super) const INK: RGBColor = RGBColor(25, 25, 25);
pub(super) const MUTED: RGBColor = RGBColor(95, 95, 95);
pub(super) const ARRIVALS: RGBColor = RGBColor(150, 150, 150);
pub(super) const GRID_BOLD: RGBColor = RGBColor(212, 212, 212);
pub(super) const GRID_LIGHT: RGBColor = RGBColor(238, 238, 238);
pub(super) const SLO_COLOR: RGBColor = RGBColor(60, 60, 60);
pub(super) const ERROR_BAR: RGBColor = RGBColor(0, 0, 0);
/// Purchase options (one panel per policy, so these need not match policy colours).
pub(super) const ON_DEMAND: RGBColor = RGBColor(213, 94, 0);
pub(super) const RESERVED: RGBColor = RGBColor(0, 114, 178);
pub(super) const SPOT: RGBColor = RGBColor(0, 158, 115);
pub(super) const INTERRUPTIONS: RGBColor = RGBColor(204, 121, 167);
pub(super) const BASE: RGBColor = RGBColor(0, 114, 178);

/// Policy i's colour, the same in every chart.
pub(super) fn policy_color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Earlier policies are drawn wider, so a later line lying exactly on top of an earlier
/// one (two fleets of the same size) leaves a visible border of the earlier colour.
pub(super) fn line_width(i: usize, n: usize) -> u32 {
    [2, 3, 5][n.saturating_sub(i + 1).min(2)]
}

/// The penalty share of a cost bar: the policy colour greyed, so it reads as the same
/// policy but as neither busy nor idle capacity.
pub(super) fn hatch(c: RGBColor) -> RGBColor {
    let grey = |v: u8| ((v as u16 * 35 + 190 * 65) / 100) as u8;
    RGBColor(grey(c.0), grey(c.1), grey(c.2))
}

/// A lighter tint of `c` (for the "idle" and "SLO miss" parts of bars).
pub(super) fn pale(c: RGBColor) -> RGBColor {
    let mix = |v: u8| (255.0 - (255.0 - f64::from(v)) * 0.38).round() as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

pub(super) fn font(size: f64) -> FontDesc<'static> {
    (FONT, size).into_font()
}

pub(super) fn text(size: f64, color: RGBColor) -> TextStyle<'static> {
    font(size).color(&color)
}
