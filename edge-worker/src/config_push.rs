//! Accepting a config the control plane pushes.
//!
//! The push endpoint needs no bearer secret: the Ed25519 signature is the
//! authority (only the control plane holds the private key) and the version
//! check makes replaying an older signed document useless.

use portcullis_tenant_config::{EnvelopeError, SignatureVerifier, SignedConfig};
use serde_json::json;

use crate::http::HttpResponse;
use crate::store::ConfigStore;

/// Handles `PUT /internal/tenants/{tenant}/config` with a [`SignedConfig`] body.
pub async fn accept(
    tenant: &str,
    body: &[u8],
    store: &impl ConfigStore,
    verifier: &impl SignatureVerifier,
) -> HttpResponse {
    let envelope: SignedConfig = match serde_json::from_slice(body) {
        Ok(e) => e,
        Err(e) => {
            return HttpResponse::error(
                400,
                "invalid_request",
                &format!("body is not a signed config: {e}"),
            );
        }
    };
    let config = match envelope.open(verifier).await {
        Ok(c) => c,
        // Signed by the control plane, but not a document this edge can
        // serve (say, a newer format): refuse it, saying so.
        Err(e @ (EnvelopeError::Invalid(_) | EnvelopeError::Payload(_))) => {
            return HttpResponse::error(422, "invalid_config", &e.to_string());
        }
        Err(e @ (EnvelopeError::BadSignature | EnvelopeError::SignatureEncoding)) => {
            return HttpResponse::error(403, "bad_signature", &e.to_string());
        }
    };
    if config.tenant != tenant {
        return HttpResponse::error(
            422,
            "tenant_mismatch",
            &format!(
                "the document is for tenant {:?}, pushed to {tenant:?}",
                config.tenant
            ),
        );
    }
    let current = match store.load(tenant).await {
        Ok(c) => c,
        Err(e) => return storage_failure(e),
    };
    if let Some(current) = current
        && config.version <= current.version
    {
        return HttpResponse::json(
            409,
            &json!({
                "error": "stale_version",
                "message": format!("version {} is not newer than the served version {}", config.version, current.version),
                "servedVersion": current.version,
            }),
        );
    }
    if let Err(e) = store.save(&config).await {
        return storage_failure(e);
    }
    HttpResponse::json(
        200,
        &json!({ "accepted": true, "tenant": tenant, "version": config.version }),
    )
}

fn storage_failure(e: crate::store::StoreError) -> HttpResponse {
    crate::runtime::log_error(&format!("config store: {}", e.0));
    HttpResponse::error(
        503,
        "unavailable",
        "config storage is unavailable, retry later",
    )
}
