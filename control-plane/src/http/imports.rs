//! `/api/v1/tenants/{tenant}/openapi/…` and `…/mcp-servers/…`: tools
//! proposed from an OpenAPI description or a running MCP server, and
//! keeping the chosen ones.

use axum::Json;
use axum::extract::State;

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::extract::{ApiJson, ApiPath};
use crate::context::RequestContext;
use portcullis_api::imports::{
    ImportPreview, ImportedTools, McpImport, McpSource, OpenApiImport, OpenApiSource,
};

/// One HTTP tool per operation of an OpenAPI 3.0 or 3.1 description (its
/// text, JSON or YAML, or its URL), how each differs from the tenant's tool
/// of the same name, and the operations that cannot be tools, with why.
/// Saves nothing.
#[utoipa::path(post, path = "/v1/tenants/{tenant}/openapi/preview", params(("tenant" = String, Path)),
    request_body = OpenApiSource,
    responses((status = 200, body = ImportPreview), (status = 403, body = ErrorBody),
    (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn openapi_preview(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiPath(tenant): ApiPath<String>,
    ApiJson(source): ApiJson<OpenApiSource>,
) -> Result<Json<ImportPreview>, ApiError> {
    Ok(Json(services.openapi_preview(&ctx, &tenant, source).await?))
}

/// Saves the chosen proposed tools (creating or replacing the tenant's
/// tools of those names) with the secrets given per security scheme: all
/// of them, or none.
#[utoipa::path(post, path = "/v1/tenants/{tenant}/openapi/import", params(("tenant" = String, Path)),
    request_body = OpenApiImport,
    responses((status = 200, body = ImportedTools), (status = 403, body = ErrorBody),
    (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn openapi_import(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiPath(tenant): ApiPath<String>,
    ApiJson(input): ApiJson<OpenApiImport>,
) -> Result<Json<ImportedTools>, ApiError> {
    Ok(Json(services.openapi_import(&ctx, &tenant, input).await?))
}

/// Connects to an MCP server (Streamable HTTP) as a client and proposes
/// one forwarded tool per tool it lists (under the prefix), how each
/// differs from the tenant's tool of the same name (what the upstream
/// changed since the last import), and the tools that cannot be tools
/// here, with why. Saves nothing.
#[utoipa::path(post, path = "/v1/tenants/{tenant}/mcp-servers/preview", params(("tenant" = String, Path)),
    request_body = McpSource,
    responses((status = 200, body = ImportPreview), (status = 403, body = ErrorBody),
    (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn mcp_preview(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiPath(tenant): ApiPath<String>,
    ApiJson(source): ApiJson<McpSource>,
) -> Result<Json<ImportPreview>, ApiError> {
    Ok(Json(services.mcp_preview(&ctx, &tenant, source).await?))
}

/// Saves the chosen tools of an MCP server (creating or replacing the
/// tenant's tools of those names), pinned as the server lists them now,
/// with the source's secret sealed: all of them, or none.
#[utoipa::path(post, path = "/v1/tenants/{tenant}/mcp-servers/import", params(("tenant" = String, Path)),
    request_body = McpImport,
    responses((status = 200, body = ImportedTools), (status = 403, body = ErrorBody),
    (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn mcp_import(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiPath(tenant): ApiPath<String>,
    ApiJson(input): ApiJson<McpImport>,
) -> Result<Json<ImportedTools>, ApiError> {
    Ok(Json(services.mcp_import(&ctx, &tenant, input).await?))
}
