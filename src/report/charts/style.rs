//! The charts' look: the policy palette and other colours, line widths, the bundled font
//! and text styles.

use plotters::prelude::*;

/// The family the bundled DejaVu Sans is registered under (see `ensure_font`).
pub(super) const FONT: &str = "sans-serif";

/// Twelve policy colours, told apart in pairs by at least ΔE*ab 26 (CIE L*a*b*; a test
/// checks 25): Okabe–Ito's colour-blind-safe six first (without black, kept for the
/// offered load, and yellow, too faint on white), then six more. Policy i gets
/// `PALETTE[i % 12]`; beyond six policies the charts that overlay every policy draw one
/// panel per policy instead, where colour need not tell them apart.
pub(super) const PALETTE: [RGBColor; 12] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(230, 159, 0),   // orange
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(136, 34, 85),   // wine
    RGBColor(153, 153, 51),  // olive
    RGBColor(51, 34, 136),   // indigo
    RGBColor(140, 86, 75),   // brown
    RGBColor(120, 190, 30),  // lime
    RGBColor(200, 0, 140),   // magenta
];
pub(super) const INK: RGBColor = RGBColor(25, 25, 25);
pub(super) const MUTED: RGBColor = RGBColor(95, 95, 95);
/// Observed arrivals: a wide pale stroke under the offered load's thin black one.
pub(super) const ARRIVALS: RGBColor = RGBColor(185, 185, 185);
/// Busy servers in the hybrid chart.
pub(super) const DEMAND_GREY: RGBColor = RGBColor(130, 130, 130);
/// The window a zoomed panel shows, shaded on the whole run's panel.
pub(super) const HIGHLIGHT: RGBColor = RGBColor(246, 238, 214);
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

/// Policy lines' width with `n` policies on a chart.
pub(super) fn line_width(n: usize) -> u32 {
    if n <= 3 { 3 } else { 2 }
}

/// The band behind a policy's line: its colour, mostly transparent.
pub(super) fn band_color(c: RGBColor) -> RGBAColor {
    c.mix(0.22)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// CIE L*a*b* of an sRGB colour (D65).
    fn lab(c: RGBColor) -> [f64; 3] {
        let lin = |v: u8| {
            let u = f64::from(v) / 255.0;
            if u > 0.04045 {
                ((u + 0.055) / 1.055).powf(2.4)
            } else {
                u / 12.92
            }
        };
        let (r, g, b) = (lin(c.0), lin(c.1), lin(c.2));
        let x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
        let y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
        let z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
        let f = |t: f64| {
            if t > 0.008856 {
                t.cbrt()
            } else {
                7.787 * t + 16.0 / 116.0
            }
        };
        [
            116.0 * f(y) - 16.0,
            500.0 * (f(x) - f(y)),
            200.0 * (f(y) - f(z)),
        ]
    }

    #[test]
    fn twelve_distinguishable_policy_colours() {
        assert!(PALETTE.len() >= 12);
        for (i, a) in PALETTE.iter().enumerate() {
            for b in &PALETTE[i + 1..] {
                let (p, q) = (lab(*a), lab(*b));
                let d =
                    ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2) + (p[2] - q[2]).powi(2)).sqrt();
                assert!(d >= 25.0, "{a:?} and {b:?} are only ΔE {d:.1} apart");
            }
            // Visible on white: not lighter than L* 75.
            assert!(lab(*a)[0] < 75.0, "{a:?} is too pale");
        }
        assert_eq!(policy_color(12), policy_color(0));
    }
}
