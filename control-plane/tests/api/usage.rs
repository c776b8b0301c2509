//! Usage reports from the edge and their rollups.

use super::*;

#[sqlx::test(migrations = "../migrations")]
async fn the_edges_usage_reports_roll_up_into_series(pool: PgPool) {
    let app = app(pool).await;
    create_acme(&app).await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let call_event = |tool: &str, outcome: &str, latency: u32, user: &str| {
        json!({"tenant": "acme", "at": now, "kind": "tool_call", "tool": tool,
               "outcome": outcome, "latencyMs": latency, "user": user})
    };
    let with_backend = |mut event: Value, status: &str| {
        event["backend"] = json!(status);
        event
    };
    let report = json!({"events": [
        with_backend(call_event("weather", "ok", 4, "u1"), "200"),
        with_backend(call_event("weather", "ok", 8, "u2"), "200"),
        with_backend(call_event("weather", "tool_error", 6, "u1"), "timeout"),
        call_event("forecast", "error", 2, "u1"),
        {"tenant": "acme", "at": now, "kind": "login", "outcome": "ok", "user": "u3"},
        call_event("weather", "ok", 1, "u9") .as_object().map(|o| {
            let mut o = o.clone();
            o.insert("tenant".into(), json!("nobody"));
            Value::Object(o)
        }).unwrap(),
        {"tenant": "acme", "at": 0, "kind": "login", "outcome": "ok"},
        {"tenant": "acme", "at": now, "kind": "tool_call", "tool": "x", "outcome": "great"}
    ]});
    let (status, result) = report_usage(&app, INGEST_TOKEN, unix_seconds(), "b-1", &report).await;
    assert_eq!(status, StatusCode::OK, "{result}");
    assert_eq!(
        (result["accepted"].clone(), result["dropped"].clone()),
        (json!(5), json!(3))
    );

    // The same signed report again counts nothing.
    let (status, replay) = report_usage(&app, INGEST_TOKEN, unix_seconds(), "b-1", &report).await;
    assert_eq!(status, StatusCode::CONFLICT, "{replay}");
    // Stale, signed with another secret, or unsigned: refused.
    let stale = unix_seconds() - 3_600;
    let (status, _) = report_usage(&app, INGEST_TOKEN, stale, "b-2", &report).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = report_usage(&app, "not-the-secret", unix_seconds(), "b-3", &report).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = call(
        &app.signed_out(),
        "POST",
        "/api/v1/ingest/usage",
        Some(report.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // The secret itself is no bearer token.
    let (status, _) = call(
        &app.with_token(INGEST_TOKEN),
        "POST",
        "/api/v1/ingest/usage",
        Some(report.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // A signed-in admin is not the edge.
    let (status, _) = call(&app, "POST", "/api/v1/ingest/usage", Some(report)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, usage) = call(
        &app,
        "GET",
        "/api/v1/tenants/acme/usage?hours=1&bucket=minute",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{usage}");
    let points = usage["points"].as_array().unwrap();
    assert!(
        (60..=62).contains(&points.len()),
        "every minute of the hour: {usage}"
    );
    let point = points
        .iter()
        .find(|p| p["toolCalls"] != 0)
        .expect("the reported minute");
    assert_eq!(
        (
            point["toolCalls"].clone(),
            point["errors"].clone(),
            point["logins"].clone(),
            point["activeUsers"].clone()
        ),
        (json!(4), json!(2), json!(1), json!(3)),
        "{usage}"
    );
    assert_eq!(point["latencyMsAvg"], 5.0);
    let weather = &usage["tools"][1];
    assert_eq!(
        (
            weather["tool"].clone(),
            weather["calls"].clone(),
            weather["errors"].clone(),
            weather["latencyMsMax"].clone()
        ),
        (json!("weather"), json!(3), json!(1), json!(8)),
        "{usage}"
    );
    assert_eq!(
        weather["backend"],
        json!({"200": 2, "timeout": 1}),
        "{usage}"
    );
    assert!(
        usage["tools"][0].get("backend").is_none(),
        "no backend, no statuses"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_backend_status_that_is_not_one_is_left_out(pool: PgPool) {
    let app = app(pool).await;
    create_acme(&app).await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let event = |status: Value| {
        json!({"tenant": "acme", "at": now, "kind": "tool_call", "tool": "t",
               "outcome": "ok", "backend": status})
    };
    let report = json!({"events": [event(json!("700")), event(json!("<script>")),
        event(json!("x".repeat(10_000))), event(json!("404"))]});
    let (status, result) = report_usage(&app, INGEST_TOKEN, unix_seconds(), "b-9", &report).await;
    assert_eq!(status, StatusCode::OK, "{result}");
    assert_eq!(result["accepted"], 4, "the calls count: {result}");
    let (_, usage) = call(&app, "GET", "/api/v1/tenants/acme/usage?hours=1", None).await;
    assert_eq!(usage["tools"][0]["backend"], json!({"404": 1}), "{usage}");
}
