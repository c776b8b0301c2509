//! The signed envelope a config travels in, from control plane to edge.
//!
//! The payload is the document's JSON text exactly as signed, carried as a
//! string so no re-serialisation can change the signed bytes. The edge holds
//! only the Ed25519 public key; it verifies through whatever
//! [`SignatureVerifier`] its runtime offers (Web Crypto in the Worker).

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::document::{ConfigError, TenantConfig};
use crate::encoding::decode_hex;
#[cfg(feature = "signing")]
use crate::encoding::encode_hex;

/// What the control plane pushes and the edge accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedConfig {
    /// The [`TenantConfig`] as JSON text.
    pub payload: String,
    /// Ed25519 signature over the payload's UTF-8 bytes, lowercase hex.
    pub signature: String,
}

/// Why an envelope was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EnvelopeError {
    #[error("the signature is not 64 bytes of hex")]
    SignatureEncoding,
    #[error("the signature does not match the payload")]
    BadSignature,
    #[error("the payload is not a tenant config: {0}")]
    Payload(String),
    #[error("the config is invalid: {0}")]
    Invalid(#[from] ConfigError),
}

/// Ed25519 verification with the platform's public key.
#[allow(async_fn_in_trait)] // single-threaded runtimes (Workers) implement it.
pub trait SignatureVerifier {
    async fn verify(&self, message: &[u8], signature: &[u8; 64]) -> bool;
}

impl SignedConfig {
    /// Verifies the signature, then parses and validates the document. Nothing
    /// is parsed before the signature holds.
    pub async fn open(
        &self,
        verifier: &impl SignatureVerifier,
    ) -> Result<TenantConfig, EnvelopeError> {
        let signature: [u8; 64] = decode_hex(&self.signature)
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or(EnvelopeError::SignatureEncoding)?;
        if !verifier.verify(self.payload.as_bytes(), &signature).await {
            return Err(EnvelopeError::BadSignature);
        }
        let config: TenantConfig =
            crate::json::parse(&self.payload).map_err(|e| EnvelopeError::Payload(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }
}

#[cfg(feature = "signing")]
mod signing {
    use ed25519_dalek::{Signer, SigningKey, Verifier, VerifyingKey};

    use super::*;

    impl SignedConfig {
        /// Serialises and signs a document the caller has validated.
        pub fn sign(config: &TenantConfig, key: &SigningKey) -> Result<Self, EnvelopeError> {
            config.validate()?;
            let payload =
                serde_json::to_string(config).map_err(|e| EnvelopeError::Payload(e.to_string()))?;
            let signature = encode_hex(&key.sign(payload.as_bytes()).to_bytes());
            Ok(Self { payload, signature })
        }
    }

    /// Native verification, for the control plane's own checks and tests.
    pub struct Ed25519Verifier(pub VerifyingKey);

    impl SignatureVerifier for Ed25519Verifier {
        async fn verify(&self, message: &[u8], signature: &[u8; 64]) -> bool {
            self.0
                .verify(message, &ed25519_dalek::Signature::from_bytes(signature))
                .is_ok()
        }
    }
}

#[cfg(feature = "signing")]
pub use signing::Ed25519Verifier;

#[cfg(all(test, feature = "signing"))]
pub(crate) mod tests {
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    use ed25519_dalek::{Signer, SigningKey};

    use super::*;
    use crate::document::tests::sample;

    /// The verifiers here never wait, so one poll completes them.
    pub(crate) fn ready<T>(f: impl Future<Output = T>) -> T {
        match pin!(f).poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(v) => v,
            Poll::Pending => panic!("verifier future was not ready"),
        }
    }

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn signed(config: &TenantConfig, key: &SigningKey) -> SignedConfig {
        let payload = serde_json::to_string(config).expect("serializes");
        SignedConfig {
            signature: encode_hex(&key.sign(payload.as_bytes()).to_bytes()),
            payload,
        }
    }

    #[test]
    fn opens_what_the_key_signed() {
        let k = key(7);
        let env = signed(&sample(3), &k);
        assert_eq!(
            ready(env.open(&Ed25519Verifier(k.verifying_key()))),
            Ok(sample(3))
        );
    }

    #[test]
    fn refuses_tampering_and_other_keys() {
        let k = key(7);
        let env = signed(&sample(3), &k);
        let mut tampered = env.clone();
        tampered.payload = tampered.payload.replace("sunny", "rainy");
        assert_eq!(
            ready(tampered.open(&Ed25519Verifier(k.verifying_key()))),
            Err(EnvelopeError::BadSignature)
        );
        assert_eq!(
            ready(env.open(&Ed25519Verifier(key(8).verifying_key()))),
            Err(EnvelopeError::BadSignature)
        );
        let mut garbled = env.clone();
        garbled.signature.pop();
        assert_eq!(
            ready(garbled.open(&Ed25519Verifier(k.verifying_key()))),
            Err(EnvelopeError::SignatureEncoding)
        );
    }

    #[test]
    fn refuses_a_signed_but_invalid_document() {
        let k = key(7);
        let env = signed(&sample(0), &k);
        assert!(matches!(
            ready(env.open(&Ed25519Verifier(k.verifying_key()))),
            Err(EnvelopeError::Invalid(_))
        ));
        let junk = SignedConfig {
            signature: encode_hex(&k.sign(b"{}").to_bytes()),
            payload: "{}".into(),
        };
        assert!(matches!(
            ready(junk.open(&Ed25519Verifier(k.verifying_key()))),
            Err(EnvelopeError::Payload(_))
        ));
    }

    #[test]
    fn sign_matches_open() {
        let k = key(9);
        let env = SignedConfig::sign(&sample(2), &k).unwrap();
        assert_eq!(
            ready(env.open(&Ed25519Verifier(k.verifying_key()))),
            Ok(sample(2))
        );
        assert!(SignedConfig::sign(&sample(0), &k).is_err());
    }
}
