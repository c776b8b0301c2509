//! Tenants: create, list, look up.

use portcullis_tenant_config::limits::WINDOW_SECONDS;
use portcullis_tenant_config::memory::MemoryConfig;
use portcullis_tenant_config::names::validate_tenant_slug;
use portcullis_tenant_config::{Branding, RateLimits};

use super::access::audit;
use super::version::Versioned;
use super::{ServiceError, Services, to_audit};
use crate::context::{Actor, RequestContext, Role, grant};
use crate::storage::tenants::{TenantRow, Visible};
use crate::storage::{self, StorageError};
use portcullis_api::May;
use portcullis_api::tenants::{
    Limits, LimitsUpdate, Memory, MemoryUpdate, Tenant, TenantCreate, TenantUpdate,
};

impl Services {
    pub async fn tenant_create(
        &self,
        ctx: &RequestContext,
        input: TenantCreate,
    ) -> Result<Tenant, ServiceError> {
        self.require_operator(ctx)?;
        validate_tenant_slug(&input.slug)
            .map_err(|e| ServiceError::invalid("slug", e.to_string()))?;
        let display_name = input.display_name.unwrap_or_else(|| input.slug.clone());
        let display_name = valid_display_name(&display_name)?;
        let mut tx = self.begin().await?;
        let row = storage::tenants::tenant_create(&mut *tx, &input.slug, display_name)
            .await
            .map_err(|e| match e {
                StorageError::Conflict(_) => {
                    ServiceError::Conflict(format!("tenant {:?} already exists", input.slug))
                }
                e => e.into(),
            })?;
        let tenant_id = row.id;
        // Only operators create tenants: they act as owners.
        let tenant = self.tenant_view(row, 0, None, May::of(Some(Role::Owner)));
        let after = to_audit(&tenant);
        audit(
            &mut tx,
            ctx,
            Some(tenant_id),
            "tenant.create",
            &tenant.slug,
            None,
            Some(&after),
        )
        .await?;
        super::commit(tx).await?;
        Ok(tenant)
    }

    /// The tenants the caller may see: all of them for an operator.
    pub async fn tenant_list(&self, ctx: &RequestContext) -> Result<Vec<Tenant>, ServiceError> {
        let visible = match ctx.actor() {
            _ if ctx.is_operator() => Visible::All,
            Actor::Admin { id, .. } => Visible::MemberOf(*id),
            Actor::ApiToken { tenant_id, .. } => Visible::Only(*tenant_id),
            Actor::System => Visible::All,
        };
        self.tenant_summaries(ctx, None, visible).await
    }

    pub async fn tenant_get(
        &self,
        ctx: &RequestContext,
        slug: &str,
    ) -> Result<Tenant, ServiceError> {
        let row = self.tenant_for::<grant::Read>(ctx, slug).await?;
        self.tenant_summaries(ctx, Some(slug), Visible::Only(row.id))
            .await?
            .pop()
            .ok_or_else(|| tenant_not_found(slug))
    }

    /// The tenants as the caller sees them, with what they may do in each.
    async fn tenant_summaries(
        &self,
        ctx: &RequestContext,
        slug: Option<&str>,
        visible: Visible,
    ) -> Result<Vec<Tenant>, ServiceError> {
        let rows = storage::tenants::tenant_list(&self.db, slug, visible).await?;
        let mut tenants = Vec::with_capacity(rows.len());
        for r in rows {
            let may = May::of(self.role_in(ctx, &r.tenant).await?);
            tenants.push(self.tenant_view(r.tenant, r.tool_count, r.live_version, may));
        }
        Ok(tenants)
    }

    /// Renames the tenant and sets its branding (the consent page's logo
    /// and accent colour; published with the next version).
    pub async fn tenant_update(
        &self,
        ctx: &RequestContext,
        slug: &str,
        input: TenantUpdate,
        if_match: Option<&str>,
    ) -> Result<Tenant, ServiceError> {
        let row = self.tenant_for::<grant::Write>(ctx, slug).await?;
        let display_name = valid_display_name(&input.display_name)?;
        let branding = Branding {
            logo_url: input.logo_url.filter(|u| !u.is_empty()),
            accent_color: input.accent_color.filter(|c| !c.is_empty()),
        };
        branding
            .validate()
            .map_err(|e| ServiceError::invalid("branding", e))?;
        // The counts come from outside the transaction; what is edited is
        // read under the row's lock.
        let Tenant {
            tool_count,
            live_version,
            may,
            ..
        } = self.tenant_get(ctx, slug).await?;
        let mut tx = self.begin().await?;
        let locked = storage::tenants::tenant_lock(&mut tx, slug)
            .await?
            .ok_or_else(|| tenant_not_found(slug))?;
        let before = self.tenant_view(locked, tool_count, live_version, may);
        super::version::check(if_match, &before.etag(), "the tenant's name and branding")?;
        let updated = storage::tenants::tenant_update(
            &mut *tx,
            row.id,
            display_name,
            branding.logo_url.as_deref(),
            branding.accent_color.as_deref(),
        )
        .await?;
        let tenant = self.tenant_view(updated, tool_count, live_version, may);
        audit(
            &mut tx,
            ctx,
            Some(row.id),
            "tenant.update",
            slug,
            Some(&to_audit(&before)),
            Some(&to_audit(&tenant)),
        )
        .await?;
        super::commit(tx).await?;
        Ok(tenant)
    }

    pub async fn tenant_limits(
        &self,
        ctx: &RequestContext,
        slug: &str,
    ) -> Result<Limits, ServiceError> {
        let row = self.tenant_for::<grant::Read>(ctx, slug).await?;
        Ok(limits_view(row.rate_limits.map(|l| l.0)))
    }

    /// Sets the tenant's rate limits (published with the next version);
    /// with `if_match`, only if they are still that version
    /// ([`Limits::etag`]).
    pub async fn tenant_set_limits(
        &self,
        ctx: &RequestContext,
        slug: &str,
        input: LimitsUpdate,
        if_match: Option<&str>,
    ) -> Result<Limits, ServiceError> {
        let row = self.tenant_for::<grant::Write>(ctx, slug).await?;
        if let Some(limits) = &input.limits {
            limits
                .validate()
                .map_err(|e| ServiceError::invalid(e.field, e.to_string()))?;
        }
        let mut tx = self.begin().await?;
        let before =
            limits_view(storage::tenants::tenant_limits_for_update(&mut *tx, row.id).await?);
        super::version::check(if_match, &before.etag(), "the rate limits")?;
        storage::tenants::tenant_set_limits(&mut *tx, row.id, input.limits.as_ref()).await?;
        let after = limits_view(input.limits);
        audit(
            &mut tx,
            ctx,
            Some(row.id),
            "tenant.limits",
            slug,
            Some(&to_audit(&before.limits)),
            Some(&to_audit(&after.limits)),
        )
        .await?;
        super::commit(tx).await?;
        Ok(after)
    }

    pub async fn tenant_memory(
        &self,
        ctx: &RequestContext,
        slug: &str,
    ) -> Result<Memory, ServiceError> {
        let row = self.tenant_for::<grant::Read>(ctx, slug).await?;
        Ok(memory_view(row.memory.as_ref().map(|m| m.0.clone())))
    }

    /// Switches per-user memory on (with its tool names and quotas) or off;
    /// published with the next version. With `if_match`, only if the
    /// setting is still that version.
    pub async fn tenant_set_memory(
        &self,
        ctx: &RequestContext,
        slug: &str,
        input: MemoryUpdate,
        if_match: Option<&str>,
    ) -> Result<Memory, ServiceError> {
        let row = self.tenant_for::<grant::Write>(ctx, slug).await?;
        if let Some(memory) = &input.memory {
            memory
                .validate()
                .map_err(|(field, e)| ServiceError::invalid(field, e))?;
        }
        let mut tx = self.begin().await?;
        let before =
            memory_view(storage::tenants::tenant_memory_for_update(&mut *tx, row.id).await?);
        super::version::check(if_match, &before.etag(), "the memory setting")?;
        if let Some(memory) = &input.memory {
            for name in memory.names() {
                if storage::tools::tool_get(&mut *tx, &row, name)
                    .await?
                    .is_some()
                {
                    let message = format!("{name:?} is already one of the tenant's tools");
                    return Err(ServiceError::invalid("memory.names", message));
                }
            }
        }
        storage::tenants::tenant_set_memory(&mut *tx, row.id, input.memory.as_ref()).await?;
        let after = memory_view(input.memory);
        audit(
            &mut tx,
            ctx,
            Some(row.id),
            "tenant.memory",
            slug,
            Some(&to_audit(&before.memory)),
            Some(&to_audit(&after.memory)),
        )
        .await?;
        super::commit(tx).await?;
        Ok(after)
    }

    fn tenant_view(
        &self,
        row: TenantRow,
        tool_count: i64,
        live_version: Option<i64>,
        may: May,
    ) -> Tenant {
        Tenant {
            mcp_url: self.settings.mcp_url(&row.slug),
            logo_url: row.logo_url,
            accent_color: row.accent_color,
            slug: row.slug,
            display_name: row.display_name,
            created_at: row.created_at,
            tool_count,
            live_version,
            may,
        }
    }
}

fn valid_display_name(name: &str) -> Result<&str, ServiceError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ServiceError::invalid(
            "displayName",
            "must be 1 to 100 characters",
        ));
    }
    Ok(name)
}

pub(super) fn tenant_not_found(slug: &str) -> ServiceError {
    ServiceError::NotFound(format!("tenant {slug:?}"))
}

fn memory_view(memory: Option<MemoryConfig>) -> Memory {
    Memory {
        memory,
        defaults: MemoryConfig::default(),
    }
}

fn limits_view(set: Option<RateLimits>) -> Limits {
    Limits {
        limits: set.unwrap_or_default(),
        custom: set.is_some(),
        defaults: RateLimits::default(),
        window_seconds: WINDOW_SECONDS,
    }
}
