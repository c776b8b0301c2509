//! Legacy Streamable HTTP sessions (MCP 2025-03-26 … 2025-11-25,
//! "Session Management"): a successful `initialize` starts one and its id
//! comes back in `Mcp-Session-Id`; later requests carrying the id are
//! served only while the session lives (`404` once it ended, so the client
//! starts over), and `DELETE` ends it.
//!
//! Sessions live in the Durable Object of the user they belong to (named
//! by [`SessionOwner::object_name`]), so one user's session ids mean nothing
//! to another user of the same tenant, or to any other tenant. Requests
//! without a session id are still answered statelessly, as before sessions
//! existed, for clients that never keep one.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use portcullis_tenant_config::TenantConfig;

use super::asking::{self, AnswerToCall, CallToAsk};
use super::effect::Effect;
use super::jsonrpc::{RpcError, code, failure};
use super::transport::{Answer, accepts_event_stream};
use crate::auth::Caller;
use crate::http::{HttpRequest, HttpResponse};

pub const SESSION_HEADER: &str = "mcp-session-id";

/// Whose session it is; this decides which Durable Object holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionOwner {
    /// A signed-in user of an OAuth tenant: all of the user's sessions share
    /// one object, named from tenant and user id.
    User { tenant: String, user: String },
    /// A caller of a public tenant, known only by the session itself.
    Anonymous { tenant: String },
}

impl SessionOwner {
    pub fn of(tenant: &str, caller: &Caller) -> Self {
        match caller {
            Caller::User(claims) => Self::User {
                tenant: tenant.to_owned(),
                user: claims.u.clone(),
            },
            Caller::Anonymous => Self::Anonymous {
                tenant: tenant.to_owned(),
            },
        }
    }

    /// The name of the Durable Object holding `session`.
    pub fn object_name(&self, session: &str) -> String {
        match self {
            Self::User { tenant, user } => format!("user:{tenant}:{user}"),
            Self::Anonymous { tenant } => format!("anonymous:{tenant}:{session}"),
        }
    }
}

/// Session ids are the runtime's random UUIDs; anything else names nothing.
pub fn is_session_id(id: &str) -> bool {
    (8..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}

/// What a request changes in the state its session's object keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SessionChange {
    /// `resources/subscribe` (`on`) or `resources/unsubscribe`: the
    /// session's own subscriptions.
    Subscription { uri: String, on: bool },
    /// `logging/setLevel`: the user's level, kept across sessions (a new
    /// session starts where the last one left it).
    LogLevel(String),
}

impl SessionChange {
    /// The change a successful request asks for, if any.
    fn of(method: &str, params: Option<&Map<String, Value>>, succeeded: bool) -> Option<Self> {
        let text = |name: &str| Some(params?.get(name)?.as_str()?.to_owned());
        let change = match method {
            "resources/subscribe" => Self::Subscription {
                uri: text("uri")?,
                on: true,
            },
            "resources/unsubscribe" => Self::Subscription {
                uri: text("uri")?,
                on: false,
            },
            "logging/setLevel" => Self::LogLevel(text("level")?),
            _ => return None,
        };
        succeeded.then_some(change)
    }
}

/// What to do with a legacy POST's `answer` given its session header.
pub fn route_reply(
    tenant: &str,
    caller: &Caller,
    request: &HttpRequest,
    method: &str,
    params: Option<&Map<String, Value>>,
    answer: Answer,
) -> Effect {
    let owner = SessionOwner::of(tenant, caller);
    let succeeded = answer.message.get("result").is_some();
    let change = SessionChange::of(method, params, succeeded);
    let id = answer.message.get("id").cloned().unwrap_or(Value::Null);
    if let Some(session) = request
        .header(SESSION_HEADER)
        .map(str::trim)
        .filter(|s| is_session_id(s))
    {
        return Effect::InSession {
            owner,
            session: session.to_owned(),
            answer,
            streams: accepts_event_stream(request.header("accept")),
            change,
        };
    }
    let reply = answer.into_reply(request);
    match request.header(SESSION_HEADER) {
        Some(_) => Effect::Reply(session_not_found()),
        None if method == "initialize" && succeeded => Effect::StartSession {
            owner,
            // What the client can answer when a call asks it for input.
            capabilities: params
                .and_then(|p| p.get("capabilities"))
                .cloned()
                .unwrap_or_else(|| json!({})),
            reply,
        },
        // Nothing to remember a subscription in.
        None if matches!(change, Some(SessionChange::Subscription { .. })) => {
            Effect::Reply(HttpResponse::json(
                200,
                &failure(
                    id,
                    RpcError::new(
                        code::INVALID_REQUEST,
                        "resource subscriptions live in a session: initialize one and send its Mcp-Session-Id",
                    ),
                ),
            ))
        }
        None => Effect::Reply(reply),
    }
}

/// A legacy request that calls a tool, or may ask the client for input as
/// it runs, when it comes in a session: the session's object runs it once it
/// knows the session lives (a tool never runs for a dead session), and
/// holds it while it waits for input ([`super::asking`]). Outside a
/// session, `None`: the request is answered at once (a tool then says it
/// needs input it cannot ask for).
pub fn ask(
    config: &TenantConfig,
    caller: &Caller,
    request: &HttpRequest,
    (id, method, params): (&Value, &str, Option<&Map<String, Value>>),
    version: &str,
) -> Option<Effect> {
    let session = request.header(SESSION_HEADER).map(str::trim)?;
    let runs_in_object = method == "tools/call" || asking::may_ask(config, method, params);
    if !is_session_id(session) || !runs_in_object {
        return None;
    }
    Some(Effect::AskInSession {
        owner: SessionOwner::of(&config.tenant, caller),
        call: CallToAsk {
            tenant: config.tenant.clone(),
            session: session.to_owned(),
            caller: caller.claims(),
            id: id.clone(),
            method: method.to_owned(),
            params: params.cloned().unwrap_or_default(),
            version: version.to_owned(),
            streams: accepts_event_stream(request.header("accept")),
        },
    })
}

/// A client's answer to a request the server sent: it goes to the call
/// waiting for it in the session. Outside a session nothing waits, and the
/// answer is accepted and dropped, as the transport says.
pub fn answered(
    tenant: &str,
    caller: &Caller,
    request: &HttpRequest,
    id: Value,
    outcome: Result<Value, Value>,
) -> Effect {
    match request.header(SESSION_HEADER).map(str::trim) {
        Some(session) if is_session_id(session) => Effect::AnswerInSession {
            owner: SessionOwner::of(tenant, caller),
            answer: AnswerToCall {
                tenant: tenant.to_owned(),
                session: session.to_owned(),
                caller: caller.claims(),
                id,
                outcome,
            },
        },
        Some(_) => Effect::Reply(session_not_found()),
        None => Effect::Reply(HttpResponse::empty(202)),
    }
}

/// `DELETE /mcp`: the client ends its session.
pub fn end(tenant: &str, caller: &Caller, request: &HttpRequest) -> Effect {
    match request.header(SESSION_HEADER).map(str::trim) {
        Some(id) if is_session_id(id) => Effect::EndSession {
            owner: SessionOwner::of(tenant, caller),
            session: id.to_owned(),
        },
        Some(_) => Effect::Reply(session_not_found()),
        None => Effect::Reply(HttpResponse::json(
            400,
            &failure(
                Value::Null,
                RpcError::new(
                    code::INVALID_REQUEST,
                    "DELETE ends a session: send its Mcp-Session-Id",
                ),
            ),
        )),
    }
}

/// `GET /mcp` with a session id: the session's own resumable stream.
pub fn open_stream(tenant: &str, caller: &Caller, request: &HttpRequest) -> Effect {
    match request.header(SESSION_HEADER).map(str::trim) {
        Some(id) if is_session_id(id) => Effect::OpenSessionStream {
            owner: SessionOwner::of(tenant, caller),
            session: id.to_owned(),
            // An id this server never issued resumes nothing.
            last_event_id: request
                .header("last-event-id")
                .and_then(|v| v.trim().parse().ok()),
        },
        _ => Effect::Reply(session_not_found()),
    }
}

/// The answer for a session that does not exist (any more): the client
/// must initialize a new one.
pub fn session_not_found() -> HttpResponse {
    HttpResponse::json(
        404,
        &json!({
            "jsonrpc": "2.0",
            "id": null,
            "error": { "code": code::INVALID_REQUEST, "message": "Session not found; initialize a new session" },
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::AccessClaims;

    fn user(u: &str) -> Caller {
        Caller::User(AccessClaims {
            t: "acme".into(),
            g: "g".into(),
            u: u.into(),
            c: "c".into(),
            s: String::new(),
            a: "https://acme.example/mcp".into(),
            e: 0,
        })
    }

    #[test]
    fn each_user_and_each_anonymous_session_has_its_own_object() {
        let session = "0f8e2a4c-1b2d-4e5f-8a9b-0c1d2e3f4a5b";
        let alice = SessionOwner::of("acme", &user("oidc:alice"));
        let bob = SessionOwner::of("acme", &user("oidc:bob"));
        assert_eq!(alice.object_name(session), "user:acme:oidc:alice");
        assert_ne!(alice.object_name(session), bob.object_name(session));
        let anon = SessionOwner::of("acme", &Caller::Anonymous);
        assert_ne!(
            anon.object_name(session),
            anon.object_name("another-session-id")
        );
        let other_tenant = SessionOwner::of("globex", &Caller::Anonymous);
        assert_ne!(anon.object_name(session), other_tenant.object_name(session));
    }

    #[test]
    fn session_ids_are_plain_tokens() {
        assert!(is_session_id("0f8e2a4c-1b2d-4e5f-8a9b-0c1d2e3f4a5b"));
        for bad in ["", "short", "../../etc", "user:acme:x", &"a".repeat(65)] {
            assert!(!is_session_id(bad), "{bad}");
        }
    }
}

#[cfg(test)]
mod routing_tests {
    use serde_json::json;

    use super::*;
    use crate::mcp::transport::handle;

    fn send(method: &str, headers: &[(&str, &str)], body: Value) -> Effect {
        let mut all = vec![
            ("content-type", "application/json"),
            ("accept", "application/json, text/event-stream"),
            ("mcp-protocol-version", "2025-11-25"),
        ];
        all.extend_from_slice(headers);
        let mut request = crate::test_fixtures::post("/mcp", &all, body.to_string().into_bytes());
        request.method = method.into();
        let config = crate::test_fixtures::tenant("acme", 1, &["t"]);
        handle(&config, &Caller::Anonymous, &request, &[0; 32]).effect
    }

    fn rpc(method: &str) -> Value {
        json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": {
            "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "c", "version": "1"}}})
    }

    const ID: &str = "0f8e2a4c-1b2d-4e5f-8a9b-0c1d2e3f4a5b";

    #[test]
    fn initialize_starts_a_session_and_its_id_routes_later_requests() {
        let anonymous = SessionOwner::Anonymous {
            tenant: "acme".into(),
        };
        match send("POST", &[], rpc("initialize")) {
            Effect::StartSession {
                owner,
                reply,
                capabilities,
            } => {
                assert_eq!(owner, anonymous);
                assert_eq!(capabilities, json!({}));
                assert_eq!(reply.status, 200);
            }
            other => panic!("{other:?}"),
        }
        match send("POST", &[(SESSION_HEADER, ID)], rpc("tools/list")) {
            Effect::InSession {
                session, answer, ..
            } => {
                assert_eq!(session, ID);
                assert!(answer.message.get("result").is_some());
            }
            other => panic!("{other:?}"),
        }
        // Without a session id, requests are still answered statelessly.
        assert!(
            matches!(send("POST", &[], rpc("tools/list")), Effect::Reply(r) if r.status == 200)
        );
        // A failed initialize starts nothing.
        let bad = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}});
        assert!(matches!(send("POST", &[], bad), Effect::Reply(_)));
    }

    #[test]
    fn a_tool_called_in_a_session_runs_in_its_object_after_the_liveness_check() {
        let call = json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "t", "arguments": {}}});
        match send("POST", &[(SESSION_HEADER, ID)], call.clone()) {
            // Not run here: the session's object checks the session first.
            Effect::AskInSession { call, .. } => {
                assert_eq!(
                    (call.session.as_str(), call.method.as_str()),
                    (ID, "tools/call")
                );
                assert!(call.streams);
            }
            other => panic!("{other:?}"),
        }
        // Outside a session it runs at once.
        assert!(matches!(send("POST", &[], call), Effect::Reply(r) if r.status == 200));
    }

    #[test]
    fn subscriptions_are_kept_by_the_session_and_refused_without_one() {
        let subscribe = json!({"jsonrpc": "2.0", "id": 7, "method": "resources/subscribe", "params": {"uri": "test://a"}});
        match send("POST", &[(SESSION_HEADER, ID)], subscribe.clone()) {
            Effect::InSession { change, .. } => {
                assert_eq!(
                    change,
                    Some(SessionChange::Subscription {
                        uri: "test://a".into(),
                        on: true
                    })
                );
            }
            other => panic!("{other:?}"),
        }
        let unsubscribe = json!({"jsonrpc": "2.0", "id": 8, "method": "resources/unsubscribe", "params": {"uri": "test://a"}});
        assert!(matches!(
            send("POST", &[(SESSION_HEADER, ID)], unsubscribe),
            Effect::InSession {
                change: Some(SessionChange::Subscription { on: false, .. }),
                ..
            }
        ));
        let Effect::Reply(refused) = send("POST", &[], subscribe) else {
            panic!("no session, nothing to keep the subscription in")
        };
        let body: Value = serde_json::from_slice(&refused.body).unwrap();
        assert_eq!(
            (body["id"].clone(), body["error"]["code"].clone()),
            (json!(7), json!(-32600))
        );
        let bad = json!({"jsonrpc": "2.0", "id": 9, "method": "resources/subscribe", "params": {}});
        assert!(matches!(
            send("POST", &[(SESSION_HEADER, ID)], bad),
            Effect::InSession { change: None, .. }
        ));
    }

    #[test]
    fn delete_ends_a_session_and_malformed_ids_are_unknown() {
        assert_eq!(
            send("DELETE", &[(SESSION_HEADER, ID)], Value::Null),
            Effect::EndSession {
                owner: SessionOwner::Anonymous {
                    tenant: "acme".into()
                },
                session: ID.into()
            }
        );
        assert!(matches!(send("DELETE", &[], Value::Null), Effect::Reply(r) if r.status == 400));
        for bad in ["../x", "user:acme:bob"] {
            let outcome = send("POST", &[(SESSION_HEADER, bad)], rpc("tools/list"));
            assert!(
                matches!(outcome, Effect::Reply(r) if r.status == 404),
                "{bad}"
            );
        }
    }
}
