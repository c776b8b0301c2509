//! A compact form of a tool's input JSON Schema that the edge can check.
//!
//! A full JSON Schema validator costs ~965 KB gzip inside the Worker, four
//! times the edge's whole budget. So the control plane, which validates the
//! schema itself with a complete implementation, compiles it into this form:
//! the subset of keywords in [`Rules`] — types, enums, bounds, object and
//! array structure, `allOf`/`anyOf`/`oneOf`/`not`, `if`/`then`/`else`, and
//! local `$ref`s expanded at compile time — each with its JSON Schema
//! 2020-12 meaning (a type-specific keyword constrains only instances of
//! that type). A schema using a keyword outside the subset (`pattern`,
//! `multipleOf`, `prefixItems`, …) is refused at compile time with the
//! keyword's path, never silently weakened.

mod check;
mod compile;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use thiserror::Error;

/// A compiled schema: `true` accepts anything, `false` nothing, else rules.
/// On the wire a boolean or an object, like JSON Schema itself.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ArgSchema {
    Always(bool),
    Rules(Box<Rules>),
}

/// Hand-written rather than `untagged`: serde's untagged enums buffer the
/// whole value first, which costs the edge's bundle far more than this.
impl<'de> Deserialize<'de> for ArgSchema {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = ArgSchema;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a boolean or a compiled schema object")
            }
            fn visit_bool<E>(self, b: bool) -> Result<ArgSchema, E> {
                Ok(ArgSchema::Always(b))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<ArgSchema, A::Error> {
                let rules = Rules::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(ArgSchema::Rules(Box::new(rules)))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_properties: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_properties: Option<u64>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dependent_required: BTreeMap<String, Vec<String>>,
    /// Also holds expanded `$ref`s, which apply alongside their siblings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub all_of: Vec<ArgSchema>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub any_of: Vec<ArgSchema>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub one_of: Vec<ArgSchema>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not: Option<ArgSchema>,
    #[serde(default, rename = "if", skip_serializing_if = "Option::is_none")]
    pub if_schema: Option<ArgSchema>,
    #[serde(default, rename = "then", skip_serializing_if = "Option::is_none")]
    pub then_schema: Option<ArgSchema>,
    #[serde(default, rename = "else", skip_serializing_if = "Option::is_none")]
    pub else_schema: Option<ArgSchema>,
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
        compile::Compiler::new(schema).schema(schema, "#")
    }

    /// Checks `value`, returning every violation found (at most a few dozen,
    /// so an error message stays readable).
    pub fn check(&self, value: &Value) -> Result<(), Vec<Violation>> {
        let mut out = Vec::new();
        check::check_at(self, value, &mut String::new(), &mut out);
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
    fn expands_local_references_and_refuses_cycles() {
        let schema = json!({
            "type": "object",
            "$defs": {
                "city": {"type": "string", "minLength": 2},
                "tagged": {"$anchor": "tag", "enum": ["a", "b"]}
            },
            "properties": {"from": {"$ref": "#/$defs/city"}, "to": {"$ref": "#/$defs/city"}, "tag": {"$ref": "#tag"}}
        });
        let s = ArgSchema::compile(&schema).unwrap();
        assert_eq!(
            s.check(&json!({"from": "Oslo", "to": "Rome", "tag": "a"})),
            Ok(())
        );
        let errs = s.check(&json!({"from": "O", "tag": "c"})).unwrap_err();
        assert_eq!(errs.len(), 2, "{errs:?}");
        let cyclic = json!({"$defs": {"node": {"type": "object", "properties": {"next": {"$ref": "#/$defs/node"}}}}, "$ref": "#/$defs/node"});
        assert!(
            ArgSchema::compile(&cyclic)
                .unwrap_err()
                .to_string()
                .contains("recursive")
        );
        assert!(
            ArgSchema::compile(&json!({"$ref": "https://example.com/s.json"}))
                .unwrap_err()
                .to_string()
                .contains("inside the schema")
        );
        assert!(
            ArgSchema::compile(&json!({"$ref": "#/$defs/none"}))
                .unwrap_err()
                .to_string()
                .contains("points at nothing")
        );
    }

    #[test]
    fn composition_keywords() {
        let s = ArgSchema::compile(&json!({
            "anyOf": [{"type": "string"}, {"type": "null"}],
            "not": {"const": "forbidden"}
        }))
        .unwrap();
        assert_eq!(s.check(&json!("x")), Ok(()));
        assert_eq!(s.check(&json!(null)), Ok(()));
        assert!(s.check(&json!(1)).is_err());
        assert!(s.check(&json!("forbidden")).is_err());
        let one =
            ArgSchema::compile(&json!({"oneOf": [{"type": "integer"}, {"minimum": 5}]})).unwrap();
        assert_eq!(one.check(&json!(2)), Ok(()));
        assert!(one.check(&json!(7)).is_err(), "matches both");
        let cond = ArgSchema::compile(&json!({
            "if": {"properties": {"kind": {"const": "city"}}},
            "then": {"required": ["city"]},
            "else": {"required": ["country"]}
        }))
        .unwrap();
        assert_eq!(cond.check(&json!({"kind": "city", "city": "Oslo"})), Ok(()));
        assert!(cond.check(&json!({"kind": "city"})).is_err());
        assert!(cond.check(&json!({"kind": "land"})).is_err());
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

    #[test]
    fn unique_items_is_linear_and_equal_means_equal_json() {
        let unique = ArgSchema::compile(&json!({"type": "array", "uniqueItems": true})).unwrap();
        // Pairwise comparison would take ~2·10¹⁰ steps here.
        let distinct: Vec<Value> = (0..200_000).map(|i| json!(i)).collect();
        assert_eq!(unique.check(&Value::Array(distinct)), Ok(()));
        for same in [
            json!([1, 1.0]),
            json!([0, -0.0]),
            json!([{"a": 1, "b": [2]}, {"b": [2.0], "a": 1}]),
            json!(["x", "y", "x"]),
        ] {
            assert!(unique.check(&same).is_err(), "{same}");
        }
        for different in [
            json!(["1", 1]),
            json!([[1, 2], [2, 1]]),
            json!([{"a": 1}, {"a": "1"}]),
        ] {
            assert_eq!(unique.check(&different), Ok(()), "{different}");
        }
        // maxItems is checked first, and a refusal there spares the hashing.
        let bounded =
            ArgSchema::compile(&json!({"type": "array", "maxItems": 3, "uniqueItems": true}))
                .unwrap();
        let long: Vec<Value> = (0..100_000).map(|_| json!("same")).collect();
        let refused = bounded.check(&Value::Array(long)).unwrap_err();
        assert_eq!(refused.len(), 1);
        assert!(refused[0].to_string().contains("at most 3"), "{refused:?}");
    }
}
