//! Accepting a config the control plane pushes.
//!
//! The push endpoint needs no bearer secret: the Ed25519 signature is the
//! authority (only the control plane holds the private key) and the version
//! check makes replaying an older signed document useless. The check is
//! the store's ([`ConfigStore::save_if_newer`]), strict under racing pushes.

use portcullis_tenant_config::json;
use portcullis_tenant_config::{EnvelopeError, SignatureVerifier, SignedConfig, TenantConfig};
use serde_json::json;

use crate::app::Outcome;
use crate::http::HttpResponse;
use crate::mcp::subscriptions::Published;
use crate::store::{ConfigStore, Saved};

/// Handles `PUT /internal/tenants/{tenant}/config` with a [`SignedConfig`]
/// body; once the new version is stored, the tenant's open streams are told
/// which lists changed.
pub async fn accept(
    tenant: &str,
    body: &[u8],
    store: &impl ConfigStore,
    verifier: &impl SignatureVerifier,
) -> Outcome {
    match accept_config(tenant, body, store, verifier).await {
        Ok((previous, config)) => {
            let reply = HttpResponse::json(
                200,
                &json!({ "accepted": true, "tenant": tenant, "version": config.version }),
            );
            let changes = Published::between(previous.as_deref(), &config);
            Outcome::Broadcast {
                tenant: tenant.to_owned(),
                changes,
                reply,
            }
        }
        Err(refusal) => Outcome::Reply(refusal),
    }
}

/// `GET /internal/tenants/{tenant}/config`: which version is served, so
/// the control plane can show it (the version number and the document's
/// hash only; the document itself is the tenant's).
pub async fn served(tenant: &str, store: &impl ConfigStore) -> Outcome {
    Outcome::Reply(match store.load(tenant).await {
        Ok(Some(config)) => {
            HttpResponse::json(200, &json!({ "tenant": tenant, "version": config.version }))
        }
        Ok(None) => {
            HttpResponse::error(404, "unknown_tenant", "no config is served for this tenant")
        }
        Err(e) => storage_failure(e),
    })
}

/// Verifies and stores a pushed config; returns the one it replaced.
async fn accept_config(
    tenant: &str,
    body: &[u8],
    store: &impl ConfigStore,
    verifier: &impl SignatureVerifier,
) -> Result<(Option<Box<TenantConfig>>, TenantConfig), HttpResponse> {
    let envelope: SignedConfig = json::parse(body).map_err(|e| {
        HttpResponse::error(
            400,
            "invalid_request",
            &format!("body is not a signed config: {e}"),
        )
    })?;
    let config = envelope.open(verifier).await.map_err(|e| match e {
        // Signed by the control plane, but not a document this edge can
        // serve (say, a newer format): refuse it, saying so.
        EnvelopeError::Invalid(_) | EnvelopeError::Payload(_) => {
            HttpResponse::error(422, "invalid_config", &e.to_string())
        }
        EnvelopeError::BadSignature | EnvelopeError::SignatureEncoding => {
            HttpResponse::error(403, "bad_signature", &e.to_string())
        }
    })?;
    if config.tenant != tenant {
        let message = format!(
            "the document is for tenant {:?}, pushed to {tenant:?}",
            config.tenant
        );
        return Err(HttpResponse::error(422, "tenant_mismatch", &message));
    }
    match store
        .save_if_newer(&config, &envelope.payload)
        .await
        .map_err(storage_failure)?
    {
        Saved::Replaced { previous } => Ok((previous, config)),
        Saved::Stale { served } => Err(HttpResponse::json(
            409,
            &json!({
                "error": "stale_version",
                "message": format!("version {} is not newer than the served version {served}", config.version),
                "servedVersion": served,
            }),
        )),
    }
}

fn storage_failure(e: crate::store::StoreError) -> HttpResponse {
    crate::log::error(&format!("config store: {}", e.0));
    HttpResponse::error(
        503,
        "unavailable",
        "config storage is unavailable, retry later",
    )
}
