//! Live config: a client connected over Streamable HTTP hears
//! `notifications/tools/list_changed` on its GET stream when the tenant
//! publishes, and its next `tools/list` shows the change.

use ed25519_dalek::SigningKey;
use portcullis_e2e::clients::ListChangedWatcher;
use portcullis_e2e::stack::{SIGNING_SEED, Stack};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn tool(name: &str) -> Value {
    json!({"name": name, "description": "a tool", "inputSchema": {"type": "object"}, "content": [{"type": "text", "text": name}]})
}

#[tokio::test(flavor = "multi_thread")]
async fn publishing_tells_connected_clients_their_tools_changed() {
    let stack = Stack::without_edge("e2e_live_config").await;
    let edge = stack
        .start_edge(
            SigningKey::from_bytes(&SIGNING_SEED)
                .verifying_key()
                .as_bytes(),
        )
        .await;
    assert_eq!(
        stack
            .call(Method::POST, "/tenants", Some(json!({"slug": "acme"})))
            .await
            .0,
        StatusCode::CREATED
    );
    assert_eq!(
        stack
            .call(Method::POST, "/tenants/acme/tools", Some(tool("one")))
            .await
            .0,
        StatusCode::CREATED
    );
    assert_eq!(
        stack
            .call(Method::POST, "/tenants/acme/publish", None)
            .await
            .0,
        StatusCode::CREATED
    );

    let watcher = ListChangedWatcher::start(&edge.mcp_url("acme")).await;
    assert_eq!(
        stack
            .call(Method::POST, "/tenants/acme/tools", Some(tool("two")))
            .await
            .0,
        StatusCode::CREATED
    );
    let (status, body) = stack
        .call(Method::POST, "/tenants/acme/publish", None)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let seen = watcher.finish().await;
    assert_eq!(seen["capabilities"]["tools"]["listChanged"], true, "{seen}");
    assert_eq!(seen["before"], json!(["one"]), "{seen}");
    assert_eq!(
        seen["notified"], true,
        "the client heard of the publish: {seen}"
    );
    assert_eq!(seen["after"], json!(["one", "two"]), "{seen}");
}
