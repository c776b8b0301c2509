//! Legacy Streamable HTTP sessions against the edge under workerd: started
//! by `initialize`, honoured while they live, ended by DELETE (then 404),
//! kept in the user's Durable Object across a restart of the runtime, and
//! steady under many concurrent calls.

use portcullis_e2e::edge::Edge;
use portcullis_e2e::stack::Stack;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const VERSION: &str = "2025-11-25";

async fn rpc(edge: &Edge, verb: Method, session: Option<&str>, body: Value) -> reqwest::Response {
    let mut request = edge
        .request(verb, "acme.localhost", "/mcp")
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", VERSION);
    if let Some(session) = session {
        request = request.header("mcp-session-id", session);
    }
    if !body.is_null() {
        request = request.body(body.to_string());
    }
    request.send().await.expect("the edge answers")
}

fn call(id: u64) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": "echo", "arguments": {"city": format!("city-{id}")}}})
}

async fn initialize(edge: &Edge) -> String {
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": VERSION, "capabilities": {}, "clientInfo": {"name": "e2e", "version": "1"}}});
    let reply = rpc(edge, Method::POST, None, init).await;
    assert_eq!(reply.status(), StatusCode::OK);
    let session = reply
        .headers()
        .get("mcp-session-id")
        .and_then(|v| v.to_str().ok())
        .expect("initialize starts a session")
        .to_owned();
    assert_eq!(session.len(), 36, "{session}");
    session
}

#[tokio::test(flavor = "multi_thread")]
async fn sessions_live_until_deleted_and_survive_a_restart() {
    let api = Stack::without_edge("e2e_sessions").await;
    let mut edge = api.start_edge().await;
    api.create("/tenants", Some(json!({"slug": "acme"}))).await;
    let echo = json!({"name": "echo", "description": "Echoes", "inputSchema": {"type": "object", "properties": {"city": {"type": "string"}}},
        "content": [{"type": "text", "text": "echoed"}]});
    api.create("/tenants/acme/tools", Some(echo)).await;
    api.create("/tenants/acme/publish", None).await;

    let session = initialize(&edge).await;
    let listed = rpc(
        &edge,
        Method::POST,
        Some(&session),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}),
    )
    .await;
    assert_eq!(listed.status(), StatusCode::OK);
    assert_eq!(listed.headers()["mcp-session-id"], session.as_str());

    // A session id nobody was given is unknown.
    let unknown = "00000000-0000-4000-8000-000000000000";
    let refused = rpc(&edge, Method::POST, Some(unknown), call(3)).await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    let body: Value = refused.json().await.expect("JSON-RPC error");
    assert_eq!(body["error"]["code"], -32600);

    // 200 concurrent calls in one session: every one answered, none lost.
    let calls = (0..200).map(|i| {
        let (edge, session) = (&edge, session.clone());
        async move {
            let reply = rpc(edge, Method::POST, Some(&session), call(1000 + i)).await;
            let status = reply.status();
            let body: Value = reply.json().await.unwrap_or(Value::Null);
            (
                status,
                body["id"].clone(),
                body["result"]["content"][0]["text"].clone(),
            )
        }
    });
    let results = futures::future::join_all(calls).await;
    for (i, (status, id, text)) in results.iter().enumerate() {
        assert_eq!(
            (*status, id.clone(), text.clone()),
            (StatusCode::OK, json!(1000 + i as u64), json!("echoed"))
        );
    }

    // The session is kept by the user's Durable Object, on disk.
    edge.restart().await;
    let after = rpc(&edge, Method::POST, Some(&session), call(4)).await;
    assert_eq!(
        after.status(),
        StatusCode::OK,
        "the session survived the restart"
    );

    // DELETE ends it; afterwards it is 404 for everything.
    let ended = rpc(&edge, Method::DELETE, Some(&session), Value::Null).await;
    assert_eq!(ended.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        rpc(&edge, Method::POST, Some(&session), call(5))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        rpc(&edge, Method::DELETE, Some(&session), Value::Null)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    // A new initialize starts a new session.
    assert_ne!(initialize(&edge).await, session);
}
