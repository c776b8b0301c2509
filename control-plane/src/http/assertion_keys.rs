//! `/api/v1/tenants/{tenant}/assertion-keys`: the keys the edge signs the
//! tenant's user assertions with (public halves only), rotating and
//! retiring them.

use axum::Json;
use axum::extract::State;

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::extract::ApiPath;
use crate::context::RequestContext;
use portcullis_api::keys::AssertionKey;

/// The keys the tenant's JWKS lists, the signing one first.
#[utoipa::path(get, path = "/v1/tenants/{tenant}/assertion-keys", params(("tenant" = String, Path)),
    responses((status = 200, body = Vec<AssertionKey>), (status = 404, body = ErrorBody)))]
pub async fn assertion_key_list(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiPath(tenant): ApiPath<String>,
) -> Result<Json<Vec<AssertionKey>>, ApiError> {
    Ok(Json(services.assertion_key_list(&ctx, &tenant).await?))
}

/// A new signing key; the previous one stays listed (the overlap) and any
/// older one goes. The live version is published again with the new keys.
#[utoipa::path(post, path = "/v1/tenants/{tenant}/assertion-keys/rotate", params(("tenant" = String, Path)),
    responses((status = 200, body = Vec<AssertionKey>), (status = 404, body = ErrorBody)))]
pub async fn assertion_key_rotate(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiPath(tenant): ApiPath<String>,
) -> Result<Json<Vec<AssertionKey>>, ApiError> {
    Ok(Json(services.assertion_key_rotate(&ctx, &tenant).await?))
}

/// Ends the overlap: only the signing key stays listed, and assertions
/// signed with the previous one stop verifying.
#[utoipa::path(post, path = "/v1/tenants/{tenant}/assertion-keys/retire", params(("tenant" = String, Path)),
    responses((status = 200, body = Vec<AssertionKey>), (status = 404, body = ErrorBody)))]
pub async fn assertion_key_retire(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiPath(tenant): ApiPath<String>,
) -> Result<Json<Vec<AssertionKey>>, ApiError> {
    Ok(Json(services.assertion_key_retire(&ctx, &tenant).await?))
}
