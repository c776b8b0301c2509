//! The OAuth clients a tenant's authorization server knows, and the grants
//! its users gave them.

use serde::{Deserialize, Serialize};

/// A client the tenant's authorization server knows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct OAuthClient {
    pub client_id: String,
    pub client_name: String,
    pub redirect_uris: Vec<String>,
    /// `preregistered` (in the tenant's settings), `dynamic` (registered
    /// itself, RFC 7591) or `metadata_document` (its id is a URL).
    pub registration: String,
    /// When a dynamic client registered, in seconds since the epoch.
    pub registered_at: Option<u64>,
    /// Users whose authorization of the client is in force.
    pub active_grants: u64,
}

/// One user's authorization of one client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UserGrant {
    pub id: String,
    pub client_id: String,
    /// `<provider>:<subject>`.
    pub user_id: String,
    pub email: Option<String>,
    pub name: Option<String>,
    pub scopes: Vec<String>,
    /// Seconds since the epoch.
    pub expires_at: u64,
}

/// What revoking a client did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ClientRevoked {
    pub client_id: String,
    pub revoked_grants: u64,
    /// Whether a dynamic registration was removed (the client must register
    /// again); pre-registered clients stay until the settings drop them.
    pub registration_removed: bool,
}
