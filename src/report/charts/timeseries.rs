//! The time-series charts, as [`Figure`]s: offered load vs capacity (with the spike
//! zoomed), idle capacity, cumulative cost, p99 and drops, instances per purchase option,
//! a hybrid's base and burst, and the autoscaling strategies side by side. Beyond
//! [`MAX_OVERLAID`] policies, demand, idle and strategies draw one panel per policy.

use plotters::prelude::*;

use super::figure::{
    Agg, Ctx, Figure, Line, MAX_OVERLAID, MULTIPLES_COLS, Panel, RefLine, SIZE, Stroke, WIDE,
    XAxis, clock, count_tick, money_tick, multiples_height, plot_columns, trace,
};
use super::layout::{LegendEntry, Swatch, name};
use super::style::{
    ARRIVALS, BASE, DEMAND_GREY, HIGHLIGHT, INK, INTERRUPTIONS, MUTED, ON_DEMAND, RESERVED,
    SLO_COLOR, SPOT, line_width, policy_color,
};
use crate::engine::to_seconds;
use crate::metrics::{Sample, Summary};
use crate::report::format;

/// Most policies drawn in the purchase-options and hybrid charts (one panel each).
const MAX_PURCHASE_PANELS: usize = 4;
/// Height of one small multiple: a panel, or a panel over its zoom or p99.
const MULTIPLE_H: u32 = 280;
const MULTIPLE_STACK_H: u32 = 470;

/// All policies on one stack of panels, or one cell per policy.
#[derive(Debug, Clone, Copy)]
struct Layout {
    multiples: bool,
    /// Pixel columns of a plot.
    columns: usize,
}

impl Layout {
    fn for_policies(n: usize) -> Layout {
        let multiples = n > MAX_OVERLAID;
        Layout {
            multiples,
            columns: if multiples {
                plot_columns(WIDE, MULTIPLES_COLS)
            } else {
                plot_columns(SIZE.0, 1)
            },
        }
    }

    /// The figure of `cells`, with its legend (a note on bands added when one is drawn)
    /// and subtitle (`how` the line reduces a pixel column's samples); small multiples
    /// share their y axes.
    fn figure(
        self,
        ctx: &Ctx,
        title: &str,
        how: &str,
        mut legend: Vec<LegendEntry>,
        cells: Vec<Vec<(Panel, u32)>>,
        height: u32,
    ) -> Figure {
        let mut fig = Figure {
            size: if self.multiples {
                (WIDE, multiples_height(cells.len(), height))
            } else {
                (SIZE.0, height)
            },
            title: ctx.title(title),
            subtitle: String::new(),
            legend: Vec::new(),
            cols: if self.multiples { MULTIPLES_COLS } else { 1 },
            cells,
        };
        if self.multiples {
            fig.share_y();
        }
        let banded = fig.banded();
        if banded {
            legend.push(LegendEntry::new(
                format!("band: a pixel column's samples, lowest to highest; line: their {how}"),
                Swatch::Band(MUTED),
            ));
        }
        let reduction =
            format!("a band spans each pixel column's samples, the line is their {how}");
        fig.subtitle = ctx.subtitle(banded.then_some(reduction.as_str()));
        fig.legend = legend;
        fig
    }
}

/// Policy `i`'s line: its colour, dashed for a fixed fleet.
fn policy_line(
    ctx: &Ctx,
    i: usize,
    x: &XAxis,
    columns: usize,
    agg: Agg,
    value: impl Fn(&Sample) -> Option<f64>,
) -> Line {
    Line {
        color: policy_color(i),
        width: line_width(ctx.policies.len()),
        trace: trace(&ctx.policies[i].series, x, columns, agg, value),
        stroke: if ctx.is_fixed_fleet(i) {
            Stroke::Dashed
        } else {
            Stroke::Solid
        },
    }
}

fn policy_swatch(ctx: &Ctx, i: usize) -> Swatch {
    let (c, w) = (policy_color(i), line_width(ctx.policies.len()));
    if ctx.is_fixed_fleet(i) {
        Swatch::Dashed(c, w)
    } else {
        Swatch::Line(c, w)
    }
}

fn policy_entries(ctx: &Ctx, label: impl Fn(&Summary) -> String) -> Vec<LegendEntry> {
    (0..ctx.policies.len())
        .map(|i| LegendEntry::new(label(&ctx.policies[i].summary), policy_swatch(ctx, i)))
        .collect()
}

/// A line of the traffic every policy shares (offered load, arrivals, busy slots).
fn shared_line(
    ctx: &Ctx,
    x: &XAxis,
    columns: usize,
    (color, width): (RGBColor, u32),
    value: impl Fn(&Sample) -> Option<f64>,
) -> Option<Line> {
    ctx.reference_series().map(|series| Line {
        color,
        width,
        trace: trace(series, x, columns, Agg::Mean, value),
        stroke: Stroke::Solid,
    })
}

/// A small multiple's caption: the policy's name in its colour, and `what`.
fn caption(ctx: &Ctx, i: usize, what: &str) -> Option<(String, RGBColor)> {
    let n = name(&ctx.policies[i].summary);
    Some((
        if what.is_empty() {
            n
        } else {
            format!("{n}: {what}")
        },
        policy_color(i),
    ))
}

/// Offered load against each policy's serving capacity, observed arrivals under the load;
/// with a spike (or a sharp rise), a second panel on its window at full resolution.
pub(super) fn demand_figure(ctx: &Ctx) -> Figure {
    let n = ctx.policies.len();
    let layout = Layout::for_policies(n);
    let lines_on = |chosen: &[usize], x: &XAxis| -> Vec<Line> {
        let c = layout.columns;
        let mut lines = Vec::new();
        lines.extend(shared_line(ctx, x, c, (ARRIVALS, 7), |s| {
            Some(s.arrival_rate)
        }));
        for &i in chosen {
            lines.push(policy_line(ctx, i, x, c, Agg::Mean, |s| {
                Some(s.capacity_rate)
            }));
        }
        lines.extend(shared_line(ctx, x, c, (BLACK, 2), |s| Some(s.offered_rate)));
        lines
    };
    let y_desc = if layout.multiples {
        "req/s"
    } else {
        "requests per second (req/s)"
    };
    let cell = |chosen: Vec<usize>, title: Option<(String, RGBColor)>| {
        let mut main = Panel::new(&ctx.x, y_desc, lines_on(&chosen, &ctx.x));
        main.title = title;
        let Some(z) = &ctx.zoom else {
            return vec![(main, 1)];
        };
        main.highlight = Some(ctx.x.at(z.from_s)..ctx.x.at(z.to_s));
        let mut zoomed = Panel::new(&z.x, y_desc, lines_on(&chosen, &z.x));
        let window = format!("{}–{}", clock(z.from_s), clock(z.to_s));
        zoomed.title = Some((
            if layout.multiples {
                format!("zoom: {window}")
            } else {
                format!("zoom on {}: {window}, every sample", z.what)
            },
            INK,
        ));
        vec![(main, 3), (zoomed, 2)]
    };
    let mut legend = vec![
        LegendEntry::new("offered load λ(t)", Swatch::Line(BLACK, 2)),
        LegendEntry::new("arrivals (observed)", Swatch::Line(ARRIVALS, 7)),
    ];
    let cells = if layout.multiples {
        legend.push(LegendEntry::new(
            "serving capacity of the panel's policy (dashed: own servers, leases)",
            Swatch::Line(MUTED, 2),
        ));
        (0..n)
            .map(|i| cell(vec![i], caption(ctx, i, "capacity")))
            .collect()
    } else {
        legend.extend(policy_entries(ctx, |s| format!("capacity: {}", name(s))));
        vec![cell((0..n).collect(), None)]
    };
    if let Some(z) = &ctx.zoom {
        legend.push(LegendEntry::new(
            format!("window zoomed on below ({})", z.what),
            Swatch::Fill(HIGHLIGHT),
        ));
    }
    let zoom = ctx.zoom.is_some();
    let height = match (layout.multiples, zoom) {
        (true, true) => MULTIPLE_STACK_H,
        (true, false) => MULTIPLE_H,
        (false, true) => 950,
        (false, false) => SIZE.1,
    };
    layout.figure(
        ctx,
        "offered load vs serving capacity",
        "mean",
        legend,
        cells,
        height,
    )
}

/// Idle slots per policy; as small multiples, each against the slots the load keeps busy.
pub(super) fn idle_figure(ctx: &Ctx) -> Figure {
    let n = ctx.policies.len();
    let layout = Layout::for_policies(n);
    let c = layout.columns;
    let y_desc = "idle slots (paid but not serving)";
    let idle = |i: usize| policy_line(ctx, i, &ctx.x, c, Agg::Mean, |s| Some(s.idle_slots));
    let idle_share = |s: &Summary| {
        format!(
            "{} of paid slot-time idle",
            format::percent(s.idle_fraction)
        )
    };
    let (legend, cells) = if layout.multiples {
        let mean_service = ctx.scenario.service.service_time.mean();
        let busy = LegendEntry::new(
            "slots the load keeps busy (λ·E[S])",
            Swatch::Line(DEMAND_GREY, 2),
        );
        let cells = (0..n)
            .map(|i| {
                let mut lines: Vec<Line> = shared_line(ctx, &ctx.x, c, (DEMAND_GREY, 2), |s| {
                    Some(s.offered_rate * mean_service)
                })
                .into_iter()
                .collect();
                lines.push(idle(i));
                let mut panel = Panel::new(&ctx.x, "slots", lines);
                panel.title = caption(ctx, i, &idle_share(&ctx.policies[i].summary));
                panel.empty_note = "no idle capacity".into();
                vec![(panel, 1)]
            })
            .collect();
        let own = LegendEntry::new(
            "idle slots of the panel's policy (dashed: own servers, leases)",
            Swatch::Line(MUTED, 2),
        );
        (vec![own, busy], cells)
    } else {
        let mut panel = Panel::new(&ctx.x, y_desc, (0..n).map(idle).collect());
        panel.empty_note = "no idle capacity".into();
        let legend = policy_entries(ctx, |s| format!("{} ({})", name(s), idle_share(s)));
        (legend, vec![vec![(panel, 1)]])
    };
    layout.figure(
        ctx,
        "idle capacity",
        "mean",
        legend,
        cells,
        if layout.multiples { MULTIPLE_H } else { SIZE.1 },
    )
}

pub(super) fn cost_figure(ctx: &Ctx) -> Figure {
    let layout = Layout::for_policies(0);
    let legend = policy_entries(ctx, |s| {
        let mut label = format!("{} ({}", name(s), format::money(s.total_cost));
        if s.committed_cost > s.total_cost * 1.005 + 0.005 {
            label.push_str(&format!(", commits {}", format::money(s.committed_cost)));
        }
        label.push(')');
        label
    });
    let lines = (0..ctx.policies.len())
        .map(|i| {
            policy_line(ctx, i, &ctx.x, layout.columns, Agg::Last, |s| {
                Some(s.cost_cumulative)
            })
        })
        .collect();
    let mut panel = Panel::new(&ctx.x, "cumulative cost (USD)", lines);
    panel.y_fmt = money_tick;
    panel.empty_note = "no cost".into();
    layout.figure(
        ctx,
        "cumulative cost",
        "last value",
        legend,
        vec![vec![(panel, 1)]],
        SIZE.1,
    )
}

/// Running instances per purchase option, one panel per autoscale policy that mixes them,
/// each over a strip of what disturbs the mix: spot interruptions and launches the
/// provider refused, per sample interval.
pub(super) fn purchase_figure(ctx: &Ctx) -> Figure {
    let layout = Layout::for_policies(0);
    let every = crate::engine::human_duration(ctx.scenario.sample_every);
    let legend = [
        ("reserved (covered by the commitment)".to_string(), RESERVED),
        ("on-demand (full price)".to_string(), ON_DEMAND),
        ("spot".to_string(), SPOT),
        (
            format!("spot interruptions (most in one {every})"),
            INTERRUPTIONS,
        ),
        (format!("launches refused (most in one {every})"), MUTED),
    ]
    .map(|(label, color)| LegendEntry::new(label, Swatch::Line(color, 2)))
    .into();
    let panels: Vec<(Panel, u32)> = ctx
        .mixed_policies()
        .take(MAX_PURCHASE_PANELS)
        .flat_map(|p| {
            // Counts drawn as stems are rare events: the busiest interval of each
            // pixel column, not a mean of 0.5s.
            let line = |color, count: fn(&Sample) -> u64, stems: bool| Line {
                color,
                width: 2,
                trace: trace(
                    &p.series,
                    &ctx.x,
                    layout.columns,
                    if stems { Agg::Max } else { Agg::Mean },
                    |s| Some(count(s) as f64),
                ),
                stroke: if stems { Stroke::Stems } else { Stroke::Solid },
            };
            let mut instances = Panel::new(
                &ctx.x,
                format!("{}: instances", name(&p.summary)),
                vec![
                    line(RESERVED, |s| s.servers_reserved.into(), false),
                    line(ON_DEMAND, |s| s.servers_on_demand.into(), false),
                    line(SPOT, |s| s.servers_spot.into(), false),
                ],
            );
            instances.empty_note = "no instances".into();
            let mut events = Panel::new(
                &ctx.x,
                "events",
                vec![
                    line(INTERRUPTIONS, |s| s.spot_interruptions, true),
                    line(MUTED, |s| s.launches_refused, true),
                ],
            );
            events.y_fmt = count_tick;
            events.empty_note = "no events".into();
            [(instances, 3), (events, 2)]
        })
        .collect();
    layout.figure(
        ctx,
        "instances per purchase option",
        "mean",
        legend,
        vec![panels],
        SIZE.1,
    )
}

/// One panel per hybrid policy: its own or leased servers, its cloud instances, and the
/// demand in servers (mean busy slots ÷ slots per server), so one sees the base carry
/// the everyday and the burst chase the spikes.
pub(super) fn hybrid_figure(ctx: &Ctx) -> Figure {
    let layout = Layout::for_policies(0);
    let legend = [
        ("own or leased servers (base)", BASE),
        ("cloud instances (burst)", ON_DEMAND),
        ("demand: busy servers", DEMAND_GREY),
    ]
    .map(|(label, color)| LegendEntry::new(label, Swatch::Line(color, 2)))
    .into();
    let slots = f64::from(ctx.scenario.service.slots_per_server.max(1));
    let panels: Vec<(Panel, u32)> = ctx
        .hybrids()
        .take(MAX_PURCHASE_PANELS)
        .map(|p| {
            let line = |color, value: &dyn Fn(&Sample) -> f64| Line {
                color,
                width: 2,
                trace: trace(&p.series, &ctx.x, layout.columns, Agg::Mean, |s| {
                    Some(value(s))
                }),
                stroke: Stroke::Solid,
            };
            let mut panel = Panel::new(
                &ctx.x,
                format!("{}: servers", name(&p.summary)),
                vec![
                    line(DEMAND_GREY, &|s| s.busy_slots / slots),
                    line(BASE, &|s| {
                        let all = s.servers_booting + s.servers_ready + s.servers_draining;
                        f64::from(all.saturating_sub(s.servers_burst))
                    }),
                    line(ON_DEMAND, &|s| f64::from(s.servers_burst)),
                ],
            );
            panel.empty_note = "no servers".into();
            (panel, 1)
        })
        .collect();
    layout.figure(
        ctx,
        "hybrid: base and cloud burst",
        "mean",
        legend,
        vec![panels],
        SIZE.1,
    )
}

/// p99 over time against the SLO (`slo` seconds), on a log axis when it spans ×10.
fn p99_panel(x: &XAxis, y_desc: &str, lines: Vec<Line>, slo: f64) -> Panel {
    let mut p = Panel::new(x, y_desc, lines);
    p.refs = vec![RefLine {
        y: slo,
        label: format!("SLO {}", format::duration(slo)),
    }];
    p.log_if_ratio_over = Some(10.0);
    p.empty_note = "no request completed".into();
    p
}

pub(super) fn latency_figure(ctx: &Ctx) -> Figure {
    let layout = Layout::for_policies(0);
    let n = ctx.policies.len();
    let c = layout.columns;
    let slo = to_seconds(ctx.scenario.service.slo);
    let mut legend = policy_entries(ctx, name);
    legend.push(LegendEntry::new(
        format!("SLO ({})", format::duration(slo)),
        Swatch::Dashed(SLO_COLOR, 2),
    ));
    let latency = p99_panel(
        &ctx.x,
        "p99 response time (s)",
        (0..n)
            .map(|i| policy_line(ctx, i, &ctx.x, c, Agg::Max, |s| s.response_p99_s))
            .collect(),
        slo,
    );
    let mut drops = Panel::new(
        &ctx.x,
        format!("dropped (requests / {})", ctx.sample_every),
        (0..n)
            .map(|i| policy_line(ctx, i, &ctx.x, c, Agg::Max, |s| Some(s.dropped as f64)))
            .collect(),
    );
    drops.empty_note = "no request dropped".into();
    layout.figure(
        ctx,
        "p99 response time and dropped requests per interval",
        "max",
        legend,
        vec![vec![(latency, 55), (drops, 45)]],
        SIZE.1,
    )
}

/// The autoscaling policies alone: servers over time against the servers the load
/// keeps busy, and p99 — which strategy chases the spike, which overshoots, which lags.
pub(super) fn strategies_figure(ctx: &Ctx) -> Figure {
    let chosen: Vec<usize> = ctx.autoscalers().collect();
    let layout = Layout::for_policies(chosen.len());
    let c = layout.columns;
    let slots = f64::from(ctx.scenario.service.slots_per_server.max(1));
    let mean_service = ctx.scenario.service.service_time.mean();
    let slo = to_seconds(ctx.scenario.service.slo);
    let demand = LegendEntry::new(
        "servers the load keeps busy (λ·E[S] ÷ slots)",
        Swatch::Line(BLACK, 2),
    );
    let stack = |policies: &[usize], title: Option<(String, RGBColor)>| {
        let mut servers: Vec<Line> = policies
            .iter()
            .map(|&i| {
                policy_line(ctx, i, &ctx.x, c, Agg::Mean, |s| {
                    Some(f64::from(
                        s.servers_booting + s.servers_ready + s.servers_draining,
                    ))
                })
            })
            .collect();
        servers.extend(shared_line(ctx, &ctx.x, c, (BLACK, 2), |s| {
            Some(s.offered_rate * mean_service / slots)
        }));
        let (servers_desc, p99_desc) = if layout.multiples {
            ("servers", "p99 (s)")
        } else {
            (
                "servers (booting + ready + draining)",
                "p99 response time (s)",
            )
        };
        let mut fleet = Panel::new(&ctx.x, servers_desc, servers);
        fleet.title = title;
        let p99 = policies
            .iter()
            .map(|&i| policy_line(ctx, i, &ctx.x, c, Agg::Max, |s| s.response_p99_s))
            .collect();
        vec![(fleet, 55), (p99_panel(&ctx.x, p99_desc, p99, slo), 45)]
    };
    let summary = |i: usize| {
        let s = &ctx.policies[i].summary;
        format!(
            "{}, p99 {}",
            format::money(s.total_cost),
            format::duration(s.response_p99_s)
        )
    };
    let (legend, cells) = if layout.multiples {
        let cells = chosen
            .iter()
            .map(|&i| stack(&[i], caption(ctx, i, &summary(i))))
            .collect();
        let own = LegendEntry::new(
            "the panel's strategy: servers (booting + ready + draining), p99",
            Swatch::Line(MUTED, 2),
        );
        let slo_entry = LegendEntry::new(
            format!("SLO ({})", format::duration(slo)),
            Swatch::Dashed(SLO_COLOR, 2),
        );
        (vec![demand, own, slo_entry], cells)
    } else {
        let mut legend = vec![demand];
        for &i in &chosen {
            let s = &ctx.policies[i].summary;
            legend.push(LegendEntry::new(
                format!("{} ({})", name(s), summary(i)),
                policy_swatch(ctx, i),
            ));
        }
        (legend, vec![stack(&chosen, None)])
    };
    layout.figure(
        ctx,
        "autoscaling strategies on the same traffic",
        "mean (p99: max)",
        legend,
        cells,
        if layout.multiples {
            MULTIPLE_STACK_H
        } else {
            SIZE.1
        },
    )
}
