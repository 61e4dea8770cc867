//! The sweep charts' data (fronts, best points, profiles) and their PNGs.

use std::path::Path;

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;

use plotters::prelude::{BitMapBackend, IntoDrawingArea};

use super::*;
use crate::report::charts::ensure_font;
use crate::report::charts::tests::{colour_outside_plots, policy_rgb};

/// The front by definition: finite points nothing dominates, identical ones once.
fn brute_front(points: &[(f64, f64)]) -> Vec<usize> {
    let ok = |p: &(f64, f64)| p.0.is_finite() && p.1.is_finite();
    let mut front: Vec<usize> = (0..points.len())
        .filter(|&i| ok(&points[i]))
        .filter(|&i| {
            let p = points[i];
            !points.iter().enumerate().any(|(j, q)| {
                ok(q)
                    && ((q.0 <= p.0 && q.1 <= p.1 && (q.0 < p.0 || q.1 < p.1))
                        || (j < i && q.0 == p.0 && q.1 == p.1))
            })
        })
        .collect();
    front.sort_by(|&a, &b| points[a].0.total_cmp(&points[b].0));
    front
}

#[test]
fn the_front_matches_brute_force_on_random_points() {
    let mut rng = Pcg64Mcg::seed_from_u64(17);
    for case in 0..300 {
        let n = 1 + case % 40;
        // Coarse values (many ties) in half the cases, fine ones in the rest.
        let coarse = case % 2 == 0;
        let v = |rng: &mut Pcg64Mcg| {
            let u: f64 = rng.random();
            if coarse { (u * 5.0).floor() } else { u }
        };
        let mut points: Vec<(f64, f64)> = (0..n).map(|_| (v(&mut rng), v(&mut rng))).collect();
        if case % 7 == 0 {
            points.push((f64::NAN, 0.0));
            points.push((0.5, f64::INFINITY));
        }
        assert_eq!(pareto_front(&points), brute_front(&points), "{points:?}");
    }
}

#[test]
fn front_ties_single_point_and_nothing() {
    assert_eq!(pareto_front(&[]), Vec::<usize>::new());
    assert_eq!(pareto_front(&[(3.0, 1.0)]), [0]);
    assert_eq!(pareto_front(&[(f64::NAN, 1.0)]), Vec::<usize>::new());
    // Identical points: the first only.
    assert_eq!(pareto_front(&[(1.0, 2.0), (1.0, 2.0), (1.0, 2.0)]), [0]);
    // Same cost: the faster; same p99: the cheaper.
    assert_eq!(pareto_front(&[(1.0, 3.0), (1.0, 2.0), (2.0, 2.0)]), [1]);
    // A trade-off, ordered by cost.
    assert_eq!(
        pareto_front(&[(3.0, 1.0), (1.0, 3.0), (2.0, 2.0), (2.5, 2.5)]),
        [1, 2, 0]
    );
    assert_eq!(
        staircase(&[(1.0, 3.0), (2.0, 2.0), (3.0, 1.0)]),
        [(1.0, 3.0), (2.0, 3.0), (2.0, 2.0), (3.0, 2.0), (3.0, 1.0)]
    );
    assert_eq!(staircase(&[(1.0, 3.0)]), [(1.0, 3.0)]);
}

#[test]
fn markers_are_thinned_to_one_per_cell_and_kind() {
    let mut rng = Pcg64Mcg::seed_from_u64(3);
    let markers: Vec<((f64, f64), bool)> = (0..100_000)
        .map(|i| {
            let (x, y): (f64, f64) = (rng.random(), rng.random());
            ((x * 100.0, y * 100.0), i % 2 == 0)
        })
        .collect();
    let kept = thin(markers.iter().copied());
    // 50 × 50 cells of 2 pixels, two kinds.
    assert!(kept.len() <= 2 * 50 * 50, "{}", kept.len());
    assert!(kept.len() > 4000, "{}", kept.len());
    // The first marker of each cell is the one kept.
    assert_eq!(kept[0], markers[0]);
}

fn row(point: usize, values: &[f64], policy: &str, cost: f64, p99: f64, ok: bool) -> SweepChartRow {
    SweepChartRow {
        point,
        values: values.to_vec(),
        policy: policy.to_string(),
        all_in_cost: cost,
        response_p99_s: p99,
        objective: cost,
        feasible: ok,
    }
}

#[test]
fn best_rows_and_profiles() {
    let rows = vec![
        row(0, &[1.0, 10.0], "a", 5.0, 0.1, true),
        row(0, &[1.0, 10.0], "b", 4.0, 0.1, false),
        row(1, &[1.0, 20.0], "a", 3.0, 0.2, true),
        row(1, &[1.0, 20.0], "b", 6.0, 0.2, true),
        row(2, &[2.0, 10.0], "a", 3.0, 0.3, true),
        row(2, &[2.0, 10.0], "b", 1.0, 0.3, false),
    ];
    let (names, of) = policies(&rows);
    assert_eq!(names, ["a", "b"]);
    assert_eq!(of, [0, 1, 0, 1, 0, 1]);
    // a: 3.0 at rows 2 and 4, the first wins; b: only row 3 is feasible.
    assert_eq!(best_rows(&rows, &of, 2), [Some(2), Some(3)]);
    let p = profile(&rows, &of, 2, Some(0));
    assert_eq!(p.xs, [1.0, 2.0]);
    assert_eq!(p.best, [vec![Some(3.0), Some(3.0)], vec![Some(6.0), None]]);
    let p = profile(&rows, &of, 2, Some(1));
    assert_eq!(p.xs, [10.0, 20.0]);
    assert_eq!(p.best, [vec![Some(3.0), Some(3.0)], vec![None, Some(6.0)]]);
    let p = profile(&rows, &of, 2, None);
    assert_eq!(p.xs, [0.0, 1.0, 2.0]);
    assert_eq!(
        short_names(&[
            "policy[cloud].scaling.target".into(),
            "policy[own].servers".into()
        ]),
        ["target", "servers"]
    );
    assert_eq!(short_names(&["a.x".into(), "b.x".into()]), ["a.x", "b.x"]);
    assert_eq!(Unit::of("all_in_cost"), Unit::Money);
    assert_eq!(Unit::of("response_p99_s"), Unit::Seconds);
    assert_eq!(Unit::of("drop_fraction"), Unit::Fraction);
    assert_eq!(Unit::of("launches"), Unit::Plain);
}

/// A grid of `fields` (each a list of values) × `policies`, with costs and p99s that
/// trade off, some points infeasible.
pub(super) fn grid_chart(policies: usize, fields: &[Vec<f64>]) -> SweepChart {
    let mut points: Vec<Vec<f64>> = vec![Vec::new()];
    for values in fields {
        points = points
            .into_iter()
            .flat_map(|p| {
                values.iter().map(move |v| {
                    let mut q = p.clone();
                    q.push(*v);
                    q
                })
            })
            .collect();
    }
    let mut rows = Vec::new();
    for (i, values) in points.iter().enumerate() {
        for k in 0..policies {
            let size: f64 = values
                .iter()
                .enumerate()
                .map(|(j, v)| v * (j + 1) as f64)
                .sum();
            let size = 1.0 + size.abs();
            let kf = k as f64;
            let cost = 100.0 * size * (1.0 + 0.3 * kf) + 37.0 * ((i * 7 + k) % 5) as f64;
            let p99 = 0.05 + 4.0 / (size * (1.0 + 0.2 * kf)) + 0.03 * ((i * 3 + k) % 4) as f64;
            rows.push(SweepChartRow {
                point: i,
                values: values.clone(),
                policy: format!("policy-{k}"),
                all_in_cost: cost,
                response_p99_s: p99,
                objective: cost,
                feasible: p99 < 1.0,
            });
        }
    }
    SweepChart {
        name: "test-sweep".into(),
        subtitle: format!("{} points, 3 replications", points.len()),
        objective: "all_in_cost".into(),
        varied: (0..fields.len())
            .map(|j| format!("policy[p{j}].field{j}"))
            .collect(),
        rows,
    }
}

/// The cases the charts must draw, by name.
pub(super) fn cases() -> Vec<(&'static str, SweepChart)> {
    let two = grid_chart(
        3,
        &[
            vec![2.0, 4.0, 6.0, 8.0, 10.0, 12.0],
            vec![0.4, 0.5, 0.6, 0.7],
        ],
    );
    let one = grid_chart(2, &[vec![5.0]]);
    let mut none = grid_chart(3, &[vec![1.0, 2.0, 3.0]]);
    none.rows.iter_mut().for_each(|r| r.feasible = false);
    let mut nan = grid_chart(3, &[vec![1.0, 2.0, 3.0, 4.0, 5.0]]);
    for (i, r) in nan.rows.iter_mut().enumerate() {
        match i % 4 {
            0 => r.response_p99_s = f64::NAN,
            1 => r.response_p99_s = 0.0,
            _ => {}
        }
    }
    let ten = grid_chart(10, &[vec![1.0, 2.0, 3.0, 4.0], vec![1.0, 2.0]]);
    let mut same = grid_chart(2, &[vec![1.0, 2.0, 3.0]]);
    same.rows.iter_mut().for_each(|r| {
        r.all_in_cost = 500.0;
        r.response_p99_s = 0.2;
        r.objective = 500.0;
    });
    let three = grid_chart(2, &[vec![1.0, 2.0, 3.0], vec![0.1, 0.2], vec![5.0, 7.0]]);
    // Costs over three decades and p99s over four: both axes log.
    let mut wide = grid_chart(3, &[vec![1.0, 2.0, 4.0, 8.0, 16.0, 32.0], vec![0.5, 1.0]]);
    for r in &mut wide.rows {
        r.all_in_cost = r.all_in_cost.powf(1.6) / 10.0;
        r.response_p99_s = r.response_p99_s.powi(4);
        r.objective = r.all_in_cost;
        r.feasible = r.response_p99_s < 0.5;
    }
    let mut nothing = grid_chart(1, &[]);
    nothing.varied.clear();
    vec![
        ("two-fields-three-policies", two),
        ("one-point", one),
        ("all-infeasible", none),
        ("nan-p99", nan),
        ("ten-policies", ten),
        ("identical-points", same),
        ("three-fields", three),
        ("nothing-varied", nothing),
        ("log-axes", wide),
        ("no-rows", SweepChart::default()),
    ]
}

/// The RGB pixels of a PNG, and its size.
fn decode(path: &Path) -> (Vec<u8>, (u32, u32)) {
    let file = std::fs::File::open(path).expect("chart written");
    let mut reader = png::Decoder::new(file).read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("a PNG frame");
    buf.truncate(info.buffer_size());
    assert_eq!(info.color_type, png::ColorType::Rgb, "{}", path.display());
    (buf, (info.width, info.height))
}

fn has_colour(pixels: &[u8], c: RGBColor) -> bool {
    pixels.chunks_exact(3).any(|p| p == [c.0, c.1, c.2])
}

#[test]
fn draws_both_charts_for_every_case() {
    for (name, chart) in cases() {
        let dir = tempfile::tempdir().unwrap();
        let written = draw_sweep(dir.path(), &chart).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            written,
            [
                PathBuf::from("charts/pareto.png"),
                PathBuf::from("charts/objective.png")
            ]
        );
        for rel in &written {
            let (pixels, (w, h)) = decode(&dir.path().join(rel));
            assert!(w >= 1000 && h >= 600, "{name} {}: {w}×{h}", rel.display());
            let inked = pixels
                .chunks_exact(3)
                .filter(|p| *p != [255, 255, 255])
                .count();
            assert!(inked > 5000, "{name} {}: almost blank", rel.display());
            // The first policy's colour is drawn (its line, front or ring).
            let (_, of) = policies(&chart.rows);
            if of.contains(&0) && !(name == "all-infeasible" && rel.ends_with("pareto.png")) {
                assert!(
                    has_colour(&pixels, policy_color(0)),
                    "{name} {}",
                    rel.display()
                );
            }
        }
    }
}

#[test]
fn the_same_sweep_draws_the_same_bytes() {
    let chart = grid_chart(3, &[vec![1.0, 2.0, 3.0], vec![0.5, 0.6]]);
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    draw_sweep(a.path(), &chart).unwrap();
    draw_sweep(b.path(), &chart).unwrap();
    for name in ["charts/pareto.png", "charts/objective.png"] {
        assert_eq!(
            std::fs::read(a.path().join(name)).unwrap(),
            std::fs::read(b.path().join(name)).unwrap(),
            "{name}"
        );
    }
}

#[test]
fn a_hundred_thousand_rows_draw_quickly() {
    let values: Vec<f64> = (0..200).map(f64::from).collect();
    let targets: Vec<f64> = (0..100).map(|i| 0.3 + f64::from(i) * 0.005).collect();
    let chart = grid_chart(5, &[values, targets]);
    assert_eq!(chart.rows.len(), 100_000);
    let dir = tempfile::tempdir().unwrap();
    let start = std::time::Instant::now();
    draw_sweep(dir.path(), &chart).unwrap();
    let took = start.elapsed();
    assert!(took.as_secs_f64() < 5.0, "took {took:?}");
}

/// Writes every case's charts under /tmp/provsim-sweep-charts/ to look at:
/// `cargo test --lib sweep::tests::write_examples -- --ignored`.
#[test]
#[ignore]
fn write_examples() {
    for (name, chart) in cases() {
        let dir = Path::new("/tmp/provsim-sweep-charts").join(name);
        std::fs::create_dir_all(&dir).unwrap();
        draw_sweep(&dir, &chart).unwrap();
    }
    let values: Vec<f64> = (0..200).map(f64::from).collect();
    let targets: Vec<f64> = (0..100).map(|i| 0.3 + f64::from(i) * 0.005).collect();
    let dir = Path::new("/tmp/provsim-sweep-charts/hundred-thousand");
    std::fs::create_dir_all(dir).unwrap();
    draw_sweep(dir, &grid_chart(5, &[values, targets])).unwrap();
}

/// Rendered, a policy's colour appears only inside a plot, or above the plots (legend,
/// a small multiple's caption): no marker, ring, front or label spills onto the axes.
#[test]
fn policy_colours_stay_inside_the_plots() {
    ensure_font().unwrap();
    for (name, chart) in cases() {
        let n = policies(&chart.rows).0.len();
        let colours = policy_rgb(n);
        for (which, drawing) in [("pareto", PARETO), ("objective", OBJECTIVE)] {
            let size = (drawing.size)(&chart);
            let mut buf = vec![255u8; (size.0 * size.1 * 3) as usize];
            let rects = {
                let root = BitMapBackend::with_buffer(&mut buf, size).into_drawing_area();
                (drawing.draw)(&root, &chart).unwrap()
            };
            assert!(!rects.is_empty(), "{name} {which}: no plot");
            if let Some((x, y)) = colour_outside_plots(&buf, size, &rects, &colours) {
                panic!("{name} {which}: policy colour at ({x}, {y}), outside every plot");
            }
        }
    }
}
