//! `/api/v1/tenants/{tenant}/publish`, rollbacks, and the deployment
//! history with its documents and diffs.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::extract::{ApiJson, ApiPath};
use super::page::{Page, PageQuery, paginate};
use crate::context::RequestContext;
use crate::services::publish::DiffQuery;
use portcullis_api::publish::{
    Deployment, Diff, EdgeStatus, PushStatus, Rollback, VersionDocument,
};

/// 201 when the edge accepted the new version; 502 when it did not, with
/// the recorded deployment (and the edge's reason) in the body.
#[utoipa::path(post, path = "/v1/tenants/{tenant}/publish", params(("tenant" = String, Path)), responses(
    (status = 201, body = Deployment), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
    (status = 502, body = ErrorBody, description = "recorded, but the edge did not accept it: `{error, deployment}`")))]
pub async fn publish(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiPath(tenant): ApiPath<String>,
) -> Result<Response, ApiError> {
    deployed(services.publish(&ctx, &tenant).await?)
}

/// 201 with the deployment the edge accepted, else 502 saying why.
fn deployed(deployment: Deployment) -> Result<Response, ApiError> {
    if deployment.status != PushStatus::Accepted {
        return Err(ApiError::edge_push_failed(deployment));
    }
    Ok((StatusCode::CREATED, Json(deployment)).into_response())
}

/// Publishes an earlier version's content as a new version.
#[utoipa::path(post, path = "/v1/tenants/{tenant}/rollback", params(("tenant" = String, Path)),
    request_body = Rollback, responses(
    (status = 201, body = Deployment), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
    (status = 502, body = ErrorBody, description = "recorded, but the edge did not accept it: `{error, deployment}`")))]
pub async fn rollback(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiPath(tenant): ApiPath<String>,
    ApiJson(input): ApiJson<Rollback>,
) -> Result<Response, ApiError> {
    deployed(services.rollback(&ctx, &tenant, input).await?)
}

#[utoipa::path(get, path = "/v1/tenants/{tenant}/versions/{version}",
    params(("tenant" = String, Path), ("version" = i64, Path)),
    responses((status = 200, body = VersionDocument), (status = 404, body = ErrorBody)))]
pub async fn version_get(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiPath((tenant, version)): ApiPath<(String, i64)>,
) -> Result<Json<VersionDocument>, ApiError> {
    Ok(Json(services.version_get(&ctx, &tenant, version).await?))
}

/// What changed between two versions; by default, what publishing now
/// would change in the live version.
#[utoipa::path(get, path = "/v1/tenants/{tenant}/diff", params(("tenant" = String, Path), DiffQuery),
    responses((status = 200, body = Diff), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn diff(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiPath(tenant): ApiPath<String>,
    Query(query): Query<DiffQuery>,
) -> Result<Json<Diff>, ApiError> {
    Ok(Json(services.diff(&ctx, &tenant, &query).await?))
}

/// Which version the edge serves right now, by asking it.
#[utoipa::path(get, path = "/v1/tenants/{tenant}/edge", params(("tenant" = String, Path)),
    responses((status = 200, body = EdgeStatus), (status = 404, body = ErrorBody)))]
pub async fn edge_status(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiPath(tenant): ApiPath<String>,
) -> Result<Json<EdgeStatus>, ApiError> {
    Ok(Json(services.edge_status(&ctx, &tenant).await?))
}

#[utoipa::path(get, path = "/v1/tenants/{tenant}/deployments", params(("tenant" = String, Path), PageQuery),
    responses((status = 200, body = Page<Deployment>), (status = 404, body = ErrorBody)))]
pub async fn deployment_list(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiPath(tenant): ApiPath<String>,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<Deployment>>, ApiError> {
    Ok(Json(paginate(
        services.deployment_list(&ctx, &tenant).await?,
        &page,
    )?))
}
