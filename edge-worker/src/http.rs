//! A runtime-independent request and response, so the edge's decisions can
//! be tested without workerd.

use serde::Serialize;

/// Requests larger than this are refused before parsing (RFC 9110 413).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct HttpRequest {
    /// Upper-case method.
    pub method: String,
    pub path: String,
    /// The query string without its `?` (empty when there is none).
    pub query: String,
    /// Header names are lower-case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Whether it arrived over https (then cookies are `Secure`/`__Host-`).
    pub secure: bool,
}

impl HttpRequest {
    /// The first value of query parameter `name` (no percent-decoding: the
    /// edge's own parameters are plain tokens).
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .split('&')
            .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `scheme://host` as the client addressed it: a tenant's issuer and
    /// the base of its resource identifier.
    pub fn origin(&self) -> String {
        let scheme = if self.secure { "https" } else { "http" };
        format!("{scheme}://{}", self.header("host").unwrap_or_default())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn empty(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn json(status: u16, value: &impl Serialize) -> Self {
        // Serialising our own types cannot fail; an empty object is a safe floor.
        let body = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
        Self::empty(status)
            .with_header("content-type", "application/json")
            .with_body(body)
    }

    /// The edge's own (non-protocol) error shape: `{"error": code, "message": …}`.
    pub fn error(status: u16, code: &str, message: &str) -> Self {
        Self::json(
            status,
            &serde_json::json!({ "error": code, "message": message }),
        )
    }

    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    pub fn with_body(mut self, body: Vec<u8>) -> Self {
        self.body = body;
        self
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}
