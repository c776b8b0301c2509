//! The validators take anything without panicking, and agree with
//! themselves: what compiles checks any value, and a valid name stays valid.

use proptest::prelude::*;

use crate::ArgSchema;
use crate::content::validate_uri;
use crate::names::{validate_tenant_slug, validate_tool_name};
use crate::strategies::any_json;

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
