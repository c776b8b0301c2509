//! A tenant's user-assertion keys: the public halves the backends of its
//! HTTP tools verify with (served by the edge at
//! `<tenant origin>/.well-known/jwks.json`), and rotating them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One key, public half only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AssertionKey {
    pub kid: String,
    /// The Ed25519 public key, base64url (the JWK's `x`).
    pub x: String,
    /// Whether assertions are signed with it now; the other listed key is
    /// the previous one, still accepted until it is retired.
    pub signing: bool,
    pub created_at: DateTime<Utc>,
}
