//! How numbers read in the stdout table and on the charts alike: money (`$12.11`,
//! `$2,880`), counts (`6,338,431`), durations (`69 ms`, `1.62 s`), percentages and spans
//! of time. Large numbers get thousands separators; a negative number gets a minus sign
//! (−), never `-0`; a value that is not finite reads `–`.

/// `v` with exactly `decimals` decimals, thousands separated: `1,234.50`.
pub(crate) fn fixed(v: f64, decimals: usize) -> String {
    signed(v, format!("{:.*}", decimals, v.abs()))
}

/// `v` with at most `max_decimals` decimals, trailing zeros removed, thousands separated:
/// `0.3`, `12,000`.
pub(crate) fn number(v: f64, max_decimals: usize) -> String {
    let s = format!("{:.*}", max_decimals, v.abs());
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    signed(v, s)
}

/// A count: `6,338,431`.
pub(crate) fn count(n: u64) -> String {
    group_thousands(&n.to_string())
}

/// A mean count: whole when it is one (or from 1,000 on), else one decimal: `12`, `12.2`.
pub(crate) fn mean_count(v: f64) -> String {
    let decimals = if v.fract() == 0.0 || v >= 1000.0 {
        0
    } else {
        1
    };
    fixed(v, decimals)
}

/// Money: cents below $100, whole dollars from $100 on: `$12.11`, `$214`, `$2,880`.
pub(crate) fn money(v: f64) -> String {
    dollar(fixed(v, if v.abs() >= 100.0 { 0 } else { 2 }))
}

/// Money with as many decimals as it needs, at most `max_decimals`: a unit price as
/// written (`$0.005`, `$2`), an axis tick (`$0.5`, `$1,000`).
pub(crate) fn dollars(v: f64, max_decimals: usize) -> String {
    dollar(number(v, max_decimals))
}

/// A confidence half-width in money: under half a cent reads `<$0.01`, not `$0.00`.
pub(crate) fn money_half_width(v: f64) -> String {
    if v > 0.0 && v < 0.005 {
        "<$0.01".to_string()
    } else {
        money(v)
    }
}

/// A duration in seconds: `250 µs`, `4.2 ms`, `461 ms`, `1.62 s`, `11.58 s`, `15.0 min`.
pub(crate) fn duration(s: f64) -> String {
    if !s.is_finite() {
        "–".to_string()
    } else if s <= 0.0 {
        "0 s".to_string()
    } else if s < 1e-3 {
        format!("{:.0} µs", s * 1e6)
    } else if s < 1e-2 {
        format!("{:.1} ms", s * 1e3)
    } else if s < 1.0 {
        format!("{:.0} ms", s * 1e3)
    } else if s < 600.0 {
        format!("{:.2} s", s)
    } else {
        format!("{:.1} min", s / 60.0)
    }
}

/// A fraction as a percentage, to about three digits: `69.4 %`, `0.67 %`, `<0.01 %`.
pub(crate) fn percent(fraction: f64) -> String {
    let p = fraction * 100.0;
    if !p.is_finite() {
        "–".to_string()
    } else if p == 0.0 {
        "0 %".to_string()
    } else if p.abs() < 0.01 {
        "<0.01 %".to_string()
    } else if p.abs() < 10.0 {
        format!("{p:.2} %")
    } else {
        format!("{p:.1} %")
    }
}

/// A span of time in seconds, in its largest whole unit: `6 h`, `1 min`, `30 s`.
pub(crate) fn span(s: f64) -> String {
    let (v, unit) = if s >= 86_400.0 {
        (s / 86_400.0, "d")
    } else if s >= 3600.0 {
        (s / 3600.0, "h")
    } else if s >= 60.0 {
        (s / 60.0, "min")
    } else {
        (s, "s")
    };
    format!("{} {unit}", number(v, 2))
}

/// `abs`, the digits of `|v|`, grouped and signed like `v`.
fn signed(v: f64, abs: String) -> String {
    if !v.is_finite() {
        return "–".to_string();
    }
    let grouped = group_thousands(&abs);
    if v < 0.0 && grouped.bytes().any(|b| matches!(b, b'1'..=b'9')) {
        format!("−{grouped}")
    } else {
        grouped
    }
}

/// `$` in front of a formatted number, after its sign: `−$5.00`.
fn dollar(n: String) -> String {
    match n.strip_prefix('−') {
        Some(abs) => format!("−${abs}"),
        None if n == "–" => n,
        None => format!("${n}"),
    }
}

/// Commas between the thousands of the whole part of unsigned `digits` (`1234.5`).
fn group_thousands(digits: &str) -> String {
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    let mut grouped = String::with_capacity(digits.len() + int.len() / 3);
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    if let Some(f) = frac {
        grouped.push('.');
        grouped.push_str(f);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(number(0.300_000_000_000_000_04, 6), "0.3");
        assert_eq!(number(12_000.0, 6), "12,000");
        assert_eq!(number(1500.0, 6), "1,500");
        assert_eq!(number(-0.0, 6), "0");
        assert_eq!(number(-0.000_000_1, 6), "0");
        assert_eq!(number(-2.5, 6), "−2.5");
        assert_eq!(number(f64::NAN, 6), "–");
        assert_eq!(fixed(1234.5, 2), "1,234.50");
        assert_eq!(fixed(69.43, 1), "69.4");
        assert_eq!(fixed(999_999.6, 0), "1,000,000");
        assert_eq!(fixed(f64::INFINITY, 1), "–");
    }

    #[test]
    fn counts() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(12_721), "12,721");
        assert_eq!(count(6_338_431), "6,338,431");
        assert_eq!(count(u64::MAX), "18,446,744,073,709,551,615");
        assert_eq!(mean_count(12.0), "12");
        assert_eq!(mean_count(12.25), "12.2");
        assert_eq!(mean_count(12_438.4), "12,438");
    }

    #[test]
    fn money_amounts() {
        assert_eq!(money(12.11), "$12.11");
        assert_eq!(money(28.0), "$28.00");
        assert_eq!(money(0.0), "$0.00");
        assert_eq!(money(214.4), "$214");
        assert_eq!(money(2880.0), "$2,880");
        assert_eq!(money(3360.0), "$3,360");
        assert_eq!(money(310_751.2), "$310,751");
        assert_eq!(money(-5.0), "−$5.00");
        assert_eq!(money(-0.001), "$0.00");
        assert_eq!(money(f64::NAN), "–");
        assert_eq!(dollars(0.005, 6), "$0.005");
        assert_eq!(dollars(2.0, 6), "$2");
        assert_eq!(dollars(1000.0, 2), "$1,000");
        assert_eq!(dollars(-5.0, 2), "−$5");
        assert_eq!(money_half_width(0.004), "<$0.01");
        assert_eq!(money_half_width(0.0), "$0.00");
        assert_eq!(money_half_width(12.3), "$12.30");
    }

    #[test]
    fn durations_percentages_spans() {
        assert_eq!(duration(0.069), "69 ms");
        assert_eq!(duration(0.4607), "461 ms");
        assert_eq!(duration(1.62), "1.62 s");
        assert_eq!(duration(4.68), "4.68 s");
        assert_eq!(duration(11.58), "11.58 s");
        assert_eq!(duration(0.0042), "4.2 ms");
        assert_eq!(duration(0.000_25), "250 µs");
        assert_eq!(duration(900.0), "15.0 min");
        assert_eq!(duration(0.0), "0 s");
        assert_eq!(duration(f64::NAN), "–");
        assert_eq!(percent(0.694), "69.4 %");
        assert_eq!(percent(0.0067), "0.67 %");
        assert_eq!(percent(0.000_01), "<0.01 %");
        assert_eq!(percent(0.0), "0 %");
        assert_eq!(span(60.0), "1 min");
        assert_eq!(span(21_600.0), "6 h");
        assert_eq!(span(90.0 * 86_400.0), "90 d");
        assert_eq!(span(30.0), "30 s");
    }
}
