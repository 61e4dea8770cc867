//! A point applied to the base scenario: each varied field set in the scenario's TOML
//! text (comments and layout kept), which the normal scenario checker then parses, so a
//! point is checked exactly as a scenario file would be.

use toml_edit::{DocumentMut, Item, TableLike};

use super::file::Value;
use super::path::{FieldPath, Step};

/// Sets `path` to `value` in `doc`; a field missing at the end of the path is added (the
/// scenario checker says if it does not exist), a table or list missing on the way is
/// an error saying which.
pub(crate) fn set(doc: &mut DocumentMut, path: &FieldPath, value: &Value) -> Result<(), String> {
    descend(
        Node::Item(doc.as_item_mut()),
        &path.steps,
        value,
        String::new(),
    )
}

/// Where the walk is: a table's entry, a table of a list of tables, or a value (an
/// inline table or array, or one of their items).
enum Node<'a> {
    Item(&'a mut Item),
    Table(&'a mut toml_edit::Table),
    Value(&'a mut toml_edit::Value),
}

fn descend(node: Node<'_>, steps: &[Step], value: &Value, walked: String) -> Result<(), String> {
    let Some((step, rest)) = steps.split_first() else {
        return Ok(());
    };
    match step {
        Step::Key(key) => {
            let table: Option<&mut dyn TableLike> = match node {
                Node::Item(it) => it.as_table_like_mut(),
                Node::Table(t) => Some(t),
                Node::Value(v) => v.as_inline_table_mut().map(|t| t as &mut dyn TableLike),
            };
            let Some(table) = table else {
                return Err(format!("`{walked}` is not a table, so it has no `{key}`"));
            };
            let here = join(&walked, key);
            if rest.is_empty() {
                match table.get_mut(key) {
                    Some(Item::Value(old)) => replace(old, value),
                    Some(other) => *other = Item::Value(value.to_toml()),
                    None => {
                        table.insert(key, Item::Value(value.to_toml()));
                    }
                }
                return Ok(());
            }
            match table.get_mut(key) {
                Some(it) => descend(Node::Item(it), rest, value, here),
                None => Err(format!("`{here}` is not in the scenario")),
            }
        }
        Step::Index(_) | Step::Named(_) => {
            let names = names(&node);
            let i = match step {
                Step::Index(i) if *i < names.len() => *i,
                Step::Index(i) => {
                    let len = names.len();
                    return Err(format!(
                        "`{walked}` has {len} item{}, so no [{i}] (items count from 0)",
                        if len == 1 { "" } else { "s" }
                    ));
                }
                Step::Named(name) => names.iter().position(|n| n == name).ok_or_else(|| {
                    format!(
                        "no policy is named {name:?} (the scenario's policies: {})",
                        names
                            .iter()
                            .map(|n| format!("{n:?}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })?,
                Step::Key(_) => unreachable!("matched above"),
            };
            let here = match step {
                Step::Named(name) => format!("{walked}[{name}]"),
                _ => format!("{walked}[{i}]"),
            };
            let next = match node {
                Node::Item(Item::ArrayOfTables(a)) => a.get_mut(i).map(Node::Table),
                Node::Item(Item::Value(toml_edit::Value::Array(a)))
                | Node::Value(toml_edit::Value::Array(a)) => a.get_mut(i).map(Node::Value),
                _ => None,
            };
            match (next, rest.is_empty()) {
                (Some(Node::Value(v)), true) => {
                    replace(v, value);
                    Ok(())
                }
                (Some(_), true) => Err(format!(
                    "`{here}` is a whole table; vary one of its fields (`{here}.FIELD`)"
                )),
                (Some(n), false) => descend(n, rest, value, here),
                (None, _) => Err(format!("`{walked}` is not a list")),
            }
        }
    }
}

/// Replaces a value, keeping its comment and spacing.
fn replace(old: &mut toml_edit::Value, value: &Value) {
    let decor = old.decor().clone();
    *old = value.to_toml();
    *old.decor_mut() = decor;
}

fn join(walked: &str, key: &str) -> String {
    if walked.is_empty() {
        key.to_string()
    } else {
        format!("{walked}.{key}")
    }
}

/// The `name` of each item of a list (empty for items without one); empty if `node` is
/// not a list.
fn names(node: &Node<'_>) -> Vec<String> {
    let of_value = |v: &toml_edit::Value| {
        v.as_inline_table()
            .and_then(|t| t.get("name"))
            .and_then(|n| n.as_str())
            .unwrap_or("")
            .to_string()
    };
    match node {
        Node::Item(Item::ArrayOfTables(a)) => a
            .iter()
            .map(|t| {
                t.get("name")
                    .and_then(Item::as_str)
                    .unwrap_or("")
                    .to_string()
            })
            .collect(),
        Node::Item(Item::Value(toml_edit::Value::Array(a)))
        | Node::Value(toml_edit::Value::Array(a)) => a.iter().map(of_value).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(text: &str, path: &str, v: Value) -> Result<String, String> {
        let mut doc: DocumentMut = text.parse().unwrap();
        set(&mut doc, &FieldPath::parse(path).unwrap(), &v)?;
        Ok(doc.to_string())
    }

    #[test]
    fn fields_are_set_by_name_index_and_key() {
        let text = "a = 1 # one\n[[policy]]\nname = \"x.y\"\nscaling = { target = 0.5 }\n[[w]]\nf = [1, 2]\n";
        let out = apply(text, "policy[x.y].scaling.target", Value::Float(0.7)).unwrap();
        assert!(out.contains("target = 0.7"), "{out}");
        let out = apply(text, "a", Value::Int(2)).unwrap();
        assert!(out.contains("a = 2 # one"), "{out}");
        let out = apply(text, "w[0].f[1]", Value::Int(5)).unwrap();
        assert!(out.contains("f = [1, 5]"), "{out}");
        let out = apply(text, "policy[x.y].max", Value::Int(9)).unwrap();
        assert!(out.contains("max = 9"), "{out}");
        let e = apply(text, "policy[nope].max", Value::Int(9)).unwrap_err();
        assert!(e.contains("\"x.y\""), "{e}");
        let e = apply(text, "w[3].f", Value::Int(9)).unwrap_err();
        assert!(e.contains("no [3]"), "{e}");
        let e = apply(text, "b.c", Value::Int(9)).unwrap_err();
        assert!(e.contains("`b` is not in the scenario"), "{e}");
    }
}
