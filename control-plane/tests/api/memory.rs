//! The per-user memory setting: off until switched on, validated with the
//! field named, its tool names kept apart from the tenant's tools, needing
//! sign-in to publish, versioned, audited and published into the config.

use super::*;

#[sqlx::test(migrations = "../migrations")]
async fn memory_is_switched_on_checked_and_published(pool: PgPool) {
    let app = app(pool).await;
    create_acme(&app).await;
    let path = "/api/v1/tenants/acme/memory";
    let (status, off) = call(&app, "GET", path, None).await;
    assert_eq!(status, StatusCode::OK, "{off}");
    assert_eq!(off["memory"], Value::Null, "off until switched on");
    assert_eq!(off["defaults"]["maxNotes"], 100);

    call(
        &app,
        "POST",
        "/api/v1/tenants/acme/tools",
        Some(tool("recall")),
    )
    .await;
    for (body, field) in [
        (json!({"memory": {"maxNotes": 0}}), "memory.maxNotes"),
        (
            json!({"memory": {"maxBytes": 2_000_000}}),
            "memory.maxBytes",
        ),
        (
            json!({"memory": {"names": {"remember": "note", "recall": "note", "forget": "drop"}}}),
            "memory.names",
        ),
        (
            json!({"memory": {"names": {"remember": "a b", "recall": "r", "forget": "f"}}}),
            "memory.names.remember",
        ),
        // Taken by the tenant's own tool.
        (json!({"memory": {}}), "memory.names"),
    ] {
        let (status, refused) = call(&app, "PUT", path, Some(body.clone())).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {refused}"
        );
        assert_eq!(refused["error"]["field"], field, "{body}: {refused}");
    }
    let (status, body) = call(&app, "PUT", path, Some(json!({"memory": {"bogus": 1}}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (_, still) = call(&app, "GET", path, None).await;
    assert_eq!(still["memory"], Value::Null, "nothing refused was saved");

    let names = json!({"remember": "note", "recall": "notes", "forget": "unnote"});
    let (status, on) = call(
        &app,
        "PUT",
        path,
        Some(json!({"memory": {"names": names, "maxNotes": 20}})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{on}");
    assert_eq!(on["memory"]["maxBytes"], 65_536, "left out: the default");

    // Notes belong to signed-in users: a public tenant cannot publish them.
    let (status, body) = call(&app, "POST", "/api/v1/tenants/acme/publish", None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(error(&body).1.contains("memory needs sign-in"), "{body}");
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
    let (_, version) = call(&app, "GET", "/api/v1/tenants/acme/versions/1", None).await;
    assert_eq!(version["document"]["memory"]["names"], names, "{version}");
    assert_eq!(version["document"]["memory"]["maxNotes"], 20);

    // A tool named like a memory tool cannot be published beside it.
    call(
        &app,
        "POST",
        "/api/v1/tenants/acme/tools",
        Some(tool("note")),
    )
    .await;
    let (status, body) = call(&app, "POST", "/api/v1/tenants/acme/publish", None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(error(&body).1.contains("already a tool's name"), "{body}");

    let (status, off) = call(&app, "PUT", path, Some(json!({"memory": null}))).await;
    assert_eq!(status, StatusCode::OK, "{off}");
    let (_, audit) = call(
        &app,
        "GET",
        "/api/v1/tenants/acme/audit?action=tenant.memory",
        None,
    )
    .await;
    assert_eq!(audit["items"].as_array().unwrap().len(), 2, "{audit}");
}
