//! The `usage_rollups` and `usage_active_users` tables.

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgExecutor};

use super::error::StorageError;
use super::tenants::TenantRow;
use crate::context::{Authorized, Grant};

/// Records a signed report's batch id, forgetting those older than
/// `forget_before`; `false` when the id was recorded already (a replay).
pub async fn batch_first_seen(
    db: &mut sqlx::PgConnection,
    id: &str,
    forget_before: DateTime<Utc>,
) -> Result<bool, StorageError> {
    sqlx::query("DELETE FROM usage_batches WHERE received_at < $1")
        .bind(forget_before)
        .execute(&mut *db)
        .await?;
    let done = sqlx::query("INSERT INTO usage_batches (id) VALUES ($1) ON CONFLICT DO NOTHING")
        .bind(id)
        .execute(&mut *db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// One event's contribution to a rollup.
pub struct UsageIncrement<'a> {
    pub tenant: &'a str,
    pub minute: DateTime<Utc>,
    pub kind: &'a str,
    pub tool: &'a str,
    pub outcome: &'a str,
    pub latency_ms: i32,
}

/// Adds one event; `false` when its tenant does not exist (dropped).
pub async fn usage_add(
    db: impl PgExecutor<'_>,
    event: &UsageIncrement<'_>,
) -> Result<bool, StorageError> {
    let done = sqlx::query(
        "INSERT INTO usage_rollups
             (tenant_id, bucket, kind, tool, outcome, count, latency_ms_sum, latency_ms_max)
         SELECT id, $2, $3, $4, $5, 1, $6, $6 FROM tenants WHERE slug = $1
         ON CONFLICT (tenant_id, bucket, kind, tool, outcome) DO UPDATE SET
             count = usage_rollups.count + 1,
             latency_ms_sum = usage_rollups.latency_ms_sum + EXCLUDED.latency_ms_sum,
             latency_ms_max = GREATEST(usage_rollups.latency_ms_max, EXCLUDED.latency_ms_max)",
    )
    .bind(event.tenant)
    .bind(event.minute)
    .bind(event.kind)
    .bind(event.tool)
    .bind(event.outcome)
    .bind(event.latency_ms)
    .execute(db)
    .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn active_user_add(
    db: impl PgExecutor<'_>,
    tenant: &str,
    minute: DateTime<Utc>,
    user_hash: &str,
) -> Result<(), StorageError> {
    sqlx::query(
        "INSERT INTO usage_active_users (tenant_id, bucket, user_hash)
         SELECT id, $2, $3 FROM tenants WHERE slug = $1 ON CONFLICT DO NOTHING",
    )
    .bind(tenant)
    .bind(minute)
    .bind(user_hash)
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub struct UsageRow {
    pub bucket: DateTime<Utc>,
    pub kind: String,
    pub tool: String,
    pub outcome: String,
    pub count: i64,
    pub latency_ms_sum: i64,
    pub latency_ms_max: i32,
}

/// Rollups of the tenant since `since`, re-bucketed by `width` (an
/// interval Postgres understands: `minute`, `hour`, `day`).
pub async fn usage_list(
    db: impl PgExecutor<'_>,
    tenant: &Authorized<TenantRow, impl Grant>,
    since: DateTime<Utc>,
    width: &str,
) -> Result<Vec<UsageRow>, StorageError> {
    Ok(sqlx::query_as(
        "SELECT date_trunc($3, bucket) AS bucket, kind, tool, outcome,
                sum(count)::bigint AS count, sum(latency_ms_sum)::bigint AS latency_ms_sum,
                max(latency_ms_max) AS latency_ms_max
           FROM usage_rollups WHERE tenant_id = $1 AND bucket >= $2
          GROUP BY 1, kind, tool, outcome ORDER BY 1, kind, tool, outcome",
    )
    .bind(tenant.id)
    .bind(since)
    .bind(width)
    .fetch_all(db)
    .await?)
}

#[derive(Debug, Clone, FromRow)]
pub struct ActiveUsersRow {
    pub bucket: DateTime<Utc>,
    pub users: i64,
}

pub async fn active_users_list(
    db: impl PgExecutor<'_>,
    tenant: &Authorized<TenantRow, impl Grant>,
    since: DateTime<Utc>,
    width: &str,
) -> Result<Vec<ActiveUsersRow>, StorageError> {
    Ok(sqlx::query_as(
        "SELECT date_trunc($3, bucket) AS bucket, count(DISTINCT user_hash)::bigint AS users
           FROM usage_active_users WHERE tenant_id = $1 AND bucket >= $2
          GROUP BY 1 ORDER BY 1",
    )
    .bind(tenant.id)
    .bind(since)
    .bind(width)
    .fetch_all(db)
    .await?)
}

/// Counts one HTTP tool call's backend `status` (the tenant exists: its
/// call was just kept).
pub async fn backend_add(
    db: impl PgExecutor<'_>,
    event: &UsageIncrement<'_>,
    status: &str,
) -> Result<(), StorageError> {
    sqlx::query(
        "INSERT INTO usage_backend (tenant_id, bucket, tool, status, count)
         SELECT id, $2, $3, $4, 1 FROM tenants WHERE slug = $1
         ON CONFLICT (tenant_id, bucket, tool, status) DO UPDATE SET
             count = usage_backend.count + 1",
    )
    .bind(event.tenant)
    .bind(event.minute)
    .bind(event.tool)
    .bind(status)
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, FromRow)]
pub struct BackendRow {
    pub tool: String,
    pub status: String,
    pub count: i64,
}

/// Backend statuses of the tenant's HTTP tools since `since`, per tool.
pub async fn backend_list(
    db: impl PgExecutor<'_>,
    tenant: &Authorized<TenantRow, impl Grant>,
    since: DateTime<Utc>,
) -> Result<Vec<BackendRow>, StorageError> {
    Ok(sqlx::query_as(
        "SELECT tool, status, sum(count)::bigint AS count FROM usage_backend
          WHERE tenant_id = $1 AND bucket >= $2 GROUP BY tool, status ORDER BY tool, status",
    )
    .bind(tenant.id)
    .bind(since)
    .fetch_all(db)
    .await?)
}
