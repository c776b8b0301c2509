//! The JSON API and the admin UI page against a real Postgres: each test
//! gets a fresh database from `#[sqlx::test]` (DATABASE_URL points at the
//! throwaway cluster `tests/run.sh` starts).

#![allow(clippy::unwrap_used)] // Test code: a panic is the failure report.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use portcullis_control_plane::context::{RequestContext, Role};
use portcullis_control_plane::services::Services;
use portcullis_control_plane::{Settings, http};
use serde_json::{Value, json};
use sqlx::PgPool;
use tower::ServiceExt;

/// The app as one caller sees it: the router and that caller's
/// credentials (a session cookie with its CSRF token, or an API token).
#[derive(Clone)]
struct Client {
    router: Router,
    services: Arc<Services>,
    cookie: Option<String>,
    csrf: Option<String>,
    bearer: Option<String>,
}

/// What the edge sends with its usage reports in these tests.
const INGEST_TOKEN: &str = "edge-ingest-secret";

/// Settings whose edge is a port nobody listens on, with `overrides`.
fn settings_with(overrides: &[(&str, String)]) -> Settings {
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    Settings::from_lookup(|name| {
        if let Some((_, value)) = overrides.iter().find(|(n, _)| *n == name) {
            return Some(value.clone());
        }
        match name {
            "DATABASE_URL" => Some("unused: the pool is given".into()),
            "PORTCULLIS_SIGNING_KEY" => Some("11".repeat(32)),
            "PORTCULLIS_EDGE_SEAL_KEY" => Some("22".repeat(32)),
            "PORTCULLIS_EDGE_URL" => Some(format!("http://127.0.0.1:{closed_port}")),
            "PORTCULLIS_INGEST_TOKEN" => Some(INGEST_TOKEN.into()),
            // The test identity providers listen on 127.0.0.1.
            "PORTCULLIS_ALLOW_LOOPBACK_FETCH" => Some("true".into()),
            _ => None,
        }
    })
    .unwrap()
}

/// An app whose edge is a port nobody listens on, with a signed-in
/// platform operator.
async fn app(pool: PgPool) -> Client {
    let settings = settings_with(&[]);
    let services = Arc::new(Services::new(pool, &settings).unwrap());
    let anonymous = Client {
        router: http::router(services.clone(), &settings),
        services,
        cookie: None,
        csrf: None,
        bearer: None,
    };
    anonymous.signed_in_as("ops@example.com", true).await
}

impl Client {
    fn signed_out(&self) -> Self {
        Self {
            cookie: None,
            csrf: None,
            bearer: None,
            ..self.clone()
        }
    }

    fn with_token(&self, secret: &str) -> Self {
        Self {
            bearer: Some(secret.to_owned()),
            ..self.signed_out()
        }
    }

    /// Signs `email` in through a one-time link, as a browser would.
    async fn signed_in_as(&self, email: &str, operator: bool) -> Self {
        let link = self
            .services
            .sign_in_link_create(&RequestContext::system(), email, operator)
            .await
            .unwrap();
        let resp = self
            .router
            .clone()
            .oneshot(
                Request::get(format!("/auth/link/{}", link.token))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        let cookie = resp.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let mut client = Self {
            cookie: Some(cookie),
            ..self.signed_out()
        };
        let (status, session) = call(&client, "GET", "/api/v1/session", None).await;
        assert_eq!(status, StatusCode::OK, "{session}");
        client.csrf = session["csrfToken"].as_str().map(str::to_owned);
        client
    }

    /// A request carrying the caller's credentials.
    fn request(&self, method: &str, uri: &str) -> axum::http::request::Builder {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(cookie) = &self.cookie {
            req = req.header("cookie", cookie);
        }
        if let (Some(csrf), false) = (&self.csrf, method == "GET") {
            req = req.header("x-csrf-token", csrf);
        }
        if let Some(bearer) = &self.bearer {
            req = req.header("authorization", format!("Bearer {bearer}"));
        }
        req
    }

    async fn send(&self, req: Request<Body>) -> axum::response::Response {
        self.router.clone().oneshot(req).await.unwrap()
    }
}

async fn call(app: &Client, method: &str, uri: &str, body: Option<Value>) -> (StatusCode, Value) {
    let (status, _, answer) = call_with(app, method, uri, &[], body).await;
    (status, answer)
}

/// Sends `report` as the edge does: signed with the ingest secret `key`
/// at `at` (seconds) as batch `batch`.
async fn report_usage(
    app: &Client,
    key: &str,
    at: u64,
    batch: &str,
    report: &Value,
) -> (StatusCode, Value) {
    use portcullis_tenant_config::ingest;
    let body = report.to_string();
    let req = app
        .signed_out()
        .request("POST", "/api/v1/ingest/usage")
        .header("content-type", "application/json")
        .header(
            ingest::HEADER,
            ingest::header_value(key.as_bytes(), at, batch, body.as_bytes()),
        );
    let resp = app.send(req.body(Body::from(body)).unwrap()).await;
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn unix_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// An API error's code and message.
fn error(v: &Value) -> (String, String) {
    (
        v["error"]["code"].as_str().unwrap_or("").to_owned(),
        v["error"]["message"].as_str().unwrap_or("").to_owned(),
    )
}

/// Creates the tenant most tests work in.
async fn create_acme(app: &Client) {
    let (status, body) = call(
        app,
        "POST",
        "/api/v1/tenants",
        Some(json!({"slug": "acme"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

fn tool(name: &str) -> Value {
    json!({
        "name": name,
        "title": "Weather",
        "description": "Current weather for a city",
        "inputSchema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        "content": [{"type": "text", "text": "sunny"}]
    })
}

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
    let app = app(pool).await;
    let (status, doc) = call(&app, "GET", "/api/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    let paths: Vec<&String> = doc["paths"].as_object().unwrap().keys().collect();
    for expected in [
        "/api/v1/tenants",
        "/api/v1/tenants/{tenant}",
        "/api/v1/tenants/{tenant}/tools",
        "/api/v1/tenants/{tenant}/tools/{name}",
        "/api/v1/tenants/{tenant}/publish",
        "/api/v1/tenants/{tenant}/deployments",
        "/api/v1/tenants/{tenant}/prompts",
        "/api/v1/tenants/{tenant}/prompts/{name}",
        "/api/v1/tenants/{tenant}/resources",
        "/api/v1/tenants/{tenant}/resources/{uri}",
        "/api/v1/tenants/{tenant}/resource-templates",
        "/api/v1/tenants/{tenant}/resource-templates/{uri_template}",
    ] {
        assert!(
            paths.iter().any(|p| *p == expected),
            "{expected} missing from {paths:?}"
        );
    }
}

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

fn oauth_settings(secret: Option<&str>) -> Value {
    let mut provider = json!({
        "id": "acme-sso", "kind": "oidc", "displayName": "Acme SSO",
        "clientId": "portcullis", "issuer": "https://sso.acme.example/"
    });
    if let Some(secret) = secret {
        provider["clientSecret"] = json!(secret);
    }
    json!({
        "mode": "oauth",
        "providers": [provider],
        "scopes": [{"name": "weather:read", "description": "Read the weather"}],
        "allow": [{"emailDomains": ["acme.com"]}],
        "roles": [{"name": "staff", "when": {"emailDomains": ["acme.com"]}, "scopes": ["weather:read"]}],
        "clients": [{"clientId": "desktop", "clientName": "Acme Desktop", "redirectUris": ["http://127.0.0.1:3000/cb"]}]
    })
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

/// A request with headers, answered with its status, `ETag` and body.
async fn call_with(
    app: &Client,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> (StatusCode, Option<String>, Value) {
    let mut req = app.request(method, uri);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let body = match body {
        Some(v) => {
            req = req.header("content-type", "application/json");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    let resp = app.send(req.body(body).unwrap()).await;
    let status = resp.status();
    let etag = resp
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        etag,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
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

/// Who calls, in the authorization matrix.
struct Caller {
    label: &'static str,
    client: Client,
    /// Its role in acme (operators act as owners), `None` for none.
    role_in_acme: Option<Role>,
    operator: bool,
    signed_in: bool,
}

/// A request body the route accepts when the caller may use it, so that
/// what refuses a caller is authorization, never validation.
fn valid_body(method: &str, path: &str) -> Option<Value> {
    let body = match (method, path.rsplit('/').next().unwrap_or_default()) {
        ("POST", "tenants") => json!({"slug": "matrix-made"}),
        ("PUT", "auth") => json!({"mode": "public"}),
        ("PUT", "limits") => json!({"limits": null}),
        ("POST", "tools") => tool("matrix_tool"),
        ("PUT", "{name}") => tool("nothing"),
        ("POST", "try") => json!({"arguments": {"city": "Oslo"}}),
        ("POST", "prompts") => {
            json!({"name": "matrix_prompt", "messages": [{"role": "user", "content": {"type": "text", "text": "hi"}}]})
        }
        ("POST", "resources") => json!({"uri": "test://matrix", "name": "m", "text": "x"}),
        ("POST", "resource-templates") => {
            json!({"uriTemplate": "test://matrix/{id}", "name": "m", "text": "x"})
        }
        ("PUT", "{email}") => json!({"role": "viewer"}),
        ("POST", "tokens") => json!({"name": "matrix", "role": "viewer"}),
        ("POST", "rollback") => json!({"version": 1}),
        ("PUT", "{tenant}") => json!({"displayName": "Acme", "accentColor": "#112233"}),
        ("POST", "test") => json!({"kind": "github", "apiBase": "http://127.0.0.1:9"}),
        ("POST", "usage") => json!({"events": []}),
        _ => return None,
    };
    Some(body)
}

#[sqlx::test(migrations = "../migrations")]
async fn every_route_refuses_whoever_may_not_use_it(pool: PgPool) {
    use portcullis_control_plane::http::{API_ROUTES, Access};

    let operator = app(pool).await;
    for slug in ["acme", "globex"] {
        let (status, _) = call(
            &operator,
            "POST",
            "/api/v1/tenants",
            Some(json!({"slug": slug})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let mut callers = vec![
        Caller {
            label: "signed out",
            client: operator.signed_out(),
            role_in_acme: None,
            operator: false,
            signed_in: false,
        },
        Caller {
            label: "operator",
            client: operator.clone(),
            role_in_acme: Some(Role::Owner),
            operator: true,
            signed_in: true,
        },
    ];
    for (email, tenant, role) in [
        ("owner@acme.test", "acme", Role::Owner),
        ("admin@acme.test", "acme", Role::Admin),
        ("viewer@acme.test", "acme", Role::Viewer),
        ("owner@globex.test", "globex", Role::Owner),
    ] {
        let path = format!("/api/v1/tenants/{tenant}/members/{email}");
        let (status, body) = call(&operator, "PUT", &path, Some(json!({"role": role}))).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        callers.push(Caller {
            label: email,
            client: operator.signed_in_as(email, false).await,
            role_in_acme: (tenant == "acme").then_some(role),
            operator: false,
            signed_in: true,
        });
    }
    for (label, role) in [
        ("acme admin token", Role::Admin),
        ("acme viewer token", Role::Viewer),
    ] {
        let (status, token) = call(
            &operator,
            "POST",
            "/api/v1/tenants/acme/tokens",
            Some(json!({"name": label, "role": role})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{token}");
        callers.push(Caller {
            label,
            client: operator.with_token(token["secret"].as_str().unwrap()),
            role_in_acme: Some(role),
            operator: false,
            signed_in: true,
        });
    }

    // Signing out comes last: it ends the caller's session.
    let mut routes: Vec<_> = API_ROUTES.iter().collect();
    routes.sort_by_key(|r| r.path == "/v1/session" && r.method == "DELETE");
    let mut checked = 0;
    for route in routes {
        let path = format!("/api{}", route.path)
            .replace("{tenant}", "acme")
            .replace("{name}", "nothing")
            .replace("{uri}", "test%3A%2F%2Fnothing")
            .replace("{uri_template}", "test%3A%2F%2Fnothing%2F%7Bid%7D")
            .replace("{email}", "someone@acme.test")
            .replace("{client_id}", "some-client")
            .replace("{id}", "999999")
            .replace("{version}", "1");
        for caller in &callers {
            let (status, body) = call(
                &caller.client,
                route.method,
                &path,
                valid_body(route.method, route.path),
            )
            .await;
            let what = format!(
                "{} {} as {}: {status} {body}",
                route.method, route.path, caller.label
            );
            let hidden = status == StatusCode::NOT_FOUND
                && body["error"]["message"] == "tenant \"acme\" not found";
            let allowed =
                !matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) && !hidden;
            assert_ne!(body["error"]["message"], "no such API endpoint", "{what}");
            match route.access {
                Access::Public => assert!(allowed, "{what}"),
                _ if !caller.signed_in => assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}"),
                Access::SignedIn => assert!(allowed, "{what}"),
                Access::Operator if caller.operator => assert!(allowed, "{what}"),
                Access::Operator | Access::Edge => {
                    assert_eq!(status, StatusCode::FORBIDDEN, "{what}")
                }
                Access::Tenant(permission) => match caller.role_in_acme {
                    None => assert!(hidden, "another tenant's member sees nothing: {what}"),
                    Some(role) if role >= permission.least_role() => assert!(allowed, "{what}"),
                    Some(_) => assert_eq!(status, StatusCode::FORBIDDEN, "{what}"),
                },
            }
            checked += 1;
        }
    }
    assert_eq!(checked, API_ROUTES.len() * callers.len());
}

#[sqlx::test(migrations = "../migrations")]
async fn a_session_change_without_its_csrf_token_is_refused(pool: PgPool) {
    let app = app(pool).await;
    let forged = Client {
        csrf: Some("not-the-token".into()),
        ..app.clone()
    };
    let (status, body) = call(
        &forged,
        "POST",
        "/api/v1/tenants",
        Some(json!({"slug": "acme"})),
    )
    .await;
    assert_eq!(
        (status, error(&body).0.as_str()),
        (StatusCode::FORBIDDEN, "csrf")
    );
    let missing = Client {
        csrf: None,
        ..app.clone()
    };
    let (status, _) = call(
        &missing,
        "POST",
        "/api/v1/tenants",
        Some(json!({"slug": "acme"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Reading needs no token; the real one works; nothing was created before.
    let (status, tenants) = call(&missing, "GET", "/api/v1/tenants", None).await;
    let tenants = tenants["items"].clone();
    assert_eq!((status, tenants), (StatusCode::OK, json!([])));
    create_acme(&app).await;
}

#[sqlx::test(migrations = "../migrations")]
async fn api_tokens_are_shown_once_stored_hashed_and_revocable(pool: PgPool) {
    let app = app(pool.clone()).await;
    create_acme(&app).await;
    let (status, created) = call(
        &app,
        "POST",
        "/api/v1/tenants/acme/tokens",
        Some(json!({"name": "CI", "role": "admin"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let secret = created["secret"].as_str().unwrap();
    let stored: Vec<u8> = sqlx::query_scalar("SELECT token_hash FROM api_tokens")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(!String::from_utf8_lossy(&stored).contains(&secret[4..]));

    let ci = app.with_token(secret);
    let (status, _) = call(
        &ci,
        "POST",
        "/api/v1/tenants/acme/tools",
        Some(tool("from_ci")),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "an admin token changes the tenant without CSRF"
    );
    let (_, listed) = call(&app, "GET", "/api/v1/tenants/acme/tokens", None).await;
    let listed = listed["items"].clone();
    assert!(listed[0].get("secret").is_none(), "{listed}");
    assert!(listed[0]["lastUsedAt"].is_string(), "{listed}");

    let id = created["id"].as_i64().unwrap();
    let (status, _) = call(
        &app,
        "DELETE",
        &format!("/api/v1/tenants/acme/tokens/{id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(&ci, "GET", "/api/v1/tenants/acme/tools", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = call(
        &app.with_token("pct_forged"),
        "GET",
        "/api/v1/tenants",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrations = "../migrations")]
async fn every_change_is_audited_and_exportable(pool: PgPool) {
    let app = app(pool).await;
    create_acme(&app).await;
    call(
        &app,
        "POST",
        "/api/v1/tenants/acme/tools",
        Some(tool("weather")),
    )
    .await;
    call(&app, "DELETE", "/api/v1/tenants/acme/tools/weather", None).await;
    let (status, page) = call(&app, "GET", "/api/v1/tenants/acme/audit", None).await;
    assert_eq!(status, StatusCode::OK);
    let actions: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["tool.delete", "tool.create", "tenant.create"]);
    let deleted = &page["items"][0];
    assert_eq!(deleted["actor"], "ops@example.com");
    assert_eq!(deleted["before"]["name"], "weather");
    assert!(deleted["after"].is_null());

    let (_, tools_only) = call(
        &app,
        "GET",
        "/api/v1/tenants/acme/audit?action=tool&limit=1",
        None,
    )
    .await;
    assert_eq!(tools_only["items"].as_array().unwrap().len(), 1);
    let cursor = tools_only["nextCursor"].as_str().unwrap();
    let (_, next) = call(
        &app,
        "GET",
        &format!("/api/v1/tenants/acme/audit?action=tool&cursor={cursor}"),
        None,
    )
    .await;
    assert_eq!(next["items"][0]["action"], "tool.create");

    let req = app
        .request("GET", "/api/v1/tenants/acme/audit")
        .header("accept", "application/x-ndjson")
        .body(Body::empty())
        .unwrap();
    let resp = app.send(req).await;
    assert_eq!(resp.headers()["content-type"], "application/x-ndjson");
    let text = String::from_utf8(
        resp.into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[2]["action"], "tenant.create");
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
    let report = json!({"events": [
        call_event("weather", "ok", 4, "u1"),
        call_event("weather", "ok", 8, "u2"),
        call_event("weather", "tool_error", 6, "u1"),
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

#[sqlx::test(migrations = "../migrations")]
async fn every_response_refuses_framing_sniffing_and_referrers(pool: PgPool) {
    use portcullis_control_plane::http::API_ROUTES;
    let app = app(pool).await;
    create_acme(&app).await;
    let mut targets: Vec<(String, String)> = API_ROUTES
        .iter()
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

/// The audit entry is written in the transaction of the change it records:
/// when the entry cannot be written, nothing of the change is kept (and no
/// version is pushed to the edge), and the caller gets a 500, not a
/// success without its record.
#[sqlx::test(migrations = "../migrations")]
async fn a_change_that_cannot_be_audited_is_not_made(pool: PgPool) {
    let app = app(pool.clone()).await;
    create_acme(&app).await;
    let (status, body) = call(
        &app,
        "POST",
        "/api/v1/tenants/acme/tools",
        Some(tool("kept")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let audited = |pool: PgPool| async move {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM audit_log")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let entries = audited(pool.clone()).await;

    sqlx::raw_sql(
        "CREATE FUNCTION audit_down() RETURNS trigger LANGUAGE plpgsql AS
           $$ BEGIN RAISE EXCEPTION 'the audit log is down'; END $$;
         CREATE TRIGGER audit_down BEFORE INSERT ON audit_log
           FOR EACH ROW EXECUTE FUNCTION audit_down();",
    )
    .execute(&pool)
    .await
    .unwrap();
    let changes = [
        ("POST", "/api/v1/tenants/acme/tools", Some(tool("lost"))),
        (
            "PUT",
            "/api/v1/tenants/acme/tools/kept",
            Some(tool("renamed")),
        ),
        ("DELETE", "/api/v1/tenants/acme/tools/kept", None),
        (
            "PUT",
            "/api/v1/tenants/acme",
            Some(json!({"displayName": "Renamed"})),
        ),
        ("POST", "/api/v1/tenants/acme/publish", None),
        ("POST", "/api/v1/tenants", Some(json!({"slug": "other"}))),
        (
            "POST",
            "/api/v1/tenants/acme/tokens",
            Some(json!({"name": "CI", "role": "admin"})),
        ),
        (
            "PUT",
            "/api/v1/tenants/acme/members/ann@example.com",
            Some(json!({"role": "admin"})),
        ),
    ];
    for (method, uri, body) in changes {
        let (status, answer) = call(&app, method, uri, body).await;
        assert_eq!(
            (status, answer["error"]["code"].clone()),
            (StatusCode::INTERNAL_SERVER_ERROR, json!("internal_error")),
            "{method} {uri}: {answer}"
        );
        assert!(
            !answer.to_string().contains("audit log is down"),
            "a 500 names no internals: {answer}"
        );
    }
    sqlx::raw_sql("DROP TRIGGER audit_down ON audit_log")
        .execute(&pool)
        .await
        .unwrap();

    let (_, tools) = call(&app, "GET", "/api/v1/tenants/acme/tools", None).await;
    let names: Vec<&str> = tools["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["kept"]);
    let (_, acme) = call(&app, "GET", "/api/v1/tenants/acme", None).await;
    assert_eq!(acme["displayName"], "acme");
    let (_, deployments) = call(&app, "GET", "/api/v1/tenants/acme/deployments", None).await;
    assert_eq!(deployments["items"], json!([]), "no version was recorded");
    let (status, _) = call(&app, "GET", "/api/v1/tenants/other", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, tokens) = call(&app, "GET", "/api/v1/tenants/acme/tokens", None).await;
    assert_eq!(tokens["items"], json!([]));
    let (_, members) = call(&app, "GET", "/api/v1/tenants/acme/members", None).await;
    assert!(
        !members.to_string().contains("ann@example.com"),
        "{members}"
    );
    assert_eq!(
        audited(pool).await,
        entries,
        "and no entry without its change"
    );
}
