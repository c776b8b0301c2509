//! Per-user memory through real clients: users sign in with the official
//! SDK's OAuth client (a real OpenID Provider, headless Chromium), and
//! their notes last across sessions, clients, protocol eras and a restart
//! of the runtime; another user of the tenant, and the same user at
//! another tenant, see none of them; the quota is a tool error.

use portcullis_e2e::clients::{Sdk, oauth_plan, sdk_client_as};
use portcullis_e2e::identity_provider::IdentityProvider;
use portcullis_e2e::stack::Stack;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// A tenant whose users of `acme.com` sign in through `idp`, with memory
/// on (three notes each); published.
async fn tenant(api: &Stack, slug: &str, idp: &IdentityProvider) {
    api.create("/tenants", Some(json!({"slug": slug}))).await;
    let settings = json!({
        "mode": "oauth",
        "providers": [{"id": "sso", "kind": "oidc", "displayName": "SSO",
            "clientId": idp.client_id, "clientSecret": idp.client_secret, "issuer": idp.base}],
        "allow": [{"emailDomains": ["acme.com"]}]
    });
    let path = format!("/tenants/{slug}/auth");
    let (status, body) = api.call(Method::PUT, &path, Some(settings)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let path = format!("/tenants/{slug}/memory");
    let memory = json!({"memory": {"maxNotes": 3}});
    let (status, body) = api.call(Method::PUT, &path, Some(memory)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    api.create(&format!("/tenants/{slug}/publish"), None).await;
}

fn call(name: &str, arguments: Value) -> Value {
    json!({"op": "callTool", "name": name, "arguments": arguments})
}

/// Each step's tool result, asserting none was a protocol error.
fn results(run: &Value) -> Vec<Value> {
    let steps = run["results"].as_array().cloned().unwrap_or_default();
    assert!(!steps.is_empty(), "{run}");
    steps
        .into_iter()
        .map(|r| {
            assert_eq!(r["ok"], true, "a tool result: {r}");
            r["value"].clone()
        })
        .collect()
}

fn text(result: &Value) -> &str {
    result["content"][0]["text"].as_str().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn notes_are_the_users_own_and_outlast_sessions_clients_and_restarts() {
    let api = Stack::without_edge("e2e_memory").await;
    let acme = format!("http://acme.localhost:{}", api.edge_port);
    let globex = format!("http://globex.localhost:{}", api.edge_port);
    let acme_idp = IdentityProvider::openid(&format!("{acme}/oauth/callback")).await;
    let globex_idp = IdentityProvider::openid(&format!("{globex}/oauth/callback")).await;
    let mut edge = api.start_edge().await;
    tenant(&api, "acme", &acme_idp).await;
    tenant(&api, "globex", &globex_idp).await;

    // Alice, in a Streamable HTTP session (run in her session's object).
    let plan = json!([
        call("remember", json!({"key": "language", "text": "Norwegian"})),
        call("remember", json!({"key": "city", "text": "Bergen"})),
        call("recall", json!({"key": "language"})),
    ]);
    let alice = oauth_plan(&format!("{acme}/mcp"), "alice@acme.com", &plan).await;
    assert_eq!(alice["problems"], json!([]), "{alice}");
    let done = results(&alice);
    assert_eq!(text(&done[0]), "Remembered \"language\".", "{alice}");
    assert_eq!(text(&done[2]), "Norwegian");
    let token = alice["accessToken"].as_str().expect("alice's token");

    // The same user with another client, statelessly (2026-07-28, run from
    // the request itself): the same notes.
    let mcp = format!("{acme}/mcp");
    let plan = json!([{"op": "listTools"}, call("recall", json!({}))]);
    let later = sdk_client_as(Sdk::V2, &mcp, Some(token), plan).await;
    let done = results(&later);
    let names: Vec<&str> = done[0]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(names, ["remember", "recall", "forget"], "{later}");
    let notes: Value = serde_json::from_str(text(&done[1])).expect("the notes as JSON");
    assert_eq!(
        notes,
        json!([{"key": "language", "text": "Norwegian"}, {"key": "city", "text": "Bergen"}])
    );

    // The quota: a third note fits, a fourth does not, a replacement does.
    let plan = json!([
        call("remember", json!({"key": "team", "text": "platform"})),
        call("remember", json!({"key": "pet", "text": "cat"})),
        call("remember", json!({"key": "city", "text": "Oslo"})),
        call("remember", json!({"key": "", "text": "no key"})),
    ]);
    let quota = sdk_client_as(Sdk::V1, &mcp, Some(token), plan).await;
    let steps = quota["results"].as_array().unwrap();
    assert_eq!(steps[0]["value"]["isError"], false, "{quota}");
    assert_eq!(steps[1]["value"]["isError"], true, "{quota}");
    assert!(
        text(&steps[1]["value"]).contains("Memory is full: 3 notes"),
        "{quota}"
    );
    assert_eq!(steps[2]["value"]["isError"], false, "{quota}");
    assert_eq!(
        steps[3]["ok"], false,
        "an empty key is invalid params: {quota}"
    );

    // Bob at the same tenant, and Alice at another tenant: nothing.
    let plan = json!([
        call("recall", json!({})),
        call("recall", json!({"key": "city"}))
    ]);
    let bob = oauth_plan(&mcp, "bob@acme.com", &plan).await;
    assert_eq!(bob["problems"], json!([]), "{bob}");
    let done = results(&bob);
    assert_eq!(text(&done[0]), "Nothing is remembered yet.", "{bob}");
    assert_eq!(text(&done[1]), "Nothing is remembered as \"city\".");
    let elsewhere = oauth_plan(&format!("{globex}/mcp"), "alice@acme.com", &plan).await;
    assert_eq!(elsewhere["problems"], json!([]), "{elsewhere}");
    assert_eq!(text(&results(&elsewhere)[0]), "Nothing is remembered yet.");

    // A restart of the runtime keeps them; forget forgets.
    edge.restart().await;
    let plan = json!([
        call("recall", json!({"key": "city"})),
        call("forget", json!({"key": "city"})),
        call("recall", json!({"key": "city"})),
    ]);
    let after = sdk_client_as(Sdk::V2, &mcp, Some(token), plan).await;
    let done = results(&after);
    assert_eq!(text(&done[0]), "Oslo", "{after}");
    assert_eq!(text(&done[1]), "Forgot \"city\".");
    assert_eq!(text(&done[2]), "Nothing is remembered as \"city\".");

    // Signed out, a client is refused before any tool.
    let anonymous = sdk_client_as(Sdk::V2, &mcp, None, json!([call("recall", json!({}))])).await;
    assert!(anonymous.get("connectError").is_some(), "{anonymous}");
    assert!(!anonymous.to_string().contains("Norwegian"), "{anonymous}");
}
