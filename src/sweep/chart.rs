//! What the sweep charts (`charts/pareto.png`, `charts/objective.png`) are drawn from.
//!
//! Drawn by `report::charts::sweep` (`draw_sweep`).

use super::table::Table;
use crate::report::{SweepChart, SweepChartRow};

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
            "{} points × {} replication{}; {}",
            table.grid.len(),
            table.replications,
            if table.replications == 1 { "" } else { "s" },
            sweep.objective.describe()
        ),
        objective: sweep.objective.minimize.clone(),
        varied: sweep.vary.iter().map(|v| v.path.text.clone()).collect(),
        rows,
    }
}
