//! `application/x-www-form-urlencoded`: OAuth's request encoding (query
//! strings and token request bodies) and how redirects carry parameters.
//! Parsing and escaping are `form_urlencoded`'s and `percent-encoding`'s;
//! this module adds what OAuth asks on top: limits and repeated names.

use percent_encoding::percent_decode_str;
use portcullis_tenant_config::encoding::percent_encode;

/// The most bytes of form or query an OAuth endpoint reads: its requests
/// carry a few dozen short parameters (a metadata-document client id and a
/// `state` are the longest), far below this.
pub const MAX_FORM_BYTES: usize = 16 * 1024;

/// The most parameters an OAuth request may carry.
pub const MAX_FORM_PARAMS: usize = 64;

/// Why a form was refused before it was looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormRefusal {
    TooLarge,
    TooMany,
}

impl FormRefusal {
    /// The HTTP status and the sentence that explains it.
    pub fn explain(self) -> (u16, String) {
        match self {
            Self::TooLarge => (413, format!("the parameters exceed {MAX_FORM_BYTES} bytes")),
            Self::TooMany => (
                400,
                format!("more than {MAX_FORM_PARAMS} parameters were sent"),
            ),
        }
    }
}

/// Parsed parameters. OAuth forbids repeating a parameter (RFC 6749 §3.1),
/// so a repeated name is remembered and reported by [`Params::repeated`].
#[derive(Debug, Default)]
pub struct Params {
    pairs: Vec<(String, String)>,
    repeated: Option<String>,
}

impl Params {
    /// Parses in one pass, refusing a form over [`MAX_FORM_BYTES`] before
    /// reading it and stopping at the first parameter past
    /// [`MAX_FORM_PARAMS`]: an anonymous request must not be able to make
    /// the tenant's (serialized) authorization server work for long.
    pub fn parse(encoded: &str) -> Result<Self, FormRefusal> {
        if encoded.len() > MAX_FORM_BYTES {
            return Err(FormRefusal::TooLarge);
        }
        let mut seen = std::collections::HashSet::new();
        let mut params = Self::default();
        // Lazy: pairs are decoded one by one, so the count stops a flood.
        for (name, value) in form_urlencoded::parse(encoded.as_bytes()) {
            if params.pairs.len() == MAX_FORM_PARAMS {
                return Err(FormRefusal::TooMany);
            }
            let name = name.into_owned();
            if !seen.insert(name.clone()) && params.repeated.is_none() {
                params.repeated = Some(name.clone());
            }
            params.pairs.push((name, value.into_owned()));
        }
        Ok(params)
    }

    /// The value of `name`; an empty value counts as absent (RFC 6749 §3.1).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, v)| n == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    /// The first parameter given more than once, if any.
    pub fn repeated(&self) -> Option<&str> {
        self.repeated.as_deref()
    }
}

/// Percent-decodes one component (`+` is a space); invalid escapes and
/// invalid UTF-8 are kept as replacement text rather than refused.
pub fn decode(component: &str) -> String {
    percent_decode_str(&component.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

/// `name=value&…`, each part encoded.
pub fn encode_pairs(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(n, v)| format!("{}={}", percent_encode(n), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Adds parameters to a URI that may already have a query.
pub fn with_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    let separator = if uri.contains('?') { '&' } else { '?' };
    format!("{uri}{separator}{}", encode_pairs(pairs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_and_encodes() {
        let p =
            Params::parse("a=1&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcb&s=x+y&bad=%zz&t=%4")
                .unwrap();
        assert_eq!(p.get("redirect_uri"), Some("http://localhost:3000/cb"));
        assert_eq!(p.get("s"), Some("x y"));
        assert_eq!(p.get("bad"), Some("%zz"));
        assert_eq!(p.get("t"), Some("%4"));
        assert_eq!(p.repeated(), None);
        assert_eq!(Params::parse("a=1&b=2&a=3").unwrap().repeated(), Some("a"));
        assert_eq!(percent_encode("a b/é"), "a%20b%2F%C3%A9");
        assert_eq!(
            with_query("https://c.example/cb?x=1", &[("code", "a&b")]),
            "https://c.example/cb?x=1&code=a%26b"
        );
    }

    #[test]
    fn hostile_forms_are_refused_before_they_are_read() {
        // The shape that froze a tenant: ~120,000 distinct names under 1 MiB.
        let flood: String = (0..120_000).map(|i| format!("p{i}=&")).collect();
        assert!(flood.len() < 1024 * 1024);
        assert_eq!(Params::parse(&flood).unwrap_err(), FormRefusal::TooLarge);
        // Within the byte limit, the count stops it at the first extra one.
        let many: String = (0..=MAX_FORM_PARAMS).map(|i| format!("p{i}=1&")).collect();
        assert!(many.len() < MAX_FORM_BYTES);
        assert_eq!(Params::parse(&many).unwrap_err(), FormRefusal::TooMany);
        let most: String = (0..MAX_FORM_PARAMS).map(|i| format!("p{i}=1&")).collect();
        assert_eq!(Params::parse(&most).unwrap().get("p63"), Some("1"));
        // Repeats are found in one pass, the first one reported.
        let repeats = "a=1&b=1&b=2&a=2";
        assert_eq!(Params::parse(repeats).unwrap().repeated(), Some("b"));
        assert_eq!(FormRefusal::TooLarge.explain().0, 413);
    }
}
