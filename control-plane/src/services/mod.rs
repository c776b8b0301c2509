//! Application services: the rules of the product. Each method takes the
//! [`RequestContext`](crate::context::RequestContext) first, validates its
//! input, and calls storage; none knows about HTTP.

mod access;
pub mod admins;
pub mod assertion_keys;
pub mod audit;
pub mod auth;
pub mod catalog;
pub mod clients;
pub mod compile;
pub mod diff;
pub mod error;
pub mod provider_test;
pub mod publish;
#[cfg(test)]
mod robustness;
pub mod secrets;
pub mod tenants;
pub mod tool_import;
pub mod tools;
pub mod usage;
pub mod version;

use crate::outbound::Outbound;
use ed25519_dalek::SigningKey;
use sqlx::PgPool;

pub use error::ServiceError;

use crate::config::Settings;
use crate::edge::EdgeClient;
use crate::signing::parse_signing_key;

/// A view as the audit log keeps it (views never hold secrets).
pub(crate) fn to_audit<T: serde::Serialize>(view: &T) -> serde_json::Value {
    serde_json::to_value(view).unwrap_or(serde_json::Value::Null)
}

/// The service layer's shared dependencies.
pub struct Services {
    db: PgPool,
    signing_key: SigningKey,
    /// Seals secrets for the edge (`PORTCULLIS_EDGE_SEAL_KEY`).
    seal_key: [u8; 32],
    /// The key before the last rotation, to open what is still under it.
    seal_key_previous: Option<[u8; 32]>,
    edge: EdgeClient,
    /// Fetches URLs tenant admins choose, never inward (see [`crate::outbound`]).
    outbound: Outbound,
    settings: Settings,
}

/// A transaction for one change and its audit entry ([`access::audit`]).
type Tx = sqlx::Transaction<'static, sqlx::Postgres>;

/// Commits a change with its audit entry.
async fn commit(tx: Tx) -> Result<(), ServiceError> {
    Ok(tx
        .commit()
        .await
        .map_err(crate::storage::StorageError::from)?)
}

impl Services {
    /// Starts the transaction a change and its audit entry share.
    async fn begin(&self) -> Result<Tx, ServiceError> {
        Ok(self
            .db
            .begin()
            .await
            .map_err(crate::storage::StorageError::from)?)
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The pool, for the HTTP layer's session store.
    pub fn db(&self) -> &PgPool {
        &self.db
    }

    /// Sends the edge a signed command about `tenant` (`rest` below
    /// `/internal/tenants/{tenant}/`, percent-encoded): its JSON answer,
    /// `None` when the edge has no such thing, or why it could not say.
    pub(crate) async fn ask_edge(
        &self,
        method: reqwest::Method,
        tenant: &str,
        rest: &str,
    ) -> Result<Option<serde_json::Value>, ServiceError> {
        let (status, body) = self
            .edge
            .command(&self.signing_key, method, tenant, rest)
            .await
            .map_err(ServiceError::EdgeUnavailable)?;
        match status {
            200..=299 => Ok(Some(body)),
            404 => Ok(None),
            other => Err(ServiceError::EdgeUnavailable(format!(
                "edge answered {other} to {rest}: {body}"
            ))),
        }
    }

    pub fn new(db: PgPool, settings: &Settings) -> Result<Self, String> {
        Ok(Self {
            db,
            signing_key: parse_signing_key(&settings.signing_key_hex)?,
            seal_key: settings.edge_seal_key,
            seal_key_previous: settings.edge_seal_key_previous,
            edge: EdgeClient::new(&settings.edge_url, settings.edge_ca_pem.as_deref())
                .map_err(|e| format!("cannot build the edge client: {e}"))?,
            outbound: Outbound::new(settings.allow_loopback_fetch),
            settings: settings.clone(),
        })
    }

    /// The same services fetching through `outbound` (tests stub its
    /// resolver).
    pub fn with_outbound(mut self, outbound: Outbound) -> Self {
        self.outbound = outbound;
        self
    }
}
