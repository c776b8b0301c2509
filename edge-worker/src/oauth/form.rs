//! `application/x-www-form-urlencoded`: OAuth's request encoding (query
//! strings and token request bodies) and how redirects carry parameters.

/// Parsed parameters. OAuth forbids repeating a parameter (RFC 6749 §3.1),
/// so a repeated name is remembered and reported by [`Params::repeated`].
#[derive(Debug, Default)]
pub struct Params(Vec<(String, String)>);

impl Params {
    pub fn parse(encoded: &str) -> Self {
        Self(
            encoded
                .split('&')
                .filter(|pair| !pair.is_empty())
                .map(|pair| {
                    let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                    (decode(name), decode(value))
                })
                .collect(),
        )
    }

    /// The value of `name`; an empty value counts as absent (RFC 6749 §3.1).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, v)| n == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    /// The first parameter given more than once, if any.
    pub fn repeated(&self) -> Option<&str> {
        self.0
            .iter()
            .enumerate()
            .find(|(i, (n, _))| self.0[..*i].iter().any(|(m, _)| m == n))
            .map(|(_, (n, _))| n.as_str())
    }
}

/// Percent-decodes one component (`+` is a space); invalid escapes and
/// invalid UTF-8 are kept as replacement text rather than refused.
pub fn decode(component: &str) -> String {
    let bytes = component.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                match component
                    .get(i + 1..i + 3)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn encode(component: &str) -> String {
    let mut out = String::with_capacity(component.len());
    for b in component.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `name=value&…`, each part encoded.
pub fn encode_pairs(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(n, v)| format!("{}={}", encode(n), encode(v)))
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
            Params::parse("a=1&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcb&s=x+y&bad=%zz&t=%4");
        assert_eq!(p.get("redirect_uri"), Some("http://localhost:3000/cb"));
        assert_eq!(p.get("s"), Some("x y"));
        assert_eq!(p.get("bad"), Some("%zz"));
        assert_eq!(p.get("t"), Some("%4"));
        assert_eq!(p.repeated(), None);
        assert_eq!(Params::parse("a=1&b=2&a=3").repeated(), Some("a"));
        assert_eq!(encode("a b/é"), "a%20b%2F%C3%A9");
        assert_eq!(
            with_query("https://c.example/cb?x=1", &[("code", "a&b")]),
            "https://c.example/cb?x=1&code=a%26b"
        );
    }
}
