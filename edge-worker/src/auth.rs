//! Who is calling: the single point every tenant request passes before it
//! reaches MCP.
//!
//! TODO-security: until the OAuth authorization server lands (issue 3),
//! every tenant is served as a public (authless) server and every caller is
//! anonymous. When it lands, this is where a missing or invalid bearer token
//! becomes a `401` with `WWW-Authenticate`, and a valid one a [`Caller`] with
//! its user and scopes.

use portcullis_tenant_config::TenantConfig;

use crate::http::{HttpRequest, HttpResponse};

/// The caller an MCP request runs for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// No authentication: the tenant serves a public MCP server.
    Anonymous,
}

/// Authenticates a request for `tenant`, or returns the response to send.
pub fn authenticate(
    _tenant: &TenantConfig,
    _request: &HttpRequest,
) -> Result<Caller, HttpResponse> {
    Ok(Caller::Anonymous)
}
