//! Discovery documents (RFC 9728, RFC 8414) and the CORS rules of the
//! endpoints browser-based clients call directly.
//!
//! Served by the Worker itself: they depend only on the tenant's config.

use portcullis_tenant_config::OAuthConfig;
use serde_json::json;

use crate::http::HttpResponse;

pub const PROTECTED_RESOURCE_PATH: &str = "/.well-known/oauth-protected-resource";
pub const AUTHORIZATION_SERVER_PATH: &str = "/.well-known/oauth-authorization-server";
pub const OPENID_CONFIGURATION_PATH: &str = "/.well-known/openid-configuration";

/// The tenant's MCP endpoint is the resource its tokens are bound to.
pub fn resource_uri(origin: &str) -> String {
    format!("{origin}/mcp")
}

/// The origin whose MCP resource is `resource` (the inverse of
/// [`resource_uri`]).
pub fn origin_of_resource(resource: &str) -> Option<&str> {
    resource.strip_suffix("/mcp")
}

/// Where clients find the protected resource metadata of `/mcp`.
pub fn resource_metadata_uri(origin: &str) -> String {
    format!("{origin}{PROTECTED_RESOURCE_PATH}/mcp")
}

/// Whether a client's `resource` parameter (RFC 8707) names this tenant's
/// MCP server: the endpoint itself, or the origin it is served from.
pub fn is_own_resource(origin: &str, resource: &str) -> bool {
    let resource = resource.trim_end_matches('/');
    resource == origin || resource == resource_uri(origin)
}

/// The discovery document at `path`, if it is one.
pub fn document(
    path: &str,
    origin: &str,
    oauth: &OAuthConfig,
    resource_name: &str,
) -> Option<HttpResponse> {
    let scopes: Vec<&str> = oauth.scopes.iter().map(|s| s.name.as_str()).collect();
    let body = match path {
        // The path-suffixed form for `/mcp`, and the root form for clients
        // that only try that one.
        "/.well-known/oauth-protected-resource/mcp" | PROTECTED_RESOURCE_PATH => json!({
            "resource": resource_uri(origin),
            "authorization_servers": [origin],
            "scopes_supported": scopes,
            "bearer_methods_supported": ["header"],
            "resource_name": resource_name,
        }),
        AUTHORIZATION_SERVER_PATH | OPENID_CONFIGURATION_PATH => json!({
            "issuer": origin,
            "authorization_endpoint": format!("{origin}/authorize"),
            "token_endpoint": format!("{origin}/token"),
            "registration_endpoint": format!("{origin}/register"),
            "revocation_endpoint": format!("{origin}/revoke"),
            "scopes_supported": scopes,
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["none"],
            "revocation_endpoint_auth_methods_supported": ["none"],
            "authorization_response_iss_parameter_supported": true,
            "client_id_metadata_document_supported": true,
        }),
        _ => return None,
    };
    Some(
        with_cors(HttpResponse::json(200, &body))
            .with_header("cache-control", "public, max-age=300"),
    )
}

/// Lets browser-based MCP clients (e.g. MCP Inspector) read the response.
/// No credentials are involved, so any origin may.
pub fn with_cors(response: HttpResponse) -> HttpResponse {
    response
        .with_header("access-control-allow-origin", "*")
        .with_header(
            "access-control-expose-headers",
            "www-authenticate, mcp-session-id, mcp-protocol-version",
        )
}

/// The answer to a CORS preflight.
pub fn preflight() -> HttpResponse {
    with_cors(HttpResponse::empty(204))
        .with_header("access-control-allow-methods", "GET, POST, DELETE, OPTIONS")
        .with_header(
            "access-control-allow-headers",
            "authorization, content-type, accept, mcp-protocol-version, mcp-session-id, mcp-method, mcp-name, last-event-id",
        )
        .with_header("access-control-max-age", "86400")
}
