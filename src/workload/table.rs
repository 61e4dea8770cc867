//! λ(t) averaged over fixed cells, computed once per run and shared by every policy of
//! the fluid fidelity, which reads it millions of times.

use rayon::prelude::*;

use super::RateFunction;
use crate::engine::{SECOND, Time};
use crate::scenario::Workload;

/// Mean rate per cell of `cell` microseconds.
#[derive(Debug, Clone)]
pub struct RateTable {
    cell: Time,
    means: Vec<f64>,
}

impl RateTable {
    /// Cells of one minute, or of `step` if steps are longer: each cell holds the exact
    /// mean of λ over it (see [`RateFunction::mean_over`]).
    pub fn new(workload: &Workload, horizon: Time, step: Time) -> RateTable {
        let rate = RateFunction::new(workload);
        let cell = step.max(60 * SECOND);
        let cells = horizon.div_ceil(cell) as usize;
        let means = (0..cells)
            .into_par_iter()
            .map(|i| {
                let from = i as Time * cell;
                rate.mean_over(from, (from + cell).min(horizon.max(from + 1)))
            })
            .collect();
        RateTable { cell, means }
    }

    /// Mean λ of the cell holding `t`, and where that cell ends.
    #[inline]
    pub fn cell(&self, t: Time) -> (f64, Time) {
        let i = t / self.cell;
        let mean = self.means.get(i as usize).copied().unwrap_or(0.0);
        (mean, (i + 1) * self.cell)
    }
}
