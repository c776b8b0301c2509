//! User-assertion keys: made when a publish first needs one, rotated with
//! an overlap, retired; public halves only in answers, the private half
//! sealed in the config; keys taken fresh on every publish.

use super::*;

fn http_tool(name: &str) -> Value {
    json!({
        "name": name,
        "description": "Weather from the backend",
        "inputSchema": {"type": "object", "properties": {"city": {"type": "string"}}},
        "http": {
            "method": "GET",
            "url": "https://api.acme.test/weather/{city}",
            "assertion": {"audience": "https://api.acme.test", "header": "X-User"}
        }
    })
}

async fn keys(app: &Client) -> Vec<(String, bool)> {
    let (status, body) = call(app, "GET", "/api/v1/tenants/acme/assertion-keys", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_array()
        .unwrap()
        .iter()
        .map(|k| {
            assert_eq!(
                k.as_object().unwrap().keys().collect::<Vec<_>>(),
                ["createdAt", "kid", "signing", "x"],
                "public halves only: {k}"
            );
            (k["kid"].as_str().unwrap().to_owned(), k["signing"] == true)
        })
        .collect()
}

/// The newest version's document.
async fn newest_document(app: &Client) -> Value {
    let (_, history) = call(app, "GET", "/api/v1/tenants/acme/deployments", None).await;
    let version = history["items"][0]["version"].as_i64().unwrap();
    let (_, doc) = call(
        app,
        "GET",
        &format!("/api/v1/tenants/acme/versions/{version}"),
        None,
    )
    .await;
    doc["document"].clone()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_publish_makes_the_first_key_and_rotation_keeps_one_previous(pool: PgPool) {
    let app = app(pool).await;
    create_acme(&app).await;
    let (status, body) = call(
        &app,
        "POST",
        "/api/v1/tenants/acme/tools",
        Some(http_tool("w")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // A user assertion needs sign-in: a public tenant cannot publish it.
    let (status, body) = call(&app, "POST", "/api/v1/tenants/acme/publish", None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(error(&body).1.contains("needs sign-in"), "{body}");
    assert!(
        keys(&app).await.is_empty(),
        "a refused publish makes no key"
    );

    let (status, body) = call(
        &app,
        "PUT",
        "/api/v1/tenants/acme/auth",
        Some(oauth_settings(Some("s3cret"))),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The edge is down in these tests: the version is recorded all the same.
    call(&app, "POST", "/api/v1/tenants/acme/publish", None).await;
    let first = keys(&app).await;
    assert_eq!(first.len(), 1);
    assert!(first[0].1, "the only key signs");
    let document = newest_document(&app).await;
    let carried = &document["assertionKeys"];
    assert_eq!(carried["signing"]["kid"], first[0].0.as_str());
    assert!(
        carried["signing"]["sealed"]
            .as_str()
            .unwrap()
            .starts_with("pcs1."),
        "sealed for the edge: {carried}"
    );
    assert_eq!(carried["public"].as_array().unwrap().len(), 1);

    // Publishing again keeps the key.
    call(&app, "POST", "/api/v1/tenants/acme/publish", None).await;
    assert_eq!(keys(&app).await, first);

    let rotate = || {
        call(
            &app,
            "POST",
            "/api/v1/tenants/acme/assertion-keys/rotate",
            None,
        )
    };
    let (status, body) = rotate().await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let second = keys(&app).await;
    assert_eq!(second.len(), 2);
    assert_eq!(second[1], (first[0].0.clone(), false), "the previous stays");
    assert!(second[0].1 && second[0].0 != first[0].0);
    rotate().await;
    let third = keys(&app).await;
    assert_eq!(third.len(), 2, "one previous key at most");
    assert_eq!(third[1].0, second[0].0);

    // The next publish signs with the newest and lists both.
    call(&app, "POST", "/api/v1/tenants/acme/publish", None).await;
    let document = newest_document(&app).await;
    assert_eq!(
        document["assertionKeys"]["signing"]["kid"],
        third[0].0.as_str()
    );
    let listed: Vec<&str> = document["assertionKeys"]["public"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [third[0].0.as_str(), third[1].0.as_str()]);

    let (status, _) = call(
        &app,
        "POST",
        "/api/v1/tenants/acme/assertion-keys/retire",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(keys(&app).await, vec![(third[0].0.clone(), true)]);

    // A rollback to a version that listed the retired key serves the keys
    // as they are now.
    let (status, body) = call(
        &app,
        "POST",
        "/api/v1/tenants/acme/rollback",
        Some(json!({"version": 2})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    let document = newest_document(&app).await;
    assert_eq!(
        document["assertionKeys"]["signing"]["kid"],
        third[0].0.as_str()
    );
    assert_eq!(
        document["assertionKeys"]["public"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Each change is in the audit log.
    let (_, audit) = call(&app, "GET", "/api/v1/tenants/acme/audit", None).await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for action in ["assertion_keys.rotate", "assertion_keys.retire"] {
        assert!(actions.contains(&action), "{actions:?}");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_bad_assertion_binding_is_refused_with_its_field(pool: PgPool) {
    let app = app(pool).await;
    create_acme(&app).await;
    for (assertion, field) in [
        (json!({"header": "Host"}), "http.assertion.header"),
        (json!({"header": "x\r\ny"}), "http.assertion.header"),
        (json!({"lifetimeSecs": 3600}), "http.assertion.lifetimeSecs"),
        (json!({"audience": ""}), "http.assertion.audience"),
        (json!({"sign": true}), "http.assertion.sign"),
    ] {
        let mut tool = http_tool("w");
        tool["http"]["assertion"] = assertion.clone();
        let (status, body) = call(&app, "POST", "/api/v1/tenants/acme/tools", Some(tool)).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{assertion}: {body}"
        );
        assert_eq!(error(&body).0, "invalid_input", "{body}");
        // Serde's refusals name the path in the message, ours in `field`.
        let named = match body["error"]["field"].as_str() {
            Some(named) => named.starts_with(field),
            None => error(&body).1.contains(field),
        };
        assert!(named, "{assertion}: {body}");
    }
    let (_, tools) = call(&app, "GET", "/api/v1/tenants/acme/tools", None).await;
    assert_eq!(
        tools["items"].as_array().unwrap().len(),
        0,
        "nothing half-saved"
    );
}
