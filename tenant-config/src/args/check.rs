//! Checking a value against an [`ArgSchema`], collecting violations located
//! by JSON Pointer. Keywords have their JSON Schema 2020-12 meaning.

use serde_json::{Map, Value};

use super::{ArgSchema, MAX_VIOLATIONS, Rules, Violation};

pub(super) fn check_at(
    schema: &ArgSchema,
    value: &Value,
    path: &mut String,
    out: &mut Vec<Violation>,
) {
    let rules = match schema {
        ArgSchema::Always(true) => return,
        ArgSchema::Always(false) => return push(out, path, "no value is allowed here".into()),
        ArgSchema::Rules(rules) => rules,
    };
    if let Some(types) = &rules.types
        && !types.iter().any(|t| t.matches(value))
    {
        let names: Vec<String> = types
            .iter()
            .map(|t| serde_json::to_string(t).unwrap_or_default())
            .collect();
        return push(out, path, format!("expected {}", names.join(" or ")));
    }
    if let Some(allowed) = &rules.enum_values
        && !allowed.iter().any(|a| json_equal(a, value))
    {
        push(out, path, "is not one of the allowed values".into());
    }
    check_composition(rules, value, path, out);
    match value {
        Value::Number(n) => check_number(rules, n.as_f64().unwrap_or(f64::NAN), path, out),
        Value::String(s) => {
            let len = s.chars().count() as u64;
            if rules.min_length.is_some_and(|m| len < m) {
                push(
                    out,
                    path,
                    format!(
                        "must be at least {} characters",
                        rules.min_length.unwrap_or(0)
                    ),
                );
            }
            if rules.max_length.is_some_and(|m| len > m) {
                push(
                    out,
                    path,
                    format!(
                        "must be at most {} characters",
                        rules.max_length.unwrap_or(0)
                    ),
                );
            }
        }
        Value::Array(items) => check_array(rules, items, path, out),
        Value::Object(obj) => check_object(rules, obj, path, out),
        Value::Null | Value::Bool(_) => {}
    }
}

fn check_number(rules: &Rules, n: f64, path: &str, out: &mut Vec<Violation>) {
    if let Some(m) = rules.minimum.filter(|m| n < *m) {
        push(out, path, format!("must be >= {m}"));
    }
    if let Some(m) = rules.maximum.filter(|m| n > *m) {
        push(out, path, format!("must be <= {m}"));
    }
    if let Some(m) = rules.exclusive_minimum.filter(|m| n <= *m) {
        push(out, path, format!("must be > {m}"));
    }
    if let Some(m) = rules.exclusive_maximum.filter(|m| n >= *m) {
        push(out, path, format!("must be < {m}"));
    }
}

fn check_array(rules: &Rules, items: &[Value], path: &mut String, out: &mut Vec<Violation>) {
    let len = items.len() as u64;
    if let Some(m) = rules.min_items.filter(|m| len < *m) {
        push(out, path, format!("must have at least {m} items"));
    }
    let too_many = rules.max_items.filter(|m| len > *m);
    if let Some(m) = too_many {
        push(out, path, format!("must have at most {m} items"));
    }
    // Already refused for its length: not worth hashing every item.
    if rules.unique_items && too_many.is_none() && has_duplicate(items) {
        push(out, path, "items must be unique".into());
    }
    if let Some(item_schema) = &rules.items {
        for (i, item) in items.iter().enumerate() {
            descend(path, &i.to_string(), |p| {
                check_at(item_schema, item, p, out)
            });
        }
    }
}

fn check_object(
    rules: &Rules,
    obj: &Map<String, Value>,
    path: &mut String,
    out: &mut Vec<Violation>,
) {
    for name in &rules.required {
        if !obj.contains_key(name) {
            push(out, path, format!("missing required property '{name}'"));
        }
    }
    let len = obj.len() as u64;
    if let Some(m) = rules.min_properties.filter(|m| len < *m) {
        push(out, path, format!("must have at least {m} properties"));
    }
    if let Some(m) = rules.max_properties.filter(|m| len > *m) {
        push(out, path, format!("must have at most {m} properties"));
    }
    for (present, needs) in &rules.dependent_required {
        if obj.contains_key(present) {
            for name in needs.iter().filter(|n| !obj.contains_key(*n)) {
                push(
                    out,
                    path,
                    format!("property '{name}' is required when '{present}' is present"),
                );
            }
        }
    }
    for (name, value) in obj {
        let schema = match rules.properties.get(name) {
            Some(s) => s,
            None => match &rules.additional_properties {
                Some(ArgSchema::Always(false)) => {
                    push(out, path, format!("property '{name}' is not allowed"));
                    continue;
                }
                Some(s) => s,
                None => continue,
            },
        };
        descend(path, name, |p| check_at(schema, value, p, out));
    }
}

/// Whether `value` satisfies `schema`, violations aside.
fn passes(schema: &ArgSchema, value: &Value, path: &str) -> bool {
    let mut scratch = Vec::new();
    check_at(schema, value, &mut path.to_owned(), &mut scratch);
    scratch.is_empty()
}

fn check_composition(rules: &Rules, value: &Value, path: &mut String, out: &mut Vec<Violation>) {
    for schema in &rules.all_of {
        check_at(schema, value, path, out);
    }
    if !rules.any_of.is_empty() && !rules.any_of.iter().any(|s| passes(s, value, path)) {
        push(
            out,
            path,
            "does not match any of the allowed schemas (anyOf)".into(),
        );
    }
    if !rules.one_of.is_empty() {
        let matching = rules
            .one_of
            .iter()
            .filter(|s| passes(s, value, path))
            .count();
        if matching != 1 {
            push(
                out,
                path,
                format!("must match exactly one schema (oneOf), matches {matching}"),
            );
        }
    }
    if let Some(not) = &rules.not
        && passes(not, value, path)
    {
        push(out, path, "matches a schema it must not match (not)".into());
    }
    if let Some(condition) = &rules.if_schema {
        let branch = if passes(condition, value, path) {
            &rules.then_schema
        } else {
            &rules.else_schema
        };
        if let Some(branch) = branch {
            check_at(branch, value, path, out);
        }
    }
}

/// Appends one JSON Pointer token (RFC 6901 escaped) for the duration of `f`.
fn descend(path: &mut String, token: &str, f: impl FnOnce(&mut String)) {
    let len = path.len();
    path.push('/');
    path.push_str(&token.replace('~', "~0").replace('/', "~1"));
    f(path);
    path.truncate(len);
}

fn push(out: &mut Vec<Violation>, path: &str, message: String) {
    if out.len() < MAX_VIOLATIONS {
        out.push(Violation {
            path: path.to_owned(),
            message,
        });
    }
}

/// JSON Schema equality: numbers compare by value (1 == 1.0).
/// Whether two items are equal as JSON values, in one pass: each item's
/// canonical text goes into a hash set (comparing every pair would let a
/// long array of distinct items cost its length squared).
fn has_duplicate(items: &[Value]) -> bool {
    let mut seen = std::collections::HashSet::with_capacity(items.len());
    items.iter().any(|item| {
        let mut text = String::new();
        canonical(item, &mut text);
        !seen.insert(text)
    })
}

/// A text equal for values [`json_equal`] calls equal: numbers by value,
/// object members in key order.
fn canonical(value: &Value, out: &mut String) {
    match value {
        Value::Number(n) => {
            let n = n.as_f64().unwrap_or(f64::NAN);
            // -0 equals 0.
            let n = if n == 0.0 { 0.0 } else { n };
            out.push_str(&format!("n{n:?}"));
        }
        Value::Array(items) => {
            out.push('[');
            for item in items {
                canonical(item, out);
                out.push(',');
            }
            out.push(']');
        }
        // serde_json's map keeps its members in key order (no
        // `preserve_order` anywhere; a test fails if one turns it on).
        Value::Object(members) => {
            out.push('{');
            for (name, member) in members {
                out.push_str(&Value::String(name.clone()).to_string());
                out.push(':');
                canonical(member, out);
                out.push(',');
            }
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
}

fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_equal(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}
