//! Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document,
//! MCP 2025-11-25): a client whose `client_id` is an https URL is described
//! by the JSON document at that URL, so it needs no registration.
//!
//! The document is fetched with a size and time limit, validated, and cached
//! in the tenant's object for an hour. Hosts that name the local machine or
//! an IP address are refused outright, so a client id cannot aim the edge at
//! internal services.

use portcullis_tenant_config::json;
use portcullis_tenant_config::redirect_uri::{self, validate_redirect_uri};
use serde_json::Value;

use super::records::{self, AuthStore, RegisteredClient};
use super::upstream::{Fetch, Outbound};
use super::{Authority, Client, Halt};

/// Documents larger than this are refused (the draft's suggested limit).
pub const MAX_DOCUMENT_BYTES: usize = 5 * 1024;
/// How long a fetched document is trusted.
pub const CACHE_SECONDS: u64 = 60 * 60;

/// Whether `client_id` is meant as a metadata document URL.
pub fn is_document_url(client_id: &str) -> bool {
    client_id.starts_with("https://")
}

/// Why a metadata document was not accepted; logged, and the user is told
/// the client is not registered.
#[derive(Debug, PartialEq, Eq)]
pub struct DocumentError(pub String);

/// Checks the URL itself: https, a real host name, a path, nothing else.
pub fn check_url(url: &str) -> Result<(), DocumentError> {
    let refuse = |why: &str| Err(DocumentError(format!("client id {url:?}: {why}")));
    let Ok(parsed) = redirect_uri::parse(url) else {
        return refuse("not a URL");
    };
    let host = parsed.host.unwrap_or_default();
    if parsed.scheme != "https" || url.len() > 2000 {
        return refuse("must be an https URL of at most 2000 characters");
    }
    if url.contains('#')
        || parsed.rest.len() < 2
        || parsed.rest.contains("/./")
        || parsed.rest.contains("/../")
    {
        return refuse("must have a path and no fragment or dot segments");
    }
    let ip_literal = host.starts_with('[') || host.parse::<std::net::Ipv4Addr>().is_ok();
    if ip_literal || host == "localhost" || host.ends_with(".localhost") || !host.contains('.') {
        return refuse("must name a public host");
    }
    Ok(())
}

/// Validates a fetched document for `url`.
pub fn parse_document(url: &str, body: &[u8]) -> Result<RegisteredClient, DocumentError> {
    let refuse = |why: String| Err(DocumentError(format!("metadata document {url}: {why}")));
    if body.len() > MAX_DOCUMENT_BYTES {
        return refuse("larger than 5 KiB".into());
    }
    let Ok(document) = json::parse::<Value>(body) else {
        return refuse("not JSON".into());
    };
    if document["client_id"].as_str() != Some(url) {
        return refuse("its client_id is not its own URL".into());
    }
    if document.get("client_secret").is_some() || document.get("client_secret_expires_at").is_some()
    {
        return refuse("a public document must not carry a client secret".into());
    }
    let method = document["token_endpoint_auth_method"]
        .as_str()
        .unwrap_or("none");
    if method != "none" {
        return refuse(format!(
            "token_endpoint_auth_method {method:?} is not supported (use none)"
        ));
    }
    let uris: Vec<String> = document["redirect_uris"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|u| u.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if uris.is_empty() || uris.len() > 10 {
        return refuse("needs 1 to 10 redirect_uris".into());
    }
    if let Some(e) = uris.iter().find_map(|u| validate_redirect_uri(u).err()) {
        return refuse(e.to_string());
    }
    let name = document["client_name"].as_str().unwrap_or(url);
    Ok(RegisteredClient {
        client_id: url.to_owned(),
        client_name: name.chars().filter(|c| !c.is_control()).take(100).collect(),
        redirect_uris: uris,
        issued_at: 0,
    })
}

/// The client a metadata document URL describes, from cache or fetched.
pub async fn client<S: AuthStore, C, F: Fetch>(
    authority: &Authority<'_, S, C, F>,
    url: &str,
) -> Result<Option<Client>, Halt> {
    if let Err(DocumentError(why)) = check_url(url) {
        crate::log::error(&why);
        return Ok(None);
    }
    let key = format!("cimd/{url}");
    let cached: Option<RegisteredClient> = records::load(authority.store, &key).await?;
    // `issued_at` of a cached document is when it was fetched.
    let fresh = cached.filter(|c| c.issued_at + CACHE_SECONDS > authority.now);
    let document = match fresh {
        Some(document) => document,
        None => match fetch_counted(authority, url).await? {
            Ok(mut document) => {
                document.issued_at = authority.now;
                records::save(authority.store, &key, &document).await?;
                document
            }
            Err(DocumentError(why)) => {
                crate::log::error(&why);
                return Ok(None);
            }
        },
    };
    Ok(Some(Client {
        client_id: document.client_id,
        client_name: document.client_name,
        redirect_uris: document.redirect_uris,
        pre_registered: false,
    }))
}

/// Fetches the document unless the tenant fetched its limit this minute.
async fn fetch_counted<S, C, F: Fetch>(
    authority: &Authority<'_, S, C, F>,
    url: &str,
) -> Result<Result<RegisteredClient, DocumentError>, Halt> {
    let count = crate::rate::metadata_fetch(&authority.config.limits);
    let admitted = authority
        .fetches
        .borrow_mut()
        .admit(&[count], authority.now);
    admitted.map_err(Halt::Limited)?;
    Ok(fetch(authority.fetch, url).await)
}

async fn fetch(fetch: &impl Fetch, url: &str) -> Result<RegisteredClient, DocumentError> {
    let request = Outbound {
        method: "GET",
        url: url.to_owned(),
        headers: vec![("accept", "application/json".to_owned())],
        body: None,
    };
    let fetched = fetch
        .fetch(request)
        .await
        .map_err(|e| DocumentError(format!("metadata document {url}: {e}")))?;
    if fetched.status != 200 {
        return Err(DocumentError(format!(
            "metadata document {url}: answered {}",
            fetched.status
        )));
    }
    parse_document(url, &fetched.body)
}
