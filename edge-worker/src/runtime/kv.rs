//! Tenant configs in Workers KV, one key per tenant.
//!
//! Requests read through the isolate's hot cache ([`crate::cache`]), so
//! KV is read at most every `CONFIG_FRESH_MS` per tenant; parsing happens
//! once per isolate and version even then: the parsed config is kept next
//! to the exact text it came from.
//!
//! Writes go through the tenant's control object ([`super::tenant_control`]),
//! which orders them: KV alone cannot compare and set.

use portcullis_tenant_config::json;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use portcullis_tenant_config::TenantConfig;
use worker::Env;
use worker::kv::KvStore;

use super::tenant_control;
use crate::rate::{Count, RateLimiter, RetryAfter};
use crate::store::{CommandNonces, ConfigStore, Saved, StoreError, config_key, revocation_key};

pub struct KvConfigStore {
    kv: KvStore,
    env: Env,
}

impl KvConfigStore {
    pub fn new(env: &Env) -> worker::Result<Self> {
        Ok(Self {
            kv: super::vars::configs(env)?,
            env: env.clone(),
        })
    }

    /// `tenant`'s config as stored.
    pub(super) async fn text(&self, tenant: &str) -> Result<Option<String>, StoreError> {
        self.kv
            .get(&config_key(tenant))
            .text()
            .await
            .map_err(|e| StoreError(e.to_string()))
    }

    /// Writes `tenant`'s config text as it is; only the tenant's control
    /// object calls this, one push at a time, after comparing versions.
    pub(super) async fn write(&self, tenant: &str, text: &str) -> Result<(), StoreError> {
        self.kv
            .put(&config_key(tenant), text)
            .map_err(|e| StoreError(e.to_string()))?
            .execute()
            .await
            .map_err(|e| StoreError(e.to_string()))
    }
}

/// Parsed configs by tenant, with the text each was parsed from.
type Parsed = BTreeMap<String, (String, Rc<TenantConfig>)>;

thread_local! {
    static PARSED: RefCell<Parsed> = RefCell::default();
}

/// More tenants than this in one isolate start the cache afresh.
const MAX_PARSED: usize = 512;

impl ConfigStore for KvConfigStore {
    async fn load(&self, tenant: &str) -> Result<Option<Rc<TenantConfig>>, StoreError> {
        let Some(text) = self.text(tenant).await? else {
            return Ok(None);
        };
        let cached = PARSED.with(|parsed| {
            parsed
                .borrow()
                .get(tenant)
                .filter(|(seen, _)| *seen == text)
                .map(|(_, config)| config.clone())
        });
        if let Some(config) = cached {
            return Ok(Some(config));
        }
        let config: Rc<TenantConfig> = Rc::new(
            json::parse(&text)
                .map_err(|e| StoreError(format!("stored config of {tenant}: {e}")))?,
        );
        PARSED.with(|parsed| {
            let mut parsed = parsed.borrow_mut();
            if parsed.len() >= MAX_PARSED {
                parsed.clear();
            }
            parsed.insert(tenant.to_owned(), (text, config.clone()));
        });
        Ok(Some(config))
    }

    async fn save_if_newer(&self, config: &TenantConfig, text: &str) -> Result<Saved, StoreError> {
        tenant_control::install(&self.env, &config.tenant, text)
            .await
            .map_err(|e| StoreError(e.to_string()))
    }

    async fn is_revoked(&self, tenant: &str, grant: &str) -> Result<bool, StoreError> {
        let value = self
            .kv
            .get(&revocation_key(tenant, grant))
            .text()
            .await
            .map_err(|e| StoreError(e.to_string()))?;
        Ok(value.is_some())
    }
}

impl RateLimiter for KvConfigStore {
    async fn admit(
        &self,
        tenant: &str,
        counts: &[Count],
        now: u64,
    ) -> Result<Result<Vec<u32>, RetryAfter>, StoreError> {
        tenant_control::admit(&self.env, tenant, counts, now)
            .await
            .map_err(|e| StoreError(e.to_string()))
    }

    async fn pause(&self) {
        worker::Delay::from(std::time::Duration::from_millis(LEASE_PAUSE_MS)).await;
    }
}

/// How long a request waiting for its isolate's rate-limit lease sleeps
/// before looking again: about one Durable Object round trip.
const LEASE_PAUSE_MS: u64 = 2;

impl CommandNonces for KvConfigStore {
    async fn spend(&self, tenant: &str, nonce: &str, until: u64) -> Result<bool, StoreError> {
        tenant_control::spend(&self.env, tenant, nonce, until)
            .await
            .map_err(|e| StoreError(e.to_string()))
    }
}
