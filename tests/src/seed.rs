//! Seeding a tenant through the control plane's public API, from a fixture
//! file shaped like `tests/conformance/fixture.json`.

use serde_json::Value;

use crate::stack::Stack;

/// Creates the fixture's tenant and every tool, prompt, resource and
/// resource template in it; panics naming the first entry the API refuses.
pub async fn seed_tenant(stack: &Stack, fixture: &Value) -> String {
    let slug = fixture["tenant"]["slug"]
        .as_str()
        .expect("fixture names a tenant slug")
        .to_owned();
    stack
        .create("/tenants", Some(fixture["tenant"].clone()))
        .await;
    for (section, path) in [
        ("tools", "tools"),
        ("prompts", "prompts"),
        ("resources", "resources"),
        ("resourceTemplates", "resource-templates"),
    ] {
        for entry in fixture[section].as_array().into_iter().flatten() {
            stack
                .create(&format!("/tenants/{slug}/{path}"), Some(entry.clone()))
                .await;
        }
    }
    slug
}
