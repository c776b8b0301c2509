//! The MCP methods a tenant serves, over its published config.

use portcullis_tenant_config::{TenantConfig, ToolConfig};
use serde_json::{Map, Value, json};

use super::jsonrpc::{RpcError, code};
use super::{LATEST_VERSION, SUPPORTED_VERSIONS};
use crate::auth::Caller;

type Params = Option<Map<String, Value>>;

/// Runs one request and returns its `result`, or the error to send.
pub fn dispatch(
    config: &TenantConfig,
    _caller: &Caller,
    method: &str,
    params: Params,
) -> Result<Value, RpcError> {
    let params = params.unwrap_or_default();
    match method {
        "initialize" => initialize(config, &params),
        "ping" => Ok(json!({})),
        "tools/list" => tools_list(config, &params),
        "tools/call" => tools_call(config, &params),
        _ => Err(RpcError::new(
            code::METHOD_NOT_FOUND,
            format!("method not found: {method}"),
        )),
    }
}

/// Lifecycle, "Version Negotiation": answer with the client's version when
/// supported, else with the latest version this server supports.
fn initialize(config: &TenantConfig, params: &Map<String, Value>) -> Result<Value, RpcError> {
    let requested = params
        .get("protocolVersion")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            RpcError::invalid_params("initialize needs \"protocolVersion\" (a string)")
        })?;
    let version = SUPPORTED_VERSIONS
        .iter()
        .find(|v| **v == requested)
        .copied()
        .unwrap_or(LATEST_VERSION);
    Ok(json!({
        "protocolVersion": version,
        "capabilities": { "tools": { "listChanged": false } },
        "serverInfo": {
            "name": config.tenant,
            "title": config.display_name,
            "version": config.version.to_string(),
        },
    }))
}

fn tools_list(config: &TenantConfig, params: &Map<String, Value>) -> Result<Value, RpcError> {
    // Every tool fits on one page, so no cursor this server hands out exists.
    if params.get("cursor").is_some_and(|c| !c.is_null()) {
        return Err(RpcError::invalid_params("invalid cursor"));
    }
    let tools: Vec<Value> = config.tools.iter().map(tool_view).collect();
    Ok(json!({ "tools": tools }))
}

fn tool_view(tool: &ToolConfig) -> Value {
    let mut view = json!({
        "name": tool.name,
        "description": tool.description,
        "inputSchema": tool.input_schema,
    });
    if let Some(title) = &tool.title {
        view["title"] = json!(title);
    }
    view
}

fn tools_call(config: &TenantConfig, params: &Map<String, Value>) -> Result<Value, RpcError> {
    let name = params
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| RpcError::invalid_params("tools/call needs \"name\" (a string)"))?;
    let tool = config
        .tool(name)
        .ok_or_else(|| RpcError::invalid_params(format!("Unknown tool: {name}")))?;
    let empty = Value::Object(Map::new());
    let arguments = match params.get("arguments") {
        None | Some(Value::Null) => &empty,
        Some(a @ Value::Object(_)) => a,
        Some(_) => return Err(RpcError::invalid_params("\"arguments\" must be an object")),
    };
    if let Err(violations) = tool.arguments.check(arguments) {
        let summary: Vec<String> = violations.iter().map(ToString::to_string).collect();
        return Err(RpcError::invalid_params(format!(
            "Invalid arguments for tool {name}: {}",
            summary.join("; ")
        ))
        .with_data(json!({ "violations": violations })));
    }
    Ok(json!({ "content": tool.content, "isError": false }))
}

#[cfg(test)]
mod tests {
    use portcullis_tenant_config::{ArgSchema, ContentBlock, FORMAT};

    use super::*;

    fn config() -> TenantConfig {
        let schema = json!({"type": "object", "properties": {"n": {"type": "integer", "maximum": 3}}, "required": ["n"]});
        TenantConfig {
            format: FORMAT,
            tenant: "acme".into(),
            version: 4,
            display_name: "Acme".into(),
            tools: vec![ToolConfig {
                name: "count".into(),
                title: Some("Count".into()),
                description: "counts".into(),
                arguments: ArgSchema::compile(&schema).unwrap(),
                input_schema: schema,
                content: vec![ContentBlock::Text {
                    text: "one two three".into(),
                }],
            }],
        }
    }

    fn call(method: &str, params: Value) -> Result<Value, RpcError> {
        let params = match params {
            Value::Object(m) => Some(m),
            _ => None,
        };
        dispatch(&config(), &Caller::Anonymous, method, params)
    }

    #[test]
    fn negotiates_the_protocol_version() {
        let r = call("initialize", json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}})).unwrap();
        assert_eq!(r["protocolVersion"], "2025-06-18");
        assert_eq!(
            r["serverInfo"],
            json!({"name": "acme", "title": "Acme", "version": "4"})
        );
        let r = call("initialize", json!({"protocolVersion": "1999-01-01"})).unwrap();
        assert_eq!(r["protocolVersion"], LATEST_VERSION);
        assert_eq!(
            call("initialize", json!({})).unwrap_err().code,
            code::INVALID_PARAMS
        );
    }

    #[test]
    fn lists_and_calls_tools() {
        let list = call("tools/list", Value::Null).unwrap();
        assert_eq!(list["tools"][0]["name"], "count");
        assert_eq!(list["tools"][0]["title"], "Count");
        assert_eq!(list["tools"][0]["inputSchema"]["required"], json!(["n"]));
        let r = call(
            "tools/call",
            json!({"name": "count", "arguments": {"n": 2}}),
        )
        .unwrap();
        assert_eq!(
            r,
            json!({"content": [{"type": "text", "text": "one two three"}], "isError": false})
        );
        assert_eq!(call("ping", Value::Null).unwrap(), json!({}));
    }

    #[test]
    fn refuses_bad_calls_with_the_spec_errors() {
        let e = call("tools/call", json!({"name": "nope"})).unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            (code::INVALID_PARAMS, "Unknown tool: nope")
        );
        let e = call(
            "tools/call",
            json!({"name": "count", "arguments": {"n": 9}}),
        )
        .unwrap_err();
        assert_eq!(e.code, code::INVALID_PARAMS);
        assert!(e.message.contains("/n: must be <= 3"), "{}", e.message);
        assert_eq!(e.data.unwrap()["violations"][0]["path"], "/n");
        assert_eq!(
            call("tools/call", json!({"name": "count"}))
                .unwrap_err()
                .code,
            code::INVALID_PARAMS
        );
        assert_eq!(
            call("tools/call", json!({"name": "count", "arguments": [1]}))
                .unwrap_err()
                .code,
            code::INVALID_PARAMS
        );
        assert_eq!(
            call("tools/call", json!({})).unwrap_err().code,
            code::INVALID_PARAMS
        );
        assert_eq!(
            call("tools/list", json!({"cursor": "x"})).unwrap_err().code,
            code::INVALID_PARAMS
        );
        assert_eq!(
            call("resources/list", Value::Null).unwrap_err().code,
            code::METHOD_NOT_FOUND
        );
    }
}
