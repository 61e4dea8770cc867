//! Drawing every chart end to end, on made-up outcomes: files, determinism, odd data.

use std::path::{Path, PathBuf};

use super::draw_all;
use super::figure::{Agg, Ctx, MAX_POINTS, downsample, time_axis};
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
        ctx.subtitle("mean")
            .contains("first of 3 replications (seed 1)")
    );
    assert!(
        !Ctx::new(&sc, &reps[..1])
            .subtitle("mean")
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

#[test]
fn downsampling_keeps_at_most_max_points() {
    let s = series("p", 5001, 1.0, 1.0);
    let t = time_axis(5001.0);
    let pts = downsample(&s, t, Agg::Max, |s| Some(s.dropped as f64));
    assert!(pts.len() <= MAX_POINTS);
    assert!(pts.iter().any(|p| p.1 == 3.0));
    assert_eq!(
        downsample(&s[..10], t, Agg::Mean, |s| Some(s.time_s)).len(),
        10
    );
}

#[test]
fn time_axis_units() {
    assert_eq!(time_axis(21_600.0).name, "hours");
    assert_eq!(time_axis(30.0).name, "seconds");
}
