//! Tools acting as the signed-in user at their identity provider (the
//! GitHub stand-in, with expiring user tokens and refresh tokens as a
//! GitHub App issues them): the official SDK's OAuth client signs in
//! through Chromium; the user's own GitHub token reaches only the tool
//! allowed to send it, is renewed once it expires, and a renewal GitHub
//! refuses ends the grant — the tool says to sign in again and the
//! client's token stops working.

use std::time::Duration;

use portcullis_e2e::clients::{Sdk, oauth_plan, sdk_client_as};
use portcullis_e2e::identity_provider::IdentityProvider;
use portcullis_e2e::stack::Stack;
use portcullis_e2e::tool_backend::ToolBackend;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// How long the stand-in's user tokens last; the edge renews them a
/// quarter of that before, so a token is fresh for 23 s after sign-in:
/// ample for the client's first calls even on a loaded machine.
const TOKEN_SECONDS: u64 = 30;

fn echo(name: &str, url: &str, user_token: bool) -> Value {
    json!({"name": name, "description": "What the backend got",
        "inputSchema": {"type": "object", "properties": {}},
        "http": {"method": "GET", "url": url, "userToken": user_token}})
}

/// The bearer each recorded request to `path` carried, in order.
async fn bearers(backend: &ToolBackend, path: &str) -> Vec<Option<String>> {
    let received = backend.received().await;
    received
        .iter()
        .filter(|r| r["path"] == path)
        .map(|r| {
            let auth = r["headers"]["authorization"].as_str();
            auth.map(|a| a.trim_start_matches("Bearer ").to_owned())
        })
        .collect()
}

/// Who GitHub (the stand-in) says `token` belongs to.
async fn github_login(github: &IdentityProvider, token: &str) -> Value {
    let answer = reqwest::Client::new()
        .get(format!("{}/user", github.base))
        .header("authorization", format!("Bearer {token}"))
        .header("user-agent", "portcullis-e2e")
        .send()
        .await
        .expect("the stand-in answers");
    answer.json::<Value>().await.unwrap_or_default()["login"].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn tools_act_as_the_user_with_their_renewed_github_token_until_github_says_no() {
    let github = IdentityProvider::github_expiring(TOKEN_SECONDS).await;
    let backend = ToolBackend::start().await;
    let api = Stack::without_edge("e2e_user_tokens").await;
    let edge = api.start_edge().await;
    let origin = format!("http://acme.localhost:{}", api.edge_port);
    api.create("/tenants", Some(json!({"slug": "acme"}))).await;
    for tool in [
        echo("as_me", &format!("{}/echo/me", backend.base), true),
        echo("not_me", &format!("{}/echo/plain", backend.base), false),
    ] {
        api.create("/tenants/acme/tools", Some(tool)).await;
    }
    let settings = json!({
        "mode": "oauth",
        "providers": [{"id": "github", "kind": "github", "displayName": "GitHub",
            "clientId": github.client_id, "clientSecret": github.client_secret,
            "issuer": github.base, "apiBase": github.base}],
        "allow": [{"githubOrgs": ["acme"]}]
    });
    let (status, body) = api
        .call(Method::PUT, "/tenants/acme/auth", Some(settings))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    api.create("/tenants/acme/publish", None).await;

    let mcp = format!("{origin}/mcp");
    let call = |name: &str| json!({"op": "callTool", "name": name, "arguments": {}});
    let run = oauth_plan(&mcp, "octocat", &json!([call("as_me"), call("not_me")])).await;
    assert_eq!(run["problems"], json!([]), "{run}");
    for step in run["results"].as_array().unwrap() {
        assert_eq!(step["value"]["isError"], false, "{run}");
    }
    let first = bearers(&backend, "/echo/me").await;
    let first = first[0].clone().expect("the user's token went along");
    assert_eq!(
        github_login(&github, &first).await,
        "octocat",
        "GitHub's own token for the user"
    );
    assert_eq!(
        bearers(&backend, "/echo/plain").await,
        [None],
        "only where allowed"
    );
    let access = run["accessToken"]
        .as_str()
        .expect("the client's token")
        .to_owned();
    let renewals = || async {
        let url = format!("{}/_renewals", github.base);
        let answer: Value = reqwest::get(url).await.unwrap().json().await.unwrap();
        answer["renewals"].clone()
    };
    assert_eq!(renewals().await, 0);

    // Past its life the token is renewed with the refresh token, once.
    tokio::time::sleep(Duration::from_secs(TOKEN_SECONDS)).await;
    let later = sdk_client_as(
        Sdk::V2,
        &mcp,
        Some(&access),
        json!([call("as_me"), call("as_me")]),
    )
    .await;
    for step in later["results"].as_array().unwrap() {
        assert_eq!(step["value"]["isError"], false, "{later}");
    }
    assert_eq!(renewals().await, 1, "{later}");
    let sent = bearers(&backend, "/echo/me").await;
    let renewed = sent[1].clone().expect("a token");
    assert_ne!(renewed, first, "a new token");
    assert_eq!(
        sent[2].as_deref(),
        Some(renewed.as_str()),
        "then used as it is"
    );
    assert_eq!(github_login(&github, &renewed).await, "octocat");

    // GitHub refuses the next renewal: the grant ends.
    let refuse = reqwest::Client::new()
        .post(format!("{}/_refuse-renewal", github.base))
        .send()
        .await
        .unwrap();
    assert!(refuse.status().is_success());
    tokio::time::sleep(Duration::from_secs(TOKEN_SECONDS)).await;
    let ended = sdk_client_as(Sdk::V2, &mcp, Some(&access), json!([call("as_me")])).await;
    let result = &ended["results"][0]["value"];
    assert_eq!(result["isError"], true, "{ended}");
    assert!(
        result["content"][0]["text"]
            .as_str()
            .unwrap_or_default()
            .contains("sign in again"),
        "{ended}"
    );
    assert_eq!(
        bearers(&backend, "/echo/me").await.len(),
        3,
        "nothing more was sent"
    );
    // Its access token is revoked with it: the client must sign in again.
    let answer = edge
        .request(Method::POST, "acme.localhost", "/mcp")
        .header("authorization", format!("Bearer {access}"))
        .header("accept", "application/json, text/event-stream")
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
}
