//! Access tokens, PKCE and token hashing.
//!
//! Access tokens are self-contained and MAC'd (HMAC-SHA-256 under a key
//! derived per tenant from the edge's `TOKEN_KEY`), so checking one on an MCP
//! request needs no storage round trip; they are short-lived, and revoking
//! one revokes its grant, which the hot path checks in KV. Refresh tokens and
//! codes are opaque random strings stored only as SHA-256 hashes.

use hmac::{Hmac, Mac};
use portcullis_tenant_config::compare::constant_time_eq;
use portcullis_tenant_config::encoding::{decode_base64url, encode_base64url};
use portcullis_tenant_config::json;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

const ACCESS_PREFIX: &str = "pca1.";

/// How long an access token lives; clients refresh after it.
pub const ACCESS_TOKEN_TTL: u64 = 15 * 60;
/// How long a refresh token (and so a grant without use) lives.
pub const REFRESH_TOKEN_TTL: u64 = 30 * 24 * 60 * 60;
/// How long an authorization code may wait for redemption.
pub const CODE_TTL: u64 = 60;

/// What an access token asserts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// Tenant slug.
    pub t: String,
    /// Grant id, the unit of revocation.
    pub g: String,
    /// User id (`<provider>:<subject>`).
    pub u: String,
    /// Client id.
    pub c: String,
    /// Space-separated scopes.
    pub s: String,
    /// Audience: the MCP resource the token is for.
    pub a: String,
    /// Expiry, seconds since the epoch.
    pub e: u64,
}

impl AccessClaims {
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.s.split(' ').filter(|s| !s.is_empty())
    }
}

/// An HMAC key bound to one purpose and one tenant, making tamper-evident
/// values (not secret: anyone can read the JSON half):
/// `<base64url JSON>.<base64url HMAC-SHA-256>` under a key derived from the
/// edge's secret, so a value made for one tenant or use is noise elsewhere.
#[derive(Clone)]
pub struct PurposeMac {
    key: [u8; 32],
}

impl PurposeMac {
    pub fn new(edge_key: &[u8; 32], purpose: &str, tenant: &str) -> Self {
        let mut mac = new_mac(edge_key);
        mac.update(purpose.as_bytes());
        mac.update(tenant.as_bytes());
        Self {
            key: mac.finalize().into_bytes().into(),
        }
    }

    pub fn seal<T: Serialize>(&self, value: &T) -> String {
        let payload = encode_base64url(&serde_json::to_vec(value).unwrap_or_default());
        let mut mac = new_mac(&self.key);
        mac.update(payload.as_bytes());
        let tag = encode_base64url(&mac.finalize().into_bytes());
        format!("{payload}.{tag}")
    }

    /// The value of a genuine seal; `None` for anything forged or malformed.
    pub fn open<T: DeserializeOwned>(&self, sealed: &str) -> Option<T> {
        let (payload, tag) = sealed.split_once('.')?;
        let mut mac = new_mac(&self.key);
        mac.update(payload.as_bytes());
        mac.verify_slice(&decode_base64url(tag)?).ok()?;
        json::parse(&decode_base64url(payload)?).ok()
    }
}

/// Mints and checks access tokens for one tenant.
pub struct AccessTokens(PurposeMac);

impl AccessTokens {
    /// The tenant's own key, so a token MAC'd for one tenant is meaningless
    /// at another even before its claims are read.
    pub fn for_tenant(edge_key: &[u8; 32], tenant: &str) -> Self {
        Self(PurposeMac::new(
            edge_key,
            "portcullis access token/",
            tenant,
        ))
    }

    pub fn mint(&self, claims: &AccessClaims) -> String {
        format!("{ACCESS_PREFIX}{}", self.0.seal(claims))
    }

    /// The claims of a genuine token; `None` for anything forged or malformed.
    /// Expiry and audience are the caller's to check.
    pub fn verify(&self, token: &str) -> Option<AccessClaims> {
        self.0.open(token.strip_prefix(ACCESS_PREFIX)?)
    }
}

pub fn is_access_token(token: &str) -> bool {
    token.starts_with(ACCESS_PREFIX)
}

fn new_mac(key: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length.
    <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC accepts any key length")
}

/// The storage form of a code or refresh token.
pub fn token_hash(token: &str) -> String {
    encode_base64url(&Sha256::digest(token.as_bytes()))
}

/// RFC 7636 S256: `BASE64URL(SHA256(verifier)) == challenge`, with the
/// verifier's syntax checked (43-128 unreserved characters).
pub fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    well_formed && constant_time_eq(pkce_challenge(verifier).as_bytes(), challenge.as_bytes())
}

pub fn pkce_challenge(verifier: &str) -> String {
    encode_base64url(&Sha256::digest(verifier.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> AccessClaims {
        AccessClaims {
            t: "acme".into(),
            g: "g1".into(),
            u: "oidc:alice".into(),
            c: "client".into(),
            s: "read write".into(),
            a: "https://acme.example/mcp".into(),
            e: 100,
        }
    }

    #[test]
    fn tokens_verify_only_for_their_tenant_and_untampered() {
        let acme = AccessTokens::for_tenant(&[1; 32], "acme");
        let token = acme.mint(&claims());
        assert_eq!(acme.verify(&token), Some(claims()));
        assert_eq!(
            AccessTokens::for_tenant(&[1; 32], "globex").verify(&token),
            None
        );
        assert_eq!(
            AccessTokens::for_tenant(&[2; 32], "acme").verify(&token),
            None
        );
        let (payload, tag) = token.rsplit_once('.').unwrap();
        let mut forged = claims();
        forged.s = "admin".into();
        let forged_payload = encode_base64url(&serde_json::to_vec(&forged).unwrap());
        let forged = format!("pca1.{forged_payload}.{tag}");
        assert_eq!(acme.verify(&forged), None);
        assert_eq!(acme.verify(token.trim_start_matches("pca1.")), None);
        assert_eq!(acme.verify(&format!("{payload}.{tag}x")), None);
        assert_eq!(acme.verify("pca1.garbage"), None);
        assert_eq!(acme.verify(""), None);
    }

    #[test]
    fn pkce_rfc7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert_eq!(
            pkce_challenge(verifier),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert!(pkce_matches(
            verifier,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!pkce_matches("short", &pkce_challenge("short")));
        assert!(!pkce_matches(
            verifier,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN"
        ));
    }
}
