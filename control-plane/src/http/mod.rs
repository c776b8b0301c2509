//! The JSON API under `/api`: thin handlers that build a request context,
//! call one service method and render its result.

mod assertion_keys;
mod audit;
mod auth;
mod catalog;
mod clients;
mod error;
mod extract;
mod imports;
mod members;
mod oidc;
mod openapi;
pub mod page;
mod publish;
mod routes;
pub mod session;
mod tenants;
mod tools;
mod usage;
mod version;

use axum::http::HeaderValue;
use std::sync::Arc;
use tower_http::set_header::SetResponseHeaderLayer;

use axum::Router;
use axum::http::{HeaderName, StatusCode};
use axum::routing::get;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

pub use error::{ApiError, ErrorBody};
pub use openapi::ApiDoc;
pub use routes::{Access, ApiRoute, api_routes};

use crate::config::Settings;
use crate::services::Services;

pub type AppState = Arc<Services>;

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

/// The JSON API, answering unknown paths in its own error format.
fn api_router(services: AppState) -> Router {
    routes::api_routes_router()
        .fallback(|| async {
            ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such API endpoint")
        })
        .with_state(services)
}
