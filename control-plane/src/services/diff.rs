//! A readable difference between two config documents: one line per thing
//! added, removed or changed, with paths that name things the way admins do
//! (`tools[get_weather].description`), not by position in a list.

use portcullis_api::publish::{Change, ChangeKind};
use serde_json::{Map, Value};

/// Fields naming an element of a list, in order of preference.
const KEYS: &[&str] = &["name", "uri", "uriTemplate", "id"];

/// Top-level fields that differ between any two versions by construction.
const IGNORED: &[&str] = &["version"];

/// The changes that turn `before` into `after`.
pub fn diff_documents(before: &Value, after: &Value) -> Vec<Change> {
    let mut changes = Vec::new();
    match (before, after) {
        (Value::Object(a), Value::Object(b)) => {
            let strip = |m: &Map<String, Value>| {
                let mut m = m.clone();
                for field in IGNORED {
                    m.remove(*field);
                }
                Value::Object(m)
            };
            walk("", &strip(a), &strip(b), &mut changes);
        }
        _ => walk("", before, after, &mut changes),
    }
    changes
}

fn walk(path: &str, before: &Value, after: &Value, out: &mut Vec<Change>) {
    if before == after {
        return;
    }
    match (before, after) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, old) in a {
                let here = join(path, key);
                match b.get(key) {
                    Some(new) => walk(&here, old, new, out),
                    None => out.push(removed(here, old)),
                }
            }
            for (key, new) in b {
                if !a.contains_key(key) {
                    out.push(added(join(path, key), new));
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if keyed_pair(a, b) => {
            for old in a {
                let key = key_of(old);
                let here = format!("{path}[{key}]");
                match b.iter().find(|new| key_of(new) == key) {
                    Some(new) => walk(&here, old, new, out),
                    None => out.push(removed(here, old)),
                }
            }
            for new in b {
                let key = key_of(new);
                if !a.iter().any(|old| key_of(old) == key) {
                    out.push(added(format!("{path}[{key}]"), new));
                }
            }
        }
        _ => out.push(Change {
            path: path.to_owned(),
            kind: ChangeKind::Changed,
            before: Some(before.clone()),
            after: Some(after.clone()),
        }),
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// Whether two lists can be compared by name: each is empty or named
/// throughout by the same key field (a first tool added to no tools is
/// `tools[name]` added, not the whole list changed).
fn keyed_pair(a: &[Value], b: &[Value]) -> bool {
    let field = |items: &[Value]| items.first().and_then(key_field);
    match (a.is_empty(), b.is_empty()) {
        (true, true) => false,
        (true, false) => keyed(b),
        (false, true) => keyed(a),
        (false, false) => keyed(a) && keyed(b) && field(a) == field(b),
    }
}

/// Whether every element is an object named by the same key field (with
/// unique names), so elements can be matched by name.
fn keyed(items: &[Value]) -> bool {
    let Some(field) = items.first().and_then(key_field) else {
        return false;
    };
    let names: std::collections::BTreeSet<String> = items.iter().map(key_of).collect();
    names.len() == items.len() && items.iter().all(|i| key_field(i) == Some(field))
}

fn key_field(item: &Value) -> Option<&'static str> {
    KEYS.iter()
        .copied()
        .find(|k| item.get(*k).is_some_and(Value::is_string))
}

fn key_of(item: &Value) -> String {
    key_field(item)
        .and_then(|k| item.get(k))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn added(path: String, value: &Value) -> Change {
    Change {
        path,
        kind: ChangeKind::Added,
        before: None,
        after: Some(value.clone()),
    }
}

fn removed(path: String, value: &Value) -> Change {
    Change {
        path,
        kind: ChangeKind::Removed,
        before: Some(value.clone()),
        after: None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn paths(changes: &[Change]) -> Vec<(String, ChangeKind)> {
        changes.iter().map(|c| (c.path.clone(), c.kind)).collect()
    }

    #[test]
    fn names_list_elements_by_their_name_not_their_position() {
        let before = json!({"version": 1, "displayName": "Acme", "tools": [
            {"name": "a", "description": "first"},
            {"name": "b", "description": "second"}]});
        let after = json!({"version": 2, "displayName": "Acme", "tools": [
            {"name": "b", "description": "second, better"},
            {"name": "c", "description": "new"}]});
        let changes = diff_documents(&before, &after);
        assert_eq!(
            paths(&changes),
            vec![
                ("tools[a]".into(), ChangeKind::Removed),
                ("tools[b].description".into(), ChangeKind::Changed),
                ("tools[c]".into(), ChangeKind::Added),
            ]
        );
        assert_eq!(changes[1].before, Some(json!("second")));
        assert_eq!(changes[1].after, Some(json!("second, better")));
    }

    #[test]
    fn the_first_and_the_last_of_a_list_are_named_too() {
        let none = json!({"tools": []});
        let one = json!({"tools": [{"name": "a"}]});
        assert_eq!(
            paths(&diff_documents(&none, &one)),
            vec![("tools[a]".into(), ChangeKind::Added)]
        );
        assert_eq!(
            paths(&diff_documents(&one, &none)),
            vec![("tools[a]".into(), ChangeKind::Removed)]
        );
    }

    #[test]
    fn the_same_content_under_another_version_is_no_change() {
        let doc = json!({"version": 3, "tools": [{"name": "a"}], "oauth": null});
        let mut again = doc.clone();
        again["version"] = json!(9);
        assert_eq!(diff_documents(&doc, &again), vec![]);
    }

    #[test]
    fn unnamed_lists_and_type_changes_are_compared_whole() {
        let before = json!({"scopes": ["a", "b"], "oauth": null});
        let after = json!({"scopes": ["b", "a"], "oauth": {"mode": "x"}});
        let mut found = paths(&diff_documents(&before, &after));
        found.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            found,
            vec![
                ("oauth".into(), ChangeKind::Changed),
                ("scopes".into(), ChangeKind::Changed),
            ]
        );
    }
}
