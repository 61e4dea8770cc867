//! What an output folder tells a reader on its own: the run record (`run.toml`), the
//! scenario as run (`scenario.toml`, overrides written in, so it reproduces the run),
//! the self-contained `report.html`, and the `seed` and `fidelity` columns.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

use crate::common::{column, provsim, repo_file, short_flash_crowd};

/// `provsim run scenarios/steady.toml --seed 7 --fidelity fluid` writes a scenario.toml
/// that says so, and running that copy gives the same results byte for byte.
#[test]
fn scenario_copy_reproduces_a_run_with_overrides() {
    let tmp = TempDir::new().unwrap();
    let cwd = tmp.path();
    provsim(cwd)
        .arg("run")
        .arg(repo_file("scenarios/steady.toml"))
        .args(["--seed", "7", "--fidelity", "fluid", "--no-charts"])
        .args(["--out", "steady-7"])
        .assert()
        .success();
    let first = cwd.join("steady-7");
    let copy = fs::read_to_string(first.join("scenario.toml")).unwrap();
    let doc: toml::Table = toml::from_str(&copy).unwrap();
    assert_eq!(doc["seed"].as_integer(), Some(7), "{copy}");
    assert_eq!(doc["fidelity"].as_str(), Some("fluid"), "{copy}");
    assert_eq!(doc["step"].as_str(), Some("1s"), "{copy}");
    // The file's comments survive the rewrite.
    let original = fs::read_to_string(repo_file("scenarios/steady.toml")).unwrap();
    let comments = |t: &str| {
        t.lines()
            .filter(|l| l.trim_start().starts_with('#'))
            .count()
    };
    assert_eq!(comments(&copy), comments(&original));

    let summary = fs::read_to_string(first.join("summary.csv")).unwrap();
    assert!(
        column(&summary, "seed").iter().all(|s| s == "7"),
        "{summary}"
    );
    assert!(column(&summary, "fidelity").iter().all(|s| s == "fluid"));

    let record: toml::Table =
        toml::from_str(&fs::read_to_string(first.join("run.toml")).unwrap()).unwrap();
    assert_eq!(record["seed"].as_integer(), Some(7));
    assert_eq!(record["fidelity"].as_str(), Some("fluid"));
    assert_eq!(record["replications"].as_integer(), Some(1));
    assert_eq!(
        record["scenario_sha256"].as_str(),
        Some(provsim::report::sha256_hex(original.as_bytes()).as_str())
    );
    let command: Vec<&str> = record["command_line"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert!(command.ends_with(&["--out", "steady-7"]), "{command:?}");
    assert!(command.contains(&"--seed") && command.contains(&"fluid"));
    assert!(record["wall_time_s"].as_float().is_some_and(|t| t >= 0.0));
    assert!(record["provsim"].as_str().unwrap().starts_with("provsim "));

    // Again from the copy, elsewhere, with no override: the same results.
    provsim(cwd)
        .arg("run")
        .arg(first.join("scenario.toml"))
        .args(["--no-charts", "--out", "again"])
        .assert()
        .success();
    let again = cwd.join("again");
    for f in ["summary.csv", "timeseries.csv", "scenario.toml"] {
        assert!(
            fs::read(first.join(f)).unwrap() == fs::read(again.join(f)).unwrap(),
            "{f} differs when run from the copied scenario"
        );
    }
}

/// An override equal to the file's own value changes nothing in the copy; the copy of a
/// file without overrides is the file.
#[test]
fn scenario_copy_changes_only_what_was_overridden() {
    let tmp = TempDir::new().unwrap();
    let file = repo_file("scenarios/steady.toml");
    let original = fs::read_to_string(&file).unwrap();
    let seed: toml::Table = toml::from_str(&original).unwrap();
    let seed = seed["seed"].as_integer().unwrap().to_string();
    provsim(tmp.path())
        .arg("run")
        .arg(&file)
        .args(["--seed", &seed, "--replications", "1", "--no-charts"])
        .args(["--out", "same"])
        .assert()
        .success();
    let copy = fs::read_to_string(tmp.path().join("same/scenario.toml")).unwrap();
    assert_eq!(copy, original);
}

/// A short flash crowd with charts, written into `tmp/out`.
fn run_with_charts(tmp: &Path) -> PathBuf {
    let scenario = short_flash_crowd(tmp, "fc.toml", "2h30m", &[]);
    provsim(tmp)
        .arg("run")
        .arg(&scenario)
        .args(["--out", "out"])
        .assert()
        .success();
    tmp.join("out")
}

/// The values of every `attr="…"` in `html`.
fn attribute_values<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
    let key = format!("{attr}=\"");
    html.match_indices(&key)
        .filter_map(|(i, _)| {
            let rest = &html[i + key.len()..];
            rest.find('"').map(|end| &rest[..end])
        })
        .collect()
}

fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let mut out = Vec::new();
    for chunk in text.as_bytes().chunks(4) {
        let digits: Vec<u8> = chunk
            .iter()
            .filter(|&&c| c != b'=')
            .map(|&c| value(c))
            .collect();
        let n = digits
            .iter()
            .enumerate()
            .fold(0u32, |n, (k, &d)| n | u32::from(d) << (18 - 6 * k));
        out.extend(n.to_be_bytes()[1..digits.len()].iter());
    }
    out
}

/// report.html stands alone: no resource from the network, no script, one embedded
/// image per chart (the chart's own bytes), links to the CSV files beside it.
#[test]
fn report_html_is_self_contained() {
    let tmp = TempDir::new().unwrap();
    let out = run_with_charts(tmp.path());
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    for attr in ["src", "href", "action", "srcset", "poster", "data"] {
        for v in attribute_values(&html, attr) {
            let v = v.to_ascii_lowercase();
            assert!(
                !(v.starts_with("http:") || v.starts_with("https:") || v.starts_with("//")),
                "{attr}=\"{v}\" loads from the network"
            );
        }
    }
    let lower = html.to_ascii_lowercase();
    for banned in [
        "<script", "<link", "@import", "url(", "<iframe", "<object", "<embed",
    ] {
        assert!(!lower.contains(banned), "report.html has {banned}");
    }
    // No http:// or https:// reference anywhere but in the scenario's own text.
    let outside_scenario = &html[..html.find("id=\"scenario\"").unwrap()];
    assert!(!outside_scenario.contains("http://") && !outside_scenario.contains("https://"));

    let mut charts: Vec<String> = fs::read_dir(out.join("charts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    charts.sort();
    let images = attribute_values(&html, "src");
    assert_eq!(images.len(), charts.len(), "one <img> per chart");
    assert_eq!(html.matches("<img ").count(), charts.len());
    for chart in &charts {
        let at = html
            .find(&format!("<figure id=\"{chart}\">"))
            .unwrap_or_else(|| panic!("{chart} missing"));
        let src = attribute_values(&html[at..], "src")[0];
        let data = src
            .strip_prefix("data:image/png;base64,")
            .expect("embedded PNG");
        assert!(
            base64_decode(data) == fs::read(out.join("charts").join(chart)).unwrap(),
            "{chart}: the embedded image is not the chart"
        );
        // Each chart has its one-line reading.
        let caption = &html[at..html[at..].find("</figcaption>").unwrap() + at];
        assert!(caption.len() > 60, "{chart}: no reading in {caption}");
    }
    let links = attribute_values(&html, "href");
    for f in ["summary.csv", "timeseries.csv", "scenario.toml", "run.toml"] {
        assert!(links.contains(&f), "no link to {f}: {links:?}");
    }
    for text in ["<table>", "own-servers", "money view", "SHA-256", "--out"] {
        assert!(html.contains(text), "report.html lacks {text}");
    }
}

/// The first Chromium-like browser on this machine, if any.
fn chromium() -> Option<PathBuf> {
    let names = [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ];
    let dirs = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default();
    names
        .iter()
        .flat_map(|n| dirs.iter().map(move |d| d.join(n)))
        .find(|p| p.is_file())
}

/// report.html rendered by a real browser, offline, is a page, not a blank screen.
/// Skipped (with a message) where no Chromium is installed.
#[test]
fn report_html_renders_in_chromium() {
    let Some(browser) = chromium() else {
        eprintln!("skipped: no chromium on PATH to render report.html with");
        return;
    };
    let tmp = TempDir::new().unwrap();
    let out = run_with_charts(tmp.path());
    let shot = tmp.path().join("report.png");
    let profile = tmp.path().join("profile");
    let status = Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1280,2000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", out.join("report.html").display()))
        .output()
        .unwrap();
    assert!(
        shot.is_file(),
        "{} wrote no screenshot: {}",
        browser.display(),
        String::from_utf8_lossy(&status.stderr)
    );
    let decoder = png::Decoder::new(fs::File::open(&shot).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let pixels: Vec<&[u8]> = buf[..info.buffer_size()].chunks(channels).collect();
    let white = pixels
        .iter()
        .filter(|p| p[..3].iter().all(|&v| v >= 250))
        .count();
    let mut colours: Vec<[u8; 3]> = pixels.iter().map(|p| [p[0], p[1], p[2]]).collect();
    colours.sort_unstable();
    colours.dedup();
    let ink = 1.0 - white as f64 / pixels.len() as f64;
    eprintln!(
        "{}: {}×{} screenshot, {:.1} % not white, {} colours",
        browser.display(),
        info.width,
        info.height,
        ink * 100.0,
        colours.len()
    );
    assert!((info.width, info.height) == (1280, 2000));
    // Text, tables and the embedded charts: far from blank.
    assert!(
        ink > 0.05,
        "the page is nearly blank: {:.1} % ink",
        ink * 100.0
    );
    assert!(
        colours.len() > 200,
        "only {} colours: no charts drawn?",
        colours.len()
    );
}

/// `provsim completions SHELL` prints a script that names the commands; `provsim man`
/// a roff page, or one per command into a folder.
#[test]
fn completions_and_manual_pages() {
    let tmp = TempDir::new().unwrap();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = provsim(tmp.path())
            .args(["completions", shell])
            .assert()
            .success();
        let script = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
        for word in ["break-even", "compare-fidelity", "replications"] {
            assert!(script.contains(word), "{shell}: no {word}");
        }
    }
    let out = provsim(tmp.path()).arg("man").assert().success();
    let page = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(page.contains(".TH provsim 1"), "{page}");
    assert!(page.contains("break\\-even"), "{page}");
    provsim(tmp.path())
        .args(["man", "--out", "man1"])
        .assert()
        .success();
    let run = fs::read_to_string(tmp.path().join("man1/provsim-run.1")).unwrap();
    assert!(run.contains("\\-\\-replications"), "{run}");
    assert!(tmp.path().join("man1/provsim.1").is_file());
    provsim(tmp.path())
        .args(["completions", "tcsh"])
        .assert()
        .code(2);
}
