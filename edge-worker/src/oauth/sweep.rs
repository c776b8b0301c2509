//! Forgetting what a tenant's authorization server no longer needs, so its
//! storage follows its live users, not every flow ever started.
//!
//! Run from the auth object's alarm ([`SWEEP_INTERVAL_SECONDS`] after the
//! last request that found none set). Each record has a lifetime:
//! - an authorization transaction, until it expires (15 minutes);
//! - an authorization code, until it expires (kept after redemption, to
//!   recognise a reused code, until then);
//! - a grant, until it expires or is revoked (its access tokens are refused
//!   through the revocation KV entry meanwhile); with it go its refresh
//!   records, used or not;
//! - a dynamically registered client, [`UNUSED_REGISTRATION_SECONDS`] after
//!   registration unless a live grant names it; with it go consents given
//!   to it;
//! - a cached client metadata document, once stale.
//!
//! Consents to pre-registered clients stay: they are few (users × clients)
//! and are what spares a returning user the consent page.

use portcullis_tenant_config::json;
use std::collections::BTreeSet;

use serde::Deserialize;

use super::cimd::CACHE_SECONDS;
use super::records::{self, AuthStore, RegisteredClient, StorageError};

/// How often the auth object sweeps while it holds records.
pub const SWEEP_INTERVAL_SECONDS: u64 = 60 * 60;

/// How long a dynamically registered client that completed no flow is kept.
pub const UNUSED_REGISTRATION_SECONDS: u64 = 24 * 60 * 60;

/// What one sweep did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
    pub deleted: usize,
    /// Records left; none means the object need not sweep again until new
    /// ones come.
    pub kept: usize,
}

#[derive(Deserialize)]
struct Expiring {
    expires_at: u64,
}

#[derive(Deserialize)]
struct GrantState {
    id: String,
    client_id: String,
    expires_at: u64,
    revoked: bool,
}

#[derive(Deserialize)]
struct RefreshState {
    grant: String,
}

/// Deletes every record past its lifetime at `now` (seconds).
pub async fn sweep(store: &impl AuthStore, now: u64) -> Result<Swept, StorageError> {
    let mut swept = Swept::default();
    let forget = |store_key: String, gone: bool, swept: &mut Swept| {
        if gone {
            swept.deleted += 1;
            Some(store_key)
        } else {
            swept.kept += 1;
            None
        }
    };
    let mut doomed = Vec::new();
    // The key functions with an empty id give each kind's prefix.
    for prefix in [records::transaction_key(""), records::code_key("")] {
        for (key, value) in store.list(&prefix).await? {
            // A record that no longer parses is as good as expired.
            let expired = json::parse::<Expiring>(&value).map_or(true, |r| r.expires_at < now);
            doomed.extend(forget(key, expired, &mut swept));
        }
    }
    let mut live_grants = BTreeSet::new();
    let mut clients_in_use = BTreeSet::new();
    for (key, value) in store.list(&records::grant_key("")).await? {
        let grant = json::parse::<GrantState>(&value).ok();
        let live = grant
            .as_ref()
            .is_some_and(|g| !g.revoked && g.expires_at >= now);
        if let Some(grant) = grant.filter(|_| live) {
            live_grants.insert(grant.id);
            clients_in_use.insert(grant.client_id);
        }
        doomed.extend(forget(key, !live, &mut swept));
    }
    for (key, value) in store.list(&records::refresh_key("")).await? {
        let orphan =
            json::parse::<RefreshState>(&value).map_or(true, |r| !live_grants.contains(&r.grant));
        doomed.extend(forget(key, orphan, &mut swept));
    }
    let mut unregistered = BTreeSet::new();
    for (key, value) in store.list(&records::client_key("")).await? {
        let client = json::parse::<RegisteredClient>(&value).ok();
        let unused = client.as_ref().is_none_or(|c| {
            !clients_in_use.contains(&c.client_id)
                && c.issued_at + UNUSED_REGISTRATION_SECONDS < now
        });
        if let Some(client) = client.filter(|_| unused) {
            unregistered.insert(client.client_id);
        }
        doomed.extend(forget(key, unused, &mut swept));
    }
    for (key, _) in store.list("consent/").await? {
        // `consent/{user}/{client}`: client ids of registrations hold no `/`.
        let client = key.rsplit('/').next().unwrap_or_default();
        doomed.extend(forget(
            key.clone(),
            unregistered.contains(client),
            &mut swept,
        ));
    }
    for (key, value) in store.list("cimd/").await? {
        let stale = json::parse::<RegisteredClient>(&value)
            .map_or(true, |d| d.issued_at + CACHE_SECONDS < now);
        doomed.extend(forget(key, stale, &mut swept));
    }
    for key in doomed {
        store.delete(&key).await?;
    }
    Ok(swept)
}
