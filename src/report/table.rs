//! The summary table printed on stdout.

use std::fmt::Write;

use crate::scenario::Scenario;
use crate::simulation::Outcome;

/// A fixed-width table: one row per policy with cost, idle capacity and latency.
pub fn summary_table(scenario: &Scenario, outcome: &Outcome) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}  (horizon {}, seed {}, {} {})",
        scenario.name,
        humantime::format_duration(std::time::Duration::from_micros(scenario.horizon)),
        scenario.seed,
        scenario.policies.len(),
        if scenario.policies.len() == 1 {
            "policy"
        } else {
            "policies"
        }
    );
    let header = [
        "policy",
        "type",
        "total cost",
        "committed",
        "idle %",
        "idle cost",
        "servers avg/peak",
        "served",
        "dropped",
        "SLO miss %",
        "p50",
        "p99",
        "max",
    ];
    let rows: Vec<[String; 13]> = outcome
        .policies
        .iter()
        .map(|p| {
            let s = &p.summary;
            [
                s.policy.clone(),
                s.policy_type.clone(),
                money(s.total_cost),
                money(s.committed_cost),
                format!("{:.1}", s.idle_fraction * 100.0),
                money(s.idle_cost),
                format!("{:.1}/{}", s.mean_servers, s.peak_servers),
                s.served.to_string(),
                s.dropped.to_string(),
                format!("{:.2}", s.slo_miss_fraction * 100.0),
                seconds(s.response_p50_s),
                seconds(s.response_p99_s),
                seconds(s.response_max_s),
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .fold(header[i].chars().count(), usize::max)
        })
        .collect();
    let line = |cells: Vec<&str>| {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i < 2 {
                    format!("{c:<w$}", w = widths[i])
                } else {
                    format!("{c:>w$}", w = widths[i])
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
    };
    let _ = writeln!(out, "{}", line(header.to_vec()));
    for r in &rows {
        let _ = writeln!(out, "{}", line(r.iter().map(String::as_str).collect()));
    }
    out
}

fn money(v: f64) -> String {
    if v >= 100.0 {
        format!("${v:.0}")
    } else {
        format!("${v:.2}")
    }
}

fn seconds(s: f64) -> String {
    if s < 1.0 {
        format!("{:.0} ms", s * 1000.0)
    } else {
        format!("{s:.2} s")
    }
}
