//! The publish pipeline: load → compile → sign → record → push → record the
//! edge's answer; and its history: each version kept, diffs between any two
//! (or against the unpublished draft), rollbacks, and what the edge serves.
//!
//! The version row is committed before the push, so a crash or an
//! unreachable edge never loses a version number or reuses one; the push
//! outcome is recorded on that row whatever happens, and a tenant whose
//! newest version the edge has not accepted is pushed again in the
//! background ([`Services::retry_pushes`]) until it is, or a newer one
//! replaces it. Publishes of one tenant are serialized by a row lock, so
//! versions are consecutive.

use std::time::Duration;

use portcullis_tenant_config::{SignedConfig, TenantConfig};
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use utoipa::IntoParams;

use super::access::audit;
use super::compile::{Catalog, TenantParts, compile_tenant_config};
use super::diff::diff_documents;
use super::{ServiceError, Services, to_audit};
use crate::context::{Authorized, Grant, RequestContext, grant};
use crate::storage::config_versions::{ConfigVersionRow, NewConfigVersion};
use crate::storage::tenants::TenantRow;
use crate::storage::{self, StorageError, config_versions as versions};
use portcullis_api::publish::{
    Deployment, Diff, EdgeStatus, PushStatus, Rollback, VersionDocument,
};

/// A version whose push failed this many times is left for an admin.
const MAX_PUSH_ATTEMPTS: i32 = 20;

impl From<ConfigVersionRow> for Deployment {
    fn from(r: ConfigVersionRow) -> Self {
        Self {
            version: r.version,
            sha256: r.sha256,
            status: r.push_status,
            detail: r.push_detail,
            published_by: r.published_by,
            rollback_of: r.rollback_of,
            push_attempts: r.push_attempts,
            created_at: r.created_at,
            pushed_at: r.pushed_at,
        }
    }
}

/// `from` and `to` of a diff: a version number, `live` (the newest version
/// the edge accepted) or `draft` (what publishing now would send).
#[derive(Debug, Deserialize, IntoParams)]
pub struct DiffQuery {
    /// Default `live`.
    pub from: Option<String>,
    /// Default `draft`.
    pub to: Option<String>,
}

/// Where a published document's content comes from.
enum Content {
    /// The tenant's rows as they are now.
    Draft,
    /// An earlier version's document (a rollback).
    Version(i64),
    /// An earlier version's document with its secrets re-sealed under the
    /// current key (a key rotation).
    Resealed(i64),
    /// An earlier version's document with the tenant's assertion keys as
    /// they now are (rotated or retired).
    Rekeyed(i64),
}

impl Services {
    /// Publishes the tenant's current model as a new version.
    pub async fn publish(
        &self,
        ctx: &RequestContext,
        tenant: &str,
    ) -> Result<Deployment, ServiceError> {
        self.publish_content(ctx, tenant, Content::Draft).await
    }

    /// Publishes an earlier version's content again, as a new version (the
    /// draft is left as it is).
    pub async fn rollback(
        &self,
        ctx: &RequestContext,
        tenant: &str,
        input: Rollback,
    ) -> Result<Deployment, ServiceError> {
        self.publish_content(ctx, tenant, Content::Version(input.version))
            .await
    }

    /// Records `content` as the tenant's next version and pushes it; the
    /// tenant is locked (and the caller's right to publish checked on it)
    /// for the whole, so versions are numbered one at a time.
    async fn publish_content(
        &self,
        ctx: &RequestContext,
        tenant: &str,
        content: Content,
    ) -> Result<Deployment, ServiceError> {
        let mut tx = self.begin().await?;
        let tenant_row = self
            .tenant_locked::<grant::Write>(&mut tx, ctx, tenant)
            .await?;
        let version = versions::config_version_next(&mut tx, &tenant_row).await?;
        let (config, rollback_of) = match content {
            Content::Draft => (self.draft(&mut tx, &tenant_row, version).await?, None),
            Content::Version(old) | Content::Resealed(old) | Content::Rekeyed(old) => {
                let mut config: TenantConfig = self.document_of(&tenant_row, old).await?;
                config.version = version as u64;
                config
                    .compile_output_checks()
                    .map_err(|e| ServiceError::invalid("version", e.to_string()))?;
                match (&content, config.oauth.as_mut()) {
                    (Content::Resealed(_), oauth) => {
                        let report = &mut Default::default();
                        if let Some(oauth) = oauth {
                            self.reseal(tenant, oauth, report);
                        }
                        for tool in &mut config.tools {
                            if let Some(http) = tool.http.as_mut() {
                                self.reseal_binding(tenant, &tool.name, http, report);
                            }
                        }
                        (config, None)
                    }
                    (Content::Version(_), _) => (config, Some(old)),
                    _ => (config, None),
                }
            }
        };
        // Keys are never taken from an old document: a rollback must not
        // bring back a retired key.
        let mut config = config;
        config.assertion_keys = self
            .assertion_keys_for_publish(&mut tx, &tenant_row, config.signs_assertions())
            .await?;
        let signed = SignedConfig::sign(&config, &self.signing_key)
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        let sha256 = hex_sha256(signed.payload.as_bytes());
        let actor = ctx.actor_label();
        let row = versions::config_version_create(
            &mut tx,
            &NewConfigVersion {
                tenant_id: tenant_row.id,
                version,
                payload: &signed.payload,
                signature: &signed.signature,
                sha256: &sha256,
                published_by: &actor,
                rollback_of,
            },
        )
        .await?;
        let action = match content {
            Content::Draft => "config.publish",
            Content::Version(_) => "config.rollback",
            Content::Resealed(_) => "config.reseal",
            Content::Rekeyed(_) => "config.rekey",
        };
        // Recorded with the version, before it is pushed: a version the
        // edge may serve always has its entry. How the push went is the
        // deployment's own record.
        let recorded_id = row.id;
        let recorded = Deployment::from(row);
        audit(
            &mut tx,
            ctx,
            Some(tenant_row.id),
            action,
            &format!("version {version}"),
            None,
            Some(&to_audit(&recorded)),
        )
        .await?;
        super::commit(tx).await?;

        self.push(tenant, recorded_id, &signed).await
    }

    /// Publishes the live version `live` again with its secrets re-sealed.
    pub(super) async fn republish_resealed(
        &self,
        ctx: &RequestContext,
        tenant: &str,
        live: i64,
    ) -> Result<Deployment, ServiceError> {
        self.publish_content(ctx, tenant, Content::Resealed(live))
            .await
    }

    /// Publishes the live version `live` again with the tenant's assertion
    /// keys as they now are.
    pub(super) async fn republish_rekeyed(
        &self,
        ctx: &RequestContext,
        tenant: &str,
        live: i64,
    ) -> Result<Deployment, ServiceError> {
        self.publish_content(ctx, tenant, Content::Rekeyed(live))
            .await
    }

    /// A stored version's document, read as `T` (the config itself, or its
    /// JSON as signed, for diffs and display).
    pub(super) async fn document_of<T: serde::de::DeserializeOwned>(
        &self,
        tenant: &Authorized<TenantRow, impl Grant>,
        version: i64,
    ) -> Result<T, ServiceError> {
        let payload = versions::config_version_payload(&self.db, tenant, version)
            .await?
            .ok_or_else(|| version_not_found(&tenant.slug, version))?;
        serde_json::from_str(&payload.payload)
            .map_err(|e| ServiceError::Internal(format!("stored version {version}: {e}")))
    }

    /// The config publishing now would send, numbered `version`.
    async fn draft(
        &self,
        tx: &mut sqlx::PgConnection,
        tenant_row: &Authorized<TenantRow, impl Grant>,
        version: i64,
    ) -> Result<TenantConfig, ServiceError> {
        let parts = TenantParts {
            tools: storage::tools::tool_list(&mut *tx, tenant_row).await?,
            catalog: Catalog {
                prompts: self.catalog_load(&mut *tx, tenant_row).await?,
                resources: self.catalog_load(&mut *tx, tenant_row).await?,
                resource_templates: self.catalog_load(&mut *tx, tenant_row).await?,
            },
            oauth: super::auth::auth_for_publish(&mut *tx, tenant_row).await?,
        };
        let mut config = compile_tenant_config(tenant_row, parts, version as u64)?;
        let keys = storage::assertion_keys::assertion_key_list(&mut *tx, tenant_row).await?;
        config.assertion_keys = super::assertion_keys::assertion_keys_of(&keys);
        Ok(config)
    }

    /// Pushes a recorded version and records the edge's answer.
    async fn push(
        &self,
        tenant: &str,
        row_id: i64,
        signed: &SignedConfig,
    ) -> Result<Deployment, ServiceError> {
        let outcome = self.edge.push(tenant, signed).await;
        if outcome.accepted {
            tracing::info!(tenant, "config accepted by the edge");
        } else {
            tracing::warn!(tenant, detail = %outcome.detail, "config push failed");
        }
        let status = match (outcome.accepted, outcome.retryable) {
            (true, _) => PushStatus::Accepted,
            (false, true) => PushStatus::Failed,
            (false, false) => PushStatus::Refused,
        };
        let row =
            versions::config_version_record_push(&self.db, row_id, status, &outcome.detail).await?;
        Ok(row.into())
    }

    /// Pushes again every tenant's newest version the edge has not
    /// accepted; the number pushed.
    pub async fn retry_pushes(&self) -> Result<usize, ServiceError> {
        let due = versions::config_versions_unaccepted(&self.db, MAX_PUSH_ATTEMPTS).await?;
        for row in &due {
            let signed = SignedConfig {
                payload: row.payload.clone(),
                signature: row.signature.clone(),
            };
            let deployment = self.push(&row.tenant, row.id, &signed).await?;
            tracing::info!(tenant = %row.tenant, version = deployment.version, status = ?deployment.status, "push retried");
        }
        Ok(due.len())
    }

    /// Runs [`Self::retry_pushes`] every `interval`, for as long as the
    /// process lives.
    pub fn spawn_push_retries(self: std::sync::Arc<Self>, interval: Duration) {
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(interval).await;
                if let Err(e) = self.retry_pushes().await {
                    tracing::warn!(error = %e, "retrying pushes failed");
                }
            }
        });
    }

    pub async fn deployment_list(
        &self,
        ctx: &RequestContext,
        tenant: &str,
    ) -> Result<Vec<Deployment>, ServiceError> {
        let tenant_row = self.tenant_for::<grant::Read>(ctx, tenant).await?;
        let rows = versions::config_version_list(&self.db, &tenant_row).await?;
        Ok(rows.into_iter().map(Deployment::from).collect())
    }

    pub async fn version_get(
        &self,
        ctx: &RequestContext,
        tenant: &str,
        version: i64,
    ) -> Result<VersionDocument, ServiceError> {
        let tenant_row = self.tenant_for::<grant::Read>(ctx, tenant).await?;
        let document = self.document(&tenant_row, version).await?;
        Ok(VersionDocument { version, document })
    }

    /// What changed between two versions (or the live one and the draft).
    pub async fn diff(
        &self,
        ctx: &RequestContext,
        tenant: &str,
        query: &DiffQuery,
    ) -> Result<Diff, ServiceError> {
        let tenant_row = self.tenant_for::<grant::Read>(ctx, tenant).await?;
        let (from, before) = self
            .document_at(&tenant_row, query.from.as_deref().unwrap_or("live"), "from")
            .await?;
        let (to, after) = self
            .document_at(&tenant_row, query.to.as_deref().unwrap_or("draft"), "to")
            .await?;
        Ok(Diff {
            from,
            to,
            changes: diff_documents(&before, &after),
        })
    }

    /// The document `reference` names, with its version (none for the
    /// draft, and an empty document when nothing is live yet).
    async fn document_at(
        &self,
        tenant_row: &Authorized<TenantRow, impl Grant>,
        reference: &str,
        field: &'static str,
    ) -> Result<(Option<i64>, Value), ServiceError> {
        match reference {
            "draft" => {
                let mut conn = self.db.acquire().await.map_err(StorageError::from)?;
                // Any number will do: diffs leave the version out.
                let draft = self.draft(&mut conn, tenant_row, 1).await?;
                let document = serde_json::to_value(&draft)
                    .map_err(|e| ServiceError::Internal(e.to_string()))?;
                Ok((None, document))
            }
            "live" => match versions::config_version_live(&self.db, tenant_row).await? {
                Some(version) => Ok((Some(version), self.document(tenant_row, version).await?)),
                // Nothing live: everything in the draft is new.
                None => {
                    let empty = TenantConfig::empty(&tenant_row.slug, 1, &tenant_row.display_name);
                    let document = serde_json::to_value(&empty)
                        .map_err(|e| ServiceError::Internal(e.to_string()))?;
                    Ok((None, document))
                }
            },
            number => {
                let version: i64 = number.parse().map_err(|_| {
                    ServiceError::invalid(field, "a version number, `live` or `draft`")
                })?;
                Ok((Some(version), self.document(tenant_row, version).await?))
            }
        }
    }

    async fn document(
        &self,
        tenant_row: &Authorized<TenantRow, impl Grant>,
        version: i64,
    ) -> Result<Value, ServiceError> {
        self.document_of(tenant_row, version).await
    }

    /// Asks the edge which version it serves.
    pub async fn edge_status(
        &self,
        ctx: &RequestContext,
        tenant: &str,
    ) -> Result<EdgeStatus, ServiceError> {
        let tenant_row = self.tenant_for::<grant::Read>(ctx, tenant).await?;
        let live_version = versions::config_version_live(&self.db, &tenant_row).await?;
        let served = self.edge.served_version(tenant).await;
        Ok(match served {
            Ok(served_version) => EdgeStatus {
                reachable: true,
                served_version,
                live_version,
                detail: None,
            },
            Err(detail) => EdgeStatus {
                reachable: false,
                served_version: None,
                live_version,
                detail: Some(detail),
            },
        })
    }
}

fn version_not_found(tenant: &str, version: i64) -> ServiceError {
    ServiceError::NotFound(format!("version {version} of tenant {tenant:?}"))
}

fn hex_sha256(bytes: &[u8]) -> String {
    portcullis_tenant_config::encoding::encode_hex(&Sha256::digest(bytes))
}
