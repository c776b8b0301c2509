//! The edge's usage reports to the control plane, signed.
//!
//! Each report carries an HMAC-SHA-256 (keyed with the shared ingest
//! secret) over its time, a batch id and its exact body. The control plane
//! refuses a report whose time is more than [`MAX_SKEW_SECONDS`] off and
//! remembers batch ids for longer than that, so a captured report can be
//! neither altered nor counted twice; the secret itself never travels.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::encoding::{decode_hex, encode_hex};

/// The request header that carries the signature.
pub const HEADER: &str = "x-portcullis-usage-signature";

/// How far a report's time may be from the control plane's clock.
pub const MAX_SKEW_SECONDS: u64 = 300;

/// Longest batch id accepted; the edge sends a UUID.
const MAX_BATCH_ID_LEN: usize = 64;

fn mac(key: &[u8], timestamp: u64, batch: &str, body: &[u8]) -> Hmac<Sha256> {
    // HMAC takes a key of any length.
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    mac.update(format!("portcullis-usage\n{timestamp}\n{batch}\n").as_bytes());
    mac.update(body);
    mac
}

/// The header value for `body`, sent at `timestamp` as batch `batch`.
pub fn header_value(key: &[u8], timestamp: u64, batch: &str, body: &[u8]) -> String {
    let tag = mac(key, timestamp, batch, body).finalize().into_bytes();
    format!("t={timestamp},id={batch},sig={}", encode_hex(&tag))
}

/// Why a report was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IngestError {
    #[error("the report's signature header is malformed")]
    Malformed,
    #[error("the report is too old or from the future")]
    Stale,
    #[error("the report's signature does not verify")]
    BadSignature,
}

/// Checks `header` over `body` at `now`; the batch id to remember.
pub fn verify(header: &str, key: &[u8], body: &[u8], now: u64) -> Result<String, IngestError> {
    let mut timestamp = None;
    let mut batch = None;
    let mut tag = None;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<u64>().ok(),
            Some(("id", id))
                if !id.is_empty()
                    && id.len() <= MAX_BATCH_ID_LEN
                    && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') =>
            {
                batch = Some(id)
            }
            Some(("sig", s)) => tag = decode_hex(s),
            _ => return Err(IngestError::Malformed),
        }
    }
    let (Some(timestamp), Some(batch), Some(tag)) = (timestamp, batch, tag) else {
        return Err(IngestError::Malformed);
    };
    if timestamp.abs_diff(now) > MAX_SKEW_SECONDS {
        return Err(IngestError::Stale);
    }
    // `verify_slice` compares in constant time.
    mac(key, timestamp, batch, body)
        .verify_slice(&tag)
        .map_err(|_| IngestError::BadSignature)?;
    Ok(batch.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_fresh_body_signed_with_the_key_passes() {
        let key = b"ingest-secret";
        let body = br#"{"events":[]}"#;
        let header = header_value(key, 1_000, "b-1", body);
        assert_eq!(verify(&header, key, body, 1_100), Ok("b-1".into()));
        assert_eq!(
            verify(&header, key, br#"{"events":[{}]}"#, 1_100),
            Err(IngestError::BadSignature)
        );
        assert_eq!(
            verify(&header, b"another-key", body, 1_100),
            Err(IngestError::BadSignature)
        );
        assert_eq!(
            verify(&header.replace("id=b-1", "id=b-2"), key, body, 1_100),
            Err(IngestError::BadSignature)
        );
        assert_eq!(
            verify(&header, key, body, 1_000 + MAX_SKEW_SECONDS + 1),
            Err(IngestError::Stale)
        );
        for malformed in [
            "",
            "t=1",
            "t=1,id=a",
            "t=1,id=a/b,sig=00",
            "t=1,id=a,sig=zz",
        ] {
            assert_eq!(
                verify(malformed, key, body, 1),
                Err(IngestError::Malformed),
                "{malformed}"
            );
        }
    }
}
