//! The `assertion_keys` table: each tenant's user-assertion keys, newest
//! first (the newest signs).

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgExecutor};

use super::error::StorageError;
use super::tenants::TenantRow;
use crate::context::{Authorized, Grant, MayWrite};

#[derive(Debug, Clone, FromRow)]
pub struct AssertionKeyRow {
    pub kid: String,
    pub public_x: String,
    /// PKCS #8, sealed for the edge.
    pub private_sealed: String,
    pub created_at: DateTime<Utc>,
}

/// The tenant's keys, newest (the signing one) first.
pub async fn assertion_key_list(
    db: impl PgExecutor<'_>,
    tenant: &Authorized<TenantRow, impl Grant>,
) -> Result<Vec<AssertionKeyRow>, StorageError> {
    Ok(sqlx::query_as(
        "SELECT kid, public_x, private_sealed, created_at FROM assertion_keys
         WHERE tenant_id = $1 ORDER BY id DESC",
    )
    .bind(tenant.id)
    .fetch_all(db)
    .await?)
}

pub async fn assertion_key_create(
    db: impl PgExecutor<'_>,
    tenant: &Authorized<TenantRow, impl MayWrite>,
    kid: &str,
    public_x: &str,
    private_sealed: &str,
) -> Result<(), StorageError> {
    sqlx::query(
        "INSERT INTO assertion_keys (tenant_id, kid, public_x, private_sealed)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(tenant.id)
    .bind(kid)
    .bind(public_x)
    .bind(private_sealed)
    .execute(db)
    .await?;
    Ok(())
}

/// Deletes all but the tenant's `keep` newest keys; the kids deleted.
pub async fn assertion_key_keep_newest(
    db: impl PgExecutor<'_>,
    tenant: &Authorized<TenantRow, impl MayWrite>,
    keep: i64,
) -> Result<Vec<String>, StorageError> {
    Ok(sqlx::query_scalar(
        "DELETE FROM assertion_keys WHERE tenant_id = $1 AND id NOT IN (
             SELECT id FROM assertion_keys WHERE tenant_id = $1 ORDER BY id DESC LIMIT $2)
         RETURNING kid",
    )
    .bind(tenant.id)
    .bind(keep)
    .fetch_all(db)
    .await?)
}

/// Replaces a key's sealed private half (a seal-key rotation).
pub async fn assertion_key_reseal(
    db: impl PgExecutor<'_>,
    tenant: &Authorized<TenantRow, impl MayWrite>,
    kid: &str,
    private_sealed: &str,
) -> Result<(), StorageError> {
    sqlx::query("UPDATE assertion_keys SET private_sealed = $3 WHERE tenant_id = $1 AND kid = $2")
        .bind(tenant.id)
        .bind(kid)
        .bind(private_sealed)
        .execute(db)
        .await?;
    Ok(())
}
