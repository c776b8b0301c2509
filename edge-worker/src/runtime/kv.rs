//! Tenant configs in Workers KV, one key per tenant.
//!
//! TODO-perf: every tenant request reads and parses the config from KV; an
//! isolate-level cache keyed by version would save both.

use portcullis_tenant_config::TenantConfig;
use worker::kv::KvStore;

use crate::store::{ConfigStore, StoreError, config_key, revocation_key};

pub struct KvConfigStore(KvStore);

impl KvConfigStore {
    pub fn new(kv: KvStore) -> Self {
        Self(kv)
    }
}

impl ConfigStore for KvConfigStore {
    async fn load(&self, tenant: &str) -> Result<Option<TenantConfig>, StoreError> {
        let text = self
            .0
            .get(&config_key(tenant))
            .text()
            .await
            .map_err(|e| StoreError(e.to_string()))?;
        text.map(|t| {
            serde_json::from_str(&t)
                .map_err(|e| StoreError(format!("stored config of {tenant}: {e}")))
        })
        .transpose()
    }

    async fn save(&self, config: &TenantConfig) -> Result<(), StoreError> {
        let text = serde_json::to_string(config).map_err(|e| StoreError(e.to_string()))?;
        self.0
            .put(&config_key(&config.tenant), text)
            .map_err(|e| StoreError(e.to_string()))?
            .execute()
            .await
            .map_err(|e| StoreError(e.to_string()))
    }

    async fn is_revoked(&self, tenant: &str, grant: &str) -> Result<bool, StoreError> {
        let value = self
            .0
            .get(&revocation_key(tenant, grant))
            .text()
            .await
            .map_err(|e| StoreError(e.to_string()))?;
        Ok(value.is_some())
    }
}
