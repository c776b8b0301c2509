//! The OpenAPI document of the JSON API, generated from the handlers.

use axum::Json;
use utoipa::OpenApi;

use super::{publish, tenants, tools};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Portcullis control plane API",
        description = "Manage tenants and their tools, and publish them to the edge."
    ),
    paths(
        tenants::tenant_create,
        tenants::tenant_list,
        tenants::tenant_get,
        tools::tool_create,
        tools::tool_list,
        tools::tool_delete,
        publish::publish,
        publish::deployment_list,
    )
)]
pub struct ApiDoc;

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
