//! Points: which value of every varied field each point takes. In a grid the first
//! field varies slowest (point 0 takes every first value); in a zip point i takes the
//! i-th value of every list.

use super::file::{MAX_POINTS, Mode, SweepFile, Value};
use crate::app::Error;

/// The points of a sweep, computed on demand (a grid of 100,000 points is not stored).
#[derive(Debug, Clone)]
pub(crate) struct Grid {
    lens: Vec<usize>,
    mode: Mode,
    count: usize,
}

impl Grid {
    /// The points of `sweep`, or why there are none or too many.
    pub(crate) fn of(sweep: &SweepFile) -> Result<Grid, Error> {
        let lens: Vec<usize> = sweep.vary.iter().map(|v| v.values.len()).collect();
        let count = match sweep.mode {
            Mode::Zip => {
                let first = &sweep.vary[0];
                if let Some(other) = sweep.vary.iter().find(|v| v.values.len() != lens[0]) {
                    return Err(Error::Usage(format!(
                        "{}{}: field `vary`: mode = \"zip\" pairs the i-th values of every list, but {:?} has {} values and {:?} has {}",
                        sweep.file,
                        other.at,
                        first.path.text,
                        lens[0],
                        other.path.text,
                        other.values.len()
                    )));
                }
                lens[0] as u64
            }
            // In u128, saturating: 32 lists of 10,000 values pass 2⁶⁴.
            Mode::Grid => lens
                .iter()
                .fold(1u128, |acc, &n| acc.saturating_mul(n as u128))
                .min(u128::from(u64::MAX)) as u64,
        };
        if count == 0 {
            return Err(Error::Usage(format!(
                "{}: field `vary`: the grid is empty",
                sweep.file
            )));
        }
        if count > MAX_POINTS {
            return Err(Error::Usage(format!(
                "{}: field `vary`: the grid has {} points ({}); a sweep has at most {MAX_POINTS} (split it into several sweep files, or use fewer values)",
                sweep.file,
                if count == u64::MAX {
                    "over 2⁶⁴".to_string()
                } else {
                    count.to_string()
                },
                lens.iter()
                    .map(|n| n.to_string())
                    .collect::<Vec<_>>()
                    .join(" × ")
            )));
        }
        Ok(Grid {
            lens,
            mode: sweep.mode,
            count: count as usize,
        })
    }

    pub(crate) fn len(&self) -> usize {
        self.count
    }

    /// The position in each field's list of point `i`'s values.
    pub(crate) fn positions(&self, i: usize) -> Vec<usize> {
        match self.mode {
            Mode::Zip => vec![i; self.lens.len()],
            Mode::Grid => {
                let mut out = vec![0; self.lens.len()];
                let mut rest = i;
                for (k, &n) in self.lens.iter().enumerate().rev() {
                    out[k] = rest % n;
                    rest /= n;
                }
                out
            }
        }
    }

    /// Point `i`'s values, one per varied field.
    pub(crate) fn values<'a>(&self, sweep: &'a SweepFile, i: usize) -> Vec<&'a Value> {
        self.positions(i)
            .into_iter()
            .zip(&sweep.vary)
            .map(|(p, v)| &v.values[p])
            .collect()
    }

    /// Point `i` in words: `point 3 (policy[cloud].scaling.target = 0.5, …)`.
    pub(crate) fn describe(&self, sweep: &SweepFile, i: usize) -> String {
        let values = self
            .values(sweep, i)
            .into_iter()
            .zip(&sweep.vary)
            .map(|(v, f)| format!("{} = {}", f.path.text, v.text()))
            .collect::<Vec<_>>()
            .join(", ");
        format!("point {i} ({values})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sweep(mode: &str, a: &str, b: &str) -> SweepFile {
        let text = format!(
            "scenario = \"x.toml\"\nmode = \"{mode}\"\n[[vary]]\nfield = \"a\"\nvalues = {a}\n[[vary]]\nfield = \"b\"\nvalues = {b}\n"
        );
        super::super::file::parse(&text, "s.toml", std::path::Path::new("")).unwrap()
    }

    #[test]
    fn grid_order_is_first_field_slowest() {
        let s = sweep("grid", "[1, 2]", "[10, 20, 30]");
        let g = Grid::of(&s).unwrap();
        assert_eq!(g.len(), 6);
        assert_eq!(g.positions(0), [0, 0]);
        assert_eq!(g.positions(1), [0, 1]);
        assert_eq!(g.positions(3), [1, 0]);
        assert_eq!(g.positions(5), [1, 2]);
        assert_eq!(g.describe(&s, 4), "point 4 (a = 2, b = 20)");
    }

    #[test]
    fn zip_pairs_and_checks_lengths() {
        let s = sweep("zip", "[1, 2]", "[10, 20]");
        let g = Grid::of(&s).unwrap();
        assert_eq!(g.len(), 2);
        assert_eq!(g.positions(1), [1, 1]);
        let s = sweep("zip", "[1, 2]", "[10, 20, 30]");
        assert!(Grid::of(&s).unwrap_err().to_string().contains("zip"));
    }
}
