//! What the runtime asks the tenant's authority about a signed-in user when
//! it sends an HTTP tool's call (never reachable from outside the Worker):
//! their own token at their identity provider, for the tools a tenant lets
//! act as the user — kept sealed in the user's grant from sign-in, renewed
//! with the provider's refresh token when it has expired, and, when the
//! provider refuses to renew it, the grant ended so the client signs the
//! user in again; and what the provider said about them (email, name),
//! for the user assertion.

use serde::{Deserialize, Serialize};

use super::records::{self, Grant, UpstreamHeld};
use super::upstream::{EdgeCrypto, Fetch, RenewalError, UpstreamTokens, renew};
use super::{Authority, Halt};
use crate::oauth::records::AuthStore;

/// The path the runtime asks the tenant's object at for the user's token.
pub const USER_TOKEN_PATH: &str = "/internal/user-token";
/// The path it asks at for what the provider said about the user.
pub const USER_CLAIMS_PATH: &str = "/internal/user-claims";

/// What the provider said about the user, sealed with
/// [`records::claims_aad`]; none once the grant has ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserClaimsAnswer {
    pub sealed: Option<String>,
}

/// How long before its expiry a token is renewed rather than sent (at
/// most a quarter of its life).
const RENEW_MARGIN_SECONDS: u64 = 60;

/// What the runtime asks: the token of the grant a call's access token
/// belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserTokenAsk {
    pub grant: String,
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum UserToken {
    /// The access token, sealed with
    /// [`records::upstream_token_aad`] for the grant's user.
    Sealed { sealed: String, user: String },
    /// The user's sign-in has ended (revoked, expired past renewal, or
    /// refused by the provider): they must sign in again.
    Ended { why: String },
    /// The provider gave no token, or cannot be asked right now.
    Unavailable { why: String },
}

/// `tokens` sealed for `user`, as of the authority's clock.
pub async fn seal<S, C: EdgeCrypto, F>(
    authority: &Authority<'_, S, C, F>,
    user: &str,
    tokens: &UpstreamTokens,
) -> UpstreamHeld {
    let tenant = &authority.config.tenant;
    let crypto = authority.crypto;
    let access = records::upstream_token_aad(tenant, user);
    let refresh = records::upstream_refresh_aad(tenant, user);
    UpstreamHeld {
        upstream_token: crypto.seal(&access, tokens.access_token.as_bytes()).await,
        upstream_refresh: match &tokens.refresh_token {
            Some(token) => crypto.seal(&refresh, token.as_bytes()).await,
            None => None,
        },
        upstream_renew_at: tokens
            .expires_in
            .map(|s| authority.now + s - RENEW_MARGIN_SECONDS.min(s / 4)),
    }
}

impl<S: AuthStore, C: EdgeCrypto, F: Fetch> Authority<'_, S, C, F> {
    /// The grant's user claims, still sealed, while the grant lasts.
    pub async fn user_claims(&self, ask: &UserTokenAsk) -> Result<UserClaimsAnswer, Halt> {
        let grant: Option<Grant> =
            records::load(self.store, &records::grant_key(&ask.grant)).await?;
        let live = grant.filter(|g| !g.revoked && g.expires_at > self.now);
        Ok(UserClaimsAnswer {
            sealed: live.map(|g| g.user.claims),
        })
    }

    /// The grant's upstream access token, renewed first if it has expired.
    pub async fn user_token(&self, ask: &UserTokenAsk) -> Result<UserToken, Halt> {
        let key = records::grant_key(&ask.grant);
        let grant: Option<Grant> = records::load(self.store, &key).await?;
        let Some(mut grant) = grant.filter(|g| !g.revoked && g.expires_at > self.now) else {
            return Ok(ended("Your sign-in has ended; sign in again."));
        };
        let user = grant.user.user_id.clone();
        let Some(sealed) = grant.provider_tokens.upstream_token.clone() else {
            return Ok(UserToken::Unavailable {
                why: "The identity provider gave no token to act as you with.".into(),
            });
        };
        let fresh = grant
            .provider_tokens
            .upstream_renew_at
            .is_none_or(|at| self.now < at);
        if fresh {
            return Ok(UserToken::Sealed { sealed, user });
        }
        let refresh = match &grant.provider_tokens.upstream_refresh {
            Some(sealed) => {
                let aad = records::upstream_refresh_aad(&self.config.tenant, &user);
                self.crypto
                    .open_sealed(&aad, sealed)
                    .await
                    .and_then(|t| String::from_utf8(t).ok())
            }
            None => None,
        };
        let provider_id = user.split(':').next().unwrap_or_default();
        let provider = self.oauth.providers.iter().find(|p| p.id == provider_id);
        let (Some(refresh), Some(provider)) = (refresh, provider) else {
            // Expired, and nothing to renew it with.
            self.revoke_grant(&grant.id).await?;
            return Ok(ended(
                "Your sign-in with the identity provider has expired; sign in again.",
            ));
        };
        match renew(
            provider,
            &self.config.tenant,
            &refresh,
            self.fetch,
            self.crypto,
        )
        .await
        {
            Ok(mut tokens) => {
                // A provider that does not rotate refresh tokens keeps the old one.
                tokens.refresh_token.get_or_insert(refresh);
                grant.provider_tokens = seal(self, &user, &tokens).await;
                records::save(self.store, &key, &grant).await?;
                match grant.provider_tokens.upstream_token {
                    Some(sealed) => Ok(UserToken::Sealed { sealed, user }),
                    None => Ok(UserToken::Unavailable {
                        why: "The renewed token could not be kept.".into(),
                    }),
                }
            }
            Err(RenewalError::Refused(error)) => {
                crate::log::error(&format!(
                    "{}: the provider refused to renew a token ({error}); the grant ends",
                    self.config.tenant
                ));
                self.revoke_grant(&grant.id).await?;
                Ok(ended(&format!(
                    "{} ended your sign-in; sign in again.",
                    provider.display_name
                )))
            }
            Err(RenewalError::Unavailable(why)) => Ok(UserToken::Unavailable {
                why: format!(
                    "{} cannot be reached right now: {why}",
                    provider.display_name
                ),
            }),
        }
    }
}

fn ended(why: &str) -> UserToken {
    UserToken::Ended { why: why.into() }
}
