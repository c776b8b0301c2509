//! What the tenant's authorization server remembers, and where.
//!
//! All of it lives in the tenant's auth Durable Object, whose storage is
//! strongly consistent and whose requests run one at a time: that is what
//! makes code redemption and refresh rotation race-free. Codes and refresh
//! tokens are stored under their hashes only.

use portcullis_tenant_config::json;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// A storage failure; its text is logged, never shown.
#[derive(Debug)]
pub struct StorageError(pub String);

/// Key-value storage with read-your-writes consistency.
#[allow(async_fn_in_trait)] // Workers are single-threaded; no Send bound wanted.
pub trait AuthStore {
    async fn get(&self, key: &str) -> Result<Option<String>, StorageError>;
    async fn put(&self, key: &str, value: String) -> Result<(), StorageError>;
    async fn delete(&self, key: &str) -> Result<(), StorageError>;
    /// Every record whose key starts with `prefix`, as `(key, value)`.
    async fn list(&self, prefix: &str) -> Result<Vec<(String, String)>, StorageError>;
    /// At most `limit` records whose key starts with `prefix` and sorts
    /// after `after` (a whole key, or `prefix` itself for the first page),
    /// in key order.
    async fn list_after(
        &self,
        prefix: &str,
        after: &str,
        limit: usize,
    ) -> Result<Vec<(String, String)>, StorageError>;
    /// Tells every edge isolate that `grant` is revoked, so its access
    /// tokens stop working before they expire.
    async fn announce_revocation(&self, grant: &str) -> Result<(), StorageError>;
}

/// Typed access over an [`AuthStore`].
pub async fn load<T: DeserializeOwned>(
    store: &impl AuthStore,
    key: &str,
) -> Result<Option<T>, StorageError> {
    match store.get(key).await? {
        None => Ok(None),
        Some(text) => json::parse(&text)
            .map(Some)
            .map_err(|e| StorageError(format!("record {key}: {e}"))),
    }
}

pub async fn save<T: Serialize>(
    store: &impl AuthStore,
    key: &str,
    value: &T,
) -> Result<(), StorageError> {
    let text = serde_json::to_string(value).map_err(|e| StorageError(e.to_string()))?;
    store.put(key, text).await
}

/// A dynamically registered client (RFC 7591).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegisteredClient {
    pub client_id: String,
    pub client_name: String,
    pub redirect_uris: Vec<String>,
    pub issued_at: u64,
}

/// An authorization request on its way through login and consent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transaction {
    pub client_id: String,
    pub client_name: String,
    pub redirect_uri: String,
    pub state: Option<String>,
    pub code_challenge: String,
    pub scopes: Vec<String>,
    /// The value of the browser-binding cookie set with this transaction.
    pub browser: String,
    pub expires_at: u64,
    /// Set when the user chose a provider and was sent there.
    pub upstream: Option<UpstreamAttempt>,
    /// Set once the provider vouched for the user.
    pub user: Option<SealedUser>,
    /// The provider's tokens, sealed, kept for tools (never given to
    /// clients).
    #[serde(flatten)]
    pub provider_tokens: UpstreamHeld,
    /// The consent form's CSRF token.
    pub csrf: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpstreamAttempt {
    pub provider: String,
    pub nonce: String,
    pub code_verifier: String,
}

/// A signed-in user as stored: the id in the clear (it names keys and
/// goes into tokens), everything the provider said about them sealed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SealedUser {
    pub user_id: String,
    /// [`UserClaims`](portcullis_tenant_config::auth::UserClaims) as JSON, sealed with [`claims_aad`].
    pub claims: String,
}

/// The provider's tokens for a user, sealed (the access token with
/// [`upstream_token_aad`], the refresh token with [`upstream_refresh_aad`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UpstreamHeld {
    #[serde(default)]
    pub upstream_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upstream_refresh: Option<String>,
    /// When to renew the access token: a little before the provider said
    /// it expires (none: it does not).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upstream_renew_at: Option<u64>,
}

/// The sealing binding of a user's upstream refresh token.
pub fn upstream_refresh_aad(tenant: &str, user_id: &str) -> String {
    format!("portcullis/upstream-refresh/{tenant}/{user_id}")
}

/// The sealing binding of a user's upstream token.
pub fn upstream_token_aad(tenant: &str, user_id: &str) -> String {
    format!("portcullis/upstream-token/{tenant}/{user_id}")
}

/// The sealing binding of a user's claims.
pub fn claims_aad(tenant: &str, user_id: &str) -> String {
    format!("portcullis/user-claims/{tenant}/{user_id}")
}

/// An issued authorization code, stored under its hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodeRecord {
    pub grant: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub expires_at: u64,
    pub redeemed: bool,
}

/// One user's authorization of one client: what its tokens may do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Grant {
    pub id: String,
    pub client_id: String,
    pub user: SealedUser,
    pub scopes: Vec<String>,
    /// The provider's tokens for tools acting as the user.
    #[serde(flatten)]
    pub provider_tokens: UpstreamHeld,
    /// Hash of the one refresh token that may be used next.
    pub refresh_hash: Option<String>,
    pub expires_at: u64,
    pub revoked: bool,
}

/// What a refresh token hash points at; old hashes stay to detect reuse.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RefreshRecord {
    pub grant: String,
}

/// Scopes a user already approved for a client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Consent {
    pub scopes: Vec<String>,
}

pub fn client_key(client_id: &str) -> String {
    format!("client/{client_id}")
}
pub fn transaction_key(id: &str) -> String {
    format!("txn/{id}")
}
pub fn code_key(hash: &str) -> String {
    format!("code/{hash}")
}
pub fn grant_key(id: &str) -> String {
    format!("grant/{id}")
}
pub fn refresh_key(hash: &str) -> String {
    format!("refresh/{hash}")
}
pub fn consent_key(user_id: &str, client_id: &str) -> String {
    format!("consent/{user_id}/{client_id}")
}

#[cfg(test)]
pub mod memory {
    //! An in-memory store for native tests.
    use std::cell::RefCell;
    use std::collections::BTreeMap;

    use super::*;

    #[derive(Default)]
    pub struct MemoryAuthStore {
        pub entries: RefCell<BTreeMap<String, String>>,
        pub revoked: RefCell<Vec<String>>,
    }

    impl AuthStore for MemoryAuthStore {
        async fn get(&self, key: &str) -> Result<Option<String>, StorageError> {
            Ok(self.entries.borrow().get(key).cloned())
        }
        async fn put(&self, key: &str, value: String) -> Result<(), StorageError> {
            self.entries.borrow_mut().insert(key.to_owned(), value);
            Ok(())
        }
        async fn delete(&self, key: &str) -> Result<(), StorageError> {
            self.entries.borrow_mut().remove(key);
            Ok(())
        }
        async fn list(&self, prefix: &str) -> Result<Vec<(String, String)>, StorageError> {
            Ok(self
                .entries
                .borrow()
                .range(prefix.to_owned()..)
                .take_while(|(k, _)| k.starts_with(prefix))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect())
        }
        async fn list_after(
            &self,
            prefix: &str,
            after: &str,
            limit: usize,
        ) -> Result<Vec<(String, String)>, StorageError> {
            use std::ops::Bound::{Excluded, Unbounded};
            Ok(self
                .entries
                .borrow()
                .range::<str, _>((Excluded(after), Unbounded))
                .take_while(|(k, _)| k.starts_with(prefix))
                .take(limit)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect())
        }
        async fn announce_revocation(&self, grant: &str) -> Result<(), StorageError> {
            self.revoked.borrow_mut().push(grant.to_owned());
            Ok(())
        }
    }
}
