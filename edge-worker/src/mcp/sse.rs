//! The deprecated HTTP+SSE transport (MCP 2024-11-05): `GET /sse` opens an
//! event stream whose first `endpoint` event names where to POST messages;
//! every reply travels back on that stream.
//!
//! The stream and the POSTs are different requests, perhaps on different
//! isolates, so the runtime keeps each session's stream in a Durable Object
//! named by [`session_key`]; this module only decides what goes where.

use portcullis_tenant_config::TenantConfig;
use sha2::{Digest, Sha256};

use super::effect::{Counted, Effect};
use super::jsonrpc::Incoming;
use super::sessions::is_session_id;
use super::transport::{Answer, answer, read_message};
use crate::auth::Caller;
use crate::http::{HttpRequest, HttpResponse};

/// Where clients POST their messages.
pub const MESSAGES_PATH: &str = "/messages";

/// The revision a session speaks until a header says otherwise.
const SSE_VERSION: &str = "2024-11-05";

/// The Durable Object name of a session: within its tenant, and bound to
/// who opened it — a user (through one client), or on a public tenant the
/// address the stream was opened from. A session id learned by anyone else
/// names a session that does not exist for them (404), so they can neither
/// post into it nor answer its requests.
pub fn session_key(
    tenant: &str,
    caller: &Caller,
    request: &HttpRequest,
    session_id: &str,
) -> String {
    let owner = match caller {
        Caller::User(claims) => format!("user\n{}\n{}", claims.u, claims.c),
        Caller::Anonymous => format!(
            "address\n{}",
            request.header(CLIENT_ADDRESS_HEADER).unwrap_or_default()
        ),
    };
    let digest = Sha256::digest(owner.as_bytes());
    let owner: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("{tenant}/{owner}/{session_id}")
}

/// The connecting client's address, as the Workers runtime sets it.
pub const CLIENT_ADDRESS_HEADER: &str = "cf-connecting-ip";

/// One server-sent event (`data` split into `data:` lines).
pub fn event(name: &str, data: &str) -> String {
    event_with_id(None, name, data)
}

/// A server-sent event with an `id`, which a client reconnecting sends back
/// as `Last-Event-ID` to resume after it.
pub fn event_with_id(id: Option<u64>, name: &str, data: &str) -> String {
    let mut out = id.map(|id| format!("id: {id}\n")).unwrap_or_default();
    out.push_str(&format!("event: {name}\n"));
    for line in data.split('\n') {
        out.push_str("data: ");
        out.push_str(line);
        out.push('\n');
    }
    out.push('\n');
    out
}

/// `GET /sse`: a new session whose stream starts with its endpoint.
pub fn open(tenant: &str, caller: &Caller, request: &HttpRequest, session_id: &str) -> Effect {
    Effect::OpenStream {
        session: session_key(tenant, caller, request, session_id),
        first_event: event(
            "endpoint",
            &format!("{MESSAGES_PATH}?sessionId={session_id}"),
        ),
    }
}

/// `POST /messages?sessionId=…`: answers the message onto the session's
/// stream and acknowledges the POST with 202.
pub fn post(
    config: &TenantConfig,
    caller: &Caller,
    request: &HttpRequest,
    obtained: Option<&crate::outside::Obtained>,
) -> Counted {
    let Some(session_id) = request
        .query_param("sessionId")
        .filter(|id| is_session_id(id))
    else {
        return Effect::Reply(HttpResponse::error(
            400,
            "invalid_request",
            "a valid sessionId query parameter is required",
        ))
        .into();
    };
    let version = request
        .header("mcp-protocol-version")
        .map(str::trim)
        .unwrap_or(SSE_VERSION);
    let reply: Option<Answer> = match read_message(request) {
        Err(refusal) => return Effect::Reply(refusal).into(),
        Ok(Incoming::Notification { .. } | Incoming::Response { .. }) => None,
        Ok(Incoming::Request { id, method, params }) => Some(answer(
            config, caller, version, id, &method, params, obtained,
        )),
    };
    // What a tool needs is obtained before the answer goes on the stream.
    if let Some(needed) = reply.as_ref().and_then(|a| a.needs.clone()) {
        return Effect::Obtain(needed).into();
    }
    let accepted = HttpResponse::empty(202);
    match reply {
        None => Effect::Reply(accepted).into(),
        Some(answer) => Counted {
            effect: Effect::Deliver {
                session: session_key(&config.tenant, caller, request, session_id),
                event: answer.events(),
                accepted,
            },
            usage: answer.usage,
        },
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::test_fixtures::tenant;

    fn post_message(query: &str, body: Value) -> Effect {
        let request = HttpRequest {
            secure: false,
            method: "POST".into(),
            path: MESSAGES_PATH.into(),
            query: query.into(),
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        };
        post(
            &tenant("acme", 1, &["hello"]),
            &Caller::Anonymous,
            &request,
            None,
        )
        .effect
    }

    #[test]
    fn opening_announces_the_endpoint() {
        let Effect::OpenStream {
            session,
            first_event,
        } = open(
            "acme",
            &Caller::Anonymous,
            &HttpRequest::default(),
            "0b8e-42",
        )
        else {
            panic!("opens a stream")
        };
        assert!(
            session.starts_with("acme/") && session.ends_with("/0b8e-42"),
            "{session}"
        );
        assert_eq!(
            first_event,
            "event: endpoint\ndata: /messages?sessionId=0b8e-42\n\n"
        );
    }

    #[test]
    fn requests_are_answered_on_the_stream() {
        let outcome = post_message(
            "sessionId=abcdef12",
            json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}),
        );
        let Effect::Deliver {
            session,
            event,
            accepted,
        } = outcome
        else {
            panic!("delivers")
        };
        let opened_by_the_same_caller = session_key(
            "acme",
            &Caller::Anonymous,
            &HttpRequest::default(),
            "abcdef12",
        );
        assert_eq!((session, accepted.status), (opened_by_the_same_caller, 202));
        let data: Value = serde_json::from_str(
            event
                .strip_prefix("event: message\ndata: ")
                .unwrap()
                .trim_end(),
        )
        .unwrap();
        assert_eq!(data["result"]["tools"][0]["name"], "hello");
    }

    #[test]
    fn notifications_need_no_delivery_and_bad_input_is_refused() {
        let note = post_message(
            "sessionId=abcdef12",
            json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        );
        assert!(matches!(note, Effect::Reply(r) if r.status == 202));
        for query in ["", "sessionId=", "sessionId=../../x", "other=abcdef12"] {
            let bad = post_message(query, json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}));
            assert!(
                matches!(bad, Effect::Reply(r) if r.status == 400),
                "{query}"
            );
        }
        let garbage = HttpRequest {
            method: "POST".into(),
            query: "sessionId=abcdef12".into(),
            headers: vec![("content-type".into(), "application/json".into())],
            body: b"{nope".to_vec(),
            ..Default::default()
        };
        assert!(
            matches!(post(&tenant("acme", 1, &[]), &Caller::Anonymous, &garbage, None).effect, Effect::Reply(r) if r.status == 400)
        );
    }

    #[test]
    fn a_session_is_bound_to_the_caller_that_opened_it() {
        use crate::tokens::AccessClaims;
        let user = |u: &str, c: &str| {
            Caller::User(AccessClaims {
                t: "acme".into(),
                g: "g".into(),
                u: u.into(),
                c: c.into(),
                s: String::new(),
                a: "https://acme.localhost/mcp".into(),
                e: 0,
            })
        };
        let from = |address: &str| HttpRequest {
            headers: vec![(CLIENT_ADDRESS_HEADER.into(), address.into())],
            ..Default::default()
        };
        let here = from("127.0.0.1");
        let alice = session_key("acme", &user("alice", "app"), &here, "abcdef12");
        // Another user, the same user through another client, an anonymous
        // caller, another tenant: each names a session that is not alice's.
        for other in [
            session_key("acme", &user("bob", "app"), &here, "abcdef12"),
            session_key("acme", &user("alice", "other-app"), &here, "abcdef12"),
            session_key("acme", &Caller::Anonymous, &here, "abcdef12"),
            session_key("globex", &user("alice", "app"), &here, "abcdef12"),
        ] {
            assert_ne!(alice, other);
        }
        // The user's own later POSTs, from anywhere, find it.
        assert_eq!(
            alice,
            session_key("acme", &user("alice", "app"), &from("10.9.8.7"), "abcdef12")
        );
        // On a public tenant, an anonymous session belongs to its address.
        assert_ne!(
            session_key("acme", &Caller::Anonymous, &here, "abcdef12"),
            session_key("acme", &Caller::Anonymous, &from("127.0.0.2"), "abcdef12"),
        );
    }
}

#[cfg(test)]
mod http_tool_tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_http_tool_asks_for_its_backend_before_anything_is_delivered() {
        let mut config = crate::test_fixtures::tenant("acme", 1, &[]);
        let mut tool = crate::test_fixtures::tool("weather", Vec::new());
        tool.http = Some(portcullis_tenant_config::http_tool::HttpBinding {
            method: portcullis_tenant_config::http_tool::HttpMethod::Get,
            url: "https://api.acme.test/weather".into(),
            query: Vec::new(),
            headers: Default::default(),
            timeout_ms: 1_000,
            max_response_bytes: 1_000,
            assertion: None,
            credential: None,
            user_token: false,
            mcp: None,
        });
        config.tools.push(tool);
        let request = HttpRequest {
            secure: false,
            method: "POST".into(),
            path: MESSAGES_PATH.into(),
            query: "sessionId=0b8e42aa".into(),
            headers: vec![("content-type".into(), "application/json".into())],
            body: json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
                "params": {"name": "weather", "arguments": {"city": "Oslo"}}})
            .to_string()
            .into_bytes(),
        };
        let effect = post(&config, &Caller::Anonymous, &request, None).effect;
        assert!(matches!(effect, Effect::Obtain(_)), "{effect:?}");
    }
}
