//! The control plane's validators take input of any shape without
//! panicking, and agree with themselves.

use portcullis_tenant_config::OAuthConfig;
use portcullis_tenant_config::strategies::any_json;
use proptest::prelude::*;

use super::admins::normalize_email;
use super::diff::diff_documents;
use super::tools::{validate_input_schema, validate_tool};
use portcullis_api::tools::ToolCreate;

proptest! {
    #[test]
    fn input_schemas_are_accepted_or_refused(schema in any_json()) {
        let _ = validate_input_schema(&schema);
    }

    #[test]
    fn tool_definitions_of_any_shape_are_validated(value in any_json()) {
        if let Ok(tool) = serde_json::from_value::<ToolCreate>(value) {
            let _ = validate_tool(&tool);
        }
    }

    #[test]
    fn authorization_settings_of_any_shape_are_validated(value in any_json()) {
        if let Ok(settings) = serde_json::from_value::<OAuthConfig>(value) {
            let _ = settings.validate();
        }
    }

    #[test]
    fn emails_normalise_once_and_for_all(text in "\\PC{0,40}@?\\PC{0,20}") {
        if let Ok(email) = normalize_email(&text) {
            prop_assert_eq!(normalize_email(&email).ok(), Some(email));
        }
    }

    #[test]
    fn documents_differ_from_themselves_in_nothing(a in any_json(), b in any_json()) {
        prop_assert!(diff_documents(&a, &a).is_empty());
        // Named list items may be reordered without a change; anything else
        // that differs is reported.
        let changes = diff_documents(&a, &b);
        if strip_version(&a) == strip_version(&b) {
            prop_assert!(changes.is_empty());
        }
        if !changes.is_empty() {
            prop_assert_ne!(strip_version(&a), strip_version(&b));
        }
    }
}

/// Documents compared without their version number, as diffs are.
fn strip_version(v: &serde_json::Value) -> serde_json::Value {
    let mut v = v.clone();
    if let Some(object) = v.as_object_mut() {
        object.remove("version");
    }
    v
}
