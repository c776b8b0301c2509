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

/// The associated data of an identity provider's client secret: the
/// tenant, and everything that decides where the edge sends the secret and
/// as whom ([`crate::auth::IdentityProvider::secret_binding`]). A secret
/// kept while an admin points the provider at another issuer, API or client
/// id no longer opens, so the edge cannot be made to send it elsewhere.
pub fn provider_secret_aad(tenant: &str, binding: &[&str]) -> String {
    let parts = serde_json::to_string(binding).unwrap_or_default();
    format!("portcullis/idp-client-secret/{tenant}/{parts}")
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

        #[test]
        fn a_provider_secret_opens_only_for_where_it_was_saved_to_go() {
            use crate::auth::{IdentityProvider, ProviderKind};
            let key = [7u8; 32];
            let saved = IdentityProvider {
                id: "gh".into(),
                kind: ProviderKind::Github,
                display_name: "GitHub".into(),
                client_id: "app".into(),
                client_secret: String::new(),
                issuer: "https://github.com".into(),
                api_base: Some("https://api.github.com".into()),
                upstream_scopes: vec![],
            };
            let sealed = seal(&key, &saved.secret_aad("acme"), b"hunter2");
            assert!(open(&key, &saved.secret_aad("acme"), &sealed).is_some());
            assert_eq!(open(&key, &saved.secret_aad("globex"), &sealed), None);
            let changes: [fn(&mut IdentityProvider); 6] = [
                |p| p.id = "gh2".into(),
                |p| p.kind = ProviderKind::Oidc,
                |p| p.issuer = "https://github.attacker.example".into(),
                |p| p.api_base = Some("https://api.attacker.example".into()),
                |p| p.api_base = None,
                |p| p.client_id = "other-app".into(),
            ];
            for change in changes {
                let mut moved = saved.clone();
                change(&mut moved);
                assert_eq!(open(&key, &moved.secret_aad("acme"), &sealed), None);
            }
            // What is only shown to users is not part of the binding.
            let mut renamed = saved.clone();
            renamed.display_name = "Sign in with GitHub".into();
            assert!(open(&key, &renamed.secret_aad("acme"), &sealed).is_some());
        }
    }
}

#[cfg(feature = "sealing")]
pub use native::{open, seal};
