//! The PNG charts of a run: which are drawn, into which files, and how a failure to draw
//! one is reported.
//!
//! Every run gets demand vs capacity, idle capacity, cumulative cost, latency & drops, a
//! summary comparison and elasticity (servers needed vs serving, per policy); a run with
//! two or more autoscalers also gets their strategies side by side, one whose autoscaler
//! mixes purchase options its instances per option, one with a hybrid its base and cloud
//! burst. The break-even sweep has its own chart.
//!
//! With several replications the time-series charts show replication 0 (the scenario's
//! own seed, and say so in their subtitle), and the summary chart shows each policy's mean
//! over the replications with ±95 % confidence error bars.
//!
//! Every chart gives policy *i* the same colour (the Okabe–Ito colour-blind-safe palette,
//! in scenario order), uses the bundled DejaVu Sans font and is drawn deterministically:
//! the same outcome gives the same bytes. Series longer than [`figure::MAX_POINTS`] are
//! reduced per bucket of consecutive samples (mean, or max for p99 and drops) before
//! drawing. Odd data (no policies, empty series, one sample, NaN, a horizon of seconds)
//! still draws; drawing failures become [`OutputError::Chart`].

mod break_even;
mod elasticity;
mod figure;
mod layout;
mod style;
mod summary;
#[cfg(test)]
mod tests;
mod timeseries;

pub(crate) use break_even::draw_break_even;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::register_font;

use super::OutputError;
use crate::scenario::Scenario;
use crate::simulation::Outcome;
use elasticity::elasticity_chart;
use figure::Ctx;
use style::FONT;
use summary::summary_chart;
use timeseries::{
    cost_chart, demand_chart, hybrid_chart, idle_chart, latency_chart, purchase_chart,
    strategies_chart,
};

const FONT_BYTES: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");

/// What every chart draws on.
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
        ("elasticity.png", elasticity_chart),
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
