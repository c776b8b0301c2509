//! Prompts, resources and resource templates: documents validated by the
//! shared config crate's own rules and stored as the edge will serve them.

use portcullis_tenant_config::catalog::{validate_prompt, validate_resource, validate_template};
use portcullis_tenant_config::{PromptConfig, ResourceConfig, ResourceTemplateConfig};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::access::audit;
use super::{ServiceError, Services};
use crate::context::{Authorized, Grant, RequestContext, grant};
use crate::storage::StorageError;
use crate::storage::catalog::{self, CatalogKind};
use crate::storage::tenants::TenantRow;

/// What the service needs to know about one kind of catalog entry.
pub trait CatalogItem: Serialize + DeserializeOwned {
    const KIND: CatalogKind;
    /// How errors name it: "prompt", "resource", "resource template".
    const LABEL: &'static str;
    /// The request field holding the key.
    const KEY_FIELD: &'static str;
    fn key(&self) -> &str;
    fn validate(&self) -> Result<(), String>;
}

impl CatalogItem for PromptConfig {
    const KIND: CatalogKind = CatalogKind::Prompt;
    const LABEL: &'static str = "prompt";
    const KEY_FIELD: &'static str = "name";
    fn key(&self) -> &str {
        &self.name
    }
    fn validate(&self) -> Result<(), String> {
        validate_prompt(self)
    }
}

impl CatalogItem for ResourceConfig {
    const KIND: CatalogKind = CatalogKind::Resource;
    const LABEL: &'static str = "resource";
    const KEY_FIELD: &'static str = "uri";
    fn key(&self) -> &str {
        &self.uri
    }
    fn validate(&self) -> Result<(), String> {
        validate_resource(self)
    }
}

impl CatalogItem for ResourceTemplateConfig {
    const KIND: CatalogKind = CatalogKind::ResourceTemplate;
    const LABEL: &'static str = "resource template";
    const KEY_FIELD: &'static str = "uriTemplate";
    fn key(&self) -> &str {
        &self.uri_template
    }
    fn validate(&self) -> Result<(), String> {
        validate_template(self)
    }
}

impl Services {
    pub async fn catalog_create<T: CatalogItem>(
        &self,
        ctx: &RequestContext,
        tenant: &str,
        item: T,
    ) -> Result<T, ServiceError> {
        let tenant_row = self.tenant_for::<grant::Write>(ctx, tenant).await?;
        item.validate()
            .map_err(|m| ServiceError::invalid(T::KEY_FIELD, m))?;
        let definition =
            serde_json::to_value(&item).map_err(|e| ServiceError::Internal(e.to_string()))?;
        let mut tx = self.begin().await?;
        catalog::catalog_create(&mut *tx, T::KIND, &tenant_row, item.key(), &definition)
            .await
            .map_err(|e| match e {
                StorageError::Conflict(_) => ServiceError::Conflict(format!(
                    "tenant {tenant:?} already has a {} {:?}",
                    T::LABEL,
                    item.key()
                )),
                e => e.into(),
            })?;
        let action = format!("{}.create", T::KIND.label());
        audit(
            &mut tx,
            ctx,
            Some(tenant_row.id),
            &action,
            item.key(),
            None,
            Some(&definition),
        )
        .await?;
        super::commit(tx).await?;
        Ok(item)
    }

    pub async fn catalog_list<T: CatalogItem>(
        &self,
        ctx: &RequestContext,
        tenant: &str,
    ) -> Result<Vec<T>, ServiceError> {
        let tenant_row = self.tenant_for::<grant::Read>(ctx, tenant).await?;
        self.catalog_load(&self.db, &tenant_row).await
    }

    pub async fn catalog_delete<T: CatalogItem>(
        &self,
        ctx: &RequestContext,
        tenant: &str,
        key: &str,
    ) -> Result<(), ServiceError> {
        let tenant_row = self.tenant_for::<grant::Write>(ctx, tenant).await?;
        let mut tx = self.begin().await?;
        let Some(before) = catalog::catalog_delete(&mut *tx, T::KIND, &tenant_row, key).await?
        else {
            return Err(ServiceError::NotFound(format!(
                "{} {key:?} of tenant {tenant:?}",
                T::LABEL
            )));
        };
        let action = format!("{}.delete", T::KIND.label());
        audit(
            &mut tx,
            ctx,
            Some(tenant_row.id),
            &action,
            key,
            Some(&before),
            None,
        )
        .await?;
        super::commit(tx).await?;
        Ok(())
    }

    /// Every stored entry of one kind, parsed back into its type.
    pub(super) async fn catalog_load<T: CatalogItem>(
        &self,
        db: impl sqlx::PgExecutor<'_>,
        tenant: &Authorized<TenantRow, impl Grant>,
    ) -> Result<Vec<T>, ServiceError> {
        catalog::catalog_list(db, T::KIND, tenant)
            .await?
            .into_iter()
            .map(|row| {
                serde_json::from_value(row.definition.0).map_err(|e| {
                    ServiceError::Internal(format!("stored {} does not parse: {e}", T::LABEL))
                })
            })
            .collect()
    }
}
