//! The user assertion: a short-lived JWT (EdDSA, Ed25519) the edge signs
//! for an HTTP tool's call, so the tenant's backend can verify who the
//! user is without ever seeing the MCP client's token. Its public keys are
//! served at `<tenant origin>/.well-known/jwks.json` ([`AssertionKeys::jwks`]).
//!
//! Each tenant has its own keys, made and rotated by the control plane.
//! The private half travels to the edge only sealed (see
//! [`crate::sealing`]), bound to the tenant and key id.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The JOSE algorithm of every assertion.
pub const ALGORITHM: &str = "EdDSA";
/// How long an assertion is valid by default, and at most.
pub const DEFAULT_LIFETIME_SECS: u32 = 300;
pub const MAX_LIFETIME_SECS: u32 = 300;
const MIN_LIFETIME_SECS: u32 = 10;

/// The associated data a tenant's private assertion key is sealed with.
pub fn key_aad(tenant: &str, kid: &str) -> String {
    format!("portcullis/assertion-key/{tenant}/{kid}")
}

/// The private key of Ed25519 seed `seed`, as PKCS #8 (what Web Crypto
/// imports): a fixed prefix, then the seed.
pub fn pkcs8_of_seed(seed: &[u8; 32]) -> Vec<u8> {
    const PREFIX: [u8; 16] = [
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    let mut der = PREFIX.to_vec();
    der.extend_from_slice(seed);
    der
}

/// A tenant's assertion keys, as its config carries them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AssertionKeys {
    /// The key assertions are signed with now.
    pub signing: SigningKey,
    /// Every key an assertion may verify with: the signing key's, and the
    /// previous one's during the overlap after a rotation.
    pub public: Vec<PublicKey>,
}

/// The private half of a tenant's current key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SigningKey {
    pub kid: String,
    /// The PKCS #8 private key, sealed for the edge with [`key_aad`].
    pub sealed: String,
}

/// The public half of a key: an Ed25519 point, base64url.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PublicKey {
    pub kid: String,
    pub x: String,
}

impl AssertionKeys {
    /// The JSON Web Key Set a backend verifies assertions with (RFC 7517).
    pub fn jwks(keys: Option<&Self>) -> Value {
        let keys: Vec<Value> = keys
            .map(|k| k.public.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|key| {
                json!({
                    "kty": "OKP", "crv": "Ed25519", "x": key.x,
                    "kid": key.kid, "alg": ALGORITHM, "use": "sig",
                })
            })
            .collect();
        json!({ "keys": keys })
    }
}

/// An HTTP tool's choice to send the user assertion, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AssertionBinding {
    /// The assertion's `aud`: the backend it is for. Defaults to the
    /// backend's origin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
    /// The header that carries it; `authorization` (the default) sends
    /// `Bearer <jwt>`, any other header the JWT alone.
    #[serde(default = "default_header")]
    pub header: String,
    #[serde(default = "default_lifetime")]
    pub lifetime_secs: u32,
}

fn default_header() -> String {
    "authorization".into()
}

fn default_lifetime() -> u32 {
    DEFAULT_LIFETIME_SECS
}

impl AssertionBinding {
    /// Checks the audience, header and lifetime, naming what is wrong.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        if let Some(audience) = &self.audience
            && (audience.trim().is_empty()
                || audience.len() > 512
                || audience.chars().any(char::is_control))
        {
            return Err((
                "http.assertion.audience",
                "must be 1 to 512 characters without control characters".into(),
            ));
        }
        if !crate::http_tool::is_header_name(&self.header) {
            return Err((
                "http.assertion.header",
                format!("{:?} is not a header name", self.header),
            ));
        }
        if !(MIN_LIFETIME_SECS..=MAX_LIFETIME_SECS).contains(&self.lifetime_secs) {
            return Err((
                "http.assertion.lifetimeSecs",
                format!("must be {MIN_LIFETIME_SECS} to {MAX_LIFETIME_SECS} seconds"),
            ));
        }
        Ok(())
    }

    /// The header's name in lower case.
    pub fn header_name(&self) -> String {
        self.header.to_ascii_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jwks_lists_every_public_key_as_an_okp_key() {
        let keys = AssertionKeys {
            signing: SigningKey {
                kid: "k2".into(),
                sealed: "pcs1.x".into(),
            },
            public: vec![
                PublicKey {
                    kid: "k2".into(),
                    x: "AAA".into(),
                },
                PublicKey {
                    kid: "k1".into(),
                    x: "BBB".into(),
                },
            ],
        };
        let set = AssertionKeys::jwks(Some(&keys));
        assert_eq!(set["keys"].as_array().map(Vec::len), Some(2));
        assert_eq!(set["keys"][1]["kid"], "k1");
        assert_eq!(set["keys"][0]["crv"], "Ed25519");
        assert!(!set.to_string().contains("pcs1"), "no private half: {set}");
        assert_eq!(AssertionKeys::jwks(None), json!({ "keys": [] }));
    }

    #[test]
    fn a_binding_is_held_to_its_bounds() {
        let ok = AssertionBinding {
            audience: None,
            header: default_header(),
            lifetime_secs: DEFAULT_LIFETIME_SECS,
        };
        assert!(ok.validate().is_ok());
        let long = AssertionBinding {
            lifetime_secs: 3600,
            ..ok.clone()
        };
        assert_eq!(
            long.validate().unwrap_err().0,
            "http.assertion.lifetimeSecs"
        );
        let header = AssertionBinding {
            header: "x-user\r\nx: y".into(),
            ..ok.clone()
        };
        assert_eq!(header.validate().unwrap_err().0, "http.assertion.header");
        let audience = AssertionBinding {
            audience: Some(" ".into()),
            ..ok
        };
        assert_eq!(
            audience.validate().unwrap_err().0,
            "http.assertion.audience"
        );
    }

    #[test]
    fn the_pkcs8_form_ends_with_the_seed() {
        let der = pkcs8_of_seed(&[7; 32]);
        assert_eq!(der.len(), 48);
        assert_eq!(&der[16..], &[7; 32]);
    }
}
