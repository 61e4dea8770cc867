//! Field paths, the syntax scenario error messages use: `policy[NAME].scaling.target`
//! (a policy by its name), `workload.shape[0].factor` (a list item by index), plain
//! dotted keys. The content of brackets is taken literally (names may hold dots).

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    /// A key of a table.
    Key(String),
    /// A list item by position, from 0.
    Index(usize),
    /// A list item (a policy) by its `name`.
    Named(String),
}

/// A parsed path, with its text as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldPath {
    pub text: String,
    pub steps: Vec<Step>,
}

/// Most steps in one path: deeper than any scenario field.
const MAX_STEPS: usize = 16;

impl FieldPath {
    /// Parses `text`, or says what is wrong with it.
    pub(crate) fn parse(text: &str) -> Result<FieldPath, String> {
        if text.is_empty() {
            return Err("the field path is empty".into());
        }
        let mut steps = Vec::new();
        let mut rest = text;
        let mut after_bracket = false;
        while !rest.is_empty() {
            if let Some(inner) = rest.strip_prefix('[') {
                let Some(prev) = steps.last() else {
                    return Err(format!("{text:?}: a path starts with a key, not `[`"));
                };
                // The item ends at the first `]` followed by `.`, `[` or the end: a
                // policy name may hold dots and brackets.
                let end = inner
                    .char_indices()
                    .filter(|&(_, c)| c == ']')
                    .map(|(i, _)| i)
                    .find(|&i| matches!(inner[i + 1..].chars().next(), None | Some('.' | '[')))
                    .ok_or_else(|| format!("{text:?}: `[` without its closing `]`"))?;
                let item = &inner[..end];
                if item.is_empty() {
                    return Err(format!("{text:?}: empty `[]`"));
                }
                let by_name = matches!(prev, Step::Key(k) if k == "policy");
                steps.push(match item.parse::<usize>() {
                    Ok(i) if !by_name && item.bytes().all(|b| b.is_ascii_digit()) => {
                        Step::Index(i)
                    }
                    _ if by_name => Step::Named(item.to_string()),
                    _ => {
                        return Err(format!(
                            "{text:?}: `[{item}]` is not a list position (0, 1, …); only policies are addressed by name, as `policy[NAME]`"
                        ));
                    }
                });
                rest = &inner[end + 1..];
                after_bracket = true;
                continue;
            }
            if after_bracket || !steps.is_empty() {
                rest = rest
                    .strip_prefix('.')
                    .ok_or_else(|| format!("{text:?}: expected `.` or `[` after `]`"))?;
            }
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            let key = &rest[..end];
            if key.is_empty()
                || !key
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            {
                return Err(format!(
                    "{text:?}: {key:?} is not a field name (letters, digits, `_`, `-`)"
                ));
            }
            steps.push(Step::Key(key.to_string()));
            rest = &rest[end..];
            after_bracket = false;
            if steps.len() > MAX_STEPS {
                return Err(format!("{text:?}: more than {MAX_STEPS} steps"));
            }
        }
        Ok(FieldPath {
            text: text.to_string(),
            steps,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_parse_as_errors_write_them() {
        let p = FieldPath::parse("policy[cloud.v2].scaling.target").unwrap();
        assert_eq!(
            p.steps,
            [
                Step::Key("policy".into()),
                Step::Named("cloud.v2".into()),
                Step::Key("scaling".into()),
                Step::Key("target".into())
            ]
        );
        let p = FieldPath::parse("workload.shape[0].factor").unwrap();
        assert_eq!(p.steps[2], Step::Index(0));
        assert_eq!(
            FieldPath::parse("policy[a]b]").unwrap().steps[1],
            Step::Named("a]b".into())
        );
        assert_eq!(
            FieldPath::parse("policy[0]").unwrap().steps[1],
            Step::Named("0".into())
        );
        for bad in [
            "", "[0]", "a..b", "a.", "a[", "a[]", "shape[x]", "a]b", "a b",
        ] {
            assert!(FieldPath::parse(bad).is_err(), "{bad:?} parsed");
        }
    }
}
