//! The resource server side: `/mcp` with and without tokens, through the edge.

use portcullis_tenant_config::TenantConfig;
use serde_json::{Value, json};

use crate::app::Edge;
use crate::http::{HttpRequest, HttpResponse};
use crate::oauth::tests::*;
use crate::store::memory::MemoryStore;
use crate::store::revocation_key;
use crate::tokens::AccessTokens;
use portcullis_tenant_config::envelope::Ed25519Verifier;

struct Site {
    store: MemoryStore,
    verifier: Ed25519Verifier,
}

impl Site {
    async fn new(configs: &[TenantConfig]) -> Self {
        let store = MemoryStore::default();
        for c in configs {
            store.put(c);
        }
        let key = ed25519_dalek::SigningKey::from_bytes(&[1; 32]);
        Self {
            store,
            verifier: Ed25519Verifier(key.verifying_key()),
        }
    }

    async fn send(
        &self,
        host: &str,
        path: &str,
        query: &str,
        token: Option<&str>,
        body: Value,
    ) -> HttpResponse {
        let mut headers = vec![
            ("host".to_owned(), host.to_owned()),
            ("content-type".to_owned(), "application/json".to_owned()),
            (
                "accept".to_owned(),
                "application/json, text/event-stream".to_owned(),
            ),
            ("mcp-protocol-version".to_owned(), "2025-11-25".to_owned()),
        ];
        if let Some(token) = token {
            headers.push(("authorization".into(), format!("Bearer {token}")));
        }
        let request = HttpRequest {
            method: if body.is_null() { "GET" } else { "POST" }.into(),
            path: path.into(),
            query: query.into(),
            headers,
            body: if body.is_null() {
                vec![]
            } else {
                body.to_string().into_bytes()
            },
            secure: true,
        };
        let edge = Edge {
            edge_domain: "localhost",
            store: &self.store,
            verifier: &self.verifier,
            new_session_id: &|| "0123456789ab".into(),
            token_key: &TOKEN_KEY,
            now: NOW + 10,
            obtained: None,
        };
        edge.handle(&request).await.into_reply()
    }

    async fn mcp(&self, token: Option<&str>, method: &str, params: Value) -> HttpResponse {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        self.send("acme.localhost", "/mcp", "", token, body).await
    }
}

fn tool_names(response: &HttpResponse) -> Vec<String> {
    json_of(response)["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn no_token_gets_a_challenge_pointing_at_the_metadata() {
    let site = Site::new(&[oauth_tenant()]).await;
    let response = site.mcp(None, "tools/list", json!({})).await;
    assert_eq!(response.status, 401);
    let challenge = response.header("www-authenticate").unwrap();
    assert!(challenge.starts_with(
        "Bearer resource_metadata=\"https://acme.localhost/.well-known/oauth-protected-resource/mcp\""
    ));
    assert!(
        challenge.contains("scope=\"weather:read admin\""),
        "{challenge}"
    );

    let prm = site
        .send(
            "acme.localhost",
            "/.well-known/oauth-protected-resource/mcp",
            "",
            None,
            Value::Null,
        )
        .await;
    let prm = json_of(&prm);
    assert_eq!(prm["resource"], "https://acme.localhost/mcp");
    assert_eq!(
        prm["authorization_servers"],
        json!(["https://acme.localhost"])
    );
    let asm = site
        .send(
            "acme.localhost",
            "/.well-known/oauth-authorization-server",
            "",
            None,
            Value::Null,
        )
        .await;
    let asm = json_of(&asm);
    assert_eq!(asm["issuer"], "https://acme.localhost");
    assert_eq!(asm["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(asm["authorization_response_iss_parameter_supported"], true);
    let oidc = site
        .send(
            "acme.localhost",
            "/.well-known/openid-configuration",
            "",
            None,
            Value::Null,
        )
        .await;
    assert_eq!(
        json_of(&oidc)["token_endpoint"],
        "https://acme.localhost/token"
    );
}

#[tokio::test]
async fn a_public_tenant_serves_no_oauth_metadata() {
    let site = Site::new(&[crate::test_fixtures::tenant("acme", 1, &["t"])]).await;
    let prm = site
        .send(
            "acme.localhost",
            "/.well-known/oauth-protected-resource/mcp",
            "",
            None,
            Value::Null,
        )
        .await;
    assert_eq!(prm.status, 404);
    assert_eq!(site.mcp(None, "tools/list", json!({})).await.status, 200);
}

#[tokio::test]
async fn scopes_filter_tools_and_calls_outside_them_get_a_step_up_challenge() {
    let h = Harness::new();
    let tokens = h.tokens().await;
    let site = Site::new(&[oauth_tenant()]).await;
    let list = site
        .mcp(Some(&tokens.access), "tools/list", json!({}))
        .await;
    assert_eq!(list.status, 200);
    assert_eq!(tool_names(&list), ["forecast"]);
    let ok = site
        .mcp(
            Some(&tokens.access),
            "tools/call",
            json!({"name": "forecast", "arguments": {"city": "Oslo"}}),
        )
        .await;
    assert_eq!(json_of(&ok)["result"]["isError"], false);
    let refused = site
        .mcp(
            Some(&tokens.access),
            "tools/call",
            json!({"name": "wipe", "arguments": {"city": "Oslo"}}),
        )
        .await;
    assert_eq!(refused.status, 403);
    let challenge = refused.header("www-authenticate").unwrap();
    assert!(
        challenge.contains("error=\"insufficient_scope\"") && challenge.contains("scope=\"admin\""),
        "{challenge}"
    );
    assert!(challenge.contains(
        "resource_metadata=\"https://acme.localhost/.well-known/oauth-protected-resource/mcp\""
    ));
}

#[tokio::test]
async fn attack_token_of_tenant_a_at_tenant_b() {
    let h = Harness::new();
    let tokens = h.tokens().await;
    let mut globex = oauth_tenant();
    globex.tenant = "globex".into();
    let site = Site::new(&[oauth_tenant(), globex]).await;
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"});
    let response = site
        .send("globex.localhost", "/mcp", "", Some(&tokens.access), body)
        .await;
    assert_eq!(response.status, 401);
    assert!(
        response
            .header("www-authenticate")
            .unwrap()
            .contains("error=\"invalid_token\"")
    );
}

#[tokio::test]
async fn attack_token_for_another_resource() {
    let tokens = AccessTokens::for_tenant(&TOKEN_KEY, "acme");
    let claims = crate::tokens::AccessClaims {
        t: "acme".into(),
        g: "g".into(),
        u: "u".into(),
        c: "c".into(),
        s: "weather:read".into(),
        a: "https://acme.localhost/other".into(),
        e: NOW + 100,
    };
    let site = Site::new(&[oauth_tenant()]).await;
    let response = site
        .mcp(Some(&tokens.mint(&claims)), "tools/list", json!({}))
        .await;
    assert_eq!(response.status, 401);
    let expired = crate::tokens::AccessClaims {
        a: "https://acme.localhost/mcp".into(),
        e: NOW,
        ..claims
    };
    assert_eq!(
        site.mcp(Some(&tokens.mint(&expired)), "tools/list", json!({}))
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn attack_token_in_query_string() {
    let h = Harness::new();
    let tokens = h.tokens().await;
    let site = Site::new(&[oauth_tenant()]).await;
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"});
    let query = format!("access_token={}", tokens.access);
    let response = site
        .send("acme.localhost", "/mcp", &query, None, body)
        .await;
    assert_eq!(
        (response.status, json_of(&response)["error"].clone()),
        (400, json!("invalid_request"))
    );
}

#[tokio::test]
async fn a_revoked_token_stops_working() {
    let h = Harness::new();
    let tokens = h.tokens().await;
    h.post_form("/revoke", &[("token", &tokens.access)]).await;
    let site = Site::new(&[oauth_tenant()]).await;
    assert_eq!(
        site.mcp(Some(&tokens.access), "tools/list", json!({}))
            .await
            .status,
        200
    );
    for grant in h.store.revoked.borrow().iter() {
        site.store
            .1
            .borrow_mut()
            .push(revocation_key("acme", grant));
    }
    let response = site
        .mcp(Some(&tokens.access), "tools/list", json!({}))
        .await;
    assert_eq!(response.status, 401);
    assert!(
        response
            .header("www-authenticate")
            .unwrap()
            .contains("revoked")
    );
}
