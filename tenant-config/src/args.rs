//! A compact form of a tool's input JSON Schema that the edge can check.
//!
//! A full JSON Schema validator costs ~965 KB gzip inside the Worker, four
//! times the edge's whole budget. So the control plane, which validates the
//! schema itself with a complete implementation, compiles it into this form:
//! the subset of keywords below, each with the JSON Schema 2020-12 meaning
//! (a type-specific keyword constrains only instances of that type). A schema
//! using a keyword outside the subset is refused at compile time with the
//! keyword's path, never silently weakened.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use thiserror::Error;

/// A compiled schema: `true` accepts anything, `false` nothing, else rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ArgSchema {
    Always(bool),
    Rules(Box<Rules>),
}

/// The keywords the edge enforces. Absent fields do not constrain.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Rules {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub types: Option<Vec<JsonType>>,
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "enum")]
    pub enum_values: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclusive_minimum: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclusive_maximum: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<ArgSchema>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_items: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_items: Option<u64>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unique_items: bool,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub properties: BTreeMap<String, ArgSchema>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub required: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_properties: Option<ArgSchema>,
}

/// The JSON Schema primitive types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JsonType {
    Null,
    Boolean,
    Integer,
    Number,
    String,
    Array,
    Object,
}

impl JsonType {
    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "null" => Self::Null,
            "boolean" => Self::Boolean,
            "integer" => Self::Integer,
            "number" => Self::Number,
            "string" => Self::String,
            "array" => Self::Array,
            "object" => Self::Object,
            _ => return None,
        })
    }

    fn matches(self, value: &Value) -> bool {
        match (self, value) {
            (Self::Null, Value::Null)
            | (Self::Boolean, Value::Bool(_))
            | (Self::Number, Value::Number(_))
            | (Self::String, Value::String(_))
            | (Self::Array, Value::Array(_))
            | (Self::Object, Value::Object(_)) => true,
            // 2020-12: an integer is any number with a zero fractional part.
            (Self::Integer, Value::Number(n)) => {
                n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            _ => false,
        }
    }
}

/// Why a schema cannot be compiled for the edge.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CompileError {
    #[error("at {path}: the keyword '{keyword}' is not supported for tool arguments yet")]
    Unsupported { path: String, keyword: String },
    #[error("at {path}: {message}")]
    Invalid { path: String, message: String },
}

/// Keywords that only annotate; they never change what validates.
const ANNOTATIONS: &[&str] = &[
    "$schema",
    "$id",
    "$comment",
    "title",
    "description",
    "default",
    "examples",
    "deprecated",
    "readOnly",
    "writeOnly",
    "format",
    "contentMediaType",
    "contentEncoding",
];

impl ArgSchema {
    /// Compiles a JSON Schema into the edge form.
    pub fn compile(schema: &Value) -> Result<Self, CompileError> {
        compile_at(schema, "#")
    }

    /// Checks `value`, returning every violation found (at most a few dozen,
    /// so an error message stays readable).
    pub fn check(&self, value: &Value) -> Result<(), Vec<Violation>> {
        let mut out = Vec::new();
        check_at(self, value, &mut String::new(), &mut out);
        if out.is_empty() { Ok(()) } else { Err(out) }
    }
}

/// One failed constraint, located by JSON Pointer into the instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = if self.path.is_empty() {
            "/"
        } else {
            &self.path
        };
        write!(f, "{at}: {}", self.message)
    }
}

const MAX_VIOLATIONS: usize = 32;

fn invalid(path: &str, message: impl Into<String>) -> CompileError {
    CompileError::Invalid {
        path: path.to_owned(),
        message: message.into(),
    }
}

fn compile_at(schema: &Value, path: &str) -> Result<ArgSchema, CompileError> {
    let obj = match schema {
        Value::Bool(b) => return Ok(ArgSchema::Always(*b)),
        Value::Object(obj) => obj,
        _ => return Err(invalid(path, "a schema must be an object or a boolean")),
    };
    let mut rules = Rules::default();
    for (keyword, value) in obj {
        let at = format!("{path}/{keyword}");
        match keyword.as_str() {
            k if ANNOTATIONS.contains(&k) => {}
            "type" => rules.types = Some(compile_types(value, &at)?),
            "enum" => match value {
                Value::Array(values) => rules.enum_values = Some(values.clone()),
                _ => return Err(invalid(&at, "must be an array")),
            },
            "const" => rules.enum_values = Some(vec![value.clone()]),
            "minimum" => rules.minimum = Some(number(value, &at)?),
            "maximum" => rules.maximum = Some(number(value, &at)?),
            "exclusiveMinimum" => rules.exclusive_minimum = Some(number(value, &at)?),
            "exclusiveMaximum" => rules.exclusive_maximum = Some(number(value, &at)?),
            "minLength" => rules.min_length = Some(count(value, &at)?),
            "maxLength" => rules.max_length = Some(count(value, &at)?),
            "minItems" => rules.min_items = Some(count(value, &at)?),
            "maxItems" => rules.max_items = Some(count(value, &at)?),
            "uniqueItems" => {
                rules.unique_items = value
                    .as_bool()
                    .ok_or_else(|| invalid(&at, "must be a boolean"))?
            }
            "items" => rules.items = Some(compile_at(value, &at)?),
            "properties" => rules.properties = compile_properties(value, &at)?,
            "additionalProperties" => rules.additional_properties = Some(compile_at(value, &at)?),
            "required" => rules.required = compile_required(value, &at)?,
            other => {
                return Err(CompileError::Unsupported {
                    path: path.to_owned(),
                    keyword: other.to_owned(),
                });
            }
        }
    }
    Ok(ArgSchema::Rules(Box::new(rules)))
}

fn compile_types(value: &Value, at: &str) -> Result<Vec<JsonType>, CompileError> {
    let names: Vec<&Value> = match value {
        Value::Array(items) if !items.is_empty() => items.iter().collect(),
        Value::String(_) => vec![value],
        _ => {
            return Err(invalid(
                at,
                "must be a type name or a non-empty array of them",
            ));
        }
    };
    names
        .into_iter()
        .map(|n| {
            n.as_str()
                .and_then(JsonType::parse)
                .ok_or_else(|| invalid(at, format!("{n} is not a JSON Schema type")))
        })
        .collect()
}

fn compile_properties(
    value: &Value,
    at: &str,
) -> Result<BTreeMap<String, ArgSchema>, CompileError> {
    let props: &Map<String, Value> = value
        .as_object()
        .ok_or_else(|| invalid(at, "must be an object"))?;
    props
        .iter()
        .map(|(name, s)| Ok((name.clone(), compile_at(s, &format!("{at}/{name}"))?)))
        .collect()
}

fn compile_required(value: &Value, at: &str) -> Result<Vec<String>, CompileError> {
    let items = value
        .as_array()
        .ok_or_else(|| invalid(at, "must be an array of strings"))?;
    items
        .iter()
        .map(|i| {
            i.as_str()
                .map(str::to_owned)
                .ok_or_else(|| invalid(at, "must be an array of strings"))
        })
        .collect()
}

fn number(value: &Value, at: &str) -> Result<f64, CompileError> {
    value
        .as_f64()
        .ok_or_else(|| invalid(at, "must be a number"))
}

fn count(value: &Value, at: &str) -> Result<u64, CompileError> {
    value
        .as_u64()
        .or_else(|| {
            value
                .as_f64()
                .filter(|f| *f >= 0.0 && f.fract() == 0.0)
                .map(|f| f as u64)
        })
        .ok_or_else(|| invalid(at, "must be a non-negative integer"))
}

fn check_at(schema: &ArgSchema, value: &Value, path: &mut String, out: &mut Vec<Violation>) {
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
    if let Some(m) = rules.max_items.filter(|m| len > *m) {
        push(out, path, format!("must have at most {m} items"));
    }
    if rules.unique_items {
        let duplicate = items
            .iter()
            .enumerate()
            .any(|(i, a)| items[..i].iter().any(|b| json_equal(a, b)));
        if duplicate {
            push(out, path, "items must be unique".into());
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn weather() -> ArgSchema {
        ArgSchema::compile(&json!({
            "type": "object",
            "description": "where",
            "properties": {
                "city": {"type": "string", "minLength": 2, "maxLength": 5},
                "days": {"type": "integer", "minimum": 1, "maximum": 7},
                "units": {"enum": ["metric", "imperial"]},
                "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2, "uniqueItems": true}
            },
            "required": ["city"],
            "additionalProperties": false
        }))
        .expect("compiles")
    }

    #[test]
    fn accepts_valid_arguments() {
        let s = weather();
        assert_eq!(s.check(&json!({"city": "Oslo"})), Ok(()));
        assert_eq!(
            s.check(&json!({"city": "Oslo", "days": 3.0, "units": "metric", "tags": ["a", "b"]})),
            Ok(())
        );
        // minLength counts characters, not bytes.
        assert_eq!(
            s.check(&json!({"city": "Zürich"})).map_err(|v| v.len()),
            Err(1)
        );
        assert_eq!(s.check(&json!({"city": "Tōkyō"})), Ok(()));
    }

    #[test]
    fn reports_each_violation_with_its_path() {
        let s = weather();
        let errs = s
            .check(&json!({"days": 9, "units": "kelvin", "tags": ["a", "a", 3], "x": 1}))
            .expect_err("invalid");
        let got: Vec<String> = errs.iter().map(ToString::to_string).collect();
        assert!(
            got.contains(&"/: missing required property 'city'".to_string()),
            "{got:?}"
        );
        assert!(got.contains(&"/days: must be <= 7".to_string()), "{got:?}");
        assert!(
            got.contains(&"/units: is not one of the allowed values".to_string()),
            "{got:?}"
        );
        assert!(
            got.contains(&"/tags: must have at most 2 items".to_string()),
            "{got:?}"
        );
        assert!(
            got.contains(&"/tags/2: expected \"string\"".to_string()),
            "{got:?}"
        );
        assert!(
            got.contains(&"/: property 'x' is not allowed".to_string()),
            "{got:?}"
        );
        assert_eq!(
            s.check(&json!("Oslo")).map_err(|v| v[0].message.clone()),
            Err("expected \"object\"".into())
        );
        assert!(s.check(&json!({"city": "Oslo", "days": 1.5})).is_err());
    }

    #[test]
    fn refuses_what_it_cannot_enforce() {
        let err = ArgSchema::compile(
            &json!({"type": "object", "properties": {"a": {"type": "string", "pattern": "^x"}}}),
        )
        .expect_err("pattern unsupported");
        assert_eq!(
            err,
            CompileError::Unsupported {
                path: "#/properties/a".into(),
                keyword: "pattern".into()
            }
        );
        assert!(matches!(
            ArgSchema::compile(&json!({"type": "strin"})),
            Err(CompileError::Invalid { .. })
        ));
        assert!(matches!(
            ArgSchema::compile(&json!(3)),
            Err(CompileError::Invalid { .. })
        ));
        assert!(matches!(
            ArgSchema::compile(&json!({"required": "city"})),
            Err(CompileError::Invalid { .. })
        ));
    }

    #[test]
    fn compact_form_round_trips() {
        let s = weather();
        let text = serde_json::to_string(&s).expect("serializes");
        let back: ArgSchema = serde_json::from_str(&text).expect("parses");
        assert_eq!(back, s);
        assert_eq!(
            serde_json::to_string(&ArgSchema::compile(&json!(true)).unwrap()).unwrap(),
            "true"
        );
    }
}
