//! Redirect URI rules (OAuth 2.1 §2.3.1, RFC 8252 for native apps), shared by
//! the control plane (pre-registered clients) and the edge (dynamic
//! registration), with a small parser of our own: the `url` crate costs the
//! edge ~80 KB.

use thiserror::Error;

/// Longer redirect URIs are refused outright.
pub const MAX_REDIRECT_URI_LEN: usize = 2000;

/// Schemes that must never receive an authorization response.
const FORBIDDEN_SCHEMES: &[&str] = &[
    "javascript",
    "data",
    "vbscript",
    "file",
    "blob",
    "about",
    "ftp",
    "ws",
    "wss",
];

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RedirectUriError {
    #[error("redirect URI is longer than {MAX_REDIRECT_URI_LEN} characters")]
    TooLong,
    #[error("redirect URI {0:?} is not an absolute URI")]
    NotAbsolute(String),
    #[error("redirect URI {0:?} must not contain a fragment")]
    Fragment(String),
    #[error("redirect URI {0:?} uses a forbidden scheme")]
    ForbiddenScheme(String),
    #[error("redirect URI {0:?} uses http on a host that is not loopback; use https")]
    InsecureHttp(String),
    #[error("redirect URI {0:?} must not carry user information")]
    UserInfo(String),
    #[error("redirect URI {0:?} contains whitespace or control characters")]
    Characters(String),
}

/// The parts of an absolute URI the rules look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedUri<'a> {
    /// Lower-case scheme.
    pub scheme: String,
    /// Lower-case host for hierarchical URIs (`None` for e.g. `com.app:/cb`).
    pub host: Option<String>,
    pub port: Option<u16>,
    /// Everything after the authority (path, query).
    pub rest: &'a str,
}

impl ParsedUri<'_> {
    /// RFC 8252 §7.3 loopback hosts.
    pub fn is_loopback(&self) -> bool {
        matches!(self.host.as_deref(), Some("localhost" | "[::1]"))
            || self
                .host
                .as_deref()
                .is_some_and(|h| h.starts_with("127.") && h.parse::<std::net::Ipv4Addr>().is_ok())
    }
}

/// Parses an absolute URI: `scheme:rest`, and for `scheme://` its authority.
pub fn parse(uri: &str) -> Result<ParsedUri<'_>, RedirectUriError> {
    let not_absolute = || RedirectUriError::NotAbsolute(uri.to_owned());
    if uri
        .bytes()
        .any(|b| b.is_ascii_whitespace() || b.is_ascii_control() || b >= 0x80)
    {
        return Err(RedirectUriError::Characters(uri.to_owned()));
    }
    let (scheme, rest) = uri.split_once(':').ok_or_else(not_absolute)?;
    let scheme_ok = scheme
        .as_bytes()
        .first()
        .is_some_and(u8::is_ascii_alphabetic)
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if !scheme_ok {
        return Err(not_absolute());
    }
    let scheme = scheme.to_ascii_lowercase();
    let Some(after) = rest.strip_prefix("//") else {
        return Ok(ParsedUri {
            scheme,
            host: None,
            port: None,
            rest,
        });
    };
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let (authority, rest) = after.split_at(end);
    if authority.contains('@') {
        return Err(RedirectUriError::UserInfo(uri.to_owned()));
    }
    let (host, port) = match authority.rfind(':') {
        Some(i) if !authority[i..].contains(']') => {
            let port = authority[i + 1..]
                .parse::<u16>()
                .map_err(|_| not_absolute())?;
            (&authority[..i], Some(port))
        }
        _ => (authority, None),
    };
    if host.is_empty() {
        return Err(not_absolute());
    }
    Ok(ParsedUri {
        scheme,
        host: Some(host.to_ascii_lowercase()),
        port,
        rest,
    })
}

/// Checks a redirect URI a client wants to register.
pub fn validate_redirect_uri(uri: &str) -> Result<(), RedirectUriError> {
    if uri.len() > MAX_REDIRECT_URI_LEN {
        return Err(RedirectUriError::TooLong);
    }
    let parsed = parse(uri)?;
    if uri.contains('#') {
        return Err(RedirectUriError::Fragment(uri.to_owned()));
    }
    if FORBIDDEN_SCHEMES.contains(&parsed.scheme.as_str()) {
        return Err(RedirectUriError::ForbiddenScheme(uri.to_owned()));
    }
    match parsed.scheme.as_str() {
        "https" if parsed.host.is_some() => Ok(()),
        "http" if parsed.host.is_some() && parsed.is_loopback() => Ok(()),
        "http" if parsed.host.is_some() => Err(RedirectUriError::InsecureHttp(uri.to_owned())),
        "http" | "https" => Err(RedirectUriError::NotAbsolute(uri.to_owned())),
        // A private-use scheme of a native app (RFC 8252 §7.1).
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_https_loopback_and_native_schemes() {
        for ok in [
            "https://app.example.com/callback",
            "https://app.example.com:8443/cb?x=1",
            "http://localhost:3000/callback",
            "http://127.0.0.1:53682/",
            "http://[::1]:8080/cb",
            "com.example.app:/oauth2redirect",
            "cursor://anysphere.cursor-retrieval/oauth/callback",
        ] {
            assert_eq!(validate_redirect_uri(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn refuses_dangerous_or_malformed_uris() {
        let cases = [
            ("javascript:alert(1)", "ForbiddenScheme"),
            ("JavaScript:alert(1)", "ForbiddenScheme"),
            ("data:text/html,<script>", "ForbiddenScheme"),
            ("https://app.example.com/cb#frag", "Fragment"),
            ("http://app.example.com/cb", "InsecureHttp"),
            ("http://127.evil.com/cb", "InsecureHttp"),
            ("https://user@app.example.com/cb", "UserInfo"),
            ("/relative/path", "NotAbsolute"),
            ("https:///nohost", "NotAbsolute"),
            ("https://app.example.com/ cb", "Characters"),
            ("https://host:99999/", "NotAbsolute"),
        ];
        for (uri, want) in cases {
            let got = validate_redirect_uri(uri).expect_err(uri);
            assert!(format!("{got:?}").starts_with(want), "{uri}: {got:?}");
        }
        let long = format!("https://a.example/{}", "x".repeat(MAX_REDIRECT_URI_LEN));
        assert_eq!(validate_redirect_uri(&long), Err(RedirectUriError::TooLong));
    }
}
