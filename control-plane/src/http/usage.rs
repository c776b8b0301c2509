//! `/api/v1/ingest/usage` (the edge's reports) and
//! `/api/v1/tenants/{tenant}/usage` (series for charts).

use axum::Json;
use axum::extract::{Query, State};

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::extract::{ApiJson, ApiPath};
use crate::context::RequestContext;
use crate::services::usage::{IngestResult, UsageQuery, UsageReport, UsageSeries};

/// The edge's usage report (`Authorization: Bearer <PORTCULLIS_INGEST_TOKEN>`).
#[utoipa::path(post, path = "/api/v1/ingest/usage", request_body = UsageReport,
    responses((status = 200, body = IngestResult), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn usage_ingest(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiJson(report): ApiJson<UsageReport>,
) -> Result<Json<IngestResult>, ApiError> {
    Ok(Json(services.usage_ingest(&ctx, report).await?))
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/usage", params(("tenant" = String, Path), UsageQuery),
    responses((status = 200, body = UsageSeries), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn usage_get(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiPath(tenant): ApiPath<String>,
    Query(query): Query<UsageQuery>,
) -> Result<Json<UsageSeries>, ApiError> {
    Ok(Json(services.usage_get(&ctx, &tenant, &query).await?))
}
