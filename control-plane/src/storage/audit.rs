//! The `audit_log` table: appended to, never changed.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;
use sqlx::{FromRow, PgExecutor};

use super::error::StorageError;
use super::tenants::TenantRow;
use crate::context::{Authorized, Grant};

/// One entry to append.
pub struct NewAuditEntry<'a> {
    pub tenant_id: Option<i64>,
    pub actor: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub before: Option<&'a Value>,
    pub after: Option<&'a Value>,
    pub ip: Option<&'a str>,
}

#[derive(Debug, Clone, FromRow)]
pub struct AuditRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub before: Option<Json<Value>>,
    pub after: Option<Json<Value>>,
    pub ip: Option<String>,
}

pub async fn audit_append(
    db: impl PgExecutor<'_>,
    entry: NewAuditEntry<'_>,
) -> Result<(), StorageError> {
    sqlx::query(
        "INSERT INTO audit_log (tenant_id, actor, action, target, before, after, ip)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(entry.tenant_id)
    .bind(entry.actor)
    .bind(entry.action)
    .bind(entry.target)
    .bind(entry.before.map(Json))
    .bind(entry.after.map(Json))
    .bind(entry.ip)
    .execute(db)
    .await?;
    Ok(())
}

/// What to list: newest first, before `before_id` (the page cursor).
pub struct AuditFilter<'a> {
    pub actor: Option<&'a str>,
    /// A prefix: `tool` matches `tool.create` and `tool.delete`.
    pub action: Option<&'a str>,
    pub before_id: Option<i64>,
    pub limit: i64,
}

pub async fn audit_list(
    db: impl PgExecutor<'_>,
    tenant: &Authorized<TenantRow, impl Grant>,
    filter: AuditFilter<'_>,
) -> Result<Vec<AuditRow>, StorageError> {
    Ok(sqlx::query_as(
        "SELECT id, at, actor, action, target, before, after, ip FROM audit_log
          WHERE tenant_id = $1
            AND ($2::text IS NULL OR actor = $2)
            AND ($3::text IS NULL OR action = $3 OR action LIKE $3 || '.%')
            AND ($4::bigint IS NULL OR id < $4)
          ORDER BY id DESC LIMIT $5",
    )
    .bind(tenant.id)
    .bind(filter.actor)
    .bind(filter.action)
    .bind(filter.before_id)
    .bind(filter.limit)
    .fetch_all(db)
    .await?)
}
