//! Authorization: which tenant an actor may touch, and how. Every
//! tenant-scoped service method gets its tenant row from
//! [`Services::tenant_for`], so none can skip the check. A caller who may
//! not even see the tenant gets the same 404 as for a tenant that does not
//! exist (nothing about other tenants leaks); one who may see it but not do
//! this gets 403.

use serde_json::Value;
use sqlx::PgConnection;

use super::tenants::tenant_not_found;
use super::{ServiceError, Services};
use crate::context::{Actor, Authorized, Grant, Refusal, RequestContext, Role, authorize};
use crate::storage::audit::NewAuditEntry;
use crate::storage::tenants::TenantRow;
use crate::storage::{self};

impl Services {
    /// The tenant `slug`, if the caller may do what `P` covers: the proof
    /// storage asks for before it touches the tenant's rows.
    pub(super) async fn tenant_for<P: Grant>(
        &self,
        ctx: &RequestContext,
        slug: &str,
    ) -> Result<Authorized<TenantRow, P>, ServiceError> {
        let tenant = storage::tenants::tenant_fetch(&self.db, slug)
            .await?
            .ok_or_else(|| tenant_not_found(slug))?;
        self.authorized(ctx, tenant).await
    }

    /// [`Self::tenant_for`], the tenant's row locked in `tx` until it ends.
    pub(super) async fn tenant_locked<P: Grant>(
        &self,
        tx: &mut PgConnection,
        ctx: &RequestContext,
        slug: &str,
    ) -> Result<Authorized<TenantRow, P>, ServiceError> {
        let tenant = storage::tenants::tenant_lock(tx, slug)
            .await?
            .ok_or_else(|| tenant_not_found(slug))?;
        self.authorized(ctx, tenant).await
    }

    /// The proof that the caller may do what `P` covers on `tenant`.
    async fn authorized<P: Grant>(
        &self,
        ctx: &RequestContext,
        tenant: TenantRow,
    ) -> Result<Authorized<TenantRow, P>, ServiceError> {
        let slug = tenant.slug.clone();
        let role = self.role_in(ctx, &tenant).await?;
        authorize(tenant, role).map_err(|refusal| match refusal {
            Refusal::Hidden => tenant_not_found(&slug),
            Refusal::Below { needed, have } => ServiceError::Forbidden(format!(
                "this needs the {} role in tenant {slug:?}; you have {}",
                needed.as_str(),
                have.as_str()
            )),
        })
    }

    /// The actor's role in `tenant`: operators act as owners everywhere.
    pub(super) async fn role_in(
        &self,
        ctx: &RequestContext,
        tenant: &TenantRow,
    ) -> Result<Option<Role>, ServiceError> {
        if ctx.is_operator() {
            return Ok(Some(Role::Owner));
        }
        Ok(match ctx.actor() {
            Actor::ApiToken {
                tenant_id, role, ..
            } => (*tenant_id == tenant.id).then_some(*role),
            Actor::Admin { id, .. } => storage::admins::membership_role(&self.db, tenant.id, *id)
                .await?
                .as_deref()
                .and_then(Role::parse),
            Actor::System => Some(Role::Owner),
        })
    }

    /// Platform-wide actions (creating tenants) are the operator's.
    pub(super) fn require_operator(&self, ctx: &RequestContext) -> Result<(), ServiceError> {
        if ctx.is_operator() {
            Ok(())
        } else {
            Err(ServiceError::Forbidden(
                "only a platform operator may do this".into(),
            ))
        }
    }
}

/// Appends to the audit log in `tx`, the transaction that makes the
/// change it records: a change that cannot be audited is not made, and
/// an entry never stands for a change that was not.
pub(super) async fn audit(
    tx: &mut PgConnection,
    ctx: &RequestContext,
    tenant_id: Option<i64>,
    action: &str,
    target: &str,
    before: Option<&Value>,
    after: Option<&Value>,
) -> Result<(), ServiceError> {
    let actor = ctx.actor_label();
    storage::audit::audit_append(
        tx,
        NewAuditEntry {
            tenant_id,
            actor: &actor,
            action,
            target,
            before,
            after,
            ip: ctx.ip(),
        },
    )
    .await?;
    tracing::info!(request_id = %ctx.request_id(), %actor, action, target, "audited");
    Ok(())
}
