//! The edge end to end, natively: requests in, answers and effects out.

use ed25519_dalek::SigningKey;
use portcullis_tenant_config::envelope::Ed25519Verifier;
use portcullis_tenant_config::{SignedConfig, TenantConfig};
use serde_json::{Value, json};

use super::*;
use crate::store::memory::MemoryStore;

fn config(tenant: &str, version: u64, tool: &str) -> TenantConfig {
    crate::test_fixtures::tenant(tenant, version, &[tool])
}

fn req(method: &str, host: &str, path: &str, body: &[u8]) -> HttpRequest {
    HttpRequest {
        method: method.into(),
        path: path.into(),
        headers: vec![
            ("host".into(), host.into()),
            ("content-type".into(), "application/json".into()),
        ],
        body: body.to_vec(),
        ..Default::default()
    }
}

fn body(r: &HttpResponse) -> Value {
    serde_json::from_slice(&r.body).unwrap()
}

struct Fixture {
    store: MemoryStore,
    key: SigningKey,
    verifier: Ed25519Verifier,
}

impl Fixture {
    fn new() -> Self {
        let key = SigningKey::from_bytes(&[3; 32]);
        Self {
            store: MemoryStore::default(),
            verifier: Ed25519Verifier(key.verifying_key()),
            key,
        }
    }
    fn edge(&self) -> Edge<'_, MemoryStore, Ed25519Verifier> {
        Edge {
            edge_domain: "localhost",
            store: &self.store,
            verifier: &self.verifier,
            new_session_id: &|| "5e55-10ab".to_string(),
            token_key: &[9; 32],
            now: 1_000,
            obtained: None,
        }
    }
    /// The edge of [`Self::edge`] over another store.
    fn edge_over<'a, S>(&'a self, store: &'a S) -> Edge<'a, S, Ed25519Verifier> {
        let Edge {
            edge_domain,
            verifier,
            new_session_id,
            token_key,
            now,
            ..
        } = self.edge();
        Edge {
            edge_domain,
            store,
            verifier,
            new_session_id,
            token_key,
            now,
            obtained: None,
        }
    }
    /// Sends a request and returns the HTTP answer it gets.
    async fn send(&self, request: &HttpRequest) -> HttpResponse {
        self.edge().handle(request).await.into_reply()
    }
    /// `method path?query` to the apex, signed by `key` for `domain`
    /// at time `t` with `nonce`.
    fn command(
        key: &SigningKey,
        domain: &str,
        method: &str,
        path: &str,
        query: &str,
        t: u64,
        nonce: &str,
    ) -> HttpRequest {
        use ed25519_dalek::Signer;
        let target = if query.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{query}")
        };
        let signed = command::Signed {
            edge_domain: domain,
            method,
            path: &target,
            timestamp: t,
            nonce,
        };
        let signature = key.sign(signed.message().as_bytes());
        let mut r = req(method, "localhost:8787", path, b"");
        r.query = query.into();
        r.headers.push((
            command::HEADER.into(),
            signed.header_value(&signature.to_bytes()),
        ));
        r
    }
    async fn push(&self, tenant: &str, c: &TenantConfig) -> HttpResponse {
        let env = SignedConfig::sign(c, &self.key).unwrap();
        let path = format!("/internal/tenants/{tenant}/config");
        self.send(&req(
            "PUT",
            "localhost:8787",
            &path,
            &serde_json::to_vec(&env).unwrap(),
        ))
        .await
    }
}

#[tokio::test]
async fn only_signed_commands_reach_a_tenants_authorization_server() {
    let f = Fixture::new();
    let path = "/internal/tenants/acme/clients/some%2Fclient";
    let nonces = std::cell::Cell::new(0);
    let signed = |key: &SigningKey, method: &str, t: u64| {
        nonces.set(nonces.get() + 1);
        let nonce = format!("n{}", nonces.get());
        Fixture::command(key, "localhost", method, path, "", t, &nonce)
    };
    match f.edge().handle(&signed(&f.key, "DELETE", 1_000)).await {
        Outcome::Administer { tenant, request } => {
            assert_eq!(tenant, "acme");
            assert_eq!(request.path, "/internal/clients/some%2Fclient");
            assert_eq!(request.header("host"), Some("acme.localhost"));
        }
        other => panic!("expected the command to be forwarded, got {other:?}"),
    }
    let unsigned = f.send(&req("DELETE", "localhost:8787", path, b"")).await;
    assert_eq!(unsigned.status, 401);
    let stranger = SigningKey::from_bytes(&[4; 32]);
    assert_eq!(
        f.send(&signed(&stranger, "DELETE", 1_000)).await.status,
        401
    );
    assert_eq!(
        f.send(&signed(&f.key, "DELETE", 1_000 + 3_600))
            .await
            .status,
        401
    );
    // Signed for a listing, replayed as a revocation.
    let mut replayed = signed(&f.key, "GET", 1_000);
    replayed.method = "DELETE".into();
    assert_eq!(f.send(&replayed).await.status, 401);
    // Signed for another edge holding the same key.
    let elsewhere = Fixture::command(&f.key, "mcp.example.com", "DELETE", path, "", 1_000, "x1");
    assert_eq!(f.send(&elsewhere).await.status, 401);
    // A page of grants goes on with its query.
    let page = Fixture::command(
        &f.key,
        "localhost",
        "GET",
        "/internal/tenants/acme/grants",
        "limit=2&after=g1",
        1_000,
        "page",
    );
    match f.edge().handle(&page).await {
        Outcome::Administer { request, .. } => {
            assert_eq!(
                (request.path.as_str(), request.query.as_str()),
                ("/internal/grants", "limit=2&after=g1")
            );
        }
        other => panic!("expected the listing to be forwarded, got {other:?}"),
    }
    // The same signed command twice: it runs once.
    let once = Fixture::command(&f.key, "localhost", "DELETE", path, "", 1_000, "once");
    assert!(matches!(
        f.edge().handle(&once).await,
        Outcome::Administer { .. }
    ));
    let again = f.send(&once).await;
    assert_eq!(again.status, 401);
    assert!(
        body(&again)["message"]
            .as_str()
            .unwrap()
            .contains("already"),
        "{}",
        body(&again)
    );
    // A tenant's own host never reaches these paths.
    f.push("acme", &config("acme", 1, "t")).await;
    let public = f
        .send(&req("GET", "acme.localhost:8787", "/internal/clients", b""))
        .await;
    assert_eq!(public.status, 404);
}

/// The auth object's questions about a user (their provider token, their
/// claims) are the runtime's own: no request from outside reaches them,
/// not even a signed control-plane command.
#[tokio::test]
async fn nobody_outside_asks_the_auth_object_for_a_users_token() {
    let f = Fixture::new();
    f.push("acme", &config("acme", 1, "t")).await;
    for path in ["/internal/user-token", "/internal/user-claims"] {
        let asked = f
            .send(&req(
                "POST",
                "acme.localhost:8787",
                path,
                br#"{"grant":"g1"}"#,
            ))
            .await;
        assert_eq!(asked.status, 404, "{path}");
        let rest = path.trim_start_matches("/internal/");
        let command_path = format!("/internal/tenants/acme/{rest}");
        let signed = Fixture::command(&f.key, "localhost", "POST", &command_path, "", 1_000, rest);
        let outcome = f.edge().handle(&signed).await;
        assert!(
            !matches!(
                outcome,
                Outcome::Administer { .. } | Outcome::Authority { .. }
            ),
            "{path}: {outcome:?}"
        );
    }
}

#[tokio::test]
async fn a_tenant_host_answers_the_browsers_favicon_request_with_nothing() {
    let f = Fixture::new();
    f.push("acme", &config("acme", 1, "t")).await;
    let icon = f
        .send(&req("GET", "acme.localhost:8787", "/favicon.ico", b""))
        .await;
    assert_eq!((icon.status, icon.body.len()), (204, 0));
    assert!(icon.header("cache-control").is_some());
    let other = f
        .send(&req("GET", "acme.localhost:8787", "/favicon.png", b""))
        .await;
    assert_eq!(other.status, 404);
}

#[tokio::test]
async fn a_signed_try_calls_the_served_tool_and_says_why_not() {
    let f = Fixture::new();
    f.push("acme", &config("acme", 3, "get_weather")).await;
    let nonces = std::cell::Cell::new(0);
    let attempt = |query: &str, key: &SigningKey| {
        nonces.set(nonces.get() + 1);
        let nonce = format!("n{}", nonces.get());
        let path = "/internal/tenants/acme/try";
        Fixture::command(key, "localhost", "POST", path, query, 1_000, &nonce)
    };
    let arguments = portcullis_tenant_config::encoding::percent_encode(r#"{"city":"Oslo"}"#);
    let ok = f
        .send(&attempt(
            &format!("tool=get_weather&arguments={arguments}"),
            &f.key,
        ))
        .await;
    let answer = body(&ok);
    assert_eq!(ok.status, 200, "{answer}");
    assert_eq!(answer["version"], 3);
    assert!(answer["result"]["content"].is_array(), "{answer}");
    let unknown = body(&f.send(&attempt("tool=nope&arguments=%7B%7D", &f.key)).await);
    assert_eq!(unknown["error"]["code"], -32602, "{unknown}");
    let bad = f
        .send(&attempt("tool=get_weather&arguments=%5B%5D", &f.key))
        .await;
    assert_eq!(bad.status, 400);
    let stranger = SigningKey::from_bytes(&[4; 32]);
    let forged = f
        .send(&attempt("tool=get_weather&arguments=%7B%7D", &stranger))
        .await;
    assert_eq!(forged.status, 401);
    // Signed for other arguments: the query is part of what is signed.
    let mut swapped = attempt("tool=get_weather&arguments=%7B%7D", &f.key);
    swapped.query = format!("tool=get_weather&arguments={arguments}");
    assert_eq!(f.send(&swapped).await.status, 401);
}

#[tokio::test]
async fn push_accepts_newer_and_refuses_stale_tampered_and_misaddressed() {
    let f = Fixture::new();
    assert_eq!(f.push("acme", &config("acme", 2, "t")).await.status, 200);
    let stale = f.push("acme", &config("acme", 2, "t")).await;
    assert_eq!(
        (stale.status, body(&stale)["servedVersion"].clone()),
        (409, json!(2))
    );
    assert_eq!(f.push("acme", &config("acme", 1, "t")).await.status, 409);
    assert_eq!(f.push("globex", &config("acme", 5, "t")).await.status, 422);

    let mut env = SignedConfig::sign(&config("acme", 9, "t"), &f.key).unwrap();
    env.payload = env.payload.replace("\"version\":9", "\"version\":10");
    let r = f
        .send(&req(
            "PUT",
            "localhost",
            "/internal/tenants/acme/config",
            &serde_json::to_vec(&env).unwrap(),
        ))
        .await;
    assert_eq!(
        (r.status, body(&r)["error"].clone()),
        (403, json!("bad_signature"))
    );
    let other_key = SigningKey::from_bytes(&[4; 32]);
    let forged = SignedConfig::sign(&config("acme", 11, "t"), &other_key).unwrap();
    let r = f
        .send(&req(
            "PUT",
            "localhost",
            "/internal/tenants/acme/config",
            &serde_json::to_vec(&forged).unwrap(),
        ))
        .await;
    assert_eq!(r.status, 403);
    let r = f
        .send(&req(
            "PUT",
            "localhost",
            "/internal/tenants/acme/config",
            b"nope",
        ))
        .await;
    assert_eq!(r.status, 400);
    // Nothing refused replaced what is served, and the edge says so.
    assert_eq!(f.store.load("acme").await.unwrap().unwrap().version, 2);
    let served = f
        .send(&req(
            "GET",
            "localhost",
            "/internal/tenants/acme/config",
            b"",
        ))
        .await;
    assert_eq!(
        (served.status, body(&served)["version"].clone()),
        (200, json!(2))
    );
    let none = f
        .send(&req(
            "GET",
            "localhost",
            "/internal/tenants/nobody/config",
            b"",
        ))
        .await;
    assert_eq!(none.status, 404);
}

/// The first tool's name as the edge over `store` lists it.
async fn first_tool<S: ConfigStore + RateLimiter + CommandNonces>(f: &Fixture, store: &S) -> Value {
    let list = br#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#;
    let r = f
        .edge_over(store)
        .handle(&req("POST", "acme.localhost", "/mcp", list))
        .await
        .into_reply();
    body(&r)["result"]["tools"][0]["name"].clone()
}

/// The status of pushing `envelope` to acme through the edge over `store`.
async fn push_through<S: ConfigStore + RateLimiter + CommandNonces>(
    f: &Fixture,
    store: &S,
    envelope: &SignedConfig,
) -> u16 {
    let body = serde_json::to_vec(envelope).unwrap();
    let path = "/internal/tenants/acme/config";
    f.edge_over(store)
        .handle(&req("PUT", "localhost", path, &body))
        .await
        .into_reply()
        .status
}

#[tokio::test]
async fn through_the_hot_cache_a_newer_publish_is_served_after_the_bound_and_a_tampered_one_never()
{
    use std::cell::RefCell;
    use std::rc::Rc;

    use crate::cache::{CONFIG_FRESH_MS, Cached, HotCache};
    let f = Fixture::new();
    let cache = Rc::<RefCell<HotCache>>::default();
    let at = |now_ms| Cached {
        inner: MemoryStore::default(),
        cache: cache.clone(),
        now_ms,
    };
    let store = at(0);
    let v1 = SignedConfig::sign(&config("acme", 1, "one"), &f.key).unwrap();
    assert_eq!(push_through(&f, &store, &v1).await, 200);
    assert_eq!(
        first_tool(&f, &store).await,
        json!("one"),
        "a push here is served at once"
    );
    // A tampered push is refused and never served, however long after.
    let mut tampered = SignedConfig::sign(&config("acme", 2, "one"), &f.key).unwrap();
    tampered.payload = tampered.payload.replace("\"one\"", "\"evil\"");
    assert_eq!(push_through(&f, &store, &tampered).await, 403);
    assert_eq!(first_tool(&f, &store).await, json!("one"));
    // Another isolate installs version 2 in the shared store.
    let mut store = Cached { now_ms: 1, ..store };
    store.inner.put(&config("acme", 2, "two"));
    assert_eq!(
        first_tool(&f, &store).await,
        json!("one"),
        "within the bound"
    );
    store.now_ms = CONFIG_FRESH_MS + 1;
    assert_eq!(
        first_tool(&f, &store).await,
        json!("two"),
        "after the bound"
    );
    store.now_ms = 100 * CONFIG_FRESH_MS;
    assert_eq!(first_tool(&f, &store).await, json!("two"));
}

#[tokio::test]
async fn unknown_hosts_and_tenants_get_json_404s() {
    let f = Fixture::new();
    let r = f
        .send(&req("POST", "nobody.localhost:8787", "/mcp", b"{}"))
        .await;
    assert_eq!(
        (r.status, body(&r)["error"].clone()),
        (404, json!("unknown_tenant"))
    );
    let r = f.send(&req("POST", "example.com", "/mcp", b"{}")).await;
    assert_eq!(
        (r.status, body(&r)["error"].clone()),
        (404, json!("unknown_host"))
    );
    let r = f.send(&req("GET", "localhost", "/healthz", b"")).await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn each_tenant_sees_only_its_own_tools() {
    let f = Fixture::new();
    f.push("acme", &config("acme", 1, "acme_tool")).await;
    f.push("globex", &config("globex", 1, "globex_tool")).await;
    let list = br#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#;
    let names = |r: HttpResponse| -> Vec<Value> {
        body(&r)["result"]["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].clone())
            .collect()
    };
    assert_eq!(
        names(
            f.send(&req("POST", "acme.localhost:8787", "/mcp", list))
                .await
        ),
        vec![json!("acme_tool")]
    );
    assert_eq!(
        names(
            f.send(&req("POST", "globex.localhost:8787", "/mcp", list))
                .await
        ),
        vec![json!("globex_tool")]
    );
    let call = br#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"acme_tool","arguments":{"city":"x"}}}"#;
    let r = f
        .send(&req("POST", "globex.localhost:8787", "/mcp", call))
        .await;
    assert_eq!(body(&r)["error"]["code"], json!(-32602));
}

#[tokio::test]
async fn sse_sessions_are_scoped_to_their_tenant() {
    let f = Fixture::new();
    f.push("acme", &config("acme", 1, "acme_tool")).await;
    let opened = f
        .edge()
        .handle(&req("GET", "acme.localhost:8787", "/sse", b""))
        .await;
    let session = sse::session_key(
        "acme",
        &Caller::Anonymous,
        &HttpRequest::default(),
        "5e55-10ab",
    );
    assert!(session.starts_with("acme/"), "{session}");
    assert_eq!(
        opened,
        Outcome::Mcp(
            Effect::OpenStream {
                session: session.clone(),
                first_event: "event: endpoint\ndata: /messages?sessionId=5e55-10ab\n\n".into()
            },
            vec![]
        )
    );
    let mut post = req(
        "POST",
        "acme.localhost:8787",
        "/messages",
        br#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#,
    );
    post.query = "sessionId=5e55-10ab".into();
    let delivered = f.edge().handle(&post).await;
    assert!(
        matches!(delivered, Outcome::Mcp(Effect::Deliver { session: ref s, .. }, _) if *s == session),
        "{delivered:?}"
    );
    let mut foreign = post.clone();
    foreign
        .headers
        .push(("origin".into(), "https://evil.example".into()));
    assert_eq!(f.send(&foreign).await.status, 403);
    assert_eq!(
        f.send(&req("POST", "acme.localhost:8787", "/sse", b""))
            .await
            .status,
        405
    );
    assert_eq!(
        f.send(&req("GET", "acme.localhost:8787", "/other", b""))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn get_streams_are_per_tenant_and_publishes_broadcast_changes() {
    let f = Fixture::new();
    f.push("acme", &config("acme", 1, "one")).await;
    let mut get = req("GET", "acme.localhost:8787", "/mcp", b"");
    get.headers
        .push(("accept".into(), "text/event-stream".into()));
    let opened = f.edge().handle(&get).await;
    assert!(
        matches!(opened, Outcome::Mcp(Effect::OpenTenantStream { ref tenant, .. }, _) if tenant == "acme"),
        "{opened:?}"
    );
    assert_eq!(
        f.send(&req("GET", "acme.localhost:8787", "/mcp", b""))
            .await
            .status,
        405,
        "not asking for a stream"
    );
    let mut modern = get.clone();
    modern
        .headers
        .push(("mcp-protocol-version".into(), "2026-07-28".into()));
    assert_eq!(
        f.send(&modern).await.status,
        405,
        "the modern era has no GET stream"
    );

    let env = SignedConfig::sign(&config("acme", 2, "two"), &f.key).unwrap();
    let push = req(
        "PUT",
        "localhost",
        "/internal/tenants/acme/config",
        &serde_json::to_vec(&env).unwrap(),
    );
    let Outcome::Broadcast {
        tenant,
        changes,
        reply,
    } = f.edge().handle(&push).await
    else {
        panic!("broadcasts")
    };
    assert_eq!((tenant.as_str(), reply.status), ("acme", 200));
    assert_eq!(
        changes.lists,
        crate::mcp::subscriptions::ListChanges {
            tools: true,
            ..Default::default()
        }
    );
    assert_eq!(changes.updated, Vec::<String>::new());
}

mod limits;
mod resource_server;

/// An HTTP tool's call through the whole edge, as the shell runs it: the
/// first run asks for the backend call (and answers nothing), the run given
/// the backend's answer replies with the tool's result.
#[tokio::test]
async fn an_http_tool_asks_the_shell_for_its_backend_then_answers() {
    use crate::backend::{BackendAnswer, Fetched};
    use portcullis_tenant_config::ArgSchema;
    use portcullis_tenant_config::http_tool::{HttpBinding, HttpMethod};
    let f = Fixture::new();
    let mut published = config("acme", 1, "plain");
    let schema = json!({"type": "object", "properties": {"city": {"type": "string"}}});
    published.tools.push(portcullis_tenant_config::ToolConfig {
        arguments: ArgSchema::compile(&schema).unwrap(),
        input_schema: schema,
        content: Vec::new(),
        http: Some(HttpBinding {
            method: HttpMethod::Get,
            url: "https://api.acme.test/weather/{city}".into(),
            query: Vec::new(),
            headers: Default::default(),
            timeout_ms: 1_000,
            max_response_bytes: 1_000,
            assertion: None,
            credential: None,
            user_token: false,
            mcp: None,
        }),
        ..crate::test_fixtures::tool("weather", Vec::new())
    });
    f.push("acme", &published).await;
    let call = br#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"weather","arguments":{"city":"Oslo"}}}"#;
    let mut request = req("POST", "acme.localhost:8787", "/mcp", call);
    request.headers.push((
        "accept".into(),
        "application/json, text/event-stream".into(),
    ));
    let Outcome::Mcp(Effect::Obtain(needed), usage) = f.edge().handle(&request).await else {
        panic!("the first run asks for the backend");
    };
    assert!(
        usage.is_empty(),
        "a run waiting for its backend counts nothing"
    );
    let Some(needed) = needed.into_backend() else {
        panic!("a backend call")
    };
    assert_eq!(needed.planned.url, "https://api.acme.test/weather/Oslo");
    let fetched = crate::outside::Obtained::Backend(Box::new(Fetched {
        call: needed,
        answer: BackendAnswer::Answered {
            status: 200,
            content_type: Some("text/plain".into()),
            body: b"sunny".to_vec(),
        },
    }));
    let edge = Edge {
        obtained: Some(&fetched),
        ..f.edge()
    };
    let Outcome::Mcp(effect, usage) = edge.handle(&request).await else {
        panic!("an MCP answer");
    };
    let counted: Vec<_> = usage
        .iter()
        .map(|u| (u.outcome, u.backend.as_deref()))
        .collect();
    assert_eq!(
        counted,
        [("ok", Some("200"))],
        "the call counts with its backend's status"
    );
    let reply = effect.into_reply();
    assert_eq!(
        body(&reply)["result"]["content"],
        json!([{"type": "text", "text": "sunny"}]),
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
}
