//! Every message the edge sends, checked against the official MCP JSON
//! schema of the revision the exchange negotiated
//! (vendored in `tests/mcp-schema/<revision>.json`).

use std::path::PathBuf;

use portcullis_tenant_config::{ArgSchema, ContentBlock, FORMAT, TenantConfig, ToolConfig};
use serde_json::{Value, json};

use super::SUPPORTED_VERSIONS;
use super::transport::handle;
use crate::auth::Caller;
use crate::http::HttpRequest;

fn schema_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/mcp-schema")
}

/// A validator for one definition of a revision's schema.
fn validator(revision: &str, definition: &str) -> jsonschema::Validator {
    let path = schema_dir().join(format!("{revision}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    let defs = if schema.get("$defs").is_some() {
        "$defs"
    } else {
        "definitions"
    };
    assert!(
        schema[defs].get(definition).is_some(),
        "{revision} has no {definition}"
    );
    schema["$ref"] = json!(format!("#/{defs}/{definition}"));
    jsonschema::validator_for(&schema).expect("the official schema compiles")
}

fn assert_valid(revision: &str, definition: &str, instance: &Value) {
    let v = validator(revision, definition);
    let errors: Vec<String> = v
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{revision} {definition} rejects {instance}:\n{}",
        errors.join("\n")
    );
}

fn config() -> TenantConfig {
    let schema =
        json!({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]});
    TenantConfig {
        format: FORMAT,
        tenant: "acme".into(),
        version: 1,
        display_name: "Acme".into(),
        tools: vec![ToolConfig {
            name: "get_weather".into(),
            title: Some("Weather".into()),
            description: "Current weather".into(),
            arguments: ArgSchema::compile(&schema).expect("compiles"),
            input_schema: schema,
            content: vec![
                ContentBlock::Text {
                    text: "sunny".into(),
                },
                ContentBlock::Image {
                    data: "iVBORw0KGgo=".into(),
                    mime_type: "image/png".into(),
                },
            ],
        }],
    }
}

/// Sends one message as a client of `revision` and returns the JSON reply.
fn exchange(revision: &str, message: Value) -> Value {
    let request = HttpRequest {
        method: "POST".into(),
        path: "/mcp".into(),
        headers: vec![
            ("content-type".into(), "application/json".into()),
            (
                "accept".into(),
                "application/json, text/event-stream".into(),
            ),
            ("mcp-protocol-version".into(), revision.into()),
        ],
        body: message.to_string().into_bytes(),
    };
    let response = handle(&config(), &Caller::Anonymous, &request, "acme.localhost");
    serde_json::from_slice(&response.body).expect("a JSON reply")
}

#[test]
fn replies_validate_against_each_negotiated_revision() {
    for revision in SUPPORTED_VERSIONS {
        let error_def = if *revision >= "2025-11-25" {
            "JSONRPCErrorResponse"
        } else {
            "JSONRPCError"
        };
        let result_def = if *revision >= "2025-11-25" {
            "JSONRPCResultResponse"
        } else {
            "JSONRPCResponse"
        };
        let init = exchange(
            revision,
            json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                "protocolVersion": revision, "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}),
        );
        assert_eq!(init["result"]["protocolVersion"], *revision);
        assert_valid(revision, result_def, &init);
        assert_valid(revision, "InitializeResult", &init["result"]);

        let list = exchange(
            revision,
            json!({"jsonrpc": "2.0", "id": "l", "method": "tools/list"}),
        );
        assert_valid(revision, result_def, &list);
        assert_valid(revision, "ListToolsResult", &list["result"]);

        let call = exchange(
            revision,
            json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "get_weather", "arguments": {"city": "Oslo"}}}),
        );
        assert_valid(revision, "CallToolResult", &call["result"]);

        let ping = exchange(
            revision,
            json!({"jsonrpc": "2.0", "id": 3, "method": "ping"}),
        );
        assert_valid(revision, "EmptyResult", &ping["result"]);

        for bad in [
            json!({"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"name": "get_weather", "arguments": {}}}),
            json!({"jsonrpc": "2.0", "id": 5, "method": "no/such"}),
            json!({"jsonrpc": "2.0", "id": 6, "method": "tools/call", "params": {"name": "nope"}}),
        ] {
            assert_valid(revision, error_def, &exchange(revision, bad));
        }
    }
}
