//! The platform's config-signing key.

use ed25519_dalek::SigningKey;
use portcullis_tenant_config::encoding::{decode_hex, encode_hex};

/// Parses a 32-byte Ed25519 seed written as 64 hex digits.
pub fn parse_signing_key(hex: &str) -> Result<SigningKey, String> {
    let seed: [u8; 32] = decode_hex(hex.trim())
        .and_then(|b| b.try_into().ok())
        .ok_or("PORTCULLIS_SIGNING_KEY must be 64 hex digits (a 32-byte Ed25519 seed)")?;
    Ok(SigningKey::from_bytes(&seed))
}

/// A fresh random signing key, hex-encoded.
pub fn generate_signing_key_hex() -> Result<String, getrandom::Error> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed)?;
    Ok(encode_hex(&seed))
}

/// The public half, as the edge's `CONFIG_PUBLIC_KEY` wants it.
pub fn public_key_hex(key: &SigningKey) -> String {
    encode_hex(key.verifying_key().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusals() {
        let hex = generate_signing_key_hex().unwrap();
        let key = parse_signing_key(&hex).unwrap();
        assert_eq!(public_key_hex(&key).len(), 64);
        assert_ne!(generate_signing_key_hex().unwrap(), hex);
        assert!(parse_signing_key("abcd").is_err());
        assert!(parse_signing_key(&"zz".repeat(32)).is_err());
    }
}
