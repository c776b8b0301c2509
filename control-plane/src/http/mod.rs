//! The JSON API under `/api`: thin handlers that build a request context,
//! call one service method and render its result.

mod auth;
mod catalog;
mod error;
mod extract;
mod openapi;
mod publish;
mod tenants;
mod tools;

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderName, StatusCode};
use axum::routing::{delete, get, post};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

pub use error::{ApiError, ErrorBody};
pub use openapi::ApiDoc;

use crate::config::Settings;
use crate::services::Services;

pub type AppState = Arc<Services>;

/// The whole HTTP surface: API, health check and the admin UI.
pub fn router(services: AppState, settings: &Settings) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    Router::new()
        .nest("/api", api_router(services.clone()))
        .route("/healthz", get(|| async { "ok" }))
        .merge(crate::ui::router(services, settings))
        .layer(TraceLayer::new_for_http())
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}

fn api_router(services: AppState) -> Router {
    Router::new()
        .route(
            "/v1/tenants",
            get(tenants::tenant_list).post(tenants::tenant_create),
        )
        .route("/v1/tenants/{tenant}", get(tenants::tenant_get))
        .route(
            "/v1/tenants/{tenant}/auth",
            get(auth::auth_get).put(auth::auth_put),
        )
        .route(
            "/v1/tenants/{tenant}/tools",
            get(tools::tool_list).post(tools::tool_create),
        )
        .route(
            "/v1/tenants/{tenant}/tools/{name}",
            delete(tools::tool_delete),
        )
        .route(
            "/v1/tenants/{tenant}/prompts",
            get(catalog::prompt_list).post(catalog::prompt_create),
        )
        .route(
            "/v1/tenants/{tenant}/prompts/{name}",
            delete(catalog::prompt_delete),
        )
        .route(
            "/v1/tenants/{tenant}/resources",
            get(catalog::resource_list).post(catalog::resource_create),
        )
        .route(
            "/v1/tenants/{tenant}/resources/{uri}",
            delete(catalog::resource_delete),
        )
        .route(
            "/v1/tenants/{tenant}/resource-templates",
            get(catalog::resource_template_list).post(catalog::resource_template_create),
        )
        .route(
            "/v1/tenants/{tenant}/resource-templates/{uri_template}",
            delete(catalog::resource_template_delete),
        )
        .route("/v1/tenants/{tenant}/publish", post(publish::publish))
        .route(
            "/v1/tenants/{tenant}/deployments",
            get(publish::deployment_list),
        )
        .route("/openapi.json", get(openapi::document))
        .fallback(|| async {
            ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such API endpoint")
        })
        .with_state(services)
}
