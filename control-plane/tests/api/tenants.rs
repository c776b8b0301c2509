//! Tenants: creating and listing them, their settings (branding, rate
//! limits), bad input, and the paging every list shares.

use super::*;

#[sqlx::test(migrations = "../migrations")]
async fn tenants_and_tools_round_trip(pool: PgPool) {
    let app = app(pool).await;
    let (status, tenant) = call(
        &app,
        "POST",
        "/api/v1/tenants",
        Some(json!({"slug": "acme", "displayName": "Acme Corp"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{tenant}");
    assert_eq!(tenant["mcpUrl"], "http://acme.localhost:8787/mcp");
    assert_eq!(
        call(
            &app,
            "POST",
            "/api/v1/tenants",
            Some(json!({"slug": "globex"}))
        )
        .await
        .0,
        StatusCode::CREATED
    );

    let (status, created) = call(
        &app,
        "POST",
        "/api/v1/tenants/acme/tools",
        Some(tool("get_weather")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["inputSchema"]["required"], json!(["city"]));

    let (_, tools) = call(&app, "GET", "/api/v1/tenants/acme/tools", None).await;

    let tools = tools["items"].clone();
    assert_eq!(tools.as_array().unwrap().len(), 1);
    let (_, tools) = call(&app, "GET", "/api/v1/tenants/globex/tools", None).await;
    let tools = tools["items"].clone();
    assert_eq!(tools, json!([]), "tools do not leak between tenants");

    let (_, list) = call(&app, "GET", "/api/v1/tenants", None).await;

    let list = list["items"].clone();
    let slugs: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["acme", "globex"]);
    let (_, acme) = call(&app, "GET", "/api/v1/tenants/acme", None).await;
    assert_eq!(
        (acme["toolCount"].clone(), acme["displayName"].clone()),
        (json!(1), json!("Acme Corp"))
    );

    assert_eq!(
        call(
            &app,
            "DELETE",
            "/api/v1/tenants/acme/tools/get_weather",
            None
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        call(
            &app,
            "DELETE",
            "/api/v1/tenants/acme/tools/get_weather",
            None
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn bad_input_gets_a_json_error_naming_the_problem(pool: PgPool) {
    let app = app(pool).await;

    let (status, body) = call(
        &app,
        "POST",
        "/api/v1/tenants",
        Some(json!({"slug": "Not A Slug"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["field"], "slug");
    assert!(error(&body).1.contains("lowercase letters"), "{body}");

    create_acme(&app).await;
    let (status, body) = call(
        &app,
        "POST",
        "/api/v1/tenants",
        Some(json!({"slug": "acme"})),
    )
    .await;
    assert_eq!(
        (status, error(&body).0.as_str()),
        (StatusCode::CONFLICT, "conflict")
    );

    call(
        &app,
        "POST",
        "/api/v1/tenants/acme/tools",
        Some(tool("get_weather")),
    )
    .await;
    let (status, body) = call(
        &app,
        "POST",
        "/api/v1/tenants/acme/tools",
        Some(tool("get_weather")),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(error(&body).1.contains("get_weather"), "{body}");

    let mut bad_schema = tool("broken");
    bad_schema["inputSchema"] =
        json!({"type": "object", "properties": {"city": {"type": "strin"}}});
    let (status, body) = call(&app, "POST", "/api/v1/tenants/acme/tools", Some(bad_schema)).await;
    assert_eq!(
        (status, body["error"]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("inputSchema"))
    );
    assert!(error(&body).1.contains("not a valid JSON Schema"), "{body}");

    let mut bad_name = tool("has spaces");
    bad_name["name"] = json!("has spaces");
    let (status, body) = call(&app, "POST", "/api/v1/tenants/acme/tools", Some(bad_name)).await;
    assert_eq!(
        (status, body["error"]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("name"))
    );

    let (status, body) = call(
        &app,
        "POST",
        "/api/v1/tenants/nobody/tools",
        Some(tool("x")),
    )
    .await;
    assert_eq!(
        (status, error(&body).0.as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    assert!(error(&body).1.contains("nobody"));
    assert_eq!(
        call(&app, "POST", "/api/v1/tenants/nobody/publish", None)
            .await
            .0,
        StatusCode::NOT_FOUND
    );

    let (status, body) = call(&app, "POST", "/api/v1/tenants", Some(json!({"slug": 5}))).await;
    assert_eq!(
        (status, error(&body).0.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_input")
    );
    let req = app
        .request("POST", "/api/v1/tenants")
        .header("content-type", "application/json")
        .body(Body::from("{nope"))
        .unwrap();
    assert_eq!(app.send(req).await.status(), StatusCode::BAD_REQUEST);
    let (status, body) = call(&app, "GET", "/api/v1/nothing-here", None).await;
    assert_eq!(
        (status, error(&body).0.as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    let (status, body) = call(&app, "GET", "/api/v1/tenants/acme/versions/latest", None).await;
    assert_eq!(
        (status, error(&body).0.as_str()),
        (StatusCode::BAD_REQUEST, "invalid_path")
    );

    // Nothing refused changed what was stored.
    let (_, tools) = call(&app, "GET", "/api/v1/tenants/acme/tools", None).await;
    let tools = tools["items"].clone();
    assert_eq!(tools.as_array().unwrap().len(), 1);
    assert_eq!(
        tools[0]["inputSchema"]["properties"]["city"]["type"],
        "string"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn branding_is_checked_kept_and_published(pool: PgPool) {
    let app = app(pool).await;
    create_acme(&app).await;
    for (bad, field) in [
        (
            json!({"displayName": "Acme", "logoUrl": "http://insecure.example/logo.png"}),
            "branding",
        ),
        (
            json!({"displayName": "Acme", "accentColor": "blue"}),
            "branding",
        ),
        (json!({"displayName": " "}), "displayName"),
    ] {
        let (status, body) = call(&app, "PUT", "/api/v1/tenants/acme", Some(bad)).await;
        assert_eq!(
            (status, body["error"]["field"].clone()),
            (StatusCode::UNPROCESSABLE_ENTITY, json!(field)),
            "{body}"
        );
    }
    let branding = json!({"displayName": "Acme Corp", "logoUrl": "https://cdn.acme.example/logo.svg", "accentColor": "#0a7d4f"});
    let (status, tenant) = call(&app, "PUT", "/api/v1/tenants/acme", Some(branding)).await;
    assert_eq!(status, StatusCode::OK, "{tenant}");
    assert_eq!(
        (tenant["displayName"].clone(), tenant["accentColor"].clone()),
        (json!("Acme Corp"), json!("#0a7d4f"))
    );
    call(&app, "POST", "/api/v1/tenants/acme/publish", None).await;
    let (_, document) = call(&app, "GET", "/api/v1/tenants/acme/versions/1", None).await;
    assert_eq!(
        document["document"]["branding"]["logoUrl"],
        "https://cdn.acme.example/logo.svg"
    );
    assert_eq!(document["document"]["displayName"], "Acme Corp");
    let (_, audit) = call(
        &app,
        "GET",
        "/api/v1/tenants/acme/audit?action=tenant.update",
        None,
    )
    .await;
    assert_eq!(
        audit["items"][0]["before"]["displayName"], "acme",
        "{audit}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn rate_limits_have_defaults_are_checked_and_published(pool: PgPool) {
    let app = app(pool).await;
    create_acme(&app).await;
    let (status, shown) = call(&app, "GET", "/api/v1/tenants/acme/limits", None).await;
    assert_eq!(status, StatusCode::OK, "{shown}");
    assert_eq!(shown["custom"], false);
    assert_eq!(shown["limits"], shown["defaults"]);
    assert_eq!(shown["windowSeconds"], 60);
    let mut limits = shown["defaults"].clone();
    for (field, value, named) in [
        ("mcpPerIp", json!(0), true),
        ("oauthPerTenant", json!(100_001), true),
        ("oauthPerIp", json!(5_000), true),
        ("mcpPerTenant", json!(-1), false),
        ("burst", json!(3), false),
    ] {
        let mut bad = limits.clone();
        bad[field] = value;
        let (status, body) = call(
            &app,
            "PUT",
            "/api/v1/tenants/acme/limits",
            Some(json!({ "limits": bad })),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {body}");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(field), "{body}");
        if named {
            assert_eq!(body["error"]["field"], field, "{body}");
        }
    }
    let (_, unchanged) = call(&app, "GET", "/api/v1/tenants/acme/limits", None).await;
    assert_eq!(unchanged["custom"], false, "nothing stored by bad input");
    limits["mcpPerIp"] = json!(5);
    limits["mcpPerTenant"] = json!(50);
    let (status, saved) = call(
        &app,
        "PUT",
        "/api/v1/tenants/acme/limits",
        Some(json!({ "limits": limits })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(
        (saved["custom"].clone(), saved["limits"]["mcpPerIp"].clone()),
        (json!(true), json!(5))
    );
    call(&app, "POST", "/api/v1/tenants/acme/publish", None).await;
    let (_, document) = call(&app, "GET", "/api/v1/tenants/acme/versions/1", None).await;
    assert_eq!(
        document["document"]["limits"]["mcpPerTenant"], 50,
        "{document}"
    );
    let (_, audit) = call(
        &app,
        "GET",
        "/api/v1/tenants/acme/audit?action=tenant.limits",
        None,
    )
    .await;
    assert_eq!(audit["items"][0]["after"]["mcpPerIp"], 5, "{audit}");
    let (status, reset) = call(
        &app,
        "PUT",
        "/api/v1/tenants/acme/limits",
        Some(json!({ "limits": null })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (reset["custom"].clone(), reset["limits"].clone()),
        (json!(false), reset["defaults"].clone())
    );
    // Versioned like every editable thing: a save on an old version is refused.
    let path = "/api/v1/tenants/acme/limits";
    let (_, read, _) = call_with(&app, "GET", path, &[], None).await;
    let read = read.expect("limits have an ETag");
    let mine = json!({ "limits": saved["limits"].clone() });
    let (status, _, _) = call_with(
        &app,
        "PUT",
        path,
        &[("if-match", &read)],
        Some(mine.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, stale) = call_with(
        &app,
        "PUT",
        path,
        &[("if-match", &read)],
        Some(json!({"limits": null})),
    )
    .await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED, "{stale}");
    let (_, _, kept) = call_with(&app, "GET", path, &[], None).await;
    assert_eq!(kept["custom"], true, "the refused reset changed nothing");
}

#[sqlx::test(migrations = "../migrations")]
async fn every_list_pages_the_same_way(pool: PgPool) {
    let app = app(pool).await;
    create_acme(&app).await;
    for name in ["a", "b", "c"] {
        call(&app, "POST", "/api/v1/tenants/acme/tools", Some(tool(name))).await;
    }
    let (_, first) = call(&app, "GET", "/api/v1/tenants/acme/tools?limit=2", None).await;
    let names = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(&first), ["a", "b"]);
    let cursor = first["nextCursor"].as_str().unwrap();
    let (_, rest) = call(
        &app,
        "GET",
        &format!("/api/v1/tenants/acme/tools?limit=2&cursor={cursor}"),
        None,
    )
    .await;
    assert_eq!(
        (names(&rest), rest["nextCursor"].clone()),
        (vec!["c".to_string()], Value::Null)
    );
    for bad in ["limit=0", "limit=5000", "cursor=nonsense"] {
        let (status, body) = call(
            &app,
            "GET",
            &format!("/api/v1/tenants/acme/tools?{bad}"),
            None,
        )
        .await;
        assert_eq!(
            (status, error(&body).0.as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid_input"),
            "{bad}: {body}"
        );
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_tenant_renamed_on_an_old_version_is_refused_and_kept_as_it_was(pool: PgPool) {
    let app = app(pool).await;
    create_acme(&app).await;
    let path = "/api/v1/tenants/acme";
    let (_, read, _) = call_with(&app, "GET", path, &[], None).await;
    let read = read.expect("a tenant has an ETag");
    // Other edits (a tool, a publish) are not the name's version.
    call(
        &app,
        "POST",
        "/api/v1/tenants/acme/tools",
        Some(tool("weather")),
    )
    .await;
    let (_, unchanged, _) = call_with(&app, "GET", path, &[], None).await;
    assert_eq!(unchanged.as_deref(), Some(read.as_str()));

    let first = json!({"displayName": "First Admin's Name", "accentColor": "#0a7d4f"});
    let (status, newer, saved) =
        call_with(&app, "PUT", path, &[("if-match", &read)], Some(first)).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_ne!(newer.as_deref(), Some(read.as_str()));
    let second = json!({"displayName": "Second Admin's Name"});
    let (status, _, refused) = call_with(
        &app,
        "PUT",
        path,
        &[("if-match", &read)],
        Some(second.clone()),
    )
    .await;
    assert_eq!(
        (status, refused["error"]["code"].clone()),
        (
            StatusCode::PRECONDITION_FAILED,
            json!("precondition_failed")
        ),
        "{refused}"
    );
    let (_, now, tenant) = call_with(&app, "GET", path, &[], None).await;
    assert_eq!(
        (tenant["displayName"].clone(), tenant["accentColor"].clone()),
        (json!("First Admin's Name"), json!("#0a7d4f"))
    );
    assert_eq!(now, newer);
    // On the version it read now, the second admin's change goes in; and
    // without If-Match a script replaces whatever is there.
    let newer = newer.expect("the saved version");
    let (status, _, _) = call_with(&app, "PUT", path, &[("if-match", &newer)], Some(second)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) =
        call_with(&app, "PUT", path, &[], Some(json!({"displayName": "Acme"}))).await;
    assert_eq!(status, StatusCode::OK);
}
