//! What the tenant's admins see of its authorization server, through the
//! control plane: the clients that may ask users for access, the grants
//! users gave them, and revoking either.
//!
//! These paths are answered only for requests the Worker forwards after
//! checking the control plane's signature (in the app layer); the tenant's
//! public host never routes them here.

use portcullis_tenant_config::auth::UserClaims;
use portcullis_tenant_config::json;
use serde::Serialize;
use serde_json::json;

use super::form::decode;
use super::records::{self, AuthStore, Grant, RegisteredClient, StorageError};
use super::upstream::{EdgeCrypto, Fetch};
use super::{Authority, cimd};
use crate::http::{HttpRequest, HttpResponse};

/// Where the Worker forwards the control plane's requests, below the
/// tenant's object.
pub const CLIENTS_PATH: &str = "/internal/clients";
pub const GRANTS_PATH: &str = "/internal/grants";
pub const CLIENTS_PREFIX: &str = "/internal/clients/";
pub const GRANTS_PREFIX: &str = "/internal/grants/";

/// Grants per page when the control plane does not say.
const DEFAULT_PAGE: usize = 100;
/// The most grants one page holds (each is opened with the edge's key).
const MAX_PAGE: usize = 1000;

/// How a client came to be known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Registration {
    /// In the tenant's published config.
    Preregistered,
    /// Registered itself (RFC 7591).
    Dynamic,
    /// Identified by its metadata document URL.
    MetadataDocument,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ClientView {
    client_id: String,
    client_name: String,
    redirect_uris: Vec<String>,
    registration: Registration,
    /// Seconds since the epoch, for dynamically registered clients.
    #[serde(skip_serializing_if = "Option::is_none")]
    registered_at: Option<u64>,
    active_grants: usize,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct GrantView {
    id: String,
    client_id: String,
    user_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    scopes: Vec<String>,
    expires_at: u64,
}

impl<S: AuthStore, C: EdgeCrypto, F: Fetch> Authority<'_, S, C, F> {
    /// Grants that still let a client act for a user.
    async fn active_grants(&self) -> Result<Vec<Grant>, StorageError> {
        let mut grants = Vec::new();
        for (key, text) in self.store.list("grant/").await? {
            let grant: Grant =
                json::parse(&text).map_err(|e| StorageError(format!("record {key}: {e}")))?;
            if !grant.revoked && grant.expires_at > self.now {
                grants.push(grant);
            }
        }
        Ok(grants)
    }

    /// `GET /internal/clients`: every client, with how many active grants
    /// it holds. Bounded by what is registered (registrations are limited
    /// per address and swept when unused), so not paged.
    pub(super) async fn list_clients(&self) -> super::EndpointResult {
        let grants = self.active_grants().await?;
        let count = |id: &str| grants.iter().filter(|g| g.client_id == id).count();
        let mut clients: Vec<ClientView> = self
            .oauth
            .clients
            .iter()
            .map(|c| ClientView {
                client_id: c.client_id.clone(),
                client_name: c.client_name.clone(),
                redirect_uris: c.redirect_uris.clone(),
                registration: Registration::Preregistered,
                registered_at: None,
                active_grants: count(&c.client_id),
            })
            .collect();
        for (key, text) in self.store.list("client/").await? {
            let c: RegisteredClient =
                json::parse(&text).map_err(|e| StorageError(format!("record {key}: {e}")))?;
            clients.push(ClientView {
                active_grants: count(&c.client_id),
                client_id: c.client_id,
                client_name: c.client_name,
                redirect_uris: c.redirect_uris,
                registration: Registration::Dynamic,
                registered_at: Some(c.issued_at),
            });
        }
        // Metadata-document clients are not stored; their grants show them.
        for grant in &grants {
            if cimd::is_document_url(&grant.client_id)
                && !clients.iter().any(|c| c.client_id == grant.client_id)
            {
                clients.push(ClientView {
                    client_id: grant.client_id.clone(),
                    client_name: grant.client_id.clone(),
                    redirect_uris: Vec::new(),
                    registration: Registration::MetadataDocument,
                    registered_at: None,
                    active_grants: count(&grant.client_id),
                });
            }
        }
        Ok(HttpResponse::json(200, &json!({ "clients": clients })))
    }

    /// `GET /internal/grants?limit=&after=`: one page of the active grants,
    /// in id order, each with the user it stands for (opened for the
    /// admins: their users); `next` is the `after` of the next page. Only
    /// the page's grants are read and opened, however many there are.
    pub(super) async fn list_grants(&self, request: &HttpRequest) -> super::EndpointResult {
        let limit = match request.query_param("limit").map(str::parse::<usize>) {
            None => DEFAULT_PAGE,
            Some(Ok(n)) if (1..=MAX_PAGE).contains(&n) => n,
            Some(_) => {
                let message = format!("limit must be 1 to {MAX_PAGE}");
                return Ok(HttpResponse::error(400, "invalid_request", &message));
            }
        };
        let after =
            records::grant_key(&request.query_param("after").map(decode).unwrap_or_default());
        let page = self.store.list_after("grant/", &after, limit).await?;
        let next = (page.len() == limit)
            .then(|| page.last().map(|(key, _)| key["grant/".len()..].to_owned()))
            .flatten();
        let mut views = Vec::with_capacity(page.len());
        for (key, text) in page {
            let grant: Grant =
                json::parse(&text).map_err(|e| StorageError(format!("record {key}: {e}")))?;
            if grant.revoked || grant.expires_at <= self.now {
                continue;
            }
            let claims = self.claims_of(&grant).await;
            views.push(GrantView {
                id: grant.id,
                client_id: grant.client_id,
                user_id: grant.user.user_id,
                email: claims.as_ref().and_then(|c| c.email.clone()),
                name: claims.and_then(|c| c.name),
                scopes: grant.scopes,
                expires_at: grant.expires_at,
            });
        }
        Ok(HttpResponse::json(
            200,
            &json!({ "grants": views, "next": next }),
        ))
    }

    /// What the provider said about the grant's user, as sealed at sign-in.
    pub(super) async fn claims_of(&self, grant: &Grant) -> Option<UserClaims> {
        let aad = records::claims_aad(&self.config.tenant, &grant.user.user_id);
        let plain = self.crypto.open_sealed(&aad, &grant.user.claims).await?;
        json::parse(&plain).ok()
    }

    /// `DELETE /internal/clients/{client_id}`: revokes every grant of the
    /// client, forgets what users consented to, and removes a dynamic
    /// registration (a pre-registered client stays until the tenant's
    /// config drops it).
    pub(super) async fn revoke_client(&self, encoded: &str) -> super::EndpointResult {
        let client_id = decode(encoded);
        let registered: Option<RegisteredClient> =
            records::load(self.store, &records::client_key(&client_id)).await?;
        let preregistered = self.oauth.client(&client_id).is_some();
        let grants: Vec<Grant> = self
            .active_grants()
            .await?
            .into_iter()
            .filter(|g| g.client_id == client_id)
            .collect();
        if registered.is_none() && !preregistered && grants.is_empty() {
            return Ok(not_found("no such client"));
        }
        for grant in &grants {
            self.revoke_grant(&grant.id).await?;
        }
        let suffix = format!("/{client_id}");
        for (key, _) in self.store.list("consent/").await? {
            if key.ends_with(&suffix) {
                self.store.delete(&key).await?;
            }
        }
        if registered.is_some() {
            self.store.delete(&records::client_key(&client_id)).await?;
        }
        Ok(HttpResponse::json(
            200,
            &json!({
                "clientId": client_id,
                "revokedGrants": grants.len(),
                "registrationRemoved": registered.is_some(),
            }),
        ))
    }

    /// `DELETE /internal/grants/{id}`: one user's authorization of one
    /// client; the user is asked for consent again next time.
    pub(super) async fn revoke_user_grant(&self, id: &str) -> super::EndpointResult {
        let grant: Option<Grant> = records::load(self.store, &records::grant_key(id)).await?;
        let Some(grant) = grant.filter(|g| !g.revoked) else {
            return Ok(not_found("no such grant"));
        };
        self.revoke_grant(&grant.id).await?;
        self.store
            .delete(&records::consent_key(&grant.user.user_id, &grant.client_id))
            .await?;
        Ok(HttpResponse::empty(204))
    }
}

fn not_found(message: &str) -> HttpResponse {
    HttpResponse::error(404, "not_found", message)
}
