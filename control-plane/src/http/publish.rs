//! `/api/v1/tenants/{tenant}/publish` and the deployment history.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::AppState;
use super::error::{ApiError, ErrorBody};
use crate::context::RequestContext;
use crate::services::publish::Deployment;

/// 201 when the edge accepted the new version; 502 when it did not, with
/// the recorded deployment (and the edge's reason) in the body.
#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/publish", params(("tenant" = String, Path)), responses(
    (status = 201, body = Deployment), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
    (status = 502, description = "recorded, but the edge did not accept it: `{error, deployment}`")))]
pub async fn publish(
    ctx: RequestContext,
    State(services): State<AppState>,
    Path(tenant): Path<String>,
) -> Result<Response, ApiError> {
    let deployment = services.publish(&ctx, &tenant).await?;
    if deployment.status == "accepted" {
        return Ok((StatusCode::CREATED, Json(deployment)).into_response());
    }
    let body = json!({
        "error": { "code": "edge_push_failed", "message": deployment.detail.clone().unwrap_or_default() },
        "deployment": deployment,
    });
    Ok((StatusCode::BAD_GATEWAY, Json(body)).into_response())
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/deployments", params(("tenant" = String, Path)),
    responses((status = 200, body = Vec<Deployment>), (status = 404, body = ErrorBody)))]
pub async fn deployment_list(
    ctx: RequestContext,
    State(services): State<AppState>,
    Path(tenant): Path<String>,
) -> Result<Json<Vec<Deployment>>, ApiError> {
    Ok(Json(services.deployment_list(&ctx, &tenant).await?))
}
