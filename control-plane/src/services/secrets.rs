//! Rotating the key secrets are sealed with (`PORTCULLIS_EDGE_SEAL_KEY`,
//! shared with the edge's `SEAL_KEY`). Set the new key as current and the
//! old one as `PORTCULLIS_EDGE_SEAL_KEY_PREVIOUS` (and likewise `SEAL_KEY`
//! / `SEAL_KEY_PREVIOUS` at the edge, which opens with either), then run
//! `portcullis-control-plane rotate-seal-key`: every stored secret (IdP
//! client secrets, user-assertion keys) is re-sealed with the new key, and every tenant's live content is published
//! again, re-sealed, as a new version (drafts are not published). Once it
//! reports nothing left under the old key, drop the previous key on both.
//! Secrets saved before the sealing was bound to the provider's issuer, API
//! base and client id are re-bound by the same command (with the previous
//! key unset, it re-binds under the current one).

use portcullis_tenant_config::OAuthConfig;
use portcullis_tenant_config::auth::IdentityProvider;
use portcullis_tenant_config::sealing::{open, seal};
use serde::Serialize;
use utoipa::ToSchema;

use super::access::audit;
use super::{ServiceError, Services};
use crate::context::{Authorized, RequestContext, grant};
use crate::storage::tenants::TenantRow;
use crate::storage::tenants::Visible;
use crate::storage::{self, StorageError, config_versions as versions};
use portcullis_tenant_config::assertion::key_aad;
use portcullis_tenant_config::credential::credential_aad;
use portcullis_tenant_config::http_tool::HttpBinding;

/// What a rotation did.
#[derive(Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RotationReport {
    /// Stored secrets now sealed with the current key (were under the old).
    pub resealed: usize,
    /// Tenants whose live content was published again, re-sealed.
    pub republished: Vec<String>,
    /// Secrets that opened with neither key (left as they were).
    pub unreadable: Vec<String>,
}

impl Services {
    /// Re-seals every stored secret with the current key and republishes
    /// live content that carries any. Operators only.
    pub async fn seal_key_rotate(
        &self,
        ctx: &RequestContext,
    ) -> Result<RotationReport, ServiceError> {
        self.require_operator(ctx)?;
        let mut report = RotationReport::default();
        let all = storage::tenants::tenant_list(&self.db, None, Visible::All).await?;
        for summary in all {
            let tenant = self
                .tenant_for::<grant::Write>(ctx, &summary.tenant.slug)
                .await?;
            if let Some(row) = storage::auth::auth_get(&self.db, &tenant).await? {
                let mut oauth: OAuthConfig = serde_json::from_value(row.settings.0)
                    .map_err(|e| ServiceError::Internal(format!("stored settings: {e}")))?;
                if self.reseal(&tenant.slug, &mut oauth, &mut report) {
                    let settings = serde_json::to_value(&oauth)
                        .map_err(|e| ServiceError::Internal(e.to_string()))?;
                    storage::auth::auth_put(&self.db, &tenant, &settings).await?;
                }
            }
            let keys_resealed = self.reseal_assertion_keys(&tenant, &mut report).await?;
            let tools_resealed = self.reseal_tool_secrets(&tenant, &mut report).await?;
            let Some(live) = versions::config_version_live(&self.db, &tenant).await? else {
                continue;
            };
            let document: portcullis_tenant_config::TenantConfig =
                self.document_of(&tenant, live).await?;
            let carries_old = document.oauth.as_ref().is_some_and(|o| {
                o.providers
                    .iter()
                    .any(|p| !self.opens_with_current(&tenant.slug, p))
            });
            if carries_old || keys_resealed || tools_resealed {
                self.republish_resealed(ctx, &tenant.slug, live).await?;
                report.republished.push(tenant.slug.clone());
            }
        }
        // Each tenant's part is saved (and republished) as it goes, and a
        // rotation run again only finishes what is left: the entry follows.
        audit(
            &mut *self.db.acquire().await.map_err(StorageError::from)?,
            ctx,
            None,
            "secrets.rotate",
            "seal key",
            None,
            Some(&super::to_audit(&report)),
        )
        .await?;
        Ok(report)
    }

    /// Re-seals the secrets of `oauth` still under the previous key; whether
    /// any changed.
    pub(super) fn reseal(
        &self,
        tenant: &str,
        oauth: &mut OAuthConfig,
        report: &mut RotationReport,
    ) -> bool {
        let mut changed = false;
        for provider in &mut oauth.providers {
            if self.opens_with_current(tenant, provider) {
                continue;
            }
            let aad = provider.secret_aad(tenant);
            // Secrets saved before the sealing bound the provider's issuer,
            // API base and client id are re-bound here too.
            let legacy = legacy_provider_secret_aad(tenant, &provider.id);
            let keys = [Some(self.seal_key), self.seal_key_previous];
            let opened = keys.into_iter().flatten().find_map(|key| {
                open(&key, &aad, &provider.client_secret)
                    .or_else(|| open(&key, &legacy, &provider.client_secret))
            });
            match opened {
                Some(secret) => {
                    provider.client_secret = seal(&self.seal_key, &aad, &secret);
                    report.resealed += 1;
                    changed = true;
                }
                None => report
                    .unreadable
                    .push(format!("{tenant}: provider {}", provider.id)),
            }
        }
        changed
    }

    /// `sealed` (bound to `aad`) under the current key: `None` when it
    /// already is; counted in `report` as re-sealed, or as unreadable
    /// (`what`) when neither key opens it.
    fn resealed(
        &self,
        aad: &str,
        sealed: &str,
        what: impl FnOnce() -> String,
        report: &mut RotationReport,
    ) -> Option<String> {
        if open(&self.seal_key, aad, sealed).is_some() {
            return None;
        }
        let opened = self
            .seal_key_previous
            .and_then(|previous| open(&previous, aad, sealed));
        match opened {
            Some(plain) => {
                report.resealed += 1;
                Some(seal(&self.seal_key, aad, &plain))
            }
            None => {
                report.unreadable.push(what());
                None
            }
        }
    }

    /// Re-seals the tenant's assertion keys still under the previous key;
    /// whether any changed.
    async fn reseal_assertion_keys(
        &self,
        tenant: &Authorized<TenantRow, grant::Write>,
        report: &mut RotationReport,
    ) -> Result<bool, ServiceError> {
        let mut changed = false;
        for key in storage::assertion_keys::assertion_key_list(&self.db, tenant).await? {
            let aad = key_aad(&tenant.slug, &key.kid);
            let what = || format!("{}: assertion key {}", tenant.slug, key.kid);
            if let Some(sealed) = self.resealed(&aad, &key.private_sealed, what, report) {
                storage::assertion_keys::assertion_key_reseal(&self.db, tenant, &key.kid, &sealed)
                    .await?;
                changed = true;
            }
        }
        Ok(changed)
    }

    /// Re-seals the secrets of the tenant's HTTP tools still under the
    /// previous key; whether any changed.
    async fn reseal_tool_secrets(
        &self,
        tenant: &Authorized<TenantRow, grant::Write>,
        report: &mut RotationReport,
    ) -> Result<bool, ServiceError> {
        let mut changed = false;
        for row in storage::tools::tool_list(&self.db, tenant).await? {
            let Some(mut http) = row
                .http
                .and_then(|j| serde_json::from_value::<HttpBinding>(j.0).ok())
            else {
                continue;
            };
            if self.reseal_binding(&tenant.slug, &row.name, &mut http, report) {
                let value = serde_json::to_value(&http)
                    .map_err(|e| ServiceError::Internal(e.to_string()))?;
                storage::tools::tool_http_set(&self.db, tenant, &row.name, &value).await?;
                changed = true;
            }
        }
        Ok(changed)
    }

    /// Re-seals the secret of one tool's binding (stored, or in a document
    /// being published again); whether it changed.
    pub(super) fn reseal_binding(
        &self,
        tenant: &str,
        tool: &str,
        http: &mut HttpBinding,
        report: &mut RotationReport,
    ) -> bool {
        let origin = http.origin().unwrap_or_default();
        let Some(credential) = http.credential.as_mut() else {
            return false;
        };
        let Some(sealed) = &credential.sealed else {
            return false;
        };
        let aad = credential_aad(tenant, &origin, &credential.header_name());
        let what = || format!("{tenant}: the secret of tool {tool}");
        match self.resealed(&aad, sealed, what, report) {
            Some(resealed) => {
                credential.sealed = Some(resealed);
                true
            }
            None => false,
        }
    }

    fn opens_with_current(&self, tenant: &str, provider: &IdentityProvider) -> bool {
        open(
            &self.seal_key,
            &provider.secret_aad(tenant),
            &provider.client_secret,
        )
        .is_some()
    }
}

/// The binding of provider secrets saved before it named where they go.
fn legacy_provider_secret_aad(tenant: &str, provider: &str) -> String {
    format!("portcullis/idp-client-secret/{tenant}/{provider}")
}
