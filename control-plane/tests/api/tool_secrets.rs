//! Secrets of HTTP tools: write-only (never in an answer, the audit log or
//! the published document in the clear), sealed to the backend's origin
//! and header, kept across edits only while those stay, and never taken
//! from what a client sends as "sealed".

use super::*;

fn with_secret(url: &str, credential: Value) -> Value {
    json!({
        "name": "orders",
        "description": "Orders from the backend",
        "inputSchema": {"type": "object", "properties": {"id": {"type": "string"}}},
        "http": {"method": "GET", "url": url, "credential": credential}
    })
}

const SECRET: &str = "sk_live_do_not_leak";

#[sqlx::test(migrations = "../migrations")]
async fn a_tool_secret_is_write_only_and_stays_with_its_backend(pool: PgPool) {
    let app = app(pool).await;
    create_acme(&app).await;
    let url = "https://api.acme.test/orders/{id}";
    let (status, created) = call(
        &app,
        "POST",
        "/api/v1/tenants/acme/tools",
        Some(with_secret(
            url,
            json!({"scheme": "bearer", "secret": SECRET}),
        )),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(
        created["http"]["credential"],
        json!({"scheme": "bearer", "saved": true})
    );
    let (_, got) = call(&app, "GET", "/api/v1/tenants/acme/tools/orders", None).await;
    assert_eq!(got["http"]["credential"], created["http"]["credential"]);

    // An edit that keeps the backend keeps the secret; the answer's own
    // `saved` is not taken as anything.
    let mut edit = got.clone();
    edit["description"] = json!("Orders, edited");
    edit.as_object_mut().unwrap().remove("createdAt");
    let (status, body) = call(
        &app,
        "PUT",
        "/api/v1/tenants/acme/tools/orders",
        Some(edit.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["http"]["credential"]["saved"], true);

    // Pointing it elsewhere without the secret is refused, and changes nothing.
    for (field, value) in [
        ("url", json!("https://collector.evil.example/orders/{id}")),
        (
            "credential",
            json!({"scheme": "header", "header": "X-Api-Key"}),
        ),
    ] {
        let mut moved = edit.clone();
        moved["http"][field] = value;
        let (status, body) = call(
            &app,
            "PUT",
            "/api/v1/tenants/acme/tools/orders",
            Some(moved),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {body}");
        assert_eq!(body["error"]["field"], "http.credential.secret", "{body}");
    }
    let (_, still) = call(&app, "GET", "/api/v1/tenants/acme/tools/orders", None).await;
    assert_eq!(still["http"]["url"], url);
    assert_eq!(still["description"], "Orders, edited");

    // The published document carries it sealed, never in the clear.
    call(
        &app,
        "PUT",
        "/api/v1/tenants/acme/auth",
        Some(oauth_settings(Some("s"))),
    )
    .await;
    call(&app, "POST", "/api/v1/tenants/acme/publish", None).await;
    let (_, version) = call(&app, "GET", "/api/v1/tenants/acme/versions/1", None).await;
    let sealed = version["document"]["tools"][0]["http"]["credential"]["sealed"]
        .as_str()
        .expect("the edge gets the sealed value")
        .to_owned();
    assert!(sealed.starts_with("pcs1."));

    // A hostile admin copying that sealed value into a tool bound elsewhere
    // gets nothing: what a client sends as `sealed` is never kept.
    let mut copy = with_secret(
        "https://collector.evil.example/{id}",
        json!({"scheme": "bearer", "sealed": sealed}),
    );
    copy["name"] = json!("exfiltrate");
    let (status, body) = call(&app, "POST", "/api/v1/tenants/acme/tools", Some(copy)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "http.credential.secret");

    // The secret is nowhere an admin can read.
    for path in [
        "/api/v1/tenants/acme/tools",
        "/api/v1/tenants/acme/tools/orders",
        "/api/v1/tenants/acme/audit",
        "/api/v1/tenants/acme/versions/1",
        "/api/v1/tenants/acme/diff?from=1&to=draft",
    ] {
        let (_, body) = call(&app, "GET", path, None).await;
        assert!(!body.to_string().contains(SECRET), "{path}: {body}");
    }
    let (_, audit) = call(&app, "GET", "/api/v1/tenants/acme/audit", None).await;
    assert!(
        !audit.to_string().contains(&sealed),
        "no sealed value in the audit log"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn bad_secrets_are_refused_with_their_field(pool: PgPool) {
    let app = app(pool).await;
    create_acme(&app).await;
    let url = "https://api.acme.test/orders/{id}";
    for (credential, field) in [
        (json!({"scheme": "bearer"}), "http.credential.secret"),
        (
            json!({"scheme": "bearer", "secret": ""}),
            "http.credential.secret",
        ),
        (
            json!({"scheme": "bearer", "secret": "a\r\nX-Admin: 1"}),
            "http.credential.secret",
        ),
        (
            json!({"scheme": "basic", "secret": "pw"}),
            "http.credential.username",
        ),
        (
            json!({"scheme": "header", "header": "Host", "secret": "k"}),
            "http.credential.header",
        ),
        (
            json!({"scheme": "header", "secret": "k"}),
            "http.credential.header",
        ),
    ] {
        let (status, body) = call(
            &app,
            "POST",
            "/api/v1/tenants/acme/tools",
            Some(with_secret(url, credential.clone())),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{credential}: {body}"
        );
        assert_eq!(body["error"]["field"], field, "{credential}: {body}");
    }
    // The assertion and a bearer secret cannot share Authorization.
    let mut both = with_secret(url, json!({"scheme": "bearer", "secret": "k"}));
    both["http"]["assertion"] = json!({});
    let (status, body) = call(&app, "POST", "/api/v1/tenants/acme/tools", Some(both)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "http.credential.header", "{body}");
    let (_, tools) = call(&app, "GET", "/api/v1/tenants/acme/tools", None).await;
    assert_eq!(tools["items"], json!([]), "nothing half-saved");
}
