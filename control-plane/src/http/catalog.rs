//! `/api/v1/tenants/{tenant}/{prompts,resources,resource-templates}`: the
//! same three operations for each kind, over one generic service.
//!
//! Resource URIs and URI templates are path segments, percent-encoded
//! (`/resources/test%3A%2F%2Fdocs`).

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use portcullis_tenant_config::{PromptConfig, ResourceConfig, ResourceTemplateConfig};

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::extract::{ApiJson, ApiPath};
use super::page::{Page, PageQuery, paginate};
use crate::context::RequestContext;
use crate::services::catalog::CatalogItem;

type Created<T> = Result<(StatusCode, Json<T>), ApiError>;

async fn create<T: CatalogItem>(
    ctx: RequestContext,
    services: AppState,
    tenant: String,
    item: T,
) -> Created<T> {
    Ok((
        StatusCode::CREATED,
        Json(services.catalog_create(&ctx, &tenant, item).await?),
    ))
}

async fn list<T: CatalogItem>(
    ctx: RequestContext,
    services: AppState,
    tenant: String,
    page: PageQuery,
) -> Result<Json<Page<T>>, ApiError> {
    Ok(Json(paginate(
        services.catalog_list(&ctx, &tenant).await?,
        &page,
    )?))
}

async fn delete<T: CatalogItem>(
    ctx: RequestContext,
    services: AppState,
    tenant: String,
    key: String,
) -> Result<StatusCode, ApiError> {
    services.catalog_delete::<T>(&ctx, &tenant, &key).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/v1/tenants/{tenant}/prompts", params(("tenant" = String, Path)),
    request_body(content = Object, description = "A prompt: name, title?, description?, arguments[], messages[] with {argument} placeholders"),
    responses((status = 201, body = Object), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn prompt_create(
    ctx: RequestContext,
    State(s): State<AppState>,
    ApiPath(tenant): ApiPath<String>,
    ApiJson(item): ApiJson<PromptConfig>,
) -> Created<PromptConfig> {
    create(ctx, s, tenant, item).await
}

#[utoipa::path(get, path = "/v1/tenants/{tenant}/prompts", params(("tenant" = String, Path), PageQuery),
    responses((status = 200, body = Page<Object>), (status = 404, body = ErrorBody)))]
pub async fn prompt_list(
    ctx: RequestContext,
    State(s): State<AppState>,
    ApiPath(tenant): ApiPath<String>,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<PromptConfig>>, ApiError> {
    list(ctx, s, tenant, page).await
}

#[utoipa::path(delete, path = "/v1/tenants/{tenant}/prompts/{name}", params(("tenant" = String, Path), ("name" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn prompt_delete(
    ctx: RequestContext,
    State(s): State<AppState>,
    ApiPath((tenant, name)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    delete::<PromptConfig>(ctx, s, tenant, name).await
}

#[utoipa::path(post, path = "/v1/tenants/{tenant}/resources", params(("tenant" = String, Path)),
    request_body(content = Object, description = "A static resource: uri, name, title?, description?, mimeType?, and text or blob (base64)"),
    responses((status = 201, body = Object), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn resource_create(
    ctx: RequestContext,
    State(s): State<AppState>,
    ApiPath(tenant): ApiPath<String>,
    ApiJson(item): ApiJson<ResourceConfig>,
) -> Created<ResourceConfig> {
    create(ctx, s, tenant, item).await
}

#[utoipa::path(get, path = "/v1/tenants/{tenant}/resources", params(("tenant" = String, Path), PageQuery),
    responses((status = 200, body = Page<Object>), (status = 404, body = ErrorBody)))]
pub async fn resource_list(
    ctx: RequestContext,
    State(s): State<AppState>,
    ApiPath(tenant): ApiPath<String>,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<ResourceConfig>>, ApiError> {
    list(ctx, s, tenant, page).await
}

#[utoipa::path(delete, path = "/v1/tenants/{tenant}/resources/{uri}", params(("tenant" = String, Path), ("uri" = String, Path, description = "percent-encoded")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn resource_delete(
    ctx: RequestContext,
    State(s): State<AppState>,
    ApiPath((tenant, uri)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    delete::<ResourceConfig>(ctx, s, tenant, uri).await
}

#[utoipa::path(post, path = "/v1/tenants/{tenant}/resource-templates", params(("tenant" = String, Path)),
    request_body(content = Object, description = "A resource template: uriTemplate (RFC 6570 level 1), name, title?, description?, mimeType?, text with {variable} placeholders"),
    responses((status = 201, body = Object), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn resource_template_create(
    ctx: RequestContext,
    State(s): State<AppState>,
    ApiPath(tenant): ApiPath<String>,
    ApiJson(item): ApiJson<ResourceTemplateConfig>,
) -> Created<ResourceTemplateConfig> {
    create(ctx, s, tenant, item).await
}

#[utoipa::path(get, path = "/v1/tenants/{tenant}/resource-templates", params(("tenant" = String, Path), PageQuery),
    responses((status = 200, body = Page<Object>), (status = 404, body = ErrorBody)))]
pub async fn resource_template_list(
    ctx: RequestContext,
    State(s): State<AppState>,
    ApiPath(tenant): ApiPath<String>,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<ResourceTemplateConfig>>, ApiError> {
    list(ctx, s, tenant, page).await
}

#[utoipa::path(delete, path = "/v1/tenants/{tenant}/resource-templates/{uri_template}",
    params(("tenant" = String, Path), ("uri_template" = String, Path, description = "percent-encoded")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn resource_template_delete(
    ctx: RequestContext,
    State(s): State<AppState>,
    ApiPath((tenant, uri_template)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    delete::<ResourceTemplateConfig>(ctx, s, tenant, uri_template).await
}
