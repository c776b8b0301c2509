//! A tenant protected by its own authorization server, federated to a real
//! OpenID Provider, used by the official TypeScript SDK's OAuth client with
//! a real browser for the user: discovery, registration, login, consent,
//! tokens, scopes, refresh and revocation. Screenshots of the pages the user
//! sees go to `target/e2e-artifacts/`.

use portcullis_e2e::clients::{authorization_conformance, oauth_flow, oauth_flow_choosing};
use portcullis_e2e::edge::Edge;
use portcullis_e2e::identity_provider::IdentityProvider;
use portcullis_e2e::stack::Stack;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn step<'a>(run: &'a Value, name: &str) -> &'a Value {
    run["steps"]
        .as_array()
        .and_then(|steps| steps.iter().find(|s| s["name"] == name))
        .unwrap_or_else(|| panic!("no step {name:?} in {run}"))
}

fn tool(name: &str, scope: &str) -> Value {
    json!({
        "name": name, "description": format!("{name} things"),
        "inputSchema": {"type": "object", "properties": {"city": {"type": "string"}}},
        "content": [{"type": "text", "text": format!("{name} done")}],
        "scopes": [scope]
    })
}

/// `acme`, protected: users of acme.com may grant `weather:read`; the
/// `mcp-admins` group may also grant `admin`. `clients` are pre-registered.
async fn protected_tenant(api: &Stack, idp: &IdentityProvider, clients: Value) {
    api.create(
        "/tenants",
        Some(json!({"slug": "acme", "displayName": "Acme Corp"})),
    )
    .await;
    api.create(
        "/tenants/acme/tools",
        Some(tool("forecast", "weather:read")),
    )
    .await;
    api.create("/tenants/acme/tools", Some(tool("wipe", "admin")))
        .await;
    let settings = json!({
        "mode": "oauth",
        "providers": [{
            "id": "acme-sso", "kind": "oidc", "displayName": "Acme SSO",
            "clientId": idp.client_id, "clientSecret": idp.client_secret, "issuer": idp.base
        }],
        "scopes": [
            {"name": "weather:read", "description": "Read forecasts"},
            {"name": "admin", "description": "Wipe everything"}
        ],
        "allow": [{"emailDomains": ["acme.com"]}],
        "roles": [
            {"name": "staff", "scopes": ["weather:read"]},
            {"name": "admins", "when": {"groups": ["mcp-admins"]}, "scopes": ["admin"]}
        ],
        "clients": clients
    });
    let (status, body) = api
        .call(Method::PUT, "/tenants/acme/auth", Some(settings))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    api.create("/tenants/acme/publish", None).await;
}

/// The whole stack with [`protected_tenant`] published, its provider a real
/// OpenID Provider.
struct ProtectedSite {
    /// `http://acme.localhost:<edge port>`
    origin: String,
    _api: Stack,
    _edge: Edge,
    _idp: IdentityProvider,
}

impl ProtectedSite {
    async fn start(name: &str, clients: Value) -> Self {
        Self::start_with(name, clients, false).await
    }

    /// With the provider in its spec-conformant claims setting when
    /// `conformant` (claims from userinfo, not the ID token).
    async fn start_with(name: &str, clients: Value, conformant: bool) -> Self {
        let api = Stack::without_edge(name).await;
        let origin = format!("http://acme.localhost:{}", api.edge_port);
        let callback = format!("{origin}/oauth/callback");
        let idp = if conformant {
            IdentityProvider::openid_conformant(&callback).await
        } else {
            IdentityProvider::openid(&callback).await
        };
        let edge = api.start_edge().await;
        protected_tenant(&api, &idp, clients).await;
        Self {
            origin,
            _api: api,
            _edge: edge,
            _idp: idp,
        }
    }
}

fn artifacts() -> std::path::PathBuf {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("e2e-artifacts/oauth");
    std::fs::create_dir_all(&dir).expect("artifact dir");
    dir
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sdk_oauth_client_signs_in_through_the_tenants_identity_provider() {
    let site = ProtectedSite::start("e2e_oauth", json!([])).await;
    let origin = &site.origin;

    let run = oauth_flow(&format!("{origin}/mcp"), "alice@acme.com", &artifacts()).await;
    assert_eq!(run["problems"], json!([]), "{run}");

    let challenge = step(&run, "challenge");
    assert_eq!(challenge["status"], 401, "{run}");
    let www = challenge["wwwAuthenticate"].as_str().unwrap_or_default();
    assert!(
        www.contains(&format!(
            "resource_metadata=\"{origin}/.well-known/oauth-protected-resource/mcp\""
        )),
        "{www}"
    );
    let authorize = step(&run, "authorization url")["value"]
        .as_str()
        .unwrap_or_default();
    assert!(
        authorize.starts_with(&format!("{origin}/authorize?")),
        "{run}"
    );
    assert!(
        authorize.contains("code_challenge_method=S256"),
        "{authorize}"
    );

    // The edge's consent page, in the tenant's name, for the registered client.
    let page = step(&run, "edge page");
    let text = page["text"].as_str().unwrap_or_default();
    assert!(
        text.contains("Acme Corp") && text.contains("Portcullis e2e client"),
        "{text}"
    );
    assert!(
        text.contains("Read forecasts") && !text.contains("Wipe everything"),
        "{text}"
    );
    assert!(
        text.contains("127.0.0.1"),
        "the redirect URI's host is shown: {text}"
    );

    let redirect = step(&run, "redirect");
    assert_eq!(redirect["iss"], origin.as_str(), "{run}");
    assert_eq!(
        step(&run, "finish auth")["value"]["scope"],
        "weather:read",
        "{run}"
    );
    assert_eq!(
        step(&run, "list tools")["value"],
        json!(["forecast"]),
        "{run}"
    );
    let call = step(&run, "call allowed tool");
    assert_eq!(
        call["value"]["content"][0]["text"], "forecast done",
        "{run}"
    );
    // Outside its scopes: 403 insufficient_scope, and the SDK wants to step up.
    let refused = step(&run, "call tool outside scopes");
    assert_eq!(refused["ok"], false, "{run}");

    let refreshed = step(&run, "list tools after refresh");
    assert_eq!(refreshed["value"], json!(["forecast"]), "{run}");
    assert_eq!(step(&run, "refresh")["rotated"], true, "{run}");

    assert_eq!(step(&run, "revoke")["status"], 200, "{run}");
    let revoked = step(&run, "revoked access token");
    assert_eq!(revoked["status"], 401, "{run}");
    let refused = step(&run, "refresh after revocation");
    assert_eq!(
        (refused["status"].clone(), refused["body"]["error"].clone()),
        (json!(400), json!("invalid_grant")),
        "{run}"
    );
    assert_eq!(step(&run, "connect after revocation")["ok"], false, "{run}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_provider_that_sends_claims_from_userinfo_admits_its_users() {
    let site = ProtectedSite::start_with("e2e_oauth_userinfo", json!([]), true).await;
    let run = oauth_flow(
        &format!("{}/mcp", site.origin),
        "alice@acme.com",
        &artifacts(),
    )
    .await;
    // The email rule admits her only if the edge asked userinfo.
    assert_eq!(run["problems"], json!([]), "{run}");
    assert!(
        run["steps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["name"] == "list tools"),
        "{run}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_user_the_tenant_does_not_admit_sees_why() {
    let site = ProtectedSite::start("e2e_oauth_denied", json!([])).await;
    let origin = &site.origin;

    let run = oauth_flow(
        &format!("{origin}/mcp"),
        "mallory@evil.example",
        &artifacts(),
    )
    .await;
    let page = step(&run, "edge page");
    let text = page["text"].as_str().unwrap_or_default();
    assert!(
        text.contains("can't use Acme Corp") && text.contains("mallory@evil.example"),
        "{run}"
    );
    assert!(
        run["steps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["name"] != "list tools"),
        "{run}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_official_authorization_server_scenarios_pass() {
    let callback_port = portcullis_e2e::free_port();
    let client = json!([{
        "clientId": "conformance-suite", "clientName": "MCP conformance suite",
        "redirectUris": [format!("http://127.0.0.1:{callback_port}/callback")]
    }]);
    let site = ProtectedSite::start("e2e_oauth_conformance", client).await;
    let origin = &site.origin;

    let run =
        authorization_conformance(origin, "conformance-suite", callback_port, "alice@acme.com")
            .await;
    let output = run["output"].as_str().unwrap_or_default();
    assert_eq!(run["problems"], json!([]), "{output}");
    assert_eq!(run["exitCode"], 0, "{output}");
    for scenario in [
        "authorization-server-metadata-endpoint",
        "authorization-code-grant",
    ] {
        assert!(
            output.contains(scenario),
            "{scenario} did not run: {output}"
        );
    }
    assert!(
        !output.contains("FAILURE") && !output.contains("✗"),
        "{output}"
    );
}

/// `acme` with two sign-in options: GitHub (members of the `acme`
/// organisation) and Google (acme.com accounts).
#[tokio::test(flavor = "multi_thread")]
async fn github_and_google_sign_in_through_the_chooser() {
    let api = Stack::without_edge("e2e_oauth_github").await;
    let origin = format!("http://acme.localhost:{}", api.edge_port);
    let github = IdentityProvider::github().await;
    let google = IdentityProvider::openid(&format!("{origin}/oauth/callback")).await;
    let _edge = api.start_edge().await;
    api.create(
        "/tenants",
        Some(json!({"slug": "acme", "displayName": "Acme Corp"})),
    )
    .await;
    api.create(
        "/tenants/acme/tools",
        Some(tool("forecast", "weather:read")),
    )
    .await;
    let settings = json!({
        "mode": "oauth",
        "providers": [
            {"id": "github", "kind": "github", "displayName": "GitHub", "clientId": github.client_id,
             "clientSecret": github.client_secret, "issuer": github.base, "apiBase": github.base},
            {"id": "google", "kind": "google", "displayName": "Google", "clientId": google.client_id,
             "clientSecret": google.client_secret, "issuer": google.base}
        ],
        "scopes": [{"name": "weather:read", "description": "Read forecasts"}],
        "allow": [{"githubOrgs": ["acme"]}, {"emailDomains": ["acme.com"]}]
    });
    let (status, body) = api
        .call(Method::PUT, "/tenants/acme/auth", Some(settings))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    api.create("/tenants/acme/publish", None).await;
    let mcp = format!("{origin}/mcp");

    for (login, choice) in [("octocat", "GitHub"), ("alice@acme.com", "Google")] {
        let run = oauth_flow_choosing(&mcp, login, &artifacts(), Some(choice)).await;
        assert_eq!(run["problems"], json!([]), "{choice}: {run}");
        assert_eq!(
            step(&run, "list tools")["value"],
            json!(["forecast"]),
            "{choice}: {run}"
        );
        let text = step(&run, "edge page")["text"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(text.contains("Acme Corp"), "{choice}: {text}");
    }
    // A GitHub user outside the organisation is turned away.
    let run = oauth_flow_choosing(&mcp, "stranger", &artifacts(), Some("GitHub")).await;
    let text = step(&run, "edge page")["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        text.contains("can't use Acme Corp") && text.contains("stranger"),
        "{run}"
    );
}
