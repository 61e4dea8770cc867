//! Every shipped scenario end to end: load, simulate all policies, write CSV and charts
//! into a temporary folder (what `provsim run` does, minus printing); and `flash-crowd`
//! with 1 and with 8 replications, whose ratio is how well replications scale.

use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};

fn shipped() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios"))
            .map(|dir| dir.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "toml"));
    files.sort();
    files
}

fn end_to_end(c: &mut Criterion) {
    let mut group = c.benchmark_group("scenario");
    group.sample_size(10);
    for file in shipped() {
        let name = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let out = tempfile::tempdir().expect("temp dir");
        let request = provsim::app::RunRequest {
            scenarios: vec![file.clone()],
            out: Some(out.path().join(&name)),
            seed: None,
            replications: None,
            fidelity: None,
            charts: true,
            print: false,
            allow_large: false,
        };
        group.bench_function(&name, |b| {
            b.iter(|| provsim::app::run(&request).expect("shipped scenario runs"))
        });
    }
    group.finish();
}

fn replications(c: &mut Criterion) {
    let mut group = c.benchmark_group("replications");
    group.sample_size(10);
    let file = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/flash-crowd.toml"
    ));
    for n in [1, 8] {
        let out = tempfile::tempdir().expect("temp dir");
        let request = provsim::app::RunRequest {
            scenarios: vec![file.clone()],
            out: Some(out.path().join("flash-crowd")),
            seed: None,
            replications: Some(n),
            fidelity: None,
            charts: true,
            print: false,
            allow_large: false,
        };
        group.bench_function(format!("flash-crowd/{n}"), |b| {
            b.iter(|| provsim::app::run(&request).expect("flash-crowd runs"))
        });
    }
    group.finish();
}

criterion_group!(benches, end_to_end, replications);
criterion_main!(benches);
