//! MCP 2026-07-28: stateless requests. There is no `initialize`; every
//! request names its protocol version and client capabilities in
//! `params._meta`, mirrors its method (and tool/prompt name or resource URI)
//! in `Mcp-Method` / `Mcp-Name` headers, and gets a result tagged with
//! `resultType` and caching hints. The methods themselves are shared with
//! the legacy era ([`super::methods`]).

use portcullis_tenant_config::TenantConfig;
use serde_json::{Map, Value, json};

use super::effect::{Counted, Effect};
use super::jsonrpc::{RpcError, code, failure, success};
use super::methods::{Call, Ran, capabilities, request_states};
use super::transport::{Answer, rpc_reply};
use super::{MODERN_VERSIONS, all_versions, subscriptions};
use crate::auth::Caller;
use crate::http::HttpRequest;
use crate::outside::Obtained;

const META_PROTOCOL_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
const META_CLIENT_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
const META_SERVER_INFO: &str = "io.modelcontextprotocol/serverInfo";

/// "HeaderMismatchError": headers missing, malformed or not matching the body.
pub const HEADER_MISMATCH: i64 = -32020;
/// "UnsupportedProtocolVersionError".
pub const UNSUPPORTED_PROTOCOL_VERSION: i64 = -32022;

/// Methods of the session-based eras that 2026-07-28 removed.
const REMOVED_METHODS: &[&str] = &[
    "initialize",
    "ping",
    "logging/setLevel",
    "resources/subscribe",
    "resources/unsubscribe",
];

/// Results clients may cache, per their `ttlMs`.
const CACHEABLE_METHODS: &[&str] = &[
    "server/discover",
    "tools/list",
    "prompts/list",
    "resources/list",
    "resources/templates/list",
    "resources/read",
];

/// How long clients may reuse a cacheable result. Zero: a client that does
/// not listen for list changes must still see a publish on its very next
/// request.
const CACHE_TTL_MS: u64 = 0;

/// A request is modern when its `MCP-Protocol-Version` header names a
/// modern revision, or its body carries `_meta` protocol version (the
/// version itself is checked in [`handle`]).
pub fn is_modern(header_version: Option<&str>, params: Option<&Map<String, Value>>) -> bool {
    header_version.is_some_and(|v| MODERN_VERSIONS.contains(&v))
        || params
            .and_then(|p| p.get("_meta"))
            .and_then(|m| m.get(META_PROTOCOL_VERSION))
            .is_some()
}

/// The answer to one modern request: its HTTP status and result or error.
pub struct Reply {
    pub status: u16,
    outcome: Result<Value, RpcError>,
}

impl Reply {
    fn error(status: u16, error: RpcError) -> Self {
        Self {
            status,
            outcome: Err(error),
        }
    }

    /// The JSON-RPC message answering request `id`.
    pub fn into_message(self, id: Value) -> Value {
        match self.outcome {
            Ok(result) => success(id, result),
            Err(error) => failure(id, error),
        }
    }

    fn into_outcome(self, id: Value) -> Effect {
        let status = self.status;
        Effect::Reply(rpc_reply(status, self.into_message(id)))
    }
}

#[allow(clippy::too_many_arguments)]
pub fn handle(
    config: &TenantConfig,
    caller: &Caller,
    request: &HttpRequest,
    edge_key: &[u8; 32],
    obtained: Option<&Obtained>,
    id: Value,
    method: &str,
    params: Option<Map<String, Value>>,
) -> Counted {
    let params = params.unwrap_or_default();
    let version = match check_request(request, method, &params) {
        Ok(v) => v,
        Err(reply) => return reply.into_outcome(id).into(),
    };
    if method == "subscriptions/listen" {
        let holder = subscriptions::stream_holder(caller, request);
        return subscriptions::listen(config, holder, id, &params).into();
    }
    let states = request_states(edge_key, &config.tenant);
    let call = Call::new(config, caller, version, params)
        .with_request_states(states)
        .with_obtained(obtained);
    let ran = match method {
        "server/discover" => Ran::of(Ok(discover())),
        removed if REMOVED_METHODS.contains(&removed) => Ran::of(Err(RpcError::new(
            code::METHOD_NOT_FOUND,
            format!("method not found: {removed} (removed in {version})"),
        ))),
        _ => call.run(method),
    };
    if let Some(needed) = ran.needs {
        return Effect::Obtain(needed).into();
    }
    let reply = match ran.result {
        Ok(mut result) => {
            decorate(config, caller, method, &mut result);
            Reply {
                status: 200,
                outcome: Ok(result),
            }
        }
        // "If the server does not implement the requested RPC method, it MUST
        // respond with 404 Not Found".
        Err(e) if e.code == code::METHOD_NOT_FOUND => Reply::error(404, e),
        // "On HTTP, the response status MUST be 400 Bad Request" for
        // MissingRequiredClientCapabilityError.
        Err(e) if e.code == code::MISSING_CLIENT_CAPABILITY => Reply::error(400, e),
        Err(e) => Reply {
            status: 200,
            outcome: Err(e),
        },
    };
    let (notifications, usage) = (ran.notifications, ran.usage);
    if notifications.is_empty() || reply.status != 200 {
        return Counted {
            effect: reply.into_outcome(id),
            usage,
        };
    }
    let answer = Answer {
        notifications,
        message: reply.into_message(id),
        usage: Vec::new(),
        needs: None,
    };
    Counted {
        effect: Effect::Reply(answer.into_reply(request)),
        usage,
    }
}

/// Validates `_meta` and the mirrored headers; returns the protocol version.
fn check_request(
    request: &HttpRequest,
    method: &str,
    params: &Map<String, Value>,
) -> Result<&'static str, Reply> {
    let invalid = |message: &str| Reply::error(400, RpcError::invalid_params(message));
    let meta = params
        .get("_meta")
        .and_then(Value::as_object)
        .ok_or_else(|| invalid("params._meta is required (MCP 2026-07-28)"))?;
    let requested = meta
        .get(META_PROTOCOL_VERSION)
        .and_then(Value::as_str)
        .ok_or_else(|| {
            invalid(&format!(
                "params._meta[\"{META_PROTOCOL_VERSION}\"] is required"
            ))
        })?;
    let mismatch = |message: String| Reply::error(400, RpcError::new(HEADER_MISMATCH, message));
    let header = |name: &str| request.header(name).map(str::trim);
    // Header and body must agree before the version they name is judged.
    if header("mcp-protocol-version") != Some(requested) {
        return Err(mismatch(format!(
            "the MCP-Protocol-Version header must be {requested:?}, as in _meta"
        )));
    }
    let version = MODERN_VERSIONS
        .iter()
        .copied()
        .find(|v| *v == requested)
        .ok_or_else(|| {
            Reply::error(
                400,
                RpcError::new(
                    UNSUPPORTED_PROTOCOL_VERSION,
                    format!("Unsupported protocol version {requested:?}"),
                )
                .with_data(json!({ "requested": requested, "supported": all_versions() })),
            )
        })?;
    if !meta
        .get(META_CLIENT_CAPABILITIES)
        .is_some_and(Value::is_object)
    {
        return Err(invalid(&format!(
            "params._meta[\"{META_CLIENT_CAPABILITIES}\"] must be an object"
        )));
    }
    if header("mcp-method") != Some(method) {
        return Err(mismatch(format!(
            "the Mcp-Method header must be {method:?}, the request's method"
        )));
    }
    let named = match method {
        "tools/call" | "prompts/get" => params.get("name"),
        "resources/read" => params.get("uri"),
        _ => None,
    };
    if let Some(name) = named.and_then(Value::as_str)
        && header("mcp-name") != Some(name)
    {
        return Err(mismatch(format!(
            "the Mcp-Name header must be {name:?}, as in params"
        )));
    }
    Ok(version)
}

fn discover() -> Value {
    json!({ "supportedVersions": all_versions(), "capabilities": capabilities(true) })
}

/// Adds what every modern result carries: `resultType`, the server's
/// identity, and caching hints on cacheable results.
fn decorate(config: &TenantConfig, caller: &Caller, method: &str, result: &mut Value) {
    let Some(obj) = result.as_object_mut() else {
        return;
    };
    // An `input_required` result says so itself.
    obj.entry("resultType").or_insert(json!("complete"));
    let server_info = json!({ "name": config.tenant, "title": config.display_name, "version": config.version.to_string() });
    obj.insert("_meta".into(), json!({ META_SERVER_INFO: server_info }));
    if CACHEABLE_METHODS.contains(&method) {
        obj.insert("ttlMs".into(), json!(CACHE_TTL_MS));
        // Lists are filtered by the caller's scopes once a token is involved.
        let scope = match caller {
            Caller::Anonymous => "public",
            Caller::User(_) => "private",
        };
        obj.insert("cacheScope".into(), json!(scope));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_fixtures::catalog_tenant;

    const V: &str = "2026-07-28";

    fn meta() -> Value {
        json!({ META_PROTOCOL_VERSION: V, META_CLIENT_CAPABILITIES: {} })
    }

    fn send(method: &str, params: Value, headers: &[(&str, &str)]) -> (u16, Value) {
        let mut all = vec![("mcp-protocol-version", V), ("mcp-method", method)];
        all.extend_from_slice(headers);
        let request = crate::test_fixtures::post("/mcp", &all, Vec::new());
        let params = params.as_object().cloned();
        let reply = handle(
            &catalog_tenant(),
            &Caller::Anonymous,
            &request,
            &[0; 32],
            None,
            json!(7),
            method,
            params,
        )
        .into_reply();
        (
            reply.status,
            serde_json::from_slice(&reply.body).expect("a JSON-RPC reply"),
        )
    }

    #[test]
    fn serves_stateless_requests_with_result_metadata() {
        let (status, reply) = send("tools/list", json!({"_meta": meta()}), &[]);
        assert_eq!(status, 200);
        let result = &reply["result"];
        assert_eq!(
            (result["resultType"].clone(), result["cacheScope"].clone()),
            (json!("complete"), json!("public"))
        );
        assert_eq!(result["ttlMs"], 0);
        assert_eq!(result["_meta"][META_SERVER_INFO]["name"], "acme");
        let (_, reply) = send(
            "tools/call",
            json!({"_meta": meta(), "name": "mixed", "arguments": {"city": "Oslo"}}),
            &[("mcp-name", " mixed ")],
        );
        assert_eq!(reply["result"]["content"][0]["text"], "hello");
        assert!(reply["result"].get("ttlMs").is_none());
        let (_, reply) = send("server/discover", json!({"_meta": meta()}), &[]);
        assert_eq!(reply["result"]["supportedVersions"][0], V);
        assert!(reply["result"]["capabilities"]["tools"].is_object());
    }

    #[test]
    fn refuses_malformed_requests_with_the_spec_codes() {
        let (status, reply) = send("tools/list", json!({}), &[]);
        assert_eq!(
            (status, reply["error"]["code"].clone(), reply["id"].clone()),
            (400, json!(-32602), json!(7))
        );
        let (status, reply) = send(
            "tools/list",
            json!({"_meta": {META_CLIENT_CAPABILITIES: {}}}),
            &[],
        );
        assert_eq!(
            (status, reply["error"]["code"].clone()),
            (400, json!(-32602))
        );
        let (status, reply) = send(
            "tools/list",
            json!({"_meta": {META_PROTOCOL_VERSION: V}}),
            &[],
        );
        assert_eq!(
            (status, reply["error"]["code"].clone()),
            (400, json!(-32602))
        );
        let old =
            json!({"_meta": {META_PROTOCOL_VERSION: "2099-01-01", META_CLIENT_CAPABILITIES: {}}});
        let (status, reply) = send("tools/list", old.clone(), &[]);
        assert_eq!(
            (status, reply["error"]["code"].clone()),
            (400, json!(HEADER_MISMATCH)),
            "header and _meta disagree"
        );
        let (status, reply) = send("tools/list", old, &[("mcp-protocol-version", "2099-01-01")]);
        assert_eq!(
            (status, reply["error"]["code"].clone()),
            (400, json!(UNSUPPORTED_PROTOCOL_VERSION))
        );
        assert_eq!(reply["error"]["data"]["requested"], "2099-01-01");
        assert_eq!(reply["error"]["data"]["supported"][1], "2025-11-25");
    }

    #[test]
    fn headers_must_mirror_the_body() {
        let code_of = |(status, reply): (u16, Value)| (status, reply["error"]["code"].as_i64());
        let mismatch = (400, Some(HEADER_MISMATCH));
        assert_eq!(
            code_of(send(
                "tools/list",
                json!({"_meta": meta()}),
                &[("mcp-method", "prompts/list")]
            )),
            mismatch
        );
        assert_eq!(
            code_of(send(
                "tools/list",
                json!({"_meta": meta()}),
                &[("mcp-method", "TOOLS/LIST")]
            )),
            mismatch
        );
        assert_eq!(
            code_of(send(
                "tools/list",
                json!({"_meta": meta()}),
                &[("mcp-protocol-version", "2025-11-25")]
            )),
            mismatch
        );
        let call = json!({"_meta": meta(), "name": "mixed", "arguments": {"city": "Oslo"}});
        assert_eq!(
            code_of(send("tools/call", call.clone(), &[])),
            mismatch,
            "Mcp-Name is required"
        );
        assert_eq!(
            code_of(send("tools/call", call, &[("mcp-name", "failing")])),
            mismatch
        );
        let read = json!({"_meta": meta(), "uri": "test://static-text"});
        assert_eq!(
            code_of(send(
                "resources/read",
                read,
                &[("mcp-name", "test://static-text")]
            )),
            (200, None)
        );
    }

    #[test]
    fn removed_and_unknown_methods_are_404() {
        for method in [
            "initialize",
            "ping",
            "logging/setLevel",
            "resources/subscribe",
            "no/such",
        ] {
            let (status, reply) = send(method, json!({"_meta": meta()}), &[]);
            assert_eq!(
                (status, reply["error"]["code"].clone()),
                (404, json!(-32601)),
                "{method}"
            );
        }
    }

    #[test]
    fn missing_resources_are_invalid_params_with_the_uri() {
        let read = json!({"_meta": meta(), "uri": "test://none"});
        let (status, reply) = send("resources/read", read, &[("mcp-name", "test://none")]);
        assert_eq!(
            (status, reply["error"]["code"].clone()),
            (200, json!(-32602))
        );
        assert_eq!(reply["error"]["data"]["uri"], "test://none");
    }
}
