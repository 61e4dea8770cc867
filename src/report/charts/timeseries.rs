//! The time-series charts: offered load vs capacity, idle capacity, cumulative cost,
//! p99 and drops, instances per purchase option, a hybrid's base and burst, and the
//! autoscaling strategies side by side.

use std::path::Path;

use plotters::prelude::*;

use super::DrawError;
use super::figure::{Agg, Ctx, Line, Panel, RefLine, count_tick, money_tick, tick, time_figure};
use super::layout::{LegendEntry, Swatch, name};
use super::style::{
    ARRIVALS, BASE, INTERRUPTIONS, MUTED, ON_DEMAND, RESERVED, SLO_COLOR, SPOT, line_width,
    policy_color,
};
use crate::engine::to_seconds;
use crate::metrics::{Sample, Summary};
use crate::report::format;

/// Most policies drawn in the purchase-options chart (one panel each).
const MAX_PURCHASE_PANELS: usize = 4;

fn policy_lines(ctx: &Ctx, agg: Agg, value: impl Fn(&Sample) -> Option<f64> + Copy) -> Vec<Line> {
    let n = ctx.policies.len();
    ctx.policies
        .iter()
        .enumerate()
        .map(|(i, p)| Line {
            stems: false,
            color: policy_color(i),
            width: line_width(i, n),
            points: ctx.points(&p.series, agg, value),
        })
        .collect()
}

fn policy_entries(ctx: &Ctx, label: impl Fn(&Summary) -> String) -> Vec<LegendEntry> {
    let n = ctx.policies.len();
    ctx.policies
        .iter()
        .enumerate()
        .map(|(i, p)| {
            LegendEntry::new(
                label(&p.summary),
                Swatch::Line(policy_color(i), line_width(i, n)),
            )
        })
        .collect()
}

pub(super) fn demand_chart(path: &Path, ctx: &Ctx) -> Result<(), DrawError> {
    let mut lines = policy_lines(ctx, Agg::Mean, |s| Some(s.capacity_rate));
    let mut entries = vec![
        LegendEntry::new("offered load λ(t)", Swatch::Line(BLACK, 2)),
        LegendEntry::new("arrivals (observed)", Swatch::Line(ARRIVALS, 1)),
    ];
    entries.extend(policy_entries(ctx, |s| format!("capacity: {}", name(s))));
    if let Some(series) = ctx.reference_series() {
        lines.push(Line {
            stems: false,
            color: ARRIVALS,
            width: 1,
            points: ctx.points(series, Agg::Mean, |s| Some(s.arrival_rate)),
        });
        lines.push(Line {
            stems: false,
            color: BLACK,
            width: 2,
            points: ctx.points(series, Agg::Mean, |s| Some(s.offered_rate)),
        });
    }
    let panel = Panel {
        y_desc: "requests per second (req/s)".into(),
        y_fmt: tick,
        lines,
        refs: Vec::new(),
        log_if_ratio_over: None,
        empty_note: "no samples".into(),
    };
    time_figure(
        path,
        ctx,
        (
            &ctx.title("offered load vs serving capacity"),
            &ctx.subtitle("mean"),
        ),
        &entries,
        &[(panel, 1)],
    )
}

pub(super) fn idle_chart(path: &Path, ctx: &Ctx) -> Result<(), DrawError> {
    let entries = policy_entries(ctx, |s| {
        format!(
            "{} ({} of paid slot-time idle)",
            name(s),
            format::percent(s.idle_fraction)
        )
    });
    let panel = Panel {
        y_desc: "idle slots (paid but not serving)".into(),
        y_fmt: tick,
        lines: policy_lines(ctx, Agg::Mean, |s| Some(s.idle_slots)),
        refs: Vec::new(),
        log_if_ratio_over: None,
        empty_note: "no idle capacity".into(),
    };
    time_figure(
        path,
        ctx,
        (&ctx.title("idle capacity"), &ctx.subtitle("mean")),
        &entries,
        &[(panel, 1)],
    )
}

pub(super) fn cost_chart(path: &Path, ctx: &Ctx) -> Result<(), DrawError> {
    let entries = policy_entries(ctx, |s| {
        let mut label = format!("{} ({}", name(s), format::money(s.total_cost));
        if s.committed_cost > s.total_cost * 1.005 + 0.005 {
            label.push_str(&format!(", commits {}", format::money(s.committed_cost)));
        }
        label.push(')');
        label
    });
    let panel = Panel {
        y_desc: "cumulative cost (USD)".into(),
        y_fmt: money_tick,
        lines: policy_lines(ctx, Agg::Last, |s| Some(s.cost_cumulative)),
        refs: Vec::new(),
        log_if_ratio_over: None,
        empty_note: "no cost".into(),
    };
    time_figure(
        path,
        ctx,
        (&ctx.title("cumulative cost"), &ctx.subtitle("last value")),
        &entries,
        &[(panel, 1)],
    )
}

/// Running instances per purchase option, one panel per autoscale policy that mixes them,
/// each over a strip of what disturbs the mix: spot interruptions and launches the
/// provider refused, per sample interval.
pub(super) fn purchase_chart(path: &Path, ctx: &Ctx) -> Result<(), DrawError> {
    let every = crate::engine::human_duration(ctx.scenario.sample_every);
    let entries = [
        ("reserved (covered by the commitment)".to_string(), RESERVED),
        ("on-demand (full price)".to_string(), ON_DEMAND),
        ("spot".to_string(), SPOT),
        (
            format!("spot interruptions (most in one {every})"),
            INTERRUPTIONS,
        ),
        (format!("launches refused (most in one {every})"), MUTED),
    ]
    .map(|(label, color)| LegendEntry::new(label, Swatch::Line(color, 2)));
    let panels: Vec<(Panel, u32)> = ctx
        .mixed_policies()
        .take(MAX_PURCHASE_PANELS)
        .flat_map(|p| {
            // Counts drawn as `stems` are rare events: the busiest interval of each
            // bucket, not a mean of 0.5s.
            let line = |color, count: fn(&Sample) -> u64, stems: bool| Line {
                stems,
                color,
                width: 2,
                points: ctx.points(&p.series, if stems { Agg::Max } else { Agg::Mean }, |s| {
                    Some(count(s) as f64)
                }),
            };
            let instances = Panel {
                y_desc: format!("{}: instances", name(&p.summary)),
                y_fmt: tick,
                lines: vec![
                    line(RESERVED, |s| s.servers_reserved.into(), false),
                    line(ON_DEMAND, |s| s.servers_on_demand.into(), false),
                    line(SPOT, |s| s.servers_spot.into(), false),
                ],
                refs: Vec::new(),
                log_if_ratio_over: None,
                empty_note: "no instances".into(),
            };
            let events = Panel {
                y_desc: "events".into(),
                y_fmt: count_tick,
                lines: vec![
                    line(INTERRUPTIONS, |s| s.spot_interruptions, true),
                    line(MUTED, |s| s.launches_refused, true),
                ],
                refs: Vec::new(),
                log_if_ratio_over: None,
                empty_note: "no events".into(),
            };
            [(instances, 3), (events, 2)]
        })
        .collect();
    time_figure(
        path,
        ctx,
        (
            &ctx.title("instances per purchase option"),
            &ctx.subtitle("mean"),
        ),
        &entries,
        &panels,
    )
}

/// One panel per hybrid policy: its own or leased servers, its cloud instances, and the
/// demand in servers (mean busy slots ÷ slots per server), so one sees the base carry
/// the everyday and the burst chase the spikes.
pub(super) fn hybrid_chart(path: &Path, ctx: &Ctx) -> Result<(), DrawError> {
    let entries = [
        ("own or leased servers (base)", BASE),
        ("cloud instances (burst)", ON_DEMAND),
        ("demand: busy servers", ARRIVALS),
    ]
    .map(|(label, color)| LegendEntry::new(label, Swatch::Line(color, 2)));
    let slots = f64::from(ctx.scenario.service.slots_per_server.max(1));
    let panels: Vec<(Panel, u32)> = ctx
        .hybrids()
        .take(MAX_PURCHASE_PANELS)
        .map(|p| {
            let line = |color, value: &dyn Fn(&Sample) -> f64| Line {
                stems: false,
                color,
                width: 2,
                points: ctx.points(&p.series, Agg::Mean, |s| Some(value(s))),
            };
            let panel = Panel {
                y_desc: format!("{}: servers", name(&p.summary)),
                y_fmt: tick,
                lines: vec![
                    line(BASE, &|s| {
                        let all = s.servers_booting + s.servers_ready + s.servers_draining;
                        f64::from(all.saturating_sub(s.servers_burst))
                    }),
                    line(ON_DEMAND, &|s| f64::from(s.servers_burst)),
                    line(ARRIVALS, &|s| s.busy_slots / slots),
                ],
                refs: Vec::new(),
                log_if_ratio_over: None,
                empty_note: "no servers".into(),
            };
            (panel, 1)
        })
        .collect();
    time_figure(
        path,
        ctx,
        (
            &ctx.title("hybrid: base and cloud burst"),
            &ctx.subtitle("mean"),
        ),
        &entries,
        &panels,
    )
}

/// p99 over time against the SLO (`slo` seconds), on a log axis when it spans ×10.
fn p99_panel(lines: Vec<Line>, slo: f64) -> Panel {
    Panel {
        y_desc: "p99 response time (s)".into(),
        y_fmt: tick,
        lines,
        refs: vec![RefLine {
            y: slo,
            label: format!("SLO {}", format::duration(slo)),
        }],
        log_if_ratio_over: Some(10.0),
        empty_note: "no request completed".into(),
    }
}

pub(super) fn latency_chart(path: &Path, ctx: &Ctx) -> Result<(), DrawError> {
    let slo = to_seconds(ctx.scenario.service.slo);
    let mut entries = policy_entries(ctx, name);
    entries.push(LegendEntry::new(
        format!("SLO ({})", format::duration(slo)),
        Swatch::Dashed(SLO_COLOR, 2),
    ));
    let latency = p99_panel(policy_lines(ctx, Agg::Max, |s| s.response_p99_s), slo);
    let drops = Panel {
        y_desc: format!("dropped (requests / {})", ctx.sample_every),
        y_fmt: tick,
        lines: policy_lines(ctx, Agg::Max, |s| Some(s.dropped as f64)),
        refs: Vec::new(),
        log_if_ratio_over: None,
        empty_note: "no request dropped".into(),
    };
    time_figure(
        path,
        ctx,
        (
            &ctx.title("p99 response time and dropped requests per interval"),
            &ctx.subtitle("max"),
        ),
        &entries,
        &[(latency, 55), (drops, 45)],
    )
}

/// The autoscaling policies alone: servers over time against the servers the load
/// needs, and p99 — which strategy chases the spike, which overshoots, which lags.
pub(super) fn strategies_chart(path: &Path, ctx: &Ctx) -> Result<(), DrawError> {
    let n = ctx.policies.len();
    let slots = ctx.scenario.service.slots_per_server as f64;
    let mean_service = ctx.scenario.service.service_time.mean();
    let chosen: Vec<usize> = ctx.autoscalers().collect();
    let lines_of = |value: fn(&Sample) -> Option<f64>, agg: Agg| -> Vec<Line> {
        chosen
            .iter()
            .map(|&i| Line {
                stems: false,
                color: policy_color(i),
                width: line_width(i, n),
                points: ctx.points(&ctx.policies[i].series, agg, value),
            })
            .collect()
    };
    let mut entries = vec![LegendEntry::new(
        "servers the load keeps busy (λ·E[S] ÷ slots)",
        Swatch::Line(BLACK, 2),
    )];
    for &i in &chosen {
        let s = &ctx.policies[i].summary;
        entries.push(LegendEntry::new(
            format!(
                "{} ({}, p99 {})",
                name(s),
                format::money(s.total_cost),
                format::duration(s.response_p99_s)
            ),
            Swatch::Line(policy_color(i), line_width(i, n)),
        ));
    }
    let mut servers = lines_of(
        |s| {
            Some(f64::from(
                s.servers_booting + s.servers_ready + s.servers_draining,
            ))
        },
        Agg::Mean,
    );
    if let Some(series) = ctx.reference_series() {
        servers.push(Line {
            stems: false,
            color: BLACK,
            width: 2,
            points: ctx.points(series, Agg::Mean, move |s| {
                Some(s.offered_rate * mean_service / slots)
            }),
        });
    }
    let fleet = Panel {
        y_desc: "servers (booting + ready + draining)".into(),
        y_fmt: tick,
        lines: servers,
        refs: Vec::new(),
        log_if_ratio_over: None,
        empty_note: "no samples".into(),
    };
    let slo = to_seconds(ctx.scenario.service.slo);
    let latency = p99_panel(lines_of(|s| s.response_p99_s, Agg::Max), slo);
    time_figure(
        path,
        ctx,
        (
            &ctx.title("autoscaling strategies on the same traffic"),
            &ctx.subtitle("servers: mean, p99: max"),
        ),
        &entries,
        &[(fleet, 55), (latency, 45)],
    )
}
