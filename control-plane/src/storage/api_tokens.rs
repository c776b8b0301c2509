//! The `api_tokens` table.

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgExecutor};

use super::error::{StorageError, classify};
use super::tenants::TenantRow;
use crate::context::{Authorized, grant};

#[derive(Debug, Clone, FromRow)]
pub struct ApiTokenRow {
    pub id: i64,
    pub tenant_id: i64,
    pub name: String,
    pub role: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, tenant_id, name, role, created_at, last_used_at, revoked_at";

pub async fn api_token_create(
    db: impl PgExecutor<'_>,
    tenant: &Authorized<TenantRow, grant::Manage>,
    name: &str,
    role: &str,
    token_hash: &[u8],
    created_by: Option<i64>,
) -> Result<ApiTokenRow, StorageError> {
    sqlx::query_as(&format!(
        "INSERT INTO api_tokens (tenant_id, name, role, token_hash, created_by)
         VALUES ($1, $2, $3, $4, $5) RETURNING {COLUMNS}"
    ))
    .bind(tenant.id)
    .bind(name)
    .bind(role)
    .bind(token_hash)
    .bind(created_by)
    .fetch_one(db)
    .await
    .map_err(classify)
}

pub async fn api_token_list(
    db: impl PgExecutor<'_>,
    tenant: &Authorized<TenantRow, grant::Manage>,
) -> Result<Vec<ApiTokenRow>, StorageError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM api_tokens WHERE tenant_id = $1 ORDER BY id"
    ))
    .bind(tenant.id)
    .fetch_all(db)
    .await?)
}

/// The live token with this hash, marking it used now.
pub async fn api_token_use(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
) -> Result<Option<ApiTokenRow>, StorageError> {
    Ok(sqlx::query_as(&format!(
        "UPDATE api_tokens SET last_used_at = now()
          WHERE token_hash = $1 AND revoked_at IS NULL RETURNING {COLUMNS}"
    ))
    .bind(token_hash)
    .fetch_optional(db)
    .await?)
}

/// Revokes the tenant's token `id`; `None` if it has no such token.
pub async fn api_token_revoke(
    db: impl PgExecutor<'_>,
    tenant: &Authorized<TenantRow, grant::Manage>,
    id: i64,
) -> Result<Option<ApiTokenRow>, StorageError> {
    Ok(sqlx::query_as(&format!(
        "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, now())
          WHERE tenant_id = $1 AND id = $2 RETURNING {COLUMNS}"
    ))
    .bind(tenant.id)
    .bind(id)
    .fetch_optional(db)
    .await?)
}
