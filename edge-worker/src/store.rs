//! Where the edge keeps the configs it serves, and what it remembers of
//! the control plane's commands.

use std::rc::Rc;

use portcullis_tenant_config::TenantConfig;

/// A storage failure; its text is logged, never sent to clients.
#[derive(Debug)]
pub struct StoreError(pub String);

/// Per-tenant config storage. Keys are namespaced by tenant slug, so one
/// tenant's lookups can never reach another's document.
#[allow(async_fn_in_trait)] // Workers are single-threaded; no Send bound wanted.
pub trait ConfigStore {
    /// Shared, not copied: the runtime keeps parsed configs between requests.
    async fn load(&self, tenant: &str) -> Result<Option<Rc<TenantConfig>>, StoreError>;
    /// Stores `config` if its version is newer than any stored or being
    /// stored for its tenant, strictly: of two racing saves the newer wins
    /// whatever order they arrive in. `text` is the signed JSON `config` was
    /// read from, stored as it came (the edge never writes a config itself,
    /// so its bundle carries no serializer for one).
    async fn save_if_newer(&self, config: &TenantConfig, text: &str) -> Result<Saved, StoreError>;
    /// Whether the tenant's authorization server revoked `grant`.
    async fn is_revoked(&self, tenant: &str, grant: &str) -> Result<bool, StoreError>;
}

/// What [`ConfigStore::save_if_newer`] did.
#[derive(Debug)]
pub enum Saved {
    /// Stored, replacing `previous` (nothing, for a new tenant).
    Replaced { previous: Option<Box<TenantConfig>> },
    /// Not stored: `served` is as new or newer.
    Stale { served: u64 },
}

impl Saved {
    /// The served version that makes `config` stale, if any (`served`: the
    /// stored version, if one is).
    pub fn stale_against(config: &TenantConfig, served: Option<u64>) -> Option<u64> {
        served.filter(|served| config.version <= *served)
    }
}

/// The nonces of signed commands carried out, per tenant.
#[allow(async_fn_in_trait)]
pub trait CommandNonces {
    /// Records `nonce` as spent for `tenant` until `until` (seconds);
    /// `false` when it was spent already (a replay).
    async fn spend(&self, tenant: &str, nonce: &str, until: u64) -> Result<bool, StoreError>;
}

/// The storage key marking a revoked grant; it expires with the grant's
/// last possible access token.
pub fn revocation_key(tenant: &str, grant: &str) -> String {
    format!("tenant/{tenant}/revoked/{grant}")
}

/// The storage key of a tenant's live config.
pub fn config_key(tenant: &str) -> String {
    format!("tenant/{tenant}/config")
}

#[cfg(test)]
pub mod memory {
    //! An in-memory store for native tests.
    use std::cell::RefCell;
    use std::collections::HashMap;

    use super::*;
    use crate::rate::{Count, RateCounter, RateLimiter, RetryAfter};

    /// Configs by key, revoked grants, spent command nonces, rate counters.
    #[derive(Default)]
    pub struct MemoryStore(
        pub RefCell<HashMap<String, TenantConfig>>,
        pub RefCell<Vec<String>>,
        pub RefCell<Vec<(String, String)>>,
        pub RefCell<HashMap<String, RateCounter>>,
    );

    impl RateLimiter for MemoryStore {
        async fn admit(
            &self,
            tenant: &str,
            counts: &[Count],
            now: u64,
        ) -> Result<Result<Vec<u32>, RetryAfter>, StoreError> {
            let mut counters = self.3.borrow_mut();
            let counter = counters.entry(tenant.to_owned()).or_default();
            Ok(counter.lease(counts, now))
        }

        async fn pause(&self) {
            tokio::task::yield_now().await;
        }
    }

    impl MemoryStore {
        /// Stores `config` whatever is stored (a test's setup).
        pub fn put(&self, config: &TenantConfig) {
            self.0
                .borrow_mut()
                .insert(config_key(&config.tenant), config.clone());
        }
    }

    impl CommandNonces for MemoryStore {
        async fn spend(&self, tenant: &str, nonce: &str, _until: u64) -> Result<bool, StoreError> {
            let spent = (tenant.to_owned(), nonce.to_owned());
            let mut nonces = self.2.borrow_mut();
            if nonces.contains(&spent) {
                return Ok(false);
            }
            nonces.push(spent);
            Ok(true)
        }
    }

    impl ConfigStore for MemoryStore {
        async fn load(&self, tenant: &str) -> Result<Option<Rc<TenantConfig>>, StoreError> {
            Ok(self
                .0
                .borrow()
                .get(&config_key(tenant))
                .cloned()
                .map(Rc::new))
        }
        async fn save_if_newer(
            &self,
            config: &TenantConfig,
            _text: &str,
        ) -> Result<Saved, StoreError> {
            let previous = self
                .0
                .borrow()
                .get(&config_key(&config.tenant))
                .cloned()
                .map(Box::new);
            if let Some(served) = Saved::stale_against(config, previous.as_ref().map(|p| p.version))
            {
                return Ok(Saved::Stale { served });
            }
            self.put(config);
            Ok(Saved::Replaced { previous })
        }
        async fn is_revoked(&self, tenant: &str, grant: &str) -> Result<bool, StoreError> {
            Ok(self.1.borrow().contains(&revocation_key(tenant, grant)))
        }
    }
}
