//! The encodings both halves share, each from a small, well-kept crate:
//! base64url without padding (RFC 4648 §5: sealed secrets, tokens, JWS
//! parts; `base64ct`, constant-time, as befits keys), lowercase hex (keys
//! and signatures in variables and JSON; `base16ct`) and percent-encoding
//! (`percent-encoding`, the one `url` uses).

use base64ct::{Base64, Base64UrlUnpadded, Encoding};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Everything but RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`).
const RESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

pub fn encode_base64url(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

/// Standard padded base64 (RFC 4648 §4), as MCP carries binary content.
pub fn encode_base64(bytes: &[u8]) -> String {
    Base64::encode_string(bytes)
}

/// Decodes base64url; padding is tolerated, anything else invalid is `None`.
pub fn decode_base64url(text: &str) -> Option<Vec<u8>> {
    Base64UrlUnpadded::decode_vec(text.trim_end_matches('=')).ok()
}

/// Lowercase hex, the encoding of keys and signatures in env vars and JSON.
pub fn encode_hex(bytes: &[u8]) -> String {
    base16ct::lower::encode_string(bytes)
}

/// Parses hex (either case); `None` on odd length or a non-hex digit.
pub fn decode_hex(text: &str) -> Option<Vec<u8>> {
    base16ct::mixed::decode_vec(text).ok()
}

/// Percent-encodes everything but RFC 3986's unreserved characters, so a
/// name, id or value (a client id may be a URL) stays one path segment or
/// one query or form component.
pub fn percent_encode(text: &str) -> String {
    utf8_percent_encode(text, RESERVED).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_stays_one_path_segment() {
        assert_eq!(
            percent_encode("https://app.example/client.json"),
            "https%3A%2F%2Fapp.example%2Fclient.json"
        );
        assert_eq!(percent_encode("abc-DEF_1.2~"), "abc-DEF_1.2~");
    }

    #[test]
    fn rfc4648_vectors_round_trip() {
        for (raw, enc) in [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(encode_base64url(raw.as_bytes()), enc);
            assert_eq!(decode_base64url(enc).as_deref(), Some(raw.as_bytes()));
        }
        assert_eq!(encode_base64url(&[0xfb, 0xff]), "-_8");
        assert_eq!(decode_base64url("Zm9vYg=="), Some(b"foob".to_vec()));
        assert_eq!(decode_base64url("Z"), None);
        assert_eq!(decode_base64url("Zm+v"), None);
    }

    #[test]
    fn hex_round_trips_in_either_case() {
        assert_eq!(encode_hex(&[0x00, 0xab, 0xff]), "00abff");
        assert_eq!(decode_hex("00ABff"), Some(vec![0x00, 0xab, 0xff]));
        assert_eq!(decode_hex("abc"), None);
        assert_eq!(decode_hex("zz"), None);
        assert_eq!(decode_hex("é1"), None);
    }
}
