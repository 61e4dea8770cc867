//! What the sweep charts (`charts/pareto.png`, `charts/objective.png`) are drawn from.
//!
//! TODO(charts): `src/report/charts/sweep.rs` (another branch) defines `SweepChart`,
//! `SweepChartRow` and `draw_sweep`. When it lands: delete the two structs below, import
//! them from there (`report::charts` must be `pub(crate)`), and call `draw_sweep` at the
//! single call site marked `TODO(charts)` in `sweep/mod.rs`.

#![allow(dead_code)]

use super::table::Table;

pub(crate) struct SweepChart {
    pub name: String,
    pub subtitle: String,
    pub objective: String,
    pub varied: Vec<String>,
    pub rows: Vec<SweepChartRow>,
}

pub(crate) struct SweepChartRow {
    pub point: usize,
    pub values: Vec<f64>,
    pub policy: String,
    pub all_in_cost: f64,
    pub response_p99_s: f64,
    pub objective: f64,
    pub feasible: bool,
}

/// The chart data of a sweep named `name`: every point × policy, with means when
/// replicated; a text value is placed at its position in its list.
pub(crate) fn chart_data(name: &str, table: &Table<'_>) -> SweepChart {
    let sweep = table.sweep;
    let rows = table
        .rows
        .iter()
        .map(|row| SweepChartRow {
            point: row.point,
            values: table
                .grid
                .positions(row.point)
                .into_iter()
                .zip(&sweep.vary)
                .map(|(p, v)| v.values[p].number(p))
                .collect(),
            policy: row.policy.to_string(),
            all_in_cost: table.value(row, "all_in_cost"),
            response_p99_s: table.value(row, "response_p99_s"),
            objective: table.value(row, &sweep.objective.minimize),
            feasible: table.feasible(row),
        })
        .collect();
    SweepChart {
        name: name.to_string(),
        subtitle: format!(
            "{} points × {} replication{}",
            table.grid.len(),
            table.replications,
            if table.replications == 1 { "" } else { "s" }
        ),
        objective: sweep.objective.describe(),
        varied: sweep.vary.iter().map(|v| v.path.text.clone()).collect(),
        rows,
    }
}
