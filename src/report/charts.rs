//! PNG charts (placeholder until the charts land).

use std::path::{Path, PathBuf};

use super::OutputError;
use crate::scenario::Scenario;
use crate::simulation::Outcome;

pub(crate) fn draw_all(
    _dir: &Path,
    _scenario: &Scenario,
    _outcome: &Outcome,
) -> Result<Vec<PathBuf>, OutputError> {
    Ok(Vec::new())
}
