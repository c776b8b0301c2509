//! Admins: signing in with a one-time link (the first operator's
//! bootstrap, from the command line) or OpenID Connect, tenant members
//! (owners invite and remove them), and API tokens for automation.
//!
//! Link and token secrets are random 32-byte values shown once; only their
//! SHA-256 is stored, so a database dump signs nobody in.

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

use super::access::audit;
use super::{ServiceError, Services, to_audit};
use crate::context::{Actor, RequestContext, Role, grant};
use crate::storage;
use crate::storage::admins::{AdminRow, MemberRow};
use crate::storage::api_tokens::ApiTokenRow;
use portcullis_api::members::{ApiToken, ApiTokenCreate, ApiTokenCreated, Member, MemberPut};
use portcullis_api::session::{Me, Membership};

/// How long a sign-in link from the command line stays good.
const SIGN_IN_LINK_LIFETIME: Duration = Duration::minutes(15);

/// API tokens start with this, so secret scanners and people recognise them.
pub const API_TOKEN_PREFIX: &str = "pct_";

/// A one-time sign-in link's secret, for the command line to print.
#[derive(Debug)]
pub struct SignInLink {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

impl From<ApiTokenRow> for ApiToken {
    fn from(r: ApiTokenRow) -> Self {
        Self {
            id: r.id,
            name: r.name,
            role: Role::parse(&r.role).unwrap_or(Role::Viewer),
            created_at: r.created_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
        }
    }
}

impl From<MemberRow> for Member {
    fn from(r: MemberRow) -> Self {
        Self {
            email: r.email,
            role: Role::parse(&r.role).unwrap_or(Role::Viewer),
            added_at: r.created_at,
            signed_in_at: r.signed_in_at,
        }
    }
}

impl Services {
    /// Creates (or finds) the admin with `email`, an operator if
    /// `operator`, and a one-time link that signs them in.
    pub async fn sign_in_link_create(
        &self,
        ctx: &RequestContext,
        email: &str,
        operator: bool,
    ) -> Result<SignInLink, ServiceError> {
        self.require_operator(ctx)?;
        let email = normalize_email(email)?;
        let token = random_secret()?;
        let expires_at = Utc::now() + SIGN_IN_LINK_LIFETIME;
        let mut tx = self.begin().await?;
        let admin = storage::admins::admin_upsert(&mut *tx, &email, operator).await?;
        storage::admins::sign_in_link_create(&mut *tx, &digest(&token), admin.id, expires_at)
            .await?;
        audit(&mut tx, ctx, None, "admin.sign_in_link", &email, None, None).await?;
        super::commit(tx).await?;
        Ok(SignInLink { token, expires_at })
    }

    /// Spends a sign-in link; the admin it signs in.
    pub async fn sign_in_link_use(&self, token: &str) -> Result<Actor, ServiceError> {
        let admin_id = storage::admins::sign_in_link_use(&self.db, &digest(token))
            .await?
            .ok_or(ServiceError::Unauthenticated)?;
        storage::admins::admin_signed_in(&self.db, admin_id, None).await?;
        self.admin_actor(admin_id)
            .await?
            .ok_or(ServiceError::Unauthenticated)
    }

    /// Signs in the admin an OpenID Provider vouched for: only someone
    /// already invited (or an operator) by that email, and, once bound,
    /// only with the same subject.
    pub async fn oidc_sign_in(&self, email: &str, subject: &str) -> Result<Actor, ServiceError> {
        let email = normalize_email(email)?;
        let admin = storage::admins::admin_by_email(&self.db, &email)
            .await?
            .ok_or_else(|| {
                ServiceError::Forbidden(format!("{email} has not been invited to Portcullis"))
            })?;
        if let Some(bound) = storage::admins::admin_subject(&self.db, admin.id).await?
            && bound != subject
        {
            return Err(ServiceError::Forbidden(format!(
                "{email} signed in before as another account of the identity provider"
            )));
        }
        storage::admins::admin_signed_in(&self.db, admin.id, Some(subject)).await?;
        Ok(actor_of(admin))
    }

    /// The admin a session names, if they still exist.
    pub async fn admin_actor(&self, admin_id: i64) -> Result<Option<Actor>, ServiceError> {
        Ok(storage::admins::admin_fetch(&self.db, admin_id)
            .await?
            .map(actor_of))
    }

    /// The token a bearer secret names, if it is live (its use recorded).
    pub async fn api_token_actor(&self, secret: &str) -> Result<Option<Actor>, ServiceError> {
        if !secret.starts_with(API_TOKEN_PREFIX) {
            return Ok(None);
        }
        Ok(
            storage::api_tokens::api_token_use(&self.db, &digest(secret))
                .await?
                .and_then(|row| {
                    Some(Actor::ApiToken {
                        id: row.id,
                        tenant_id: row.tenant_id,
                        role: Role::parse(&row.role)?,
                    })
                }),
        )
    }

    pub async fn me(&self, ctx: &RequestContext) -> Result<Me, ServiceError> {
        let (email, tenants) = match ctx.actor() {
            Actor::Admin { email, .. } => (Some(email.clone()), self.tenant_list(ctx).await?),
            _ => (None, self.tenant_list(ctx).await?),
        };
        let mut memberships = Vec::new();
        for tenant in tenants {
            let row = self.tenant_for::<grant::Read>(ctx, &tenant.slug).await?;
            if let Some(role) = self.role_in(ctx, &row).await? {
                memberships.push(Membership {
                    tenant: tenant.slug,
                    role,
                });
            }
        }
        Ok(Me {
            email,
            operator: ctx.is_operator(),
            memberships,
        })
    }

    pub async fn member_list(
        &self,
        ctx: &RequestContext,
        tenant: &str,
    ) -> Result<Vec<Member>, ServiceError> {
        let row = self.tenant_for::<grant::Read>(ctx, tenant).await?;
        let members = storage::admins::member_list(&self.db, &row).await?;
        Ok(members.into_iter().map(Member::from).collect())
    }

    /// One member of the tenant.
    pub async fn member_get(
        &self,
        ctx: &RequestContext,
        tenant: &str,
        email: &str,
    ) -> Result<Member, ServiceError> {
        let row = self.tenant_for::<grant::Read>(ctx, tenant).await?;
        let email = normalize_email(email)?;
        storage::admins::member_list(&self.db, &row)
            .await?
            .into_iter()
            .map(Member::from)
            .find(|m| m.email == email)
            .ok_or_else(|| ServiceError::NotFound(format!("member {email:?} of tenant {tenant:?}")))
    }

    /// Invites `email` to the tenant with `role`, or changes their role;
    /// with `if_match`, only if their membership is still that version.
    pub async fn member_put(
        &self,
        ctx: &RequestContext,
        tenant: &str,
        email: &str,
        input: MemberPut,
        if_match: Option<&str>,
    ) -> Result<Member, ServiceError> {
        let row = self.tenant_for::<grant::Manage>(ctx, tenant).await?;
        let email = normalize_email(email)?;
        let mut tx = self.begin().await?;
        let admin = storage::admins::admin_upsert(&mut *tx, &email, false).await?;
        let before = storage::admins::membership_role_for_update(&mut *tx, &row, admin.id).await?;
        let what = format!("the membership of {email}");
        match before.as_deref().and_then(Role::parse) {
            Some(role) => {
                super::version::check(if_match, &super::version::member_etag(&email, role), &what)?
            }
            None if if_match.is_some() => super::version::check(if_match, "", &what)?,
            None => {}
        }
        storage::admins::member_put(&mut *tx, &row, admin.id, input.role.as_str()).await?;
        // Demoting the last owner would leave the tenant to operators alone.
        if before.as_deref() == Some("owner")
            && storage::admins::owner_count(&mut *tx, &row).await? == 0
        {
            return Err(last_owner());
        }
        audit(
            &mut tx,
            ctx,
            Some(row.id),
            "member.put",
            &email,
            before.map(|r| serde_json::json!({ "role": r })).as_ref(),
            Some(&serde_json::json!({ "role": input.role })),
        )
        .await?;
        super::commit(tx).await?;
        Ok(Member {
            email,
            role: input.role,
            added_at: Utc::now(),
            signed_in_at: admin.signed_in_at,
        })
    }

    pub async fn member_delete(
        &self,
        ctx: &RequestContext,
        tenant: &str,
        email: &str,
    ) -> Result<(), ServiceError> {
        let row = self.tenant_for::<grant::Manage>(ctx, tenant).await?;
        let email = normalize_email(email)?;
        let not_member =
            || ServiceError::NotFound(format!("member {email:?} of tenant {tenant:?}"));
        let admin = storage::admins::admin_by_email(&self.db, &email)
            .await?
            .ok_or_else(not_member)?;
        let mut tx = self.begin().await?;
        let before = storage::admins::membership_role(&mut *tx, row.id, admin.id).await?;
        if !storage::admins::member_delete(&mut *tx, &row, admin.id).await? {
            return Err(not_member());
        }
        if before.as_deref() == Some("owner")
            && storage::admins::owner_count(&mut *tx, &row).await? == 0
        {
            return Err(last_owner());
        }
        audit(
            &mut tx,
            ctx,
            Some(row.id),
            "member.delete",
            &email,
            Some(&serde_json::json!({ "role": before })),
            None,
        )
        .await?;
        super::commit(tx).await?;
        Ok(())
    }

    pub async fn api_token_create(
        &self,
        ctx: &RequestContext,
        tenant: &str,
        input: ApiTokenCreate,
    ) -> Result<ApiTokenCreated, ServiceError> {
        let row = self.tenant_for::<grant::Manage>(ctx, tenant).await?;
        let name = input.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(ServiceError::invalid("name", "must be 1 to 100 characters"));
        }
        if input.role == Role::Owner {
            return Err(ServiceError::invalid(
                "role",
                "tokens are admin or viewer; owners are people",
            ));
        }
        let secret = random_secret()?;
        let created_by = match ctx.actor() {
            Actor::Admin { id, .. } => Some(*id),
            _ => None,
        };
        let mut tx = self.begin().await?;
        let token = storage::api_tokens::api_token_create(
            &mut *tx,
            &row,
            name,
            input.role.as_str(),
            &digest(&secret),
            created_by,
        )
        .await?;
        let token = ApiToken::from(token);
        let after = to_audit(&token);
        audit(
            &mut tx,
            ctx,
            Some(row.id),
            "api_token.create",
            &token.id.to_string(),
            None,
            Some(&after),
        )
        .await?;
        super::commit(tx).await?;
        Ok(ApiTokenCreated { token, secret })
    }

    pub async fn api_token_list(
        &self,
        ctx: &RequestContext,
        tenant: &str,
    ) -> Result<Vec<ApiToken>, ServiceError> {
        let row = self.tenant_for::<grant::Manage>(ctx, tenant).await?;
        let tokens = storage::api_tokens::api_token_list(&self.db, &row).await?;
        Ok(tokens.into_iter().map(ApiToken::from).collect())
    }

    pub async fn api_token_revoke(
        &self,
        ctx: &RequestContext,
        tenant: &str,
        id: i64,
    ) -> Result<(), ServiceError> {
        let row = self.tenant_for::<grant::Manage>(ctx, tenant).await?;
        let mut tx = self.begin().await?;
        let token = storage::api_tokens::api_token_revoke(&mut *tx, &row, id)
            .await?
            .ok_or_else(|| {
                ServiceError::NotFound(format!("API token {id} of tenant {tenant:?}"))
            })?;
        let after = to_audit(&ApiToken::from(token));
        audit(
            &mut tx,
            ctx,
            Some(row.id),
            "api_token.revoke",
            &id.to_string(),
            None,
            Some(&after),
        )
        .await?;
        super::commit(tx).await?;
        Ok(())
    }
}

fn actor_of(admin: AdminRow) -> Actor {
    Actor::Admin {
        id: admin.id,
        email: admin.email,
        operator: admin.is_operator,
    }
}

fn last_owner() -> ServiceError {
    ServiceError::Conflict("a tenant keeps at least one owner".into())
}

/// Emails are compared lower-cased; anything without one `@` is refused.
pub(super) fn normalize_email(email: &str) -> Result<String, ServiceError> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 254
        && matches!(email.split_once('@'), Some((local, domain))
            if !local.is_empty() && !domain.is_empty() && !domain.contains('@'))
        && !email.chars().any(char::is_whitespace);
    if valid {
        Ok(email)
    } else {
        Err(ServiceError::invalid("email", "must be an email address"))
    }
}

fn random_secret() -> Result<String, ServiceError> {
    Ok(format!("{API_TOKEN_PREFIX}{}", random_token()?))
}

/// 256 random bits as hex: secrets shown once, CSRF tokens.
pub fn random_token() -> Result<String, ServiceError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| ServiceError::Internal(e.to_string()))?;
    Ok(portcullis_tenant_config::encoding::encode_hex(&bytes))
}

fn digest(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_or_refused() {
        assert_eq!(
            normalize_email(" Ann@Example.COM ").unwrap(),
            "ann@example.com"
        );
        for bad in ["", "ann", "@x", "ann@", "a@b@c", "a b@c"] {
            assert!(normalize_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn secrets_are_random_and_recognisable() {
        let (a, b) = (random_secret().unwrap(), random_secret().unwrap());
        assert_ne!(a, b);
        assert!(a.starts_with(API_TOKEN_PREFIX) && a.len() == 4 + 64);
        assert_ne!(digest(&a), digest(&b));
    }
}
