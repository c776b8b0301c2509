//! A tenant's sign-in settings: public or OAuth, its identity providers,
//! scopes, access rules, roles and clients; and "Test connection".
//! Client secrets are write-only: sent in, never answered.

use chrono::{DateTime, Utc};
use portcullis_tenant_config::auth::{
    ClientConfig, ProviderKind, RoleConfig, ScopeConfig, UserMatch,
};
use serde::{Deserialize, Serialize};

/// `public`: anyone may call `/mcp`. `oauth`: bearer tokens from the
/// tenant's authorization server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum AuthMode {
    Public,
    Oauth,
}

impl AuthMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Oauth => "oauth",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuthSettingsInput {
    pub mode: AuthMode,
    #[serde(default)]
    pub providers: Vec<ProviderInput>,
    /// `{name, description}`; the description is shown on consent.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub scopes: Vec<ScopeConfig>,
    /// Who may sign in: any matching rule admits (none: everyone).
    /// A rule: `{emailDomains, emails, githubLogins, githubOrgs, groups}`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub allow: Vec<UserMatch>,
    /// `{name, when: <rule>, scopes}`: the scopes users matching `when` may grant.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub roles: Vec<RoleConfig>,
    /// Pre-registered public clients: `{clientId, clientName, redirectUris}`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub clients: Vec<ClientConfig>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProviderInput {
    /// A slug, unique per tenant; part of every user id it vouches for.
    pub id: String,
    /// `github`, `google` or `oidc`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub kind: ProviderKind,
    pub display_name: String,
    pub client_id: String,
    /// Write-only. Omit to keep the secret already saved for this provider.
    pub client_secret: Option<String>,
    /// The OpenID issuer (required for `oidc`); GitHub's or Google's own
    /// when omitted for those.
    pub issuer: Option<String>,
    /// GitHub's API base (GitHub Enterprise); `https://api.github.com` by default.
    pub api_base: Option<String>,
    #[serde(default)]
    pub upstream_scopes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AuthSettings {
    pub mode: AuthMode,
    pub providers: Vec<ProviderView>,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub scopes: Vec<ScopeConfig>,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub allow: Vec<UserMatch>,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub roles: Vec<RoleConfig>,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub clients: Vec<ClientConfig>,
    pub updated_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ProviderView {
    pub id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub kind: ProviderKind,
    pub display_name: String,
    pub client_id: String,
    /// Whether a client secret is saved (it is never returned).
    pub client_secret_set: bool,
    pub issuer: String,
    pub api_base: Option<String>,
    pub upstream_scopes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProviderTest {
    /// `github`, `google` or `oidc`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub kind: ProviderKind,
    /// The OpenID issuer (`oidc`; Google's by default), or GitHub's site.
    pub issuer: Option<String>,
    /// GitHub's API base (default `https://api.github.com`).
    pub api_base: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ProviderTestResult {
    /// Whether every check passed.
    pub ok: bool,
    pub checks: Vec<Check>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Check {
    pub name: String,
    pub ok: bool,
    pub detail: String,
}
