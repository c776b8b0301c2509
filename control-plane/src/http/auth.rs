//! `/api/v1/tenants/{tenant}/auth`

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::extract::{ApiJson, ApiPath};
use crate::context::RequestContext;
use portcullis_api::auth::{AuthSettings, AuthSettingsInput, ProviderTest, ProviderTestResult};

#[utoipa::path(get, path = "/v1/tenants/{tenant}/auth", params(("tenant" = String, Path)), responses(
    (status = 200, body = AuthSettings, headers(("ETag" = String, description = "the settings' version, for If-Match"))),
    (status = 404, body = ErrorBody)))]
pub async fn auth_get(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiPath(tenant): ApiPath<String>,
) -> Result<Response, ApiError> {
    Ok(super::version::tagged(
        services.auth_get(&ctx, &tenant).await?,
    ))
}

/// Replaces the tenant's authorization settings; published with the next
/// publish. Client secrets may be omitted to keep the saved ones. With
/// `If-Match` (the `ETag` of a GET), refused with 412 if someone saved
/// other settings since.
#[utoipa::path(put, path = "/v1/tenants/{tenant}/auth",
    params(("tenant" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag the change was made on")),
    request_body = AuthSettingsInput, responses(
    (status = 200, body = AuthSettings, headers(("ETag" = String, description = "the new version"))),
    (status = 404, body = ErrorBody), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn auth_put(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiPath(tenant): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<AuthSettingsInput>,
) -> Result<Response, ApiError> {
    let if_match = super::version::if_match(&headers);
    Ok(super::version::tagged(
        services.auth_put(&ctx, &tenant, input, if_match).await?,
    ))
}

/// "Test connection": fetches what the edge will need from an identity
/// provider (discovery document and keys, or GitHub's API) and reports
/// each check. Nothing is saved.
#[utoipa::path(post, path = "/v1/tenants/{tenant}/auth/test", params(("tenant" = String, Path)),
    request_body = ProviderTest, responses(
    (status = 200, body = ProviderTestResult), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn provider_test(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiPath(tenant): ApiPath<String>,
    ApiJson(input): ApiJson<ProviderTest>,
) -> Result<Json<ProviderTestResult>, ApiError> {
    Ok(Json(services.provider_test(&ctx, &tenant, input).await?))
}
