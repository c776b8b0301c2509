//! The OpenAPI document of the JSON API, generated from the handlers.

use axum::Json;
use utoipa::OpenApi;

use super::{auth, catalog, publish, tenants, tools};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Portcullis control plane API",
        description = "Manage tenants, their tools, prompts and resources, and publish them to the edge."
    ),
    paths(
        tenants::tenant_create,
        tenants::tenant_list,
        tenants::tenant_get,
        auth::auth_get,
        auth::auth_put,
        tools::tool_create,
        tools::tool_list,
        tools::tool_delete,
        catalog::prompt_create,
        catalog::prompt_list,
        catalog::prompt_delete,
        catalog::resource_create,
        catalog::resource_list,
        catalog::resource_delete,
        catalog::resource_template_create,
        catalog::resource_template_list,
        catalog::resource_template_delete,
        publish::publish,
        publish::deployment_list,
    )
)]
pub struct ApiDoc;

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
