//! How many requests a tenant's edge lets through each minute before it
//! answers `429 Too Many Requests`: per client IP and for the whole tenant.
//!
//! The admin sets them (sane defaults otherwise); the edge counts them in
//! the tenant's Durable Objects, one fixed minute at a time.

use serde::{Deserialize, Serialize};

/// The length of one counting window.
pub const WINDOW_SECONDS: u64 = 60;

/// The highest limit an admin may set for anything.
pub const MAX_PER_MINUTE: u32 = 100_000;

/// Requests per minute, by what they ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RateLimits {
    /// `/authorize`, sign-in, consent, `/token`, `/revoke`, `/register`
    /// from one client IP.
    pub oauth_per_ip: u32,
    /// The same endpoints for the whole tenant.
    pub oauth_per_tenant: u32,
    /// Dynamic client registrations (`/register`) from one client IP.
    pub registrations_per_ip: u32,
    /// Client ID metadata documents the edge fetches for the tenant.
    pub metadata_fetches_per_tenant: u32,
    /// `/mcp` and `/sse` (and its message endpoint) from one client IP.
    pub mcp_per_ip: u32,
    /// The same endpoints for the whole tenant.
    pub mcp_per_tenant: u32,
}

impl Default for RateLimits {
    /// Far above what people and well-behaved clients do, low enough that
    /// one caller cannot take the tenant's capacity.
    fn default() -> Self {
        Self {
            oauth_per_ip: 60,
            oauth_per_tenant: 1_200,
            registrations_per_ip: 10,
            metadata_fetches_per_tenant: 120,
            mcp_per_ip: 600,
            mcp_per_tenant: 6_000,
        }
    }
}

impl RateLimits {
    /// Each limit by its document name, for checks and for showing them.
    pub fn named(&self) -> [(&'static str, u32); 6] {
        [
            ("oauthPerIp", self.oauth_per_ip),
            ("oauthPerTenant", self.oauth_per_tenant),
            ("registrationsPerIp", self.registrations_per_ip),
            ("metadataFetchesPerTenant", self.metadata_fetches_per_tenant),
            ("mcpPerIp", self.mcp_per_ip),
            ("mcpPerTenant", self.mcp_per_tenant),
        ]
    }

    /// Every limit at least 1 and at most [`MAX_PER_MINUTE`], and no
    /// per-IP limit above its tenant's (it could never be reached).
    pub fn validate(&self) -> Result<(), LimitError> {
        for (field, value) in self.named() {
            if !(1..=MAX_PER_MINUTE).contains(&value) {
                let message = format!("must be between 1 and {MAX_PER_MINUTE} requests per minute");
                return Err(LimitError { field, message });
            }
        }
        for (ip, tenant, field) in [
            (self.oauth_per_ip, self.oauth_per_tenant, "oauthPerIp"),
            (
                self.registrations_per_ip,
                self.oauth_per_tenant,
                "registrationsPerIp",
            ),
            (self.mcp_per_ip, self.mcp_per_tenant, "mcpPerIp"),
        ] {
            if ip > tenant {
                let message = format!("cannot exceed the tenant-wide limit ({tenant})");
                return Err(LimitError { field, message });
            }
        }
        Ok(())
    }
}

/// A limit out of bounds, by its document name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} {message}")]
pub struct LimitError {
    pub field: &'static str,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_valid_and_zero_or_unreachable_limits_are_not() {
        assert_eq!(RateLimits::default().validate(), Ok(()));
        let zero = RateLimits {
            mcp_per_ip: 0,
            ..RateLimits::default()
        };
        assert_eq!(zero.validate().map_err(|e| e.field), Err("mcpPerIp"));
        let huge = RateLimits {
            oauth_per_tenant: MAX_PER_MINUTE + 1,
            ..RateLimits::default()
        };
        assert_eq!(huge.validate().map_err(|e| e.field), Err("oauthPerTenant"));
        let unreachable = RateLimits {
            oauth_per_ip: 2_000,
            ..RateLimits::default()
        };
        assert_eq!(
            unreachable.validate().map_err(|e| e.field),
            Err("oauthPerIp")
        );
    }

    #[test]
    fn a_document_without_limits_gets_the_defaults() {
        #[derive(Deserialize)]
        struct Holder {
            #[serde(default)]
            limits: RateLimits,
        }
        let holder: Holder = serde_json::from_str("{}").expect("empty document");
        assert_eq!(holder.limits, RateLimits::default());
        let partial = serde_json::from_str::<RateLimits>(r#"{"mcpPerIp": 5}"#);
        assert!(partial.is_err(), "a limits object names every limit");
    }
}
