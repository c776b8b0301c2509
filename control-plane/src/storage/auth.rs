//! The `tenant_auth` table.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;
use sqlx::{FromRow, PgExecutor};

use super::error::StorageError;
use super::tenants::TenantRow;
use crate::context::{Authorized, Grant, MayWrite};

#[derive(Debug, Clone, FromRow)]
pub struct AuthRow {
    /// The tenant's `OAuthConfig`, secrets sealed.
    pub settings: Json<Value>,
    pub updated_at: DateTime<Utc>,
}

pub async fn auth_get(
    db: impl PgExecutor<'_>,
    tenant: &Authorized<TenantRow, impl Grant>,
) -> Result<Option<AuthRow>, StorageError> {
    Ok(
        sqlx::query_as("SELECT settings, updated_at FROM tenant_auth WHERE tenant_id = $1")
            .bind(tenant.id)
            .fetch_optional(db)
            .await?,
    )
}

/// Locks the tenant's row until the transaction ends, serializing writers
/// of its settings (there may be no settings row to lock yet).
pub async fn auth_lock(
    db: impl PgExecutor<'_>,
    tenant: &Authorized<TenantRow, impl MayWrite>,
) -> Result<(), StorageError> {
    sqlx::query("SELECT id FROM tenants WHERE id = $1 FOR UPDATE")
        .bind(tenant.id)
        .fetch_optional(db)
        .await?;
    Ok(())
}

pub async fn auth_put(
    db: impl PgExecutor<'_>,
    tenant: &Authorized<TenantRow, impl MayWrite>,
    settings: &Value,
) -> Result<AuthRow, StorageError> {
    Ok(sqlx::query_as(
        "INSERT INTO tenant_auth (tenant_id, settings) VALUES ($1, $2)
         ON CONFLICT (tenant_id) DO UPDATE SET settings = EXCLUDED.settings, updated_at = now()
         RETURNING settings, updated_at",
    )
    .bind(tenant.id)
    .bind(Json(settings))
    .fetch_one(db)
    .await?)
}

/// Makes the tenant a public server again; `false` if it already was.
pub async fn auth_delete(
    db: impl PgExecutor<'_>,
    tenant: &Authorized<TenantRow, impl MayWrite>,
) -> Result<bool, StorageError> {
    let done = sqlx::query("DELETE FROM tenant_auth WHERE tenant_id = $1")
        .bind(tenant.id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() > 0)
}
