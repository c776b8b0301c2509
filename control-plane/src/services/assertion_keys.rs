//! A tenant's user-assertion keys: made when a publish first needs one,
//! rotated and retired by an admin. The newest key signs; after a rotation
//! the previous one stays in the tenant's JWKS (the overlap, so assertions
//! signed just before still verify and backends' cached key sets still
//! match) until an admin retires it. Each change republishes the live
//! version, so the edge signs and lists exactly what is stored.

use portcullis_api::keys::AssertionKey;
use portcullis_tenant_config::assertion::{
    AssertionKeys, PublicKey, SigningKey, key_aad, pkcs8_of_seed,
};
use portcullis_tenant_config::encoding::{encode_base64url, encode_hex};
use portcullis_tenant_config::sealing::seal;
use sqlx::PgConnection;

use super::access::audit;
use super::{ServiceError, Services, to_audit};
use crate::context::{Authorized, MayWrite, RequestContext, grant};
use crate::storage::assertion_keys::{self as keys, AssertionKeyRow};
use crate::storage::config_versions as versions;
use crate::storage::tenants::TenantRow;

enum KeyChange {
    Rotate,
    Retire,
}

/// How many keys a rotation leaves: the new one and the previous.
const KEPT_AFTER_ROTATION: i64 = 2;

fn view(rows: &[AssertionKeyRow]) -> Vec<AssertionKey> {
    rows.iter()
        .enumerate()
        .map(|(i, row)| AssertionKey {
            kid: row.kid.clone(),
            x: row.public_x.clone(),
            signing: i == 0,
            created_at: row.created_at,
        })
        .collect()
}

impl Services {
    pub async fn assertion_key_list(
        &self,
        ctx: &RequestContext,
        tenant: &str,
    ) -> Result<Vec<AssertionKey>, ServiceError> {
        let tenant_row = self.tenant_for::<grant::Read>(ctx, tenant).await?;
        Ok(view(
            &keys::assertion_key_list(&self.db, &tenant_row).await?,
        ))
    }

    /// Makes a new signing key; the previous one stays listed, any older
    /// one is dropped.
    pub async fn assertion_key_rotate(
        &self,
        ctx: &RequestContext,
        tenant: &str,
    ) -> Result<Vec<AssertionKey>, ServiceError> {
        self.change_keys(ctx, tenant, KeyChange::Rotate).await
    }

    /// Drops every key but the signing one: assertions signed before the
    /// last rotation no longer verify.
    pub async fn assertion_key_retire(
        &self,
        ctx: &RequestContext,
        tenant: &str,
    ) -> Result<Vec<AssertionKey>, ServiceError> {
        self.change_keys(ctx, tenant, KeyChange::Retire).await
    }

    /// Makes `change` to the locked tenant's keys, records it, and
    /// republishes the live version with the keys as they now are.
    async fn change_keys(
        &self,
        ctx: &RequestContext,
        tenant: &str,
        change: KeyChange,
    ) -> Result<Vec<AssertionKey>, ServiceError> {
        let mut tx = self.begin().await?;
        let tenant_row = self
            .tenant_locked::<grant::Write>(&mut tx, ctx, tenant)
            .await?;
        let before = view(&keys::assertion_key_list(&mut *tx, &tenant_row).await?);
        let action = match change {
            KeyChange::Rotate => {
                self.assertion_key_make(&mut tx, &tenant_row).await?;
                keys::assertion_key_keep_newest(&mut *tx, &tenant_row, KEPT_AFTER_ROTATION).await?;
                "assertion_keys.rotate"
            }
            KeyChange::Retire => {
                keys::assertion_key_keep_newest(&mut *tx, &tenant_row, 1).await?;
                "assertion_keys.retire"
            }
        };
        let after = view(&keys::assertion_key_list(&mut *tx, &tenant_row).await?);
        audit(
            &mut tx,
            ctx,
            Some(tenant_row.id),
            action,
            "assertion keys",
            Some(&to_audit(&before)),
            Some(&to_audit(&after)),
        )
        .await?;
        let live = versions::config_version_live(&mut *tx, &tenant_row).await?;
        super::commit(tx).await?;
        if let Some(live) = live {
            self.republish_rekeyed(ctx, tenant, live).await?;
        }
        Ok(after)
    }

    /// A new key for the tenant, stored with its private half sealed for
    /// the edge.
    async fn assertion_key_make(
        &self,
        tx: &mut PgConnection,
        tenant_row: &Authorized<TenantRow, impl MayWrite>,
    ) -> Result<(), ServiceError> {
        let random = |bytes: &mut [u8]| {
            getrandom::fill(bytes).map_err(|e| ServiceError::Internal(format!("random: {e}")))
        };
        let mut seed = [0u8; 32];
        let mut id = [0u8; 8];
        random(&mut seed)?;
        random(&mut id)?;
        let kid = encode_hex(&id);
        let public = ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key();
        let sealed = seal(
            &self.seal_key,
            &key_aad(&tenant_row.slug, &kid),
            &pkcs8_of_seed(&seed),
        );
        keys::assertion_key_create(
            &mut *tx,
            tenant_row,
            &kid,
            &encode_base64url(public.as_bytes()),
            &sealed,
        )
        .await?;
        Ok(())
    }

    /// The keys a publish carries: the stored ones, a first one made when
    /// a tool needs it and there is none.
    pub(super) async fn assertion_keys_for_publish(
        &self,
        tx: &mut PgConnection,
        tenant_row: &Authorized<TenantRow, grant::Write>,
        needed: bool,
    ) -> Result<Option<AssertionKeys>, ServiceError> {
        let mut rows = keys::assertion_key_list(&mut *tx, tenant_row).await?;
        if rows.is_empty() && needed {
            self.assertion_key_make(tx, tenant_row).await?;
            rows = keys::assertion_key_list(&mut *tx, tenant_row).await?;
        }
        Ok(assertion_keys_of(&rows))
    }
}

/// The config's form of the stored keys (newest first).
pub(super) fn assertion_keys_of(rows: &[AssertionKeyRow]) -> Option<AssertionKeys> {
    let newest = rows.first()?;
    Some(AssertionKeys {
        signing: SigningKey {
            kid: newest.kid.clone(),
            sealed: newest.private_sealed.clone(),
        },
        public: rows
            .iter()
            .map(|row| PublicKey {
                kid: row.kid.clone(),
                x: row.public_x.clone(),
            })
            .collect(),
    })
}
