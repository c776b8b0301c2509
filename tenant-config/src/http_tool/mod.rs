//! HTTP tools: a tool bound to the tenant's own HTTPS endpoint instead of
//! fixed content. The binding says where each argument goes — a variable
//! of the URL template (RFC 6570 up to level 3), a query parameter, a
//! header — and the rest travel as the query (GET, DELETE) or a JSON body
//! (POST, PUT, PATCH). [`HttpBinding::plan`] turns a call's (already
//! validated) arguments into the one request to send, escaping each value
//! for where it lands: no argument can change the scheme, host or port,
//! leave its path segment, name a header or add one.
//!
//! Reserved (`{+var}`) and fragment (`{#var}`) expansion are refused: they
//! would let a value carry `/`, `?` or `#` into the URL.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::encoding::percent_encode;

/// How long a backend may take by default, and at most.
pub const DEFAULT_TIMEOUT_MS: u32 = 10_000;
pub const MAX_TIMEOUT_MS: u32 = 30_000;
/// How much of a backend's answer is read by default, and at most.
pub const DEFAULT_RESPONSE_BYTES: u32 = 1024 * 1024;
pub const MAX_RESPONSE_BYTES: u32 = 4 * 1024 * 1024;
/// The longest value sent in a header.
const MAX_HEADER_VALUE: usize = 8 * 1024;
/// The longest URL sent.
const MAX_URL: usize = 16 * 1024;

/// Headers an argument may not set: the request's framing, its target and
/// credentials belong to the edge.
const RESERVED_HEADERS: &[&str] = &[
    "authorization",
    "connection",
    "content-length",
    "content-type",
    "cookie",
    "host",
    "keep-alive",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl HttpMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
        }
    }

    /// Whether unplaced arguments travel in a JSON body (else the query).
    fn has_body(self) -> bool {
        matches!(self, Self::Post | Self::Put | Self::Patch)
    }
}

/// Where a tool's call goes and how its arguments travel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpBinding {
    pub method: HttpMethod,
    /// An absolute `https` URL template, e.g.
    /// `https://api.acme.com/v1/cities/{city}/weather{?units}`; its
    /// variables are the tool's arguments.
    pub url: String,
    /// Arguments sent as query parameters (besides the template's own).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub query: Vec<String>,
    /// Arguments sent as headers: argument name → header name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    #[serde(default = "default_timeout")]
    pub timeout_ms: u32,
    #[serde(default = "default_response_bytes")]
    pub max_response_bytes: u32,
    /// Whether (and how) each call carries the signed user assertion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assertion: Option<crate::assertion::AssertionBinding>,
    /// The tenant's secret each call carries, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<crate::credential::Credential>,
    /// Whether each call acts as the signed-in user: `Authorization:
    /// Bearer` with the user's own token at the identity provider they
    /// signed in with (renewed when it expires).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub user_token: bool,
    /// The URL is an upstream MCP server's endpoint and the tool one of
    /// its tools: a call is that tool's `tools/call` there, the arguments
    /// passed whole ([`crate::upstream_mcp`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mcp: Option<crate::upstream_mcp::McpTarget>,
}

fn default_timeout() -> u32 {
    DEFAULT_TIMEOUT_MS
}

fn default_response_bytes() -> u32 {
    DEFAULT_RESPONSE_BYTES
}

/// The request a call makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub method: HttpMethod,
    pub url: String,
    /// Lower-case names.
    pub headers: Vec<(String, String)>,
    /// A JSON body, for methods that carry one.
    pub body: Option<String>,
}

/// Why a binding cannot be saved, naming its part.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct BindingError {
    pub field: &'static str,
    pub message: String,
}

fn refuse<T>(field: &'static str, message: impl Into<String>) -> Result<T, BindingError> {
    Err(BindingError {
        field,
        message: message.into(),
    })
}

/// Why a call's arguments cannot be sent as the binding says, in words
/// for the model (a tool error, not a protocol one).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PlanError(pub String);

impl HttpBinding {
    /// Checks the binding against the tool's argument names: a template
    /// whose origin is literal and whose variables, query parameters and
    /// headers are arguments; header names a request may carry; limits in
    /// bounds. `http` is allowed only where `allow_http` says (loopback
    /// backends in development).
    pub fn validate(
        &self,
        arguments: &[&str],
        allow_http: impl Fn(&str) -> bool,
    ) -> Result<(), BindingError> {
        let template = Template::parse(&self.url).or_else(|e| refuse("http.url", e))?;
        let origin = template.origin();
        match origin.split_once("://") {
            Some(("https", host)) if !host.is_empty() => {}
            Some(("http", host)) if !host.is_empty() && allow_http(&self.url) => {}
            _ => {
                return refuse(
                    "http.url",
                    "must be an absolute https URL whose host is written out (no variable before the path)",
                );
            }
        }
        if let Some(why) = inward_origin(origin) {
            return refuse("http.url", why);
        }
        if let Some(mcp) = &self.mcp {
            validate_mcp(self, mcp, &template)?;
        }
        let known = |name: &str| arguments.contains(&name);
        for name in template.variables() {
            if !known(name) {
                return refuse(
                    "http.url",
                    format!("{{{name}}} is not an argument of the tool"),
                );
            }
        }
        for name in &self.query {
            if !known(name) {
                return refuse(
                    "http.query",
                    format!("{name:?} is not an argument of the tool"),
                );
            }
        }
        for (argument, header) in &self.headers {
            if !known(argument) {
                return refuse(
                    "http.headers",
                    format!("{argument:?} is not an argument of the tool"),
                );
            }
            let lower = header.to_ascii_lowercase();
            if !is_header_name(header) {
                return refuse("http.headers", format!("{header:?} is not a header name"));
            }
            if RESERVED_HEADERS.contains(&lower.as_str()) || lower.starts_with("x-portcullis") {
                return refuse(
                    "http.headers",
                    format!("{header:?} is set by the edge, not by an argument"),
                );
            }
        }
        let mut edge_headers = Vec::new();
        if let Some(assertion) = &self.assertion {
            assertion
                .validate()
                .or_else(|(field, message)| refuse(field, message))?;
            edge_headers.push(("http.assertion.header", assertion.header_name()));
        }
        if let Some(credential) = &self.credential {
            credential
                .validate()
                .or_else(|(field, message)| refuse(field, message))?;
            edge_headers.push(("http.credential.header", credential.header_name()));
        }
        if self.user_token {
            edge_headers.push(("http.userToken", "authorization".into()));
        }
        for (i, (field, header)) in edge_headers.iter().enumerate() {
            let reserved = RESERVED_HEADERS.contains(&header.as_str()) && header != "authorization";
            if reserved || header.starts_with("x-portcullis") {
                return refuse(field, format!("{header:?} cannot be set by the tool"));
            }
            let by_argument = self
                .headers
                .values()
                .any(|h| h.eq_ignore_ascii_case(header));
            if by_argument || edge_headers[..i].iter().any(|(_, h)| h == header) {
                return refuse(field, format!("{header:?} is already set by the tool"));
            }
        }
        if !(1..=MAX_TIMEOUT_MS).contains(&self.timeout_ms) {
            return refuse(
                "http.timeoutMs",
                format!("must be 1 to {MAX_TIMEOUT_MS} milliseconds"),
            );
        }
        if !(1..=MAX_RESPONSE_BYTES).contains(&self.max_response_bytes) {
            return refuse(
                "http.maxResponseBytes",
                format!("must be 1 to {MAX_RESPONSE_BYTES} bytes"),
            );
        }
        Ok(())
    }

    /// The scheme, host and port every call goes to (`None` when the
    /// template does not parse).
    pub fn origin(&self) -> Option<String> {
        let template = Template::parse(&self.url).ok()?;
        Some(template.origin().to_owned()).filter(|o| !o.is_empty())
    }

    /// The request a call with `arguments` makes (an MCP server's asks for
    /// progress under `progress_token`, when given).
    pub fn plan(
        &self,
        arguments: &Map<String, Value>,
        progress_token: Option<&Value>,
    ) -> Result<Planned, PlanError> {
        if let Some(mcp) = &self.mcp {
            return Ok(Planned {
                method: HttpMethod::Post,
                url: self.url.clone(),
                headers: vec![
                    ("content-type".into(), "application/json".into()),
                    ("accept".into(), crate::upstream_mcp::ACCEPT.into()),
                ],
                body: Some(crate::upstream_mcp::call_tool(
                    &mcp.tool,
                    arguments,
                    progress_token,
                )),
            });
        }
        let template = Template::parse(&self.url).map_err(PlanError)?;
        let mut url = template.expand(arguments)?;
        let mut placed: Vec<&str> = template.variables().collect();
        let mut query: Vec<(&str, &Value)> = Vec::new();
        for name in &self.query {
            placed.push(name);
            if let Some(value) = arguments.get(name).filter(|v| !v.is_null()) {
                query.push((name, value));
            }
        }
        let mut headers = Vec::new();
        for (argument, header) in &self.headers {
            placed.push(argument);
            if let Some(value) = arguments.get(argument).filter(|v| !v.is_null()) {
                headers.push((header.to_ascii_lowercase(), header_value(argument, value)?));
            }
        }
        let mut rest = Map::new();
        rest.extend(
            arguments
                .iter()
                .filter(|(name, _)| !placed.contains(&name.as_str()))
                .map(|(name, value)| (name.clone(), value.clone())),
        );
        let body = if self.method.has_body() {
            headers.push(("content-type".into(), "application/json".into()));
            Some(Value::Object(rest).to_string())
        } else {
            query.extend(rest.iter().map(|(name, value)| (name.as_str(), value)));
            None
        };
        for (name, value) in query {
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(&percent_encode(name));
            url.push('=');
            url.push_str(&percent_encode(&scalar_text(value)));
        }
        if url.len() > MAX_URL {
            return Err(PlanError(format!(
                "the arguments make a URL longer than {MAX_URL} bytes"
            )));
        }
        Ok(Planned {
            method: self.method,
            url,
            headers,
            body,
        })
    }
}

/// An upstream MCP tool's binding: a POST to a plain URL, the arguments
/// going whole into the call.
fn validate_mcp(
    binding: &HttpBinding,
    mcp: &crate::upstream_mcp::McpTarget,
    template: &Template<'_>,
) -> Result<(), BindingError> {
    if mcp.tool.is_empty() || mcp.tool.len() > 128 || mcp.tool.chars().any(char::is_control) {
        return refuse(
            "http.mcp.tool",
            "must be the upstream tool's name (1 to 128 characters)",
        );
    }
    if binding.method != HttpMethod::Post {
        return refuse("http.method", "an MCP server is called with POST");
    }
    if template.variables().next().is_some() {
        return refuse(
            "http.url",
            "an MCP server's URL has no variables: the arguments go whole to its tool",
        );
    }
    if !binding.query.is_empty() || !binding.headers.is_empty() {
        return refuse(
            "http.query",
            "an MCP server's tool takes its arguments whole, not in the query or headers",
        );
    }
    Ok(())
}

/// Why `origin` (`scheme://host[:port]`) names a place a tenant's tool may
/// not reach: credentials in the URL, or an address literal inside a
/// private network, link-local (cloud metadata), shared (CGNAT),
/// unspecified or multicast. Loopback stays allowed: it is where a
/// development backend runs, and the production runtime cannot reach it.
fn inward_origin(origin: &str) -> Option<&'static str> {
    use std::net::{IpAddr, Ipv4Addr};
    let authority = origin.split_once("://").map_or(origin, |(_, rest)| rest);
    if authority.contains('@') {
        return Some("may not carry credentials (user@host)");
    }
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    let inward_v4 = |ip: Ipv4Addr| {
        let [a, b, ..] = ip.octets();
        ip.is_private()
            || ip.is_link_local()
            || ip.is_unspecified()
            || ip.is_broadcast()
            || ip.is_multicast()
            || a == 0
            || (a == 100 && (64..128).contains(&b))
    };
    let inward = match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => inward_v4(ip),
        Ok(IpAddr::V6(ip)) => {
            let first = ip.segments()[0];
            ip.is_unspecified()
                || ip.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || ip.to_ipv4_mapped().is_some_and(inward_v4)
        }
        Err(_) => false,
    };
    inward.then_some("may not name a private, link-local or metadata address")
}

/// The argument names a tool's input schema declares (its `properties`),
/// which a binding may place.
pub fn argument_names(input_schema: &Value) -> Vec<&str> {
    input_schema["properties"]
        .as_object()
        .map(|p| p.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

/// Whether `name` is an HTTP header name (RFC 9110 `token`).
pub fn is_header_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(is_token_byte)
}

/// RFC 7230 `tchar`.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// A value as text: strings as they are, anything else as JSON.
fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn header_value(argument: &str, value: &Value) -> Result<String, PlanError> {
    let text = scalar_text(value);
    // Visible ASCII and spaces only: no line breaks (a second header), no
    // control characters, nothing a runtime would re-encode.
    if text.len() > MAX_HEADER_VALUE || !text.bytes().all(|b| b == b' ' || b.is_ascii_graphic()) {
        return Err(PlanError(format!(
            "argument {argument} cannot be sent as a header: only printable ASCII up to {MAX_HEADER_VALUE} bytes"
        )));
    }
    Ok(text)
}

/// Where an argument of a binding goes (for showing an admin).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    Url,
    Query,
    Header(String),
    Body,
}

/// A piece of a URL template as written: literal text, or an expression
/// (`{?units,lang}`) with the arguments it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlPart {
    Text(String),
    Expression { text: String, names: Vec<String> },
}

impl HttpBinding {
    /// The URL template in pieces, or why it does not parse.
    pub fn url_parts(&self) -> Result<Vec<UrlPart>, String> {
        let template = Template::parse(&self.url)?;
        Ok(template
            .parts
            .iter()
            .map(|part| match part {
                Part::Literal(text) => UrlPart::Text((*text).to_owned()),
                Part::Expression { operator, names } => {
                    let (first, ..) = operator.rules();
                    UrlPart::Expression {
                        text: format!("{{{first}{}}}", names.join(",")),
                        names: names.iter().map(|n| (*n).to_owned()).collect(),
                    }
                }
            })
            .collect())
    }

    /// Where each of `arguments` goes when the tool is called.
    pub fn placements<'a>(&self, arguments: &[&'a str]) -> Vec<(&'a str, Placement)> {
        let in_url: Vec<String> = match self.url_parts() {
            Ok(parts) => parts
                .into_iter()
                .flat_map(|p| match p {
                    UrlPart::Expression { names, .. } => names,
                    UrlPart::Text(_) => Vec::new(),
                })
                .collect(),
            Err(_) => Vec::new(),
        };
        arguments
            .iter()
            .map(|name| {
                let place = if in_url.iter().any(|n| n == name) {
                    Placement::Url
                } else if self.query.iter().any(|q| q == name) {
                    Placement::Query
                } else if let Some(header) = self.headers.get(*name) {
                    Placement::Header(header.clone())
                } else if self.method.has_body() {
                    Placement::Body
                } else {
                    Placement::Query
                };
                (*name, place)
            })
            .collect()
    }
}

/// A parsed URL template: literal text and expressions.
struct Template<'a> {
    parts: Vec<Part<'a>>,
}

enum Part<'a> {
    Literal(&'a str),
    Expression {
        operator: Operator,
        names: Vec<&'a str>,
    },
}

#[derive(Clone, Copy)]
enum Operator {
    Simple,
    Path,
    Label,
    Parameters,
    Query,
    Continuation,
}

impl Operator {
    /// (first, separator, named, if empty) of RFC 6570 appendix A.
    fn rules(self) -> (&'static str, char, bool, &'static str) {
        match self {
            Self::Simple => ("", ',', false, ""),
            Self::Path => ("/", '/', false, ""),
            Self::Label => (".", '.', false, ""),
            Self::Parameters => (";", ';', true, ""),
            Self::Query => ("?", '&', true, "="),
            Self::Continuation => ("&", '&', true, "="),
        }
    }
}

impl<'a> Template<'a> {
    fn parse(text: &'a str) -> Result<Self, String> {
        let mut parts = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            match rest.find(['{', '}']) {
                None => {
                    parts.push(Part::Literal(rest));
                    break;
                }
                Some(at) if rest.as_bytes()[at] == b'}' => {
                    return Err(format!("unmatched }} at {:?}", &rest[at..]));
                }
                Some(at) => {
                    if at > 0 {
                        parts.push(Part::Literal(&rest[..at]));
                    }
                    let close = rest[at..]
                        .find('}')
                        .ok_or_else(|| "an expression is not closed with }".to_owned())?;
                    parts.push(expression(&rest[at + 1..at + close])?);
                    rest = &rest[at + close + 1..];
                }
            }
        }
        for part in &parts {
            if let Part::Literal(literal) = part
                && literal
                    .chars()
                    .any(|c| c.is_control() || c.is_whitespace() || c == '#')
            {
                return Err(
                    "the URL may not contain spaces, control characters or a fragment".into(),
                );
            }
        }
        Ok(Self { parts })
    }

    /// The literal text before the first expression, up to the path: the
    /// scheme, host and port every call goes to.
    fn origin(&self) -> &'a str {
        let Some(Part::Literal(first)) = self.parts.first() else {
            return "";
        };
        let after_scheme = first.find("://").map_or(0, |i| i + 3);
        let end = first[after_scheme..]
            .find(['/', '?'])
            .map(|i| after_scheme + i);
        match end {
            Some(end) => &first[..end],
            // The whole literal is scheme and host: an expression would
            // continue the host unless nothing follows.
            None if self.parts.len() == 1 => first,
            None => "",
        }
    }

    fn variables(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.parts.iter().flat_map(|part| match part {
            Part::Expression { names, .. } => names.clone(),
            Part::Literal(_) => Vec::new(),
        })
    }

    fn expand(&self, arguments: &Map<String, Value>) -> Result<String, PlanError> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(text) => out.push_str(text),
                Part::Expression { operator, names } => {
                    let (first, separator, named, if_empty) = operator.rules();
                    let mut wrote = false;
                    for name in names {
                        let Some(value) = arguments.get(*name).filter(|v| !v.is_null()) else {
                            continue;
                        };
                        out.push_str(if wrote { "" } else { first });
                        if wrote {
                            out.push(separator);
                        }
                        wrote = true;
                        let text = expanded_value(name, value)?;
                        if named {
                            out.push_str(name);
                            out.push_str(if text.is_empty() { if_empty } else { "=" });
                        }
                        out.push_str(&text);
                    }
                }
            }
        }
        Ok(out)
    }
}

/// One expression's body: an optional operator and variable names.
fn expression(body: &str) -> Result<Part<'_>, String> {
    let (operator, list) = match body.chars().next() {
        Some('/') => (Operator::Path, &body[1..]),
        Some('.') => (Operator::Label, &body[1..]),
        Some(';') => (Operator::Parameters, &body[1..]),
        Some('?') => (Operator::Query, &body[1..]),
        Some('&') => (Operator::Continuation, &body[1..]),
        Some('+') | Some('#') => {
            return Err(format!(
                "{{{body}}}: reserved and fragment expansion would let a value change the URL's structure"
            ));
        }
        _ => (Operator::Simple, body),
    };
    let names: Vec<&str> = list.split(',').collect();
    for name in &names {
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(format!(
                "{{{body}}}: variables are argument names (letters, digits, _), without modifiers"
            ));
        }
    }
    Ok(Part::Expression { operator, names })
}

/// A value as one expansion, every character outside RFC 3986's
/// unreserved set percent-encoded; lists joined with commas.
fn expanded_value(name: &str, value: &Value) -> Result<String, PlanError> {
    match value {
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::Array(_) | Value::Object(_) => Err(PlanError(format!(
                    "argument {name} cannot go into the URL: a list of lists or objects"
                ))),
                other => Ok(percent_encode(&scalar_text(other))),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(|items| items.join(",")),
        Value::Object(_) => Err(PlanError(format!(
            "argument {name} cannot go into the URL: an object"
        ))),
        other => Ok(percent_encode(&scalar_text(other))),
    }
}

#[cfg(test)]
mod tests;
