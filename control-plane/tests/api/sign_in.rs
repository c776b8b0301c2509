//! Sign-in settings: identity providers and their write-only, sealed
//! secrets, "test connection", concurrent saves, and rotating the seal key.

use super::*;

/// The sealing binding of [`oauth_settings`]'s provider at `tenant`.
fn acme_sso_aad(tenant: &str) -> String {
    portcullis_tenant_config::sealing::provider_secret_aad(
        tenant,
        &[
            "acme-sso",
            "oidc",
            "https://sso.acme.example",
            "",
            "portcullis",
        ],
    )
}

#[sqlx::test(migrations = "../migrations")]
async fn a_saved_secret_stays_with_the_endpoint_it_was_saved_for(pool: PgPool) {
    let app = app(pool.clone()).await;
    create_acme(&app).await;
    let put = |settings: Value| call(&app, "PUT", "/api/v1/tenants/acme/auth", Some(settings));
    let (status, _) = put(oauth_settings(Some("hunter2-very-secret"))).await;
    assert_eq!(status, StatusCode::OK);
    let stored = || async {
        let settings: Value = sqlx::query_scalar("SELECT settings FROM tenant_auth")
            .fetch_one(&pool)
            .await
            .unwrap();
        settings
    };
    let before = stored().await;
    // A hostile admin keeps the secret and points the provider at their own
    // server, or another app: each refused, naming what changed.
    let redirects: [(&str, Value); 4] = [
        ("issuer", json!("https://attacker.example")),
        ("clientId", json!("attackers-app")),
        ("apiBase", json!("https://api.attacker.example")),
        ("kind", json!("google")),
    ];
    for (field, value) in redirects {
        let mut moved = oauth_settings(None);
        moved["providers"][0][field] = value;
        let (status, body) = put(moved).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {body}");
        assert_eq!(body["error"]["field"], field, "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("clientSecret"),
            "{body}"
        );
    }
    assert_eq!(stored().await, before, "nothing saved");
    // With the secret typed again, the move is the admin's to make.
    let mut moved = oauth_settings(Some("the-new-apps-secret"));
    moved["providers"][0]["issuer"] = json!("https://sso2.acme.example");
    let (status, body) = put(moved).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Renaming what users see keeps the secret.
    let mut renamed = oauth_settings(None);
    renamed["providers"][0]["issuer"] = json!("https://sso2.acme.example");
    renamed["providers"][0]["displayName"] = json!("Acme Single Sign-On");
    let (status, body) = put(renamed).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// Names resolve from a table: no test sends traffic off loopback.
struct StubResolver(Vec<(&'static str, std::net::IpAddr)>);

impl reqwest::dns::Resolve for StubResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let found: Vec<std::net::SocketAddr> = self
            .0
            .iter()
            .filter(|(host, _)| *host == name.as_str())
            .map(|(_, ip)| std::net::SocketAddr::new(*ip, 0))
            .collect();
        Box::pin(async move { Ok(Box::new(found.into_iter()) as reqwest::dns::Addrs) })
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn test_connection_refuses_to_reach_inward(pool: PgPool) {
    let settings = settings_with(&[]);
    let resolver = StubResolver(vec![
        ("sso.intranet.example", "10.0.0.7".parse().unwrap()),
        ("metadata.example", "169.254.169.254".parse().unwrap()),
        ("rebound.example", "::ffff:127.0.0.1".parse().unwrap()),
        ("cgnat.example", "100.100.0.1".parse().unwrap()),
    ]);
    let outbound =
        portcullis_control_plane::outbound::Outbound::with_resolver(Arc::new(resolver), false);
    let services = Arc::new(
        Services::new(pool, &settings)
            .unwrap()
            .with_outbound(outbound),
    );
    let app = Client {
        router: http::router(services.clone(), &settings),
        services,
        cookie: None,
        csrf: None,
        bearer: None,
    }
    .signed_in_as("ops@example.com", true)
    .await;
    create_acme(&app).await;
    let cases = [
        (
            json!({"kind": "oidc", "issuer": "https://sso.intranet.example"}),
            "private",
        ),
        (
            json!({"kind": "oidc", "issuer": "https://metadata.example"}),
            "link-local",
        ),
        (
            json!({"kind": "oidc", "issuer": "https://rebound.example"}),
            "loopback",
        ),
        (
            json!({"kind": "oidc", "issuer": "https://cgnat.example"}),
            "CGNAT",
        ),
        (
            json!({"kind": "oidc", "issuer": "http://127.0.0.1:9"}),
            "loopback",
        ),
        (
            json!({"kind": "oidc", "issuer": "http://[::1]:9"}),
            "loopback",
        ),
        (
            json!({"kind": "github", "apiBase": "https://169.254.169.254"}),
            "link-local",
        ),
        (
            json!({"kind": "github", "apiBase": "https://10.1.1.1:22"}),
            "private",
        ),
    ];
    for (input, why) in cases {
        let (status, body) = call(
            &app,
            "POST",
            "/api/v1/tenants/acme/auth/test",
            Some(input.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["ok"], false, "{input}: {body}");
        let failed = body["checks"].as_array().unwrap().last().unwrap().clone();
        let detail = failed["detail"].as_str().unwrap();
        assert!(
            detail.contains(why) && detail.contains("only public addresses"),
            "{input}: {detail}"
        );
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn auth_settings_keep_secrets_sealed_and_write_only(pool: PgPool) {
    let app = app(pool.clone()).await;
    create_acme(&app).await;
    let (status, public) = call(&app, "GET", "/api/v1/tenants/acme/auth", None).await;
    assert_eq!(
        (status, public["mode"].clone()),
        (StatusCode::OK, json!("public"))
    );

    // A new provider needs its secret; nothing is saved without it.
    let (status, body) = call(
        &app,
        "PUT",
        "/api/v1/tenants/acme/auth",
        Some(oauth_settings(None)),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "clientSecret");

    let (status, saved) = call(
        &app,
        "PUT",
        "/api/v1/tenants/acme/auth",
        Some(oauth_settings(Some("hunter2-very-secret"))),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["providers"][0]["clientSecretSet"], true);
    assert_eq!(saved["providers"][0]["issuer"], "https://sso.acme.example");
    assert!(!saved.to_string().contains("hunter2"), "{saved}");

    // At rest: sealed, bound to the tenant and provider, openable by the edge's key.
    let stored: (Value,) = sqlx::query_as("SELECT settings FROM tenant_auth")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(!stored.0.to_string().contains("hunter2"));
    let sealed = stored.0["providers"][0]["clientSecret"].as_str().unwrap();
    let key = [0x22; 32];
    let aad = acme_sso_aad("acme");
    let opened = portcullis_tenant_config::sealing::open(&key, &aad, sealed).unwrap();
    assert_eq!(opened, b"hunter2-very-secret");
    let other_tenant = acme_sso_aad("globex");
    assert_eq!(
        portcullis_tenant_config::sealing::open(&key, &other_tenant, sealed),
        None
    );

    // Saving again without the secret keeps it; GET never shows it.
    let (status, _) = call(
        &app,
        "PUT",
        "/api/v1/tenants/acme/auth",
        Some(oauth_settings(None)),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, got) = call(&app, "GET", "/api/v1/tenants/acme/auth", None).await;
    assert_eq!(got["providers"][0]["clientSecretSet"], true);
    assert!(!got.to_string().contains(sealed));

    // Bad settings are refused with the reason, and the saved ones stay.
    let mut bad = oauth_settings(None);
    bad["clients"][0]["redirectUris"] = json!(["javascript:alert(1)"]);
    let (status, body) = call(&app, "PUT", "/api/v1/tenants/acme/auth", Some(bad)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("forbidden scheme"),
        "{body}"
    );
    let mut bad = oauth_settings(None);
    bad["roles"][0]["scopes"] = json!(["nope"]);
    let (status, _) = call(&app, "PUT", "/api/v1/tenants/acme/auth", Some(bad)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, still) = call(&app, "GET", "/api/v1/tenants/acme/auth", None).await;
    assert_eq!(
        still["clients"][0]["redirectUris"][0],
        "http://127.0.0.1:3000/cb"
    );

    // Published: the document carries the sealed secret, never the plain one.
    let mut scoped = tool("get_weather");
    scoped["scopes"] = json!(["weather:read"]);
    call(&app, "POST", "/api/v1/tenants/acme/tools", Some(scoped)).await;
    call(&app, "POST", "/api/v1/tenants/acme/publish", None).await;
    let payload: (String,) = sqlx::query_as("SELECT payload FROM config_versions")
        .fetch_one(&pool)
        .await
        .unwrap();
    let document: Value = serde_json::from_str(&payload.0).unwrap();
    assert_eq!(document["oauth"]["providers"][0]["clientSecret"], sealed);
    assert_eq!(document["tools"][0]["scopes"], json!(["weather:read"]));
    assert!(!payload.0.contains("hunter2"));

    // Back to public.
    let (_, public) = call(
        &app,
        "PUT",
        "/api/v1/tenants/acme/auth",
        Some(json!({"mode": "public"})),
    )
    .await;
    assert_eq!(public["mode"], "public");
}

#[sqlx::test(migrations = "../migrations")]
async fn two_admins_saving_sign_in_settings_cannot_lose_a_change_unseen(pool: PgPool) {
    let app = app(pool).await;
    create_acme(&app).await;
    let path = "/api/v1/tenants/acme/auth";
    let (status, public_tag, _) = call_with(&app, "GET", path, &[], None).await;
    assert_eq!(status, StatusCode::OK);
    let public_tag = public_tag.expect("an ETag on the public settings");
    // Admin A and admin B both read the public settings; A saves first.
    let a = oauth_settings(Some("a-secret"));
    let (status, a_tag, saved) =
        call_with(&app, "PUT", path, &[("if-match", &public_tag)], Some(a)).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let a_tag = a_tag.expect("the new version's ETag");
    assert_ne!(a_tag, public_tag);
    // B's save, made on what B read, is refused and changes nothing.
    let mut b = oauth_settings(Some("b-secret"));
    b["allow"] = json!([{"emailDomains": ["b-only.example"]}]);
    let (status, _, refused) = call_with(
        &app,
        "PUT",
        path,
        &[("if-match", &public_tag)],
        Some(b.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED, "{refused}");
    assert_eq!(refused["error"]["code"], "precondition_failed");
    let (_, now_tag, now) = call_with(&app, "GET", path, &[], None).await;
    assert_eq!(
        now_tag.as_deref(),
        Some(a_tag.as_str()),
        "A's version stands"
    );
    assert!(!now.to_string().contains("b-only.example"), "{now}");
    // After reloading, B's save on the current version goes through.
    let (status, b_tag, _) = call_with(&app, "PUT", path, &[("if-match", &a_tag)], Some(b)).await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(b_tag.as_deref(), Some(a_tag.as_str()));
    // Going public is a change like any other, and scripts without
    // If-Match keep working.
    let public = json!({"mode": "public"});
    let (status, _, _) = call_with(
        &app,
        "PUT",
        path,
        &[("if-match", &a_tag)],
        Some(public.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED);
    let (status, tag, _) = call_with(&app, "PUT", path, &[], Some(public)).await;
    assert_eq!(
        (status, tag.as_deref()),
        (StatusCode::OK, Some(public_tag.as_str()))
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn rotating_the_seal_key_reseals_stored_and_live_secrets(pool: PgPool) {
    use portcullis_tenant_config::sealing::open;
    let (old_key, new_key) = ([0x22; 32], [0x33; 32]);
    let app = app(pool.clone()).await;
    create_acme(&app).await;
    let (status, _) = call(
        &app,
        "PUT",
        "/api/v1/tenants/acme/auth",
        Some(oauth_settings(Some("s3cret"))),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    call(&app, "POST", "/api/v1/tenants/acme/publish", None).await;
    // As if the edge had taken version 1 (it is down in these tests).
    sqlx::query("UPDATE config_versions SET push_status = 'accepted'")
        .execute(&pool)
        .await
        .unwrap();

    let rotated = Services::new(
        pool.clone(),
        &settings_with(&[
            ("PORTCULLIS_EDGE_SEAL_KEY", "33".repeat(32)),
            ("PORTCULLIS_EDGE_SEAL_KEY_PREVIOUS", "22".repeat(32)),
        ]),
    )
    .unwrap();
    let report = rotated
        .seal_key_rotate(&RequestContext::system())
        .await
        .unwrap();
    assert_eq!(
        (report.resealed, report.republished.clone()),
        (1, vec!["acme".to_string()])
    );
    assert!(report.unreadable.is_empty());

    let aad = acme_sso_aad("acme");
    let stored: String =
        sqlx::query_scalar("SELECT settings->'providers'->0->>'clientSecret' FROM tenant_auth")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        open(&new_key, &aad, &stored).as_deref(),
        Some(&b"s3cret"[..])
    );
    assert!(
        open(&old_key, &aad, &stored).is_none(),
        "no longer under the old key"
    );
    let republished: String =
        sqlx::query_scalar("SELECT payload FROM config_versions WHERE version = 2")
            .fetch_one(&pool)
            .await
            .unwrap();
    let document: Value = serde_json::from_str(&republished).unwrap();
    let sealed = document["oauth"]["providers"][0]["clientSecret"]
        .as_str()
        .unwrap();
    assert_eq!(
        open(&new_key, &aad, sealed).as_deref(),
        Some(&b"s3cret"[..])
    );

    // Nothing is left under the old key: a second rotation changes nothing.
    sqlx::query("UPDATE config_versions SET push_status = 'accepted'")
        .execute(&pool)
        .await
        .unwrap();
    let again = rotated
        .seal_key_rotate(&RequestContext::system())
        .await
        .unwrap();
    assert_eq!((again.resealed, again.republished.len()), (0, 0));
    let (_, audit) = call(
        &app,
        "GET",
        "/api/v1/tenants/acme/audit?action=config.reseal",
        None,
    )
    .await;
    assert_eq!(audit["items"][0]["target"], "version 2", "{audit}");
}

/// Serves an OpenID Provider's discovery document and keys (or, with
/// `lying`, a document naming another issuer) on a loopback port.
async fn discovery_server(lying: bool) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    let named = if lying {
        "https://elsewhere.example".to_owned()
    } else {
        issuer.clone()
    };
    let document = json!({
        "issuer": named,
        "authorization_endpoint": format!("{issuer}/auth"),
        "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/jwks"),
        "code_challenge_methods_supported": ["S256"],
    });
    let app = Router::new()
        .route(
            "/.well-known/openid-configuration",
            axum::routing::get(move || async move { axum::Json(document) }),
        )
        .route(
            "/jwks",
            axum::routing::get(|| async {
                axum::Json(json!({"keys": [{"kty": "EC", "kid": "k1"}]}))
            }),
        );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    issuer
}

#[sqlx::test(migrations = "../migrations")]
async fn testing_a_provider_reports_each_check(pool: PgPool) {
    let app = app(pool).await;
    create_acme(&app).await;
    let issuer = discovery_server(false).await;
    let (status, result) = call(
        &app,
        "POST",
        "/api/v1/tenants/acme/auth/test",
        Some(json!({"kind": "oidc", "issuer": issuer})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{result}");
    assert_eq!(result["ok"], true, "{result}");
    let names: Vec<&str> = result["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "discovery",
            "issuer",
            "authorization_endpoint",
            "token_endpoint",
            "jwks_uri",
            "keys"
        ]
    );

    let liar = discovery_server(true).await;
    let (_, result) = call(
        &app,
        "POST",
        "/api/v1/tenants/acme/auth/test",
        Some(json!({"kind": "oidc", "issuer": liar})),
    )
    .await;
    let last = result["checks"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (result["ok"].clone(), last["name"].clone()),
        (json!(false), json!("issuer")),
        "{result}"
    );

    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    drop(std::net::TcpListener::bind(closed));
    let (_, result) = call(
        &app,
        "POST",
        "/api/v1/tenants/acme/auth/test",
        Some(json!({"kind": "oidc", "issuer": format!("http://{closed}")})),
    )
    .await;
    assert_eq!(
        (result["ok"].clone(), result["checks"][0]["name"].clone()),
        (json!(false), json!("discovery")),
        "{result}"
    );
    let (_, result) = call(
        &app,
        "POST",
        "/api/v1/tenants/acme/auth/test",
        Some(json!({"kind": "oidc", "issuer": "http://internal.example"})),
    )
    .await;
    assert_eq!(
        result["checks"][0]["name"], "issuer",
        "only https, or http on loopback: {result}"
    );
}
