//! The PNG charts of a run: which are drawn, into which files, and how a failure to draw
//! one is reported.
//!
//! Every run gets demand vs capacity, idle capacity, cumulative cost, latency & drops, a
//! summary comparison and elasticity (servers needed vs serving, per policy); a run with
//! two or more autoscalers also gets their strategies side by side, one whose autoscaler
//! mixes purchase options its instances per option, one with a hybrid its base and cloud
//! burst. The break-even sweep has its own chart, and a sweep (`provsim sweep`) its
//! Pareto front and objective charts.
//!
//! With several replications the time-series charts show replication 0 (the scenario's
//! own seed, and say so in their subtitle), and the summary chart shows each policy's mean
//! over the replications with ±95 % confidence error bars.
//!
//! Every chart gives policy *i* the same colour (twelve distinguishable ones, in
//! scenario order; fixed fleets dashed), uses the bundled DejaVu Sans font and is drawn
//! deterministically: the same outcome gives the same bytes. A time series with more
//! samples than its plot has pixel columns is drawn per column as the band of its
//! samples (lowest to highest) and a line (their mean, or max for p99 and drops) —
//! never averaged over whole days — so a week shows its daily cycles and a year its
//! weeks. Beyond six policies the demand, idle and strategies charts draw one panel per
//! policy. Nothing is drawn outside a plot. Odd data (no policies, empty series, one
//! sample, NaN, a horizon of seconds) still draws; drawing failures become
//! [`OutputError::Chart`].

mod break_even;
mod draw;
mod elasticity;
mod figure;
mod layout;
mod style;
mod summary;
mod sweep;
#[cfg(test)]
mod tests;
mod timeseries;

pub(crate) use break_even::draw_break_even;
pub(crate) use sweep::{SweepChart, SweepChartRow, draw_sweep};

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
use figure::{Ctx, Figure};
use style::FONT;
use summary::summary_chart;
use timeseries::{
    cost_figure, demand_figure, hybrid_figure, idle_figure, latency_figure, purchase_figure,
    strategies_figure,
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

/// How a chart is made: a time-series [`Figure`], or drawn by its own code.
#[derive(Clone, Copy)]
enum Chart {
    Figure(fn(&Ctx) -> Figure),
    Own(ChartFn),
}

/// The charts of a run, in order: file name and how each is made.
fn charts(ctx: &Ctx) -> Vec<(&'static str, Chart)> {
    let mut charts: Vec<(&str, Chart)> = vec![
        ("demand-vs-capacity.png", Chart::Figure(demand_figure)),
        ("idle-capacity.png", Chart::Figure(idle_figure)),
        ("cumulative-cost.png", Chart::Figure(cost_figure)),
        ("latency-and-drops.png", Chart::Figure(latency_figure)),
        ("summary.png", Chart::Own(summary_chart)),
        ("elasticity.png", Chart::Own(elasticity_chart)),
    ];
    // Several autoscalers on the same traffic: put their choices side by side.
    if ctx.autoscalers().count() >= 2 {
        charts.push((
            "autoscaling-strategies.png",
            Chart::Figure(strategies_figure),
        ));
    }
    if ctx.mixed_policies().next().is_some() {
        charts.push(("purchase-options.png", Chart::Figure(purchase_figure)));
    }
    if ctx.hybrids().next().is_some() {
        charts.push(("hybrid-burst.png", Chart::Figure(hybrid_figure)));
    }
    charts
}

/// The time-series figures of a run (data handed to plotters), by file name.
#[cfg(test)]
fn figures(ctx: &Ctx) -> Vec<(&'static str, Figure)> {
    charts(ctx)
        .into_iter()
        .filter_map(|(name, chart)| match chart {
            Chart::Figure(make) => Some((name, make(ctx))),
            Chart::Own(_) => None,
        })
        .collect()
}

/// Draws every chart into `dir/charts/` from `outcomes`, one per replication (replication
/// 0 first); returns their paths relative to `dir`.
pub(crate) fn draw_all(
    dir: &Path,
    scenario: &Scenario,
    outcomes: &[Outcome],
) -> Result<Vec<PathBuf>, OutputError> {
    charts_dir(dir)?;
    let ctx = Ctx::new(scenario, outcomes);
    let charts = charts(&ctx);
    let mut written = Vec::with_capacity(charts.len());
    for (name, chart) in charts {
        let rel = Path::new("charts").join(name);
        let path = dir.join(&rel);
        draw_file(&path, || match chart {
            Chart::Figure(make) => make(&ctx).draw(&path),
            Chart::Own(draw) => draw(&path, &ctx),
        })?;
        written.push(rel);
    }
    Ok(written)
}

/// Makes `dir/charts/` and loads the font: what every chart folder needs first.
fn charts_dir(dir: &Path) -> Result<PathBuf, OutputError> {
    let charts_dir = dir.join("charts");
    std::fs::create_dir_all(&charts_dir).map_err(OutputError::io(&charts_dir))?;
    ensure_font().map_err(|message| OutputError::Chart {
        path: charts_dir.clone(),
        message,
    })?;
    Ok(charts_dir)
}

/// Draws the chart at `path` with `draw`. plotters is not supposed to panic, but a chart
/// is never worth aborting a run whose CSV files are already written: a drawing failure
/// or a panic becomes an ordinary [`OutputError::Chart`].
fn draw_file(path: &Path, draw: impl FnOnce() -> Result<(), DrawError>) -> Result<(), OutputError> {
    let message = match catch_unwind(AssertUnwindSafe(draw)) {
        Ok(Ok(())) => return Ok(()),
        Ok(Err(DrawError(m))) => m,
        Err(panic) => format!("internal error while drawing: {}", panic_text(&panic)),
    };
    Err(OutputError::Chart {
        path: path.to_path_buf(),
        message,
    })
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
