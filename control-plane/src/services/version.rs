//! Optimistic concurrency for what admins edit: each editable resource has
//! a version (its HTTP entity tag), and a write made on an older version
//! is refused ([`ServiceError::Stale`], 412), so two admins saving at once
//! cannot lose one's change unseen.

use serde::Serialize;
use sha2::{Digest, Sha256};

use portcullis_api::Role;
use portcullis_api::auth::AuthSettings;
use portcullis_api::members::Member;
use portcullis_api::tenants::{Limits, Memory, Tenant};
use portcullis_api::tools::Tool;

use super::ServiceError;

/// A resource admins edit, with its version (its `ETag`, for `If-Match`).
pub trait Versioned {
    fn etag(&self) -> String;
}

impl Versioned for Tenant {
    /// Of what an admin edits here (name and branding): its tool count,
    /// live version and the caller's rights change with other edits.
    fn etag(&self) -> String {
        content_etag(&(&self.display_name, &self.logo_url, &self.accent_color))
    }
}

impl Versioned for Limits {
    fn etag(&self) -> String {
        content_etag(self)
    }
}

impl Versioned for Memory {
    fn etag(&self) -> String {
        content_etag(&self.memory)
    }
}

impl Versioned for AuthSettings {
    fn etag(&self) -> String {
        content_etag(self)
    }
}

impl Versioned for Member {
    fn etag(&self) -> String {
        member_etag(&self.email, self.role)
    }
}

/// A membership's version: who, in which role (not when they last signed
/// in).
pub fn member_etag(email: &str, role: Role) -> String {
    content_etag(&(email, role))
}

impl Versioned for Tool {
    fn etag(&self) -> String {
        content_etag(self)
    }
}

/// A version naming `value`'s content: it changes whenever any of it does.
pub fn content_etag<T: Serialize>(value: &T) -> String {
    let bytes = serde_json::to_vec(value).unwrap_or_default();
    let digest = Sha256::digest(&bytes);
    format!(
        "\"{}\"",
        portcullis_tenant_config::encoding::encode_hex(&digest[..16])
    )
}

/// Refuses the write unless `if_match` (when the caller sent one) names
/// `current`, or any version (`*`).
pub fn check(if_match: Option<&str>, current: &str, what: &str) -> Result<(), ServiceError> {
    let Some(if_match) = if_match else {
        return Ok(());
    };
    let named = if_match
        .split(',')
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == "*" || t == current);
    if named {
        return Ok(());
    }
    Err(ServiceError::Stale(format!(
        "{what} changed since it was read (someone else saved it); reload and try again"
    )))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn versions_follow_content_and_if_match_names_them() {
        let v1 = content_etag(&json!({"a": 1}));
        assert_eq!(v1, content_etag(&json!({"a": 1})));
        assert_ne!(v1, content_etag(&json!({"a": 2})));
        assert!(check(None, &v1, "x").is_ok(), "no If-Match: unconditional");
        assert!(check(Some(&v1), &v1, "x").is_ok());
        assert!(check(Some("*"), &v1, "x").is_ok());
        assert!(check(Some(&format!("\"old\", W/{v1}")), &v1, "x").is_ok());
        assert!(
            matches!(check(Some("\"old\""), &v1, "the tool"), Err(ServiceError::Stale(m)) if m.contains("the tool"))
        );
    }
}
