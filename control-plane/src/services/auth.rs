//! A tenant's authorization settings: whether `/mcp` is public or protected
//! by the tenant's own OAuth authorization server, and that server's
//! identity providers, scopes, access rules, roles and clients.
//!
//! Client secrets are write-only: sealed for the edge the moment they arrive
//! (AES-256-GCM under `PORTCULLIS_EDGE_SEAL_KEY`, bound to tenant and
//! provider), stored and published only sealed, and shown as set or unset.

use chrono::{DateTime, Utc};
use portcullis_tenant_config::OAuthConfig;
use portcullis_tenant_config::auth::{IdentityProvider, ProviderKind};
use portcullis_tenant_config::sealing::seal;

use super::access::audit;
use super::version::Versioned;
use super::{ServiceError, Services, to_audit};
use crate::context::{Authorized, Grant, MayWrite, RequestContext, grant};
use crate::storage;
use crate::storage::tenants::TenantRow;
use portcullis_api::auth::{AuthMode, AuthSettings, AuthSettingsInput, ProviderView};

impl Services {
    pub async fn auth_get(
        &self,
        ctx: &RequestContext,
        tenant: &str,
    ) -> Result<AuthSettings, ServiceError> {
        let tenant_row = self.tenant_for::<grant::Read>(ctx, tenant).await?;
        auth_view(&self.db, &tenant_row).await
    }

    /// Saves `input` as the tenant's settings; with `if_match`, only if the
    /// saved ones are still that version (their [`AuthSettings::etag`]),
    /// else [`ServiceError::Stale`]: two admins saving at once cannot lose
    /// one's change unseen.
    pub async fn auth_put(
        &self,
        ctx: &RequestContext,
        tenant: &str,
        input: AuthSettingsInput,
        if_match: Option<&str>,
    ) -> Result<AuthSettings, ServiceError> {
        let tenant_row = self.tenant_for::<grant::Write>(ctx, tenant).await?;
        let mut tx = self.begin().await?;
        // One writer of a tenant's settings at a time, whether or not any
        // are saved yet.
        storage::auth::auth_lock(&mut *tx, &tenant_row).await?;
        let before = auth_view(&mut *tx, &tenant_row).await?;
        super::version::check(if_match, &before.etag(), "the sign-in settings")?;
        let after = self.auth_store(&mut tx, &tenant_row, input).await?;
        audit(
            &mut tx,
            ctx,
            Some(tenant_row.id),
            "auth.update",
            "auth",
            Some(&to_audit(&before)),
            Some(&to_audit(&after)),
        )
        .await?;
        super::commit(tx).await?;
        Ok(after)
    }

    async fn auth_store(
        &self,
        tx: &mut sqlx::PgConnection,
        tenant_row: &Authorized<TenantRow, impl MayWrite>,
        input: AuthSettingsInput,
    ) -> Result<AuthSettings, ServiceError> {
        if input.mode == AuthMode::Public {
            storage::auth::auth_delete(&mut *tx, tenant_row).await?;
            tracing::info!(tenant = %tenant_row.slug, "authorization set to public");
            return Ok(public_settings());
        }
        let saved = match storage::auth::auth_get(&mut *tx, tenant_row).await? {
            Some(row) => Some(stored_oauth(&row.settings.0)?),
            None => None,
        };
        let oauth = self.oauth_from_input(&tenant_row.slug, input, saved.as_ref())?;
        oauth
            .validate()
            .map_err(|e| ServiceError::invalid("auth", e.to_string()))?;
        let settings =
            serde_json::to_value(&oauth).map_err(|e| ServiceError::Internal(e.to_string()))?;
        let row = storage::auth::auth_put(&mut *tx, tenant_row, &settings).await?;
        tracing::info!(
            tenant = %tenant_row.slug,
            providers = oauth.providers.len(),
            "authorization settings saved"
        );
        Ok(view(oauth, Some(row.updated_at)))
    }

    fn oauth_from_input(
        &self,
        tenant: &str,
        input: AuthSettingsInput,
        saved: Option<&OAuthConfig>,
    ) -> Result<OAuthConfig, ServiceError> {
        let providers = input
            .providers
            .into_iter()
            .map(|p| {
                let issuer = match (p.issuer, p.kind) {
                    (Some(issuer), _) => issuer.trim_end_matches('/').to_owned(),
                    (None, ProviderKind::Github) => "https://github.com".to_owned(),
                    (None, ProviderKind::Google) => "https://accounts.google.com".to_owned(),
                    (None, ProviderKind::Oidc) => {
                        return Err(ServiceError::invalid(
                            "issuer",
                            format!(
                                "provider {:?} needs the issuer URL of its OpenID provider",
                                p.id
                            ),
                        ));
                    }
                };
                let mut provider = IdentityProvider {
                    id: p.id,
                    kind: p.kind,
                    display_name: p.display_name,
                    client_id: p.client_id,
                    client_secret: String::new(),
                    issuer,
                    api_base: p.api_base,
                    upstream_scopes: p.upstream_scopes,
                };
                provider.client_secret = match p.client_secret.filter(|s| !s.is_empty()) {
                    Some(secret) => seal(
                        &self.seal_key,
                        &provider.secret_aad(tenant),
                        secret.as_bytes(),
                    ),
                    None => kept_secret(&provider, saved)?,
                };
                Ok(provider)
            })
            .collect::<Result<Vec<_>, ServiceError>>()?;
        Ok(OAuthConfig {
            providers,
            scopes: input.scopes,
            allow: input.allow,
            roles: input.roles,
            clients: input.clients,
        })
    }
}

/// The saved secret of `provider`, kept only while everything that decides
/// where the edge sends it is unchanged: "write-only" means an admin who
/// does not know the secret cannot redirect it either (the sealing binds
/// the same fields, [`IdentityProvider::secret_aad`]).
fn kept_secret(
    provider: &IdentityProvider,
    saved: Option<&OAuthConfig>,
) -> Result<String, ServiceError> {
    let Some(saved) = saved.and_then(|s| s.provider(&provider.id)) else {
        return Err(ServiceError::invalid(
            "clientSecret",
            format!("provider {:?} needs a clientSecret", provider.id),
        ));
    };
    let before = saved.secret_binding();
    for ((field, now), (_, was)) in provider.secret_binding().into_iter().zip(before) {
        if now != was {
            return Err(ServiceError::invalid(
                field,
                format!(
                    "provider {:?}: {field} changed, so its saved client secret cannot be kept; enter the clientSecret again",
                    provider.id
                ),
            ));
        }
    }
    Ok(saved.client_secret.clone())
}

/// The tenant's OAuth settings as they go into its config, if any.
pub(super) async fn auth_for_publish(
    db: impl sqlx::PgExecutor<'_>,
    tenant: &Authorized<TenantRow, impl Grant>,
) -> Result<Option<OAuthConfig>, ServiceError> {
    match storage::auth::auth_get(db, tenant).await? {
        Some(row) => Ok(Some(stored_oauth(&row.settings.0)?)),
        None => Ok(None),
    }
}

fn stored_oauth(settings: &serde_json::Value) -> Result<OAuthConfig, ServiceError> {
    serde_json::from_value(settings.clone())
        .map_err(|e| ServiceError::Internal(format!("stored authorization settings: {e}")))
}

/// The tenant's settings as saved (public while none are).
async fn auth_view(
    db: impl sqlx::PgExecutor<'_>,
    tenant: &Authorized<TenantRow, impl Grant>,
) -> Result<AuthSettings, ServiceError> {
    match storage::auth::auth_get(db, tenant).await? {
        Some(row) => Ok(view(stored_oauth(&row.settings.0)?, Some(row.updated_at))),
        None => Ok(public_settings()),
    }
}

fn public_settings() -> AuthSettings {
    AuthSettings {
        mode: AuthMode::Public,
        providers: Vec::new(),
        scopes: Vec::new(),
        allow: Vec::new(),
        roles: Vec::new(),
        clients: Vec::new(),
        updated_at: None,
    }
}

fn view(oauth: OAuthConfig, updated_at: Option<DateTime<Utc>>) -> AuthSettings {
    AuthSettings {
        mode: AuthMode::Oauth,
        providers: oauth
            .providers
            .into_iter()
            .map(|p| ProviderView {
                client_secret_set: !p.client_secret.is_empty(),
                id: p.id,
                kind: p.kind,
                display_name: p.display_name,
                client_id: p.client_id,
                issuer: p.issuer,
                api_base: p.api_base,
                upstream_scopes: p.upstream_scopes,
            })
            .collect(),
        scopes: oauth.scopes,
        allow: oauth.allow,
        roles: oauth.roles,
        clients: oauth.clients,
        updated_at,
    }
}
