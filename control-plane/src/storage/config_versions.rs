//! The `config_versions` table: every published document and what the edge
//! said to it.

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgConnection, PgExecutor, PgPool};

use super::error::StorageError;
use super::tenants::TenantRow;
use crate::context::{Authorized, Grant, MayWrite};
use portcullis_api::publish::PushStatus;

#[derive(Debug, Clone, FromRow)]
pub struct ConfigVersionRow {
    pub id: i64,
    pub version: i64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
    pub push_status: PushStatus,
    pub push_detail: Option<String>,
    pub pushed_at: Option<DateTime<Utc>>,
    pub published_by: Option<String>,
    pub rollback_of: Option<i64>,
    pub push_attempts: i32,
}

pub struct NewConfigVersion<'a> {
    pub tenant_id: i64,
    pub version: i64,
    pub payload: &'a str,
    pub signature: &'a str,
    pub sha256: &'a str,
    pub published_by: &'a str,
    pub rollback_of: Option<i64>,
}

/// A signed document as stored.
#[derive(Debug, Clone, FromRow)]
pub struct PayloadRow {
    pub payload: String,
    pub signature: String,
}

/// A tenant's newest version, still to be pushed.
#[derive(Debug, Clone, FromRow)]
pub struct DuePush {
    pub id: i64,
    pub tenant: String,
    pub payload: String,
    pub signature: String,
}

const COLUMNS: &str = "id, version, sha256, created_at, push_status, push_detail, pushed_at, \
                       published_by, rollback_of, push_attempts";

/// The number the next publish of this tenant gets. Call with the tenant row
/// locked ([`super::tenants::tenant_lock`]).
pub async fn config_version_next(
    tx: &mut PgConnection,
    tenant: &Authorized<TenantRow, impl MayWrite>,
) -> Result<i64, StorageError> {
    let (next,): (i64,) = sqlx::query_as(
        "SELECT COALESCE(max(version), 0) + 1 FROM config_versions WHERE tenant_id = $1",
    )
    .bind(tenant.id)
    .fetch_one(tx)
    .await?;
    Ok(next)
}

pub async fn config_version_create(
    tx: &mut PgConnection,
    new: &NewConfigVersion<'_>,
) -> Result<ConfigVersionRow, StorageError> {
    Ok(sqlx::query_as(&format!(
        "INSERT INTO config_versions
            (tenant_id, version, payload, signature, sha256, published_by, rollback_of)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {COLUMNS}"
    ))
    .bind(new.tenant_id)
    .bind(new.version)
    .bind(new.payload)
    .bind(new.signature)
    .bind(new.sha256)
    .bind(new.published_by)
    .bind(new.rollback_of)
    .fetch_one(tx)
    .await?)
}

/// Records the edge's answer to a push: `accepted`, `failed` (to retry)
/// or `refused`. Once accepted, a version stays accepted: a second push of
/// it that the edge calls stale changes nothing.
pub async fn config_version_record_push(
    db: &PgPool,
    id: i64,
    status: PushStatus,
    detail: &str,
) -> Result<ConfigVersionRow, StorageError> {
    let updated = sqlx::query_as(&format!(
        "UPDATE config_versions
            SET push_status = $2, push_detail = $3, pushed_at = now(),
                push_attempts = push_attempts + 1
          WHERE id = $1 AND push_status <> 'accepted' RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(status)
    .bind(detail)
    .fetch_optional(db)
    .await?;
    match updated {
        Some(row) => Ok(row),
        None => Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM config_versions WHERE id = $1"
        ))
        .bind(id)
        .fetch_one(db)
        .await?),
    }
}

pub async fn config_version_list(
    db: &PgPool,
    tenant: &Authorized<TenantRow, impl Grant>,
) -> Result<Vec<ConfigVersionRow>, StorageError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM config_versions WHERE tenant_id = $1 ORDER BY version DESC"
    ))
    .bind(tenant.id)
    .fetch_all(db)
    .await?)
}

pub async fn config_version_payload(
    db: impl PgExecutor<'_>,
    tenant: &Authorized<TenantRow, impl Grant>,
    version: i64,
) -> Result<Option<PayloadRow>, StorageError> {
    Ok(sqlx::query_as(
        "SELECT payload, signature FROM config_versions WHERE tenant_id = $1 AND version = $2",
    )
    .bind(tenant.id)
    .bind(version)
    .fetch_optional(db)
    .await?)
}

/// The newest version the edge accepted.
pub async fn config_version_live(
    db: impl PgExecutor<'_>,
    tenant: &Authorized<TenantRow, impl Grant>,
) -> Result<Option<i64>, StorageError> {
    Ok(sqlx::query_scalar(
        "SELECT max(version) FROM config_versions WHERE tenant_id = $1 AND push_status = 'accepted'",
    )
    .bind(tenant.id)
    .fetch_one(db)
    .await?)
}

/// Every tenant's newest version whose push failed fewer than
/// `max_attempts` times, or never finished (pending for over a minute: its
/// publish died); a version being published right now is not one.
pub async fn config_versions_unaccepted(
    db: impl PgExecutor<'_>,
    max_attempts: i32,
) -> Result<Vec<DuePush>, StorageError> {
    Ok(sqlx::query_as(
        "SELECT v.id, t.slug AS tenant, v.payload, v.signature
           FROM config_versions v JOIN tenants t ON t.id = v.tenant_id
          WHERE v.version = (SELECT max(version) FROM config_versions WHERE tenant_id = v.tenant_id)
            AND v.push_attempts < $1
            AND ((v.push_status = 'failed' AND v.pushed_at < now() - interval '1 second')
                 OR (v.push_status = 'pending' AND v.created_at < now() - interval '1 minute'))",
    )
    .bind(max_attempts)
    .fetch_all(db)
    .await?)
}
