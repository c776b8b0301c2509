//! Rate limits through the edge: counted before anything else runs, answered
//! in each endpoint's own error shape.

use portcullis_tenant_config::RateLimits;
use portcullis_tenant_config::envelope::Ed25519Verifier;

use crate::app::{Edge, Outcome};
use crate::http::{HttpRequest, HttpResponse};
use crate::oauth::tests::*;
use crate::store::memory::MemoryStore;

/// Sends `method path` with `body` to `tenant` from `client_ip`.
async fn through_edge(
    store: &MemoryStore,
    tenant: &str,
    method: &str,
    path: &str,
    client_ip: &str,
    body: &[u8],
) -> HttpResponse {
    let verifier = Ed25519Verifier(ed25519_dalek::SigningKey::from_bytes(&[1; 32]).verifying_key());
    let request = HttpRequest {
        method: method.into(),
        path: path.into(),
        headers: vec![
            ("host".into(), format!("{tenant}.localhost")),
            ("cf-connecting-ip".into(), client_ip.into()),
            ("content-type".into(), "application/json".into()),
            (
                "accept".into(),
                "application/json, text/event-stream".into(),
            ),
            ("mcp-protocol-version".into(), "2025-11-25".into()),
        ],
        body: body.to_vec(),
        secure: true,
        ..Default::default()
    };
    let edge = Edge {
        edge_domain: "localhost",
        store,
        verifier: &verifier,
        new_session_id: &|| "0123456789ab".into(),
        token_key: &TOKEN_KEY,
        now: NOW,
        obtained: None,
    };
    match edge.handle(&request).await {
        Outcome::Authority { .. } => HttpResponse::empty(299),
        other => other.into_reply(),
    }
}

const LIST: &[u8] = br#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#;

#[tokio::test]
async fn attack_one_address_flooding_mcp_is_refused_with_429_and_others_still_get_in() {
    let store = MemoryStore::default();
    let mut config = crate::test_fixtures::tenant("open", 1, &["echo"]);
    config.limits = RateLimits {
        mcp_per_ip: 2,
        mcp_per_tenant: 3,
        ..RateLimits::default()
    };
    store.put(&config);
    for _ in 0..2 {
        let ok = through_edge(&store, "open", "POST", "/mcp", "192.0.2.1", LIST).await;
        assert_eq!(ok.status, 200);
    }
    let refused = through_edge(&store, "open", "POST", "/mcp", "192.0.2.1", LIST).await;
    assert_eq!(refused.status, 429);
    retry_after(&refused);
    let body = json_of(&refused);
    assert_eq!(body["jsonrpc"], "2.0");
    assert_eq!(body["error"]["code"], -32029, "{body}");
    // The legacy endpoints count against the same allowance.
    let sse = through_edge(&store, "open", "GET", "/sse", "192.0.2.1", b"").await;
    assert_eq!(sse.status, 429);
    // Another address gets in, until the tenant's own limit is reached.
    let other = through_edge(&store, "open", "POST", "/mcp", "192.0.2.2", LIST).await;
    assert_eq!(other.status, 200);
    let third = through_edge(&store, "open", "POST", "/mcp", "192.0.2.3", LIST).await;
    assert_eq!(third.status, 429, "the tenant-wide limit");
    // Other tenants are not affected.
    store.put(&crate::test_fixtures::tenant("other", 1, &["echo"]));
    let elsewhere = through_edge(&store, "other", "POST", "/mcp", "192.0.2.1", LIST).await;
    assert_eq!(elsewhere.status, 200);
}

#[tokio::test]
async fn attack_oauth_endpoints_answer_429_in_their_own_error_shape() {
    let store = MemoryStore::default();
    let mut config = oauth_tenant();
    config.limits = RateLimits {
        oauth_per_ip: 3,
        registrations_per_ip: 1,
        ..RateLimits::default()
    };
    store.put(&config);
    let ip = "198.51.100.7";
    let registration = br#"{"redirect_uris":["https://app.example/cb"]}"#;
    // 299: handed to the tenant's authorization server.
    assert_eq!(
        through_edge(&store, "acme", "POST", "/register", ip, registration)
            .await
            .status,
        299
    );
    let second = through_edge(&store, "acme", "POST", "/register", ip, registration).await;
    assert_oauth_error(&second, 429, "temporarily_unavailable");
    retry_after(&second);
    // The refused registration did not use up the address's OAuth allowance.
    for _ in 0..2 {
        assert_eq!(
            through_edge(&store, "acme", "POST", "/token", ip, b"")
                .await
                .status,
            299
        );
    }
    let token = through_edge(&store, "acme", "POST", "/token", ip, b"").await;
    assert_oauth_error(&token, 429, "temporarily_unavailable");
    assert_eq!(token.header("cache-control"), Some("no-store"));
    // Where a browser is sent, a page.
    let authorize = through_edge(&store, "acme", "GET", "/authorize", ip, b"").await;
    assert_page(&authorize, 429, "Too many requests");
    retry_after(&authorize);
    // Discovery documents and preflights are not counted.
    let metadata = through_edge(
        &store,
        "acme",
        "GET",
        "/.well-known/oauth-authorization-server",
        ip,
        b"",
    )
    .await;
    assert_eq!(metadata.status, 200);
    // Another address is not held back by this one.
    let other = through_edge(&store, "acme", "POST", "/token", "198.51.100.8", b"").await;
    assert_eq!(other.status, 299);
}
