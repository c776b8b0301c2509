//! `/api/v1/tenants/{tenant}/audit`: the tenant's audit log, as JSON pages
//! or (with `Accept: application/x-ndjson`) as JSON lines for export.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::extract::ApiPath;
use crate::context::RequestContext;
use crate::services::audit::AuditQuery;
use portcullis_api::audit::AuditPage;

const JSON_LINES: &str = "application/x-ndjson";

#[utoipa::path(get, path = "/v1/tenants/{tenant}/audit",
    params(("tenant" = String, Path), AuditQuery),
    responses((status = 200, body = AuditPage, description = "newest first; JSON lines (one entry each) when `Accept: application/x-ndjson`"),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn audit_list(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiPath(tenant): ApiPath<String>,
    headers: HeaderMap,
    Query(query): Query<AuditQuery>,
) -> Result<Response, ApiError> {
    let page = services.audit_list(&ctx, &tenant, &query).await?;
    let wants_lines = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains(JSON_LINES));
    if !wants_lines {
        return Ok(Json(page).into_response());
    }
    let mut lines = String::new();
    for entry in &page.items {
        lines.push_str(&serde_json::to_string(entry).unwrap_or_default());
        lines.push('\n');
    }
    let mut response = ([(header::CONTENT_TYPE, JSON_LINES)], lines).into_response();
    if let Some(cursor) = page.next_cursor
        && let Ok(value) = cursor.parse()
    {
        response.headers_mut().insert("x-next-cursor", value);
    }
    Ok(response)
}
