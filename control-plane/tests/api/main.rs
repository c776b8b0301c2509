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

mod access;
mod assertion_keys;
mod catalog;
mod imports;
mod memory;
mod pages;
mod publishing;
mod sign_in;
mod tenants;
mod tool_secrets;
mod tools;
mod usage;
mod versions;

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

/// Sign-in settings with one OpenID provider (and its secret, when given),
/// a scope, who may sign in, a role and a pre-registered client.
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

/// An OpenAPI description with one operation.
fn tiny_openapi() -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Things", "version": "1"},
        "servers": [{"url": "https://things.example.net/v1"}],
        "paths": {"/things/{id}": {"get": {
            "operationId": "getThing", "summary": "One thing",
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "it", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"id": {"type": "string"}}}}}}}
        }}}
    })
}
