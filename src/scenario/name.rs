//! Names: a scenario's `name` (its output folder) and a policy's `name` (a column of every
//! output). Lengths are counted in characters, not bytes; a folder name must also fit
//! the 255 bytes most filesystems allow for one name.
//!
//! A folder name is letters, digits, `-`, `_` and `.`, not starting with `.` (hidden, and
//! `.`/`..` are not folders) or `-` (read as an option by shell tools), and not a name
//! Windows reserves for a device (`con`, `prn`, `aux`, `nul`, `com1`…`com9`,
//! `lpt1`…`lpt9`, with any extension). A policy name is any printable text without
//! control characters or invisible direction and format marks (a right-to-left override
//! makes a table lie about what it shows), not starting with what a spreadsheet reads
//! as a formula (`=`, `+`, `-`, `@`).

/// Longest scenario or policy name, in characters.
pub(crate) const MAX_NAME_CHARS: usize = 100;
/// Longest folder name most filesystems accept, in bytes.
pub(crate) const MAX_NAME_BYTES: usize = 255;

/// Why `name` cannot be an output folder's name, if it cannot.
pub(crate) fn folder_problem(name: &str) -> Option<String> {
    let chars = name.chars().count();
    if name.is_empty() {
        return Some("is empty".into());
    }
    if chars > MAX_NAME_CHARS {
        return Some(format!("has {chars} characters; at most {MAX_NAME_CHARS}"));
    }
    if name.len() > MAX_NAME_BYTES {
        return Some(format!(
            "is {} bytes in UTF-8; a folder name may have at most {MAX_NAME_BYTES} (the filesystems' limit)",
            name.len()
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|&c| !(c.is_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Some(format!(
            "has {c:?}; a folder name is letters, digits, '-', '_' or '.'"
        ));
    }
    if name.starts_with('.') {
        return Some("starts with '.' (a hidden folder, or `.`/`..`)".into());
    }
    if name.starts_with('-') {
        return Some("starts with '-' (shell tools would read it as an option)".into());
    }
    if is_reserved_device(name) {
        return Some(
            "is a device name Windows reserves (con, prn, aux, nul, com1…9, lpt1…9)".into(),
        );
    }
    None
}

/// `con`, `nul.txt`, `COM1`: names Windows keeps for devices, whatever the extension.
fn is_reserved_device(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or(name).to_ascii_lowercase();
    matches!(stem.as_str(), "con" | "prn" | "aux" | "nul")
        || ((stem.starts_with("com") || stem.starts_with("lpt"))
            && stem.len() == 4
            && stem.as_bytes()[3].is_ascii_digit()
            && stem.as_bytes()[3] != b'0')
}

/// A safe folder name from a file name (`my scenario` → `my-scenario`): characters a
/// folder name may not hold become `-`, leading dots and dashes go, the length is cut to
/// the limits; `scenario` if nothing usable is left.
pub(crate) fn from_file(stem: &str) -> String {
    let mut out = String::new();
    for c in stem.chars() {
        if c.is_alphanumeric() || matches!(c, '_' | '.' | '-') {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let mut out: String = out
        .trim_start_matches(['.', '-'])
        .trim_end_matches('-')
        .chars()
        .take(MAX_NAME_CHARS)
        .collect();
    while out.len() > MAX_NAME_BYTES {
        out.pop();
    }
    if out.is_empty() {
        return "scenario".into();
    }
    if is_reserved_device(&out) {
        out.push_str("-scenario");
    }
    out
}

/// Characters that print nothing but change how the text around them reads.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2069}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// Why `name` cannot be a policy's name, if it cannot.
pub(crate) fn policy_problem(name: &str) -> Option<String> {
    let chars = name.chars().count();
    if name.trim().is_empty() {
        return Some("is empty".into());
    }
    if chars > MAX_NAME_CHARS {
        return Some(format!("has {chars} characters; at most {MAX_NAME_CHARS}"));
    }
    if let Some(c) = name.chars().find(|&c| c.is_control() || is_invisible(c)) {
        return Some(format!(
            "has the control or invisible formatting character {}",
            c.escape_unicode()
        ));
    }
    if name.starts_with(['=', '+', '-', '@']) {
        return Some(
            "starts with '=', '+', '-' or '@', which spreadsheets run as a formula".into(),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names_are_counted_in_characters_and_checked_for_danger() {
        assert_eq!(folder_problem("flash-crowd"), None);
        assert_eq!(folder_problem(&"漢".repeat(40)), None);
        assert!(folder_problem(&"漢".repeat(90)).unwrap().contains("bytes"));
        assert!(
            folder_problem(&"a".repeat(101))
                .unwrap()
                .contains("101 characters")
        );
        for bad in [
            ".git", "..", "-rf", "con", "NUL.txt", "com1", "lpt9", "a b", "a/b", "",
        ] {
            assert!(folder_problem(bad).is_some(), "{bad}");
        }
        for good in ["com0", "console", "lpt10", "v1.2", "a_b"] {
            assert_eq!(folder_problem(good), None, "{good}");
        }
    }

    #[test]
    fn a_file_name_gives_a_safe_folder_name() {
        assert_eq!(from_file("my scenario"), "my-scenario");
        assert_eq!(from_file("  .hidden  draft!"), "hidden-draft");
        assert_eq!(from_file("con"), "con-scenario");
        assert_eq!(from_file("***"), "scenario");
        assert_eq!(from_file(&"漢".repeat(200)).chars().count(), 85);
        for stem in ["my scenario", ".x", "-y", "nul", "", &"é".repeat(300)] {
            assert_eq!(folder_problem(&from_file(stem)), None, "{stem}");
        }
    }

    #[test]
    fn policy_names_refuse_invisible_and_formula_characters() {
        assert_eq!(policy_problem("own servers (2×)"), None);
        assert_eq!(policy_problem(&"漢".repeat(40)), None);
        for bad in [
            "cloud\u{202E}",
            "a\u{200B}b",
            "tab\there",
            "=cmd",
            "-1",
            "@x",
            " ",
            "",
        ] {
            assert!(policy_problem(bad).is_some(), "{bad:?}");
        }
    }
}
