//! The fluid fidelity against the exact request-level engine, on every shipped scenario
//! short enough to simulate request by request: total cost within 1 %, idle fraction
//! within 2 percentage points, dropped fraction within 1 point, p99 within 25 %.

use std::path::Path;

use provsim::compare::{Tolerances, compare};
use provsim::scenario::{self, Fidelity};

#[test]
fn fluid_agrees_with_request_level_on_shipped_scenarios() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("scenarios folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    let tol = Tolerances::default();
    let mut compared = 0;
    let mut failures = Vec::new();
    for file in files {
        let s = scenario::load(&file).expect("shipped scenarios are valid");
        // Long horizons are what the fluid fidelity is for; request level would take
        // minutes there.
        if matches!(s.fidelity, Fidelity::Fluid { .. }) && s.horizon > 30 * 86_400 * 1_000_000 {
            continue;
        }
        let c = compare(&s);
        println!("{}", c.table(&s, &tol));
        compared += 1;
        for p in &c.policies {
            if !p.agrees(&tol) {
                failures.push(format!("{}: {:?}", s.name, p));
            }
        }
    }
    assert!(compared >= 4, "only {compared} scenarios compared");
    assert!(failures.is_empty(), "fluid disagrees: {failures:#?}");
}
