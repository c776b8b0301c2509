//! Who may use a tenant's MCP server: its identity providers, access rules,
//! scopes and roles, and its pre-registered OAuth clients.
//!
//! The edge acts on this as the tenant's OAuth 2.1 authorization server. Secrets
//! (an IdP's client secret) travel only sealed for the edge ([`crate::sealing`]),
//! never in plaintext.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::redirect_uri::{RedirectUriError, validate_redirect_uri};

/// The tenant's authorization server. A tenant without one (the document's
/// `oauth` absent) is a public server: `/mcp` is open and no OAuth metadata
/// is served.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OAuthConfig {
    /// Where users sign in; at least one.
    pub providers: Vec<IdentityProvider>,
    /// Every scope a token of this tenant can carry, shown on consent.
    #[serde(default)]
    pub scopes: Vec<ScopeConfig>,
    /// Who may sign in at all: a user matching any rule gets in. No rules
    /// means everyone the providers authenticate.
    #[serde(default)]
    pub allow: Vec<UserMatch>,
    /// Which scopes a user may grant: the union of the scopes of every role
    /// whose rule matches the user.
    #[serde(default)]
    pub roles: Vec<RoleConfig>,
    /// Clients known without dynamic registration.
    #[serde(default)]
    pub clients: Vec<ClientConfig>,
}

/// An upstream identity provider users sign in with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityProvider {
    /// Stable id (a slug), used in the callback and in user ids.
    pub id: String,
    pub kind: ProviderKind,
    /// Shown on the sign-in choice, e.g. "Acme SSO".
    pub display_name: String,
    pub client_id: String,
    /// The client secret sealed for the edge (see [`crate::sealing`]).
    pub client_secret: String,
    /// The OpenID issuer (Google and OIDC); GitHub's base URL for GitHub
    /// (`https://github.com`, replaceable for GitHub Enterprise or tests).
    pub issuer: String,
    /// GitHub's API base (`https://api.github.com`); unused for OIDC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_base: Option<String>,
    /// Extra scopes to ask the provider for, beyond what identity needs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub upstream_scopes: Vec<String>,
}

/// The two protocols upstream logins speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ProviderKind {
    /// GitHub OAuth apps: OAuth 2.0, then the user API for identity.
    Github,
    /// Google: OpenID Connect at `https://accounts.google.com`.
    Google,
    /// Any OpenID Connect provider, found by discovery.
    Oidc,
}

impl IdentityProvider {
    /// What the provider's sealed client secret is bound to, by name:
    /// its id, kind, issuer, API base and client id.
    pub fn secret_binding(&self) -> [(&'static str, &str); 5] {
        [
            ("id", &self.id),
            ("kind", self.kind.as_str()),
            ("issuer", &self.issuer),
            ("apiBase", self.api_base.as_deref().unwrap_or_default()),
            ("clientId", &self.client_id),
        ]
    }

    /// The associated data its client secret is sealed with for `tenant`.
    pub fn secret_aad(&self, tenant: &str) -> String {
        let values = self.secret_binding().map(|(_, value)| value);
        crate::sealing::provider_secret_aad(tenant, &values)
    }
}

impl ProviderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Github => "github",
            Self::Google => "google",
            Self::Oidc => "oidc",
        }
    }

    /// Whether identity comes from a verified ID token.
    pub fn is_openid(self) -> bool {
        matches!(self, Self::Google | Self::Oidc)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScopeConfig {
    pub name: String,
    pub description: String,
}

/// A rule over a signed-in user. It matches when any listed value matches;
/// an empty rule matches everyone.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserMatch {
    /// Verified email addresses in these domains.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub email_domains: Vec<String>,
    /// Exact (case-insensitive) verified email addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<String>,
    /// GitHub logins (case-insensitive).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub github_logins: Vec<String>,
    /// GitHub organisations the user belongs to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub github_orgs: Vec<String>,
    /// Values of the OIDC `groups` claim.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleConfig {
    pub name: String,
    #[serde(default)]
    pub when: UserMatch,
    pub scopes: Vec<String>,
}

/// A pre-registered public client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientConfig {
    pub client_id: String,
    pub client_name: String,
    pub redirect_uris: Vec<String>,
}

/// What the edge knows about a signed-in user, from the provider.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct UserClaims {
    /// `<provider id>:<provider subject>`, stable across logins.
    pub user_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default)]
    pub email_verified: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub github_login: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub github_orgs: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
}

impl UserMatch {
    pub fn is_empty(&self) -> bool {
        self.email_domains.is_empty()
            && self.emails.is_empty()
            && self.github_logins.is_empty()
            && self.github_orgs.is_empty()
            && self.groups.is_empty()
    }

    pub fn matches(&self, user: &UserClaims) -> bool {
        if self.is_empty() {
            return true;
        }
        let verified_email = user.email.as_deref().filter(|_| user.email_verified);
        let in_list =
            |list: &[String], value: &str| list.iter().any(|v| v.eq_ignore_ascii_case(value));
        if let Some(email) = verified_email {
            if in_list(&self.emails, email) {
                return true;
            }
            if let Some((_, domain)) = email.rsplit_once('@')
                && in_list(&self.email_domains, domain)
            {
                return true;
            }
        }
        if let Some(login) = &user.github_login
            && in_list(&self.github_logins, login)
        {
            return true;
        }
        user.github_orgs
            .iter()
            .any(|o| in_list(&self.github_orgs, o))
            || user.groups.iter().any(|g| self.groups.contains(g))
    }
}

impl OAuthConfig {
    /// Whether `user` may sign in to this tenant at all.
    pub fn admits(&self, user: &UserClaims) -> bool {
        self.allow.is_empty() || self.allow.iter().any(|rule| rule.matches(user))
    }

    /// The scopes `user` may grant to a client. Without roles, every scope.
    pub fn grantable_scopes(&self, user: &UserClaims) -> BTreeSet<&str> {
        // Inserted one by one: collecting a `BTreeSet` sorts first, a sort
        // routine of its own in the edge's bundle.
        let mut scopes = BTreeSet::new();
        if self.roles.is_empty() {
            scopes.extend(self.scopes.iter().map(|s| s.name.as_str()));
        } else {
            scopes.extend(
                self.roles
                    .iter()
                    .filter(|role| role.when.matches(user))
                    .flat_map(|role| role.scopes.iter().map(String::as_str)),
            );
        }
        scopes
    }

    pub fn scope(&self, name: &str) -> Option<&ScopeConfig> {
        self.scopes.iter().find(|s| s.name == name)
    }

    pub fn provider(&self, id: &str) -> Option<&IdentityProvider> {
        self.providers.iter().find(|p| p.id == id)
    }

    pub fn client(&self, client_id: &str) -> Option<&ClientConfig> {
        self.clients.iter().find(|c| c.client_id == client_id)
    }

    pub fn validate(&self) -> Result<(), AuthError> {
        if self.providers.is_empty() {
            return Err(AuthError::NoProvider);
        }
        let mut ids = BTreeSet::new();
        for p in &self.providers {
            crate::names::validate_tenant_slug(&p.id)
                .map_err(|e| AuthError::Provider(p.id.clone(), e.to_string()))?;
            if !ids.insert(p.id.as_str()) {
                return Err(AuthError::Duplicate("provider", p.id.clone()));
            }
            if p.client_id.is_empty() || p.client_secret.is_empty() {
                let message = "needs a client id and a client secret".to_owned();
                return Err(AuthError::Provider(p.id.clone(), message));
            }
            if !is_https_or_loopback(&p.issuer) {
                let message = "issuer must be an https URL (http only on loopback)".to_owned();
                return Err(AuthError::Provider(p.id.clone(), message));
            }
        }
        let mut names = BTreeSet::new();
        for s in &self.scopes {
            validate_scope_name(&s.name)?;
            if !names.insert(s.name.as_str()) {
                return Err(AuthError::Duplicate("scope", s.name.clone()));
            }
        }
        for role in &self.roles {
            if let Some(unknown) = role.scopes.iter().find(|s| !names.contains(s.as_str())) {
                return Err(AuthError::UnknownScope {
                    owner: format!("role {:?}", role.name),
                    scope: unknown.clone(),
                });
            }
        }
        let mut clients = BTreeSet::new();
        for c in &self.clients {
            if c.client_id.is_empty() || c.client_id.len() > 200 {
                return Err(AuthError::Client(
                    c.client_id.clone(),
                    "bad client id".into(),
                ));
            }
            if !clients.insert(c.client_id.as_str()) {
                return Err(AuthError::Duplicate("client", c.client_id.clone()));
            }
            if c.redirect_uris.is_empty() {
                let message = "needs at least one redirect URI".to_owned();
                return Err(AuthError::Client(c.client_id.clone(), message));
            }
            for uri in &c.redirect_uris {
                validate_redirect_uri(uri)
                    .map_err(|e| AuthError::Client(c.client_id.clone(), e.to_string()))?;
            }
        }
        Ok(())
    }
}

/// RFC 6749 §3.3 scope tokens, kept to a readable subset.
pub fn validate_scope_name(name: &str) -> Result<(), AuthError> {
    let ok = (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'.' | b'_' | b'-' | b'/'));
    if ok {
        Ok(())
    } else {
        Err(AuthError::ScopeName(name.to_owned()))
    }
}

/// An https URL, or http on a loopback host (local development and tests).
pub fn is_https_or_loopback(url: &str) -> bool {
    url.starts_with("https://")
        || crate::redirect_uri::parse(url).is_ok_and(|u| u.scheme == "http" && u.is_loopback())
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AuthError {
    #[error("an OAuth tenant needs at least one identity provider")]
    NoProvider,
    #[error("identity provider {0:?}: {1}")]
    Provider(String, String),
    #[error("{0} {1:?} appears more than once")]
    Duplicate(&'static str, String),
    #[error("scope name {0:?} must be 1-64 characters of letters, digits and ':._-/'")]
    ScopeName(String),
    #[error("{owner} refers to the unknown scope {scope:?}")]
    UnknownScope { owner: String, scope: String },
    #[error("client {0:?}: {1}")]
    Client(String, String),
    #[error(transparent)]
    RedirectUri(#[from] RedirectUriError),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(email: &str, verified: bool) -> UserClaims {
        UserClaims {
            user_id: "oidc:1".into(),
            email: Some(email.into()),
            email_verified: verified,
            ..Default::default()
        }
    }

    #[test]
    fn empty_rule_matches_everyone_and_domains_need_verified_email() {
        assert!(UserMatch::default().matches(&user("a@b.c", false)));
        let rule = UserMatch {
            email_domains: vec!["acme.com".into()],
            ..Default::default()
        };
        assert!(rule.matches(&user("ann@ACME.com", true)));
        assert!(!rule.matches(&user("ann@acme.com", false)));
        assert!(!rule.matches(&user("ann@evil-acme.com", true)));
        assert!(!rule.matches(&user("acme.com@evil.com", true)));
    }

    #[test]
    fn github_and_group_rules() {
        let rule = UserMatch {
            github_orgs: vec!["acme".into()],
            groups: vec!["mcp-users".into()],
            ..Default::default()
        };
        let mut u = UserClaims::default();
        assert!(!rule.matches(&u));
        u.github_orgs = vec!["Acme".into()];
        assert!(rule.matches(&u));
        let u = UserClaims {
            groups: vec!["mcp-users".into()],
            ..Default::default()
        };
        assert!(rule.matches(&u));
    }

    #[test]
    fn roles_grant_the_union_of_matching_scopes() {
        let scope = |n: &str| ScopeConfig {
            name: n.into(),
            description: n.into(),
        };
        let config = OAuthConfig {
            providers: vec![],
            scopes: vec![scope("read"), scope("write")],
            allow: vec![],
            roles: vec![
                RoleConfig {
                    name: "everyone".into(),
                    when: UserMatch::default(),
                    scopes: vec!["read".into()],
                },
                RoleConfig {
                    name: "staff".into(),
                    when: UserMatch {
                        email_domains: vec!["acme.com".into()],
                        ..Default::default()
                    },
                    scopes: vec!["write".into()],
                },
            ],
            clients: vec![],
        };
        let outsider = config.grantable_scopes(&user("x@other.org", true));
        assert_eq!(outsider.into_iter().collect::<Vec<_>>(), ["read"]);
        let staff = config.grantable_scopes(&user("x@acme.com", true));
        assert_eq!(staff.into_iter().collect::<Vec<_>>(), ["read", "write"]);
    }
}
