//! Dynamic client registration (RFC 7591), for public clients.

use portcullis_tenant_config::json;
use portcullis_tenant_config::redirect_uri::validate_redirect_uri;
use serde::Deserialize;
use serde_json::json;

use super::EndpointResult;
use super::records::{self, AuthStore, RegisteredClient};
use super::upstream::{EdgeCrypto, Fetch};
use super::{Authority, metadata, oauth_error};
use crate::http::{HttpRequest, HttpResponse};

/// Registration documents larger than this are refused.
pub const MAX_REGISTRATION_BYTES: usize = 16 * 1024;
const MAX_REDIRECT_URIS: usize = 10;
const MAX_CLIENT_NAME_CHARS: usize = 100;

#[derive(Deserialize)]
struct Metadata {
    redirect_uris: Vec<String>,
    client_name: Option<String>,
    grant_types: Option<Vec<String>>,
    response_types: Option<Vec<String>>,
}

fn invalid(error: &str, description: &str) -> EndpointResult {
    Ok(oauth_error(400, error, description))
}

pub async fn register<S: AuthStore, C: EdgeCrypto, F: Fetch>(
    authority: &Authority<'_, S, C, F>,
    request: &HttpRequest,
) -> EndpointResult {
    if request.body.len() > MAX_REGISTRATION_BYTES {
        return Ok(oauth_error(
            413,
            "invalid_client_metadata",
            "the registration document is larger than 16 KiB",
        ));
    }
    let metadata: Metadata = match json::parse(&request.body) {
        Ok(m) => m,
        Err(e) => {
            return invalid(
                "invalid_client_metadata",
                &format!("not a valid registration document: {e}"),
            );
        }
    };
    if metadata.redirect_uris.is_empty() || metadata.redirect_uris.len() > MAX_REDIRECT_URIS {
        return invalid(
            "invalid_redirect_uri",
            "register between 1 and 10 redirect URIs",
        );
    }
    for uri in &metadata.redirect_uris {
        if let Err(e) = validate_redirect_uri(uri) {
            return invalid("invalid_redirect_uri", &e.to_string());
        }
    }
    let allowed_grants = ["authorization_code", "refresh_token"];
    if let Some(grants) = &metadata.grant_types
        && grants.iter().any(|g| !allowed_grants.contains(&g.as_str()))
    {
        return invalid(
            "invalid_client_metadata",
            "only authorization_code and refresh_token grants are supported",
        );
    }
    if let Some(types) = &metadata.response_types
        && types.iter().any(|t| t != "code")
    {
        return invalid(
            "invalid_client_metadata",
            "only the code response type is supported",
        );
    }
    let client_name = metadata
        .client_name
        .unwrap_or_else(|| "An unnamed application".to_owned());
    if client_name.chars().count() > MAX_CLIENT_NAME_CHARS
        || client_name.chars().any(char::is_control)
    {
        return invalid(
            "invalid_client_metadata",
            "client_name must be at most 100 printable characters",
        );
    }
    let client = RegisteredClient {
        client_id: authority.crypto.random_token(),
        client_name,
        redirect_uris: metadata.redirect_uris,
        issued_at: authority.now,
    };
    records::save(
        authority.store,
        &records::client_key(&client.client_id),
        &client,
    )
    .await?;
    // Every registered client is public: whatever method it asked for, it
    // gets none, which RFC 7591 §3.2.1 lets the server decide.
    let body = json!({
        "client_id": client.client_id,
        "client_id_issued_at": client.issued_at,
        "client_name": client.client_name,
        "redirect_uris": client.redirect_uris,
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "none",
    });
    Ok(
        metadata::with_cors(HttpResponse::json(201, &body))
            .with_header("cache-control", "no-store"),
    )
}
