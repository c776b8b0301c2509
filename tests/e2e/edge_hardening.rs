//! The edge under workerd, tried as an attacker (or a race) would: bodies
//! without a length, replayed control-plane commands, pushes racing each
//! other.

use ed25519_dalek::{Signer, SigningKey};
use portcullis_e2e::edge::Edge;
use portcullis_e2e::free_port;
use portcullis_e2e::stack::{SEAL_KEY, SIGNING_SEED};
use portcullis_tenant_config::encoding::encode_hex;
use portcullis_tenant_config::{SignedConfig, TenantConfig, command};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn edge() -> Edge {
    let key = SigningKey::from_bytes(&SIGNING_SEED);
    Edge::start(
        free_port(),
        &encode_hex(key.verifying_key().as_bytes()),
        &encode_hex(&SEAL_KEY),
        &[],
    )
    .await
}

async fn push(edge: &Edge, version: u64) -> StatusCode {
    push_config(edge, &TenantConfig::empty("acme", version, "Acme")).await
}

async fn push_config(edge: &Edge, config: &TenantConfig) -> StatusCode {
    let signed = SignedConfig::sign(config, &SigningKey::from_bytes(&SIGNING_SEED)).expect("signs");
    let path = format!("/internal/tenants/{}/config", config.tenant);
    edge.request(Method::PUT, "localhost", &path)
        .json(&signed)
        .send()
        .await
        .expect("edge answers")
        .status()
}

async fn served(edge: &Edge) -> Value {
    let answer = edge
        .request(Method::GET, "localhost", "/internal/tenants/acme/config")
        .send()
        .await
        .expect("edge answers");
    answer.json().await.expect("json")
}

/// A command to the apex signed for `domain` with `nonce`.
fn command(edge: &Edge, domain: &str, path: &str, nonce: &str) -> reqwest::RequestBuilder {
    let (route, query) = path.split_once('?').unwrap_or((path, ""));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let signed = command::Signed {
        edge_domain: domain,
        method: "POST",
        path,
        timestamp: now,
        nonce,
    };
    let signature = SigningKey::from_bytes(&SIGNING_SEED).sign(signed.message().as_bytes());
    let url = if query.is_empty() {
        route.to_owned()
    } else {
        format!("{route}?{query}")
    };
    edge.request(Method::POST, "localhost", &url)
        .header(command::HEADER, signed.header_value(&signature.to_bytes()))
}

/// Sends `POST /mcp` with a chunked body of `size` bytes that never ends
/// (no last chunk), and returns the status line the edge answers with.
async fn unending_chunked_post(edge: &Edge, size: usize) -> String {
    let mut socket = tokio::net::TcpStream::connect(("127.0.0.1", edge.port))
        .await
        .expect("connect");
    let head = format!(
        "POST /mcp HTTP/1.1\r\nHost: acme.localhost:{}\r\nContent-Type: application/json\r\n\
         Accept: application/json, text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n",
        edge.port
    );
    socket.write_all(head.as_bytes()).await.expect("head");
    let chunk = vec![b' '; 64 * 1024];
    let mut sent = 0;
    while sent < size {
        let frame = format!("{:x}\r\n", chunk.len());
        // The edge may stop reading (and close) once it has seen enough.
        if socket.write_all(frame.as_bytes()).await.is_err()
            || socket.write_all(&chunk).await.is_err()
            || socket.write_all(b"\r\n").await.is_err()
        {
            break;
        }
        sent += chunk.len();
    }
    let mut answer = vec![0; 4096];
    let read = tokio::time::timeout(std::time::Duration::from_secs(60), socket.read(&mut answer))
        .await
        .expect("the edge answers while the body is still open, instead of waiting for its end")
        .expect("read");
    String::from_utf8_lossy(&answer[..read])
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_edge_bounds_chunked_bodies_refuses_replays_and_serves_the_newest_push() {
    let edge = edge().await;
    assert_eq!(push(&edge, 1).await, StatusCode::OK);

    // A chunked body declares no length: it is counted while read, and
    // refused at the limit without waiting for (or buffering) the rest.
    let status = unending_chunked_post(&edge, 2 * 1024 * 1024).await;
    assert!(status.contains(" 413"), "{status}");

    // Racing pushes end with the newest served, whatever order they land.
    let mut newest = 1;
    for round in 0..4u64 {
        // A different order each round (steps coprime with 8).
        let step = [3, 5, 7, 1][round as usize];
        let versions: Vec<u64> = (1..=8).map(|i| newest + 1 + (i * step) % 8).collect();
        newest += 8;
        let answers = futures::future::join_all(versions.iter().map(|v| push(&edge, *v))).await;
        assert!(answers.contains(&StatusCode::OK), "{answers:?}");
        assert!(
            answers
                .iter()
                .all(|s| *s == StatusCode::OK || *s == StatusCode::CONFLICT),
            "{answers:?}"
        );
        assert_eq!(served(&edge).await["version"], newest, "round {round}");
        assert_eq!(push(&edge, newest - 1).await, StatusCode::CONFLICT);
    }

    // A signed command runs once; its replay, or one signed for another
    // edge holding the same key, is refused.
    let try_path = "/internal/tenants/acme/try?tool=nope&arguments=%7B%7D";
    let first = command(&edge, "localhost", try_path, "a1b2")
        .send()
        .await
        .expect("edge answers");
    assert_eq!(first.status(), StatusCode::OK);
    let replay = command(&edge, "localhost", try_path, "a1b2")
        .send()
        .await
        .expect("edge answers");
    assert_eq!(replay.status(), StatusCode::UNAUTHORIZED);
    let body: Value = replay.json().await.expect("json");
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("already"),
        "{body}"
    );
    let elsewhere = command(&edge, "mcp.example.com", try_path, "c3d4")
        .send()
        .await
        .expect("edge answers");
    assert_eq!(elsewhere.status(), StatusCode::UNAUTHORIZED);
    // Nonces are per command, not per tenant forever: a fresh one runs.
    let fresh = command(&edge, "localhost", try_path, "e5f6")
        .send()
        .await
        .expect("edge answers");
    assert_eq!(fresh.status(), StatusCode::OK);

    // Rate limits are counted in the tenant's control object: past the
    // tenant's per-IP limit, 429 with Retry-After and a JSON-RPC error;
    // another tenant is not affected.
    let mut limited = TenantConfig::empty("acme", newest + 1, "Acme");
    limited.limits.mcp_per_ip = 3;
    assert_eq!(push_config(&edge, &limited).await, StatusCode::OK);
    let list = |tenant: &str| {
        edge.request(Method::POST, &format!("{tenant}.localhost"), "/mcp")
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", "2025-11-25")
            .json(&serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}))
            .send()
    };
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(list("acme").await.expect("edge answers").status());
    }
    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
    let refused = list("acme").await.expect("edge answers");
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = refused.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&wait), "{wait}");
    let body: Value = refused.json().await.expect("json");
    assert_eq!(body["error"]["code"], -32029, "{body}");
    assert_eq!(
        push_config(&edge, &TenantConfig::empty("beta", 1, "Beta")).await,
        StatusCode::OK
    );
    assert_eq!(
        list("beta").await.expect("edge answers").status(),
        StatusCode::OK
    );
}
