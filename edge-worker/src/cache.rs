//! The isolate's hot-path cache: what the common request needs, kept in
//! memory so that it touches no storage at all.
//!
//! Three things every MCP request would otherwise fetch, each with a rule
//! for how stale it may be:
//! - the tenant's parsed config, re-read at most every [`CONFIG_FRESH_MS`]
//!   (a publish is served within that bound, plus the store's own
//!   propagation); a save through this isolate is seen at once;
//! - "this grant is not revoked", re-checked at most every
//!   [`REVOCATION_FRESH_MS`]; a revocation this isolate learns of is seen
//!   at once, and a revoked grant stays revoked;
//! - rate-limit allowance: the tenant's counter hands out a few units at a
//!   time (a lease, [`Count::lease`]) that this isolate spends locally, so
//!   the counter stays one count per tenant without a round trip per
//!   request. A lease is only good in the window it was granted for, and a
//!   refusal of one count is remembered for the rest of its window. One
//!   lease is asked for at a time per counter ("single flight"): requests
//!   arriving meanwhile wait for it and spend what it brings, so a burst
//!   costs one round trip, not one each, and a refusal is never read before
//!   a grant that was already on its way (answers to concurrent calls may
//!   arrive in any order).
//!
//! [`Cached`] puts the cache in front of any store; the runtime keeps one
//! [`HotCache`] per isolate. Everything is bounded: past its size a map
//! drops its oldest entries (or, for leases, those of past windows).

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use portcullis_tenant_config::TenantConfig;
use portcullis_tenant_config::limits::WINDOW_SECONDS;

use crate::rate::{Count, RateLimiter, RetryAfter};
use crate::store::{CommandNonces, ConfigStore, Saved, StoreError};

/// How long a config read from the store is served without reading again.
pub const CONFIG_FRESH_MS: u64 = 500;
/// How long "not revoked" is believed without asking again.
pub const REVOCATION_FRESH_MS: u64 = 5_000;

/// At most this many tenants' configs are kept.
const MAX_CONFIGS: usize = 512;
/// At most this many grants' revocation answers are kept.
const MAX_GRANTS: usize = 8_192;
/// Above this many leases, those of past windows are dropped.
const MAX_LEASES: usize = 4_096;

/// What one isolate remembers between requests.
#[derive(Default)]
pub struct HotCache {
    configs: HashMap<String, (Rc<TenantConfig>, u64)>,
    /// `(tenant, grant)` → revoked, and when that was learnt (ms).
    grants: HashMap<(String, String), (bool, u64)>,
    /// `(tenant, counter key)` → units left, and the window they are for.
    leases: HashMap<(String, String), Lease>,
    /// `(tenant, counter key)` of the leases being asked for right now.
    flights: HashSet<(String, String)>,
}

#[derive(Clone, Copy)]
struct Lease {
    window: u64,
    left: u32,
    /// The counter refused this count in `window`: counts only grow within
    /// a window, so it will refuse again until the next.
    full: bool,
}

impl HotCache {
    /// Records that `grant` of `tenant` is revoked (this isolate revoked
    /// it): refused from now on, whatever the store says.
    pub fn note_revoked(&mut self, tenant: &str, grant: &str) {
        let key = (tenant.to_owned(), grant.to_owned());
        self.grants.insert(key, (true, 0));
    }

    fn config(&self, tenant: &str, now_ms: u64) -> Option<Rc<TenantConfig>> {
        self.configs
            .get(tenant)
            .filter(|(_, read)| now_ms.saturating_sub(*read) < CONFIG_FRESH_MS)
            .map(|(config, _)| config.clone())
    }

    fn keep_config(&mut self, config: Rc<TenantConfig>, now_ms: u64) {
        if self.configs.len() >= MAX_CONFIGS && !self.configs.contains_key(&config.tenant) {
            drop_oldest(&mut self.configs, |(_, read)| *read);
        }
        self.configs.insert(config.tenant.clone(), (config, now_ms));
    }

    /// `Some(revoked)` when the cached answer may still be used.
    fn revoked(&self, tenant: &str, grant: &str, now_ms: u64) -> Option<bool> {
        let (revoked, learnt) = self.grants.get(&(tenant.to_owned(), grant.to_owned()))?;
        (*revoked || now_ms.saturating_sub(*learnt) < REVOCATION_FRESH_MS).then_some(*revoked)
    }

    fn keep_revoked(&mut self, tenant: &str, grant: &str, revoked: bool, now_ms: u64) {
        if self.grants.len() >= MAX_GRANTS {
            // Revoked grants are kept over unrevoked ones: forgetting a
            // revocation would cost a store read, not a wrong answer, but
            // the store may lag behind what this isolate was told.
            self.grants.retain(|_, (revoked, _)| *revoked);
            if self.grants.len() >= MAX_GRANTS {
                self.grants.clear();
            }
        }
        let key = (tenant.to_owned(), grant.to_owned());
        self.grants.insert(key, (revoked, now_ms));
    }

    /// Spends one unit of each of `counts` from the leases held, when every
    /// one has a unit left in `window`; otherwise spends nothing and
    /// returns the counts that need a new lease.
    fn spend_leased<'c>(
        &mut self,
        tenant: &str,
        counts: &'c [Count],
        window: u64,
    ) -> Vec<&'c Count> {
        let missing: Vec<&Count> = counts
            .iter()
            .filter(|c| self.lease_left(tenant, &c.key, window) == 0)
            .collect();
        if missing.is_empty() {
            for c in counts {
                if let Some(lease) = self.leases.get_mut(&(tenant.to_owned(), c.key.clone())) {
                    lease.left -= 1;
                }
            }
        }
        missing
    }

    fn lease_left(&self, tenant: &str, key: &str, window: u64) -> u32 {
        self.leases
            .get(&(tenant.to_owned(), key.to_owned()))
            .filter(|lease| lease.window == window)
            .map_or(0, |lease| lease.left)
    }

    /// Keeps `granted` units of each newly leased count, then spends one
    /// unit of every count of the request.
    fn take_leases(
        &mut self,
        tenant: &str,
        counts: &[Count],
        leased: &[&Count],
        granted: &[u32],
        window: u64,
    ) {
        if self.leases.len() >= MAX_LEASES {
            self.leases.retain(|_, lease| lease.window == window);
        }
        for (count, units) in leased.iter().zip(granted) {
            // Units of the window still left add up with the new ones.
            let key = (tenant.to_owned(), count.key.clone());
            let fresh = Lease {
                window,
                left: 0,
                full: false,
            };
            let lease = self.leases.entry(key).or_insert(fresh);
            if lease.window != window {
                *lease = fresh;
            }
            lease.left += units;
        }
        for c in counts {
            if let Some(lease) = self.leases.get_mut(&(tenant.to_owned(), c.key.clone())) {
                lease.left = lease.left.saturating_sub(1);
            }
        }
    }
}

impl HotCache {
    fn flying(&self, tenant: &str, counts: &[&Count]) -> bool {
        counts
            .iter()
            .any(|c| self.flights.contains(&(tenant.to_owned(), c.key.clone())))
    }

    /// Whether the counter refused one of `counts` in `window` already.
    fn full(&self, tenant: &str, counts: &[&Count], window: u64) -> bool {
        counts.iter().any(|c| {
            self.leases
                .get(&(tenant.to_owned(), c.key.clone()))
                .is_some_and(|lease| lease.window == window && lease.full)
        })
    }

    fn note_full(&mut self, tenant: &str, count: &Count, window: u64) {
        let lease = Lease {
            window,
            left: 0,
            full: true,
        };
        self.leases
            .insert((tenant.to_owned(), count.key.clone()), lease);
    }
}

/// A lease being asked for: marked in the cache while it lives and unmarked
/// when dropped, so a request cancelled mid-way cannot leave others waiting
/// for ever.
struct Flight {
    cache: Rc<RefCell<HotCache>>,
    keys: Vec<(String, String)>,
}

impl Flight {
    fn take_off(cache: &Rc<RefCell<HotCache>>, tenant: &str, counts: &[&Count]) -> Self {
        let keys: Vec<_> = counts
            .iter()
            .map(|c| (tenant.to_owned(), c.key.clone()))
            .collect();
        cache.borrow_mut().flights.extend(keys.iter().cloned());
        Self {
            cache: cache.clone(),
            keys,
        }
    }
}

impl Drop for Flight {
    fn drop(&mut self) {
        let mut cache = self.cache.borrow_mut();
        for key in &self.keys {
            cache.flights.remove(key);
        }
    }
}

fn drop_oldest<K: Clone + Eq + std::hash::Hash, V>(
    map: &mut HashMap<K, V>,
    age: impl Fn(&V) -> u64,
) {
    if let Some(oldest) = map
        .iter()
        .min_by_key(|(_, v)| age(v))
        .map(|(k, _)| k.clone())
    {
        map.remove(&oldest);
    }
}

/// `inner` with the isolate's [`HotCache`] in front of it.
pub struct Cached<S> {
    pub inner: S,
    pub cache: Rc<RefCell<HotCache>>,
    /// Milliseconds since the epoch, for the freshness rules.
    pub now_ms: u64,
}

impl<S: ConfigStore> ConfigStore for Cached<S> {
    async fn load(&self, tenant: &str) -> Result<Option<Rc<TenantConfig>>, StoreError> {
        if let Some(config) = self.cache.borrow().config(tenant, self.now_ms) {
            return Ok(Some(config));
        }
        let loaded = self.inner.load(tenant).await?;
        if let Some(config) = &loaded {
            self.cache
                .borrow_mut()
                .keep_config(config.clone(), self.now_ms);
        }
        Ok(loaded)
    }

    async fn save_if_newer(&self, config: &TenantConfig, text: &str) -> Result<Saved, StoreError> {
        let saved = self.inner.save_if_newer(config, text).await?;
        if let Saved::Replaced { .. } = saved {
            self.cache
                .borrow_mut()
                .keep_config(Rc::new(config.clone()), self.now_ms);
        }
        Ok(saved)
    }

    async fn is_revoked(&self, tenant: &str, grant: &str) -> Result<bool, StoreError> {
        if let Some(revoked) = self.cache.borrow().revoked(tenant, grant, self.now_ms) {
            return Ok(revoked);
        }
        let revoked = self.inner.is_revoked(tenant, grant).await?;
        self.cache
            .borrow_mut()
            .keep_revoked(tenant, grant, revoked, self.now_ms);
        Ok(revoked)
    }
}

impl<S: RateLimiter> RateLimiter for Cached<S> {
    async fn admit(
        &self,
        tenant: &str,
        counts: &[Count],
        now: u64,
    ) -> Result<Result<Vec<u32>, RetryAfter>, StoreError> {
        let window = now - now % WINDOW_SECONDS;
        let admitted = || Ok(Ok(vec![1; counts.len()]));
        loop {
            let (missing, full, flying) = {
                let mut cache = self.cache.borrow_mut();
                let missing = cache.spend_leased(tenant, counts, window);
                let full = cache.full(tenant, &missing, window);
                let flying = cache.flying(tenant, &missing);
                (missing, full, flying)
            };
            if missing.is_empty() {
                return admitted();
            }
            if full {
                return Ok(Err(RetryAfter((window + WINDOW_SECONDS - now).max(1))));
            }
            if !flying {
                return self.lease(tenant, counts, &missing, now, window).await;
            }
            // Another request is asking for these counts: spend what it
            // brings once it is back.
            self.inner.pause().await;
        }
    }

    async fn pause(&self) {
        self.inner.pause().await;
    }
}

impl<S: RateLimiter> Cached<S> {
    /// Asks the counter for a lease of each of `missing`, no other request
    /// of this isolate asking for them meanwhile; then spends one unit of
    /// each of `counts`. A refusal is final: nothing else was in flight.
    async fn lease(
        &self,
        tenant: &str,
        counts: &[Count],
        missing: &[&Count],
        now: u64,
        window: u64,
    ) -> Result<Result<Vec<u32>, RetryAfter>, StoreError> {
        let flight = Flight::take_off(&self.cache, tenant, missing);
        let asked: Vec<Count> = missing.iter().map(|c| (*c).clone()).collect();
        let answer = self.inner.admit(tenant, &asked, now).await;
        match (&answer, missing) {
            (Ok(Ok(granted)), _) => {
                self.cache
                    .borrow_mut()
                    .take_leases(tenant, counts, missing, granted, window);
            }
            // Asked for one count alone, the refusal names it: the rest of
            // the window is refused here without asking.
            (Ok(Err(_)), [count]) => self.cache.borrow_mut().note_full(tenant, count, window),
            _ => {}
        }
        drop(flight);
        Ok(answer?.map(|_| vec![1; counts.len()]))
    }
}

impl<S: CommandNonces> CommandNonces for Cached<S> {
    async fn spend(&self, tenant: &str, nonce: &str, until: u64) -> Result<bool, StoreError> {
        self.inner.spend(tenant, nonce, until).await
    }
}

#[cfg(test)]
mod tests {
    use futures_util::FutureExt;
    use portcullis_tenant_config::limits::RateLimits;

    use super::*;
    use crate::rate::{Endpoint, counts};
    use crate::store::memory::MemoryStore;
    use crate::store::revocation_key;

    fn cached(now_ms: u64, cache: &Rc<RefCell<HotCache>>) -> Cached<MemoryStore> {
        Cached {
            inner: MemoryStore::default(),
            cache: cache.clone(),
            now_ms,
        }
    }

    fn at<S>(store: Cached<S>, now_ms: u64) -> Cached<S> {
        Cached { now_ms, ..store }
    }

    #[tokio::test]
    async fn a_newer_config_in_the_store_is_served_once_the_cached_one_is_stale() {
        let cache = Rc::default();
        let store = cached(1_000, &cache);
        store.inner.put(&TenantConfig::empty("acme", 1, "Acme"));
        assert_eq!(store.load("acme").await.unwrap().unwrap().version, 1);
        // Another isolate publishes version 2 straight to the store.
        store.inner.put(&TenantConfig::empty("acme", 2, "Acme"));
        let store = at(store, 1_000 + CONFIG_FRESH_MS - 1);
        assert_eq!(store.load("acme").await.unwrap().unwrap().version, 1);
        let store = at(store, 1_000 + CONFIG_FRESH_MS);
        assert_eq!(store.load("acme").await.unwrap().unwrap().version, 2);
    }

    #[tokio::test]
    async fn a_save_through_this_isolate_is_served_at_once_and_a_stale_one_changes_nothing() {
        let cache = Rc::default();
        let store = cached(0, &cache);
        store.inner.put(&TenantConfig::empty("acme", 3, "Acme"));
        assert_eq!(store.load("acme").await.unwrap().unwrap().version, 3);
        let saved = store
            .save_if_newer(&TenantConfig::empty("acme", 4, "Acme"), "")
            .await;
        assert!(matches!(saved, Ok(Saved::Replaced { .. })));
        assert_eq!(store.load("acme").await.unwrap().unwrap().version, 4);
        let stale = store
            .save_if_newer(&TenantConfig::empty("acme", 2, "Acme"), "")
            .await;
        assert!(matches!(stale, Ok(Saved::Stale { served: 4 })));
        assert_eq!(store.load("acme").await.unwrap().unwrap().version, 4);
    }

    #[tokio::test]
    async fn a_revocation_is_seen_within_the_bound_and_never_forgotten() {
        let cache = Rc::default();
        let store = cached(10_000, &cache);
        assert!(!store.is_revoked("acme", "g1").await.unwrap());
        // Revoked by another isolate: the store knows, this cache not yet.
        store
            .inner
            .1
            .borrow_mut()
            .push(revocation_key("acme", "g1"));
        let store = at(store, 10_000 + REVOCATION_FRESH_MS - 1);
        assert!(!store.is_revoked("acme", "g1").await.unwrap());
        let store = at(store, 10_000 + REVOCATION_FRESH_MS);
        assert!(store.is_revoked("acme", "g1").await.unwrap());
        // Even if the store's marker is gone, a revoked grant stays so.
        store.inner.1.borrow_mut().clear();
        let store = at(store, 10_000 + 100 * REVOCATION_FRESH_MS);
        assert!(store.is_revoked("acme", "g1").await.unwrap());
        // Another tenant's grant of the same id is not affected.
        assert!(!store.is_revoked("other", "g1").await.unwrap());
    }

    #[tokio::test]
    async fn a_revocation_noted_in_this_isolate_is_refused_at_once() {
        let cache: Rc<RefCell<HotCache>> = Rc::default();
        let store = cached(0, &cache);
        assert!(!store.is_revoked("acme", "g1").await.unwrap());
        cache.borrow_mut().note_revoked("acme", "g1");
        assert!(store.is_revoked("acme", "g1").await.unwrap());
    }

    #[tokio::test]
    async fn leased_units_never_admit_more_than_the_limit_across_isolates() {
        let limits = RateLimits {
            mcp_per_ip: 1_000,
            mcp_per_tenant: 320,
            ..RateLimits::default()
        };
        // Two isolates (two caches) share one tenant counter.
        let mut inner = MemoryStore::default();
        let (a, b): (Rc<RefCell<HotCache>>, Rc<RefCell<HotCache>>) = Default::default();
        let now = 100 * WINDOW_SECONDS;
        let mut admitted = 0;
        for i in 0..1_000 {
            let cache = if i % 3 == 0 { &a } else { &b };
            let store = Cached {
                inner,
                cache: cache.clone(),
                now_ms: now * 1_000,
            };
            let request = counts(&limits, Endpoint::Mcp, &format!("ip{}", i % 5));
            if store.admit("acme", &request, now).await.unwrap().is_ok() {
                admitted += 1;
            }
            inner = store.inner;
        }
        assert!(admitted <= 320, "{admitted} admitted");
        assert!(
            admitted >= 320 - 2 * 320 / 32,
            "{admitted} admitted: leases lose at most one per isolate"
        );
        // The next window starts afresh for both.
        let store = Cached {
            inner,
            cache: a.clone(),
            now_ms: 0,
        };
        let request = counts(&limits, Endpoint::Mcp, "ip0");
        assert!(
            store
                .admit("acme", &request, now + WINDOW_SECONDS)
                .await
                .unwrap()
                .is_ok()
        );
    }

    #[tokio::test]
    async fn small_limits_are_counted_exactly() {
        let limits = RateLimits {
            oauth_per_ip: 3,
            ..RateLimits::default()
        };
        let cache = Rc::default();
        let store = cached(0, &cache);
        let request = counts(&limits, Endpoint::OAuth, "192.0.2.1");
        for _ in 0..3 {
            assert!(store.admit("acme", &request, 60).await.unwrap().is_ok());
        }
        assert_eq!(
            store.admit("acme", &request, 65).await.unwrap(),
            Err(RetryAfter(55))
        );
    }

    #[tokio::test]
    async fn most_requests_under_a_generous_limit_touch_no_counter() {
        let cache = Rc::default();
        let store = Cached {
            inner: Counter::default(),
            cache,
            now_ms: 0,
        };
        let request = counts(&RateLimits::default(), Endpoint::Mcp, "192.0.2.1");
        for _ in 0..100 {
            assert!(store.admit("acme", &request, 60).await.unwrap().is_ok());
        }
        let asked = store.inner.asked.get();
        assert!(
            asked <= 100 / 10,
            "the counter was asked {asked} times for 100 requests"
        );
    }

    #[tokio::test]
    async fn answers_in_any_order_admit_exactly_the_limit_in_few_round_trips() {
        let limits = RateLimits {
            mcp_per_ip: 320,
            mcp_per_tenant: 10_000,
            ..RateLimits::default()
        };
        let store = Cached {
            inner: Counter {
                shuffled: true,
                ..Counter::default()
            },
            cache: Rc::default(),
            now_ms: 0,
        };
        let request = counts(&limits, Endpoint::Mcp, "192.0.2.1");
        let answers =
            futures_util::future::join_all((0..500).map(|_| store.admit("acme", &request, 60)))
                .await;
        let admitted = answers.iter().filter(|a| matches!(a, Ok(Ok(_)))).count();
        assert_eq!(admitted, 320, "a refusal never overtakes a grant");
        // A lease per 10 units of the client's count, a few of the
        // tenant's, and one refusal for all the rest.
        let asked = store.inner.asked.get();
        assert!(
            asked <= 320 / 10 + 5,
            "the counter was asked {asked} times for a burst of 500"
        );
    }

    #[tokio::test]
    async fn a_request_gone_while_leasing_holds_up_no_other() {
        let store = Cached {
            inner: Counter {
                stalls_first: true,
                ..Counter::default()
            },
            cache: Rc::default(),
            now_ms: 0,
        };
        let request = counts(&RateLimits::default(), Endpoint::Mcp, "192.0.2.1");
        let mut first = Box::pin(store.admit("acme", &request, 60));
        assert!(
            first.as_mut().now_or_never().is_none(),
            "its lease is asked for"
        );
        let mut second = Box::pin(store.admit("acme", &request, 60));
        assert!(
            second.as_mut().now_or_never().is_none(),
            "it waits for that lease"
        );
        drop(first);
        assert!(matches!(second.await, Ok(Ok(_))), "it asks in its place");
    }

    /// The tenant's counter as these tests need it: it counts how often it
    /// is asked, may answer after a varying number of turns (so concurrent
    /// calls finish in another order than they began) and may never answer
    /// its first call.
    #[derive(Default)]
    struct Counter {
        store: MemoryStore,
        asked: std::cell::Cell<u32>,
        shuffled: bool,
        stalls_first: bool,
    }

    impl RateLimiter for Counter {
        async fn admit(
            &self,
            tenant: &str,
            counts: &[Count],
            now: u64,
        ) -> Result<Result<Vec<u32>, RetryAfter>, StoreError> {
            let call = self.asked.get();
            self.asked.set(call + 1);
            if self.stalls_first && call == 0 {
                std::future::pending::<()>().await;
            }
            let answer = self.store.admit(tenant, counts, now).await;
            for _ in 0..if self.shuffled { 7 - call % 7 } else { 0 } {
                tokio::task::yield_now().await;
            }
            answer
        }

        async fn pause(&self) {
            self.store.pause().await;
        }
    }

    #[test]
    fn the_caches_stay_bounded() {
        let mut cache = HotCache::default();
        for i in 0..(MAX_CONFIGS as u64 * 3) {
            cache.keep_config(Rc::new(TenantConfig::empty(&format!("t{i}"), 1, "T")), i);
        }
        assert!(cache.configs.len() <= MAX_CONFIGS);
        assert!(
            cache
                .config(&format!("t{}", MAX_CONFIGS * 3 - 1), MAX_CONFIGS as u64 * 3)
                .is_some(),
            "the newest is kept"
        );
        for i in 0..(MAX_GRANTS * 2) {
            cache.keep_revoked("acme", &format!("g{i}"), false, 0);
        }
        assert!(cache.grants.len() <= MAX_GRANTS);
    }
}
