//! `/api/v1/tenants/{tenant}/openapi/…`: tools proposed from an OpenAPI
//! description, and keeping the chosen ones.

use axum::Json;
use axum::extract::State;

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::extract::{ApiJson, ApiPath};
use crate::context::RequestContext;
use portcullis_api::imports::{OpenApiImport, OpenApiImported, OpenApiPreview, OpenApiSource};

/// One HTTP tool per operation of an OpenAPI 3.0 or 3.1 description (its
/// text, JSON or YAML, or its URL), how each differs from the tenant's tool
/// of the same name, and the operations that cannot be tools, with why.
/// Saves nothing.
#[utoipa::path(post, path = "/v1/tenants/{tenant}/openapi/preview", params(("tenant" = String, Path)),
    request_body = OpenApiSource,
    responses((status = 200, body = OpenApiPreview), (status = 403, body = ErrorBody),
    (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn openapi_preview(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiPath(tenant): ApiPath<String>,
    ApiJson(source): ApiJson<OpenApiSource>,
) -> Result<Json<OpenApiPreview>, ApiError> {
    Ok(Json(services.openapi_preview(&ctx, &tenant, source).await?))
}

/// Saves the chosen proposed tools (creating or replacing the tenant's
/// tools of those names) with the secrets given per security scheme: all
/// of them, or none.
#[utoipa::path(post, path = "/v1/tenants/{tenant}/openapi/import", params(("tenant" = String, Path)),
    request_body = OpenApiImport,
    responses((status = 200, body = OpenApiImported), (status = 403, body = ErrorBody),
    (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn openapi_import(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiPath(tenant): ApiPath<String>,
    ApiJson(input): ApiJson<OpenApiImport>,
) -> Result<Json<OpenApiImported>, ApiError> {
    Ok(Json(services.openapi_import(&ctx, &tenant, input).await?))
}
