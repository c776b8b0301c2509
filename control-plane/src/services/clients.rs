//! The OAuth clients that may ask a tenant's users for access, and the
//! grants users gave them. Both live in the tenant's authorization server
//! at the edge; this asks it (with a signed command) and audits revocations.

use portcullis_tenant_config::encoding::percent_encode;
use reqwest::Method;
use serde::Deserialize;

use super::access::audit;
use super::{ServiceError, Services, to_audit};
use crate::context::{RequestContext, grant};
use crate::storage::StorageError;
use portcullis_api::clients::{ClientRevoked, OAuthClient, UserGrant};

#[derive(Deserialize)]
struct ClientListing {
    clients: Vec<OAuthClient>,
}

/// One page of grants, in the order the edge stores them.
#[derive(Debug, Deserialize)]
pub struct GrantPage {
    pub grants: Vec<UserGrant>,
    /// The grant id the next page starts after; none on the last page.
    pub next: Option<String>,
}

impl Services {
    /// Asks the edge for `rest`; nothing published yet (or no authorization
    /// configured) is `None`.
    async fn edge_listing<T: serde::de::DeserializeOwned>(
        &self,
        tenant: &str,
        rest: &str,
    ) -> Result<Option<T>, ServiceError> {
        let Some(body) = self.ask_edge(Method::GET, tenant, rest).await? else {
            return Ok(None);
        };
        serde_json::from_value(body)
            .map(Some)
            .map_err(|e| ServiceError::Internal(format!("edge's answer to {rest}: {e}")))
    }

    pub async fn client_list(
        &self,
        ctx: &RequestContext,
        tenant: &str,
    ) -> Result<Vec<OAuthClient>, ServiceError> {
        self.tenant_for::<grant::Read>(ctx, tenant).await?;
        let listing: Option<ClientListing> = self.edge_listing(tenant, "clients").await?;
        Ok(listing.map(|l| l.clients).unwrap_or_default())
    }

    /// Up to `limit` grants after grant `after`: paged where they are
    /// stored, so a tenant with many users costs one page per request.
    pub async fn grant_list(
        &self,
        ctx: &RequestContext,
        tenant: &str,
        limit: usize,
        after: Option<&str>,
    ) -> Result<GrantPage, ServiceError> {
        self.tenant_for::<grant::Read>(ctx, tenant).await?;
        let mut rest = format!("grants?limit={limit}");
        if let Some(after) = after {
            rest.push_str("&after=");
            rest.push_str(&percent_encode(after));
        }
        let page = self.edge_listing(tenant, &rest).await?;
        Ok(page.unwrap_or(GrantPage {
            grants: Vec::new(),
            next: None,
        }))
    }

    /// Revokes every grant of a client and, if it registered itself, its
    /// registration.
    pub async fn client_revoke(
        &self,
        ctx: &RequestContext,
        tenant: &str,
        client_id: &str,
    ) -> Result<ClientRevoked, ServiceError> {
        let tenant_row = self.tenant_for::<grant::Write>(ctx, tenant).await?;
        let rest = format!("clients/{}", percent_encode(client_id));
        let body = self
            .ask_edge(Method::DELETE, tenant, &rest)
            .await?
            .ok_or_else(|| {
                ServiceError::NotFound(format!("client {client_id:?} of tenant {tenant:?}"))
            })?;
        let revoked: ClientRevoked = serde_json::from_value(body)
            .map_err(|e| ServiceError::Internal(format!("edge's revocation answer: {e}")))?;
        // The change is the edge's, done: its entry follows it.
        audit(
            &mut *self.db.acquire().await.map_err(StorageError::from)?,
            ctx,
            Some(tenant_row.id),
            "client.revoke",
            client_id,
            None,
            Some(&to_audit(&revoked)),
        )
        .await?;
        Ok(revoked)
    }

    /// Revokes one user's grant; their tokens stop working at once.
    pub async fn grant_revoke(
        &self,
        ctx: &RequestContext,
        tenant: &str,
        grant_id: &str,
    ) -> Result<(), ServiceError> {
        let tenant_row = self.tenant_for::<grant::Write>(ctx, tenant).await?;
        let rest = format!("grants/{}", percent_encode(grant_id));
        self.ask_edge(Method::DELETE, tenant, &rest)
            .await?
            .ok_or_else(|| {
                ServiceError::NotFound(format!("grant {grant_id:?} of tenant {tenant:?}"))
            })?;
        audit(
            &mut *self.db.acquire().await.map_err(StorageError::from)?,
            ctx,
            Some(tenant_row.id),
            "grant.revoke",
            grant_id,
            None,
            None,
        )
        .await
    }
}
