//! `/api/v1/tenants/{tenant}/tools`

use axum::Json;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::Response;

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::extract::ApiJson;
use super::extract::ApiPath;
use super::page::{Page, PageQuery, paginate};
use crate::context::RequestContext;
use portcullis_api::tools::{Tool, ToolCreate, ToolTried, ToolTry};

#[utoipa::path(post, path = "/v1/tenants/{tenant}/tools", params(("tenant" = String, Path)), request_body = ToolCreate,
    responses((status = 201, body = Tool), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn tool_create(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiPath(tenant): ApiPath<String>,
    ApiJson(input): ApiJson<ToolCreate>,
) -> Result<(StatusCode, Json<Tool>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(services.tool_create(&ctx, &tenant, input).await?),
    ))
}

#[utoipa::path(get, path = "/v1/tenants/{tenant}/tools", params(("tenant" = String, Path), PageQuery),
    responses((status = 200, body = Page<Tool>), (status = 404, body = ErrorBody)))]
pub async fn tool_list(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiPath(tenant): ApiPath<String>,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<Tool>>, ApiError> {
    Ok(Json(paginate(
        services.tool_list(&ctx, &tenant).await?,
        &page,
    )?))
}

#[utoipa::path(delete, path = "/v1/tenants/{tenant}/tools/{name}", params(("tenant" = String, Path), ("name" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn tool_delete(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiPath((tenant, name)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    services.tool_delete(&ctx, &tenant, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/v1/tenants/{tenant}/tools/{name}", params(("tenant" = String, Path), ("name" = String, Path)),
    responses((status = 200, body = Tool, headers(("ETag" = String, description = "the tool's version, for If-Match"))),
    (status = 404, body = ErrorBody)))]
pub async fn tool_get(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiPath((tenant, name)): ApiPath<(String, String)>,
) -> Result<Response, ApiError> {
    Ok(super::version::tagged(
        services.tool_get(&ctx, &tenant, &name).await?,
    ))
}

/// Replaces the tool with the complete definition given (a different
/// `name` renames it). Invalid input changes nothing. With `If-Match` (the
/// `ETag` of a GET), refused with 412 if the tool changed since.
#[utoipa::path(put, path = "/v1/tenants/{tenant}/tools/{name}",
    params(("tenant" = String, Path), ("name" = String, Path),
        ("If-Match" = Option<String>, Header, description = "the ETag the change was made on")),
    request_body = ToolCreate,
    responses((status = 200, body = Tool, headers(("ETag" = String, description = "the new version"))),
    (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn tool_update(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiPath((tenant, name)): ApiPath<(String, String)>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<ToolCreate>,
) -> Result<Response, ApiError> {
    let if_match = super::version::if_match(&headers);
    Ok(super::version::tagged(
        services
            .tool_update(&ctx, &tenant, &name, input, if_match)
            .await?,
    ))
}

/// Calls the tool's live version at the edge as a client would (scopes
/// aside): the result, or the JSON-RPC error a client would get.
#[utoipa::path(post, path = "/v1/tenants/{tenant}/tools/{name}/try", params(("tenant" = String, Path), ("name" = String, Path)),
    request_body = ToolTry,
    responses((status = 200, body = ToolTried), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 502, body = ErrorBody)))]
pub async fn tool_try(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiPath((tenant, name)): ApiPath<(String, String)>,
    ApiJson(input): ApiJson<ToolTry>,
) -> Result<Json<ToolTried>, ApiError> {
    Ok(Json(services.tool_try(&ctx, &tenant, &name, input).await?))
}
