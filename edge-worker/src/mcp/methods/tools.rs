//! `tools/list` and `tools/call`.

use portcullis_tenant_config::notifications::{ToolNotification, severity};
use portcullis_tenant_config::{ArgSchema, ToolConfig};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::rounds::{Progress, render_block};
use super::{Call, wire_content};
use crate::mcp::jsonrpc::RpcError;

pub fn list(call: &Call<'_>) -> Result<Value, RpcError> {
    call.refuse_cursor()?;
    let tools: Vec<Value> = call
        .config
        .tools
        .iter()
        .filter(|t| call.caller.may_use(t))
        .map(|t| view(t, call.version))
        .chain(memory_views(call))
        .collect();
    Ok(json!({ "tools": tools }))
}

/// The memory tools, for a signed-in user of a tenant that keeps notes
/// (an anonymous caller has no notes to keep).
fn memory_views(call: &Call<'_>) -> Vec<Value> {
    match (&call.config.memory, call.caller.user_id()) {
        (Some(memory), Some(_)) => {
            let mut views = memory.definitions().to_vec();
            if call.version < "2025-03-26" {
                views
                    .iter_mut()
                    .for_each(|v| drop(v.as_object_mut().and_then(|v| v.remove("annotations"))));
            }
            views
        }
        _ => Vec::new(),
    }
}

/// The tool as `version` describes tools: annotations arrived in
/// 2025-03-26, output schemas in 2025-06-18.
fn view(tool: &ToolConfig, version: &str) -> Value {
    let mut view = json!({
        "name": tool.name,
        "description": tool.description,
        "inputSchema": tool.input_schema,
    });
    if let Some(title) = &tool.title {
        view["title"] = json!(title);
    }
    if let (Some(annotations), true) = (&tool.annotations, version >= "2025-03-26") {
        view["annotations"] = json!(annotations);
    }
    if let (Some(schema), true) = (&tool.output_schema, version >= "2025-06-18") {
        view["outputSchema"] = json!(schema);
    }
    view
}

#[derive(Deserialize)]
struct CallParams {
    name: String,
    #[serde(default)]
    arguments: Option<Map<String, Value>>,
}

/// Unknown tools and arguments that break the input schema are Invalid
/// params (-32602), with each violation located in `data`.
pub fn call(call: &Call<'_>) -> Result<Value, RpcError> {
    let params: CallParams = call.params()?;
    let name = &params.name;
    let memory = call.config.memory.as_ref();
    if let Some((memory, tool)) = memory.and_then(|m| Some((m, m.tool(name)?))) {
        let arguments = params.arguments.unwrap_or_default();
        check_arguments(
            name,
            &memory.arguments(tool),
            &Value::Object(arguments.clone()),
        )?;
        return Ok(super::memory_tools::call(call, memory, tool, &arguments));
    }
    let tool = call
        .config
        .tool(name)
        .ok_or_else(|| RpcError::invalid_params(format!("Unknown tool: {name}")))?;
    // Over Streamable HTTP this is answered earlier with HTTP 403 and a
    // scope challenge; an HTTP+SSE session can only be told here.
    if !call.caller.may_use(tool) {
        let message = format!(
            "The access token lacks the scopes tool {name} requires: {}",
            tool.scopes.join(" ")
        );
        return Err(RpcError::new(
            crate::mcp::jsonrpc::code::INVALID_REQUEST,
            message,
        ));
    }
    let arguments = Value::Object(params.arguments.unwrap_or_default());
    check_arguments(name, &tool.arguments, &arguments)?;
    if let (Some(http), Value::Object(arguments)) = (&tool.http, &arguments) {
        report(call, &tool.notifications);
        return super::http_tools::call(call, tool, http, arguments);
    }
    let content = if tool.input_rounds.is_empty() {
        tool.content.clone()
    } else {
        match super::rounds::run(call, &format!("tool {name}"), &tool.input_rounds) {
            Ok(Progress::NeedInput(result)) => return Ok(result),
            Ok(Progress::Complete(responses)) => tool
                .content
                .iter()
                .map(|b| render_block(b, &responses))
                .collect(),
            // A tool execution error the model can read, in older eras.
            Err(e) if !crate::mcp::MODERN_VERSIONS.contains(&call.version) => {
                return Ok(
                    json!({ "content": [{ "type": "text", "text": e.message }], "isError": true }),
                );
            }
            Err(e) => return Err(e),
        }
    };
    report(call, &tool.notifications);
    let mut result =
        json!({ "content": wire_content(call.version, &content), "isError": tool.is_error });
    if let Some(structured) = &tool.structured_content {
        // "For backwards compatibility, a tool that returns structured
        // content SHOULD also return the serialized JSON in a TextContent
        // block": the tool's own content, or else the JSON itself.
        if content.is_empty() {
            result["content"] = json!([{ "type": "text", "text": structured.to_string() }]);
        }
        if call.version >= "2025-06-18" {
            result["structuredContent"] = structured.clone();
        }
    }
    Ok(result)
}

/// Arguments that break the tool's input schema are Invalid params, with
/// each violation located in `data`.
fn check_arguments(name: &str, schema: &ArgSchema, arguments: &Value) -> Result<(), RpcError> {
    schema.check(arguments).map_err(|violations| {
        let summary: Vec<String> = violations.iter().map(ToString::to_string).collect();
        RpcError::invalid_params(format!(
            "Invalid arguments for tool {name}: {}",
            summary.join("; ")
        ))
        .with_data(json!({ "violations": violations }))
    })
}

/// The tool's logs (in the legacy eras, and in the modern one at or above
/// the level the request opted in to) and progress (when the client asked
/// for it with a token), in order.
pub(super) fn report(call: &Call<'_>, notifications: &[ToolNotification]) {
    let threshold = if crate::mcp::MODERN_VERSIONS.contains(&call.version) {
        call.log_level()
    } else {
        Some(0)
    };
    for notification in notifications {
        match notification {
            ToolNotification::Log {
                level,
                logger,
                data,
            } if threshold.is_some_and(|t| severity(level).unwrap_or(0) >= t) => {
                let mut params = json!({ "level": level, "data": data });
                if let Some(logger) = logger {
                    params["logger"] = json!(logger);
                }
                call.notify("notifications/message", params);
            }
            ToolNotification::Log { .. } => {}
            ToolNotification::Progress {
                progress,
                total,
                message,
            } => {
                let Some(token) = call.progress_token() else {
                    continue;
                };
                let mut params = json!({ "progressToken": token, "progress": progress });
                if let Some(total) = total {
                    params["total"] = json!(total);
                }
                // Progress messages arrived in 2025-03-26.
                if let (Some(message), true) = (message, call.version >= "2025-03-26") {
                    params["message"] = json!(message);
                }
                call.notify("notifications/progress", params);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mcp::jsonrpc::code;
    use crate::mcp::methods::call_for_test;
    use crate::test_fixtures::{catalog_tenant, tenant};

    const V: &str = "2025-11-25";

    #[test]
    fn lists_and_calls_tools() {
        let config = tenant("acme", 1, &["count"]);
        let list = call_for_test(&config, V, "tools/list", Value::Null).unwrap();
        assert_eq!(list["tools"][0]["name"], "count");
        assert_eq!(list["tools"][0]["inputSchema"]["required"], json!(["city"]));
        let r = call_for_test(
            &config,
            V,
            "tools/call",
            json!({"name": "count", "arguments": {"city": "Oslo"}}),
        )
        .unwrap();
        assert_eq!(
            r,
            json!({"content": [{"type": "text", "text": "acme says hi"}], "isError": false})
        );
    }

    #[test]
    fn carries_every_content_type_and_tool_errors() {
        let config = catalog_tenant();
        let args = json!({"name": "mixed", "arguments": {"city": "Oslo"}});
        let r = call_for_test(&config, V, "tools/call", args.clone()).unwrap();
        let types: Vec<&str> = r["content"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["type"].as_str().unwrap())
            .collect();
        assert_eq!(
            types,
            ["text", "image", "audio", "resource", "resource_link"]
        );
        let old = call_for_test(&config, "2025-03-26", "tools/call", args).unwrap();
        assert_eq!(
            old["content"][4],
            json!({"type": "text", "text": "static: test://static-text"})
        );
        let failing = call_for_test(
            &config,
            V,
            "tools/call",
            json!({"name": "failing", "arguments": {"city": "Oslo"}}),
        )
        .unwrap();
        assert_eq!(failing["isError"], true);
    }

    #[test]
    fn refuses_bad_calls_with_the_spec_errors() {
        let config = tenant("acme", 1, &["count"]);
        let err = |params: Value| call_for_test(&config, V, "tools/call", params).unwrap_err();
        let e = err(json!({"name": "nope"}));
        assert_eq!(
            (e.code, e.message.as_str()),
            (code::INVALID_PARAMS, "Unknown tool: nope")
        );
        let e = err(json!({"name": "count", "arguments": {"city": "O"}}));
        assert!(
            e.message.contains("/city: must be at least 2 characters"),
            "{}",
            e.message
        );
        assert_eq!(e.data.unwrap()["violations"][0]["path"], "/city");
        assert_eq!(err(json!({"name": "count"})).code, code::INVALID_PARAMS);
        assert_eq!(
            err(json!({"name": "count", "arguments": [1]})).code,
            code::INVALID_PARAMS
        );
        assert_eq!(err(json!({})).code, code::INVALID_PARAMS);
        assert_eq!(
            call_for_test(&config, V, "tools/list", json!({"cursor": "x"}))
                .unwrap_err()
                .code,
            code::INVALID_PARAMS
        );
        assert_eq!(
            call_for_test(&config, V, "no/such", Value::Null)
                .unwrap_err()
                .code,
            code::METHOD_NOT_FOUND
        );
    }
}
