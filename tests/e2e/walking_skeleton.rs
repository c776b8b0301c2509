//! Two tenants created and published through the API; a real MCP client
//! lists and calls one tenant's tool and cannot see the other's.

use ed25519_dalek::SigningKey;
use portcullis_e2e::clients::{Sdk, sdk_client, sdk_client_of};
use portcullis_e2e::edge::Edge;
use portcullis_e2e::stack::{SIGNING_SEED, Stack};
use portcullis_tenant_config::{SignedConfig, TenantConfig};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn tool_names(list_result: &Value) -> Vec<String> {
    list_result["value"]["tools"]
        .as_array()
        .unwrap_or_else(|| panic!("a tool list: {list_result}"))
        .iter()
        .map(|t| t["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_real_mcp_client_calls_a_published_tool() {
    let key = SigningKey::from_bytes(&SIGNING_SEED);
    let api = Stack::without_edge("e2e_skeleton").await;

    // Two tenants, each with its own tool.
    for (slug, name) in [("acme", "Acme Corp"), ("globex", "Globex")] {
        let (status, body) = api
            .call(
                Method::POST,
                "/tenants",
                Some(json!({"slug": slug, "displayName": name})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let weather = json!({
        "name": "get_weather",
        "title": "Weather",
        "description": "Current weather for a city",
        "inputSchema": {
            "type": "object",
            "properties": {"city": {"type": "string", "minLength": 2}, "days": {"type": "integer", "maximum": 7}},
            "required": ["city"]
        },
        "content": [{"type": "text", "text": "Sunny, 21°C"}]
    });
    assert_eq!(
        api.call(Method::POST, "/tenants/acme/tools", Some(weather))
            .await
            .0,
        StatusCode::CREATED
    );
    let globex_tool = json!({
        "name": "globex_only", "description": "Globex's own", "inputSchema": {"type": "object"},
        "content": [{"type": "text", "text": "globex"}]
    });
    assert_eq!(
        api.call(Method::POST, "/tenants/globex/tools", Some(globex_tool))
            .await
            .0,
        StatusCode::CREATED
    );

    // Publishing while the edge is down: recorded as failed, with the reason.
    let (status, body) = api.call(Method::POST, "/tenants/acme/publish", None).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert_eq!(body["deployment"]["status"], "failed");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("unreachable"),
        "{body}"
    );

    // Edge up: publishing again succeeds, with the next version.
    let edge = api.start_edge().await;
    let (status, body) = api.call(Method::POST, "/tenants/acme/publish", None).await;
    assert_eq!(
        (status, body["version"].clone(), body["status"].clone()),
        (StatusCode::CREATED, json!(2), json!("accepted")),
        "{body}"
    );
    let (status, body) = api
        .call(Method::POST, "/tenants/globex/publish", None)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (_, acme) = api.call(Method::GET, "/tenants/acme", None).await;
    assert_eq!(acme["liveVersion"], 2);
    let (_, history) = api
        .call(Method::GET, "/tenants/acme/deployments", None)
        .await;
    let statuses: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["status"].as_str().unwrap())
        .collect();
    // Version 1 stays failed unless the background retry landed it before
    // version 2 was published (tests/e2e/publish_retries.rs).
    assert_eq!(statuses[0], "accepted");
    assert!(["failed", "accepted"].contains(&statuses[1]), "{history}");

    // The official SDK client against acme.
    let seen = sdk_client(
        &edge.mcp_url("acme"),
        json!([
            {"op": "listTools"},
            {"op": "callTool", "name": "get_weather", "arguments": {"city": "Oslo"}},
            {"op": "callTool", "name": "get_weather", "arguments": {"city": "O", "days": 30}},
            {"op": "callTool", "name": "globex_only", "arguments": {}},
            {"op": "ping"}
        ]),
    )
    .await;
    assert!(seen.get("connectError").is_none(), "{seen}");
    assert_eq!(seen["protocolVersion"], "2025-11-25", "{seen}");
    assert_eq!(seen["serverVersion"]["name"], "acme");
    let results = &seen["results"];
    assert_eq!(tool_names(&results[0]), ["get_weather"]);
    assert_eq!(
        results[0]["value"]["tools"][0]["inputSchema"]["required"],
        json!(["city"])
    );
    assert_eq!(
        results[1]["value"]["content"],
        json!([{"type": "text", "text": "Sunny, 21°C"}]),
        "{seen}"
    );
    assert_eq!(
        results[2]["ok"], false,
        "arguments breaking the schema are refused: {seen}"
    );
    assert_eq!(results[2]["error"]["code"], -32602);
    let message = results[2]["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("/city") && message.contains("/days"),
        "{message}"
    );
    assert_eq!(
        (
            results[3]["ok"].clone(),
            results[3]["error"]["code"].clone()
        ),
        (json!(false), json!(-32602))
    );
    assert_eq!(results[4]["ok"], true);

    // The SDK's next major version speaks the stateless 2026-07-28 era.
    let modern = sdk_client_of(
        Sdk::V2,
        &edge.mcp_url("acme"),
        json!([
            {"op": "listTools"},
            {"op": "callTool", "name": "get_weather", "arguments": {"city": "Oslo"}},
            {"op": "callTool", "name": "get_weather", "arguments": {"city": "O"}}
        ]),
    )
    .await;
    assert_eq!(modern["protocolVersion"], "2026-07-28", "{modern}");
    assert_eq!(
        tool_names(&modern["results"][0]),
        ["get_weather"],
        "{modern}"
    );
    assert_eq!(
        modern["results"][1]["value"]["content"][0]["text"], "Sunny, 21°C",
        "{modern}"
    );
    assert_eq!(modern["results"][2]["error"]["code"], -32602, "{modern}");

    // Clients of the deprecated HTTP+SSE transport (the seed's /sse).
    let sse_url = edge.mcp_url("acme").replace("/mcp", "/sse");
    let legacy = sdk_client_of(
        Sdk::V1Sse,
        &sse_url,
        json!([
            {"op": "listTools"},
            {"op": "callTool", "name": "get_weather", "arguments": {"city": "Oslo"}},
            {"op": "callTool", "name": "get_weather", "arguments": {}}
        ]),
    )
    .await;
    assert!(legacy.get("connectError").is_none(), "{legacy}");
    assert_eq!(
        tool_names(&legacy["results"][0]),
        ["get_weather"],
        "{legacy}"
    );
    assert_eq!(
        legacy["results"][1]["value"]["content"][0]["text"], "Sunny, 21°C",
        "{legacy}"
    );
    assert_eq!(legacy["results"][2]["error"]["code"], -32602, "{legacy}");
    // A session id is only good at its own tenant's host.
    let resp = edge
        .request(
            Method::POST,
            "globex.localhost",
            "/messages?sessionId=0123456789abcdef",
        )
        .header("content-type", "application/json")
        .body(r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);

    // The edge reported the calls of all three clients above; the control
    // plane rolled them up (a call of another tenant's tool counts nowhere).
    let mut usage = Value::Null;
    for _ in 0..40 {
        usage = api
            .call(
                Method::GET,
                "/tenants/acme/usage?hours=1&bucket=minute",
                None,
            )
            .await
            .1;
        if usage["tools"][0]["calls"] == 6 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    let weather = &usage["tools"][0];
    assert_eq!(
        (
            weather["tool"].clone(),
            weather["calls"].clone(),
            weather["errors"].clone()
        ),
        (json!("get_weather"), json!(6), json!(3)),
        "two calls by each of the three clients, one of each pair with bad arguments: {usage}"
    );

    // globex sees only its own tool, and cannot call acme's.
    let seen = sdk_client(
        &edge.mcp_url("globex"),
        json!([{"op": "listTools"}, {"op": "callTool", "name": "get_weather", "arguments": {"city": "Oslo"}}]),
    )
    .await;
    assert_eq!(tool_names(&seen["results"][0]), ["globex_only"], "{seen}");
    assert_eq!(seen["results"][1]["error"]["code"], -32602, "{seen}");

    // An unknown tenant gets a JSON 404; a client that sends garbage gets a
    // JSON-RPC parse error, not a crash.
    let resp = edge
        .request(Method::POST, "initech.localhost", "/mcp")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "unknown_tenant"
    );
    let resp = edge
        .request(Method::POST, "acme.localhost", "/mcp")
        .header("content-type", "application/json")
        .body("{\"jsonrpc\": \"2.0\", ")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(resp.json::<Value>().await.unwrap()["error"]["code"], -32700);

    // The edge verifies pushes itself: a tampered or replayed document is refused.
    let replay = signed_config(&key, "acme", 2);
    let resp = push(&edge, "acme", &replay).await;
    assert_eq!(resp.0, StatusCode::CONFLICT, "{}", resp.1);
    let mut tampered = signed_config(&key, "acme", 3);
    tampered.payload = tampered.payload.replace("\"tools\":[]", "\"tools\":[] ");
    assert_eq!(
        push(&edge, "acme", &tampered).await.0,
        StatusCode::FORBIDDEN
    );
    let forged = signed_config(&SigningKey::from_bytes(&[7; 32]), "acme", 3);
    assert_eq!(push(&edge, "acme", &forged).await.0, StatusCode::FORBIDDEN);
    let still = sdk_client(&edge.mcp_url("acme"), json!([{"op": "listTools"}])).await;
    assert_eq!(
        tool_names(&still["results"][0]),
        ["get_weather"],
        "refused pushes changed nothing"
    );

    // Deleting the tool and publishing again takes it off the edge.
    assert_eq!(
        api.call(Method::DELETE, "/tenants/acme/tools/get_weather", None)
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    let (status, body) = api.call(Method::POST, "/tenants/acme/publish", None).await;
    assert_eq!(
        (status, body["version"].clone()),
        (StatusCode::CREATED, json!(3)),
        "{body}"
    );
    let after = sdk_client(&edge.mcp_url("acme"), json!([{"op": "listTools"}])).await;
    assert!(tool_names(&after["results"][0]).is_empty(), "{after}");
}

fn signed_config(key: &SigningKey, tenant: &str, version: u64) -> SignedConfig {
    let config = TenantConfig::empty(tenant, version, "x");
    SignedConfig::sign(&config, key).expect("signs")
}

async fn push(edge: &Edge, tenant: &str, config: &SignedConfig) -> (StatusCode, String) {
    let resp = edge
        .request(
            Method::PUT,
            "localhost",
            &format!("/internal/tenants/{tenant}/config"),
        )
        .json(config)
        .send()
        .await
        .expect("edge answers");
    (resp.status(), resp.text().await.unwrap_or_default())
}
