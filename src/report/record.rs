//! `run.toml`: the run record of an output folder — which provsim, which command line,
//! which scenario file (by SHA-256), the effective seed, fidelity and replications, and
//! how long it took — so results can be traced and reproduced from the folder alone.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::OutputError;
use crate::engine::Time;
use crate::scenario::{Fidelity, Scenario};

/// What `run.toml` records about a run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    /// `provsim` and its version.
    pub version: String,
    /// The command line, program name first.
    pub command_line: Vec<String>,
    /// The working folder the command ran in (relative paths on the command line are
    /// relative to it).
    pub working_directory: String,
    /// The scenario file as given (or the built-in scenario's name).
    pub scenario_file: String,
    /// SHA-256 of the scenario file's bytes, hex.
    pub scenario_sha256: String,
    /// The seed the run used (replication 0's; the others derive from it).
    pub seed: u64,
    pub fidelity: Fidelity,
    pub replications: u32,
    /// When the run started, RFC 3339 (UTC).
    pub started_at: String,
    /// Seconds from loading the scenario to writing the results (`None`: not measured).
    pub wall_time_s: Option<f64>,
}

impl RunRecord {
    /// The record of a run of `scenario` (overrides applied) from `file`, whose bytes
    /// hash to `sha256`, started now by this process's command line. The wall time is
    /// set once the run is over.
    pub fn new(scenario: &Scenario, file: &str, sha256: &str) -> RunRecord {
        RunRecord {
            version: format!("provsim {}", env!("CARGO_PKG_VERSION")),
            command_line: std::env::args_os()
                .map(|a| a.to_string_lossy().into_owned())
                .collect(),
            working_directory: std::env::current_dir()
                .map(|d| d.display().to_string())
                .unwrap_or_default(),
            scenario_file: file.to_string(),
            scenario_sha256: sha256.to_string(),
            seed: scenario.seed,
            fidelity: scenario.fidelity,
            replications: scenario.replications.max(1),
            started_at: jiff::Timestamp::now()
                .round(jiff::Unit::Second)
                .map_or_else(|_| jiff::Timestamp::now().to_string(), |t| t.to_string()),
            wall_time_s: None,
        }
    }

    /// The record as TOML, with a comment saying how to reproduce the run.
    pub fn to_toml(&self) -> String {
        use toml_edit::{Array, DocumentMut, value};
        let mut doc = DocumentMut::new();
        doc["provsim"] = value(&self.version);
        doc["command_line"] = value(self.command_line.iter().collect::<Array>());
        doc["working_directory"] = value(&self.working_directory);
        doc["scenario_file"] = value(&self.scenario_file);
        doc["scenario_sha256"] = value(&self.scenario_sha256);
        // TOML integers stop at 2⁶³ − 1; a larger seed is written as text.
        doc["seed"] = match i64::try_from(self.seed) {
            Ok(s) => value(s),
            Err(_) => value(self.seed.to_string()),
        };
        doc["fidelity"] = value(self.fidelity.name());
        if let Fidelity::Fluid { step } = self.fidelity {
            doc["step"] = value(exact_duration(step));
        }
        doc["replications"] = value(i64::from(self.replications));
        doc["started_at"] = value(&self.started_at);
        if let Some(t) = self.wall_time_s.filter(|t| t.is_finite()) {
            doc["wall_time_s"] = value((t * 1000.0).round() / 1000.0);
        }
        format!(
            "# How the files in this folder were made. scenario.toml is the scenario as run\n\
             # (command-line overrides written into it, file paths made absolute):\n\
             #   provsim run scenario.toml --out ANOTHER_FOLDER\n\
             # writes the same summary.csv and timeseries.csv, byte for byte.\n{doc}"
        )
    }
}

/// `t` as a scenario file writes it, exactly: `1s`, `250ms`, `1500us`.
pub(crate) fn exact_duration(t: Time) -> String {
    if t % 1000 == 0 {
        crate::engine::human_duration(t)
    } else {
        format!("{t}us")
    }
}

/// SHA-256 of `bytes`, as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Writes `run.toml` into `dir`; returns its name.
pub(crate) fn write(dir: &Path, record: &RunRecord) -> Result<PathBuf, OutputError> {
    let path = dir.join("run.toml");
    std::fs::write(&path, record.to_toml()).map_err(OutputError::io(&path))?;
    Ok(PathBuf::from("run.toml"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_known_texts() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn durations_read_back_exactly() {
        let second = crate::engine::SECOND;
        assert_eq!(exact_duration(second), "1s");
        assert_eq!(exact_duration(second / 4), "250ms");
        assert_eq!(exact_duration(1500), "1500us");
        assert_eq!(exact_duration(90 * second), "90s");
    }

    #[test]
    fn record_is_toml_with_every_field() {
        let s = crate::scenario::parse(crate::scenario::DEFAULT_SCENARIO, "d.toml", "d").unwrap();
        let mut r = RunRecord::new(&s, "d.toml", &sha256_hex(b"x"));
        r.seed = u64::MAX;
        r.fidelity = Fidelity::Fluid {
            step: crate::engine::SECOND,
        };
        r.wall_time_s = Some(1.23456);
        let text = r.to_toml();
        let doc: toml::Table = toml::from_str(&text).unwrap();
        assert_eq!(doc["seed"].as_str(), Some("18446744073709551615"));
        assert_eq!(doc["fidelity"].as_str(), Some("fluid"));
        assert_eq!(doc["step"].as_str(), Some("1s"));
        assert_eq!(doc["replications"].as_integer(), Some(1));
        assert_eq!(doc["wall_time_s"].as_float(), Some(1.235));
        assert!(doc["provsim"].as_str().unwrap().starts_with("provsim "));
        assert!(doc["command_line"].as_array().is_some());
        assert_eq!(doc["scenario_sha256"].as_str().unwrap().len(), 64);
    }
}
