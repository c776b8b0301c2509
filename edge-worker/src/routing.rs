//! Which site a request is for, from its Host header alone.

use portcullis_tenant_config::names::validate_tenant_slug;

/// Where a request goes.
#[derive(Debug, PartialEq, Eq)]
pub enum Site<'a> {
    /// The edge domain itself: platform endpoints (health, config push).
    Apex,
    /// `<slug>.<edge-domain>`.
    Tenant(&'a str),
    /// Anything else; answered with a 404.
    Unknown,
}

/// Maps a Host header value (maybe with a port) to a [`Site`]. Host names are
/// case-insensitive, so anything not already lower-case is not a tenant: the
/// runtime hands us the header lower-cased.
pub fn site_for_host<'a>(host: &'a str, edge_domain: &str) -> Site<'a> {
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    let name = name.strip_suffix('.').unwrap_or(name);
    if name == edge_domain {
        return Site::Apex;
    }
    match name
        .strip_suffix(edge_domain)
        .and_then(|rest| rest.strip_suffix('.'))
    {
        Some(label) if validate_tenant_slug(label).is_ok() => Site::Tenant(label),
        _ => Site::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenants_apex_and_strangers() {
        assert_eq!(
            site_for_host("acme.localhost:8787", "localhost"),
            Site::Tenant("acme")
        );
        assert_eq!(
            site_for_host("acme.mcp.example.com", "mcp.example.com"),
            Site::Tenant("acme")
        );
        assert_eq!(
            site_for_host("acme.mcp.example.com.", "mcp.example.com"),
            Site::Tenant("acme")
        );
        assert_eq!(site_for_host("localhost:8787", "localhost"), Site::Apex);
        assert_eq!(
            site_for_host("mcp.example.com", "mcp.example.com"),
            Site::Apex
        );
        assert_eq!(site_for_host("a.b.localhost", "localhost"), Site::Unknown);
        assert_eq!(site_for_host("acmelocalhost", "localhost"), Site::Unknown);
        assert_eq!(site_for_host("evil.com", "localhost"), Site::Unknown);
        assert_eq!(site_for_host("www.localhost", "localhost"), Site::Unknown);
        assert_eq!(site_for_host("", "localhost"), Site::Unknown);
        assert_eq!(site_for_host(".localhost", "localhost"), Site::Unknown);
    }
}
