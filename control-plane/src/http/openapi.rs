//! The OpenAPI document of the JSON API, generated from the handlers.

use axum::Json;
use utoipa::OpenApi;

use super::{audit, auth, catalog, clients, members, publish, session, tenants, tools, usage};

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
        tenants::tenant_update,
        tenants::limits_get,
        tenants::limits_put,
        auth::auth_get,
        auth::auth_put,
        auth::provider_test,
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
        publish::rollback,
        publish::version_get,
        publish::diff,
        publish::edge_status,
        members::member_list,
        clients::client_list,
        clients::client_revoke,
        clients::grant_list,
        clients::grant_revoke,
        tools::tool_get,
        tools::tool_update,
        tools::tool_try,
        members::member_put,
        members::member_delete,
        members::api_token_create,
        members::api_token_list,
        members::api_token_revoke,
        audit::audit_list,
        usage::usage_get,
        usage::usage_ingest,
        session::session_get,
        session::session_delete,
    ),
    modifiers(&Security)
)]
pub struct ApiDoc;

/// Declares the two ways in: the session cookie (with `X-CSRF-Token` on
/// changes) and API tokens.
struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "apiToken",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("portcullis_session"))),
        );
        openapi.security = Some(vec![
            SecurityRequirement::new("apiToken", Vec::<String>::new()),
            SecurityRequirement::new("session", Vec::<String>::new()),
        ]);
    }
}

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
