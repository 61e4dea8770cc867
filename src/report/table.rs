//! The summary table printed on stdout: one run's values, or, over several replications,
//! means with 95 % confidence half-widths for the key columns.

use std::fmt::Write;

use super::format::{count, dollars, duration, fixed, mean_count, money};
use crate::metrics::Summary;
use crate::replication::{Estimate, estimate_of, student_t_quantile};
use crate::scenario::{PolicyKind, Scenario};
use crate::simulation::Outcome;

const HEADER: [&str; 13] = [
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

/// A table before it is laid out: as fixed-width text on stdout, as HTML in
/// `report.html`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Table {
    pub(crate) header: Vec<String>,
    /// The first `left` columns (names) are left-aligned, numbers right-aligned.
    pub(crate) left: usize,
    pub(crate) rows: Vec<Vec<String>>,
}

impl Table {
    fn new<const N: usize>(header: [&str; N], left: usize, rows: Vec<[String; N]>) -> Table {
        Table {
            header: header.iter().map(|h| h.to_string()).collect(),
            left,
            rows: rows.into_iter().map(Vec::from).collect(),
        }
    }
}

/// A piece of the summary: a line of text, a blank line, or a table.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Block {
    Line(String),
    Gap,
    Table(Table),
}

/// The summary's blocks as the fixed-width text printed on stdout.
fn text(blocks: &[Block]) -> String {
    let mut out = String::new();
    for b in blocks {
        match b {
            Block::Line(l) => {
                let _ = writeln!(out, "{l}");
            }
            Block::Gap => out.push('\n'),
            Block::Table(t) => render(&mut out, t),
        }
    }
    out
}

/// A fixed-width table: one row per policy with cost, idle capacity and latency.
pub fn summary_table(scenario: &Scenario, outcome: &Outcome) -> String {
    text(&summary_blocks(scenario, std::slice::from_ref(outcome)))
}

/// The table over replications (one [`Outcome`] each, replication 0 first). Total cost,
/// idle %, dropped, SLO miss % and p99 show `mean ± half-width` of the 95 % Student-t
/// interval; the other columns the mean. With one replication it is [`summary_table`].
pub fn replicated_summary_table(scenario: &Scenario, outcomes: &[Outcome]) -> String {
    text(&summary_blocks(scenario, outcomes))
}

/// The summary of one run or of replications, block by block: the title, the main
/// table, the purchase-option and cloud sections, and notes.
pub(crate) fn summary_blocks(scenario: &Scenario, outcomes: &[Outcome]) -> Vec<Block> {
    let mut out = vec![Block::Line(title(scenario))];
    match outcomes {
        [] => {}
        [one] => {
            let rows: Vec<[String; 13]> = one
                .policies
                .iter()
                .map(|p| {
                    let s = &p.summary;
                    [
                        s.policy.clone(),
                        s.policy_type.clone(),
                        money(s.total_cost),
                        money(s.committed_cost),
                        fixed(s.idle_fraction * 100.0, 1),
                        money(s.idle_cost),
                        format!("{}/{}", fixed(s.mean_servers, 1), count(s.peak_servers)),
                        count(s.served),
                        count(s.dropped),
                        fixed(s.slo_miss_fraction * 100.0, 2),
                        duration(s.response_p50_s),
                        duration(s.response_p99_s),
                        duration(s.response_max_s),
                    ]
                })
                .collect();
            out.push(Block::Table(Table::new(HEADER, 2, rows)));
            sections(&mut out, scenario, outcomes);
            let refused: Vec<String> = one
                .policies
                .iter()
                .filter(|p| p.summary.launches_refused > 0)
                .map(|p| {
                    let s = &p.summary;
                    format!(
                        "{} {} (launched {})",
                        s.policy, s.launches_refused, s.launches
                    )
                })
                .collect();
            if !refused.is_empty() {
                out.push(Block::Line(format!(
                    "launches refused by provider limits (quota, rate, shortage) and retried: {}",
                    refused.join(", ")
                )));
            }
        }
        _ => {
            let n = outcomes.len();
            out.push(Block::Line(format!(
                "{n} replications, 95 % CI (Student t, {} df, t = {:.3}): cells with ± show mean ± half-width, the others the mean",
                n - 1,
                student_t_quantile(0.975, (n - 1) as u32),
            )));
            let rows: Vec<[String; 13]> = outcomes[0]
                .policies
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let e = |f: fn(&Summary) -> f64| estimate_of(outcomes, i, f);
                    let pct = |f: fn(&Summary) -> f64| scaled(e(f), 100.0);
                    [
                        p.summary.policy.clone(),
                        p.summary.policy_type.clone(),
                        money_pm(e(|s| s.total_cost)),
                        money(e(|s| s.committed_cost).mean),
                        plus_minus(pct(|s| s.idle_fraction), 1, ""),
                        money(e(|s| s.idle_cost).mean),
                        format!(
                            "{}/{}",
                            fixed(e(|s| s.mean_servers).mean, 1),
                            mean_count(e(|s| s.peak_servers as f64).mean)
                        ),
                        mean_count(e(|s| s.served as f64).mean),
                        count_pm(e(|s| s.dropped as f64)),
                        plus_minus(pct(|s| s.slo_miss_fraction), 2, ""),
                        duration(e(|s| s.response_p50_s).mean),
                        seconds_pm(e(|s| s.response_p99_s)),
                        duration(e(|s| s.response_max_s).mean),
                    ]
                })
                .collect();
            out.push(Block::Table(Table::new(HEADER, 2, rows)));
            sections(&mut out, scenario, outcomes);
            let identical = outcomes[1..].iter().all(|o| {
                o.policies.len() == outcomes[0].policies.len()
                    && o.policies
                        .iter()
                        .zip(&outcomes[0].policies)
                        .all(|(a, b)| same_results(&a.summary, &b.summary))
            });
            if identical {
                out.push(Block::Line(format!(
                    "note: all {n} replications gave identical results (a {} model does not depend on the seed), so every interval is 0",
                    match scenario.fidelity {
                        crate::scenario::Fidelity::Fluid { .. } => "fluid",
                        crate::scenario::Fidelity::Request => "deterministic",
                    }
                )));
            }
        }
    }
    out
}

/// Whether two replications' summaries agree on every result (their seeds differ).
fn same_results(a: &Summary, b: &Summary) -> bool {
    a == &Summary {
        seed: a.seed,
        ..b.clone()
    }
}

/// The purchase-option and cloud sections, each after a blank line, when they apply.
fn sections(out: &mut Vec<Block>, scenario: &Scenario, outcomes: &[Outcome]) {
    for t in [
        purchase_section(scenario, outcomes),
        cloud_section(scenario, outcomes),
    ]
    .into_iter()
    .flatten()
    {
        out.push(Block::Gap);
        out.push(Block::Table(t));
    }
}

const PURCHASE_HEADER: [&str; 6] = [
    "purchase options",
    "on-demand",
    "reserved",
    "spot",
    "spot interruptions",
    "re-queued",
];

/// Cost per purchase option, interruptions and re-queued requests of the autoscale
/// policies that mix options (means over replications); `None` if none does.
fn purchase_section(scenario: &Scenario, outcomes: &[Outcome]) -> Option<Table> {
    let rows: Vec<[String; 6]> = scenario
        .policies
        .iter()
        .enumerate()
        .filter(|(_, p)| p.kind.cloud().is_some_and(|a| a.purchase.is_mixed()))
        .map(|(i, p)| {
            let mean = |f: fn(&Summary) -> f64| estimate_of(outcomes, i, f).mean;
            [
                p.name.clone(),
                money(mean(|s| s.cost_on_demand)),
                money(mean(|s| s.cost_reserved)),
                money(mean(|s| s.cost_spot)),
                mean_count(mean(|s| s.spot_interruptions as f64)),
                mean_count(mean(|s| s.requeued as f64)),
            ]
        })
        .collect();
    (!rows.is_empty()).then(|| Table::new(PURCHASE_HEADER, 1, rows))
}

const CLOUD_HEADER: [&str; 5] = [
    "own or leased vs cloud",
    "own/leased",
    "cloud instances",
    "egress",
    "served from cloud",
];

/// Where hybrids and cloud policies with egress spend (means over replications): own or
/// leased servers, cloud instances, egress, and the share of requests the cloud served;
/// `None` if no policy is a hybrid or pays egress.
fn cloud_section(scenario: &Scenario, outcomes: &[Outcome]) -> Option<Table> {
    let rows: Vec<[String; 5]> = scenario
        .policies
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let mean = |f: fn(&Summary) -> f64| estimate_of(outcomes, i, f).mean;
            let served = mean(|s| s.served as f64);
            let share = |n: f64| format!("{} %", fixed(100.0 * n / served.max(1.0), 1));
            match &p.kind {
                PolicyKind::Hybrid(_) => Some([
                    p.name.clone(),
                    money(mean(|s| s.base_cost)),
                    money(mean(|s| s.burst_cost)),
                    money(mean(|s| s.egress_cost)),
                    share(mean(|s| s.served_by_burst as f64)),
                ]),
                PolicyKind::Autoscale(a) if a.egress.per_request() > 0.0 => Some([
                    p.name.clone(),
                    "-".into(),
                    money(mean(|s| s.total_cost - s.egress_cost)),
                    money(mean(|s| s.egress_cost)),
                    share(served),
                ]),
                _ => None,
            }
        })
        .collect();
    (!rows.is_empty()).then(|| Table::new(CLOUD_HEADER, 1, rows))
}

/// The money view's numbers: per policy infrastructure, idle, penalty and all-in cost
/// (means over the replications), and which policy is cheapest all-in.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Money {
    /// `money view: $0.03 per dropped request, …`
    pub(crate) title: String,
    pub(crate) rows: Vec<(String, [f64; 4])>,
    pub(crate) cheapest: Option<String>,
}

pub(crate) const MONEY_HEADER: [&str; 4] = ["infrastructure", "idle", "penalty", "all-in"];

/// With `[service.penalty]`: the money view's numbers.
pub(crate) fn money_numbers(scenario: &Scenario, outcomes: &[Outcome]) -> Option<Money> {
    let p = scenario.service.penalty;
    let first = outcomes.first()?;
    if !p.is_set() {
        return None;
    }
    let mean = |i: usize, f: fn(&Summary) -> f64| estimate_of(outcomes, i, f).mean;
    let rows: Vec<(String, [f64; 4])> = first
        .policies
        .iter()
        .enumerate()
        .map(|(i, pol)| {
            (
                pol.summary.policy.clone(),
                [
                    mean(i, |s| s.total_cost),
                    mean(i, |s| s.idle_cost),
                    mean(i, |s| s.penalty_cost),
                    mean(i, |s| s.all_in_cost),
                ],
            )
        })
        .collect();
    let cheapest = rows
        .iter()
        .min_by(|a, b| a.1[3].total_cmp(&b.1[3]))
        .map(|r| r.0.clone());
    let title = format!(
        "money view: {} per dropped request, {} per SLO miss{}",
        dollars(p.per_dropped_request, 6),
        dollars(p.per_slo_miss, 6),
        if outcomes.len() > 1 {
            " (means over the replications)"
        } else {
            ""
        }
    );
    Some(Money {
        title,
        rows,
        cheapest,
    })
}

/// With `[service.penalty]`: infrastructure, idle, penalty and all-in cost per policy
/// (means over `outcomes`), and which policy is cheapest all-in.
pub fn money_view(scenario: &Scenario, outcomes: &[Outcome]) -> Option<String> {
    let Money {
        title,
        rows,
        cheapest,
    } = money_numbers(scenario, outcomes)?;
    let mut out = String::new();
    let _ = writeln!(out, "{title}");
    let width = rows.iter().map(|r| r.0.chars().count()).fold(6, usize::max);
    let cells: Vec<[String; 4]> = rows.iter().map(|r| r.1.map(money)).collect();
    // At least these widths, wider where an amount needs it.
    let widths: [usize; 4] = std::array::from_fn(|i| {
        cells
            .iter()
            .map(|c| c[i].chars().count())
            .fold([14, 10, 10, 10][i], usize::max)
    });
    let line = |name: &str, cells: [&str; 4]| {
        let mut l = format!("  {name:<width$}");
        for (c, w) in cells.iter().zip(widths) {
            let _ = write!(l, "  {c:>w$}");
        }
        l
    };
    let _ = writeln!(out, "{}", line("policy", MONEY_HEADER));
    for ((name, _), c) in rows.iter().zip(&cells) {
        let mark = if Some(name) == cheapest.as_ref() {
            "  ← cheapest all-in"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "{}{mark}",
            line(name, c.each_ref().map(String::as_str))
        );
    }
    Some(out)
}

/// The break-even sweep: cost per policy at each spike factor, then the crossings.
pub fn break_even_table(
    scenario: &Scenario,
    points: &[crate::break_even::Point],
    crossings: &[crate::break_even::Crossing],
) -> String {
    let mut out = String::new();
    let what = if scenario.service.penalty.is_set() {
        "all-in cost"
    } else {
        "total cost"
    };
    let replications = points
        .first()
        .map_or(1, crate::break_even::Point::replications);
    if replications > 1 {
        let _ = writeln!(
            out,
            "{}: {what} by spike factor (seed {}; mean ± 95 % CI over {replications} replications, Student t)",
            scenario.name, scenario.seed
        );
    } else {
        let _ = writeln!(
            out,
            "{}: {what} by spike factor (seed {})",
            scenario.name, scenario.seed
        );
    }
    let names: Vec<&str> = points
        .first()
        .map(|p| p.summaries().iter().map(|s| s.policy.as_str()).collect())
        .unwrap_or_default();
    let costs: Vec<Vec<String>> = points
        .iter()
        .map(|p| {
            (0..p.summaries().len())
                .map(|i| {
                    let e = p.estimate(i, |s| crate::break_even::compared_cost(scenario, s));
                    match e.ci95 {
                        Some(h) if replications > 1 => format!("{} ± {}", money(e.mean), money(h)),
                        _ => money(e.mean),
                    }
                })
                .collect()
        })
        .collect();
    let width = names
        .iter()
        .map(|n| n.chars().count())
        .chain(costs.iter().flatten().map(|c| c.chars().count()))
        .fold(10, usize::max);
    let mut header = format!("  {:>8}", "spike");
    for n in &names {
        let _ = write!(header, "  {n:>width$}");
    }
    let _ = writeln!(out, "{header}");
    for (p, costs) in points.iter().zip(&costs) {
        let mut row = format!("  {:>8}", format!("×{:.2}", p.spike_factor));
        for cost in costs {
            let _ = write!(row, "  {cost:>width$}");
        }
        let _ = writeln!(out, "{row}");
    }
    if crossings.is_empty() {
        let _ = writeln!(
            out,
            "no crossing in this range: the cheapest option stays the cheapest"
        );
    }
    for c in crossings {
        let _ = writeln!(
            out,
            "crossing at spike ×{:.2} ({}, between the samples ×{:.2} and ×{:.2}): {} is cheaper below, {} above",
            c.spike_factor,
            money(c.cost),
            c.between.0,
            c.between.1,
            c.cheaper_below,
            c.cheaper_above
        );
        if let Some(spread) = c.spread {
            let _ = writeln!(
                out,
                "  {} of {replications} replications cross there on their own curves{}",
                spread.replications_crossing,
                match (spread.mean, spread.ci95) {
                    (Some(m), Some(h)) => {
                        let d = half_width_decimals(h);
                        format!(": ×{m:.d$} ± {h:.d$} (95 % CI)")
                    }
                    (Some(m), None) => format!(": ×{m:.2} (too few for an interval)"),
                    _ => String::new(),
                }
            );
        }
    }
    out
}

/// Decimals to show a crossing's half-width with: 2, or enough for two significant
/// digits of a smaller one (at most 9).
pub(crate) fn half_width_decimals(h: f64) -> usize {
    if h > 0.0 && h < 0.01 {
        ((-h.log10()).ceil() as usize + 1).min(9)
    } else {
        2
    }
}

fn title(scenario: &Scenario) -> String {
    format!(
        "{}  (horizon {}, seed {}, {} {})",
        scenario.name,
        crate::engine::human_duration(scenario.horizon),
        scenario.seed,
        scenario.policies.len(),
        if scenario.policies.len() == 1 {
            "policy"
        } else {
            "policies"
        }
    )
}

/// Appends the table, columns padded to their widest cell; the first `left` columns
/// (names) left-aligned, numbers right-aligned.
fn render(out: &mut String, t: &Table) {
    let widths: Vec<usize> = (0..t.header.len())
        .map(|i| {
            t.rows
                .iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .fold(t.header[i].chars().count(), usize::max)
        })
        .collect();
    let line = |cells: &[String]| {
        cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, &w))| {
                if i < t.left {
                    format!("{c:<w$}")
                } else {
                    format!("{c:>w$}")
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
    };
    let _ = writeln!(out, "{}", line(&t.header));
    for r in &t.rows {
        let _ = writeln!(out, "{}", line(r));
    }
}

/// `mean ± half-width` with `decimals` decimals and a unit suffix; the mean alone when
/// the half-width is undefined.
///
/// An exact 0 reads `± 0`; a half-width too small for `decimals` gets more of them (up
/// to three more), enough to show its first significant digit rather than `± 0.0`.
fn plus_minus(e: Estimate, decimals: usize, unit: &str) -> String {
    match e.ci95 {
        // The same value in every replication (an owned fleet's cost): no spread at all.
        Some(0.0) => format!("{} ± 0{unit}", fixed(e.mean, decimals)),
        Some(h) => {
            let needed = if h > 0.0 && h.is_finite() {
                (-h.log10()).ceil().max(0.0) as usize
            } else {
                0
            };
            let d = decimals.max(needed.min(decimals + 3));
            format!("{} ± {}{unit}", fixed(e.mean, d), fixed(h, d))
        }
        None => format!("{}{unit}", fixed(e.mean, decimals)),
    }
}

fn scaled(e: Estimate, by: f64) -> Estimate {
    Estimate {
        mean: e.mean * by,
        std_dev: e.std_dev.map(|v| v * by),
        ci95: e.ci95.map(|v| v * by),
        ..e
    }
}

fn money_pm(e: Estimate) -> String {
    format!(
        "${}",
        plus_minus(e, if e.mean >= 100.0 { 0 } else { 2 }, "")
    )
}

fn count_pm(e: Estimate) -> String {
    plus_minus(e, if e.mean >= 1000.0 { 0 } else { 1 }, "")
}

fn seconds_pm(e: Estimate) -> String {
    if e.mean < 1.0 {
        plus_minus(scaled(e, 1000.0), 0, " ms")
    } else {
        plus_minus(e, 2, " s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn est(mean: f64, ci95: Option<f64>) -> Estimate {
        Estimate {
            n: 3,
            mean,
            std_dev: ci95,
            ci95,
        }
    }

    #[test]
    fn plus_minus_cells() {
        assert_eq!(plus_minus(est(69.43, Some(0.21)), 1, ""), "69.4 ± 0.2");
        // Too small for one decimal: as many more as its first digit needs (≤ 3).
        assert_eq!(plus_minus(est(69.4321, Some(0.013)), 1, ""), "69.43 ± 0.01");
        assert_eq!(plus_minus(est(1.0, Some(1e-9)), 1, ""), "1.0000 ± 0.0000");
        assert_eq!(plus_minus(est(5.0, Some(0.0)), 2, ""), "5.00 ± 0");
        assert_eq!(plus_minus(est(5.0, None), 2, " s"), "5.00 s");
        assert_eq!(money_pm(est(2880.0, Some(12.3))), "$2,880 ± 12");
        assert_eq!(seconds_pm(est(0.461, Some(0.0004))), "461.0 ± 0.4 ms");
        assert_eq!(seconds_pm(est(4.74, Some(0.16))), "4.74 ± 0.16 s");
        assert_eq!(count_pm(est(12438.0, Some(240.4))), "12,438 ± 240");
    }
}
