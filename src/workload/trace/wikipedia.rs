//! `wikipedia`: hourly Wikimedia dumps, `projectviews-YYYYMMDD-HH0000` and
//! `pageviews-YYYYMMDD-HH0000` (also the older `projectcounts-` / `pagecounts-`), plain or
//! `.gz`. Each line is `domain_code page_title count_views total_response_size`
//! (projectviews put `-` for the title). The name is the hour's END, in UTC: the views of
//! `projectviews-20240601-010000` happened from 00:00 to 01:00 on 1 June 2024. The views
//! of one project (the lines whose domain code is exactly `project`) are summed per hour;
//! missing hours are gaps counted as 0 (warned).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::input::{Lines, Skips};
use super::shape::{Series, SeriesData, Window};
use super::stamp::{self, Stamp, US, days_from_civil, days_in_month};
use super::{MAX_INTERVALS, TraceError};

const HOUR: i64 = 3600 * US;
const PREFIXES: [&str; 4] = [
    "projectviews-",
    "pageviews-",
    "projectcounts-",
    "pagecounts-",
];
/// Domain codes named when the project has no line.
const DOMAINS_SHOWN: usize = 12;
/// Files or gaps named in a warning.
const SHOWN: usize = 5;

/// Reads the hourly files of one project into per-hour counts.
pub(super) fn read(
    paths: &[PathBuf],
    project: &str,
    strict: bool,
    window: &mut Window,
    warnings: &mut Vec<String>,
) -> Result<Series, TraceError> {
    let files = hourly_files(paths)?;
    let span = (files[files.len() - 1].0 - files[0].0) / HOUR + 1;
    if span > MAX_INTERVALS as i64 {
        return Err(TraceError::file(
            &files[0].1.display().to_string(),
            format!("the files span more than {MAX_INTERVALS} hours, the most a trace may hold"),
        ));
    }
    let mut hours: Vec<(i64, f64)> = Vec::new();
    let mut domains = BTreeSet::new();
    let mut without: Vec<String> = Vec::new();
    for (end, path) in &files {
        let start = end - HOUR;
        if !window.keep(start, 0) {
            if window.past_end(start) {
                break;
            }
            continue;
        }
        let (views, found) = read_hour(path, project, strict, &mut domains, warnings)?;
        if found == 0 {
            without.push(path.display().to_string());
        }
        hours.push((start, views));
    }
    let file = files[0].1.display().to_string();
    if !hours.is_empty() && without.len() == hours.len() {
        let seen: Vec<&str> = domains.iter().map(String::as_str).collect();
        return Err(TraceError::file(
            &file,
            format!(
                "no line for project \"{project}\" in {} file(s) (domain codes seen: {}): the project is a domain code such as en, en.m, de",
                hours.len(),
                seen.join(", ")
            ),
        ));
    }
    if !without.is_empty() {
        let more = if without.len() > SHOWN { ", …" } else { "" };
        warnings.push(format!(
            "{} hourly file(s) have no line for project \"{project}\" and count as 0 views: {}{more}",
            without.len(),
            without[..without.len().min(SHOWN)].join(", ")
        ));
    }
    let origin = hours.first().map_or(0, |h| h.0);
    let mut counts = Vec::new();
    let (mut missing, mut gaps) = (0usize, Vec::new());
    for &(start, views) in &hours {
        let index = ((start - origin) / HOUR) as usize;
        if index > counts.len() {
            missing += index - counts.len();
            if gaps.len() < SHOWN {
                gaps.push(stamp::format(Stamp {
                    us: origin + counts.len() as i64 * HOUR,
                    offset: 0,
                }));
            }
            counts.resize(index, 0.0);
        }
        counts.push(views);
    }
    if missing > 0 {
        warnings.push(format!(
            "{file}: {missing} hour(s) have no file and count as 0 views; the first missing hours start at {}",
            gaps.join(", ")
        ));
    }
    Ok(Series {
        file,
        origin: Stamp {
            us: origin,
            offset: 0,
        },
        data: SeriesData::Counts {
            interval_us: HOUR,
            counts,
        },
    })
}

/// The views of `project` in one file, and how many of its lines it has.
fn read_hour(
    path: &Path,
    project: &str,
    strict: bool,
    domains: &mut BTreeSet<String>,
    warnings: &mut Vec<String>,
) -> Result<(f64, u64), TraceError> {
    let mut lines = Lines::open(path)?;
    let mut skips = Skips::new(strict);
    let (mut views, mut found) = (0u64, 0u64);
    while lines.advance()? {
        let text = lines.text();
        let mut fields = text.split(' ').filter(|f| !f.is_empty());
        let Some(domain) = fields.next() else {
            continue;
        };
        if domain != project {
            if domains.len() < DOMAINS_SHOWN && !domains.contains(domain) {
                domains.insert(domain.to_string());
            }
            continue;
        }
        found += 1;
        // The count is the second field from the end (the last is the response size).
        let rest: Vec<&str> = fields.collect();
        let count = match rest.len() {
            2.. => rest[rest.len() - 2].parse::<u64>().ok(),
            _ => None,
        };
        match count {
            Some(c) => views += c,
            None => skips.skip(&lines, || {
                format!("expected `{project} title views bytes`, found \"{text}\"")
            })?,
        }
    }
    skips.finish(&lines, warnings)?;
    Ok((views as f64, found))
}

/// The files to read, by the hour each ends, in order: directories are expanded to the
/// hourly files in them. Two files for one hour are an error.
fn hourly_files(paths: &[PathBuf]) -> Result<Vec<(i64, PathBuf)>, TraceError> {
    let mut files = Vec::new();
    for path in paths {
        let name = path.display().to_string();
        if path.is_dir() {
            let entries = std::fs::read_dir(path)
                .map_err(|e| TraceError::file(&name, format!("cannot list the folder: {e}")))?;
            let before = files.len();
            for entry in entries {
                let entry = entry
                    .map_err(|e| TraceError::file(&name, format!("cannot list the folder: {e}")))?;
                if let Some(end) = hour_end(&entry.path()) {
                    files.push((end, entry.path()));
                }
            }
            if files.len() == before {
                return Err(TraceError::file(
                    &name,
                    "the folder holds no hourly file (named like projectviews-20240601-010000 or pageviews-20240601-010000.gz)",
                ));
            }
        } else {
            let end = hour_end(path).ok_or_else(|| {
                TraceError::file(
                    &name,
                    "expected a name like projectviews-20240601-010000 or pageviews-20240601-010000.gz: the hour comes from the name",
                )
            })?;
            files.push((end, path.clone()));
        }
    }
    files.sort();
    for pair in files.windows(2) {
        if pair[0].0 == pair[1].0 {
            return Err(TraceError::file(
                &pair[1].1.display().to_string(),
                format!(
                    "covers the same hour as {}: each hour must come from one file (pageviews and projectviews of one hour would count twice)",
                    pair[0].1.display()
                ),
            ));
        }
    }
    Ok(files)
}

/// The end of the hour a file's name gives, Unix microseconds.
fn hour_end(path: &Path) -> Option<i64> {
    let name = path.file_name()?.to_str()?;
    let stem = name.strip_suffix(".gz").unwrap_or(name);
    let rest = PREFIXES.iter().find_map(|p| stem.strip_prefix(p))?;
    let b = rest.as_bytes();
    if b.len() != 15 || b[8] != b'-' || !b[..8].iter().chain(&b[9..]).all(u8::is_ascii_digit) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| rest[r].parse::<u32>().ok();
    let (year, month, day, hour) = (num(0..4)?, num(4..6)?, num(6..8)?, num(9..11)?);
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year as i64, month)
        || hour > 23
        || &rest[11..] != "0000"
    {
        return None;
    }
    Some((days_from_civil(year as i64, month, day) * 24 + hour as i64) * HOUR)
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{gzip, write_files};
    use super::super::{Align, TraceData, TraceFormat, TraceSpec, load};
    use super::*;
    use crate::engine::SECOND;

    fn spec(paths: Vec<PathBuf>, project: &str) -> TraceSpec {
        let mut spec = TraceSpec::new(
            paths[0].clone(),
            TraceFormat::Wikipedia {
                project: project.into(),
            },
        );
        spec.files = paths;
        spec
    }

    fn hour(views_en: u64) -> String {
        format!("de - 500 0\nen - {views_en} 0\nen.m - 900 0\nfr - 10 0\n")
    }

    #[test]
    fn hours_from_names_gaps_and_gzip() {
        let (dir, _) = write_files(&[
            ("projectviews-20240605-130000", hour(3600).as_bytes()),
            (
                "projectviews-20240605-150000.gz",
                &gzip(hour(7200).as_bytes()),
            ),
            ("projectviews-20240605-140000", b"de - 1 0\n"),
            ("README.txt", b"not an hour"),
        ]);
        let trace = load(&spec(vec![dir.path().to_path_buf()], "en")).unwrap();
        let TraceData::Rate(r) = &trace.data else {
            panic!()
        };
        assert_eq!(r.interval, 3600 * SECOND);
        assert_eq!(r.rates, [1.0, 0.0, 2.0]);
        // The first file ends at 13:00: its hour starts at 12:00 UTC.
        assert_eq!(
            trace.first_timestamp.as_deref(),
            Some("2024-06-05T12:00:00Z")
        );
        assert!(
            trace.warnings[0].contains("1 hourly file(s) have no line for project \"en\""),
            "{:?}",
            trace.warnings
        );
        let mut cal = spec(vec![dir.path().to_path_buf()], "en.m");
        cal.align = Align::Calendar;
        let trace = load(&cal).unwrap();
        assert_eq!(trace.offset, (2 * 86_400 + 12 * 3600) * SECOND);
        assert_eq!(trace.rate_at(trace.offset), 0.25);
    }

    #[test]
    fn missing_hours_are_gaps_and_page_lines_sum() {
        let page = "en Main_Page 100 0\nen Rust_(programming_language) 20 0\nen.m Main_Page 5 0\n";
        let (_dir, paths) = write_files(&[
            ("pageviews-20240101-010000", page.as_bytes()),
            ("pageviews-20240101-040000", page.as_bytes()),
        ]);
        let trace = load(&spec(paths, "en")).unwrap();
        let TraceData::Rate(r) = &trace.data else {
            panic!()
        };
        assert_eq!(
            r.rates.iter().map(|x| x * 3600.0).collect::<Vec<_>>(),
            [120.0, 0.0, 0.0, 120.0]
        );
        assert!(
            trace.warnings[0].contains("2 hour(s) have no file"),
            "{:?}",
            trace.warnings
        );
        assert!(
            trace.warnings[0].contains("2024-01-01T01:00:00Z"),
            "{:?}",
            trace.warnings
        );
    }

    #[test]
    fn wrong_files_are_errors() {
        let (_dir, paths) = write_files(&[
            ("projectviews-20240605-130000", hour(1).as_bytes()),
            ("pageviews-20240605-130000", hour(1).as_bytes()),
            ("views-2024.txt", hour(1).as_bytes()),
            ("projectviews-20240605-140000", b"en - lots 0\n"),
        ]);
        let e = load(&spec(paths[..2].to_vec(), "en"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("covers the same hour as"), "{e}");
        let e = load(&spec(vec![paths[2].clone()], "en"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("expected a name like projectviews-"), "{e}");
        let e = load(&spec(vec![paths[0].clone()], "xx"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(
                "no line for project \"xx\" in 1 file(s) (domain codes seen: de, en, en.m, fr)"
            ),
            "{e}"
        );
        let e = load(&spec(vec![paths[3].clone()], "en"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("1 of 1 lines"), "{e}");
        assert_eq!(hour_end(Path::new("projectviews-20240230-010000")), None);
        assert_eq!(hour_end(Path::new("projectviews-20240101-013000")), None);
    }
}
