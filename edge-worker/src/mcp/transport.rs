//! Streamable HTTP: every POST carries one JSON-RPC message and gets a JSON
//! answer (or, for a call that reports progress or asks for input, an event
//! stream). A request is served in the modern era (2026-07-28, [`modern`])
//! when it says so, by header or by `_meta`, and otherwise as MCP
//! 2025-03-26 … 2025-11-25 ("Backwards compatibility"), where `initialize`
//! starts a session ([`sessions`]), `GET` opens a notification stream (the
//! tenant's, or the session's own) and `DELETE` ends the session.

use portcullis_tenant_config::TenantConfig;
use portcullis_tenant_config::json;
use portcullis_tenant_config::notifications::severity;
use serde_json::Value;

use super::effect::{Counted, Effect};
use super::jsonrpc::{Incoming, RpcError, classify, code, failure};
use super::methods::Call;
use super::sessions;
use super::subscriptions::{self, StreamKind};
use super::{DEFAULT_HEADER_VERSION, MODERN_VERSIONS, SUPPORTED_VERSIONS, all_versions, modern};
use crate::auth::Caller;
use crate::http::{HttpRequest, HttpResponse};
use crate::outside::Obtained;
use crate::usage::UsageEvent;

/// `GET /mcp` (2025-03-26 … 2025-11-25): a stream of the tenant's server
/// notifications — list changes on publish. The modern era has no GET.
///
/// With an `Mcp-Session-Id` the stream is the session's own, held by its
/// user's object: its events carry ids and a reconnect with `Last-Event-ID`
/// gets what it missed.
pub fn open_notification_stream(
    config: &TenantConfig,
    caller: &Caller,
    request: &HttpRequest,
) -> Effect {
    let wants_stream = accepts_event_stream(request.header("accept"));
    let modern = request
        .header("mcp-protocol-version")
        .is_some_and(|v| MODERN_VERSIONS.contains(&v.trim()));
    if !wants_stream || modern {
        return Effect::Reply(
            HttpResponse::error(
                405,
                "method_not_allowed",
                "GET opens an event stream (Accept: text/event-stream); requests are POSTed",
            )
            .with_header("allow", "GET, POST"),
        );
    }
    if request.header(sessions::SESSION_HEADER).is_some() {
        return sessions::open_stream(&config.tenant, caller, request);
    }
    // An SSE comment: clients ignore it, but it puts the stream on the wire.
    Effect::OpenTenantStream {
        tenant: config.tenant.clone(),
        holder: subscriptions::stream_holder(caller, request),
        stream: StreamKind::Legacy,
        first_event: ": notifications for this tenant\n\n".into(),
    }
}

/// Handles one request to `/mcp`.
/// `edge_key` is the edge's secret, from which the modern era's
/// `requestState` seals derive.
pub fn handle(
    config: &TenantConfig,
    caller: &Caller,
    request: &HttpRequest,
    edge_key: &[u8; 32],
) -> Counted {
    handle_with_obtained(config, caller, request, edge_key, None)
}

/// [`handle`], run again with what a tool needed from outside (see
/// [`crate::outside`]).
pub fn handle_with_obtained(
    config: &TenantConfig,
    caller: &Caller,
    request: &HttpRequest,
    edge_key: &[u8; 32],
    obtained: Option<&Obtained>,
) -> Counted {
    match request.method.as_str() {
        "POST" => post(config, caller, request, edge_key, obtained),
        "DELETE" => sessions::end(&config.tenant, caller, request).into(),
        _ => Effect::Reply(
            HttpResponse::error(
                405,
                "method_not_allowed",
                "this MCP endpoint takes POST, GET (a notification stream) and DELETE (ending a session)",
            )
            .with_header("allow", "GET, POST, DELETE"),
        )
        .into(),
    }
}

/// "Servers MUST validate the Origin header on all incoming connections to
/// prevent DNS rebinding attacks ... respond with HTTP 403 Forbidden." An
/// `Origin` is allowed only when it names this very host (`host` is the
/// request's Host header).
pub fn refuse_foreign_origin(request: &HttpRequest, host: &str) -> Option<HttpResponse> {
    let origin = request.header("origin")?;
    if origin_matches(origin, host) {
        return None;
    }
    Some(rpc_reply(
        403,
        failure(
            Value::Null,
            RpcError::new(code::INVALID_REQUEST, "Origin not allowed"),
        ),
    ))
}

/// `429` for a caller over the tenant's limits, as a JSON-RPC error the
/// client can read whatever it sent.
pub fn too_many_requests(wait: crate::rate::RetryAfter) -> HttpResponse {
    let message = format!("Too many requests; retry in {} seconds", wait.0);
    let error = RpcError::new(code::TOO_MANY_REQUESTS, message)
        .with_data(serde_json::json!({ "retryAfter": wait.0 }));
    rpc_reply(429, failure(Value::Null, error)).with_header("retry-after", wait.0.to_string())
}

fn post(
    config: &TenantConfig,
    caller: &Caller,
    request: &HttpRequest,
    edge_key: &[u8; 32],
    obtained: Option<&Obtained>,
) -> Counted {
    if !accepts_json(request.header("accept")) {
        let error = RpcError::new(code::INVALID_REQUEST, "Accept must allow application/json");
        return Effect::Reply(rpc_reply(406, failure(Value::Null, error))).into();
    }
    let (id, method, params) = match read_message(request) {
        Err(refusal) => return Effect::Reply(refusal).into(),
        // "If the input is a JSON-RPC response or notification: If the server
        // accepts the input, the server MUST return HTTP status code 202."
        Ok(Incoming::Notification { .. }) => return Effect::Reply(HttpResponse::empty(202)).into(),
        Ok(Incoming::Response { id, outcome }) => {
            return sessions::answered(&config.tenant, caller, request, id, outcome).into();
        }
        Ok(Incoming::Request { id, method, params }) => (id, method, params),
    };
    if let Some(required) = crate::auth::missing_scopes(config, caller, &method, params.as_ref()) {
        let tool = params
            .as_ref()
            .and_then(|p| p.get("name"))
            .and_then(Value::as_str);
        return Counted {
            effect: Effect::Reply(crate::auth::insufficient_scope(&request.origin(), required)),
            usage: tool
                .map(|tool| crate::usage::tool_denied(&config.tenant, caller.user_id(), tool))
                .into_iter()
                .collect(),
        };
    }
    let header_version = request.header("mcp-protocol-version").map(str::trim);
    if modern::is_modern(header_version, params.as_ref()) {
        return modern::handle(
            config, caller, request, edge_key, obtained, id, &method, params,
        );
    }
    // "If the server receives a request with an invalid or unsupported
    // MCP-Protocol-Version, it MUST respond with 400 Bad Request."
    let version = header_version.unwrap_or(DEFAULT_HEADER_VERSION);
    if !SUPPORTED_VERSIONS.contains(&version) {
        let message = format!(
            "Unsupported MCP-Protocol-Version {version:?}; supported: {}",
            all_versions().join(", ")
        );
        return Effect::Reply(rpc_reply(
            400,
            failure(id, RpcError::new(code::INVALID_REQUEST, message)),
        ))
        .into();
    }
    if let Some(asking) = sessions::ask(
        config,
        caller,
        request,
        (&id, &method, params.as_ref()),
        version,
    ) {
        return asking.into();
    }
    let mut answer = answer(
        config,
        caller,
        version,
        id,
        &method,
        params.clone(),
        obtained,
    );
    if let Some(needed) = answer.needs.take() {
        return Effect::Obtain(needed).into();
    }
    let usage = std::mem::take(&mut answer.usage);
    let effect = sessions::route_reply(
        &config.tenant,
        caller,
        request,
        &method,
        params.as_ref(),
        answer,
    );
    Counted { effect, usage }
}

/// Reads the one JSON-RPC message a POST carries, or the response refusing it.
pub fn read_message(request: &HttpRequest) -> Result<Incoming, HttpResponse> {
    let refuse = |status: u16, code: i64, message: &str| {
        rpc_reply(status, failure(Value::Null, RpcError::new(code, message)))
    };
    if !is_json(request.header("content-type")) {
        return Err(refuse(
            415,
            code::INVALID_REQUEST,
            "Content-Type must be application/json",
        ));
    }
    let message: Value = json::parse(&request.body).map_err(|_| {
        refuse(
            400,
            code::PARSE_ERROR,
            "Parse error: the body is not valid JSON",
        )
    })?;
    if message.is_array() {
        // Batching was removed from MCP in 2025-06-18.
        return Err(refuse(
            400,
            code::INVALID_REQUEST,
            "JSON-RPC batches are not supported",
        ));
    }
    classify(message).map_err(|(id, error)| rpc_reply(400, failure(id, error)))
}

/// The reply to one request of the session-based eras, at `version`.
pub fn answer(
    config: &TenantConfig,
    caller: &Caller,
    version: &str,
    id: Value,
    method: &str,
    params: Option<serde_json::Map<String, Value>>,
    obtained: Option<&Obtained>,
) -> Answer {
    Call::new(config, caller, version, params.unwrap_or_default())
        .with_obtained(obtained)
        .run(method)
        .into_answer(id)
}

/// A request's response and the notifications to send before it.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub notifications: Vec<Value>,
    pub message: Value,
    /// What the request counts for in the tenant's usage.
    pub usage: Vec<UsageEvent>,
    /// What the answer waits for from outside (then it is not sent).
    pub needs: Option<crate::outside::Needed>,
}

impl Answer {
    /// Leaves out log messages below `level` (a user's `logging/setLevel`).
    pub fn logs_from(mut self, level: Option<&str>) -> Self {
        let Some(min) = level.and_then(severity) else {
            return self;
        };
        self.notifications.retain(|n| {
            n["method"] != "notifications/message"
                || n["params"]["level"]
                    .as_str()
                    .and_then(severity)
                    .is_some_and(|l| l >= min)
        });
        self
    }

    /// The whole exchange as server-sent events, in order.
    pub fn events(&self) -> String {
        self.notifications
            .iter()
            .chain([&self.message])
            .map(|m| super::sse::event("message", &m.to_string()))
            .collect()
    }

    /// The HTTP reply: an event stream when there are notifications and the
    /// client takes one, else the response alone as JSON.
    pub fn into_reply(self, request: &HttpRequest) -> HttpResponse {
        let streams = accepts_event_stream(request.header("accept"));
        self.reply(streams)
    }

    /// The HTTP reply, as an event stream if there are notifications and
    /// `streams` (the client takes one).
    pub fn reply(self, streams: bool) -> HttpResponse {
        if self.notifications.is_empty() || !streams {
            return rpc_reply(200, self.message);
        }
        HttpResponse::empty(200)
            .with_header("content-type", "text/event-stream")
            .with_header("cache-control", "no-cache")
            .with_body(self.events().into_bytes())
    }
}

pub(super) fn accepts_event_stream(accept: Option<&str>) -> bool {
    accept.is_some_and(|a| {
        a.split(',')
            .map(media_type)
            .any(|m| m.eq_ignore_ascii_case("text/event-stream"))
    })
}

pub(super) fn rpc_reply(status: u16, body: Value) -> HttpResponse {
    HttpResponse::json(status, &body)
}

fn media_type(header: &str) -> &str {
    header.split(';').next().unwrap_or_default().trim()
}

fn is_json(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|c| media_type(c).eq_ignore_ascii_case("application/json"))
}

/// Clients MUST list both JSON and SSE; we answer with JSON only, so we
/// insist on no more than that JSON is acceptable.
fn accepts_json(accept: Option<&str>) -> bool {
    accept.is_none_or(|a| {
        a.split(',').map(media_type).any(|m| {
            ["application/json", "application/*", "*/*"]
                .iter()
                .any(|ok| m.eq_ignore_ascii_case(ok))
        })
    })
}

/// An `Origin` is allowed only when it names this very host.
fn origin_matches(origin: &str, host: &str) -> bool {
    let origin_host = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .unwrap_or_default();
    !host.is_empty() && origin_host.eq_ignore_ascii_case(host)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn config() -> TenantConfig {
        crate::test_fixtures::tenant("acme", 1, &[])
    }

    fn post(headers: &[(&str, &str)], body: &str) -> HttpResponse {
        let mut all = vec![
            ("host", "acme.localhost:8787"),
            ("content-type", "application/json"),
            ("accept", "application/json, text/event-stream"),
        ];
        all.extend_from_slice(headers);
        let request = crate::test_fixtures::post("/mcp", &all, body.as_bytes().to_vec());
        let host = "acme.localhost:8787";
        refuse_foreign_origin(&request, host).unwrap_or_else(|| {
            handle(&config(), &Caller::Anonymous, &request, &[0; 32]).into_reply()
        })
    }

    fn rpc_code(r: &HttpResponse) -> i64 {
        json::parse::<Value>(&r.body).unwrap()["error"]["code"]
            .as_i64()
            .unwrap()
    }

    #[test]
    fn a_tool_call_carries_what_it_counts_for_and_a_try_counts_for_nothing() {
        let config = crate::test_fixtures::tenant("acme", 1, &["t"]);
        let call = |name: &str| {
            let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                "params": {"name": name, "arguments": {"city": "Oslo"}}});
            let request = crate::test_fixtures::post(
                "/mcp",
                &[
                    ("content-type", "application/json"),
                    ("accept", "application/json, text/event-stream"),
                ],
                body.to_string().into_bytes(),
            );
            handle(&config, &Caller::Anonymous, &request, &[0; 32])
        };
        let counted = call("t");
        let Effect::Reply(ref reply) = counted.effect else {
            panic!("{:?}", counted.effect)
        };
        let body: Value = json::parse(&reply.body).unwrap();
        assert!(body["result"]["content"].is_array(), "{body}");
        let seen: Vec<_> = counted
            .usage
            .iter()
            .map(|e| (e.kind, e.tool.as_deref(), e.outcome))
            .collect();
        assert_eq!(seen, [("tool_call", Some("t"), "ok")]);
        assert_eq!(
            call("not-a-tool").usage,
            vec![],
            "only the tenant's own tools"
        );
        let mut params = serde_json::Map::new();
        params.insert("name".into(), json!("t"));
        params.insert("arguments".into(), json!({"city": "Oslo"}));
        let tried = Call::new(&config, &Caller::Anonymous, "2025-11-25", params)
            .admin_try()
            .run("tools/call");
        assert!(tried.result.is_ok());
        assert_eq!(tried.usage, vec![], "an admin's try is not a user's call");
    }

    #[test]
    fn requests_get_json_and_notifications_202() {
        let r = post(&[], r#"{"jsonrpc":"2.0","id":7,"method":"ping"}"#);
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(
            json::parse::<Value>(&r.body).unwrap(),
            json!({"jsonrpc": "2.0", "id": 7, "result": {}})
        );
        let r = post(
            &[],
            r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
        );
        assert_eq!((r.status, r.body.len()), (202, 0));
    }

    #[test]
    fn malformed_input_gets_json_rpc_errors() {
        let r = post(&[], "{not json");
        assert_eq!((r.status, rpc_code(&r)), (400, code::PARSE_ERROR));
        let r = post(&[], r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#);
        assert_eq!((r.status, rpc_code(&r)), (400, code::INVALID_REQUEST));
        let r = post(&[], r#"{"jsonrpc":"2.0","id":1}"#);
        assert_eq!((r.status, rpc_code(&r)), (400, code::INVALID_REQUEST));
        let r = post(&[], r#"{"jsonrpc":"2.0","id":1,"method":"nope"}"#);
        assert_eq!((r.status, rpc_code(&r)), (200, code::METHOD_NOT_FOUND));
        let r = post(&[], "\u{0}\u{ff}");
        assert_eq!(r.status, 400);
    }

    #[test]
    fn enforces_transport_headers() {
        let ping = r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#;
        assert_eq!(
            post(&[("mcp-protocol-version", "2025-11-25")], ping).status,
            200
        );
        assert_eq!(
            post(&[("mcp-protocol-version", "2099-01-01")], ping).status,
            400
        );
        assert_eq!(post(&[("content-type", "text/plain")], ping).status, 415);
        assert_eq!(post(&[("accept", "text/html")], ping).status, 406);
        assert_eq!(
            post(&[("origin", "https://evil.example")], ping).status,
            403
        );
        assert_eq!(
            post(&[("origin", "http://acme.localhost:8787")], ping).status,
            200
        );
        let get = HttpRequest {
            method: "GET".into(),
            path: "/mcp".into(),
            ..Default::default()
        };
        let r = handle(&config(), &Caller::Anonymous, &get, &[0; 32]).into_reply();
        assert_eq!(
            (r.status, r.header("allow")),
            (405, Some("GET, POST, DELETE"))
        );
    }
}
