//! Requests the control plane makes of the edge besides pushing configs:
//! listing and revoking a tenant's OAuth clients and user grants.
//!
//! They are signed with the key that signs configs, so the edge needs no
//! second secret. The signed message names the method, the path and the
//! time, and starts with a label no config payload (a JSON object) can
//! start with, so a signature over one is never valid for the other.

use crate::envelope::{SignatureVerifier, decode_hex, encode_hex};

/// The request header that carries the signature.
pub const HEADER: &str = "x-portcullis-signature";

/// How far a command's time may be from the edge's clock, either way.
pub const MAX_SKEW_SECONDS: u64 = 300;

/// The bytes signed for `method path` at `timestamp` (seconds).
pub fn message(method: &str, path: &str, timestamp: u64) -> String {
    format!("portcullis-command\n{timestamp}\n{method}\n{path}")
}

/// The header value for a signature made at `timestamp`.
pub fn header_value(timestamp: u64, signature: &[u8; 64]) -> String {
    format!("t={timestamp},sig={}", encode_hex(signature))
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
}

/// Checks a command's signature header against `method path` at `now`.
pub async fn verify(
    header: Option<&str>,
    method: &str,
    path: &str,
    now: u64,
    verifier: &impl SignatureVerifier,
) -> Result<(), CommandError> {
    let header = header.ok_or(CommandError::Unsigned)?;
    let mut timestamp = None;
    let mut signature = None;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<u64>().ok(),
            Some(("sig", s)) => {
                signature = decode_hex(s).and_then(|b| <[u8; 64]>::try_from(b).ok())
            }
            _ => return Err(CommandError::Malformed),
        }
    }
    let (Some(timestamp), Some(signature)) = (timestamp, signature) else {
        return Err(CommandError::Malformed);
    };
    if timestamp.abs_diff(now) > MAX_SKEW_SECONDS {
        return Err(CommandError::Stale);
    }
    if verifier
        .verify(message(method, path, timestamp).as_bytes(), &signature)
        .await
    {
        Ok(())
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

    fn signed(key: &SigningKey, method: &str, path: &str, t: u64) -> String {
        header_value(t, &key.sign(message(method, path, t).as_bytes()).to_bytes())
    }

    #[test]
    fn only_a_fresh_signature_over_this_method_and_path_passes() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let verifier = Ed25519Verifier(key.verifying_key());
        let path = "/internal/tenants/acme/clients";
        let check = |header: Option<String>, method: &str, path: &str, now: u64| {
            ready(verify(header.as_deref(), method, path, now, &verifier))
        };
        let good = signed(&key, "GET", path, 1_000);
        assert_eq!(check(Some(good.clone()), "GET", path, 1_100), Ok(()));
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
        assert_eq!(
            check(Some(good), "GET", path, 1_000 + MAX_SKEW_SECONDS + 1),
            Err(CommandError::Stale)
        );
        let other = SigningKey::from_bytes(&[8; 32]);
        assert_eq!(
            check(Some(signed(&other, "GET", path, 1_000)), "GET", path, 1_000),
            Err(CommandError::BadSignature)
        );
        assert_eq!(check(None, "GET", path, 1_000), Err(CommandError::Unsigned));
        for malformed in ["t=1000", "sig=00", "t=x,sig=00", "t=1000,sig=zz", "junk"] {
            assert_eq!(
                check(Some(malformed.into()), "GET", path, 1_000),
                Err(CommandError::Malformed),
                "{malformed}"
            );
        }
    }
}
