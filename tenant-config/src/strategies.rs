//! Proptest strategies for JSON as the documents carry it: arbitrary
//! values leaning towards JSON Schema keywords, so schema validators meet
//! the shapes that can break them.

use proptest::prelude::*;
use serde_json::Value;

/// Any JSON value, nested a few levels, with schema keywords as keys.
pub fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        ".{0,8}".prop_map(Value::from),
        prop::sample::select(vec!["object", "string", "integer", "#", "#/$defs/a", "#a"])
            .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 5, |inner| {
        let keys = prop::sample::select(vec![
            "type",
            "properties",
            "required",
            "items",
            "enum",
            "const",
            "minimum",
            "maxLength",
            "anyOf",
            "oneOf",
            "allOf",
            "not",
            "if",
            "then",
            "else",
            "$ref",
            "$defs",
            "$anchor",
            "additionalProperties",
            "a",
        ]);
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(keys, inner, 0..5).prop_map(|m| {
                Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            }),
        ]
    })
}
