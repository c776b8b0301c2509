//! Tools: editing, versions, scopes, notifications and structured results.

use super::*;

#[sqlx::test(migrations = "../migrations")]
async fn a_tool_edited_on_an_old_version_is_refused_and_kept_as_it_was(pool: PgPool) {
    let app = app(pool).await;
    create_acme(&app).await;
    call(
        &app,
        "POST",
        "/api/v1/tenants/acme/tools",
        Some(tool("weather")),
    )
    .await;
    let path = "/api/v1/tenants/acme/tools/weather";
    let (_, read, _) = call_with(&app, "GET", path, &[], None).await;
    let read = read.expect("a tool has an ETag");
    let mut first = tool("weather");
    first["description"] = json!("first admin's words");
    let (status, newer, _) =
        call_with(&app, "PUT", path, &[("if-match", &read)], Some(first)).await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(newer.as_deref(), Some(read.as_str()));
    let mut second = tool("weather");
    second["description"] = json!("second admin's words");
    let (status, _, refused) =
        call_with(&app, "PUT", path, &[("if-match", &read)], Some(second)).await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("weather"),
        "{refused}"
    );
    let (_, now, kept) = call_with(&app, "GET", path, &[], None).await;
    assert_eq!(kept["description"], "first admin's words");
    assert_eq!(now, newer, "the version is the first admin's");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_tool_requiring_an_unknown_scope_stops_the_publish(pool: PgPool) {
    let app = app(pool).await;
    create_acme(&app).await;
    call(
        &app,
        "PUT",
        "/api/v1/tenants/acme/auth",
        Some(oauth_settings(Some("s"))),
    )
    .await;
    let mut scoped = tool("wipe");
    scoped["scopes"] = json!(["admin"]);
    let (status, _) = call(&app, "POST", "/api/v1/tenants/acme/tools", Some(scoped)).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = call(&app, "POST", "/api/v1/tenants/acme/publish", None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("tool \"wipe\"") && message.contains("admin"),
        "{message}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn tool_notifications_are_checked_and_kept(pool: PgPool) {
    let app = app(pool).await;
    create_acme(&app).await;
    let mut noisy = tool("noisy");
    noisy["notifications"] = json!([{"log": {"level": "shouting", "data": "x"}}]);
    let (status, body) = call(&app, "POST", "/api/v1/tenants/acme/tools", Some(noisy)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "notifications");
    let mut backwards = tool("backwards");
    backwards["notifications"] =
        json!([{"progress": {"progress": 9}}, {"progress": {"progress": 3}}]);
    let (status, _) = call(&app, "POST", "/api/v1/tenants/acme/tools", Some(backwards)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut good = tool("good");
    good["notifications"] = json!([{"log": {"level": "info", "data": "started"}}, {"progress": {"progress": 1, "total": 2}}]);
    let (status, created) = call(&app, "POST", "/api/v1/tenants/acme/tools", Some(good)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["notifications"][1]["progress"]["total"], 2.0);
    let mut asking = tool("asking");
    asking["inputRounds"] =
        json!([{"q": {"method": "sampling/createMessage", "params": {"messages": []}}}]);
    let (status, body) = call(&app, "POST", "/api/v1/tenants/acme/tools", Some(asking)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "inputRounds");
    let (_, tools) = call(&app, "GET", "/api/v1/tenants/acme/tools", None).await;
    let tools = tools["items"].clone();
    assert_eq!(
        tools.as_array().unwrap().len(),
        1,
        "only the valid tool was saved"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn structured_results_are_checked_against_their_output_schema(pool: PgPool) {
    let app = app(pool).await;
    create_acme(&app).await;
    let structured_tool = |structured: Value| {
        let mut t = tool("forecast");
        t["annotations"] = json!({"readOnlyHint": true, "title": "Forecast"});
        t["outputSchema"] = json!({"type": "object", "properties": {"celsius": {"type": "number"}}, "required": ["celsius"]});
        t["structuredContent"] = structured;
        t
    };
    let (status, body) = call(
        &app,
        "POST",
        "/api/v1/tenants/acme/tools",
        Some(structured_tool(json!({"celsius": "warm"}))),
    )
    .await;
    assert_eq!(
        (status, body["error"]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("structuredContent")),
        "{body}"
    );
    let mut no_result = structured_tool(Value::Null);
    no_result
        .as_object_mut()
        .unwrap()
        .remove("structuredContent");
    let (status, body) = call(&app, "POST", "/api/v1/tenants/acme/tools", Some(no_result)).await;
    assert_eq!(
        body["error"]["field"], "structuredContent",
        "{status} {body}"
    );
    let mut bad_schema = structured_tool(json!({"celsius": 1}));
    bad_schema["outputSchema"] = json!({"type": "object", "properties": {"celsius": {"type": 5}}});
    let (_, body) = call(&app, "POST", "/api/v1/tenants/acme/tools", Some(bad_schema)).await;
    assert_eq!(body["error"]["field"], "outputSchema", "{body}");

    let (status, created) = call(
        &app,
        "POST",
        "/api/v1/tenants/acme/tools",
        Some(structured_tool(json!({"celsius": 21.5}))),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["annotations"]["readOnlyHint"], true);
    assert_eq!(created["structuredContent"]["celsius"], 21.5);
    // It compiles into a servable document (the edge is down here: 502).
    let (status, published) = call(&app, "POST", "/api/v1/tenants/acme/publish", None).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{published}");
    let (_, document) = call(&app, "GET", "/api/v1/tenants/acme/versions/1", None).await;
    assert_eq!(
        document["document"]["tools"][0]["outputSchema"]["required"],
        json!(["celsius"])
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn editing_a_tool_replaces_it_whole_or_changes_nothing(pool: PgPool) {
    let app = app(pool).await;
    create_acme(&app).await;
    for name in ["get_weather", "get_time"] {
        let (status, _) = call(&app, "POST", "/api/v1/tenants/acme/tools", Some(tool(name))).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let path = "/api/v1/tenants/acme/tools/get_weather";
    let (_, original) = call(&app, "GET", path, None).await;
    let mut broken = tool("get_weather");
    broken["inputSchema"] = json!({"type": "object", "properties": {"city": {"type": "strng"}}});
    broken["description"] = json!("changed");
    let (status, body) = call(&app, "PUT", path, Some(broken)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "inputSchema");
    assert_eq!(
        call(&app, "GET", path, None).await.1,
        original,
        "nothing saved"
    );

    let mut renamed = tool("get_forecast");
    renamed["scopes"] = json!(["weather"]);
    let (status, updated) = call(&app, "PUT", path, Some(renamed.clone())).await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["scopes"], json!(["weather"]));
    assert_eq!(call(&app, "GET", path, None).await.0, StatusCode::NOT_FOUND);
    let (status, fetched) =
        call(&app, "GET", "/api/v1/tenants/acme/tools/get_forecast", None).await;
    assert_eq!(
        (status, fetched["name"].as_str()),
        (StatusCode::OK, Some("get_forecast"))
    );

    // Renaming onto another tool's name is a conflict, and changes nothing.
    renamed["name"] = json!("get_time");
    let (status, _) = call(
        &app,
        "PUT",
        "/api/v1/tenants/acme/tools/get_forecast",
        Some(renamed),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = call(&app, "PUT", path, Some(tool("get_weather"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (_, audit) = call(
        &app,
        "GET",
        "/api/v1/tenants/acme/audit?action=tool.update",
        None,
    )
    .await;
    let entries = audit["items"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{audit}");
    assert_eq!(entries[0]["before"]["name"], "get_weather");
    assert_eq!(entries[0]["after"]["name"], "get_forecast");
}
