//! The admin UI's pages as served, the response headers every answer
//! carries, and the OpenAPI document.

use super::*;

#[sqlx::test(migrations = "../migrations")]
async fn the_admin_ui_lists_tenants_from_the_database(pool: PgPool) {
    let app = app(pool).await;
    call(
        &app,
        "POST",
        "/api/v1/tenants",
        Some(json!({"slug": "acme", "displayName": "Acme Corp"})),
    )
    .await;
    let resp = app
        .send(app.request("GET", "/").body(Body::empty()).unwrap())
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let html = String::from_utf8(
        resp.into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap();
    assert!(html.contains("Acme Corp"), "{html}");
    assert!(html.contains("http://acme.localhost:8787/mcp"), "{html}");
    assert!(
        html.contains("/pkg/portcullis_web_ui.js"),
        "hydration script is linked: {html}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn openapi_document_lists_every_route(pool: PgPool) {
    use portcullis_control_plane::http::api_routes;
    let app = app(pool).await;
    let (status, doc) = call(&app, "GET", "/api/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    let paths = doc["paths"].as_object().unwrap();
    let routes = api_routes();
    // The document and the registration are one list: every route is
    // documented with its access rule, and nothing else is.
    let mut documented = 0;
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            let method = method.to_uppercase();
            let route = routes
                .iter()
                .find(|r| r.method == method && format!("/api{}", r.path) == *path);
            assert!(route.is_some(), "{method} {path} documented, not served");
            assert!(
                operation["x-access"]
                    .as_str()
                    .is_some_and(|a| !a.is_empty()),
                "{method} {path} says who may call it: {operation}"
            );
            documented += 1;
        }
    }
    // The document itself is the one route it does not describe.
    assert_eq!(documented, routes.len() - 1);
    assert_eq!(
        paths["/api/v1/tenants/{tenant}/members/{email}"]["put"]["x-access"],
        "tenant member with the owner role or above"
    );
    assert!(doc["components"]["schemas"]["Tool"].is_object(), "{doc}");
}

/// Every path the UI builds (`portcullis_api::paths`) reaches a route.
#[test]
fn the_shared_paths_are_registered_routes() {
    use portcullis_api::paths::{self, TENANTS};
    use portcullis_control_plane::http::api_routes;
    let routes = api_routes();
    let matches = |built: &str| {
        routes.iter().any(|r| {
            let pattern: Vec<&str> = r.path.split('/').collect();
            let parts: Vec<&str> = built.split('/').collect();
            pattern.len() == parts.len()
                && pattern
                    .iter()
                    .zip(&parts)
                    .all(|(p, b)| p == b || (p.starts_with('{') && !b.is_empty()))
        })
    };
    let t = paths::tenant("acme");
    let built = [
        paths::SESSION.to_owned(),
        TENANTS.to_owned(),
        t.root(),
        t.limits(),
        t.auth(),
        t.auth_test(),
        t.tools(),
        t.tool("x/y"),
        t.tool_try("x"),
        t.prompts(),
        t.prompt("p"),
        t.resources(),
        t.resource("test://a"),
        t.resource_templates(),
        t.resource_template("test://{id}"),
        t.publish(),
        t.assertion_keys(),
        t.assertion_keys_rotate(),
        t.assertion_keys_retire(),
        t.deployments(),
        t.rollback(),
        t.version(1),
        t.diff(),
        t.edge(),
        t.members(),
        t.member("a@b.c"),
        t.tokens(),
        t.token(1),
        t.clients(),
        t.client("https://c.example/x"),
        t.grants(),
        t.grant("g"),
        t.audit(),
        t.usage(),
    ];
    for path in built {
        assert!(matches(&path), "{path} is not a registered route");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn the_tenant_page_pictures_its_usage(pool: PgPool) {
    let app = app(pool).await;
    create_acme(&app).await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let report = json!({"events": [
        {"tenant": "acme", "at": now, "kind": "tool_call", "tool": "weather", "outcome": "ok", "latencyMs": 3, "user": "u1"},
        {"tenant": "acme", "at": now, "kind": "tool_call", "tool": "weather", "outcome": "error", "latencyMs": 2, "user": "u1"}
    ]});
    let (status, _) = report_usage(&app, INGEST_TOKEN, unix_seconds(), "page-1", &report).await;
    assert_eq!(status, StatusCode::OK);
    let resp = app
        .send(
            app.request("GET", "/tenants/acme")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let html = String::from_utf8(
        resp.into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap();
    assert!(html.contains("<figure class=\"usage\""), "{html}");
    assert!(html.contains("2 tool calls, 1 failed"), "{html}");
    assert!(
        html.contains("http://acme.localhost:8787/mcp"),
        "the endpoint to paste: {html}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn every_response_refuses_framing_sniffing_and_referrers(pool: PgPool) {
    use portcullis_control_plane::http::api_routes;
    let app = app(pool).await;
    create_acme(&app).await;
    let mut targets: Vec<(String, String)> = api_routes()
        .into_iter()
        .map(|r| {
            let path = format!("/api{}", r.path)
                .replace("{tenant}", "acme")
                .replace("{version}", "1")
                .replace(['{', '}'], "");
            (r.method.to_owned(), path)
        })
        .collect();
    for page in [
        "/",
        "/signin",
        "/tenants/acme",
        "/healthz",
        "/auth/oidc/start",
        "/auth/link/nonsense",
        "/pkg/missing.js",
        "/no/such/page",
    ] {
        targets.push(("GET".into(), page.into()));
    }
    let mut pages = 0;
    for (method, path) in targets {
        for caller in [app.clone(), app.signed_out()] {
            let response = caller
                .send(caller.request(&method, &path).body(Body::empty()).unwrap())
                .await;
            let headers = response.headers();
            let what = format!("{method} {path}: {}", response.status());
            assert_eq!(headers["x-frame-options"], "DENY", "{what}");
            assert_eq!(headers["x-content-type-options"], "nosniff", "{what}");
            assert_eq!(headers["referrer-policy"], "no-referrer", "{what}");
            let policy = headers["content-security-policy"].to_str().unwrap();
            assert!(
                policy.contains("frame-ancestors 'none'"),
                "{what}: {policy}"
            );
            assert!(!policy.contains("unsafe-inline"), "{what}: {policy}");
            let is_page = response
                .headers()
                .get("content-type")
                .is_some_and(|t| t.to_str().unwrap().starts_with("text/html"));
            if is_page && response.status().is_success() {
                // The page's own scripts carry this response's nonce.
                let nonce = policy
                    .split("'nonce-")
                    .nth(1)
                    .and_then(|rest| rest.split('\'').next())
                    .unwrap_or_else(|| panic!("{what}: no nonce in {policy}"))
                    .to_owned();
                let html = response.into_body().collect().await.unwrap().to_bytes();
                let html = String::from_utf8_lossy(&html);
                assert!(html.contains(&format!("nonce=\"{nonce}\"")), "{what}");
                pages += 1;
            }
        }
    }
    assert!(pages >= 4, "pages were among the responses checked");
}
