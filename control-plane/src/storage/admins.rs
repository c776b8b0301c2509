//! The `admins`, `memberships` and `sign_in_links` tables.

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgExecutor};

use super::error::{StorageError, classify};
use super::tenants::TenantRow;
use crate::context::{Authorized, Grant, grant};

#[derive(Debug, Clone, FromRow)]
pub struct AdminRow {
    pub id: i64,
    pub email: String,
    pub is_operator: bool,
    pub created_at: DateTime<Utc>,
    pub signed_in_at: Option<DateTime<Utc>>,
}

const ADMIN_COLUMNS: &str = "id, email, is_operator, created_at, signed_in_at";

/// The admin with `email`, created if there is none; an operator stays one.
pub async fn admin_upsert(
    db: impl PgExecutor<'_>,
    email: &str,
    operator: bool,
) -> Result<AdminRow, StorageError> {
    sqlx::query_as(&format!(
        "INSERT INTO admins (email, is_operator) VALUES ($1, $2)
         ON CONFLICT (email) DO UPDATE SET is_operator = admins.is_operator OR EXCLUDED.is_operator
         RETURNING {ADMIN_COLUMNS}"
    ))
    .bind(email)
    .bind(operator)
    .fetch_one(db)
    .await
    .map_err(classify)
}

pub async fn admin_fetch(
    db: impl PgExecutor<'_>,
    id: i64,
) -> Result<Option<AdminRow>, StorageError> {
    Ok(
        sqlx::query_as(&format!("SELECT {ADMIN_COLUMNS} FROM admins WHERE id = $1"))
            .bind(id)
            .fetch_optional(db)
            .await?,
    )
}

pub async fn admin_by_email(
    db: impl PgExecutor<'_>,
    email: &str,
) -> Result<Option<AdminRow>, StorageError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {ADMIN_COLUMNS} FROM admins WHERE email = $1"
    ))
    .bind(email)
    .fetch_optional(db)
    .await?)
}

/// Records a sign-in, binding the OpenID subject the first time.
pub async fn admin_signed_in(
    db: impl PgExecutor<'_>,
    id: i64,
    oidc_subject: Option<&str>,
) -> Result<(), StorageError> {
    sqlx::query(
        "UPDATE admins SET signed_in_at = now(), oidc_subject = COALESCE(oidc_subject, $2)
          WHERE id = $1",
    )
    .bind(id)
    .bind(oidc_subject)
    .execute(db)
    .await
    .map_err(classify)?;
    Ok(())
}

/// The admin's OpenID subject, once bound.
pub async fn admin_subject(
    db: impl PgExecutor<'_>,
    id: i64,
) -> Result<Option<String>, StorageError> {
    Ok(
        sqlx::query_scalar("SELECT oidc_subject FROM admins WHERE id = $1")
            .bind(id)
            .fetch_optional(db)
            .await?
            .flatten(),
    )
}

#[derive(Debug, Clone, FromRow)]
pub struct MemberRow {
    pub email: String,
    pub role: String,
    pub created_at: DateTime<Utc>,
    pub signed_in_at: Option<DateTime<Utc>>,
}

/// The admin's role in the tenant, if they have one.
pub async fn membership_role(
    db: impl PgExecutor<'_>,
    tenant_id: i64,
    admin_id: i64,
) -> Result<Option<String>, StorageError> {
    Ok(
        sqlx::query_scalar("SELECT role FROM memberships WHERE tenant_id = $1 AND admin_id = $2")
            .bind(tenant_id)
            .bind(admin_id)
            .fetch_optional(db)
            .await?,
    )
}

/// [`membership_role`], locking the membership until the transaction
/// ends, so changes made on one version of it are made one at a time.
pub async fn membership_role_for_update(
    db: impl PgExecutor<'_>,
    tenant: &Authorized<TenantRow, grant::Manage>,
    admin_id: i64,
) -> Result<Option<String>, StorageError> {
    Ok(sqlx::query_scalar(
        "SELECT role FROM memberships WHERE tenant_id = $1 AND admin_id = $2 FOR UPDATE",
    )
    .bind(tenant.id)
    .bind(admin_id)
    .fetch_optional(db)
    .await?)
}

pub async fn member_list(
    db: impl PgExecutor<'_>,
    tenant: &Authorized<TenantRow, impl Grant>,
) -> Result<Vec<MemberRow>, StorageError> {
    Ok(sqlx::query_as(
        "SELECT a.email, m.role, m.created_at, a.signed_in_at
           FROM memberships m JOIN admins a ON a.id = m.admin_id
          WHERE m.tenant_id = $1 ORDER BY a.email",
    )
    .bind(tenant.id)
    .fetch_all(db)
    .await?)
}

/// Gives the admin `role` in the tenant (replacing any other).
pub async fn member_put(
    db: impl PgExecutor<'_>,
    tenant: &Authorized<TenantRow, grant::Manage>,
    admin_id: i64,
    role: &str,
) -> Result<(), StorageError> {
    sqlx::query(
        "INSERT INTO memberships (tenant_id, admin_id, role) VALUES ($1, $2, $3)
         ON CONFLICT (tenant_id, admin_id) DO UPDATE SET role = EXCLUDED.role",
    )
    .bind(tenant.id)
    .bind(admin_id)
    .bind(role)
    .execute(db)
    .await?;
    Ok(())
}

/// `false` when the admin was not a member.
pub async fn member_delete(
    db: impl PgExecutor<'_>,
    tenant: &Authorized<TenantRow, grant::Manage>,
    admin_id: i64,
) -> Result<bool, StorageError> {
    let done = sqlx::query("DELETE FROM memberships WHERE tenant_id = $1 AND admin_id = $2")
        .bind(tenant.id)
        .bind(admin_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn owner_count(
    db: impl PgExecutor<'_>,
    tenant: &Authorized<TenantRow, grant::Manage>,
) -> Result<i64, StorageError> {
    Ok(sqlx::query_scalar(
        "SELECT count(*) FROM memberships WHERE tenant_id = $1 AND role = 'owner'",
    )
    .bind(tenant.id)
    .fetch_one(db)
    .await?)
}

pub async fn sign_in_link_create(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
    admin_id: i64,
    expires_at: DateTime<Utc>,
) -> Result<(), StorageError> {
    sqlx::query("INSERT INTO sign_in_links (token_hash, admin_id, expires_at) VALUES ($1, $2, $3)")
        .bind(token_hash)
        .bind(admin_id)
        .bind(expires_at)
        .execute(db)
        .await
        .map_err(classify)?;
    Ok(())
}

/// Spends the link: the admin it signs in, if it was unused and unexpired.
pub async fn sign_in_link_use(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
) -> Result<Option<i64>, StorageError> {
    Ok(sqlx::query_scalar(
        "UPDATE sign_in_links SET used_at = now()
          WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()
          RETURNING admin_id",
    )
    .bind(token_hash)
    .fetch_optional(db)
    .await?)
}
