//! Accepting a config the control plane pushes.
//!
//! The push endpoint needs no bearer secret: the Ed25519 signature is the
//! authority (only the control plane holds the private key) and the version
//! check makes replaying an older signed document useless.

use portcullis_tenant_config::{EnvelopeError, SignatureVerifier, SignedConfig, TenantConfig};
use serde_json::json;

use crate::app::Outcome;
use crate::http::HttpResponse;
use crate::mcp::sse;
use crate::store::ConfigStore;

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
            Outcome::Broadcast {
                tenant: tenant.to_owned(),
                events: change_events(previous.as_ref(), &config),
                reply,
            }
        }
        Err(refusal) => Outcome::Reply(refusal),
    }
}

/// `notifications/*/list_changed` events for what differs between versions.
pub fn change_events(previous: Option<&TenantConfig>, config: &TenantConfig) -> String {
    let changed = [
        ("tools", previous.is_none_or(|p| p.tools != config.tools)),
        (
            "prompts",
            previous.is_none_or(|p| p.prompts != config.prompts),
        ),
        (
            "resources",
            previous.is_none_or(|p| {
                p.resources != config.resources || p.resource_templates != config.resource_templates
            }),
        ),
    ];
    changed
        .iter()
        .filter(|(_, differs)| *differs)
        .map(|(list, _)| {
            let note =
                json!({ "jsonrpc": "2.0", "method": format!("notifications/{list}/list_changed") });
            sse::event("message", &note.to_string())
        })
        .collect()
}

/// Verifies and stores a pushed config; returns the one it replaced.
async fn accept_config(
    tenant: &str,
    body: &[u8],
    store: &impl ConfigStore,
    verifier: &impl SignatureVerifier,
) -> Result<(Option<TenantConfig>, TenantConfig), HttpResponse> {
    let envelope: SignedConfig = serde_json::from_slice(body).map_err(|e| {
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
    let current = store.load(tenant).await.map_err(storage_failure)?;
    if let Some(current) = &current
        && config.version <= current.version
    {
        return Err(HttpResponse::json(
            409,
            &json!({
                "error": "stale_version",
                "message": format!("version {} is not newer than the served version {}", config.version, current.version),
                "servedVersion": current.version,
            }),
        ));
    }
    store.save(&config).await.map_err(storage_failure)?;
    Ok((current, config))
}

fn storage_failure(e: crate::store::StoreError) -> HttpResponse {
    crate::runtime::log_error(&format!("config store: {}", e.0));
    HttpResponse::error(
        503,
        "unavailable",
        "config storage is unavailable, retry later",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_fixtures::{catalog_tenant, tenant};

    #[test]
    fn announces_exactly_the_lists_that_changed() {
        let before = catalog_tenant();
        let count = |events: &str| events.matches("event: message").count();
        assert_eq!(
            count(&change_events(None, &before)),
            3,
            "a first version changes everything"
        );
        assert_eq!(change_events(Some(&before), &before), "");
        let mut fewer_tools = before.clone();
        fewer_tools.tools.pop();
        let events = change_events(Some(&before), &fewer_tools);
        assert_eq!(count(&events), 1);
        assert!(
            events.contains("notifications/tools/list_changed"),
            "{events}"
        );
        let mut new_template = before.clone();
        new_template.resource_templates.clear();
        assert!(
            change_events(Some(&before), &new_template)
                .contains("notifications/resources/list_changed")
        );
        assert!(
            change_events(Some(&tenant("acme", 1, &[])), &tenant("acme", 2, &["x"]))
                .contains("tools")
        );
    }
}
