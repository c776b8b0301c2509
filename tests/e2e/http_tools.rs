//! HTTP tools against a real backend (Python's standard library, recording
//! what it receives), called by the official SDK clients in every era the
//! edge speaks (Streamable HTTP with sessions, stateless 2026-07-28, the
//! deprecated HTTP+SSE): arguments land where the binding says and nowhere
//! else,
//! and whatever the backend does becomes a tool result, never a protocol
//! error or a hang.

use portcullis_e2e::clients::{Sdk, sdk_client_of};
use portcullis_e2e::free_port;
use portcullis_e2e::stack::Stack;
use portcullis_e2e::tool_backend::ToolBackend;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn http_tool(name: &str, schema: Value, http: Value) -> Value {
    json!({"name": name, "description": format!("{name} through the backend"),
        "inputSchema": schema, "http": http})
}

fn strings(names: &[&str]) -> Value {
    let properties: serde_json::Map<String, Value> = names
        .iter()
        .map(|n| ((*n).to_owned(), json!({"type": "string"})))
        .collect();
    json!({"type": "object", "properties": properties})
}

#[tokio::test(flavor = "multi_thread")]
async fn http_tools_reach_the_backend_as_bound_and_report_what_it_did() {
    let backend = ToolBackend::start().await;
    let base = &backend.base;
    let api = Stack::without_edge("e2e_http_tools").await;
    let edge = api.start_edge().await;
    api.create("/tenants", Some(json!({"slug": "acme"}))).await;

    let mut weather = http_tool(
        "weather",
        json!({"type": "object", "properties": {"city": {"type": "string"}, "units": {"type": "string"},
            "trace": {"type": "string"}}, "required": ["city"]}),
        json!({"method": "GET", "url": format!("{base}/weather/{{city}}{{?units}}"),
            "headers": {"trace": "X-Trace"}}),
    );
    weather["outputSchema"] = json!({"type": "object",
        "properties": {"temperature": {"type": "number"}}, "required": ["temperature"]});
    let refused_port = free_port();
    for tool in [
        weather,
        http_tool(
            "order",
            strings(&["item", "note"]),
            json!({"method": "POST", "url": format!("{base}/orders")}),
        ),
        http_tool(
            "echo",
            strings(&["id", "trace"]),
            json!({"method": "GET", "url": format!("{base}/echo/{{id}}"),
                "headers": {"trace": "X-Trace"}}),
        ),
        http_tool(
            "failing",
            strings(&[]),
            json!({"method": "GET", "url": format!("{base}/fail")}),
        ),
        http_tool(
            "slow",
            strings(&[]),
            json!({"method": "GET", "url": format!("{base}/slow"), "timeoutMs": 500}),
        ),
        http_tool(
            "big",
            strings(&[]),
            json!({"method": "GET", "url": format!("{base}/big"), "maxResponseBytes": 1000}),
        ),
        http_tool(
            "refused",
            strings(&[]),
            json!({"method": "GET", "url": format!("http://127.0.0.1:{refused_port}/nothing")}),
        ),
    ] {
        api.create("/tenants/acme/tools", Some(tool)).await;
    }
    let (status, body) = api.call(Method::POST, "/tenants/acme/publish", None).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let plan = json!([
        {"op": "callTool", "name": "weather", "arguments": {"city": "São Paulo", "units": "metric", "trace": "abc-123"}},
        {"op": "callTool", "name": "order", "arguments": {"item": "tea", "note": "no sugar"}},
        {"op": "callTool", "name": "echo", "arguments": {"id": "../../_log?x=1#y"}},
        {"op": "callTool", "name": "echo", "arguments": {"id": "1", "trace": "a\r\nX-Admin: 1"}},
        {"op": "callTool", "name": "failing", "arguments": {}},
        {"op": "callTool", "name": "slow", "arguments": {}},
        {"op": "callTool", "name": "big", "arguments": {}},
        {"op": "callTool", "name": "refused", "arguments": {}}
    ]);
    let mcp = edge.mcp_url("acme");
    let sse = mcp.replace("/mcp", "/sse");
    for (sdk, url) in [(Sdk::V1, &mcp), (Sdk::V2, &mcp), (Sdk::V1Sse, &sse)] {
        let seen = sdk_client_of(sdk, url, plan.clone()).await;
        assert!(seen.get("connectError").is_none(), "{sdk:?}: {seen}");
        let result = |i: usize| {
            let r = &seen["results"][i];
            assert_eq!(
                r["ok"], true,
                "{sdk:?}: a tool result, not a protocol error: {r}"
            );
            r["value"].clone()
        };
        let text = |i: usize| {
            result(i)["content"][0]["text"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        };
        let weather = result(0);
        assert_eq!(weather["isError"], false, "{sdk:?}: {weather}");
        if sdk != Sdk::V1Sse {
            assert_eq!(
                weather["structuredContent"]["temperature"], 21.5,
                "{sdk:?}: {weather}"
            );
        }
        assert!(text(0).contains("Paulo"), "{sdk:?}: {weather}");
        assert!(
            text(1).contains("no sugar"),
            "{sdk:?}: the JSON body came back"
        );
        assert_eq!(result(2)["isError"], false, "{sdk:?}");
        let refused_header = result(3);
        assert_eq!(refused_header["isError"], true, "{sdk:?}: {refused_header}");
        assert!(text(3).contains("header"), "{sdk:?}: {refused_header}");
        for (i, words) in [
            (4, "The backend answered 500: database on fire"),
            (5, "did not answer within 500 ms"),
            (6, "longer than 1000 bytes"),
            (7, "could not be reached"),
        ] {
            assert_eq!(result(i)["isError"], true, "{sdk:?} {i}");
            assert!(text(i).contains(words), "{sdk:?} {i}: {}", text(i));
        }
    }

    // What the backend received, once per client era.
    let received = backend.received().await;
    let weather: Vec<&Value> = received
        .iter()
        .filter(|r| {
            r["path"]
                .as_str()
                .unwrap_or_default()
                .starts_with("/weather/")
        })
        .collect();
    assert_eq!(
        weather.len(),
        3,
        "one call per era, none twice: {received:?}"
    );
    for call in &weather {
        assert_eq!(call["method"], "GET");
        assert_eq!(call["path"], "/weather/S%C3%A3o%20Paulo");
        assert_eq!(call["query"], "units=metric");
        assert_eq!(call["headers"]["x-trace"], "abc-123");
        assert!(
            call["headers"].get("authorization").is_none(),
            "no token passthrough: {call}"
        );
    }
    let orders: Vec<&Value> = received.iter().filter(|r| r["path"] == "/orders").collect();
    assert_eq!(orders.len(), 3);
    assert_eq!(orders[0]["method"], "POST");
    assert_eq!(orders[0]["headers"]["content-type"], "application/json");
    let body: Value = serde_json::from_str(orders[0]["body"].as_str().unwrap()).unwrap();
    assert_eq!(body, json!({"item": "tea", "note": "no sugar"}));
    let echoes: Vec<&Value> = received
        .iter()
        .filter(|r| r["path"].as_str().unwrap_or_default().starts_with("/echo/"))
        .collect();
    assert_eq!(
        echoes.len(),
        3,
        "the call with a hostile header was never sent: {echoes:?}"
    );
    for echo in echoes {
        assert_eq!(echo["path"], "/echo/..%2F..%2F_log%3Fx%3D1%23y", "{echo}");
        assert_eq!(echo["query"], "");
        assert!(echo["headers"].get("x-admin").is_none(), "{echo}");
    }
    assert!(
        !received.iter().any(|r| r["path"] == "/_log"),
        "no argument reached another path"
    );

    // Usage counts each call with what its backend did.
    let backend_of = |usage: &Value, tool: &str| {
        let tools = usage["tools"].as_array().cloned().unwrap_or_default();
        let found = tools.into_iter().find(|t| t["tool"] == tool);
        found.map(|t| t["backend"].clone()).unwrap_or_default()
    };
    let mut usage = Value::Null;
    for _ in 0..40 {
        usage = api
            .call(Method::GET, "/tenants/acme/usage?hours=1", None)
            .await
            .1;
        if backend_of(&usage, "refused") == json!({"unreachable": 3}) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    for (tool, statuses) in [
        ("weather", json!({"200": 3})),
        ("failing", json!({"500": 3})),
        ("slow", json!({"timeout": 3})),
        ("big", json!({"too_large": 3})),
        ("refused", json!({"unreachable": 3})),
    ] {
        assert_eq!(backend_of(&usage, tool), statuses, "{tool}: {usage}");
    }

    // "Try it" from the control plane takes the same road.
    let (status, tried) = api
        .call(
            Method::POST,
            "/tenants/acme/tools/weather/try",
            Some(json!({"arguments": {"city": "Oslo"}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{tried}");
    assert_eq!(
        tried["result"]["structuredContent"]["city"], "Oslo",
        "{tried}"
    );
    // With what went to the backend, header values hidden.
    let sent = &tried["request"];
    assert_eq!(sent["method"], "GET", "{tried}");
    assert_eq!(sent["url"], format!("{base}/weather/Oslo"), "{tried}");
    assert_eq!(sent["answer"]["status"], 200, "{tried}");
    let (_, tried) = api
        .call(
            Method::POST,
            "/tenants/acme/tools/echo/try",
            Some(json!({"arguments": {"id": "1", "trace": "typed-trace"}})),
        )
        .await;
    assert_eq!(
        tried["request"]["headers"]["x-trace"], "[redacted]",
        "{tried}"
    );
    assert!(
        !tried["request"].to_string().contains("typed-trace"),
        "{tried}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_binding_that_could_be_steered_is_refused_before_it_is_saved() {
    let api = Stack::without_edge("e2e_http_tool_bindings").await;
    api.create("/tenants", Some(json!({"slug": "acme"}))).await;
    for (http, field) in [
        (
            json!({"method": "GET", "url": "https://{id}.acme.test/x"}),
            "http.url",
        ),
        (
            json!({"method": "GET", "url": "https://169.254.169.254/latest/meta-data/{id}"}),
            "http.url",
        ),
        (
            json!({"method": "GET", "url": "https://10.1.2.3/{id}"}),
            "http.url",
        ),
        (
            json!({"method": "GET", "url": "https://api.acme.test/{+id}"}),
            "http.url",
        ),
        (
            json!({"method": "GET", "url": "http://api.acme.test/{id}"}),
            "http.url",
        ),
        (
            json!({"method": "GET", "url": "https://api.acme.test/{nope}"}),
            "http.url",
        ),
        (
            json!({"method": "GET", "url": "https://api.acme.test/x", "headers": {"id": "Host"}}),
            "http.headers",
        ),
        (
            json!({"method": "GET", "url": "https://api.acme.test/x", "timeoutMs": 60000}),
            "http.timeoutMs",
        ),
    ] {
        let (status, body) = api
            .call(
                Method::POST,
                "/tenants/acme/tools",
                Some(http_tool("t", strings(&["id"]), http.clone())),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{http}: {body}");
        assert_eq!(body["error"]["field"], field, "{http}: {body}");
    }
    let mut fixed = http_tool(
        "t",
        strings(&["id"]),
        json!({"method": "GET", "url": "https://api.acme.test/{id}"}),
    );
    fixed["content"] = json!([{"type": "text", "text": "fixed"}]);
    let (status, body) = api
        .call(Method::POST, "/tenants/acme/tools", Some(fixed))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "content");
    let (_, tools) = api.call(Method::GET, "/tenants/acme/tools", None).await;
    assert_eq!(tools["items"], json!([]), "nothing half-saved");
}

#[tokio::test(flavor = "multi_thread")]
async fn tenant_secrets_reach_the_backend_and_nothing_else() {
    let backend = ToolBackend::start().await;
    let base = &backend.base;
    let api = Stack::without_edge("e2e_tool_secrets").await;
    let edge = api.start_edge().await;
    api.create("/tenants", Some(json!({"slug": "acme"}))).await;
    let secrets = ["key-s3cret-one", "bearer-s3cret-two", "basic-s3cret-three"];
    for (name, credential) in [
        (
            "keyed",
            json!({"scheme": "header", "header": "X-Api-Key", "secret": secrets[0]}),
        ),
        ("bearer", json!({"scheme": "bearer", "secret": secrets[1]})),
        (
            "basic",
            json!({"scheme": "basic", "username": "svc", "secret": secrets[2]}),
        ),
    ] {
        let http = json!({"method": "GET", "url": format!("{base}/echo/{name}"),
            "credential": credential});
        api.create(
            "/tenants/acme/tools",
            Some(http_tool(name, strings(&[]), http)),
        )
        .await;
    }
    let (status, body) = api.call(Method::POST, "/tenants/acme/publish", None).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let plan: Vec<Value> = ["keyed", "bearer", "basic"]
        .iter()
        .map(|name| json!({"op": "callTool", "name": name, "arguments": {}}))
        .collect();
    let seen = sdk_client_of(Sdk::V2, &edge.mcp_url("acme"), json!(plan)).await;
    for i in 0..3 {
        assert_eq!(seen["results"][i]["value"]["isError"], false, "{seen}");
    }
    let received = backend.received().await;
    let headers = |path: &str| {
        let call = received.iter().find(|r| r["path"] == path);
        call.unwrap_or_else(|| panic!("{path} reached: {received:?}"))["headers"].clone()
    };
    assert_eq!(headers("/echo/keyed")["x-api-key"], secrets[0]);
    assert!(headers("/echo/keyed").get("authorization").is_none());
    assert_eq!(
        headers("/echo/bearer")["authorization"],
        format!("Bearer {}", secrets[1])
    );
    let basic =
        portcullis_tenant_config::encoding::encode_base64(format!("svc:{}", secrets[2]).as_bytes());
    assert_eq!(
        headers("/echo/basic")["authorization"],
        format!("Basic {basic}")
    );

    // Nowhere else: not in the tools' answers, the published config, the
    // client's view of the tools or the edge's log.
    let (_, tools) = api.call(Method::GET, "/tenants/acme/tools", None).await;
    let (_, version) = api
        .call(Method::GET, "/tenants/acme/versions/1", None)
        .await;
    let listed = sdk_client_of(Sdk::V2, &edge.mcp_url("acme"), json!([{"op": "listTools"}])).await;
    assert_eq!(
        tools["items"][0]["http"]["credential"]["saved"], true,
        "{tools}"
    );
    for (what, text) in [
        ("tools", tools.to_string()),
        ("version", version.to_string()),
        ("tools/list", listed.to_string()),
        ("edge log", edge.log()),
    ] {
        for secret in secrets {
            assert!(!text.contains(secret), "{secret} in the {what}: {text}");
        }
    }
    assert!(!edge.log().contains(&basic), "the encoded basic credential");
}
