//! The signed user assertion of HTTP tools, end to end: a user signs in
//! with the official TypeScript SDK's OAuth client (a real browser, a real
//! OpenID Provider), calls tools bound to a backend that verifies who the
//! user is with PyJWT against the tenant's JWKS — a library no one here
//! wrote. Claims, audience, header, lifetime; no token passthrough; an
//! assertion from another tenant or past its expiry refused by the
//! backend's own check; key rotation with an overlap, then retirement.

use std::time::Duration;

use portcullis_e2e::clients::oauth_plan;
use portcullis_e2e::identity_provider::IdentityProvider;
use portcullis_e2e::stack::Stack;
use portcullis_e2e::tool_backend::ToolBackend;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// A tenant signing in through `idp`, whose users of `domain` get
/// `weather:read`, with `tools`; published.
async fn tenant(api: &Stack, slug: &str, idp: &IdentityProvider, domain: &str, tools: &[Value]) {
    api.create("/tenants", Some(json!({"slug": slug}))).await;
    for tool in tools {
        api.create(&format!("/tenants/{slug}/tools"), Some(tool.clone()))
            .await;
    }
    let settings = json!({
        "mode": "oauth",
        "providers": [{"id": "sso", "kind": "oidc", "displayName": "SSO",
            "clientId": idp.client_id, "clientSecret": idp.client_secret, "issuer": idp.base}],
        "scopes": [{"name": "weather:read", "description": "Read forecasts"}],
        "allow": [{"emailDomains": [domain]}],
        "roles": [{"name": "staff", "scopes": ["weather:read"]}]
    });
    let (status, body) = api
        .call(
            Method::PUT,
            &format!("/tenants/{slug}/auth"),
            Some(settings),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    api.create(&format!("/tenants/{slug}/publish"), None).await;
}

fn whoami(name: &str, url: &str, assertion: Option<Value>) -> Value {
    let mut http = json!({"method": "GET", "url": url});
    if let Some(assertion) = assertion {
        http["assertion"] = assertion;
    }
    json!({"name": name, "description": "Who the backend sees",
        "inputSchema": {"type": "object", "properties": {}}, "http": http})
}

/// The claims a JWT carries (unverified: the backend verified it).
fn claims_of(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("a JWT has a payload");
    let bytes = portcullis_tenant_config::encoding::decode_base64url(payload).expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

fn header_of(jwt: &str) -> Value {
    let header = jwt.split('.').next().unwrap_or_default();
    let bytes = portcullis_tenant_config::encoding::decode_base64url(header).expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON header")
}

/// The JWT each recorded request to `/whoami` carried, in order.
async fn assertions_received(backend: &ToolBackend) -> Vec<(String, Value)> {
    backend
        .received()
        .await
        .into_iter()
        .filter(|r| r["path"] == "/whoami")
        .map(|r| {
            let headers = &r["headers"];
            let jwt = match headers["x-user"].as_str() {
                Some(jwt) => jwt.to_owned(),
                None => headers["authorization"]
                    .as_str()
                    .and_then(|a| a.strip_prefix("Bearer "))
                    .unwrap_or_default()
                    .to_owned(),
            };
            (jwt, headers.clone())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn backends_verify_the_user_with_the_tenants_keys_through_rotation() {
    let backend = ToolBackend::start().await;
    let base = backend.base.clone();
    let api = Stack::without_edge("e2e_user_assertions").await;
    let acme = format!("http://acme.localhost:{}", api.edge_port);
    let globex = format!("http://globex.localhost:{}", api.edge_port);
    let acme_idp = IdentityProvider::openid(&format!("{acme}/oauth/callback")).await;
    let globex_idp = IdentityProvider::openid(&format!("{globex}/oauth/callback")).await;
    let edge = api.start_edge().await;
    let url = format!("{base}/whoami");
    tenant(
        &api,
        "acme",
        &acme_idp,
        "acme.com",
        &[
            whoami("whoami", &url, Some(json!({}))),
            whoami(
                "whoami_short",
                &url,
                Some(
                    json!({"header": "X-User", "audience": "urn:acme:backend", "lifetimeSecs": 10}),
                ),
            ),
            whoami("anonymous_echo", &format!("{base}/echo/plain"), None),
        ],
    )
    .await;
    tenant(
        &api,
        "globex",
        &globex_idp,
        "globex.com",
        &[whoami("whoami", &url, Some(json!({})))],
    )
    .await;
    // The backend belongs to acme: it trusts acme's origin, nobody else.
    backend.trust(&acme, &[&base, "urn:acme:backend"]).await;

    let plan = json!([
        {"op": "callTool", "name": "whoami", "arguments": {}},
        {"op": "callTool", "name": "whoami_short", "arguments": {}},
        {"op": "callTool", "name": "anonymous_echo", "arguments": {}}
    ]);
    let run = oauth_plan(&format!("{acme}/mcp"), "alice@acme.com", &plan).await;
    assert_eq!(run["problems"], json!([]), "{run}");
    let result = |i: usize| {
        let r = &run["results"][i];
        assert_eq!(r["ok"], true, "{r}");
        r["value"].clone()
    };
    let seen = result(0);
    assert_eq!(
        seen["isError"], false,
        "the backend verified the user: {seen}"
    );
    let verified = &seen["structuredContent"]["claims"];
    assert_eq!(verified["iss"], acme.as_str(), "{verified}");
    assert_eq!(verified["aud"], base.as_str(), "{verified}");
    assert_eq!(verified["client_id"], run["clientId"], "{verified}");
    assert_eq!(verified["tool"], "whoami");
    // What the identity provider said about the user, where it said it.
    assert_eq!(verified["email"], "alice@acme.com", "{verified}");
    assert_eq!(verified["name"], "alice", "{verified}");
    assert!(
        verified["sub"]
            .as_str()
            .unwrap_or_default()
            .starts_with("sso:"),
        "{verified}"
    );
    assert!(
        verified["scope"]
            .as_str()
            .unwrap_or_default()
            .split(' ')
            .any(|s| s == "weather:read"),
        "{verified}"
    );
    let lifetime = verified["exp"].as_u64().unwrap() - verified["iat"].as_u64().unwrap();
    assert_eq!(lifetime, 300, "five minutes by default: {verified}");
    let short = result(1);
    assert_eq!(short["isError"], false, "{short}");
    let short_claims = &short["structuredContent"]["claims"];
    assert_eq!(short_claims["aud"], "urn:acme:backend");
    assert_eq!(
        short_claims["exp"].as_u64().unwrap() - short_claims["iat"].as_u64().unwrap(),
        10
    );
    assert_ne!(
        short_claims["jti"], verified["jti"],
        "each assertion its own id"
    );

    // What arrived: the assertion in the header each tool named, and never
    // the client's own access token (no passthrough).
    let access_token = run["accessToken"].as_str().expect("the client's token");
    let received = assertions_received(&backend).await;
    assert_eq!(received.len(), 2, "{received:?}");
    let (first, first_headers) = &received[0];
    assert_eq!(header_of(first)["alg"], "EdDSA");
    assert_eq!(header_of(first)["typ"], "JWT");
    let (short_jwt, short_headers) = &received[1];
    assert!(
        short_headers.get("authorization").is_none(),
        "{short_headers}"
    );
    for headers in [first_headers, short_headers] {
        assert!(
            !headers.to_string().contains(access_token),
            "token passthrough: {headers}"
        );
    }
    let echo = result(2);
    let echoed = echo["structuredContent"]["headers"].clone();
    assert!(
        echoed.get("authorization").is_none() && echoed.get("x-user").is_none(),
        "{echoed}"
    );

    // The JWKS lists public halves only.
    let jwks = |origin: &str| {
        let host = origin
            .trim_start_matches("http://")
            .split(':')
            .next()
            .unwrap()
            .to_owned();
        let request = edge.request(Method::GET, &host, "/.well-known/jwks.json");
        async move {
            let answer = request.send().await.expect("the edge answers");
            assert_eq!(answer.status(), StatusCode::OK);
            answer.json::<Value>().await.expect("a key set")
        }
    };
    let set = jwks(&acme).await;
    assert_eq!(set["keys"].as_array().unwrap().len(), 1, "{set}");
    assert_eq!(set["keys"][0]["kid"], header_of(first)["kid"]);
    assert!(
        set["keys"][0].get("d").is_none() && !set.to_string().contains("pcs1"),
        "{set}"
    );

    // Another tenant's user, through a tool pointed at acme's backend: the
    // assertion is genuine (globex's own keys verify it) but the backend,
    // trusting acme only, refuses it.
    let run = oauth_plan(
        &format!("{globex}/mcp"),
        "bob@globex.com",
        &json!([plan[0]]),
    )
    .await;
    assert_eq!(run["problems"], json!([]), "{run}");
    let refused = &run["results"][0]["value"];
    assert_eq!(refused["isError"], true, "{run}");
    let words = refused["content"][0]["text"].as_str().unwrap_or_default();
    assert!(
        words.contains("401") && words.contains("assertion refused"),
        "{words}"
    );
    let globex_jwt = assertions_received(&backend)
        .await
        .pop()
        .expect("globex's call")
        .0;
    assert_eq!(claims_of(&globex_jwt)["iss"], globex.as_str());
    assert_eq!(backend.check(&globex_jwt, &globex, &base).await["ok"], true);
    assert_eq!(backend.check(&globex_jwt, &acme, &base).await["ok"], false);
    // And acme's assertion does not pass for globex's.
    assert_eq!(backend.check(first, &globex, &base).await["ok"], false);

    // Rotation: a new signing key, the previous one still listed.
    let (status, keys) = api
        .call(Method::POST, "/tenants/acme/assertion-keys/rotate", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{keys}");
    let new_kid = keys[0]["kid"].as_str().unwrap().to_owned();
    assert_eq!(
        jwks(&acme).await["keys"].as_array().unwrap().len(),
        2,
        "rotated keys served at once"
    );
    assert_eq!(
        backend.check(first, &acme, &base).await["ok"],
        true,
        "the overlap"
    );
    let again = call_as(&edge, access_token, "whoami").await;
    assert_eq!(again["isError"], false, "{again}");
    let (rotated, _) = assertions_received(&backend).await.pop().unwrap();
    assert_eq!(
        header_of(&rotated)["kid"],
        new_kid.as_str(),
        "signed with the new key"
    );
    assert_eq!(backend.check(&rotated, &acme, &base).await["ok"], true);

    // Retirement: the previous key is gone, and what it signed is refused.
    let (status, keys) = api
        .call(Method::POST, "/tenants/acme/assertion-keys/retire", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{keys}");
    assert_eq!(jwks(&acme).await["keys"].as_array().unwrap().len(), 1);
    let old = backend.check(first, &acme, &base).await;
    assert_eq!(old["ok"], false, "{old}");
    assert!(
        old["error"]
            .as_str()
            .unwrap_or_default()
            .contains("not in the issuer's JWKS"),
        "{old}"
    );
    assert_eq!(backend.check(&rotated, &acme, &base).await["ok"], true);

    // Expiry, by the backend's own clock: a fresh ten-second assertion
    // (the first was signed with the retired key), refused once it is over.
    let fresh = call_as(&edge, access_token, "whoami_short").await;
    assert_eq!(fresh["isError"], false, "{fresh}");
    let (short_fresh, _) = assertions_received(&backend).await.pop().unwrap();
    assert_ne!(&short_fresh, short_jwt);
    let expires = claims_of(&short_fresh)["exp"].as_u64().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    tokio::time::sleep(Duration::from_secs(expires.saturating_sub(now) + 1)).await;
    let expired = backend.check(&short_fresh, &acme, "urn:acme:backend").await;
    assert_eq!(expired["ok"], false, "{expired}");
    assert!(
        expired["error"]
            .as_str()
            .unwrap_or_default()
            .contains("Expired"),
        "{expired}"
    );
}

/// Calls `tool` as the signed-in user, statelessly (2026-07-28).
async fn call_as(edge: &portcullis_e2e::edge::Edge, token: &str, tool: &str) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
        "name": tool, "arguments": {},
        "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {}}}});
    let answer: Value = edge
        .request(Method::POST, "acme.localhost", "/mcp")
        .header("authorization", format!("Bearer {token}"))
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "tools/call")
        .header("mcp-name", tool)
        .json(&body)
        .send()
        .await
        .expect("the edge answers")
        .json()
        .await
        .expect("a JSON-RPC answer");
    answer["result"].clone()
}
