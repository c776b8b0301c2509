//! The `config_versions` table: every published document and what the edge
//! said to it.

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgConnection, PgPool};

use super::error::StorageError;

#[derive(Debug, Clone, FromRow)]
pub struct ConfigVersionRow {
    pub id: i64,
    pub version: i64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
    pub push_status: String,
    pub push_detail: Option<String>,
    pub pushed_at: Option<DateTime<Utc>>,
}

pub struct NewConfigVersion<'a> {
    pub tenant_id: i64,
    pub version: i64,
    pub payload: &'a str,
    pub signature: &'a str,
    pub sha256: &'a str,
}

const COLUMNS: &str = "id, version, sha256, created_at, push_status, push_detail, pushed_at";

/// The number the next publish of this tenant gets. Call with the tenant row
/// locked ([`super::tenants::tenant_lock`]).
pub async fn config_version_next(
    tx: &mut PgConnection,
    tenant_id: i64,
) -> Result<i64, StorageError> {
    let (next,): (i64,) = sqlx::query_as(
        "SELECT COALESCE(max(version), 0) + 1 FROM config_versions WHERE tenant_id = $1",
    )
    .bind(tenant_id)
    .fetch_one(tx)
    .await?;
    Ok(next)
}

pub async fn config_version_create(
    tx: &mut PgConnection,
    new: &NewConfigVersion<'_>,
) -> Result<ConfigVersionRow, StorageError> {
    Ok(sqlx::query_as(&format!(
        "INSERT INTO config_versions (tenant_id, version, payload, signature, sha256)
         VALUES ($1, $2, $3, $4, $5) RETURNING {COLUMNS}"
    ))
    .bind(new.tenant_id)
    .bind(new.version)
    .bind(new.payload)
    .bind(new.signature)
    .bind(new.sha256)
    .fetch_one(tx)
    .await?)
}

/// Records the edge's answer to a push.
pub async fn config_version_record_push(
    db: &PgPool,
    id: i64,
    accepted: bool,
    detail: &str,
) -> Result<ConfigVersionRow, StorageError> {
    Ok(sqlx::query_as(&format!(
        "UPDATE config_versions SET push_status = $2, push_detail = $3, pushed_at = now()
          WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(if accepted { "accepted" } else { "failed" })
    .bind(detail)
    .fetch_one(db)
    .await?)
}

pub async fn config_version_list(
    db: &PgPool,
    tenant_id: i64,
) -> Result<Vec<ConfigVersionRow>, StorageError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM config_versions WHERE tenant_id = $1 ORDER BY version DESC"
    ))
    .bind(tenant_id)
    .fetch_all(db)
    .await?)
}
