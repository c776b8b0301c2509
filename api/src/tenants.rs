//! Tenants, their name and branding, and their rate limits.

use chrono::{DateTime, Utc};
use portcullis_tenant_config::RateLimits;
use portcullis_tenant_config::memory::MemoryConfig;
use serde::{Deserialize, Serialize};

use crate::access::May;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TenantCreate {
    /// Subdomain label: 2–40 of `a-z 0-9 -`, starting with a letter.
    pub slug: String,
    /// Shown to admins and on the consent page; defaults to the slug.
    pub display_name: Option<String>,
}

/// What admins may change about a tenant after creating it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TenantUpdate {
    pub display_name: String,
    /// An https image for the tenant's consent and sign-in pages.
    pub logo_url: Option<String>,
    /// `#rrggbb`, the pages' button colour.
    pub accent_color: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Tenant {
    pub slug: String,
    pub display_name: String,
    pub logo_url: Option<String>,
    pub accent_color: Option<String>,
    pub mcp_url: String,
    pub created_at: DateTime<Utc>,
    pub tool_count: i64,
    /// The newest version the edge accepted.
    pub live_version: Option<i64>,
    /// What the caller may do in the tenant.
    pub may: May,
}

/// The requests per minute the edge lets through for a tenant before it
/// answers 429 (per client IP and in all), as of the next publish.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Limits {
    /// `{oauthPerIp, oauthPerTenant, registrationsPerIp,
    /// metadataFetchesPerTenant, mcpPerIp, mcpPerTenant}`.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub limits: RateLimits,
    /// Whether an admin set them (else they are the defaults).
    pub custom: bool,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub defaults: RateLimits,
    /// How long each count lasts.
    pub window_seconds: u64,
}

/// Per-user memory for the tenant's signed-in users (`remember`, `recall`,
/// `forget`), as of the next publish.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Memory {
    /// `{names: {remember, recall, forget}, maxNotes, maxBytes}`; `null`:
    /// switched off.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub memory: Option<MemoryConfig>,
    /// What switching it on with `{}` gives.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub defaults: MemoryConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MemoryUpdate {
    /// The setting (fields left out take their defaults); `null` switches
    /// memory off (the notes users kept stay at the edge, unused).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub memory: Option<MemoryConfig>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LimitsUpdate {
    /// Every limit (see [`Limits`]); `null` to go back to the defaults.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub limits: Option<RateLimits>,
}
