//! Drawing every chart end to end, on made-up outcomes: files, determinism, odd data.

use std::path::{Path, PathBuf};

use plotters::prelude::{BitMapBackend, IntoDrawingArea};

use super::figure::{
    Agg, Ctx, Figure, PlotRect, Stroke, Trace, XAxis, YAxis, render, time_axis, trace,
};
use super::style::policy_color;
use super::{draw_all, ensure_font, figures};
use crate::metrics::{Sample, Summary};
use crate::scenario::{PolicyKind, Scenario};
use crate::simulation::{Outcome, PolicyOutcome};

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

fn scenario(horizon_s: u64, sample_s: u64) -> Scenario {
    let mut s = crate::scenario::parse(crate::scenario::DEFAULT_SCENARIO, "test.toml", "test")
        .expect("the built-in scenario parses");
    s.horizon = horizon_s * crate::engine::SECOND;
    s.sample_every = sample_s * crate::engine::SECOND;
    s
}

fn summary(policy: &str, scale: f64) -> Summary {
    Summary {
        policy: policy.into(),
        policy_type: "fixed".into(),
        arrived: 1000,
        served: 990,
        dropped: 10,
        in_system_at_end: 0,
        slo_misses: 5,
        wait_mean_s: 0.01,
        waited_fraction: 0.1,
        response_mean_s: 0.1,
        response_p50_s: 0.07,
        response_p95_s: 0.3,
        response_p99_s: 0.45 * scale,
        response_max_s: 1.5,
        paid_slot_seconds: 1000.0,
        busy_slot_seconds: 400.0,
        idle_slot_seconds: 600.0,
        idle_fraction: 0.6,
        billed_server_seconds: 125.0,
        total_cost: 20.0 * scale,
        committed_cost: 20.0 * scale,
        idle_cost: 12.0 * scale,
        penalty_cost: 0.0,
        all_in_cost: 40.0 * scale,
        cost_per_million_requests: 20_000.0,
        mean_in_system: 3.0,
        mean_servers: 10.0,
        peak_servers: 12,
        launches: 0,
        launches_refused: 0,
        drop_fraction: 0.01,
        slo_miss_fraction: 0.005,
        cost_on_demand: 0.0,
        cost_reserved: 0.0,
        cost_spot: 0.0,
        spot_interruptions: 0,
        requeued: 0,
        bandwidth_cost: 0.0,
        bandwidth_p95_mbps: 0.0,
        ..Summary::default()
    }
}

fn series(policy: &str, n: usize, every_s: f64, scale: f64) -> Vec<Sample> {
    (0..n)
        .map(|i| {
            let t = (i + 1) as f64 * every_s;
            let load = 200.0 + 100.0 * (i as f64 / 7.0).sin();
            Sample {
                policy: policy.into(),
                time_s: t,
                offered_rate: load,
                arrival_rate: load + 5.0,
                servers_booting: 0,
                servers_ready: 10,
                servers_draining: 0,
                servers_pending: 0,
                servers_on_demand: 0,
                servers_reserved: 0,
                servers_spot: 0,
                servers_burst: 0,
                busy_slots: load * 0.1,
                idle_slots: 80.0 - load * 0.1 * scale,
                capacity_rate: 800.0 * scale,
                queue_length: 0,
                served: 100,
                dropped: if i % 5 == 0 { 3 } else { 0 },
                slo_misses: 1,
                spot_interruptions: 0,
                launches_refused: 0,
                response_p99_s: (i % 4 != 0).then_some(0.2 * scale * (1 + i % 3) as f64),
                cost_cumulative: t * 0.001 * scale,
                arrivals: 0,
                demand_servers: 0,
            }
        })
        .collect()
}

fn outcome(policies: &[(&str, Vec<Sample>, f64)]) -> Outcome {
    Outcome {
        seed: 1,
        policies: policies
            .iter()
            .map(|(name, series, scale)| PolicyOutcome {
                summary: summary(name, *scale),
                series: series.clone(),
                events: 0,
            })
            .collect(),
    }
}

fn assert_all_pngs(dir: &Path, written: &[PathBuf]) {
    let names: Vec<_> = written
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "charts/demand-vs-capacity.png",
            "charts/idle-capacity.png",
            "charts/cumulative-cost.png",
            "charts/latency-and-drops.png",
            "charts/summary.png",
            "charts/elasticity.png",
        ]
    );
    for rel in written {
        let bytes = std::fs::read(dir.join(rel)).expect("chart written");
        assert!(bytes.len() > 1000, "{} is too small", rel.display());
        assert_eq!(bytes[..8], PNG_SIGNATURE, "{} is not a PNG", rel.display());
    }
}

#[test]
fn compares_strategies_when_several_autoscalers_run() {
    let dir = tempfile::tempdir().unwrap();
    let mut out = outcome(&[
        ("own", series("own", 360, 60.0, 1.0), 1.0),
        ("tt", series("tt", 360, 60.0, 2.0), 2.0),
        ("hpa", series("hpa", 360, 60.0, 3.0), 3.0),
    ]);
    for p in &mut out.policies[1..] {
        p.summary.policy_type = "autoscale".into();
    }
    let written = draw_all(
        dir.path(),
        &scenario(6 * 3600, 60),
        std::slice::from_ref(&out),
    )
    .unwrap();
    let strategies = Path::new("charts").join("autoscaling-strategies.png");
    assert_eq!(written.last(), Some(&strategies));
    let bytes = std::fs::read(dir.path().join(&strategies)).unwrap();
    assert_eq!(bytes[..8], PNG_SIGNATURE);
    // With one autoscaler there is nothing to compare.
    out.policies[2].summary.policy_type = "fixed".into();
    let one = tempfile::tempdir().unwrap();
    let written = draw_all(
        one.path(),
        &scenario(6 * 3600, 60),
        std::slice::from_ref(&out),
    )
    .unwrap();
    assert!(!written.contains(&strategies));
}

#[test]
fn draws_every_chart_as_png() {
    let dir = tempfile::tempdir().unwrap();
    let out = outcome(&[
        ("own", series("own", 360, 60.0, 1.0), 1.0),
        ("lease", series("lease", 360, 60.0, 1.0), 1.0),
        ("cloud", series("cloud", 360, 60.0, 30.0), 3.0),
    ]);
    let written = draw_all(
        dir.path(),
        &scenario(6 * 3600, 60),
        std::slice::from_ref(&out),
    )
    .unwrap();
    assert_all_pngs(dir.path(), &written);
    // Deterministic: drawing again gives the same bytes.
    let again = tempfile::tempdir().unwrap();
    draw_all(
        again.path(),
        &scenario(6 * 3600, 60),
        std::slice::from_ref(&out),
    )
    .unwrap();
    for rel in &written {
        assert_eq!(
            std::fs::read(dir.path().join(rel)).unwrap(),
            std::fs::read(again.path().join(rel)).unwrap(),
            "{} differs between identical runs",
            rel.display()
        );
    }
}

/// A policy mixing purchase options gets its instances per option drawn too.
#[test]
fn draws_purchase_options_for_mixed_policies() {
    let mut sc = scenario(6 * 3600, 60);
    let PolicyKind::Autoscale(a) = &mut sc.policies[2].kind else {
        panic!("the built-in scenario's third policy autoscales");
    };
    a.purchase.reserved = 2;
    a.purchase.spot_share = 0.5;
    let mut cloud = series("cloud", 360, 60.0, 30.0);
    for (i, x) in cloud.iter_mut().enumerate() {
        (x.servers_reserved, x.servers_on_demand, x.servers_spot) =
            (2, (i % 7) as u32, 2 + (i % 5) as u32);
    }
    let out = outcome(&[
        ("own", series("own", 360, 60.0, 1.0), 1.0),
        ("lease", series("lease", 360, 60.0, 1.0), 1.0),
        ("cloud", cloud, 3.0),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let written = draw_all(dir.path(), &sc, std::slice::from_ref(&out)).unwrap();
    let last = written.last().unwrap();
    assert_eq!(last, Path::new("charts/purchase-options.png"));
    let bytes = std::fs::read(dir.path().join(last)).unwrap();
    assert_eq!(bytes[..8], PNG_SIGNATURE);
    assert!(bytes.len() > 1000);
}

#[test]
fn draws_replications_with_error_bars() {
    let reps: Vec<Outcome> = [1.0, 1.1, 0.95, f64::NAN]
        .iter()
        .enumerate()
        .map(|(r, &k)| {
            let mut o = outcome(&[
                ("own", series("own", 60, 60.0, 1.0), 1.0),
                ("cloud", series("cloud", 60, 60.0, 3.0), 3.0 * k),
            ]);
            o.seed = r as u64 + 1;
            o
        })
        .collect();
    let sc = scenario(3600, 60);
    for n in [2, 3, 4] {
        let dir = tempfile::tempdir().unwrap();
        let written = draw_all(dir.path(), &sc, &reps[..n]).unwrap();
        assert_all_pngs(dir.path(), &written);
    }
    // More replications change the summary chart only; the time series are
    // replication 0's either way (their subtitle names it).
    let one = tempfile::tempdir().unwrap();
    let three = tempfile::tempdir().unwrap();
    draw_all(one.path(), &sc, &reps[..1]).unwrap();
    draw_all(three.path(), &sc, &reps[..3]).unwrap();
    let read = |d: &tempfile::TempDir, f: &str| std::fs::read(d.path().join("charts").join(f));
    assert!(read(&one, "summary.png").unwrap() != read(&three, "summary.png").unwrap());
    let ctx = Ctx::new(&sc, &reps[..3]);
    assert!(
        ctx.subtitle(None)
            .contains("first of 3 replications (seed 1)")
    );
    assert!(
        !Ctx::new(&sc, &reps[..1])
            .subtitle(None)
            .contains("replication")
    );
    // No replication at all still draws.
    let none = tempfile::tempdir().unwrap();
    assert_all_pngs(none.path(), &draw_all(none.path(), &sc, &[]).unwrap());
}

#[test]
fn draws_degenerate_outcomes() {
    let mut nan = series("nan", 3, 10.0, 1.0);
    nan[1].offered_rate = f64::NAN;
    nan[1].capacity_rate = f64::INFINITY;
    nan[2].response_p99_s = Some(f64::NAN);
    let mut zero = series("zero", 1, 10.0, 0.0);
    zero[0].response_p99_s = None;
    let mut bad = summary("bad", f64::NAN);
    bad.idle_fraction = f64::NAN;
    let names: Vec<String> = (0..40)
        .map(|i| format!("a-policy-with-a-rather-long-name-{i}"))
        .collect();
    let many: Vec<(&str, Vec<Sample>, f64)> = names
        .iter()
        .map(|n| (n.as_str(), series(n, 60, 60.0, 1.0), 1.0))
        .collect();
    let cases = [
        (outcome(&[]), scenario(30, 10)),
        (outcome(&[("empty", Vec::new(), 1.0)]), scenario(30, 10)),
        (
            outcome(&[("one", series("one", 1, 10.0, 1.0), 1.0)]),
            scenario(30, 10),
        ),
        (
            outcome(&[("nan", nan, 1.0), ("zero", zero, 0.0)]),
            scenario(30, 10),
        ),
        (
            Outcome {
                seed: 1,
                policies: vec![PolicyOutcome {
                    summary: bad,
                    series: Vec::new(),
                    events: 0,
                }],
            },
            scenario(1, 1),
        ),
        (
            outcome(&[("long", series("long", 100_000, 1.0, 1.0), 1.0)]),
            scenario(100_000, 1),
        ),
        (outcome(&many), scenario(3600, 60)),
    ];
    for (out, sc) in &cases {
        let dir = tempfile::tempdir().unwrap();
        let written = draw_all(dir.path(), sc, std::slice::from_ref(out)).unwrap();
        assert_all_pngs(dir.path(), &written);
    }
}

fn axis(end: f64, time_s: f64) -> XAxis {
    XAxis {
        time: time_axis(time_s),
        range: 0.0..end,
        clock: false,
    }
}

#[test]
fn traces_keep_every_sample_or_each_pixel_columns_range() {
    let s = series("p", 5001, 1.0, 1.0);
    let x = axis(5001.0 / 60.0, 5001.0);
    // Fewer samples than columns: every one of them.
    let Trace::Points(all) = trace(&s[..10], &x, 1000, Agg::Mean, |s| Some(s.time_s)) else {
        panic!("10 samples on 1000 columns are drawn as they are");
    };
    assert_eq!(all.len(), 10);
    // More: one column per pixel with its samples' range, and the line their max.
    let t = trace(&s, &x, 1000, Agg::Max, |s| Some(s.dropped as f64));
    let Trace::Band { columns, .. } = &t else {
        panic!("5001 samples on 1000 columns are banded");
    };
    assert_eq!(columns.len(), 1000);
    assert!(columns.iter().all(|c| c.lo <= c.line && c.line <= c.hi));
    assert!(columns.iter().any(|c| c.line == 3.0 && c.lo == 0.0));
    let means = trace(&s, &x, 1000, Agg::Mean, |s| Some(s.offered_rate));
    let Trace::Band { columns, .. } = &means else {
        panic!("banded");
    };
    assert!(
        columns
            .iter()
            .all(|c| c.lo <= c.line + 1e-9 && c.line <= c.hi + 1e-9)
    );
}

/// A week sampled every minute (or every ten) keeps its daily cycles: at least 500
/// points per series, and each day's line rises and falls by most of the cycle.
#[test]
fn a_week_keeps_its_daily_cycles() {
    for every in [60.0, 600.0] {
        let n = (7.0 * 86_400.0 / every) as usize;
        let mut s = series("p", n, every, 1.0);
        for x in &mut s {
            let day = (x.time_s / 86_400.0).fract();
            x.offered_rate = 200.0 + 100.0 * (std::f64::consts::TAU * day).sin();
            x.capacity_rate = x.offered_rate * 1.2;
        }
        let out = outcome(&[("cloud", s, 1.0)]);
        let sc = scenario(7 * 86_400, every as u64);
        let ctx = Ctx::new(&sc, std::slice::from_ref(&out));
        let (_, demand) = figures(&ctx)
            .into_iter()
            .find(|(name, _)| *name == "demand-vs-capacity.png")
            .unwrap();
        let main = &demand.cells[0][0].0;
        assert_eq!(main.x.range, 0.0..7.0);
        for line in &main.lines {
            assert!(
                line.trace.len() >= 500,
                "every {every} s: {} points",
                line.trace.len()
            );
            let pts = line.trace.line();
            for day in 0..7 {
                let d = day as f64;
                let values: Vec<f64> = pts
                    .iter()
                    .filter(|p| p.0 > d && p.0 <= d + 1.0)
                    .map(|p| p.1)
                    .collect();
                let (lo, hi) = values
                    .iter()
                    .fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
                // Arrivals, capacity and offered load all swing by most of ±100 (or ±120).
                assert!(hi - lo > 150.0, "every {every} s, day {day}: {lo}..{hi}");
            }
        }
    }
}

/// Made-up outcomes with steep swings to zero, for every time-series figure.
fn zigzag_outcome(n_policies: usize, samples: usize) -> (Scenario, Outcome) {
    let mut sc = scenario(2 * 86_400, 2 * 86_400 / samples as u64);
    let names: Vec<String> = (0..n_policies).map(|i| format!("policy-{i}")).collect();
    let mut out = outcome(
        &names
            .iter()
            .map(|n| {
                (
                    n.as_str(),
                    series(n, samples, sc.sample_every as f64 / 1e6, 1.0),
                    1.0,
                )
            })
            .collect::<Vec<_>>(),
    );
    for (k, p) in out.policies.iter_mut().enumerate() {
        p.summary.policy_type = if k % 3 == 0 { "fixed" } else { "autoscale" }.into();
        for (i, x) in p.series.iter_mut().enumerate() {
            let up = (i / (3 + k)) % 2 == 0;
            x.idle_slots = if up { 250.0 } else { 0.0 };
            x.capacity_rate = if up { 900.0 } else { 0.0 };
            x.servers_ready = if up { 30 } else { 0 };
            x.response_p99_s = Some(if up { 4.0 } else { 0.01 });
            x.dropped = if up { 0 } else { 500 };
        }
    }
    sc.policies.truncate(0);
    (sc, out)
}

/// Every value handed to plotters lies on its panel's axis, and a panel whose values are
/// all ≥ 0 starts at 0: nothing is drawn below zero.
#[test]
fn no_drawn_value_is_below_the_axis() {
    for (n, samples) in [(3, 2880), (9, 2880), (3, 400), (9, 100)] {
        let (sc, out) = zigzag_outcome(n, samples);
        let ctx = Ctx::new(&sc, std::slice::from_ref(&out));
        let figs = figures(&ctx);
        assert!(figs.len() >= 5, "{} figures", figs.len());
        for (name, fig) in &figs {
            if n > 6 && matches!(*name, "demand-vs-capacity.png" | "idle-capacity.png") {
                assert_eq!(fig.cells.len(), n, "{name}: one panel per policy");
            }
            for panel in fig.panels() {
                let y = panel.y_axis().range();
                let values: Vec<f64> = panel.values().collect();
                for v in &values {
                    let log = matches!(panel.y_axis(), YAxis::Log(_));
                    if log && *v <= 0.0 {
                        continue; // not drawn on a log axis
                    }
                    assert!(
                        *v >= y.start && *v <= y.end,
                        "{name}: {v} outside {y:?} ({})",
                        panel.y_desc
                    );
                }
                if values.iter().all(|v| *v >= 0.0) {
                    assert!(y.start >= 0.0, "{name}: axis starts at {}", y.start);
                }
            }
        }
    }
}

/// Rendered, a policy's colour appears only inside plots (and the legend above them):
/// steep swings to 0 do not spike through the x axis as plotters' mitred polylines did.
#[test]
fn lines_stay_inside_their_plots() {
    ensure_font().unwrap();
    for n in [3, 9] {
        let (sc, out) = zigzag_outcome(n, 2880);
        let ctx = Ctx::new(&sc, std::slice::from_ref(&out));
        for (name, fig) in figures(&ctx) {
            let Figure { size, .. } = fig;
            let mut buf = vec![255u8; (size.0 * size.1 * 3) as usize];
            let rects = {
                let area = BitMapBackend::with_buffer(&mut buf, size).into_drawing_area();
                render(&area, &fig).unwrap()
            };
            let colours = policy_rgb(n);
            if let Some((x, y)) = colour_outside_plots(&buf, size, &rects, &colours) {
                panic!("{name} with {n} policies: policy colour at ({x}, {y}), outside every plot");
            }
        }
    }
}

/// The first `n` policies' colours as RGB bytes.
pub(super) fn policy_rgb(n: usize) -> Vec<[u8; 3]> {
    (0..n)
        .map(|i| {
            let c = policy_color(i);
            [c.0, c.1, c.2]
        })
        .collect()
}

/// The first pixel below the top of the plots in one of `colours` that is neither inside
/// a plot nor in a caption's band just above one (a small multiple's caption is written
/// in its policy's colour).
pub(super) fn colour_outside_plots(
    buf: &[u8],
    size: (u32, u32),
    rects: &[PlotRect],
    colours: &[[u8; 3]],
) -> Option<(i32, i32)> {
    let top = rects.iter().map(|r| r.1.start).min()?;
    for y in top..size.1 as i32 {
        for x in 0..size.0 as i32 {
            let i = ((y as u32 * size.0 + x as u32) * 3) as usize;
            if !colours.contains(&[buf[i], buf[i + 1], buf[i + 2]]) {
                continue;
            }
            let inside = rects
                .iter()
                .any(|(rx, ry)| rx.contains(&x) && ry.contains(&y));
            let caption = rects
                .iter()
                .any(|(rx, ry)| rx.contains(&x) && (ry.start - 34..ry.start).contains(&y));
            if !(inside || caption) {
                return Some((x, y));
            }
        }
    }
    None
}

#[test]
fn fixed_fleets_are_dashed_and_many_policies_get_their_own_panels() {
    let (sc, out) = zigzag_outcome(9, 400);
    let ctx = Ctx::new(&sc, std::slice::from_ref(&out));
    let figs = figures(&ctx);
    let demand = &figs[0].1;
    assert_eq!(demand.cols, 3);
    for (i, cell) in demand.cells.iter().enumerate() {
        let capacity = cell[0]
            .0
            .lines
            .iter()
            .find(|l| l.color == policy_color(i))
            .unwrap();
        let dashed = capacity.stroke == Stroke::Dashed;
        assert_eq!(dashed, i % 3 == 0, "policy {i}");
    }
    let strategies = figs
        .iter()
        .find(|(n, _)| *n == "autoscaling-strategies.png")
        .unwrap();
    assert_eq!(
        strategies.1.cells.len(),
        1,
        "six autoscalers: one stack, overlaid"
    );
}

/// The built-in flash crowd zooms on its ×3 spike at 2:00, every minute of it.
#[test]
fn the_spike_gets_a_zoomed_panel() {
    let sc = crate::scenario::parse(crate::scenario::DEFAULT_SCENARIO, "fc.toml", "fc").unwrap();
    let out = outcome(&[("own", series("own", 360, 60.0, 1.0), 1.0)]);
    let ctx = Ctx::new(&sc, std::slice::from_ref(&out));
    let zoom = ctx.zoom.clone().expect("a zoom on the spike");
    assert!(
        zoom.from_s < 7200.0 && zoom.to_s > 7200.0 + 35.0 * 60.0,
        "{zoom:?}"
    );
    assert!(zoom.to_s - zoom.from_s <= 2.0 * 3600.0);
    assert!(
        zoom.what.contains("×3") && zoom.what.contains("2:00"),
        "{}",
        zoom.what
    );
    let demand = &figures(&ctx)[0].1;
    let cell = &demand.cells[0];
    assert_eq!(cell.len(), 2);
    assert_eq!(cell[1].0.x.range, zoom.x.range);
    let Trace::Points(p) = &cell[1].0.lines[1].trace else {
        panic!("the zoom draws every sample");
    };
    // Every minute of the window, and one sample each side.
    let minutes = ((zoom.to_s - zoom.from_s) / 60.0).round() as usize;
    assert!(
        p.len() >= minutes,
        "{} points for {minutes} minutes",
        p.len()
    );
    assert_eq!(
        cell[0].0.highlight,
        Some(zoom.from_s / 3600.0..zoom.to_s / 3600.0)
    );
    // Flat traffic has nothing to zoom on; a sharp rise without a spike shape is zoomed.
    let mut flat = sc.clone();
    flat.workload.shapes.clear();
    let mut steady = series("own", 360, 60.0, 1.0);
    for x in &mut steady {
        x.offered_rate = 200.0;
    }
    let out = outcome(&[("own", steady.clone(), 1.0)]);
    assert!(Ctx::new(&flat, std::slice::from_ref(&out)).zoom.is_none());
    for x in &mut steady[180..] {
        x.offered_rate = 400.0;
    }
    let out = outcome(&[("own", steady, 1.0)]);
    let zoom = Ctx::new(&flat, std::slice::from_ref(&out)).zoom.unwrap();
    assert!(
        zoom.what.contains("rise") && zoom.what.contains("3:01"),
        "{}",
        zoom.what
    );
}

#[test]
fn time_axis_units() {
    assert_eq!(time_axis(21_600.0).name, "hours");
    assert_eq!(time_axis(30.0).name, "seconds");
}
