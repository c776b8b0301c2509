//! `/api/v1/tenants/{tenant}/auth`

use axum::Json;
use axum::extract::State;

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::extract::{ApiJson, ApiPath};
use crate::context::RequestContext;
use crate::services::auth::{AuthSettings, AuthSettingsInput};

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/auth", params(("tenant" = String, Path)), responses(
    (status = 200, body = AuthSettings), (status = 404, body = ErrorBody)))]
pub async fn auth_get(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiPath(tenant): ApiPath<String>,
) -> Result<Json<AuthSettings>, ApiError> {
    Ok(Json(services.auth_get(&ctx, &tenant).await?))
}

/// Replaces the tenant's authorization settings; published with the next
/// publish. Client secrets may be omitted to keep the saved ones.
#[utoipa::path(put, path = "/api/v1/tenants/{tenant}/auth", params(("tenant" = String, Path)),
    request_body = AuthSettingsInput, responses(
    (status = 200, body = AuthSettings), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn auth_put(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiPath(tenant): ApiPath<String>,
    ApiJson(input): ApiJson<AuthSettingsInput>,
) -> Result<Json<AuthSettings>, ApiError> {
    Ok(Json(services.auth_put(&ctx, &tenant, input).await?))
}
