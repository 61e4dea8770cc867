//! `report.html`: one self-contained page per output folder — the run record, the
//! summary and money view as tables, every chart (embedded as a `data:` URI) with a
//! one-line reading, links to the CSV files and the scenario as run. No script, no
//! stylesheet or font from the network: it opens offline, from the folder or mailed alone.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use super::OutputError;
use super::format::{count, duration, money, percent};
use super::record::RunRecord;
use super::table::{Block, MONEY_HEADER, Table, money_numbers, summary_blocks};
use crate::break_even::{Crossing, Point};
use crate::metrics::Summary;
use crate::scenario::Scenario;
use crate::simulation::Outcome;

/// Writes `report.html` for a run into `dir`, where `files` (relative to it) are already
/// written; returns its name.
pub(crate) fn write_run_report(
    dir: &Path,
    scenario: &Scenario,
    scenario_text: &str,
    outcomes: &[Outcome],
    record: &RunRecord,
    files: &[PathBuf],
) -> Result<PathBuf, OutputError> {
    let mut body = String::new();
    section(&mut body, "results", "Results");
    for block in summary_blocks(scenario, outcomes) {
        match block {
            Block::Line(l) => {
                let _ = writeln!(body, "<p class=\"note\">{}</p>", esc(&l));
            }
            Block::Gap => {}
            Block::Table(t) => table(&mut body, &t, None),
        }
    }
    if let Some(m) = money_numbers(scenario, outcomes) {
        let _ = writeln!(body, "<h3>{}</h3>", esc(&m.title));
        let rows = m
            .rows
            .iter()
            .map(|(name, v)| {
                let mut row = vec![name.clone()];
                row.extend(v.map(money));
                row
            })
            .collect();
        let t = Table {
            header: ["policy"]
                .iter()
                .chain(&MONEY_HEADER)
                .map(|h| h.to_string())
                .collect(),
            left: 1,
            rows,
        };
        table(&mut body, &t, m.cheapest.as_deref());
    }
    if let Some(theory) = outcomes
        .first()
        .and_then(|o| super::theory::theory_table(scenario, o))
    {
        let _ = writeln!(body, "<pre>{}</pre>", esc(&theory));
    }
    charts(&mut body, dir, files, |name| {
        reading(name, scenario, outcomes)
    })?;
    let page = page(scenario, record, files, scenario_text, &body);
    write(dir, &page)
}

/// Writes `report.html` for a break-even sweep into `dir`.
pub(crate) fn write_break_even_report(
    dir: &Path,
    scenario: &Scenario,
    scenario_text: &str,
    points: &[Point],
    crossings: &[Crossing],
    record: &RunRecord,
    files: &[PathBuf],
) -> Result<PathBuf, OutputError> {
    let mut body = String::new();
    section(&mut body, "results", "Results");
    let _ = writeln!(
        body,
        "<pre>{}</pre>",
        esc(&super::table::break_even_table(scenario, points, crossings))
    );
    charts(&mut body, dir, files, |_| {
        break_even_reading(crossings, points, scenario)
    })?;
    let page = page(scenario, record, files, scenario_text, &body);
    write(dir, &page)
}

fn write(dir: &Path, page: &str) -> Result<PathBuf, OutputError> {
    let path = dir.join("report.html");
    std::fs::write(&path, page).map_err(OutputError::io(&path))?;
    Ok(PathBuf::from("report.html"))
}

const STYLE: &str = "
body { font-family: 'DejaVu Sans', 'Segoe UI', Helvetica, Arial, sans-serif; color: #191919;
       max-width: 1260px; margin: 1.5em auto; padding: 0 1em; line-height: 1.45; }
h1 { margin-bottom: 0.1em; } h2 { margin-top: 1.8em; border-bottom: 1px solid #ddd; }
.lead { color: #505050; margin-top: 0.2em; }
nav a { margin-right: 1em; }
.wide { overflow-x: auto; }
table { border-collapse: collapse; margin: 0.6em 0 1.2em; font-variant-numeric: tabular-nums;
        font-size: 0.92em; }
th, td { padding: 0.25em 0.55em; border-bottom: 1px solid #e4e4e4; text-align: right;
         white-space: nowrap; }
th { background: #f3f3f3; }
th.l, td.l { text-align: left; }
tr.best td { background: #eef7ee; font-weight: bold; }
.note { color: #505050; }
figure { margin: 1.6em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #e4e4e4; }
figcaption { margin-top: 0.4em; }
figcaption b { font-weight: 600; }
pre { background: #f6f6f6; padding: 0.8em 1em; overflow-x: auto; font-size: 0.9em; }
dl.record { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1.2em; }
dl.record dt { color: #505050; } dl.record dd { margin: 0; word-break: break-all; }
";

/// The whole page around `body` (results and charts).
fn page(
    scenario: &Scenario,
    record: &RunRecord,
    files: &[PathBuf],
    scenario_text: &str,
    body: &str,
) -> String {
    let mut out = String::new();
    let title = format!("provsim: {}", scenario.name);
    let _ = writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>",
        esc(&title)
    );
    let _ = writeln!(out, "<h1>{}</h1>", esc(&scenario.name));
    if !scenario.description.is_empty() {
        let _ = writeln!(out, "<p class=\"lead\">{}</p>", esc(&scenario.description));
    }
    let _ = writeln!(
        out,
        "<nav><a href=\"#run\">Run</a><a href=\"#results\">Results</a><a href=\"#charts\">Charts</a>\
         <a href=\"#files\">Files</a><a href=\"#scenario\">Scenario</a></nav>"
    );
    section(&mut out, "run", "Run");
    run_record(&mut out, record);
    out.push_str(body);
    section(&mut out, "files", "Files");
    out.push_str("<ul>\n");
    for f in files {
        let name = f.to_string_lossy().replace('\\', "/");
        if name.starts_with("charts/") || name.ends_with(".png") {
            continue;
        }
        let _ = writeln!(
            out,
            "<li><a href=\"{0}\">{0}</a> — {1}</li>",
            esc(&name),
            esc(file_note(&name))
        );
    }
    out.push_str("</ul>\n");
    section(&mut out, "scenario", "Scenario as run");
    let _ = writeln!(
        out,
        "<p class=\"note\">scenario.toml: the file with command-line overrides written in and \
         file paths made absolute; <code>provsim run scenario.toml --out ANOTHER_FOLDER</code> \
         repeats the run.</p>\n<pre>{}</pre>",
        esc(scenario_text)
    );
    let _ = writeln!(
        out,
        "<p class=\"note\">Written by {}.</p>\n</body>\n</html>",
        esc(&record.version)
    );
    out
}

fn section(out: &mut String, id: &str, title: &str) {
    let _ = writeln!(out, "<h2 id=\"{id}\">{title}</h2>");
}

fn run_record(out: &mut String, r: &RunRecord) {
    let mut rows: Vec<(&str, String)> = vec![
        ("command", r.command_line.join(" ")),
        ("working folder", r.working_directory.clone()),
        ("scenario file", r.scenario_file.clone()),
        ("scenario SHA-256", r.scenario_sha256.clone()),
        ("seed", r.seed.to_string()),
        (
            "fidelity",
            match r.fidelity {
                crate::scenario::Fidelity::Fluid { step } => {
                    format!("fluid, step {}", super::record::exact_duration(step))
                }
                crate::scenario::Fidelity::Request => "request (every request)".to_string(),
            },
        ),
        ("replications", r.replications.to_string()),
        ("started", r.started_at.clone()),
    ];
    if let Some(t) = r.wall_time_s {
        rows.push(("wall time", format!("{t:.2} s")));
    }
    rows.push(("provsim", r.version.clone()));
    out.push_str("<dl class=\"record\">\n");
    for (k, v) in rows {
        let _ = writeln!(out, "<dt>{k}</dt><dd>{}</dd>", esc(&v));
    }
    out.push_str("</dl>\n");
}

/// What each file holds, for the links.
fn file_note(name: &str) -> &'static str {
    match name {
        "summary.csv" => "one row per policy, every metric (README: summary.csv columns)",
        "timeseries.csv" => "one row per policy and sample interval",
        "replications.csv" => "every replication's own summary row",
        "scenario.toml" => "the scenario as run",
        "run.toml" => "the run record: version, command line, seed, fidelity, SHA-256, wall time",
        "break-even.csv" => "cost per policy at every spike factor sampled",
        "crossings.csv" => "where two policies' costs cross",
        _ => "",
    }
}

/// An HTML table; the row whose first cell is `best` is highlighted.
fn table(out: &mut String, t: &Table, best: Option<&str>) {
    out.push_str("<div class=\"wide\"><table>\n<thead><tr>");
    for (i, h) in t.header.iter().enumerate() {
        let class = if i < t.left { " class=\"l\"" } else { "" };
        let _ = write!(out, "<th{class}>{}</th>", esc(h));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &t.rows {
        let best_row = best.is_some() && row.first().map(String::as_str) == best;
        out.push_str(if best_row {
            "<tr class=\"best\">"
        } else {
            "<tr>"
        });
        for (i, c) in row.iter().enumerate() {
            let class = if i < t.left { " class=\"l\"" } else { "" };
            let _ = write!(out, "<td{class}>{}</td>", esc(c));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table></div>\n");
}

/// Every PNG among `files`, embedded, each under its reading.
fn charts(
    out: &mut String,
    dir: &Path,
    files: &[PathBuf],
    reading: impl Fn(&str) -> String,
) -> Result<(), OutputError> {
    let pngs: Vec<&PathBuf> = files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "png"))
        .collect();
    section(out, "charts", "Charts");
    if pngs.is_empty() {
        out.push_str("<p class=\"note\">No charts (run without <code>--no-charts</code> to draw them).</p>\n");
    }
    for f in pngs {
        let path = dir.join(f);
        let bytes = std::fs::read(&path).map_err(OutputError::io(&path))?;
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let size = png_size(&bytes)
            .map(|(w, h)| format!(" width=\"{w}\" height=\"{h}\""))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "<figure id=\"{0}\">\n<figcaption><b>{0}</b> — {1}</figcaption>\n\
             <img src=\"data:image/png;base64,{2}\" alt=\"{0}: {1}\"{size}>\n</figure>",
            esc(&name),
            esc(&reading(&name)),
            base64(&bytes)
        );
    }
    Ok(())
}

/// What a chart shows in this run, in one line.
fn reading(chart: &str, scenario: &Scenario, outcomes: &[Outcome]) -> String {
    let first: Vec<&Summary> = outcomes
        .first()
        .map(|o| o.policies.iter().map(|p| &p.summary).collect())
        .unwrap_or_default();
    let by = |f: fn(&Summary) -> f64| {
        let mut v = first.clone();
        v.sort_by(|a, b| f(a).total_cmp(&f(b)));
        v
    };
    let lowest = |f: fn(&Summary) -> f64| by(f).first().copied();
    let highest = |f: fn(&Summary) -> f64| by(f).last().copied();
    let slo = crate::engine::to_seconds(scenario.service.slo);
    let text = match chart {
        "demand-vs-capacity.png" => {
            let short: Vec<(String, usize, usize)> = outcomes
                .first()
                .map(|o| {
                    o.policies
                        .iter()
                        .map(|p| {
                            let n = p
                                .series
                                .iter()
                                .filter(|s| s.capacity_rate < s.offered_rate * (1.0 - 1e-9))
                                .count();
                            (p.summary.policy.clone(), n, p.series.len())
                        })
                        .collect()
                })
                .unwrap_or_default();
            let every = crate::engine::to_seconds(scenario.sample_every);
            let mut lacking: Vec<&(String, usize, usize)> =
                short.iter().filter(|s| s.1 > 0).collect();
            lacking.sort_by_key(|l| std::cmp::Reverse(l.1));
            let never: Vec<&str> = short
                .iter()
                .filter(|s| s.1 == 0)
                .map(|s| s.0.as_str())
                .collect();
            let mut t = if lacking.is_empty() {
                "every policy could serve more than the offered load throughout".to_string()
            } else {
                let list: Vec<String> = lacking
                    .iter()
                    .map(|(name, n, total)| {
                        format!(
                            "{name} in {n} of {total} intervals ({})",
                            super::format::span(*n as f64 * every)
                        )
                    })
                    .collect();
                let mut t = format!(
                    "serving capacity fell short of the offered load for {}",
                    list.join(", ")
                );
                if !never.is_empty() {
                    t.push_str(&format!("; never for {}", never.join(", ")));
                }
                t
            };
            t.push_str(" (where capacity is below the load, requests queue and drop)");
            t
        }
        "idle-capacity.png" => match (highest(|s| s.idle_fraction), lowest(|s| s.idle_fraction)) {
            (Some(hi), Some(lo)) => format!(
                "most idle: {} ({} of its paid slot-time, {}); least idle: {} ({}, {})",
                hi.policy,
                percent(hi.idle_fraction),
                money(hi.idle_cost),
                lo.policy,
                percent(lo.idle_fraction),
                money(lo.idle_cost)
            ),
            _ => "no policy".into(),
        },
        "cumulative-cost.png" => match (lowest(|s| s.total_cost), highest(|s| s.total_cost)) {
            (Some(lo), Some(hi)) => {
                let mut t = format!(
                    "cheapest over the window: {} ({}); dearest: {} ({}",
                    lo.policy,
                    money(lo.total_cost),
                    hi.policy,
                    money(hi.total_cost)
                );
                if hi.committed_cost > hi.total_cost * 1.005 + 0.005 {
                    t.push_str(&format!(", committing {}", money(hi.committed_cost)));
                }
                t.push(')');
                t
            }
            _ => "no policy".into(),
        },
        "latency-and-drops.png" => {
            match (highest(|s| s.response_p99_s), highest(|s| s.dropped as f64)) {
                (Some(slow), Some(drops)) => {
                    let mut t = format!(
                        "worst p99 over the run: {} ({} against an SLO of {})",
                        slow.policy,
                        duration(slow.response_p99_s),
                        duration(slo)
                    );
                    if drops.dropped > 0 {
                        t.push_str(&format!(
                            "; most requests dropped: {} ({})",
                            drops.policy,
                            count(drops.dropped)
                        ));
                    } else {
                        t.push_str("; no request was dropped");
                    }
                    t
                }
                _ => "no policy".into(),
            }
        }
        "summary.png" => {
            let priced = scenario.service.penalty.is_set();
            match (
                lowest(|s| s.total_cost),
                lowest(|s| s.all_in_cost),
                lowest(|s| s.response_p99_s),
            ) {
                (Some(cheap), Some(all_in), Some(fast)) if priced => format!(
                    "cheapest all-in (with lost and late traffic priced): {} ({}); cheapest on infrastructure alone: {} ({}); lowest p99: {} ({})",
                    all_in.policy,
                    money(all_in.all_in_cost),
                    cheap.policy,
                    money(cheap.total_cost),
                    fast.policy,
                    duration(fast.response_p99_s)
                ),
                (Some(cheap), _, Some(fast)) => format!(
                    "cheapest: {} ({}, {} idle); lowest p99: {} ({})",
                    cheap.policy,
                    money(cheap.total_cost),
                    percent(cheap.idle_fraction),
                    fast.policy,
                    duration(fast.response_p99_s)
                ),
                _ => "no policy".into(),
            }
        }
        "elasticity.png" => match (
            lowest(|s| s.under_provision_timeshare + s.over_provision_timeshare),
            highest(|s| s.under_provision_timeshare),
        ) {
            (Some(close), Some(under)) => format!(
                "closest to the servers the traffic needs: {} (short {} and over {} of the time); most often short: {} ({} of the time)",
                close.policy,
                pct(close.under_provision_timeshare),
                pct(close.over_provision_timeshare),
                under.policy,
                pct(under.under_provision_timeshare)
            ),
            _ => "no policy".into(),
        },
        "autoscaling-strategies.png" => {
            let scalers: Vec<&&Summary> = first
                .iter()
                .filter(|s| s.policy_type == "autoscale")
                .collect();
            let cheap = scalers
                .iter()
                .min_by(|a, b| a.total_cost.total_cmp(&b.total_cost));
            let fast = scalers
                .iter()
                .min_by(|a, b| a.response_p99_s.total_cmp(&b.response_p99_s));
            match (cheap, fast) {
                (Some(c), Some(f)) => format!(
                    "of {} autoscalers, the cheapest is {} ({}, p99 {}); the lowest p99 is {}'s ({}, {})",
                    scalers.len(),
                    c.policy,
                    money(c.total_cost),
                    duration(c.response_p99_s),
                    f.policy,
                    duration(f.response_p99_s),
                    money(f.total_cost)
                ),
                _ => "no autoscaler".into(),
            }
        }
        "purchase-options.png" => first
            .iter()
            .filter(|s| s.cost_reserved > 0.0 || s.cost_spot > 0.0)
            .map(|s| {
                format!(
                    "{}: {} on-demand, {} reserved, {} spot, {} spot interruptions",
                    s.policy,
                    money(s.cost_on_demand),
                    money(s.cost_reserved),
                    money(s.cost_spot),
                    count(s.spot_interruptions)
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
        "hybrid-burst.png" => first
            .iter()
            .filter(|s| s.policy_type == "hybrid")
            .map(|s| {
                format!(
                    "{} served {} of its requests from the cloud burst ({} of {})",
                    s.policy,
                    percent(s.served_by_burst as f64 / (s.served.max(1)) as f64),
                    money(s.burst_cost),
                    money(s.total_cost)
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
        _ => String::new(),
    };
    capitalise(&text)
}

fn break_even_reading(crossings: &[Crossing], points: &[Point], scenario: &Scenario) -> String {
    if let Some(c) = crossings.first() {
        let mut t = format!(
            "{} is cheaper up to a spike of ×{}, {} above it (at {})",
            c.cheaper_below,
            super::format::number(c.spike_factor, 2),
            c.cheaper_above,
            money(c.cost)
        );
        if let Some(spread) = c.spread {
            let n = points.first().map_or(1, Point::replications);
            t.push_str(&match spread.ci95 {
                Some(h) => format!(
                    " on the mean of {n} replications; {} of them cross there on their own curves, 95 % CI ±{h:.d$}",
                    spread.replications_crossing,
                    d = super::table::half_width_decimals(h)
                ),
                None => format!(
                    " on the mean of {n} replications; {} of them cross there on their own curves",
                    spread.replications_crossing
                ),
            });
        }
        if crossings.len() > 1 {
            t.push_str(&format!(
                "; {} more crossings in the table",
                crossings.len() - 1
            ));
        }
        capitalise(&t)
    } else {
        let cheapest = points.first().and_then(|p| {
            (0..p.summaries().len())
                .min_by(|&a, &b| p.cost(scenario, a).total_cmp(&p.cost(scenario, b)))
                .map(|i| &p.summaries()[i])
        });
        match cheapest {
            Some(s) => format!("No crossing in this range: {} stays the cheapest", s.policy),
            None => "No sample".into(),
        }
    }
}

fn pct(v: f64) -> String {
    format!("{} %", super::format::number(v, 1))
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect::<String>() + ".",
        None => String::new(),
    }
}

/// `s` with `&`, `<`, `>`, `"` and `'` escaped for HTML text and attributes.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}

/// Standard base64 (RFC 4648, with padding).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A PNG's width and height, from its header.
fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let w = bytes.get(16..20)?;
    let h = bytes.get(20..24)?;
    (bytes.get(12..16)? == b"IHDR").then(|| {
        (
            u32::from_be_bytes([w[0], w[1], w[2], w[3]]),
            u32::from_be_bytes([h[0], h[1], h[2], h[3]]),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_of_rfc4648_vectors() {
        for (raw, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(raw.as_bytes()), enc);
        }
        assert_eq!(base64(&[0xff, 0xfe, 0xfd]), "//79");
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<a href=\"x\">T&C's</a>"),
            "&lt;a href=&quot;x&quot;&gt;T&amp;C&#39;s&lt;/a&gt;"
        );
    }

    #[test]
    fn png_dimensions() {
        let mut png = vec![0x89, b'P', b'N', b'G', 13, 10, 26, 10, 0, 0, 0, 13];
        png.extend(b"IHDR");
        png.extend(1200u32.to_be_bytes());
        png.extend(700u32.to_be_bytes());
        assert_eq!(png_size(&png), Some((1200, 700)));
        assert_eq!(png_size(b"short"), None);
    }
}
