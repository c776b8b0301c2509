//! The publish pipeline: load → compile → sign → record → push → record the
//! edge's answer.
//!
//! The version row is committed before the push, so a crash or an
//! unreachable edge never loses a version number or reuses one; the push
//! outcome is recorded on that row whatever happens.

use chrono::{DateTime, Utc};
use portcullis_tenant_config::SignedConfig;
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::compile::{Catalog, TenantParts, compile_tenant_config};
use super::{ServiceError, Services, to_audit};
use crate::context::{Permission, RequestContext};
use crate::storage::config_versions::{ConfigVersionRow, NewConfigVersion};
use crate::storage::{self, config_versions as versions};

/// One published version and what the edge made of it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Deployment {
    pub version: i64,
    /// SHA-256 of the signed document, hex.
    pub sha256: String,
    /// `pending`, `accepted` or `failed`.
    pub status: String,
    /// The edge's answer, or why it could not be reached.
    pub detail: Option<String>,
    pub created_at: DateTime<Utc>,
    pub pushed_at: Option<DateTime<Utc>>,
}

impl From<ConfigVersionRow> for Deployment {
    fn from(r: ConfigVersionRow) -> Self {
        Self {
            version: r.version,
            sha256: r.sha256,
            status: r.push_status,
            detail: r.push_detail,
            created_at: r.created_at,
            pushed_at: r.pushed_at,
        }
    }
}

impl Services {
    /// Publishes the tenant's current tools as a new version.
    pub async fn publish(
        &self,
        ctx: &RequestContext,
        tenant: &str,
    ) -> Result<Deployment, ServiceError> {
        self.tenant_for(ctx, tenant, Permission::Write).await?;
        let mut tx = self.db.begin().await.map_err(storage::StorageError::from)?;
        let tenant_row = storage::tenants::tenant_lock(&mut tx, tenant)
            .await?
            .ok_or_else(|| super::tenants::tenant_not_found(tenant))?;
        let version = versions::config_version_next(&mut tx, tenant_row.id).await?;
        let parts = TenantParts {
            tools: storage::tools::tool_list(&mut *tx, tenant_row.id).await?,
            catalog: Catalog {
                prompts: self.catalog_load(&mut *tx, tenant_row.id).await?,
                resources: self.catalog_load(&mut *tx, tenant_row.id).await?,
                resource_templates: self.catalog_load(&mut *tx, tenant_row.id).await?,
            },
            oauth: super::auth::auth_for_publish(&mut *tx, tenant_row.id).await?,
        };
        let config = compile_tenant_config(&tenant_row, parts, version as u64)?;
        let signed = SignedConfig::sign(&config, &self.signing_key)
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        let sha256 = hex_sha256(signed.payload.as_bytes());
        let row = versions::config_version_create(
            &mut tx,
            &NewConfigVersion {
                tenant_id: tenant_row.id,
                version,
                payload: &signed.payload,
                signature: &signed.signature,
                sha256: &sha256,
            },
        )
        .await?;
        tx.commit().await.map_err(storage::StorageError::from)?;

        let outcome = self.edge.push(tenant, &signed).await;
        if outcome.accepted {
            tracing::info!(tenant, version, request_id = %ctx.request_id, "config accepted by the edge");
        } else {
            tracing::warn!(tenant, version, request_id = %ctx.request_id, detail = %outcome.detail, "config push failed");
        }
        let row = versions::config_version_record_push(
            &self.db,
            row.id,
            outcome.accepted,
            &outcome.detail,
        )
        .await?;
        let deployment = Deployment::from(row);
        let after = to_audit(&deployment);
        self.audit(
            ctx,
            Some(tenant_row.id),
            "config.publish",
            &format!("version {version}"),
            None,
            Some(&after),
        )
        .await?;
        Ok(deployment)
    }

    pub async fn deployment_list(
        &self,
        ctx: &RequestContext,
        tenant: &str,
    ) -> Result<Vec<Deployment>, ServiceError> {
        let tenant_row = self.tenant_for(ctx, tenant, Permission::Read).await?;
        let rows = versions::config_version_list(&self.db, tenant_row.id).await?;
        Ok(rows.into_iter().map(Deployment::from).collect())
    }
}

fn hex_sha256(bytes: &[u8]) -> String {
    portcullis_tenant_config::envelope::encode_hex(&Sha256::digest(bytes))
}
