//! Secrets sealed for the edge: AES-256-GCM under a key the control plane
//! and the edge share (`PORTCULLIS_EDGE_SEAL_KEY` / the Worker's `SEAL_KEY`).
//!
//! The associated data names the tenant and what the secret is for, so a
//! sealed value copied into another tenant's config (or another field) does
//! not open. The edge opens with Web Crypto; this crate seals and opens
//! natively behind the `sealing` feature.

use crate::encoding::{decode_base64url, encode_base64url};

const PREFIX: &str = "pcs1.";
pub const NONCE_LEN: usize = 12;

/// The associated data of an identity provider's client secret.
pub fn provider_secret_aad(tenant: &str, provider: &str) -> String {
    format!("portcullis/idp-client-secret/{tenant}/{provider}")
}

/// Joins a nonce and ciphertext (with its tag) into the sealed text form.
pub fn join(nonce: &[u8; NONCE_LEN], ciphertext: &[u8]) -> String {
    let mut bytes = nonce.to_vec();
    bytes.extend_from_slice(ciphertext);
    format!("{PREFIX}{}", encode_base64url(&bytes))
}

/// Splits the sealed text form; `None` when it is not one.
pub fn split(sealed: &str) -> Option<([u8; NONCE_LEN], Vec<u8>)> {
    let bytes = decode_base64url(sealed.strip_prefix(PREFIX)?)?;
    if bytes.len() < NONCE_LEN + 16 {
        return None;
    }
    let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
    Some((nonce.try_into().ok()?, ciphertext.to_vec()))
}

/// Whether `text` has the sealed form (it may still fail to open).
pub fn is_sealed(text: &str) -> bool {
    split(text).is_some()
}

#[cfg(feature = "sealing")]
mod native {
    use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
    use aes_gcm::{Aes256Gcm, Key, Nonce};

    #[cfg(test)]
    use super::NONCE_LEN;
    use super::{join, split};

    /// Seals `plaintext` under `key`, bound to `aad`.
    pub fn seal(key: &[u8; 32], aad: &str, plaintext: &[u8]) -> String {
        let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key));
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let payload = Payload {
            msg: plaintext,
            aad: aad.as_bytes(),
        };
        // Encryption fails only for inputs beyond GCM's 64 GiB limit.
        let ciphertext = cipher.encrypt(&nonce, payload).unwrap_or_default();
        join(&nonce.into(), &ciphertext)
    }

    /// Opens a sealed value; `None` if it is malformed, tampered with, sealed
    /// under another key or bound to another `aad`.
    pub fn open(key: &[u8; 32], aad: &str, sealed: &str) -> Option<Vec<u8>> {
        let (nonce, ciphertext) = split(sealed)?;
        let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key));
        let payload = Payload {
            msg: &ciphertext,
            aad: aad.as_bytes(),
        };
        cipher.decrypt(Nonce::from_slice(&nonce), payload).ok()
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn opens_only_with_its_key_and_binding() {
            let key = [7u8; 32];
            let sealed = seal(&key, "a", b"hunter2");
            assert!(!sealed.contains("hunter2"));
            assert_eq!(open(&key, "a", &sealed).as_deref(), Some(&b"hunter2"[..]));
            assert_eq!(open(&key, "b", &sealed), None);
            assert_eq!(open(&[8u8; 32], "a", &sealed), None);
            // Every single flipped bit of nonce, ciphertext or tag is caught.
            let (nonce, ciphertext) = crate::sealing::split(&sealed).expect("sealed form");
            for i in 0..NONCE_LEN + ciphertext.len() {
                let (mut nonce, mut ciphertext) = (nonce, ciphertext.clone());
                match i.checked_sub(NONCE_LEN) {
                    None => nonce[i] ^= 1,
                    Some(j) => ciphertext[j] ^= 1,
                }
                let tampered = crate::sealing::join(&nonce, &ciphertext);
                assert_eq!(open(&key, "a", &tampered), None, "bit of byte {i}");
            }
            assert_ne!(seal(&key, "a", b"x"), seal(&key, "a", b"x"), "fresh nonces");
        }
    }
}

#[cfg(feature = "sealing")]
pub use native::{open, seal};
