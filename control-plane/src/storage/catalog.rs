//! The `prompts`, `resources` and `resource_templates` tables: one shape,
//! a key and a JSON definition, so one set of queries serves all three.

use serde_json::Value;
use sqlx::types::Json;
use sqlx::{FromRow, PgExecutor};

use super::error::{StorageError, classify};
use super::tenants::TenantRow;
use crate::context::{Authorized, Grant, MayWrite};

/// Which catalog table; the table and column names are fixed here, never
/// taken from input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatalogKind {
    Prompt,
    Resource,
    ResourceTemplate,
}

impl CatalogKind {
    /// How the kind is named in the audit log.
    pub fn label(self) -> &'static str {
        match self {
            Self::Prompt => "prompt",
            Self::Resource => "resource",
            Self::ResourceTemplate => "resource_template",
        }
    }

    fn table_and_key(self) -> (&'static str, &'static str) {
        match self {
            Self::Prompt => ("prompts", "name"),
            Self::Resource => ("resources", "uri"),
            Self::ResourceTemplate => ("resource_templates", "uri_template"),
        }
    }
}

#[derive(Debug, Clone, FromRow)]
pub struct CatalogRow {
    pub definition: Json<Value>,
}

pub async fn catalog_create(
    db: impl PgExecutor<'_>,
    kind: CatalogKind,
    tenant: &Authorized<TenantRow, impl MayWrite>,
    key: &str,
    definition: &Value,
) -> Result<CatalogRow, StorageError> {
    let (table, key_column) = kind.table_and_key();
    sqlx::query_as(&format!(
        "INSERT INTO {table} (tenant_id, {key_column}, definition) VALUES ($1, $2, $3) RETURNING definition"
    ))
    .bind(tenant.id)
    .bind(key)
    .bind(Json(definition))
    .fetch_one(db)
    .await
    .map_err(classify)
}

pub async fn catalog_list(
    db: impl PgExecutor<'_>,
    kind: CatalogKind,
    tenant: &Authorized<TenantRow, impl Grant>,
) -> Result<Vec<CatalogRow>, StorageError> {
    let (table, key_column) = kind.table_and_key();
    Ok(sqlx::query_as(&format!(
        "SELECT definition FROM {table} WHERE tenant_id = $1 ORDER BY {key_column}"
    ))
    .bind(tenant.id)
    .fetch_all(db)
    .await?)
}

/// Deletes one entry; `false` when there was none with that key.
pub async fn catalog_delete(
    db: impl PgExecutor<'_>,
    kind: CatalogKind,
    tenant: &Authorized<TenantRow, impl MayWrite>,
    key: &str,
) -> Result<Option<Value>, StorageError> {
    let (table, key_column) = kind.table_and_key();
    let deleted: Option<Json<Value>> = sqlx::query_scalar(&format!(
        "DELETE FROM {table} WHERE tenant_id = $1 AND {key_column} = $2 RETURNING definition"
    ))
    .bind(tenant.id)
    .bind(key)
    .fetch_optional(db)
    .await?;
    Ok(deleted.map(|d| d.0))
}
