//! Rate limits: which counters a request counts against, and the counter.
//!
//! Counts are kept per tenant in Durable Object memory ([`RateCounter`]),
//! one fixed minute at a time: the tenant's control object counts OAuth and
//! MCP requests before the Worker does anything else with them, and the
//! tenant's auth object counts the metadata documents it fetches. Durable
//! Objects rather than the Workers rate-limiting binding, because that
//! binding's limits are fixed in the deployment's wrangler config, while
//! each tenant sets its own ([`RateLimits`]); and because a tenant's
//! counts must be one count, not one per location.

use std::collections::HashMap;

use portcullis_tenant_config::limits::{RateLimits, WINDOW_SECONDS};
use serde::{Deserialize, Serialize};

use crate::store::StoreError;

/// One counter a request counts against, and its limit per window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Count {
    pub key: String,
    pub limit: u32,
}

impl Count {
    /// How many units an isolate takes at once to spend locally
    /// ([`crate::cache`]): a thirty-second of the limit, so that leases
    /// left unspent in other isolates cost little of it, and one — exact
    /// counting — for small limits.
    pub fn lease(&self) -> u32 {
        (self.limit / 32).clamp(1, 100)
    }
}

/// What the limits are about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `/authorize`, sign-in, consent, `/token`, `/revoke`.
    OAuth,
    /// `/register`: an OAuth endpoint with a stricter per-IP limit.
    Register,
    /// `/mcp`, `/sse` and the HTTP+SSE message endpoint.
    Mcp,
}

/// The header Cloudflare sets to the connecting client's address; callers
/// cannot choose it. Requests without it share one per-IP counter.
pub const CLIENT_IP_HEADER: &str = "cf-connecting-ip";

/// The counters a request to `endpoint` from `client_ip` counts against.
pub fn counts(limits: &RateLimits, endpoint: Endpoint, client_ip: &str) -> Vec<Count> {
    let count = |key: String, limit| Count { key, limit };
    match endpoint {
        Endpoint::OAuth => vec![
            count(format!("oauth/ip/{client_ip}"), limits.oauth_per_ip),
            count("oauth".into(), limits.oauth_per_tenant),
        ],
        Endpoint::Register => vec![
            count(
                format!("register/ip/{client_ip}"),
                limits.registrations_per_ip,
            ),
            count(format!("oauth/ip/{client_ip}"), limits.oauth_per_ip),
            count("oauth".into(), limits.oauth_per_tenant),
        ],
        Endpoint::Mcp => vec![
            count(format!("mcp/ip/{client_ip}"), limits.mcp_per_ip),
            count("mcp".into(), limits.mcp_per_tenant),
        ],
    }
}

/// The counter of metadata documents fetched for a tenant.
pub fn metadata_fetch(limits: &RateLimits) -> Count {
    Count {
        key: "metadata-fetch".into(),
        limit: limits.metadata_fetches_per_tenant,
    }
}

/// Refused: try again after this many seconds (`Retry-After`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetryAfter(pub u64);

/// Counts a tenant's requests; the runtime keeps one per tenant.
#[allow(async_fn_in_trait)]
pub trait RateLimiter {
    /// Counts one request against every one of `counts` for `tenant` when
    /// all are below their limits, leasing the caller the units it
    /// returns (see [`RateCounter::lease`]); otherwise counts nothing and
    /// says when the fullest window ends.
    async fn admit(
        &self,
        tenant: &str,
        counts: &[Count],
        now: u64,
    ) -> Result<Result<Vec<u32>, RetryAfter>, StoreError>;

    /// Lets a moment pass in the caller's own request (a timer), before a
    /// request waiting for another's lease looks again. The Workers runtime
    /// forbids one request to wake another, so waiting is looking again.
    async fn pause(&self);
}

/// Above this many counters, those of past windows are dropped.
const PRUNE_AT: usize = 4_096;

/// Fixed-window counters by key. A counter exists only for a request it
/// admitted, so their number is bounded by the tenant-wide limits.
#[derive(Debug, Default)]
pub struct RateCounter {
    windows: HashMap<String, Window>,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: u64,
    count: u32,
}

impl RateCounter {
    /// Counts one request against every one of `counts` when all are below
    /// their limits; otherwise counts nothing and says when the fullest
    /// window ends.
    pub fn admit(&mut self, counts: &[Count], now: u64) -> Result<(), RetryAfter> {
        self.take(counts, now, |_| 1).map(|_| ())
    }

    /// [`Self::admit`], but takes up to [`Count::lease`] units of each count
    /// (as many as are left) for the caller to spend; returns how many.
    pub fn lease(&mut self, counts: &[Count], now: u64) -> Result<Vec<u32>, RetryAfter> {
        self.take(counts, now, Count::lease)
    }

    fn take(
        &mut self,
        counts: &[Count],
        now: u64,
        units: impl Fn(&Count) -> u32,
    ) -> Result<Vec<u32>, RetryAfter> {
        let started = now - now % WINDOW_SECONDS;
        let used = |key: &str| {
            self.windows
                .get(key)
                .filter(|w| w.started == started)
                .map_or(0, |w| w.count)
        };
        if counts.iter().any(|c| used(&c.key) >= c.limit) {
            return Err(RetryAfter((started + WINDOW_SECONDS - now).max(1)));
        }
        if self.windows.len() >= PRUNE_AT {
            self.windows.retain(|_, w| w.started == started);
        }
        let mut granted = Vec::with_capacity(counts.len());
        for c in counts {
            let window = self
                .windows
                .entry(c.key.clone())
                .or_insert(Window { started, count: 0 });
            if window.started != started {
                *window = Window { started, count: 0 };
            }
            let units = units(c).min(c.limit - window.count).max(1);
            window.count += units;
            granted.push(units);
        }
        Ok(granted)
    }

    /// How many counters are held (for tests of the bound).
    #[cfg(test)]
    fn held(&self) -> usize {
        self.windows.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> RateLimits {
        RateLimits {
            oauth_per_ip: 3,
            oauth_per_tenant: 5,
            registrations_per_ip: 1,
            ..RateLimits::default()
        }
    }

    #[test]
    fn a_client_is_refused_past_its_limit_until_the_window_ends() {
        let mut counter = RateCounter::default();
        let now = 1_000 * WINDOW_SECONDS + 15;
        let one = counts(&limits(), Endpoint::OAuth, "192.0.2.1");
        for _ in 0..3 {
            assert_eq!(counter.admit(&one, now), Ok(()));
        }
        assert_eq!(counter.admit(&one, now + 5), Err(RetryAfter(40)));
        // Another client still gets in, until the tenant's limit is used up.
        let other = counts(&limits(), Endpoint::OAuth, "192.0.2.2");
        assert_eq!(counter.admit(&other, now), Ok(()));
        assert_eq!(counter.admit(&other, now), Ok(()));
        let third = counts(&limits(), Endpoint::OAuth, "192.0.2.3");
        assert!(counter.admit(&third, now).is_err(), "tenant-wide limit");
        // The next minute starts afresh.
        assert_eq!(counter.admit(&one, now + WINDOW_SECONDS), Ok(()));
    }

    #[test]
    fn refused_requests_are_not_counted_and_registration_has_its_own_limit() {
        let mut counter = RateCounter::default();
        let now = 60;
        let register = counts(&limits(), Endpoint::Register, "192.0.2.1");
        assert_eq!(counter.admit(&register, now), Ok(()));
        assert!(counter.admit(&register, now).is_err());
        // The refused registration did not use the client's OAuth allowance.
        let oauth = counts(&limits(), Endpoint::OAuth, "192.0.2.1");
        assert_eq!(counter.admit(&oauth, now), Ok(()));
        assert_eq!(counter.admit(&oauth, now), Ok(()));
        assert!(counter.admit(&oauth, now).is_err());
    }

    #[test]
    fn attack_many_addresses_cannot_grow_the_counter_past_the_tenant_limit() {
        let mut counter = RateCounter::default();
        let limits = RateLimits {
            mcp_per_ip: 10,
            mcp_per_tenant: 100,
            ..RateLimits::default()
        };
        for minute in 0..3 {
            for ip in 0..10_000 {
                let _ = counter.admit(
                    &counts(&limits, Endpoint::Mcp, &format!("ip{ip}")),
                    minute * WINDOW_SECONDS,
                );
            }
        }
        assert!(counter.held() <= 3 * 101, "{} counters", counter.held());
    }
}
