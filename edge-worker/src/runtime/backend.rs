//! Sends an HTTP tool's call to the tenant's backend (see
//! [`crate::backend`]), or to the tenant's MCP server in a session it
//! knows or opens ([`upstream_mcp`], [`crate::upstream_sessions`]): the
//! tenant's sealed secret opened, the user assertion signed and the user's
//! provider token fetched (renewed if need be) only at the moment of
//! sending; no redirects followed, the call's timeout, its response limit
//! counted while reading, and failures told apart as the tool's result
//! needs them.

use std::cell::RefCell;

use portcullis_tenant_config::upstream_mcp;
use wasm_bindgen::JsValue;
use worker::{Env, Fetch, Headers};

use super::outgoing::Outgoing;
use super::{vars, webcrypto};
use crate::backend::{Assertion, BackendAnswer, BackendCall, Fetched};
use crate::oauth::upstream::EdgeCrypto;
use crate::upstream_sessions::{Known, UpstreamSessions};

/// Sends `call`; what happened is always an answer.
pub async fn send(env: &Env, call: BackendCall) -> Fetched {
    let Some(mut added) = prepare(env, &call).await else {
        let answer = BackendAnswer::Unprepared;
        return Fetched { call, answer };
    };
    if let Some(user) = &call.user_token {
        match super::tenant_auth::user_token(env, user).await {
            Ok(token) => added.push(("authorization".into(), format!("Bearer {token}"))),
            Err(why) => {
                let answer = BackendAnswer::NoUserToken(why);
                return Fetched { call, answer };
            }
        }
    }
    let answer = match attempt(&call, added).await {
        Ok(answer) => answer,
        Err(e) => {
            let words = e.to_string();
            crate::log::error(&format!("backend {}: {words}", call.planned.url));
            let lower = words.to_ascii_lowercase();
            if lower.contains("timeout") || lower.contains("timed out") {
                BackendAnswer::TimedOut
            } else {
                BackendAnswer::Unreachable
            }
        }
    };
    Fetched { call, answer }
}

/// The headers the edge adds: the user assertion, signed now, and the
/// tenant's secret, opened now; `None` when either cannot be.
async fn prepare(env: &Env, call: &BackendCall) -> Option<Vec<(String, String)>> {
    let mut added = Vec::new();
    if call.assertion.is_none() && call.credential.is_none() {
        return Some(added);
    }
    let (seal_key, previous) = vars::seal_keys(env).ok()?;
    let crypto = webcrypto::EdgeWebCrypto::new(seal_key, previous);
    if let Some(assertion) = &call.assertion {
        // Who the user is, as their provider said, when it can be had.
        let sub = assertion
            .claims
            .get("sub")
            .and_then(|s| s.as_str())
            .unwrap_or_default();
        let known = super::tenant_auth::user_claims(env, &assertion.user, sub).await;
        let (email, name) = known.map(|c| (c.email, c.name)).unwrap_or_default();
        let assertion = assertion.clone().with_identity(email, name);
        added.push((assertion.header.clone(), sign(&crypto, &assertion).await?));
    }
    if let Some(secret) = &call.credential {
        let Some(value) = crypto.open_sealed(&secret.aad, &secret.sealed).await else {
            crate::log::error(&format!(
                "the secret for {} does not open",
                call.planned.url
            ));
            return None;
        };
        added.push((secret.name.clone(), String::from_utf8(value).ok()?));
    }
    Some(added)
}

/// The assertion's header value, signed now with the tenant's key.
async fn sign(crypto: &webcrypto::EdgeWebCrypto, assertion: &Assertion) -> Option<String> {
    let Some(key) = crypto
        .open_sealed(&assertion.key_aad, &assertion.sealed_key)
        .await
    else {
        crate::log::error(&format!("assertion key {} does not open", assertion.kid));
        return None;
    };
    let jti = webcrypto::random_uuid().ok()?;
    let input = assertion.signing_input(super::now_seconds(), &jti);
    match webcrypto::sign_ed25519(&key, input.as_bytes()).await {
        Ok(signature) => Some(assertion.header_value(&input, &signature)),
        Err(e) => {
            crate::log::error(&format!("signing an assertion failed: {e:?}"));
            None
        }
    }
}

thread_local! {
    /// This isolate's memory of the MCP servers it forwards to.
    static UPSTREAM: RefCell<UpstreamSessions> = RefCell::default();
}

/// Sends the call, within one deadline for all of it: the planned
/// request, or for an MCP server the planned `tools/call` in a session it
/// knows, else in one opened for it (`initialize`,
/// `notifications/initialized`), kept for the caller's grant or closed.
async fn attempt(
    call: &BackendCall,
    added: Vec<(String, String)>,
) -> worker::Result<BackendAnswer> {
    let deadline: worker::AbortSignal =
        web_sys::AbortSignal::timeout_with_u32(call.timeout_ms).into();
    let planned = &call.planned;
    let headers: Vec<(String, String)> = planned.headers.iter().cloned().chain(added).collect();
    let body = planned.body.as_deref().map(str::to_owned);
    // `answer_to`: the id of the MCP request sent, whose answer ends the
    // reading of an event stream.
    let send = |method, headers: Vec<(String, String)>, body, answer_to| {
        exchange(call, &deadline, method, headers, body, answer_to)
    };
    if !call.mcp {
        return Ok(send(planned.method.as_str(), headers, body, None).await?.0);
    }
    // The server, as the secret it is reached with tells it apart.
    let server = format!(
        "{}\n{}",
        planned.url,
        call.credential
            .as_ref()
            .map(|c| c.sealed.as_str())
            .unwrap_or_default()
    );
    let holder = call.holder.as_deref();
    if let Some(known) = UPSTREAM.with(|u| u.borrow().lookup(&server, holder)) {
        let answer = send(
            "POST",
            in_session(&headers, &known),
            body.clone(),
            Some(upstream_mcp::REQUEST_ID),
        )
        .await?
        .0;
        // A session the server no longer knows is answered 404 (400 by
        // some); then a new one is opened.
        let forgotten = matches!(
            answer,
            BackendAnswer::Answered {
                status: 400 | 404,
                ..
            }
        );
        if !forgotten {
            return Ok(answer);
        }
        UPSTREAM.with(|u| u.borrow_mut().forget(&server, holder));
    }
    let opened = send(
        "POST",
        headers.clone(),
        Some(upstream_mcp::initialize()),
        Some(upstream_mcp::INITIALIZE_ID),
    )
    .await?;
    let (
        BackendAnswer::Answered {
            status: 200..=299,
            content_type,
            body: opening,
        },
        session,
    ) = &opened
    else {
        return Ok(opened.0);
    };
    let handshake = upstream_mcp::answer(
        content_type.as_deref(),
        opening,
        upstream_mcp::INITIALIZE_ID,
    )
    .and_then(|result| upstream_mcp::handshake(&result));
    let known = match handshake {
        Ok(handshake) => Known {
            version: handshake.protocol_version,
            session: session.clone(),
        },
        Err(why) => return Ok(BackendAnswer::NoSession(why)),
    };
    let headers = in_session(&headers, &known);
    send(
        "POST",
        headers.clone(),
        Some(upstream_mcp::initialized()),
        None,
    )
    .await?;
    let (answer, _) = send(
        "POST",
        headers.clone(),
        body,
        Some(upstream_mcp::REQUEST_ID),
    )
    .await?;
    let kept = known.session.is_none() || holder.is_some();
    if kept {
        UPSTREAM.with(|u| u.borrow_mut().remember(&server, holder, known));
    } else {
        // An anonymous caller's session is not reused: the server is told
        // it is over (a refusal changes nothing).
        let _ = send("DELETE", headers, None, None).await;
    }
    Ok(answer)
}

/// `headers` with the session's revision and id.
fn in_session(headers: &[(String, String)], known: &Known) -> Vec<(String, String)> {
    let mut headers = headers.to_vec();
    headers.push(("mcp-protocol-version".into(), known.version.clone()));
    if let Some(session) = &known.session {
        headers.push(("mcp-session-id".into(), session.clone()));
    }
    headers
}

/// One request, its answer read within the call's limit, and the MCP
/// session id the server gave, if any. An MCP server answering request
/// `answer_to` on an event stream may keep the stream open after its
/// answer: reading stops at the answer.
async fn exchange(
    call: &BackendCall,
    deadline: &worker::AbortSignal,
    method: &str,
    headers: Vec<(String, String)>,
    body: Option<String>,
    answer_to: Option<u64>,
) -> worker::Result<(BackendAnswer, Option<String>)> {
    let sent = Headers::new();
    for (name, value) in &headers {
        sent.set(name, value)?;
    }
    // A backend answers itself; a redirect is its answer, not a new target.
    let request = Outgoing {
        method,
        headers: Some(sent),
        body: body.as_deref().map(JsValue::from),
        keep_redirects: true,
    }
    .to(&call.planned.url)?;
    let mut response = Fetch::Request(request).send_with_signal(deadline).await?;
    let session = response.headers().get("mcp-session-id")?;
    let limit = call.max_response_bytes as usize;
    let declared = response
        .headers()
        .get("content-length")?
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(0);
    if declared > limit {
        return Ok((BackendAnswer::TooLarge, session));
    }
    let content_type = response.headers().get("content-type")?.map(|t| {
        t.split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
    });
    let streamed = content_type.as_deref() == Some("text/event-stream");
    let mut watch = answer_to
        .filter(|_| streamed)
        .map(upstream_mcp::AnswerWatch::new);
    let answered = |read: &[u8]| watch.as_mut().is_some_and(|w| w.holds_answer(read));
    let Some(body) = super::read_until(response.stream(), limit, answered).await? else {
        return Ok((BackendAnswer::TooLarge, session));
    };
    let answer = BackendAnswer::Answered {
        status: response.status_code(),
        content_type,
        body,
    };
    Ok((answer, session))
}
