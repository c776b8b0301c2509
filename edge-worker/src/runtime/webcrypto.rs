//! The runtime's Web Crypto behind the edge's traits: Ed25519 for config
//! signatures and user assertions, AES-GCM for sealed secrets, RSA/ECDSA
//! for ID tokens. The Worker bundles no cipher or curve arithmetic of its
//! own.

use js_sys::{Array, Object, Reflect, Uint8Array};
use portcullis_tenant_config::SignatureVerifier;
use portcullis_tenant_config::encoding::encode_base64url;
use portcullis_tenant_config::sealing::{self, NONCE_LEN};
use serde_json::Value;

use crate::oauth::upstream::EdgeCrypto;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, SubtleCrypto};

pub struct Ed25519WebCrypto {
    public_key: [u8; 32],
}

impl Ed25519WebCrypto {
    pub fn new(public_key: [u8; 32]) -> Self {
        Self { public_key }
    }

    async fn try_verify(&self, message: &[u8], signature: &[u8; 64]) -> Result<bool, JsValue> {
        let subtle = subtle()?;
        let algorithm = Object::new();
        Reflect::set(&algorithm, &"name".into(), &"Ed25519".into())?;
        let usages = Array::of1(&"verify".into());
        let key_data = Uint8Array::from(&self.public_key[..]);
        let key: CryptoKey = JsFuture::from(
            subtle.import_key_with_object("raw", &key_data, &algorithm, false, &usages)?,
        )
        .await?
        .dyn_into()?;
        let verified = JsFuture::from(
            subtle.verify_with_object_and_buffer_source_and_buffer_source(
                &algorithm,
                &key,
                &Uint8Array::from(&signature[..]),
                &Uint8Array::from(message),
            )?,
        )
        .await?;
        Ok(verified.as_bool().unwrap_or(false))
    }
}

fn crypto() -> Result<web_sys::Crypto, JsValue> {
    Reflect::get(&js_sys::global(), &"crypto".into())?.dyn_into()
}

fn subtle() -> Result<SubtleCrypto, JsValue> {
    Ok(crypto()?.subtle())
}

/// A random (v4) UUID from the runtime's CSPRNG.
pub fn random_uuid() -> Result<String, JsValue> {
    Ok(crypto()?.random_uuid())
}

impl SignatureVerifier for Ed25519WebCrypto {
    async fn verify(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        match self.try_verify(message, signature).await {
            Ok(ok) => ok,
            Err(e) => {
                crate::log::error(&format!("Web Crypto Ed25519 verify failed: {e:?}"));
                false
            }
        }
    }
}

/// Signs `message` with an Ed25519 private key given as PKCS #8 (a
/// tenant's assertion key, just opened).
pub async fn sign_ed25519(pkcs8: &[u8], message: &[u8]) -> Result<Vec<u8>, JsValue> {
    let algorithm = object(&[("name", "Ed25519".into())])?;
    let key: CryptoKey = JsFuture::from(subtle()?.import_key_with_object(
        "pkcs8",
        &Uint8Array::from(pkcs8),
        &algorithm,
        false,
        &Array::of1(&"sign".into()),
    )?)
    .await?
    .dyn_into()?;
    let signature =
        JsFuture::from(subtle()?.sign_with_object_and_u8_array(&algorithm, &key, message)?).await?;
    Ok(Uint8Array::new(&signature).to_vec())
}

/// `N` bytes from the runtime's CSPRNG.
fn random_bytes<const N: usize>() -> Result<[u8; N], JsValue> {
    let mut bytes = [0u8; N];
    crypto()?.get_random_values_with_u8_array(&mut bytes)?;
    Ok(bytes)
}

fn object(pairs: &[(&str, JsValue)]) -> Result<Object, JsValue> {
    let object = Object::new();
    for (name, value) in pairs {
        Reflect::set(&object, &(*name).into(), value)?;
    }
    Ok(object)
}

/// Sealing (AES-256-GCM under `SEAL_KEY`; values sealed under the key
/// before a rotation, `SEAL_KEY_PREVIOUS`, still open) and ID-token
/// verification.
pub struct EdgeWebCrypto {
    seal_key: [u8; 32],
    previous_seal_key: Option<[u8; 32]>,
}

impl EdgeWebCrypto {
    pub fn new(seal_key: [u8; 32], previous_seal_key: Option<[u8; 32]>) -> Self {
        Self {
            seal_key,
            previous_seal_key,
        }
    }

    async fn aes_key(&self, raw: &[u8; 32], usage: &str) -> Result<CryptoKey, JsValue> {
        let algorithm = object(&[("name", "AES-GCM".into())])?;
        let key_data = Uint8Array::from(&raw[..]);
        JsFuture::from(subtle()?.import_key_with_object(
            "raw",
            &key_data,
            &algorithm,
            false,
            &Array::of1(&usage.into()),
        )?)
        .await?
        .dyn_into()
    }

    fn aes_params(nonce: &[u8], aad: &str) -> Result<Object, JsValue> {
        object(&[
            ("name", "AES-GCM".into()),
            ("iv", Uint8Array::from(nonce).into()),
            ("additionalData", Uint8Array::from(aad.as_bytes()).into()),
        ])
    }

    async fn try_open(&self, aad: &str, sealed: &str) -> Result<Option<Vec<u8>>, JsValue> {
        let Some((nonce, ciphertext)) = sealing::split(sealed) else {
            return Ok(None);
        };
        for raw in std::iter::once(&self.seal_key).chain(&self.previous_seal_key) {
            let key = self.aes_key(raw, "decrypt").await?;
            let opened = JsFuture::from(subtle()?.decrypt_with_object_and_buffer_source(
                &Self::aes_params(&nonce, aad)?,
                &key,
                &Uint8Array::from(&ciphertext[..]),
            )?)
            .await;
            // A wrong key, binding or a tampered value all reject the same way.
            if let Ok(buffer) = opened {
                return Ok(Some(Uint8Array::new(&buffer).to_vec()));
            }
        }
        Ok(None)
    }

    async fn try_seal(&self, aad: &str, plaintext: &[u8]) -> Result<String, JsValue> {
        let nonce: [u8; NONCE_LEN] = random_bytes()?;
        let key = self.aes_key(&self.seal_key, "encrypt").await?;
        let sealed = JsFuture::from(subtle()?.encrypt_with_object_and_buffer_source(
            &Self::aes_params(&nonce, aad)?,
            &key,
            &Uint8Array::from(plaintext),
        )?)
        .await?;
        Ok(sealing::join(&nonce, &Uint8Array::new(&sealed).to_vec()))
    }

    async fn try_verify_jws(
        &self,
        alg: &str,
        jwk: &Value,
        signed: &[u8],
        signature: &[u8],
    ) -> Result<bool, JsValue> {
        let (import, verify) = match alg {
            "RS256" => {
                let import = object(&[
                    ("name", "RSASSA-PKCS1-v1_5".into()),
                    ("hash", "SHA-256".into()),
                ])?;
                (import, object(&[("name", "RSASSA-PKCS1-v1_5".into())])?)
            }
            "PS256" => {
                let import = object(&[("name", "RSA-PSS".into()), ("hash", "SHA-256".into())])?;
                (
                    import,
                    object(&[("name", "RSA-PSS".into()), ("saltLength", 32.into())])?,
                )
            }
            "ES256" => {
                let import = object(&[("name", "ECDSA".into()), ("namedCurve", "P-256".into())])?;
                (
                    import,
                    object(&[("name", "ECDSA".into()), ("hash", "SHA-256".into())])?,
                )
            }
            _ => return Ok(false),
        };
        // Only the public members: Web Crypto refuses a JWK whose `alg` or
        // `use` disagree with the import, and private members never belong here.
        let mut public = serde_json::Map::new();
        public.extend(
            ["kty", "n", "e", "crv", "x", "y"]
                .into_iter()
                .filter_map(|k| jwk.get(k).map(|v| (k.to_owned(), v.clone()))),
        );
        let key_data: Object =
            js_sys::JSON::parse(&Value::Object(public).to_string())?.dyn_into()?;
        let key: CryptoKey = JsFuture::from(subtle()?.import_key_with_object(
            "jwk",
            &key_data,
            &import,
            false,
            &Array::of1(&"verify".into()),
        )?)
        .await?
        .dyn_into()?;
        let verified = JsFuture::from(
            subtle()?.verify_with_object_and_buffer_source_and_buffer_source(
                &verify,
                &key,
                &Uint8Array::from(signature),
                &Uint8Array::from(signed),
            )?,
        )
        .await?;
        Ok(verified.as_bool().unwrap_or(false))
    }
}

impl EdgeCrypto for EdgeWebCrypto {
    fn random_token(&self) -> String {
        // The CSPRNG does not fail for 32 bytes; if it ever did, an empty
        // token would be refused everywhere it is checked.
        random_bytes::<32>()
            .map(|b| encode_base64url(&b))
            .unwrap_or_default()
    }

    async fn open_sealed(&self, aad: &str, sealed: &str) -> Option<Vec<u8>> {
        self.try_open(aad, sealed).await.unwrap_or_else(|e| {
            crate::log::error(&format!("Web Crypto AES-GCM open failed: {e:?}"));
            None
        })
    }

    async fn seal(&self, aad: &str, plaintext: &[u8]) -> Option<String> {
        self.try_seal(aad, plaintext)
            .await
            .map_err(|e| {
                crate::log::error(&format!("Web Crypto AES-GCM seal failed: {e:?}"));
            })
            .ok()
    }

    async fn verify_jws(&self, alg: &str, jwk: &Value, signed: &[u8], signature: &[u8]) -> bool {
        self.try_verify_jws(alg, jwk, signed, signature)
            .await
            .unwrap_or_else(|e| {
                crate::log::error(&format!("Web Crypto JWS verify failed: {e:?}"));
                false
            })
    }
}
