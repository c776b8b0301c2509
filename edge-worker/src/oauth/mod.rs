//! Each tenant's OAuth 2.1 authorization server, as plain Rust.
//!
//! [`Authority`] answers the stateful endpoints (`/authorize`, the provider
//! callback, consent, `/token`, `/register`, `/revoke`) for one tenant. It
//! runs inside the tenant's auth Durable Object, so its requests are
//! serialized and its [`records::AuthStore`] is strongly consistent. The
//! discovery documents ([`metadata`]) and the access-token check on `/mcp`
//! ([`crate::tokens`], shared with [`crate::auth`]) need no state and run in the Worker.

pub mod admin;
mod authorize;
pub mod cimd;
pub mod form;
pub mod metadata;
mod pages;
pub mod records;
mod register;
pub mod sweep;
mod token;
pub mod upstream;
pub mod user_token;

#[cfg(test)]
pub(crate) mod tests;

use std::cell::RefCell;

use portcullis_tenant_config::{OAuthConfig, TenantConfig};
use serde_json::json;

use crate::http::{HttpRequest, HttpResponse};
use crate::rate::{RateCounter, RetryAfter};
use crate::tokens::AccessTokens;
use crate::usage::UsageEvent;
use records::{AuthStore, StorageError};
use upstream::{EdgeCrypto, Fetch};

/// The paths [`Authority`] answers; everything else of a tenant is not its.
pub const AUTHORITY_PATHS: &[&str] = &[
    "/authorize",
    "/oauth/login",
    "/oauth/callback",
    "/oauth/consent",
    "/token",
    "/register",
    "/revoke",
];

/// One tenant's authorization server, for the duration of one request.
pub struct Authority<'a, S, C, F> {
    pub config: &'a TenantConfig,
    pub oauth: &'a OAuthConfig,
    /// `https://acme.<edge-domain>`: the issuer.
    pub origin: String,
    /// Whether the edge is reached over https (cookies get `__Host-`/`Secure`).
    pub secure: bool,
    pub store: &'a S,
    pub crypto: &'a C,
    pub fetch: &'a F,
    pub tokens: AccessTokens,
    /// Counts the metadata documents fetched for the tenant (the object
    /// keeps it between requests).
    pub fetches: &'a RefCell<RateCounter>,
    /// Seconds since the epoch.
    pub now: u64,
    /// What the request counts for in the tenant's usage (sign-ins), for
    /// the runtime to report.
    pub usage: RefCell<Vec<UsageEvent>>,
}

/// Why an endpoint stopped before it could answer.
#[derive(Debug)]
pub enum Halt {
    Storage(StorageError),
    /// Over a limit of the tenant's (a metadata document fetch).
    Limited(RetryAfter),
}

impl From<StorageError> for Halt {
    fn from(e: StorageError) -> Self {
        Self::Storage(e)
    }
}

/// What an endpoint answers.
type EndpointResult = Result<HttpResponse, Halt>;

/// A client as the authorization server knows it, however it was registered.
#[derive(Debug, Clone, PartialEq)]
pub struct Client {
    pub client_id: String,
    pub client_name: String,
    pub redirect_uris: Vec<String>,
    /// Whether the tenant's admins registered it: only then are errors
    /// sent to its redirect URI before the user has signed in.
    pub pre_registered: bool,
}

impl<S: AuthStore, C: EdgeCrypto, F: Fetch> Authority<'_, S, C, F> {
    pub async fn handle(&self, request: &HttpRequest) -> HttpResponse {
        let path = request.path.as_str();
        let method = request.method.as_str();
        let answer = match (method, path) {
            ("GET", "/authorize") => authorize::start(self, request).await,
            ("GET", "/oauth/login") => authorize::login(self, request).await,
            ("GET", "/oauth/callback") => authorize::callback(self, request).await,
            ("POST", "/oauth/consent") => authorize::consent(self, request).await,
            ("POST", "/token") => token::token(self, request).await,
            ("POST", "/revoke") => token::revoke(self, request).await,
            ("POST", "/register") => register::register(self, request).await,
            ("GET", admin::CLIENTS_PATH) => self.list_clients().await,
            ("GET", admin::GRANTS_PATH) => self.list_grants(request).await,
            ("DELETE", _) if path.starts_with(admin::CLIENTS_PREFIX) => {
                self.revoke_client(&path[admin::CLIENTS_PREFIX.len()..])
                    .await
            }
            ("DELETE", _) if path.starts_with(admin::GRANTS_PREFIX) => {
                self.revoke_user_grant(&path[admin::GRANTS_PREFIX.len()..])
                    .await
            }
            (_, "/authorize" | "/oauth/login" | "/oauth/callback") => {
                return method_not_allowed(method, "GET");
            }
            (_, "/oauth/consent" | "/token" | "/revoke" | "/register") => {
                return method_not_allowed(method, "POST");
            }
            _ => return oauth_error(404, "invalid_request", &format!("no endpoint at {path}")),
        };
        answer.unwrap_or_else(|halt| match halt {
            Halt::Storage(StorageError(e)) => {
                crate::log::error(&format!("auth storage of {}: {e}", self.config.tenant));
                oauth_error(
                    503,
                    "temporarily_unavailable",
                    "storage is unavailable; retry later",
                )
            }
            Halt::Limited(wait) => too_many_requests(request, wait),
        })
    }

    /// A pre-registered client from the config, else a registered one.
    async fn client(&self, client_id: &str) -> Result<Option<Client>, Halt> {
        if let Some(c) = self.oauth.client(client_id) {
            return Ok(Some(Client {
                client_id: c.client_id.clone(),
                client_name: c.client_name.clone(),
                redirect_uris: c.redirect_uris.clone(),
                pre_registered: true,
            }));
        }
        if cimd::is_document_url(client_id) {
            return cimd::client(self, client_id).await;
        }
        let registered: Option<records::RegisteredClient> =
            records::load(self.store, &records::client_key(client_id)).await?;
        Ok(registered.map(|c| Client {
            client_id: c.client_id,
            client_name: c.client_name,
            redirect_uris: c.redirect_uris,
            pre_registered: false,
        }))
    }

    /// Revokes a grant and every token issued under it.
    async fn revoke_grant(&self, grant_id: &str) -> Result<(), StorageError> {
        let key = records::grant_key(grant_id);
        if let Some(mut grant) = records::load::<records::Grant>(self.store, &key).await? {
            grant.revoked = true;
            grant.refresh_hash = None;
            records::save(self.store, &key, &grant).await?;
        }
        self.store.announce_revocation(grant_id).await
    }

    fn resource(&self) -> String {
        metadata::resource_uri(&self.origin)
    }
}

/// An OAuth error response (RFC 6749 §5.2), never cached.
pub fn oauth_error(status: u16, error: &str, description: &str) -> HttpResponse {
    metadata::with_cors(HttpResponse::json(
        status,
        &json!({ "error": error, "error_description": description }),
    ))
    .with_header("cache-control", "no-store")
}

/// `429` for a client over the tenant's limits: a page for the endpoints a
/// browser is sent to, the OAuth error JSON for the others.
pub fn too_many_requests(request: &HttpRequest, wait: crate::rate::RetryAfter) -> HttpResponse {
    let explanation = format!("Too many requests; retry in {} seconds.", wait.0);
    let answer = match request.path.as_str() {
        "/authorize" | "/oauth/login" | "/oauth/callback" => {
            pages::error_page(429, "Too many requests", &explanation)
        }
        _ => oauth_error(429, "temporarily_unavailable", &explanation),
    };
    answer.with_header("retry-after", wait.0.to_string())
}

fn method_not_allowed(method: &str, allow: &str) -> HttpResponse {
    let message = format!("{method} is not allowed here; use {allow}");
    oauth_error(405, "invalid_request", &message).with_header("allow", allow)
}
