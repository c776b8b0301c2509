//! The validators take anything without panicking, and agree with
//! themselves: what compiles checks any value, and a valid name stays valid.

use proptest::prelude::*;
use serde_json::Value;

use crate::ArgSchema;
use crate::content::validate_uri;
use crate::names::{validate_tenant_slug, validate_tool_name};

fn any_json() -> impl Strategy<Value = Value> {
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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn names_never_panic(text in ".{0,80}") {
        let _ = validate_tenant_slug(&text);
        let _ = validate_tool_name(&text);
        let _ = validate_uri(&text);
    }

    #[test]
    fn valid_slugs_are_dns_labels(slug in "[a-z][a-z0-9-]{0,38}[a-z0-9]") {
        if validate_tenant_slug(&slug).is_ok() {
            prop_assert!(slug.len() <= 63 && !slug.starts_with('-') && !slug.ends_with('-'));
        }
    }

    #[test]
    fn any_schema_compiles_or_refuses_and_checks_anything(schema in any_json(), value in any_json()) {
        if let Ok(compiled) = ArgSchema::compile(&schema) {
            let _ = compiled.check(&value);
            let text = serde_json::to_string(&compiled).expect("serialises");
            let back: ArgSchema = serde_json::from_str(&text).expect("the compact form round-trips");
            prop_assert_eq!(back.check(&value).is_ok(), compiled.check(&value).is_ok());
        }
    }
}
