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
    as_user(edge, None, verb, session, body).await
}

/// A JSON-RPC exchange with `/mcp`, with `token` if given and in `session`
/// if given (`body` null: no body).
async fn as_user(
    edge: &Edge,
    token: Option<&str>,
    verb: Method,
    session: Option<&str>,
    body: Value,
) -> reqwest::Response {
    let mut request = edge
        .request(verb, "acme.localhost", "/mcp")
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", VERSION);
    if let Some(session) = session {
        request = request.header("mcp-session-id", session);
    }
    if let Some(token) = token {
        request = request.bearer_auth(token);
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
            let text = reply.text().await.unwrap_or_default();
            let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            (
                (
                    status,
                    body["id"].clone(),
                    body["result"]["content"][0]["text"].clone(),
                ),
                text,
            )
        }
    });
    let results = futures::future::join_all(calls).await;
    for (i, (answer, text)) in results.iter().enumerate() {
        assert_eq!(
            answer.clone(),
            (StatusCode::OK, json!(1000 + i as u64), json!("echoed")),
            "call {i} answered {text}"
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

/// Reads `stream` until its text contains every one of `needles`.
async fn read_until(stream: &mut reqwest::Response, needles: &[&str]) -> String {
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while !needles.iter().all(|n| seen.contains(n)) {
        let chunk = tokio::time::timeout_at(deadline, stream.chunk())
            .await
            .unwrap_or_else(|_| panic!("waited for {needles:?}; the stream said: {seen}"))
            .expect("the stream stays readable");
        match chunk {
            Some(bytes) => seen.push_str(&String::from_utf8_lossy(&bytes)),
            None => panic!("the stream ended before {needles:?}: {seen}"),
        }
    }
    seen
}

async fn session_stream(
    edge: &Edge,
    session: &str,
    last_event_id: Option<u64>,
) -> reqwest::Response {
    let mut request = edge
        .request(Method::GET, "acme.localhost", "/mcp")
        .header("accept", "text/event-stream")
        .header("mcp-protocol-version", VERSION)
        .header("mcp-session-id", session);
    if let Some(id) = last_event_id {
        request = request.header("last-event-id", id.to_string());
    }
    request.send().await.expect("the edge answers")
}

async fn publish_another_tool(api: &Stack, name: &str) {
    let tool = json!({"name": name, "description": "More", "inputSchema": {"type": "object"},
        "content": [{"type": "text", "text": "more"}]});
    api.create("/tenants/acme/tools", Some(tool)).await;
    api.create("/tenants/acme/publish", None).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_stream_resumes_after_its_last_event_even_across_a_restart() {
    let api = Stack::without_edge("e2e_session_streams").await;
    let mut edge = api.start_edge().await;
    api.create("/tenants", Some(json!({"slug": "acme"}))).await;
    publish_another_tool(&api, "first").await;
    let session = initialize(&edge).await;

    let unknown = session_stream(&edge, "00000000-0000-4000-8000-000000000000", None).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

    let mut stream = session_stream(&edge, &session, None).await;
    assert_eq!(stream.status(), StatusCode::OK);
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    read_until(&mut stream, &[": session notifications"]).await;
    publish_another_tool(&api, "second").await;
    let first = read_until(
        &mut stream,
        &["id: 1\n", "notifications/tools/list_changed"],
    )
    .await;
    assert!(!first.contains("id: 2"), "{first}");

    // Disconnected while the tenant publishes again: the event is kept.
    drop(stream);
    publish_another_tool(&api, "third").await;
    let mut resumed = session_stream(&edge, &session, Some(1)).await;
    let missed = read_until(&mut resumed, &["id: 2\n"]).await;
    assert!(
        !missed.contains("id: 1\n"),
        "only what came after event 1: {missed}"
    );
    drop(resumed);

    // The log is in the user's Durable Object storage, on disk.
    edge.restart().await;
    let mut replayed = session_stream(&edge, &session, Some(0)).await;
    read_until(&mut replayed, &["id: 1\n", "id: 2\n"]).await;
    // And the stream carries on with new events after the restart.
    publish_another_tool(&api, "fourth").await;
    read_until(&mut replayed, &["id: 3\n"]).await;
}

/// A bearer token for `user` of `acme`, minted with the edge's key as its
/// authorization server would after a sign-in.
fn token_for(edge: &Edge, user: &str) -> String {
    use portcullis_edge_worker::tokens::{AccessClaims, AccessTokens};
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    AccessTokens::for_tenant(&portcullis_e2e::edge::TOKEN_KEY, "acme").mint(&AccessClaims {
        t: "acme".into(),
        g: format!("grant-of-{user}"),
        u: user.into(),
        c: "e2e-client".into(),
        s: String::new(),
        a: format!("http://acme.localhost:{}/mcp", edge.port),
        e: now + 600,
    })
}

/// Makes acme an OAuth tenant (users come with tokens minted by
/// [`token_for`]).
async fn signed_in_users_only(api: &Stack) {
    api.create("/tenants", Some(json!({"slug": "acme"}))).await;
    let settings = json!({"mode": "oauth", "providers": [{"id": "sso", "kind": "oidc", "displayName": "SSO",
        "clientId": "c", "clientSecret": "s", "issuer": "http://127.0.0.1:9"}]});
    let (status, body) = api
        .call(Method::PUT, "/tenants/acme/auth", Some(settings))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// Starts a session for the user holding `token`.
async fn initialize_as(edge: &Edge, token: &str) -> String {
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": VERSION, "capabilities": {}, "clientInfo": {"name": "e2e", "version": "1"}}});
    let started = as_user(edge, Some(token), Method::POST, None, init).await;
    assert_eq!(started.status(), StatusCode::OK);
    started.headers()["mcp-session-id"]
        .to_str()
        .expect("id")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn one_users_session_means_nothing_to_another_user() {
    let api = Stack::without_edge("e2e_session_users").await;
    let edge = api.start_edge().await;
    signed_in_users_only(&api).await;
    publish_another_tool(&api, "echo").await;
    let (alice, bob) = (token_for(&edge, "sso:alice"), token_for(&edge, "sso:bob"));
    let session = initialize_as(&edge, &alice).await;
    let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"});

    let stolen = as_user(
        &edge,
        Some(&bob),
        Method::POST,
        Some(&session),
        list.clone(),
    )
    .await;
    assert_eq!(
        stolen.status(),
        StatusCode::NOT_FOUND,
        "bob cannot use alice's session"
    );
    let ended = as_user(
        &edge,
        Some(&bob),
        Method::DELETE,
        Some(&session),
        Value::Null,
    )
    .await;
    assert_eq!(ended.status(), StatusCode::NOT_FOUND, "nor end it");
    let own = as_user(&edge, Some(&alice), Method::POST, Some(&session), list).await;
    assert_eq!(own.status(), StatusCode::OK, "alice's session is untouched");
    let anonymous = rpc(&edge, Method::POST, Some(&session), call(3)).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_users_log_level_lasts_across_their_sessions_and_is_theirs_alone() {
    let api = Stack::without_edge("e2e_user_state").await;
    let edge = api.start_edge().await;
    signed_in_users_only(&api).await;
    let noisy = json!({"name": "noisy", "description": "Logs", "inputSchema": {"type": "object"},
        "content": [{"type": "text", "text": "done"}],
        "notifications": [{"log": {"level": "info", "data": "some detail"}},
                          {"log": {"level": "error", "data": "real trouble"}}]});
    api.create("/tenants/acme/tools", Some(noisy)).await;
    api.create("/tenants/acme/publish", None).await;
    let (alice, bob) = (token_for(&edge, "sso:alice"), token_for(&edge, "sso:bob"));
    let run_noisy = json!({"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {"name": "noisy", "arguments": {}}});
    let logs_seen = |token: String, session: String| {
        let (edge, call) = (&edge, run_noisy.clone());
        async move {
            let reply = as_user(edge, Some(&token), Method::POST, Some(&session), call).await;
            assert_eq!(reply.status(), StatusCode::OK);
            let body = reply.text().await.expect("body");
            assert!(body.contains("\"done\""), "{body}");
            (body.contains("some detail"), body.contains("real trouble"))
        }
    };

    let first = initialize_as(&edge, &alice).await;
    assert_eq!(logs_seen(alice.clone(), first.clone()).await, (true, true));
    let set_level = json!({"jsonrpc": "2.0", "id": 2, "method": "logging/setLevel", "params": {"level": "error"}});
    let set = as_user(&edge, Some(&alice), Method::POST, Some(&first), set_level).await;
    assert_eq!(set.status(), StatusCode::OK);
    assert_eq!(logs_seen(alice.clone(), first).await, (false, true));

    // A new session of alice's starts at her level; bob's are his own.
    let second = initialize_as(&edge, &alice).await;
    assert_eq!(logs_seen(alice, second).await, (false, true));
    let bobs = initialize_as(&edge, &bob).await;
    assert_eq!(logs_seen(bob, bobs).await, (true, true));
}

async fn publish_watched_resource(api: &Stack, text: &str, replace: bool) {
    if replace {
        let (status, _) = api
            .call(
                Method::DELETE,
                "/tenants/acme/resources/test%3A%2F%2Fwatched",
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
    let resource =
        json!({"uri": "test://watched", "name": "Watched", "mimeType": "text/plain", "text": text});
    api.create("/tenants/acme/resources", Some(resource)).await;
    api.create("/tenants/acme/publish", None).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_subscribed_to_a_resource_hears_when_a_publish_changes_it() {
    let api = Stack::without_edge("e2e_session_subscriptions").await;
    let edge = api.start_edge().await;
    api.create("/tenants", Some(json!({"slug": "acme"}))).await;
    publish_watched_resource(&api, "first", false).await;
    let session = initialize(&edge).await;
    let mut stream = session_stream(&edge, &session, None).await;
    read_until(&mut stream, &[": session notifications"]).await;

    let subscribe = json!({"jsonrpc": "2.0", "id": 2, "method": "resources/subscribe", "params": {"uri": "test://watched"}});
    let reply = rpc(&edge, Method::POST, Some(&session), subscribe).await;
    assert_eq!(reply.status(), StatusCode::OK);
    assert_eq!(
        reply.json::<Value>().await.expect("JSON")["result"],
        json!({})
    );

    publish_watched_resource(&api, "second", true).await;
    let heard = read_until(
        &mut stream,
        &["notifications/resources/updated", "test://watched"],
    )
    .await;
    assert!(
        heard.contains("notifications/resources/list_changed"),
        "{heard}"
    );

    let unsubscribe = json!({"jsonrpc": "2.0", "id": 3, "method": "resources/unsubscribe", "params": {"uri": "test://watched"}});
    assert_eq!(
        rpc(&edge, Method::POST, Some(&session), unsubscribe)
            .await
            .status(),
        StatusCode::OK
    );
    publish_watched_resource(&api, "third", true).await;
    // The next event is the list change alone: no update after unsubscribing.
    let after = read_until(&mut stream, &["id: 3\n"]).await;
    assert!(!after.contains("id: 4"), "{after}");
    let tail = after.split("id: 3\n").nth(1).unwrap_or_default();
    assert!(
        tail.contains("list_changed") && !tail.contains("resources/updated"),
        "{after}"
    );

    // Without a session there is nothing to keep a subscription in.
    let stateless = json!({"jsonrpc": "2.0", "id": 4, "method": "resources/subscribe", "params": {"uri": "test://watched"}});
    let refused: Value = rpc(&edge, Method::POST, None, stateless)
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(refused["error"]["code"], -32600, "{refused}");
}
