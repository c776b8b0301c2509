//! `/api/v1/tenants/{tenant}/members` and `/api/v1/tenants/{tenant}/tokens`:
//! who may act on a tenant.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::extract::{ApiJson, ApiPath};
use super::page::{Page, PageQuery, paginate};
use crate::context::RequestContext;
use portcullis_api::members::{ApiToken, ApiTokenCreate, ApiTokenCreated, Member, MemberPut};

#[utoipa::path(get, path = "/v1/tenants/{tenant}/members", params(("tenant" = String, Path), PageQuery),
    responses((status = 200, body = Page<Member>), (status = 404, body = ErrorBody)))]
pub async fn member_list(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiPath(tenant): ApiPath<String>,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<Member>>, ApiError> {
    Ok(Json(paginate(
        services.member_list(&ctx, &tenant).await?,
        &page,
    )?))
}

#[utoipa::path(get, path = "/v1/tenants/{tenant}/members/{email}",
    params(("tenant" = String, Path), ("email" = String, Path)),
    responses((status = 200, body = Member, headers(("ETag" = String, description = "the membership's version, for If-Match"))),
        (status = 404, body = ErrorBody)))]
pub async fn member_get(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiPath((tenant, email)): ApiPath<(String, String)>,
) -> Result<Response, ApiError> {
    Ok(super::version::tagged(
        services.member_get(&ctx, &tenant, &email).await?,
    ))
}

/// Invites an admin by email (they sign in with that email), or changes
/// their role. Owners only; a tenant keeps at least one owner. With
/// `If-Match`, refused with 412 if the membership changed since.
#[utoipa::path(put, path = "/v1/tenants/{tenant}/members/{email}",
    params(("tenant" = String, Path), ("email" = String, Path),
        ("If-Match" = Option<String>, Header, description = "the ETag the change was made on")),
    request_body = MemberPut,
    responses((status = 200, body = Member, headers(("ETag" = String, description = "the new version"))),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn member_put(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiPath((tenant, email)): ApiPath<(String, String)>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<MemberPut>,
) -> Result<Response, ApiError> {
    let if_match = super::version::if_match(&headers);
    Ok(super::version::tagged(
        services
            .member_put(&ctx, &tenant, &email, input, if_match)
            .await?,
    ))
}

#[utoipa::path(delete, path = "/v1/tenants/{tenant}/members/{email}",
    params(("tenant" = String, Path), ("email" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn member_delete(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiPath((tenant, email)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    services.member_delete(&ctx, &tenant, &email).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new API token; its secret is in this answer only.
#[utoipa::path(post, path = "/v1/tenants/{tenant}/tokens", params(("tenant" = String, Path)),
    request_body = ApiTokenCreate,
    responses((status = 201, body = ApiTokenCreated), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn api_token_create(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiPath(tenant): ApiPath<String>,
    ApiJson(input): ApiJson<ApiTokenCreate>,
) -> Result<(StatusCode, Json<ApiTokenCreated>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(services.api_token_create(&ctx, &tenant, input).await?),
    ))
}

#[utoipa::path(get, path = "/v1/tenants/{tenant}/tokens", params(("tenant" = String, Path), PageQuery),
    responses((status = 200, body = Page<ApiToken>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn api_token_list(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiPath(tenant): ApiPath<String>,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<ApiToken>>, ApiError> {
    Ok(Json(paginate(
        services.api_token_list(&ctx, &tenant).await?,
        &page,
    )?))
}

#[utoipa::path(delete, path = "/v1/tenants/{tenant}/tokens/{id}",
    params(("tenant" = String, Path), ("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn api_token_revoke(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiPath((tenant, id)): ApiPath<(String, i64)>,
) -> Result<StatusCode, ApiError> {
    services.api_token_revoke(&ctx, &tenant, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
