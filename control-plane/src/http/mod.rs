//! The JSON API under `/api`: thin handlers that build a request context,
//! call one service method and render its result.

mod audit;
mod auth;
mod catalog;
mod clients;
mod error;
mod extract;
mod members;
mod oidc;
mod openapi;
pub mod page;
mod publish;
pub mod session;
mod tenants;
mod tools;
mod usage;
mod version;

use axum::http::HeaderValue;
use std::sync::Arc;
use tower_http::set_header::SetResponseHeaderLayer;

use axum::Router;
use axum::http::{HeaderName, Method, StatusCode};
use axum::routing::{MethodFilter, MethodRouter, get, on};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

pub use error::{ApiError, ErrorBody};
pub use openapi::ApiDoc;

use crate::config::Settings;
use crate::context::Permission;
use crate::services::Services;

pub type AppState = Arc<Services>;

/// What a route needs of its caller. The authorization itself happens in
/// the services; this table says what they must decide, so the
/// authorization matrix test can check every route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Anyone signed in (what they see depends on who they are).
    SignedIn,
    /// Platform operators only.
    Operator,
    /// Members of the tenant in the path with at least this permission.
    Tenant(Permission),
    /// The edge only (a report signed with its ingest secret).
    Edge,
}

/// One API route: method, path under `/api`, and its access rule.
#[derive(Debug, Clone, Copy)]
pub struct ApiRoute {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
}

const fn route(method: &'static str, path: &'static str, access: Access) -> ApiRoute {
    ApiRoute {
        method,
        path,
        access,
    }
}

use Access::{Edge, Operator, Public, SignedIn, Tenant};
use Permission::{Manage, Read, Write};

/// Every route of the JSON API. [`api_router`] refuses to register a
/// handler missing from it, so a new route cannot skip the matrix test.
pub const API_ROUTES: &[ApiRoute] = &[
    route("GET", "/openapi.json", Public),
    route("GET", "/v1/session", SignedIn),
    route("DELETE", "/v1/session", SignedIn),
    route("GET", "/v1/tenants", SignedIn),
    route("POST", "/v1/tenants", Operator),
    route("GET", "/v1/tenants/{tenant}", Tenant(Read)),
    route("PUT", "/v1/tenants/{tenant}", Tenant(Write)),
    route("GET", "/v1/tenants/{tenant}/limits", Tenant(Read)),
    route("PUT", "/v1/tenants/{tenant}/limits", Tenant(Write)),
    route("GET", "/v1/tenants/{tenant}/auth", Tenant(Read)),
    route("PUT", "/v1/tenants/{tenant}/auth", Tenant(Write)),
    route("POST", "/v1/tenants/{tenant}/auth/test", Tenant(Write)),
    route("GET", "/v1/tenants/{tenant}/tools", Tenant(Read)),
    route("POST", "/v1/tenants/{tenant}/tools", Tenant(Write)),
    route("GET", "/v1/tenants/{tenant}/tools/{name}", Tenant(Read)),
    route("PUT", "/v1/tenants/{tenant}/tools/{name}", Tenant(Write)),
    route("DELETE", "/v1/tenants/{tenant}/tools/{name}", Tenant(Write)),
    route(
        "POST",
        "/v1/tenants/{tenant}/tools/{name}/try",
        Tenant(Write),
    ),
    route("GET", "/v1/tenants/{tenant}/prompts", Tenant(Read)),
    route("POST", "/v1/tenants/{tenant}/prompts", Tenant(Write)),
    route(
        "DELETE",
        "/v1/tenants/{tenant}/prompts/{name}",
        Tenant(Write),
    ),
    route("GET", "/v1/tenants/{tenant}/resources", Tenant(Read)),
    route("POST", "/v1/tenants/{tenant}/resources", Tenant(Write)),
    route(
        "DELETE",
        "/v1/tenants/{tenant}/resources/{uri}",
        Tenant(Write),
    ),
    route(
        "GET",
        "/v1/tenants/{tenant}/resource-templates",
        Tenant(Read),
    ),
    route(
        "POST",
        "/v1/tenants/{tenant}/resource-templates",
        Tenant(Write),
    ),
    route(
        "DELETE",
        "/v1/tenants/{tenant}/resource-templates/{uri_template}",
        Tenant(Write),
    ),
    route("POST", "/v1/tenants/{tenant}/publish", Tenant(Write)),
    route("GET", "/v1/tenants/{tenant}/deployments", Tenant(Read)),
    route("POST", "/v1/tenants/{tenant}/rollback", Tenant(Write)),
    route(
        "GET",
        "/v1/tenants/{tenant}/versions/{version}",
        Tenant(Read),
    ),
    route("GET", "/v1/tenants/{tenant}/diff", Tenant(Read)),
    route("GET", "/v1/tenants/{tenant}/edge", Tenant(Read)),
    route("GET", "/v1/tenants/{tenant}/members", Tenant(Read)),
    route(
        "PUT",
        "/v1/tenants/{tenant}/members/{email}",
        Tenant(Manage),
    ),
    route(
        "DELETE",
        "/v1/tenants/{tenant}/members/{email}",
        Tenant(Manage),
    ),
    route("GET", "/v1/tenants/{tenant}/tokens", Tenant(Manage)),
    route("POST", "/v1/tenants/{tenant}/tokens", Tenant(Manage)),
    route("DELETE", "/v1/tenants/{tenant}/tokens/{id}", Tenant(Manage)),
    route("GET", "/v1/tenants/{tenant}/clients", Tenant(Read)),
    route(
        "DELETE",
        "/v1/tenants/{tenant}/clients/{client_id}",
        Tenant(Write),
    ),
    route("GET", "/v1/tenants/{tenant}/grants", Tenant(Read)),
    route("DELETE", "/v1/tenants/{tenant}/grants/{id}", Tenant(Write)),
    route("GET", "/v1/tenants/{tenant}/audit", Tenant(Read)),
    route("GET", "/v1/tenants/{tenant}/usage", Tenant(Read)),
    route("POST", "/v1/ingest/usage", Edge),
];

/// The whole HTTP surface: API, sign-in, health check and the admin UI,
/// all behind the session layer.
pub fn router(services: AppState, settings: &Settings) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let sessions = session::layer(
        services.db().clone(),
        settings.public_url.starts_with("https://"),
    );
    let app = Router::new()
        .nest("/api", api_router(services.clone()))
        .route(
            "/auth/link/{token}",
            get(session::sign_in_with_link).with_state(services.clone()),
        )
        .route(
            "/auth/oidc/start",
            get(oidc::start).with_state(services.clone()),
        )
        .route(
            "/auth/oidc/callback",
            get(oidc::callback).with_state(services.clone()),
        )
        .route("/healthz", get(|| async { "ok" }))
        .merge(crate::ui::router(
            api_router(services.clone()).layer(session::layer(
                services.db().clone(),
                settings.public_url.starts_with("https://"),
            )),
            settings,
        ))
        .layer(sessions);
    with_security_headers(app)
        .layer(TraceLayer::new_for_http())
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}

/// What every response of the control plane carries: it may not be framed
/// (clickjacking the admin UI), sniffed into another type, or leak its URLs
/// in a referrer. Pages set their own script-aware Content-Security-Policy
/// ([`crate::ui`]); every other response gets one that allows nothing.
fn with_security_headers(router: Router) -> Router {
    use axum::http::header;
    router
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                // No script can run; `connect-src 'self'` only lets tools
                // (the browser tests' drivers) ask the API from such a page.
                "default-src 'none'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
            ),
        ))
}

/// Registers `handler` for `method` at `path`, which must be in
/// [`API_ROUTES`].
fn at(
    router: Router<AppState>,
    method: Method,
    path: &'static str,
    handler: MethodRouter<AppState>,
) -> Router<AppState> {
    assert!(
        API_ROUTES
            .iter()
            .any(|r| r.method == method.as_str() && r.path == path),
        "{method} {path} is not in API_ROUTES: add it with its access rule"
    );
    router.route(path, handler)
}

fn api_router(services: AppState) -> Router {
    let routes: Vec<(Method, &'static str, MethodRouter<AppState>)> = vec![
        (Method::GET, "/openapi.json", get(openapi::document)),
        (Method::GET, "/v1/session", get(session::session_get)),
        (
            Method::DELETE,
            "/v1/session",
            on(MethodFilter::DELETE, session::session_delete),
        ),
        (Method::GET, "/v1/tenants", get(tenants::tenant_list)),
        (
            Method::POST,
            "/v1/tenants",
            on(MethodFilter::POST, tenants::tenant_create),
        ),
        (
            Method::GET,
            "/v1/tenants/{tenant}",
            get(tenants::tenant_get),
        ),
        (
            Method::PUT,
            "/v1/tenants/{tenant}",
            on(MethodFilter::PUT, tenants::tenant_update),
        ),
        (
            Method::GET,
            "/v1/tenants/{tenant}/limits",
            get(tenants::limits_get),
        ),
        (
            Method::PUT,
            "/v1/tenants/{tenant}/limits",
            on(MethodFilter::PUT, tenants::limits_put),
        ),
        (
            Method::GET,
            "/v1/tenants/{tenant}/auth",
            get(auth::auth_get),
        ),
        (
            Method::PUT,
            "/v1/tenants/{tenant}/auth",
            on(MethodFilter::PUT, auth::auth_put),
        ),
        (
            Method::POST,
            "/v1/tenants/{tenant}/auth/test",
            on(MethodFilter::POST, auth::provider_test),
        ),
        (
            Method::GET,
            "/v1/tenants/{tenant}/tools",
            get(tools::tool_list),
        ),
        (
            Method::POST,
            "/v1/tenants/{tenant}/tools",
            on(MethodFilter::POST, tools::tool_create),
        ),
        (
            Method::GET,
            "/v1/tenants/{tenant}/tools/{name}",
            get(tools::tool_get),
        ),
        (
            Method::PUT,
            "/v1/tenants/{tenant}/tools/{name}",
            on(MethodFilter::PUT, tools::tool_update),
        ),
        (
            Method::DELETE,
            "/v1/tenants/{tenant}/tools/{name}",
            on(MethodFilter::DELETE, tools::tool_delete),
        ),
        (
            Method::POST,
            "/v1/tenants/{tenant}/tools/{name}/try",
            on(MethodFilter::POST, tools::tool_try),
        ),
        (
            Method::GET,
            "/v1/tenants/{tenant}/prompts",
            get(catalog::prompt_list),
        ),
        (
            Method::POST,
            "/v1/tenants/{tenant}/prompts",
            on(MethodFilter::POST, catalog::prompt_create),
        ),
        (
            Method::DELETE,
            "/v1/tenants/{tenant}/prompts/{name}",
            on(MethodFilter::DELETE, catalog::prompt_delete),
        ),
        (
            Method::GET,
            "/v1/tenants/{tenant}/resources",
            get(catalog::resource_list),
        ),
        (
            Method::POST,
            "/v1/tenants/{tenant}/resources",
            on(MethodFilter::POST, catalog::resource_create),
        ),
        (
            Method::DELETE,
            "/v1/tenants/{tenant}/resources/{uri}",
            on(MethodFilter::DELETE, catalog::resource_delete),
        ),
        (
            Method::GET,
            "/v1/tenants/{tenant}/resource-templates",
            get(catalog::resource_template_list),
        ),
        (
            Method::POST,
            "/v1/tenants/{tenant}/resource-templates",
            on(MethodFilter::POST, catalog::resource_template_create),
        ),
        (
            Method::DELETE,
            "/v1/tenants/{tenant}/resource-templates/{uri_template}",
            on(MethodFilter::DELETE, catalog::resource_template_delete),
        ),
        (
            Method::POST,
            "/v1/tenants/{tenant}/publish",
            on(MethodFilter::POST, publish::publish),
        ),
        (
            Method::GET,
            "/v1/tenants/{tenant}/deployments",
            get(publish::deployment_list),
        ),
        (
            Method::POST,
            "/v1/tenants/{tenant}/rollback",
            on(MethodFilter::POST, publish::rollback),
        ),
        (
            Method::GET,
            "/v1/tenants/{tenant}/versions/{version}",
            get(publish::version_get),
        ),
        (Method::GET, "/v1/tenants/{tenant}/diff", get(publish::diff)),
        (
            Method::GET,
            "/v1/tenants/{tenant}/edge",
            get(publish::edge_status),
        ),
        (
            Method::GET,
            "/v1/tenants/{tenant}/members",
            get(members::member_list),
        ),
        (
            Method::PUT,
            "/v1/tenants/{tenant}/members/{email}",
            on(MethodFilter::PUT, members::member_put),
        ),
        (
            Method::DELETE,
            "/v1/tenants/{tenant}/members/{email}",
            on(MethodFilter::DELETE, members::member_delete),
        ),
        (
            Method::GET,
            "/v1/tenants/{tenant}/tokens",
            get(members::api_token_list),
        ),
        (
            Method::POST,
            "/v1/tenants/{tenant}/tokens",
            on(MethodFilter::POST, members::api_token_create),
        ),
        (
            Method::DELETE,
            "/v1/tenants/{tenant}/tokens/{id}",
            on(MethodFilter::DELETE, members::api_token_revoke),
        ),
        (
            Method::GET,
            "/v1/tenants/{tenant}/clients",
            get(clients::client_list),
        ),
        (
            Method::DELETE,
            "/v1/tenants/{tenant}/clients/{client_id}",
            on(MethodFilter::DELETE, clients::client_revoke),
        ),
        (
            Method::GET,
            "/v1/tenants/{tenant}/grants",
            get(clients::grant_list),
        ),
        (
            Method::DELETE,
            "/v1/tenants/{tenant}/grants/{id}",
            on(MethodFilter::DELETE, clients::grant_revoke),
        ),
        (
            Method::GET,
            "/v1/tenants/{tenant}/audit",
            get(audit::audit_list),
        ),
        (
            Method::GET,
            "/v1/tenants/{tenant}/usage",
            get(usage::usage_get),
        ),
        (
            Method::POST,
            "/v1/ingest/usage",
            on(MethodFilter::POST, usage::usage_ingest),
        ),
    ];
    routes
        .into_iter()
        .fold(Router::new(), |router, (method, path, handler)| {
            at(router, method, path, handler)
        })
        .fallback(|| async {
            ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such API endpoint")
        })
        .with_state(services)
}
