//! Prompts, resources and resource templates.

use super::*;

#[sqlx::test(migrations = "../migrations")]
async fn prompts_resources_and_templates(pool: PgPool) {
    let app = app(pool).await;
    create_acme(&app).await;
    let prompt = json!({
        "name": "greet",
        "description": "Greets someone",
        "arguments": [{"name": "who", "required": true}],
        "messages": [{"role": "user", "content": {"type": "text", "text": "Hello {who}"}}]
    });
    let (status, body) = call(
        &app,
        "POST",
        "/api/v1/tenants/acme/prompts",
        Some(prompt.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["arguments"][0]["name"], "who");
    assert_eq!(
        call(&app, "POST", "/api/v1/tenants/acme/prompts", Some(prompt))
            .await
            .0,
        StatusCode::CONFLICT
    );

    let resource = json!({"uri": "test://docs/intro", "name": "Intro", "mimeType": "text/plain", "text": "Welcome"});
    assert_eq!(
        call(
            &app,
            "POST",
            "/api/v1/tenants/acme/resources",
            Some(resource)
        )
        .await
        .0,
        StatusCode::CREATED
    );
    let template = json!({"uriTemplate": "test://items/{id}", "name": "Item", "text": "item {id}"});
    assert_eq!(
        call(
            &app,
            "POST",
            "/api/v1/tenants/acme/resource-templates",
            Some(template)
        )
        .await
        .0,
        StatusCode::CREATED
    );

    // Each kind refuses what the edge could not serve, naming the problem.
    let refused = [
        (
            "/api/v1/tenants/acme/resources",
            json!({"uri": "test://b", "name": "b", "blob": "not base64!"}),
            "base64",
        ),
        (
            "/api/v1/tenants/acme/resources",
            json!({"uri": "test://c", "name": "c", "text": "x", "blob": "AAAA"}),
            "exactly one",
        ),
        (
            "/api/v1/tenants/acme/resources",
            json!({"uri": "no scheme", "name": "d", "text": "x"}),
            "absolute URI",
        ),
        (
            "/api/v1/tenants/acme/resource-templates",
            json!({"uriTemplate": "test://fixed", "name": "e", "text": "x"}),
            "variable",
        ),
        (
            "/api/v1/tenants/acme/prompts",
            json!({"name": "p", "messages": []}),
            "at least one",
        ),
        (
            "/api/v1/tenants/acme/prompts",
            json!({"name": "p", "messages": [{"role": "robot", "content": {"type": "text", "text": "x"}}]}),
            "robot",
        ),
    ];
    for (path, body, expect) in refused {
        let (status, reply) = call(&app, "POST", path, Some(body.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body} → {reply}");
        assert!(
            reply["error"]["message"].as_str().unwrap().contains(expect),
            "{body} → {reply}"
        );
    }

    let (_, resources) = call(&app, "GET", "/api/v1/tenants/acme/resources", None).await;

    let resources = resources["items"].clone();
    assert_eq!(resources.as_array().unwrap().len(), 1, "{resources}");
    assert_eq!(
        call(&app, "GET", "/api/v1/tenants/acme/prompts", None)
            .await
            .1["items"][0]["name"],
        "greet"
    );

    // Publishing compiles them all (the edge is down here, so the push fails).
    let (status, body) = call(&app, "POST", "/api/v1/tenants/acme/publish", None).await;
    assert_eq!(
        (status, body["deployment"]["status"].clone()),
        (StatusCode::BAD_GATEWAY, json!("failed")),
        "{body}"
    );

    let encoded = "/api/v1/tenants/acme/resources/test%3A%2F%2Fdocs%2Fintro";
    assert_eq!(
        call(&app, "DELETE", encoded, None).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        call(&app, "DELETE", encoded, None).await.0,
        StatusCode::NOT_FOUND
    );
    let encoded = "/api/v1/tenants/acme/resource-templates/test%3A%2F%2Fitems%2F%7Bid%7D";
    assert_eq!(
        call(&app, "DELETE", encoded, None).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        call(&app, "DELETE", "/api/v1/tenants/acme/prompts/greet", None)
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        call(&app, "GET", "/api/v1/tenants/globex/prompts", None)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
}
