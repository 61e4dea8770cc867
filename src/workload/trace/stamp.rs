//! Trace timestamps: an instant in Unix microseconds plus the UTC offset it was written in.
//!
//! Dates are proleptic Gregorian, converted by hand (Howard Hinnant's `days_from_civil`),
//! so the hot path of an access log (one timestamp per line) never calls a general date
//! parser. RFC 3339 / ISO 8601 text in CSV files goes through `jiff`.

use crate::engine::Time;

/// Microseconds per second, signed.
pub(crate) const US: i64 = 1_000_000;
/// Microseconds per day.
const DAY_US: i64 = 86_400 * US;
/// Epoch numbers from here on are milliseconds, below it seconds: 1e11 s is the year 5138,
/// 1e11 ms is 1973-03-03, so every trace from 1973 to 5138 is read right.
const MS_FROM: u64 = 100_000_000_000;
/// Epoch milliseconds from here on are refused: 1e14 ms is the year 5138 again, and such
/// a number is more likely microseconds or nanoseconds.
const MS_UNTIL: u64 = 100_000_000_000_000;

/// An instant of a trace: microseconds since 1970-01-01T00:00:00Z, and the UTC offset
/// (seconds east of UTC) of the clock that wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp {
    pub us: i64,
    pub offset: i32,
}

/// Days since 1970-01-01 of a Gregorian date.
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The Gregorian date of a day number since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

pub(crate) fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// RFC 3339 text of a stamp on its own clock: `1995-07-01T00:00:01-04:00`, with a
/// fraction only when it has one.
pub(crate) fn format(stamp: Stamp) -> String {
    let local = stamp.us + stamp.offset as i64 * US;
    let (y, mo, d) = civil_from_days(local.div_euclid(DAY_US));
    let in_day = local.rem_euclid(DAY_US);
    let (h, mi, s, frac) = (
        in_day / (3600 * US),
        in_day / (60 * US) % 60,
        in_day / US % 60,
        in_day % US,
    );
    let mut out = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}");
    if frac != 0 {
        out += &format!(".{frac:06}");
    }
    if stamp.offset == 0 {
        out.push('Z');
    } else {
        let sign = if stamp.offset < 0 { '-' } else { '+' };
        let off = stamp.offset.unsigned_abs();
        out += &format!("{sign}{:02}:{:02}", off / 3600, off / 60 % 60);
    }
    out
}

/// Where a stamp falls in its week on its own clock: the time since the Monday 00:00
/// before it (1970-01-01 was a Thursday).
pub(crate) fn week_position(stamp: Stamp) -> Time {
    let local = stamp.us + stamp.offset as i64 * US;
    let weekday = (local.div_euclid(DAY_US) + 3).rem_euclid(7);
    (weekday * DAY_US + local.rem_euclid(DAY_US)) as Time
}

/// A timestamp in a CSV file: epoch seconds (a fraction allowed), epoch milliseconds
/// (told apart by magnitude: see [`MS_FROM`]), or RFC 3339 / ISO 8601 with a UTC offset.
/// Epoch numbers are on UTC's clock. The error says what was expected.
pub(crate) fn parse_csv_time(text: &str) -> Result<Stamp, String> {
    let t = text.trim();
    if t.bytes().next().is_some_and(|b| b.is_ascii_digit()) && t.bytes().all(is_epoch_byte) {
        return parse_epoch(t);
    }
    let expected = "expected epoch seconds, epoch milliseconds, or RFC 3339 with a UTC offset such as 2024-06-03T14:30:00+02:00";
    let ts: jiff::Timestamp = t.parse().map_err(|e: jiff::Error| {
        let why = e.to_string();
        if why.contains("offset") {
            format!(
                "timestamp \"{t}\" has no UTC offset (add Z or ±hh:mm: local times are ambiguous)"
            )
        } else {
            format!("timestamp \"{t}\" is not a date ({why}): {expected}")
        }
    })?;
    let offset = jiff::fmt::temporal::Pieces::parse(t)
        .ok()
        .and_then(|p| p.to_numeric_offset())
        .map_or(0, |o| o.seconds());
    Ok(Stamp {
        us: ts.as_microsecond(),
        offset,
    })
}

fn is_epoch_byte(b: u8) -> bool {
    b.is_ascii_digit() || b == b'.'
}

fn parse_epoch(t: &str) -> Result<Stamp, String> {
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if frac.contains('.') || whole.is_empty() {
        return Err(format!("timestamp \"{t}\" is not a number"));
    }
    let too_big = || {
        format!(
            "timestamp \"{t}\" is too large for epoch milliseconds (microseconds or nanoseconds are not read: divide by 1000)"
        )
    };
    let n: u64 = whole.parse().map_err(|_| too_big())?;
    let (unit_us, digits) = match n {
        ..MS_FROM => (US as u64, 6),
        MS_FROM..MS_UNTIL => (1_000, 3),
        _ => return Err(too_big()),
    };
    // The fraction, to the microsecond (further digits are dropped).
    let mut frac_us = 0u64;
    for (i, b) in frac.bytes().take(digits).enumerate() {
        frac_us += (b - b'0') as u64 * 10u64.pow((digits - 1 - i) as u32);
    }
    Ok(Stamp {
        us: (n * unit_us + frac_us) as i64,
        offset: 0,
    })
}

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

/// Why a Common Log Format timestamp could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClfDateError {
    /// Not the `dd/Mon/yyyy:HH:MM:SS ±hhmm` layout.
    Layout,
    /// The layout, but not a real date or time (32/Jul, 25:00, +2400).
    NotADate,
}

/// Reads `dd/Mon/yyyy:HH:MM:SS ±hhmm` (the 26 bytes inside CLF's brackets) by position,
/// remembering the last date's day number: consecutive lines share it.
#[derive(Debug, Default)]
pub(crate) struct ClfClock {
    last_date: [u8; 11],
    last_days: i64,
}

/// Length of a CLF timestamp between its brackets.
pub(crate) const CLF_STAMP_LEN: usize = 26;

impl ClfClock {
    /// Unix seconds (UTC) and the offset in seconds.
    pub(crate) fn parse(&mut self, b: &[u8]) -> Result<(i64, i32), ClfDateError> {
        use ClfDateError::{Layout, NotADate};
        if b.len() != CLF_STAMP_LEN
            || b[2] != b'/'
            || b[6] != b'/'
            || b[11] != b':'
            || b[14] != b':'
            || b[17] != b':'
            || b[20] != b' '
        {
            return Err(Layout);
        }
        let days = if b[..11] == self.last_date {
            self.last_days
        } else {
            let day = digits(&b[0..2]).ok_or(Layout)?;
            let month = MONTHS.iter().position(|m| m[..] == b[3..6]).ok_or(Layout)? as u32 + 1;
            let year = digits(&b[7..11]).ok_or(Layout)? as i64;
            if day == 0 || day > days_in_month(year, month) {
                return Err(NotADate);
            }
            let days = days_from_civil(year, month, day);
            self.last_date.copy_from_slice(&b[..11]);
            self.last_days = days;
            days
        };
        let hour = digits(&b[12..14]).ok_or(Layout)?;
        let minute = digits(&b[15..17]).ok_or(Layout)?;
        let second = digits(&b[18..20]).ok_or(Layout)?;
        let sign = match b[21] {
            b'+' => 1,
            b'-' => -1,
            _ => return Err(Layout),
        };
        let (oh, om) = (
            digits(&b[22..24]).ok_or(Layout)?,
            digits(&b[24..26]).ok_or(Layout)?,
        );
        if hour > 23 || minute > 59 || second > 60 || oh > 23 || om > 59 {
            return Err(NotADate);
        }
        let offset = sign * (oh * 3600 + om * 60) as i32;
        // A leap second (:60) is read as :59 of the same minute.
        let local = days * 86_400 + (hour * 3600 + minute * 60 + second.min(59)) as i64;
        Ok((local - offset as i64, offset))
    }
}

/// ASCII digits as a number; `None` if any byte is not a digit.
#[inline]
fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |n, &c| {
        c.is_ascii_digit().then(|| n * 10 + (c - b'0') as u32)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SECOND;

    #[test]
    fn civil_round_trips() {
        for days in [-800_000i64, -1, 0, 1, 9_312, 19_876, 2_000_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(days_from_civil(1995, 7, 1), 9_312);
        assert_eq!(
            days_from_civil(2000, 3, 1) - days_from_civil(2000, 2, 28),
            2
        );
    }

    #[test]
    fn clf_timestamps_are_read_by_position() {
        let mut clock = ClfClock::default();
        // 1995-07-01T04:00:01Z.
        assert_eq!(
            clock.parse(b"01/Jul/1995:00:00:01 -0400"),
            Ok((804_571_201, -4 * 3600))
        );
        assert_eq!(
            clock.parse(b"01/Jul/1995:23:59:59 +0130"),
            Ok((804_556_800 + 86_399 - 5400, 5400))
        );
        assert_eq!(
            clock.parse(b"32/Jul/1995:00:00:01 -0400"),
            Err(ClfDateError::NotADate)
        );
        assert_eq!(
            clock.parse(b"29/Feb/1995:00:00:01 -0400"),
            Err(ClfDateError::NotADate)
        );
        assert!(clock.parse(b"29/Feb/1996:00:00:01 -0400").is_ok());
        assert_eq!(
            clock.parse(b"01/Jul/1995:24:00:01 -0400"),
            Err(ClfDateError::NotADate)
        );
        assert_eq!(
            clock.parse(b"01/Jux/1995:00:00:01 -0400"),
            Err(ClfDateError::Layout)
        );
        assert_eq!(
            clock.parse(b"01/Jul/1995 00:00:01 -0400"),
            Err(ClfDateError::Layout)
        );
        assert_eq!(clock.parse(b"01/Jul/1995:00:00"), Err(ClfDateError::Layout));
    }

    #[test]
    fn csv_times_in_every_form() {
        let s = |t| parse_csv_time(t).unwrap();
        assert_eq!(s("1717200000").us, 1_717_200_000 * US);
        assert_eq!(s("1717200000.25").us, 1_717_200_000 * US + 250_000);
        assert_eq!(s("1717200000123").us, 1_717_200_000 * US + 123_000);
        assert_eq!(s("60").us, 60 * US);
        let t = s("2024-06-01T02:00:00+02:00");
        assert_eq!((t.us, t.offset), (1_717_200_000 * US, 7200));
        assert_eq!(s("2024-06-01T00:00:00Z").us, 1_717_200_000 * US);
        assert_eq!(s("2024-06-01 00:00:00+00:00").us, 1_717_200_000 * US);
        let no_offset = parse_csv_time("2024-06-01T00:00:00").unwrap_err();
        assert!(no_offset.contains("no UTC offset"), "{no_offset}");
        let junk = parse_csv_time("yesterday").unwrap_err();
        assert!(junk.contains("is not a date"), "{junk}");
        assert!(parse_csv_time("1717200000000000").is_err());
        assert!(parse_csv_time("1.2.3").is_err());
    }

    #[test]
    fn formats_and_places_in_the_week() {
        let wed = Stamp {
            us: (days_from_civil(2024, 6, 5) * 86_400 + 12 * 3600 + 30 * 60) * US,
            offset: 7200,
        };
        assert_eq!(format(wed), "2024-06-05T14:30:00+02:00");
        assert_eq!(
            week_position(wed),
            (2 * 86_400 + 14 * 3600 + 30 * 60) * SECOND
        );
        let utc = Stamp { us: 1, offset: 0 };
        assert_eq!(format(utc), "1970-01-01T00:00:00.000001Z");
        // A Sunday evening in New York is Monday in UTC: the trace's own clock counts.
        let sun = Stamp {
            us: (days_from_civil(2024, 6, 10) * 86_400 + 3600) * US,
            offset: -4 * 3600,
        };
        assert_eq!(week_position(sun), (6 * 86_400 + 21 * 3600) * SECOND);
    }
}
