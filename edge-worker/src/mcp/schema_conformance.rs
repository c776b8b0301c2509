//! Every message the edge sends, checked against the official MCP JSON
//! schema of the revision the exchange negotiated
//! (vendored in `tests/mcp-schema/<revision>.json`).

use std::path::PathBuf;

use portcullis_tenant_config::TenantConfig;
use serde_json::{Value, json};

use super::transport::handle;
use super::{MODERN_VERSIONS, SUPPORTED_VERSIONS};
use crate::auth::Caller;
use crate::http::HttpResponse;

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
    crate::test_fixtures::catalog_tenant()
}

/// POSTs `message` to `/mcp` with `headers` and returns the JSON reply.
fn send(headers: &[(&str, &str)], message: Value) -> Value {
    let mut all = vec![
        ("content-type", "application/json"),
        ("accept", "application/json, text/event-stream"),
    ];
    all.extend_from_slice(headers);
    let request = crate::test_fixtures::post("/mcp", &all, message.to_string().into_bytes());
    let response = handle(&config(), &Caller::Anonymous, &request, &[0; 32]).into_reply();
    serde_json::from_slice(&response.body).expect("a JSON reply")
}

/// Sends one message as a client of `revision` and returns the JSON reply.
fn exchange(revision: &str, message: Value) -> Value {
    send(&[("mcp-protocol-version", revision)], message)
}

/// One request of every method both eras serve, with the schema
/// definition its result must satisfy.
fn method_calls() -> Vec<(&'static str, Value, &'static str)> {
    vec![
        ("tools/list", json!({}), "ListToolsResult"),
        (
            "tools/call",
            json!({"name": "mixed", "arguments": {"city": "Oslo"}}),
            "CallToolResult",
        ),
        (
            "tools/call",
            json!({"name": "failing", "arguments": {"city": "Oslo"}}),
            "CallToolResult",
        ),
        (
            "tools/call",
            json!({"name": "structured", "arguments": {"city": "Oslo"}}),
            "CallToolResult",
        ),
        ("prompts/list", json!({}), "ListPromptsResult"),
        (
            "prompts/get",
            json!({"name": "greet", "arguments": {"who": "Ada"}}),
            "GetPromptResult",
        ),
        ("resources/list", json!({}), "ListResourcesResult"),
        (
            "resources/templates/list",
            json!({}),
            "ListResourceTemplatesResult",
        ),
        (
            "resources/read",
            json!({"uri": "test://static-text"}),
            "ReadResourceResult",
        ),
        (
            "resources/read",
            json!({"uri": "test://static-binary"}),
            "ReadResourceResult",
        ),
        (
            "resources/read",
            json!({"uri": "test://template/9/data"}),
            "ReadResourceResult",
        ),
        (
            "completion/complete",
            json!({"ref": {"type": "ref/prompt", "name": "greet"}, "argument": {"name": "who", "value": "pa"}}),
            "CompleteResult",
        ),
    ]
}

/// Sends one request as a stateless 2026-07-28 client would: `_meta` in
/// the params, method and name mirrored in headers.
fn modern_exchange(revision: &str, id: usize, method: &str, params: &Value) -> Value {
    let mut params = params.clone();
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": revision,
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "1"},
    });
    let name = params
        .get("name")
        .or_else(|| params.get("uri"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let mut headers = vec![("mcp-protocol-version", revision), ("mcp-method", method)];
    if let Some(name) = &name {
        headers.push(("mcp-name", name));
    }
    send(
        &headers,
        json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}),
    )
}

#[test]
fn modern_replies_validate_against_their_revision() {
    let mut calls = method_calls();
    calls.push(("server/discover", json!({}), "DiscoverResult"));
    for revision in MODERN_VERSIONS {
        for (id, (method, params, definition)) in calls.iter().enumerate() {
            let reply = modern_exchange(revision, id, method, params);
            assert!(
                reply.get("result").is_some(),
                "{revision} {method}: {reply}"
            );
            assert_valid(revision, "JSONRPCResultResponse", &reply);
            assert_valid(revision, definition, &reply["result"]);
        }
        for (method, params) in [
            ("tools/call", json!({"name": "nope"})),
            ("resources/read", json!({"uri": "test://missing"})),
            ("ping", json!({})),
        ] {
            let reply = modern_exchange(revision, 99, method, &params);
            assert_valid(revision, "JSONRPCErrorResponse", &reply);
        }
        let unsupported = modern_exchange("2099-01-01", 98, "tools/list", &json!({}));
        assert_valid(revision, "UnsupportedProtocolVersionError", &unsupported);
    }
}

#[test]
fn replies_validate_against_each_negotiated_revision() {
    let mut calls = method_calls();
    calls.push(("ping", json!({}), "EmptyResult"));
    calls.push(("logging/setLevel", json!({"level": "info"}), "EmptyResult"));
    let failing_calls = [
        json!({"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"name": "mixed", "arguments": {}}}),
        json!({"jsonrpc": "2.0", "id": 5, "method": "no/such"}),
        json!({"jsonrpc": "2.0", "id": 6, "method": "tools/call", "params": {"name": "nope"}}),
        json!({"jsonrpc": "2.0", "id": 7, "method": "resources/read", "params": {"uri": "test://missing"}}),
        json!({"jsonrpc": "2.0", "id": 8, "method": "prompts/get", "params": {"name": "greet"}}),
    ];
    for revision in SUPPORTED_VERSIONS {
        let (result_def, error_def) = if *revision >= "2025-11-25" {
            ("JSONRPCResultResponse", "JSONRPCErrorResponse")
        } else {
            ("JSONRPCResponse", "JSONRPCError")
        };
        let init = exchange(
            revision,
            json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                "protocolVersion": revision, "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}),
        );
        assert_eq!(init["result"]["protocolVersion"], *revision);
        assert_valid(revision, result_def, &init);
        assert_valid(revision, "InitializeResult", &init["result"]);

        for (id, (method, params, definition)) in calls.iter().enumerate() {
            let reply = exchange(
                revision,
                json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}),
            );
            assert!(
                reply.get("result").is_some(),
                "{revision} {method}: {reply}"
            );
            assert_valid(revision, result_def, &reply);
            assert_valid(revision, definition, &reply["result"]);
        }
        for bad in &failing_calls {
            let reply = exchange(revision, bad.clone());
            assert!(reply.get("error").is_some(), "{revision}: {reply}");
            assert_valid(revision, error_def, &reply);
        }
    }
}

#[test]
fn notifications_validate_against_their_revision() {
    use crate::mcp::subscriptions::{ListChanges, StreamKind, listen, render};
    let all = ListChanges {
        tools: true,
        prompts: true,
        resources: true,
    };
    let frames = |events: &str| -> Vec<Value> {
        events
            .lines()
            .filter_map(|l| l.strip_prefix("data: "))
            .map(|d| serde_json::from_str(d).expect("JSON"))
            .collect()
    };
    let params = json!({"notifications": {"toolsListChanged": true, "promptsListChanged": true, "resourcesListChanged": true}});
    let super::effect::Effect::OpenTenantStream {
        first_event,
        stream,
        ..
    } = listen(
        &config(),
        "user:u".into(),
        json!(5),
        params.as_object().expect("object"),
    )
    else {
        panic!("opens a stream")
    };
    for revision in MODERN_VERSIONS {
        assert_valid(
            revision,
            "SubscriptionsAcknowledgedNotification",
            &frames(&first_event)[0],
        );
        let notes = frames(&render(&stream, all));
        assert_eq!(notes.len(), 3);
        for (note, definition) in notes.iter().zip([
            "ToolListChangedNotification",
            "PromptListChangedNotification",
            "ResourceListChangedNotification",
        ]) {
            assert_valid(revision, definition, note);
        }
    }
    for revision in SUPPORTED_VERSIONS {
        let note = &frames(&render(&StreamKind::Legacy, all))[0];
        assert_valid(revision, "ToolListChangedNotification", note);
    }
}

#[test]
fn tool_logs_and_progress_stream_before_the_result_in_each_era() {
    use portcullis_tenant_config::notifications::ToolNotification;
    let mut config = config();
    config.tools[0].notifications = serde_json::from_value::<Vec<ToolNotification>>(json!([
        {"log": {"level": "info", "data": "Tool execution started", "logger": "acme"}},
        {"progress": {"progress": 0, "total": 100, "message": "starting"}},
        {"progress": {"progress": 100, "total": 100}},
        {"log": {"level": "error", "data": {"done": true}}}
    ]))
    .expect("notifications");
    let tool = config.tools[0].name.clone();
    let frames = |body: &[u8]| -> Vec<Value> {
        String::from_utf8_lossy(body)
            .lines()
            .filter_map(|l| l.strip_prefix("data: "))
            .map(|d| serde_json::from_str(d).expect("JSON"))
            .collect()
    };
    let call_at = |revision: &str, accept: &str, token: bool, log_level: Option<&str>| {
        let mut params = json!({"name": tool, "arguments": {"city": "Oslo"}});
        if token {
            params["_meta"] = json!({"progressToken": "p-1"});
        }
        if MODERN_VERSIONS.contains(&revision) {
            params["_meta"]["io.modelcontextprotocol/protocolVersion"] = json!(revision);
            params["_meta"]["io.modelcontextprotocol/clientInfo"] =
                json!({"name": "t", "version": "1"});
            params["_meta"]["io.modelcontextprotocol/clientCapabilities"] = json!({});
            if let Some(level) = log_level {
                params["_meta"]["io.modelcontextprotocol/logLevel"] = json!(level);
            }
        }
        let message = json!({"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": params});
        let headers = [
            ("content-type", "application/json"),
            ("accept", accept),
            ("mcp-protocol-version", revision),
            ("mcp-method", "tools/call"),
            ("mcp-name", tool.as_str()),
        ];
        let request =
            crate::test_fixtures::post("/mcp", &headers, message.to_string().into_bytes());
        handle(&config, &Caller::Anonymous, &request, &[0; 32]).into_reply()
    };
    let call = |revision: &str, accept: &str, token: bool| call_at(revision, accept, token, None);
    // The modern era logs only when the request opts in, from its level up.
    for modern in MODERN_VERSIONS {
        for (level, logs) in [("debug", 2), ("warning", 1), ("emergency", 0)] {
            let reply = call_at(
                modern,
                "application/json, text/event-stream",
                false,
                Some(level),
            );
            let messages = frames(&reply.body);
            let sent: Vec<&Value> = messages
                .iter()
                .filter(|m| m["method"] == "notifications/message")
                .collect();
            assert_eq!(sent.len(), logs, "{modern} at {level}");
            for message in sent {
                assert_valid(modern, "LoggingMessageNotification", message);
            }
        }
    }
    for revision in SUPPORTED_VERSIONS.iter().chain(MODERN_VERSIONS) {
        let reply = call(revision, "application/json, text/event-stream", true);
        assert_eq!(
            reply.header("content-type"),
            Some("text/event-stream"),
            "{revision}"
        );
        let messages = frames(&reply.body);
        let methods: Vec<&str> = messages
            .iter()
            .filter_map(|m| m["method"].as_str())
            .collect();
        let logs = if MODERN_VERSIONS.contains(revision) {
            0
        } else {
            2
        };
        assert_eq!(
            methods
                .iter()
                .filter(|m| **m == "notifications/message")
                .count(),
            logs,
            "{revision}"
        );
        assert_eq!(
            methods
                .iter()
                .filter(|m| **m == "notifications/progress")
                .count(),
            2,
            "{revision}"
        );
        for message in &messages[..messages.len() - 1] {
            let definition = match message["method"].as_str() {
                Some("notifications/message") => "LoggingMessageNotification",
                _ => "ProgressNotification",
            };
            assert_valid(revision, definition, message);
            assert!(
                message["params"]
                    .get("progressToken")
                    .is_none_or(|t| t == "p-1")
            );
        }
        let last = messages.last().expect("the response comes last");
        assert_eq!(last["id"], 9, "{revision}");
        assert_valid(revision, "CallToolResult", &last["result"]);
        // Without a token, no progress; without SSE in Accept, just the JSON.
        let quiet = frames(&call(revision, "application/json, text/event-stream", false).body);
        assert!(
            quiet
                .iter()
                .all(|m| m["method"] != "notifications/progress"),
            "{revision}"
        );
        let json_only = call(revision, "application/json", true);
        assert_eq!(
            json_only.header("content-type"),
            Some("application/json"),
            "{revision}"
        );
    }
}

#[test]
fn tools_ask_for_input_in_rounds_with_a_sealed_request_state() {
    let mut config = config();
    let tool = config.tools[0].name.clone();
    config.tools[0].content = vec![portcullis_tenant_config::ContentBlock::Text {
        text: "Hello {{who.content.name}}, you like {{colour.content.colour}}".into(),
    }];
    config.tools[0].input_rounds = serde_json::from_value(json!([
        {"who": {"method": "elicitation/create", "params": {"message": "Name?", "requestedSchema": {"type": "object", "properties": {"name": {"type": "string"}}}}},
         "roots": {"method": "roots/list"}},
        {"colour": {"method": "elicitation/create", "params": {"message": "Colour?", "requestedSchema": {"type": "object"}}}}
    ]))
    .expect("rounds");
    let revision = MODERN_VERSIONS[0];
    let call = |extra: Value, capabilities: Value| -> Value {
        let reply = call_first_tool(&config, extra, capabilities);
        serde_json::from_slice(&reply.body).expect("JSON")
    };
    let all = json!({"elicitation": {}, "roots": {}});
    let first = call(json!({}), all.clone());
    assert_valid(revision, "InputRequiredResult", &first["result"]);
    let asked: Vec<&String> = first["result"]["inputRequests"]
        .as_object()
        .expect("requests")
        .keys()
        .collect();
    assert_eq!(asked, ["roots", "who"]);
    let state = first["result"]["requestState"].clone();

    // Answers for this round (plus one nobody asked for) move to the next.
    let answers = json!({"who": {"action": "accept", "content": {"name": "Ann"}}, "roots": {"roots": []}, "extra": 1});
    let second = call(
        json!({"inputResponses": answers, "requestState": state}),
        all.clone(),
    );
    assert_eq!(second["result"]["resultType"], "input_required");
    assert!(
        second["result"]["inputRequests"].get("colour").is_some(),
        "{second}"
    );
    let state2 = second["result"]["requestState"].clone();
    let done = call(
        json!({"inputResponses": {"colour": {"action": "accept", "content": {"colour": "teal"}}}, "requestState": state2}),
        all.clone(),
    );
    assert_valid(revision, "CallToolResult", &done["result"]);
    assert_eq!(done["result"]["resultType"], "complete");
    assert_eq!(
        done["result"]["content"][0]["text"],
        "Hello Ann, you like teal"
    );

    // A partial answer asks again for what is missing.
    let partial = call(
        json!({"inputResponses": {"roots": {"roots": []}}}),
        all.clone(),
    );
    let asked: Vec<&String> = partial["result"]["inputRequests"]
        .as_object()
        .expect("requests")
        .keys()
        .collect();
    assert_eq!(asked, ["who"]);

    // Only what the client can answer is asked.
    let no_roots = call(json!({}), json!({"elicitation": {}}));
    assert!(
        no_roots["result"]["inputRequests"].get("roots").is_none(),
        "{no_roots}"
    );

    // An answer that is not a result of what was asked is refused.
    let garbage = call(json!({"inputResponses": {"who": "Ann"}}), all.clone());
    assert_eq!(garbage["error"]["code"], -32602, "{garbage}");

    // A tampered or foreign state is refused.
    let mut forged = state2.as_str().expect("string").to_owned();
    forged.insert(3, 'x');
    let refused = call(json!({"requestState": forged}), all.clone());
    assert_eq!(refused["error"]["code"], -32602, "{refused}");

    // Older eras cannot be asked; the tool says so instead of answering wrongly.
    let message = json!({"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"name": tool, "arguments": {"city": "Oslo"}}});
    let headers = [
        ("content-type", "application/json"),
        ("accept", "application/json"),
        ("mcp-protocol-version", "2025-11-25"),
    ];
    let request = crate::test_fixtures::post("/mcp", &headers, message.to_string().into_bytes());
    let legacy: Value = serde_json::from_slice(
        &handle(&config, &Caller::Anonymous, &request, &[4; 32])
            .into_reply()
            .body,
    )
    .expect("JSON");
    assert_eq!(legacy["result"]["isError"], true, "{legacy}");
}

/// A modern-era `tools/call` of `config`'s first tool (arguments for the
/// fixture's schema), with `extra` params, from a client declaring
/// `capabilities`.
fn call_first_tool(config: &TenantConfig, extra: Value, capabilities: Value) -> HttpResponse {
    let revision = MODERN_VERSIONS[0];
    let tool = config.tools[0].name.as_str();
    let mut params = json!({"name": tool, "arguments": {"city": "Oslo"}, "_meta": {
        "io.modelcontextprotocol/protocolVersion": revision,
        "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": capabilities}});
    for (k, v) in extra.as_object().expect("object") {
        params[k] = v.clone();
    }
    let message = json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": params});
    let headers = [
        ("content-type", "application/json"),
        ("accept", "application/json"),
        ("mcp-protocol-version", revision),
        ("mcp-method", "tools/call"),
        ("mcp-name", tool),
    ];
    let request = crate::test_fixtures::post("/mcp", &headers, message.to_string().into_bytes());
    handle(config, &Caller::Anonymous, &request, &[4; 32]).into_reply()
}

#[test]
fn a_required_input_the_client_cannot_give_refuses_the_call() {
    let mut config = config();
    config.tools[0].input_rounds = serde_json::from_value(json!([
        {"poem": {"method": "sampling/createMessage", "required": true,
                  "params": {"messages": [], "maxTokens": 9}}}
    ]))
    .expect("rounds");
    let refused = call_first_tool(&config, json!({}), json!({"elicitation": {}}));
    assert_eq!(refused.status, 400);
    let body: Value = serde_json::from_slice(&refused.body).expect("JSON");
    assert_valid(
        MODERN_VERSIONS[0],
        "MissingRequiredClientCapabilityError",
        &body,
    );
    assert_eq!(
        body["error"]["data"]["requiredCapabilities"],
        json!({"sampling": {}})
    );
    let asked = call_first_tool(&config, json!({}), json!({"sampling": {}}));
    let body: Value = serde_json::from_slice(&asked.body).expect("JSON");
    assert_eq!(
        (asked.status, &body["result"]["resultType"]),
        (200, &json!("input_required"))
    );
}

#[test]
fn structured_results_and_annotations_appear_from_the_revisions_that_have_them() {
    for revision in SUPPORTED_VERSIONS {
        let listed = exchange(
            revision,
            json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}),
        );
        let tool = listed["result"]["tools"]
            .as_array()
            .expect("tools")
            .iter()
            .find(|t| t["name"] == "structured")
            .expect("listed")
            .clone();
        assert_eq!(
            tool["annotations"].is_object(),
            *revision >= "2025-03-26",
            "{revision}"
        );
        assert_eq!(
            tool["outputSchema"].is_object(),
            *revision >= "2025-06-18",
            "{revision}"
        );
        let called = exchange(
            revision,
            json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                   "params": {"name": "structured", "arguments": {"city": "Oslo"}}}),
        );
        let result = &called["result"];
        assert_eq!(
            result.get("structuredContent").is_some(),
            *revision >= "2025-06-18",
            "{revision}: {called}"
        );
        // Every revision gets the result as JSON text too.
        let text = result["content"][0]["text"].as_str().expect("text");
        let parsed: Value = serde_json::from_str(text).expect("JSON text");
        assert_eq!(parsed["temperature"], 21.5);
    }
}
