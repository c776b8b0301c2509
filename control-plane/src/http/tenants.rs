//! `/api/v1/tenants`

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::extract::{ApiJson, ApiPath};
use super::page::{Page, PageQuery, paginate};
use crate::context::RequestContext;
use portcullis_api::tenants::{
    Limits, LimitsUpdate, Memory, MemoryUpdate, Tenant, TenantCreate, TenantUpdate,
};

#[utoipa::path(post, path = "/v1/tenants", request_body = TenantCreate, responses(
    (status = 201, body = Tenant), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn tenant_create(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiJson(input): ApiJson<TenantCreate>,
) -> Result<(StatusCode, Json<Tenant>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(services.tenant_create(&ctx, input).await?),
    ))
}

#[utoipa::path(get, path = "/v1/tenants", params(PageQuery), responses((status = 200, body = Page<Tenant>)))]
pub async fn tenant_list(
    ctx: RequestContext,
    State(services): State<AppState>,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<Tenant>>, ApiError> {
    Ok(Json(paginate(services.tenant_list(&ctx).await?, &page)?))
}

#[utoipa::path(get, path = "/v1/tenants/{tenant}", params(("tenant" = String, Path)), responses(
    (status = 200, body = Tenant, headers(("ETag" = String, description = "the version of its name and branding"))),
    (status = 404, body = ErrorBody)))]
pub async fn tenant_get(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiPath(tenant): ApiPath<String>,
) -> Result<Response, ApiError> {
    Ok(super::version::tagged(
        services.tenant_get(&ctx, &tenant).await?,
    ))
}

/// Renames the tenant and sets its consent-page branding (published with
/// the next version). With `If-Match` (the `ETag` of a GET), refused with
/// 412 if someone saved its name or branding since.
#[utoipa::path(put, path = "/v1/tenants/{tenant}",
    params(("tenant" = String, Path),
        ("If-Match" = Option<String>, Header, description = "the ETag the change was made on")),
    request_body = TenantUpdate,
    responses((status = 200, body = Tenant, headers(("ETag" = String, description = "the new version"))),
    (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn tenant_update(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiPath(tenant): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<TenantUpdate>,
) -> Result<Response, ApiError> {
    let if_match = super::version::if_match(&headers);
    Ok(super::version::tagged(
        services
            .tenant_update(&ctx, &tenant, input, if_match)
            .await?,
    ))
}

/// The requests per minute the edge lets through before answering 429.
#[utoipa::path(get, path = "/v1/tenants/{tenant}/limits", params(("tenant" = String, Path)),
    responses((status = 200, body = Limits), (status = 404, body = ErrorBody)))]
pub async fn limits_get(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiPath(tenant): ApiPath<String>,
) -> Result<Response, ApiError> {
    Ok(super::version::tagged(
        services.tenant_limits(&ctx, &tenant).await?,
    ))
}

/// The tenant's per-user memory setting (`null`: switched off).
#[utoipa::path(get, path = "/v1/tenants/{tenant}/memory", params(("tenant" = String, Path)),
    responses((status = 200, body = Memory), (status = 404, body = ErrorBody)))]
pub async fn memory_get(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiPath(tenant): ApiPath<String>,
) -> Result<Response, ApiError> {
    Ok(super::version::tagged(
        services.tenant_memory(&ctx, &tenant).await?,
    ))
}

/// Switches per-user memory on (`remember`, `recall`, `forget` for each
/// signed-in user, within quotas) or off (`null`); published with the next
/// version.
#[utoipa::path(put, path = "/v1/tenants/{tenant}/memory",
    params(("tenant" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag the change was made on")),
    request_body = MemoryUpdate,
    responses((status = 200, body = Memory, headers(("ETag" = String, description = "the new version"))),
    (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn memory_put(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiPath(tenant): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<MemoryUpdate>,
) -> Result<Response, ApiError> {
    let if_match = super::version::if_match(&headers);
    Ok(super::version::tagged(
        services
            .tenant_set_memory(&ctx, &tenant, input, if_match)
            .await?,
    ))
}

/// Sets the tenant's rate limits, or back to the defaults (`null`);
/// published with the next version.
#[utoipa::path(put, path = "/v1/tenants/{tenant}/limits",
    params(("tenant" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag the change was made on")),
    request_body = LimitsUpdate,
    responses((status = 200, body = Limits, headers(("ETag" = String, description = "the new version"))),
    (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn limits_put(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiPath(tenant): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<LimitsUpdate>,
) -> Result<Response, ApiError> {
    let if_match = super::version::if_match(&headers);
    Ok(super::version::tagged(
        services
            .tenant_set_limits(&ctx, &tenant, input, if_match)
            .await?,
    ))
}
