//! Attacks found by trying the live stack from outside, one test each.

use serde_json::json;

use super::*;
use crate::oauth::form::{MAX_FORM_BYTES, MAX_FORM_PARAMS};

#[tokio::test]
async fn attack_a_flood_of_parameters_is_refused_and_sign_ins_go_on() {
    let h = Harness::new();
    let tokens = h.tokens().await;
    // ~120,000 distinct names in under 1 MiB: what froze a tenant's sign-ins.
    let flood: Vec<(String, String)> = (0..120_000)
        .map(|i| (format!("p{i}"), String::new()))
        .collect();
    let pairs: Vec<(&str, &str)> = flood
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    for path in ["/token", "/revoke"] {
        let refused = h.post_form(path, &pairs).await;
        assert_oauth_error(&refused, 413, "invalid_request");
    }
    let consent = h.post_form("/oauth/consent", &pairs).await;
    assert_page(&consent, 413, "cannot be processed");
    // Just over the count, well under the size: refused as well.
    let many: Vec<(String, String)> = (0..=MAX_FORM_PARAMS)
        .map(|i| (format!("p{i}"), "1".into()))
        .collect();
    let many: Vec<(&str, &str)> = many.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    assert_oauth_error(&h.post_form("/token", &many).await, 400, "invalid_request");
    let query = encode_pairs(&many);
    assert!(query.len() < MAX_FORM_BYTES);
    assert_page(
        &h.get(&format!("/authorize?{query}")).await,
        400,
        "more than",
    );
    // The next ordinary request is served as usual.
    tokens_of(&h.refresh(&tokens.refresh).await);
}

#[tokio::test]
async fn attack_a_code_shown_to_another_client_does_not_revoke_the_grant() {
    let h = Harness::new();
    let code = h.code().await;
    let first = tokens_of(&h.redeem(&code).await);
    let registered = h
        .register(json!({"redirect_uris": [REDIRECT], "client_name": "Snoop"}))
        .await;
    let snoop = json_of(&registered)["client_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let replayed = h
        .post_form(
            "/token",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("client_id", &snoop),
                ("code_verifier", VERIFIER),
            ],
        )
        .await;
    assert_oauth_error(&replayed, 400, "invalid_grant");
    assert!(
        h.store.revoked.borrow().is_empty(),
        "the user's grant stays"
    );
    tokens_of(&h.refresh(&first.refresh).await);
}

#[tokio::test]
async fn attack_self_registered_clients_get_no_redirect_before_sign_in() {
    let h = Harness::new();
    let evil = "https://evil.example/cb";
    let registered = h
        .register(json!({"redirect_uris": [evil], "client_name": "Evil"}))
        .await;
    let client_id = json_of(&registered)["client_id"]
        .as_str()
        .unwrap()
        .to_owned();
    for extra in [
        vec![("response_type", "token")],
        vec![("code_challenge", "")],
        vec![("scope", "nope")],
        vec![("resource", "https://elsewhere.example/mcp")],
    ] {
        let mut asked = vec![("client_id", client_id.as_str()), ("redirect_uri", evil)];
        asked.extend(extra);
        assert_page(&h.authorize(&asked).await, 400, "cannot be processed");
    }
    // A metadata-document client is anyone's too.
    h.idp.client_document.borrow_mut()["redirect_uris"] = json!([evil]);
    let asked = [
        ("client_id", CIMD_URL),
        ("redirect_uri", evil),
        ("response_type", "token"),
    ];
    assert_page(&h.authorize(&asked).await, 400, "unsupported_response_type");
    // The tenant's own pre-registered client still hears of its errors.
    assert_redirected_error(
        &h.authorize(&[("response_type", "token")]).await,
        "unsupported_response_type",
    );
    // Once the user signed in, a denial goes back to the client as usual.
    let asked = [("client_id", client_id.as_str()), ("redirect_uri", evil)];
    let page = h.sign_in(h.authorize(&asked).await).await;
    let denied = h.approve(page, "deny").await;
    assert!(location(&denied).starts_with(evil), "{}", location(&denied));
}

#[tokio::test]
async fn attack_a_user_removed_from_the_rules_can_no_longer_refresh() {
    let mut h = Harness::new();
    let tokens = h.tokens().await;
    let grant = claims_of(&tokens.access)["g"].as_str().unwrap().to_owned();
    let oauth = h.config.oauth.as_mut().unwrap();
    oauth.allow = vec![UserMatch {
        emails: vec!["someone-else@acme.com".into()],
        ..Default::default()
    }];
    assert_oauth_error(&h.refresh(&tokens.refresh).await, 400, "invalid_grant");
    assert_eq!(*h.store.revoked.borrow(), [grant]);
    // Restoring the rule does not bring the revoked grant back.
    h.config.oauth = Some(oauth_config());
    assert_oauth_error(&h.refresh(&tokens.refresh).await, 400, "invalid_grant");
}

#[tokio::test]
async fn a_user_whose_role_narrowed_refreshes_only_what_is_left() {
    let mut h = Harness::new();
    h.idp.claims.borrow_mut()["email"] = json!("root@acme.com");
    let code = {
        let page = h
            .sign_in(h.authorize(&[("scope", "weather:read admin")]).await)
            .await;
        let back = h.approve(page, "approve").await;
        location_params(&back).get("code").unwrap().to_owned()
    };
    let tokens = tokens_of(&h.redeem(&code).await);
    assert_eq!(tokens.body["scope"], "admin weather:read");
    // root@ leaves the admins role.
    let oauth = h.config.oauth.as_mut().unwrap();
    oauth.roles.retain(|r| r.name != "admins");
    let narrowed = tokens_of(&h.refresh(&tokens.refresh).await);
    assert_eq!(narrowed.body["scope"], "weather:read");
    assert_eq!(claims_of(&narrowed.access)["s"], "weather:read");
    // Asking for the lost scope back is refused, and it stays lost.
    h.config.oauth = Some(oauth_config());
    let asked = h
        .post_form(
            "/token",
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", &narrowed.refresh),
                ("client_id", "pre-registered"),
                ("scope", "admin"),
            ],
        )
        .await;
    assert_oauth_error(&asked, 400, "invalid_scope");
}

#[tokio::test]
async fn a_code_redeemed_after_the_rules_changed_follows_them() {
    let mut h = Harness::new();
    let code = h.code().await;
    h.config.oauth.as_mut().unwrap().allow = vec![UserMatch {
        email_domains: vec!["globex.com".into()],
        ..Default::default()
    }];
    assert_oauth_error(&h.redeem(&code).await, 400, "invalid_grant");
}

#[tokio::test]
async fn attack_a_secret_does_not_open_for_another_issuer() {
    // An admin kept the sealed secret but changed what it is bound to.
    let mut h = Harness::new();
    let provider = &mut h.config.oauth.as_mut().unwrap().providers[0];
    provider.client_id = "attackers-client".into();
    let page = h.sign_in(h.authorize(&[]).await).await;
    assert_page(&page, 502, "cannot be read by the edge");
    let sent_secret = h.idp.requests.borrow().iter().any(|r| {
        r.body.as_deref().unwrap_or_default().contains("s3cret")
            || r.headers.iter().any(|(n, _)| *n == "authorization")
    });
    assert!(!sent_secret, "the secret went nowhere");
}

#[tokio::test]
async fn claims_the_id_token_lacks_come_from_userinfo_about_the_same_user() {
    let h = Harness::new();
    // A conformant provider: the ID token names the subject only.
    *h.idp.claims.borrow_mut() = json!({
        "iss": IDP, "aud": "acme-client", "sub": "alice", "exp": NOW + 300, "iat": NOW,
    });
    // Without a userinfo endpoint, the email rule cannot admit her.
    let page = h.sign_in(h.authorize(&[]).await).await;
    assert_page(&page, 403, "");
    // With one, its email admits her.
    *h.idp.userinfo.borrow_mut() = Some(json!({
        "sub": "alice", "email": "alice@acme.com", "email_verified": true, "groups": ["staff"],
    }));
    let code = h.code().await;
    assert_eq!(h.redeem(&code).await.status, 200);
    assert!(
        h.idp
            .requests
            .borrow()
            .iter()
            .any(|r| r.url.ends_with("/userinfo"))
    );
    // A userinfo answer about someone else is not believed.
    *h.idp.userinfo.borrow_mut() = Some(json!({
        "sub": "mallory", "email": "alice@acme.com", "email_verified": true,
    }));
    let page = h.sign_in(h.authorize(&[]).await).await;
    let html = String::from_utf8_lossy(&page.body).into_owned();
    assert!(html.contains("another user"), "{html}");
    assert_eq!(page.header("location"), None);
}

#[tokio::test]
async fn attack_abandoned_flows_are_swept_and_storage_comes_back_down() {
    use crate::oauth::sweep::{UNUSED_REGISTRATION_SECONDS, sweep};
    use crate::tokens::REFRESH_TOKEN_TTL;
    let h = Harness::new();
    let count = |prefix: &str| {
        h.store
            .entries
            .borrow()
            .keys()
            .filter(|k| k.starts_with(prefix))
            .count()
    };
    // One user who finished, and a load of flows nobody finished.
    let tokens = h.tokens().await;
    let refreshed = tokens_of(&h.refresh(&tokens.refresh).await);
    let before = h.store.entries.borrow().len();
    for i in 0..50 {
        let uri = format!("https://app{i}.example/cb");
        assert_eq!(
            h.register(json!({"redirect_uris": [uri]})).await.status,
            201
        );
        h.authorize(&[]).await;
    }
    assert_eq!(count("txn/"), 50);
    assert_eq!(count("client/"), 50);
    let loaded = h.store.entries.borrow().len();
    assert!(loaded >= before + 100, "{before} → {loaded}");

    // Nothing is due yet: a sweep now keeps everything.
    let now = h.now.get();
    assert_eq!(sweep(&h.store, now).await.unwrap().deleted, 0);
    // A day later: the transactions, the code and the registrations that
    // completed no flow are gone; the live grant and its newest refresh
    // token work as before.
    let later = now + UNUSED_REGISTRATION_SECONDS + 1;
    let swept = sweep(&h.store, later).await.unwrap();
    assert!(swept.deleted >= 100, "{swept:?}");
    assert_eq!((count("txn/"), count("code/"), count("client/")), (0, 0, 0));
    assert_eq!(count("grant/"), 1);
    assert!(
        h.store.entries.borrow().len() <= before,
        "storage came back down"
    );
    assert_eq!(h.refresh(&refreshed.refresh).await.status, 200);
    // Once the grant has expired, nothing of it is left.
    let end = h.now.get() + REFRESH_TOKEN_TTL + 1;
    let swept = sweep(&h.store, end).await.unwrap();
    assert_eq!((count("grant/"), count("refresh/")), (0, 0), "{swept:?}");
    // A revoked grant goes at the next sweep, its refresh records with it.
    let h = Harness::new();
    let tokens = h.tokens().await;
    h.post_form(
        "/revoke",
        &[("token", &tokens.refresh), ("client_id", "pre-registered")],
    )
    .await;
    sweep(&h.store, h.now.get()).await.unwrap();
    assert_eq!(count_in(&h, "grant/") + count_in(&h, "refresh/"), 0);
}

fn count_in(h: &Harness, prefix: &str) -> usize {
    h.store
        .entries
        .borrow()
        .keys()
        .filter(|k| k.starts_with(prefix))
        .count()
}
