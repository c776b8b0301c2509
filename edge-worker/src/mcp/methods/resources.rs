//! `resources/list`, `resources/templates/list` and `resources/read`.

use serde::Deserialize;
use serde_json::{Value, json};

use super::Call;
use crate::mcp::MODERN_VERSIONS;
use crate::mcp::jsonrpc::{RpcError, code};

/// "Resource not found" before 2026-07-28; since then (SEP-2164) it is
/// Invalid params, still with the URI in `data`.
const RESOURCE_NOT_FOUND: i64 = -32002;

/// The oldest modern revision.
const MODERN: &str = MODERN_VERSIONS[MODERN_VERSIONS.len() - 1];

/// Adds the optional descriptive fields that are set.
fn describe(view: &mut Value, fields: [(&str, &Option<String>); 3]) {
    for (key, field) in fields {
        if let Some(text) = field {
            view[key] = json!(text);
        }
    }
}

/// `resources/subscribe` and `resources/unsubscribe` (legacy sessions): the
/// answer is `{}`; remembering it is the session's business (the transport
/// passes it on, see [`crate::mcp::sessions::Subscription`]).
pub fn subscription(call: &Call<'_>) -> Result<Value, RpcError> {
    #[derive(Deserialize)]
    struct Params {
        uri: String,
    }
    let Params { uri } = call.params()?;
    if uri.is_empty() || uri.len() > 2048 {
        return Err(RpcError::invalid_params("uri must be 1 to 2048 characters"));
    }
    Ok(json!({}))
}

pub fn list(call: &Call<'_>) -> Result<Value, RpcError> {
    call.refuse_cursor()?;
    let resources: Vec<Value> = call
        .config
        .resources
        .iter()
        .map(|r| {
            let mut view = json!({ "uri": r.uri, "name": r.name });
            describe(
                &mut view,
                [
                    ("title", &r.title),
                    ("description", &r.description),
                    ("mimeType", &r.mime_type),
                ],
            );
            view
        })
        .collect();
    Ok(json!({ "resources": resources }))
}

pub fn list_templates(call: &Call<'_>) -> Result<Value, RpcError> {
    call.refuse_cursor()?;
    let templates: Vec<Value> = call
        .config
        .resource_templates
        .iter()
        .map(|t| {
            let mut view = json!({ "uriTemplate": t.uri_template, "name": t.name });
            describe(
                &mut view,
                [
                    ("title", &t.title),
                    ("description", &t.description),
                    ("mimeType", &t.mime_type),
                ],
            );
            view
        })
        .collect();
    Ok(json!({ "resourceTemplates": templates }))
}

#[derive(Deserialize)]
struct ReadParams {
    uri: String,
}

/// Static resources first, then the first template the URI matches.
pub fn read(call: &Call<'_>) -> Result<Value, RpcError> {
    let params: ReadParams = call.params()?;
    let config = call.config;
    let contents = config
        .resources
        .iter()
        .find(|r| r.uri == params.uri)
        .map(|r| r.contents())
        .or_else(|| {
            config
                .resource_templates
                .iter()
                .find_map(|t| t.read(&params.uri))
        })
        .ok_or_else(|| {
            let code = if call.version >= MODERN {
                code::INVALID_PARAMS
            } else {
                RESOURCE_NOT_FOUND
            };
            RpcError::new(code, "Resource not found").with_data(json!({ "uri": params.uri }))
        })?;
    Ok(json!({ "contents": [contents] }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mcp::methods::call_for_test;
    use crate::test_fixtures::catalog_tenant;

    const V: &str = "2025-11-25";

    #[test]
    fn lists_and_reads_resources() {
        let config = catalog_tenant();
        let list = call_for_test(&config, V, "resources/list", Value::Null).unwrap();
        assert_eq!(
            list["resources"][0],
            json!({"uri": "test://static-text", "name": "static", "mimeType": "text/plain"})
        );
        let templates = call_for_test(&config, V, "resources/templates/list", Value::Null).unwrap();
        assert_eq!(
            templates["resourceTemplates"][0]["uriTemplate"],
            "test://template/{id}/data"
        );

        let read = |uri: &str| call_for_test(&config, V, "resources/read", json!({ "uri": uri }));
        assert_eq!(
            read("test://static-text").unwrap()["contents"][0]["text"],
            "static text"
        );
        assert_eq!(
            read("test://static-binary").unwrap()["contents"][0]["blob"],
            "iVBORw0KGgo="
        );
        assert_eq!(
            read("test://template/42/data").unwrap()["contents"][0],
            json!({"uri": "test://template/42/data", "mimeType": "application/json", "text": "{\"id\":\"42\"}"})
        );
        let missing = read("test://nope").unwrap_err();
        assert_eq!(
            (missing.code, missing.data.unwrap()["uri"].clone()),
            (RESOURCE_NOT_FOUND, json!("test://nope"))
        );
        assert_eq!(
            call_for_test(&config, V, "resources/read", json!({}))
                .unwrap_err()
                .code,
            code::INVALID_PARAMS
        );
    }
}
