//! Who is calling: the single point every MCP request passes before it
//! reaches MCP.
//!
//! A public tenant serves everyone as [`Caller::Anonymous`]. An OAuth tenant
//! wants a bearer token its own authorization server issued: checked here
//! by its MAC, tenant, audience and expiry alone — no storage round trip —
//! and then against the revocation list by the caller of [`authenticate`].

use portcullis_tenant_config::{OAuthConfig, TenantConfig, ToolConfig};
use serde_json::{Map, Value, json};

use crate::http::{HttpRequest, HttpResponse};
use crate::oauth::metadata::{origin_of_resource, resource_metadata_uri, resource_uri, with_cors};
use crate::tokens::{AccessClaims, AccessTokens};

/// The caller an MCP request runs for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// No authentication: the tenant serves a public MCP server.
    Anonymous,
    /// A user, through a client holding a token with these claims.
    User(AccessClaims),
}

impl Caller {
    /// The user's id, or none for an anonymous caller.
    pub fn user_id(&self) -> Option<&str> {
        match self {
            Self::Anonymous => None,
            Self::User(claims) => Some(&claims.u),
        }
    }

    /// The user's claims, or none for an anonymous caller.
    pub fn claims(&self) -> Option<AccessClaims> {
        match self {
            Self::Anonymous => None,
            Self::User(claims) => Some(claims.clone()),
        }
    }

    /// The tenant origin that issued the user's token (its audience is
    /// that origin's MCP resource, checked when the token was read).
    pub fn issuer(&self) -> Option<&str> {
        match self {
            Self::Anonymous => None,
            Self::User(claims) => origin_of_resource(&claims.a),
        }
    }

    /// Whether the caller's token carries every scope the tool requires.
    pub fn may_use(&self, tool: &ToolConfig) -> bool {
        match self {
            Caller::Anonymous => true,
            Caller::User(claims) => tool.scopes.iter().all(|s| claims.scopes().any(|c| c == s)),
        }
    }
}

/// Authenticates an MCP request for `config`'s tenant, or returns the
/// challenge to send (RFC 6750 §3, MCP authorization).
pub fn authenticate(
    config: &TenantConfig,
    request: &HttpRequest,
    origin: &str,
    tokens: &AccessTokens,
    now: u64,
) -> Result<Caller, HttpResponse> {
    let Some(oauth) = &config.oauth else {
        return Ok(Caller::Anonymous);
    };
    if request
        .query
        .split('&')
        .any(|p| p.starts_with("access_token="))
    {
        let message = "access tokens are accepted only in the Authorization header";
        return Err(challenge(
            400,
            origin,
            oauth,
            Some(("invalid_request", message)),
        ));
    }
    let Some(header) = request.header("authorization") else {
        return Err(challenge(401, origin, oauth, None));
    };
    let Some(token) = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
    else {
        let message = "use the Bearer authentication scheme";
        return Err(challenge(
            401,
            origin,
            oauth,
            Some(("invalid_request", message)),
        ));
    };
    let refuse = |message| {
        Err(challenge(
            401,
            origin,
            oauth,
            Some(("invalid_token", message)),
        ))
    };
    let Some(claims) = tokens.verify(token.trim()) else {
        return refuse("the access token is not one this server issued");
    };
    if claims.t != config.tenant {
        return refuse("the access token belongs to another server");
    }
    if claims.a != resource_uri(origin) {
        return refuse("the access token is for another resource");
    }
    if claims.e <= now {
        return refuse("the access token has expired");
    }
    Ok(Caller::User(claims))
}

/// `401` (or `400`) with `WWW-Authenticate` pointing at the resource metadata.
pub fn challenge(
    status: u16,
    origin: &str,
    oauth: &OAuthConfig,
    error: Option<(&str, &str)>,
) -> HttpResponse {
    let mut value = format!(
        "Bearer resource_metadata=\"{}\"",
        resource_metadata_uri(origin)
    );
    let scopes: Vec<&str> = oauth.scopes.iter().map(|s| s.name.as_str()).collect();
    if !scopes.is_empty() {
        value.push_str(&format!(", scope=\"{}\"", scopes.join(" ")));
    }
    let body = match error {
        Some((code, description)) => {
            value.push_str(&format!(
                ", error=\"{code}\", error_description=\"{description}\""
            ));
            json!({ "error": code, "error_description": description })
        }
        None => {
            json!({ "error": "invalid_token", "error_description": "authorization is required" })
        }
    };
    with_cors(HttpResponse::json(status, &body)).with_header("www-authenticate", value)
}

/// The scopes a `tools/call` needs that the caller's token lacks (all the
/// tool requires, as the challenge must name), if any.
pub fn missing_scopes<'c>(
    config: &'c TenantConfig,
    caller: &Caller,
    method: &str,
    params: Option<&Map<String, Value>>,
) -> Option<&'c [String]> {
    if method != "tools/call" {
        return None;
    }
    let tool = config.tool(params?.get("name")?.as_str()?)?;
    (!caller.may_use(tool)).then_some(tool.scopes.as_slice())
}

/// `403` telling the client which scopes to step up to (MCP 2025-11-25,
/// "Scope challenge handling").
pub fn insufficient_scope(origin: &str, required: &[String]) -> HttpResponse {
    let value = format!(
        "Bearer error=\"insufficient_scope\", scope=\"{}\", resource_metadata=\"{}\", error_description=\"the tool needs more scopes\"",
        required.join(" "),
        resource_metadata_uri(origin),
    );
    let body = json!({ "error": "insufficient_scope", "error_description": "the tool needs more scopes", "scope": required.join(" ") });
    with_cors(HttpResponse::json(403, &body)).with_header("www-authenticate", value)
}
