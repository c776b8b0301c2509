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
use crate::context::{Actor, Permission, RequestContext, Role};
use crate::storage::audit::NewAuditEntry;
use crate::storage::tenants::TenantRow;
use crate::storage::{self};

impl Services {
    /// The tenant `slug`, if the caller may do what `permission` covers.
    pub(super) async fn tenant_for(
        &self,
        ctx: &RequestContext,
        slug: &str,
        permission: Permission,
    ) -> Result<TenantRow, ServiceError> {
        let tenant = storage::tenants::tenant_fetch(&self.db, slug)
            .await?
            .ok_or_else(|| tenant_not_found(slug))?;
        match self.role_in(ctx, &tenant).await? {
            None => Err(tenant_not_found(slug)),
            Some(role) if role < permission.least_role() => Err(ServiceError::Forbidden(format!(
                "this needs the {} role in tenant {slug:?}; you have {}",
                permission.least_role().as_str(),
                role.as_str()
            ))),
            Some(_) => Ok(tenant),
        }
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
        Ok(match &ctx.actor {
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
            ip: ctx.ip.as_deref(),
        },
    )
    .await?;
    tracing::info!(request_id = %ctx.request_id, %actor, action, target, "audited");
    Ok(())
}
