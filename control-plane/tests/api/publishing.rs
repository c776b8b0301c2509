//! Publishing: versions, diffs, rollbacks, concurrent publishes, and what
//! happens when the edge is down.

use super::*;

#[sqlx::test(migrations = "../migrations")]
async fn publishing_to_a_down_edge_is_recorded_as_failed(pool: PgPool) {
    let app = app(pool).await;
    create_acme(&app).await;
    call(
        &app,
        "POST",
        "/api/v1/tenants/acme/tools",
        Some(tool("get_weather")),
    )
    .await;

    let (status, body) = call(&app, "POST", "/api/v1/tenants/acme/publish", None).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert_eq!(body["error"]["code"], "edge_push_failed");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("edge unreachable"),
        "{body}"
    );
    assert_eq!(
        (
            body["deployment"]["version"].clone(),
            body["deployment"]["status"].clone()
        ),
        (json!(1), json!("failed"))
    );

    // Versions keep increasing; each failure is kept with its reason.
    let (_, body) = call(&app, "POST", "/api/v1/tenants/acme/publish", None).await;
    assert_eq!(body["deployment"]["version"], 2);
    let (_, history) = call(&app, "GET", "/api/v1/tenants/acme/deployments", None).await;
    let history = history["items"].clone();
    let versions: Vec<(i64, &str)> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["version"].as_i64().unwrap(),
                d["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(versions, [(2, "failed"), (1, "failed")]);
    assert_eq!(history[0]["sha256"].as_str().unwrap().len(), 64);

    // Nothing was lost: the tool is still there and the tenant not live.
    let (_, acme) = call(&app, "GET", "/api/v1/tenants/acme", None).await;
    assert_eq!(
        (acme["toolCount"].clone(), acme["liveVersion"].clone()),
        (json!(1), Value::Null)
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn versions_diff_by_name_and_roll_back_as_new_versions(pool: PgPool) {
    let app = app(pool).await;
    create_acme(&app).await;
    call(
        &app,
        "POST",
        "/api/v1/tenants/acme/tools",
        Some(tool("weather")),
    )
    .await;
    let (status, _) = call(&app, "POST", "/api/v1/tenants/acme/publish", None).await;
    assert_eq!(
        status,
        StatusCode::BAD_GATEWAY,
        "the edge is down in these tests"
    );
    call(&app, "DELETE", "/api/v1/tenants/acme/tools/weather", None).await;
    call(
        &app,
        "POST",
        "/api/v1/tenants/acme/tools",
        Some(tool("forecast")),
    )
    .await;

    // The draft against version 1, before publishing it.
    let (status, diff) = call(
        &app,
        "GET",
        "/api/v1/tenants/acme/diff?from=1&to=draft",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{diff}");
    let changes: Vec<(String, String)> = diff["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["path"].as_str().unwrap().into(),
                c["kind"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            ("tools[weather]".to_string(), "removed".to_string()),
            ("tools[forecast]".to_string(), "added".to_string())
        ]
    );
    call(&app, "POST", "/api/v1/tenants/acme/publish", None).await;
    let (_, between) = call(&app, "GET", "/api/v1/tenants/acme/diff?from=1&to=2", None).await;
    assert_eq!(between["changes"], diff["changes"]);
    assert_eq!(
        (between["from"].clone(), between["to"].clone()),
        (json!(1), json!(2))
    );

    // Rolling back publishes version 1's content as version 3.
    let (status, rolled) = call(
        &app,
        "POST",
        "/api/v1/tenants/acme/rollback",
        Some(json!({"version": 1})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{rolled}");
    assert_eq!(rolled["deployment"]["version"], 3);
    assert_eq!(rolled["deployment"]["rollbackOf"], 1);
    assert_eq!(rolled["deployment"]["publishedBy"], "ops@example.com");
    let (_, v1) = call(&app, "GET", "/api/v1/tenants/acme/versions/1", None).await;
    let (_, v3) = call(&app, "GET", "/api/v1/tenants/acme/versions/3", None).await;
    assert_eq!(v3["document"]["version"], 3);
    assert_eq!(v3["document"]["tools"], v1["document"]["tools"]);
    let (_, same) = call(&app, "GET", "/api/v1/tenants/acme/diff?from=1&to=3", None).await;
    assert_eq!(same["changes"], json!([]));

    for bad in ["/rollback", "/versions/99"] {
        let (status, _) = if bad == "/rollback" {
            call(
                &app,
                "POST",
                &format!("/api/v1/tenants/acme{bad}"),
                Some(json!({"version": 99})),
            )
            .await
        } else {
            call(&app, "GET", &format!("/api/v1/tenants/acme{bad}"), None).await
        };
        assert_eq!(status, StatusCode::NOT_FOUND, "{bad}");
    }
    let (status, body) = call(&app, "GET", "/api/v1/tenants/acme/diff?from=soon", None).await;
    assert_eq!(
        (status, error(&body).0.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_input")
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn concurrent_publishes_get_consecutive_versions(pool: PgPool) {
    let app = app(pool).await;
    create_acme(&app).await;
    let publishes: Vec<_> = (0..6)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(
                async move { call(&app, "POST", "/api/v1/tenants/acme/publish", None).await },
            )
        })
        .collect();
    let mut results = Vec::new();
    for publish in publishes {
        results.push(publish.await.unwrap());
    }
    let mut versions: Vec<i64> = results
        .iter()
        .map(|(_, body)| body["deployment"]["version"].as_i64().unwrap())
        .collect();
    versions.sort_unstable();
    assert_eq!(versions, [1, 2, 3, 4, 5, 6]);
}

#[sqlx::test(migrations = "../migrations")]
async fn clients_and_grants_need_the_edge_and_say_so(pool: PgPool) {
    let app = app(pool).await;
    create_acme(&app).await;
    let (status, body) = call(&app, "GET", "/api/v1/tenants/acme/clients", None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::BAD_GATEWAY, Some("edge_unavailable")),
        "{body}"
    );
}
