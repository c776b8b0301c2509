//! Admins sign in to the control plane with OpenID Connect against a real
//! OpenID Provider, in Chromium: an invited admin gets in and sees only
//! their tenant with their role; someone never invited is refused.

use portcullis_e2e::clients::admin_sign_in;
use portcullis_e2e::identity_provider::IdentityProvider;
use portcullis_e2e::stack::Stack;
use reqwest::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn invited_admins_sign_in_with_the_identity_provider_and_nobody_else() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let idp = IdentityProvider::openid(&format!("{base}/auth/oidc/callback")).await;
    let oidc = (
        idp.base.clone(),
        idp.client_id.clone(),
        idp.client_secret.clone(),
    );
    let stack = Stack::on("e2e_admin_sign_in", listener, Some(oidc)).await;
    for slug in ["acme", "globex"] {
        stack.create("/tenants", Some(json!({"slug": slug}))).await;
    }
    let (status, body) = stack
        .call(
            Method::PUT,
            "/tenants/acme/members/Alice@Example.com",
            Some(json!({"role": "viewer"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let start = format!("{base}/auth/oidc/start");
    let alice = admin_sign_in(&start, "alice@example.com").await;
    assert_eq!(alice["problems"], json!([]), "{alice}");
    assert_eq!(alice["session"]["status"], 200, "{alice}");
    let me = &alice["session"]["body"];
    assert_eq!(me["email"], "alice@example.com", "{alice}");
    assert_eq!(me["operator"], false, "{alice}");
    assert_eq!(
        me["memberships"],
        json!([{"tenant": "acme", "role": "viewer"}]),
        "{alice}"
    );

    let stranger = admin_sign_in(&start, "mallory@example.com").await;
    assert_eq!(stranger["session"]["status"], 401, "{stranger}");
    assert!(
        stranger["text"]
            .as_str()
            .unwrap_or_default()
            .contains("has not been invited"),
        "{stranger}"
    );
    // An invited address the provider has not verified could be anyone's.
    let (status, _) = stack
        .call(
            Method::PUT,
            "/tenants/acme/members/bob@example.com",
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(status, 200);
    let unverified = admin_sign_in(&start, "unverified:bob@example.com").await;
    assert_eq!(unverified["session"]["status"], 401, "{unverified}");
    assert!(
        unverified["text"]
            .as_str()
            .unwrap_or_default()
            .contains("did not say it verified your email"),
        "{unverified}"
    );
    let (_, members) = stack.call(Method::GET, "/tenants/acme/members", None).await;
    let signed_in = |email: &str| {
        members["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["email"] == email)
            .map(|m| m["signedInAt"].is_string())
    };
    assert_eq!(signed_in("alice@example.com"), Some(true), "{members}");
    assert_eq!(signed_in("bob@example.com"), Some(false), "{members}");
}
