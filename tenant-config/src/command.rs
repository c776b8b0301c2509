//! Requests the control plane makes of the edge besides pushing configs:
//! listing and revoking a tenant's OAuth clients and user grants, trying a
//! tool.
//!
//! They are signed with the key that signs configs, so the edge needs no
//! second secret. The signed message names the edge's domain, the method,
//! the path, the time and a fresh nonce, and starts with a label no config
//! payload (a JSON object) can start with, so a signature over one is never
//! valid for the other. The domain keeps a command for one edge (staging)
//! from being replayed at another (production) holding the same key; the
//! edge remembers each nonce for as long as its time is acceptable, so a
//! command runs once.

use crate::{
    encoding::{decode_hex, encode_hex},
    envelope::SignatureVerifier,
};

/// The request header that carries the signature.
pub const HEADER: &str = "x-portcullis-signature";

/// How far a command's time may be from the edge's clock, either way.
pub const MAX_SKEW_SECONDS: u64 = 300;

/// Longest nonce accepted; the control plane sends 32 hex digits.
const MAX_NONCE_LEN: usize = 64;

/// What a command's signature covers.
#[derive(Debug, Clone, Copy)]
pub struct Signed<'a> {
    /// The edge's domain (`EDGE_DOMAIN`), e.g. `mcp.example.com`.
    pub edge_domain: &'a str,
    pub method: &'a str,
    /// The path and, when there is one, `?query`.
    pub path: &'a str,
    /// Seconds since the epoch.
    pub timestamp: u64,
    pub nonce: &'a str,
}

impl Signed<'_> {
    /// The bytes signed.
    pub fn message(&self) -> String {
        format!(
            "portcullis-command\n{}\n{}\n{}\n{}\n{}",
            self.edge_domain, self.timestamp, self.nonce, self.method, self.path
        )
    }

    /// The header value carrying `signature` over this command.
    pub fn header_value(&self, signature: &[u8; 64]) -> String {
        format!(
            "t={},n={},sig={}",
            self.timestamp,
            self.nonce,
            encode_hex(signature)
        )
    }
}

/// A command whose signature verified: its nonce must now be spent, and
/// may be forgotten after `remember_until` (seconds), when its time is no
/// longer acceptable anyway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub nonce: String,
    pub remember_until: u64,
}

/// Why a command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    #[error("the request is not signed")]
    Unsigned,
    #[error("the signature header is malformed")]
    Malformed,
    #[error("the signature is too old or from the future")]
    Stale,
    #[error("the signature does not verify")]
    BadSignature,
    #[error("this command was already carried out")]
    Replayed,
}

/// Checks a command's signature header for `method path` sent to the edge
/// at `edge_domain`, at `now`. The caller spends the nonce it returns.
pub async fn verify(
    header: Option<&str>,
    edge_domain: &str,
    method: &str,
    path: &str,
    now: u64,
    verifier: &impl SignatureVerifier,
) -> Result<Verified, CommandError> {
    let header = header.ok_or(CommandError::Unsigned)?;
    let mut timestamp = None;
    let mut nonce = None;
    let mut signature = None;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<u64>().ok(),
            Some(("n", n))
                if !n.is_empty()
                    && n.len() <= MAX_NONCE_LEN
                    && n.bytes().all(|b| b.is_ascii_alphanumeric()) =>
            {
                nonce = Some(n)
            }
            Some(("sig", s)) => {
                signature = decode_hex(s).and_then(|b| <[u8; 64]>::try_from(b).ok())
            }
            _ => return Err(CommandError::Malformed),
        }
    }
    let (Some(timestamp), Some(nonce), Some(signature)) = (timestamp, nonce, signature) else {
        return Err(CommandError::Malformed);
    };
    if timestamp.abs_diff(now) > MAX_SKEW_SECONDS {
        return Err(CommandError::Stale);
    }
    let signed = Signed {
        edge_domain,
        method,
        path,
        timestamp,
        nonce,
    };
    if verifier
        .verify(signed.message().as_bytes(), &signature)
        .await
    {
        Ok(Verified {
            nonce: nonce.to_owned(),
            remember_until: timestamp + MAX_SKEW_SECONDS,
        })
    } else {
        Err(CommandError::BadSignature)
    }
}

#[cfg(all(test, feature = "signing"))]
mod tests {
    use ed25519_dalek::{Signer, SigningKey};

    use super::*;
    use crate::envelope::Ed25519Verifier;
    use crate::envelope::tests::ready;

    const EDGE: &str = "mcp.example.com";

    fn signed(key: &SigningKey, domain: &str, method: &str, path: &str, t: u64) -> String {
        let command = Signed {
            edge_domain: domain,
            method,
            path,
            timestamp: t,
            nonce: "n0",
        };
        command.header_value(&key.sign(command.message().as_bytes()).to_bytes())
    }

    #[test]
    fn only_a_fresh_signature_over_this_edge_method_and_path_passes() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let verifier = Ed25519Verifier(key.verifying_key());
        let path = "/internal/tenants/acme/clients";
        let check = |header: Option<String>, method: &str, path: &str, now: u64| {
            ready(verify(
                header.as_deref(),
                EDGE,
                method,
                path,
                now,
                &verifier,
            ))
        };
        let good = signed(&key, EDGE, "GET", path, 1_000);
        assert_eq!(
            check(Some(good.clone()), "GET", path, 1_100),
            Ok(Verified {
                nonce: "n0".into(),
                remember_until: 1_000 + MAX_SKEW_SECONDS
            })
        );
        assert_eq!(
            check(Some(good.clone()), "DELETE", path, 1_100),
            Err(CommandError::BadSignature)
        );
        assert_eq!(
            check(
                Some(good.clone()),
                "GET",
                "/internal/tenants/evil/clients",
                1_100
            ),
            Err(CommandError::BadSignature)
        );
        // Signed for another edge (say, staging with the same key).
        assert_eq!(
            check(
                Some(signed(&key, "staging.example.com", "GET", path, 1_000)),
                "GET",
                path,
                1_000
            ),
            Err(CommandError::BadSignature)
        );
        // Another nonce than the one signed.
        assert_eq!(
            check(Some(good.replace("n=n0", "n=n1")), "GET", path, 1_000),
            Err(CommandError::BadSignature)
        );
        assert_eq!(
            check(Some(good), "GET", path, 1_000 + MAX_SKEW_SECONDS + 1),
            Err(CommandError::Stale)
        );
        let other = SigningKey::from_bytes(&[8; 32]);
        assert_eq!(
            check(
                Some(signed(&other, EDGE, "GET", path, 1_000)),
                "GET",
                path,
                1_000
            ),
            Err(CommandError::BadSignature)
        );
        assert_eq!(check(None, "GET", path, 1_000), Err(CommandError::Unsigned));
        let long = format!("t=1000,n={},sig=00", "a".repeat(65));
        for malformed in [
            "t=1000",
            "sig=00",
            "t=1000,sig=00",
            "t=x,n=a,sig=00",
            "t=1000,n=a,sig=zz",
            "t=1000,n=a/b,sig=00",
            &long,
            "junk",
        ] {
            assert_eq!(
                check(Some(malformed.into()), "GET", path, 1_000),
                Err(CommandError::Malformed),
                "{malformed}"
            );
        }
    }
}
