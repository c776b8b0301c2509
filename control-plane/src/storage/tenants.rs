//! The `tenants` table.

use chrono::{DateTime, Utc};
use portcullis_tenant_config::RateLimits;
use portcullis_tenant_config::memory::MemoryConfig;
use sqlx::types::Json;
use sqlx::{FromRow, PgConnection, PgExecutor, PgPool};

use super::error::{StorageError, classify};

#[derive(Debug, Clone, FromRow)]
pub struct TenantRow {
    pub id: i64,
    pub slug: String,
    pub display_name: String,
    pub logo_url: Option<String>,
    pub accent_color: Option<String>,
    /// Set by an admin; `None`: the defaults.
    pub rate_limits: Option<Json<RateLimits>>,
    /// Per-user memory; `None`: switched off.
    pub memory: Option<Json<MemoryConfig>>,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str =
    "id, slug, display_name, logo_url, accent_color, rate_limits, memory, created_at";

/// A tenant with the figures the tenant list shows.
#[derive(Debug, Clone, FromRow)]
pub struct TenantSummaryRow {
    #[sqlx(flatten)]
    pub tenant: TenantRow,
    pub tool_count: i64,
    pub live_version: Option<i64>,
}

pub async fn tenant_create(
    db: impl PgExecutor<'_>,
    slug: &str,
    display_name: &str,
) -> Result<TenantRow, StorageError> {
    sqlx::query_as(&format!(
        "INSERT INTO tenants (slug, display_name) VALUES ($1, $2) RETURNING {COLUMNS}"
    ))
    .bind(slug)
    .bind(display_name)
    .fetch_one(db)
    .await
    .map_err(classify)
}

/// Which tenants a listing covers.
#[derive(Debug, Clone, Copy)]
pub enum Visible {
    All,
    /// Those the admin is a member of.
    MemberOf(i64),
    Only(i64),
}

/// The `visible` tenants, or only the one with `slug` among them.
pub async fn tenant_list(
    db: &PgPool,
    slug: Option<&str>,
    visible: Visible,
) -> Result<Vec<TenantSummaryRow>, StorageError> {
    let (member, only) = match visible {
        Visible::All => (None, None),
        Visible::MemberOf(admin) => (Some(admin), None),
        Visible::Only(tenant) => (None, Some(tenant)),
    };
    Ok(sqlx::query_as(
        "SELECT t.id, t.slug, t.display_name, t.logo_url, t.accent_color, t.rate_limits,
                t.memory, t.created_at,
                (SELECT count(*) FROM tools WHERE tenant_id = t.id) AS tool_count,
                (SELECT max(version) FROM config_versions
                  WHERE tenant_id = t.id AND push_status = 'accepted') AS live_version
           FROM tenants t
          WHERE ($1::text IS NULL OR t.slug = $1)
            AND ($2::bigint IS NULL OR EXISTS
                  (SELECT 1 FROM memberships m WHERE m.tenant_id = t.id AND m.admin_id = $2))
            AND ($3::bigint IS NULL OR t.id = $3)
          ORDER BY t.slug",
    )
    .bind(slug)
    .bind(member)
    .bind(only)
    .fetch_all(db)
    .await?)
}

pub async fn tenant_fetch(db: &PgPool, slug: &str) -> Result<Option<TenantRow>, StorageError> {
    Ok(
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM tenants WHERE slug = $1"))
            .bind(slug)
            .fetch_optional(db)
            .await?,
    )
}

/// Locks the tenant's row for the rest of the transaction, so publishes of
/// one tenant take their version numbers one at a time.
pub async fn tenant_lock(
    tx: &mut PgConnection,
    slug: &str,
) -> Result<Option<TenantRow>, StorageError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM tenants WHERE slug = $1 FOR UPDATE"
    ))
    .bind(slug)
    .fetch_optional(tx)
    .await?)
}

/// Sets what admins and the tenant's users see of it.
pub async fn tenant_update(
    db: impl PgExecutor<'_>,
    id: i64,
    display_name: &str,
    logo_url: Option<&str>,
    accent_color: Option<&str>,
) -> Result<TenantRow, StorageError> {
    Ok(sqlx::query_as(&format!(
        "UPDATE tenants SET display_name = $2, logo_url = $3, accent_color = $4
          WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(display_name)
    .bind(logo_url)
    .bind(accent_color)
    .fetch_one(db)
    .await?)
}

/// Sets the tenant's rate limits (`None`: back to the defaults).
/// The tenant's stored rate limits, its row locked until the transaction
/// ends (one writer of them at a time).
pub async fn tenant_limits_for_update(
    db: impl PgExecutor<'_>,
    id: i64,
) -> Result<Option<RateLimits>, StorageError> {
    let row: Option<(Option<Json<RateLimits>>,)> =
        sqlx::query_as("SELECT rate_limits FROM tenants WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(db)
            .await?;
    Ok(row.and_then(|(limits,)| limits.map(|l| l.0)))
}

pub async fn tenant_set_limits(
    db: impl PgExecutor<'_>,
    id: i64,
    limits: Option<&RateLimits>,
) -> Result<(), StorageError> {
    sqlx::query("UPDATE tenants SET rate_limits = $2 WHERE id = $1")
        .bind(id)
        .bind(limits.map(Json))
        .execute(db)
        .await?;
    Ok(())
}

/// The tenant's memory setting, its row locked until the transaction ends.
pub async fn tenant_memory_for_update(
    db: impl PgExecutor<'_>,
    id: i64,
) -> Result<Option<MemoryConfig>, StorageError> {
    let row: Option<(Option<Json<MemoryConfig>>,)> =
        sqlx::query_as("SELECT memory FROM tenants WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(db)
            .await?;
    Ok(row.and_then(|(memory,)| memory.map(|m| m.0)))
}

/// Sets the tenant's memory setting (`None`: switched off).
pub async fn tenant_set_memory(
    db: impl PgExecutor<'_>,
    id: i64,
    memory: Option<&MemoryConfig>,
) -> Result<(), StorageError> {
    sqlx::query("UPDATE tenants SET memory = $2 WHERE id = $1")
        .bind(id)
        .bind(memory.map(Json))
        .execute(db)
        .await?;
    Ok(())
}
