//! `/api/v1/ingest/usage` (the edge's reports) and
//! `/api/v1/tenants/{tenant}/usage` (series for charts).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use portcullis_tenant_config::ingest;

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::extract::ApiPath;
use crate::context::RequestContext;
use crate::services::ServiceError;
use crate::services::usage::{IngestResult, UsageQuery, UsageReport};
use portcullis_api::usage::UsageSeries;

/// The edge's usage report, signed with the ingest secret
/// (`X-Portcullis-Usage-Signature: t=…,id=…,sig=…`, see
/// `portcullis_tenant_config::ingest`). A report without one is refused:
/// 401 when the caller is nobody, 403 when it is someone other than the edge.
#[utoipa::path(post, path = "/v1/ingest/usage", request_body = UsageReport,
    params(("x-portcullis-usage-signature" = String, Header, description = "HMAC-SHA-256 over the report's time, batch id and body")),
    responses((status = 200, body = IngestResult), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "the batch was counted already"), (status = 422, body = ErrorBody)))]
pub async fn usage_ingest(
    caller: Result<RequestContext, ApiError>,
    State(services): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<IngestResult>, ApiError> {
    let Some(signature) = headers.get(ingest::HEADER).and_then(|v| v.to_str().ok()) else {
        caller?;
        return Err(ServiceError::Forbidden("only the edge reports usage".into()).into());
    };
    Ok(Json(services.usage_ingest(signature, &body).await?))
}

#[utoipa::path(get, path = "/v1/tenants/{tenant}/usage", params(("tenant" = String, Path), UsageQuery),
    responses((status = 200, body = UsageSeries), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn usage_get(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiPath(tenant): ApiPath<String>,
    Query(query): Query<UsageQuery>,
) -> Result<Json<UsageSeries>, ApiError> {
    Ok(Json(services.usage_get(&ctx, &tenant, &query).await?))
}
