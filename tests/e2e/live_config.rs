//! Live config: a client connected over Streamable HTTP hears
//! `notifications/tools/list_changed` on its GET stream when the tenant
//! publishes, and its next `tools/list` shows the change.

use portcullis_e2e::clients::ListChangedWatcher;
use portcullis_e2e::stack::Stack;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn tool(name: &str) -> Value {
    json!({"name": name, "description": "a tool", "inputSchema": {"type": "object"}, "content": [{"type": "text", "text": name}]})
}

#[tokio::test(flavor = "multi_thread")]
async fn publishing_tells_connected_clients_their_tools_changed() {
    let stack = Stack::without_edge("e2e_live_config").await;
    let edge = stack.start_edge().await;
    stack
        .create("/tenants", Some(json!({"slug": "acme"})))
        .await;
    stack.create("/tenants/acme/tools", Some(tool("one"))).await;
    stack.create("/tenants/acme/publish", None).await;

    let watcher = ListChangedWatcher::start(&edge.mcp_url("acme")).await;
    stack.create("/tenants/acme/tools", Some(tool("two"))).await;
    stack.create("/tenants/acme/publish", None).await;

    let seen = watcher.finish().await;
    assert_eq!(seen["capabilities"]["tools"]["listChanged"], true, "{seen}");
    assert_eq!(seen["before"], json!(["one"]), "{seen}");
    assert_eq!(
        seen["notified"], true,
        "the client heard of the publish: {seen}"
    );
    assert_eq!(seen["after"], json!(["one", "two"]), "{seen}");
}

/// Reads the event stream until `needle` shows up (or a timeout passes).
async fn read_until(stream: &mut reqwest::Response, seen: &mut String, needle: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !seen.contains(needle) {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let chunk = tokio::time::timeout(left, stream.chunk()).await;
        match chunk {
            Ok(Ok(Some(bytes))) => seen.push_str(&String::from_utf8_lossy(&bytes)),
            other => panic!("no {needle:?} on the stream ({other:?}); so far: {seen}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn publishing_reaches_modern_listen_streams_that_asked() {
    let stack = Stack::without_edge("e2e_listen").await;
    let edge = stack.start_edge().await;
    stack
        .create("/tenants", Some(json!({"slug": "acme"})))
        .await;
    stack.create("/tenants/acme/publish", None).await;

    let listen = json!({
        "jsonrpc": "2.0", "id": "sub-1", "method": "subscriptions/listen",
        "params": {
            "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}},
            "notifications": {"toolsListChanged": true}
        }
    });
    let mut stream = edge
        .request(Method::POST, "acme.localhost", "/mcp")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "subscriptions/listen")
        .json(&listen)
        .send()
        .await
        .expect("edge answers");
    assert_eq!(stream.status(), StatusCode::OK);
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    let mut seen = String::new();
    read_until(
        &mut stream,
        &mut seen,
        "notifications/subscriptions/acknowledged",
    )
    .await;
    assert!(
        seen.contains(r#""notifications":{"toolsListChanged":true}"#),
        "{seen}"
    );

    stack
        .create("/tenants/acme/tools", Some(tool("fresh")))
        .await;
    stack.create("/tenants/acme/publish", None).await;
    read_until(&mut stream, &mut seen, "notifications/tools/list_changed").await;
    let note = seen
        .lines()
        .find(|l| l.contains("tools/list_changed"))
        .expect("the notification line");
    assert!(
        note.contains(r#""io.modelcontextprotocol/subscriptionId":"sub-1""#),
        "{note}"
    );
    assert!(
        !seen.contains("prompts/list_changed"),
        "only what it asked for: {seen}"
    );
}
