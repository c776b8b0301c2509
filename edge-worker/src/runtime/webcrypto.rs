//! Ed25519 verification through the runtime's Web Crypto, so the Worker
//! bundles no curve arithmetic of its own.

use js_sys::{Array, Object, Reflect, Uint8Array};
use portcullis_tenant_config::SignatureVerifier;
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
                super::log_error(&format!("Web Crypto Ed25519 verify failed: {e:?}"));
                false
            }
        }
    }
}
