//! The OpenAPI document's frame: title and the ways in. Its paths come
//! from the route registration ([`super::routes`]).

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Portcullis control plane API",
        description = "Manage tenants, their tools, prompts and resources, and publish them to the edge."
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
