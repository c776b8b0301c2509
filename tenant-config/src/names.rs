//! Name rules shared by the control plane (to reject bad input early, with a
//! clear message) and the edge (to refuse a config that slipped past).

use thiserror::Error;

/// Why a name was refused; the message is shown to API users as is.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NameError {
    #[error("must be between {min} and {max} characters long")]
    Length { min: usize, max: usize },
    #[error("may contain only {allowed}")]
    Characters { allowed: &'static str },
    #[error("must start with a letter and must not end with '-'")]
    Edges,
    #[error("'{0}' is reserved")]
    Reserved(String),
}

/// Labels the platform itself needs on the edge domain.
const RESERVED_SLUGS: &[&str] = &[
    "www",
    "api",
    "admin",
    "app",
    "edge",
    "internal",
    "portcullis",
];

/// A tenant slug is the DNS label of its subdomain (`acme` in
/// `acme.<edge-domain>`), so it follows RFC 1035 label rules, lowercase only
/// (hosts are case-insensitive; one spelling keeps keys unambiguous).
pub fn validate_tenant_slug(slug: &str) -> Result<(), NameError> {
    if !(2..=40).contains(&slug.len()) {
        return Err(NameError::Length { min: 2, max: 40 });
    }
    if !slug
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(NameError::Characters {
            allowed: "lowercase letters a-z, digits and '-'",
        });
    }
    if !slug.as_bytes()[0].is_ascii_lowercase() || slug.ends_with('-') {
        return Err(NameError::Edges);
    }
    if RESERVED_SLUGS.contains(&slug) {
        return Err(NameError::Reserved(slug.to_owned()));
    }
    Ok(())
}

/// MCP 2025-11-25 ("Tool names"): 1 to 128 characters from `A-Z a-z 0-9 _ - .`.
pub fn validate_tool_name(name: &str) -> Result<(), NameError> {
    if !(1..=128).contains(&name.len()) {
        return Err(NameError::Length { min: 1, max: 128 });
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
    {
        return Err(NameError::Characters {
            allowed: "letters, digits, '_', '-' and '.'",
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        for ok in ["acme", "globex", "a1", "big-corp-2"] {
            assert_eq!(validate_tenant_slug(ok), Ok(()), "{ok}");
        }
        assert_eq!(
            validate_tenant_slug("a"),
            Err(NameError::Length { min: 2, max: 40 })
        );
        assert!(matches!(
            validate_tenant_slug("Acme"),
            Err(NameError::Characters { .. })
        ));
        assert!(matches!(
            validate_tenant_slug("ac.me"),
            Err(NameError::Characters { .. })
        ));
        assert!(matches!(
            validate_tenant_slug("acmé"),
            Err(NameError::Characters { .. })
        ));
        assert_eq!(validate_tenant_slug("1acme"), Err(NameError::Edges));
        assert_eq!(validate_tenant_slug("acme-"), Err(NameError::Edges));
        assert_eq!(
            validate_tenant_slug("www"),
            Err(NameError::Reserved("www".into()))
        );
    }

    #[test]
    fn tool_names() {
        for ok in ["get_weather", "a", "ns.tool-v2", &"x".repeat(128)] {
            assert_eq!(validate_tool_name(ok), Ok(()), "{ok}");
        }
        assert!(validate_tool_name("").is_err());
        assert!(validate_tool_name(&"x".repeat(129)).is_err());
        assert!(validate_tool_name("has space").is_err());
        assert!(validate_tool_name("slash/name").is_err());
    }
}
