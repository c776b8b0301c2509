//! Where the edge keeps the configs it serves.

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
    async fn save(&self, config: &TenantConfig) -> Result<(), StoreError>;
    /// Whether the tenant's authorization server revoked `grant`.
    async fn is_revoked(&self, tenant: &str, grant: &str) -> Result<bool, StoreError>;
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

    #[derive(Default)]
    pub struct MemoryStore(
        pub RefCell<HashMap<String, TenantConfig>>,
        pub RefCell<Vec<String>>,
    );

    impl ConfigStore for MemoryStore {
        async fn load(&self, tenant: &str) -> Result<Option<Rc<TenantConfig>>, StoreError> {
            Ok(self
                .0
                .borrow()
                .get(&config_key(tenant))
                .cloned()
                .map(Rc::new))
        }
        async fn save(&self, config: &TenantConfig) -> Result<(), StoreError> {
            self.0
                .borrow_mut()
                .insert(config_key(&config.tenant), config.clone());
            Ok(())
        }
        async fn is_revoked(&self, tenant: &str, grant: &str) -> Result<bool, StoreError> {
            Ok(self.1.borrow().contains(&revocation_key(tenant, grant)))
        }
    }
}
