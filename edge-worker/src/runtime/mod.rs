//! The Workers runtime shell: binds the pure edge to KV, Web Crypto, Durable
//! Objects and the `worker` crate's request types, and carries out the
//! [`Outcome`] the edge decided. The Durable Objects here hold state and
//! live connections; the rules they apply (sessions' lifetime, stream caps,
//! rate windows, the OAuth server) are the pure core's, called with their
//! storage behind its traits.

mod backend;
mod event_stream;
mod kv;
mod objects;
mod outgoing;
mod schema;
mod session_sql;
mod sse_sessions;
mod tenant_auth;
mod tenant_control;
mod tenant_streams;
mod usage_report;
mod user_memory;
mod user_state;
mod vars;
mod webcrypto;

use std::cell::RefCell;
use std::rc::Rc;

use worker::{Context, Env, Request, Response, event};

use crate::app::{Edge, Outcome};
use crate::cache::{Cached, HotCache};
use crate::http::{HttpRequest, HttpResponse, MAX_BODY_BYTES};
use crate::mcp::effect::Effect;
use crate::outside::{Needed, Obtained};
use crate::usage::UsageEvent;

#[event(fetch)]
async fn fetch(request: Request, env: Env, ctx: Context) -> worker::Result<Response> {
    let started = worker::Date::now().as_millis();
    let mut usage = Vec::new();
    let served = serve(request, &env, &mut usage).await;
    if let Some(report) = usage_report::finish(&env, started, usage) {
        ctx.wait_until(report);
    }
    match served {
        Ok(response) => Ok(response),
        Err(e) => {
            crate::log::error(&format!("edge failure: {e}"));
            into_worker_response(HttpResponse::error(
                500,
                "internal_error",
                "the edge failed to answer; retry later",
            ))
        }
    }
}

thread_local! {
    /// What this isolate keeps between requests ([`crate::cache`]).
    static HOT: Rc<RefCell<HotCache>> = Rc::default();
}

/// The isolate's hot-path cache, shared by its requests and its objects.
fn hot_cache() -> Rc<RefCell<HotCache>> {
    HOT.with(Rc::clone)
}

/// The served configs, read through the isolate's hot cache.
fn configs(env: &Env) -> worker::Result<Cached<kv::KvConfigStore>> {
    Ok(Cached {
        inner: kv::KvConfigStore::new(env)?,
        cache: hot_cache(),
        now_ms: worker::Date::now().as_millis(),
    })
}

/// Serves `request`, adding to `usage` what it counts for.
async fn serve(
    request: Request,
    env: &Env,
    usage: &mut Vec<UsageEvent>,
) -> worker::Result<Response> {
    let edge_domain = vars::edge_domain(env)?;
    let public_key = vars::config_public_key(env)?;
    let token_key = vars::token_key(env)?;
    let store = configs(env)?;
    let verifier = webcrypto::Ed25519WebCrypto::new(public_key);
    let Some(request) = into_http_request(request).await? else {
        return into_worker_response(HttpResponse::error(
            413,
            "too_large",
            "request body exceeds 1 MiB",
        ));
    };
    let new_session_id = || webcrypto::random_uuid().unwrap_or_default();
    let now = now_seconds();
    // A tool needing something from outside (its backend's answer, the
    // user's notes): the first run asks, the second is given it (once: a
    // second ask is answered as an error).
    let mut fetched = None;
    let outcome = loop {
        let edge = Edge {
            edge_domain: &edge_domain,
            store: &store,
            verifier: &verifier,
            new_session_id: &new_session_id,
            token_key: &token_key,
            now,
            obtained: fetched.as_ref(),
        };
        match edge.handle(&request).await {
            Outcome::Mcp(Effect::Obtain(needed), _) if fetched.is_none() => {
                fetched = Some(obtain(env, needed).await);
            }
            outcome => break outcome,
        }
    };
    match outcome {
        Outcome::Reply(response) => into_worker_response(response),
        Outcome::Mcp(effect, counted) => {
            usage.extend(counted);
            perform(env, effect, usage).await
        }
        Outcome::Broadcast {
            tenant,
            changes,
            reply,
        } => tenant_streams::broadcast(env, &tenant, changes, reply).await,
        Outcome::Authority { tenant } => tenant_auth::forward(env, &tenant, &request).await,
        Outcome::Administer { tenant, request } => {
            tenant_auth::forward(env, &tenant, &request).await
        }
    }
}

/// Obtains what a tool needs from outside the core: sends its backend
/// call, or runs its memory operation in the user's object.
async fn obtain(env: &Env, needed: Needed) -> Obtained {
    match needed {
        Needed::Backend(call) => Obtained::Backend(Box::new(backend::send(env, *call).await)),
        Needed::Memory(call) => Obtained::Memory(user_memory::remember_in(env, call).await),
    }
}

/// Carries out what an MCP request needs done.
async fn perform(
    env: &Env,
    effect: Effect,
    usage: &mut Vec<UsageEvent>,
) -> worker::Result<Response> {
    match effect {
        Effect::Reply(response) => into_worker_response(response),
        Effect::Obtain(needed) => {
            crate::log::error(&format!("asked twice for {}", needed.describe()));
            into_worker_response(HttpResponse::error(500, "internal", "internal error"))
        }
        Effect::OpenStream {
            session,
            first_event,
        } => sse_sessions::open(env, &session, first_event).await,
        Effect::Deliver {
            session,
            event,
            accepted,
        } => sse_sessions::deliver(env, &session, event, accepted).await,
        Effect::OpenTenantStream {
            tenant,
            holder,
            stream,
            first_event,
        } => tenant_streams::open(env, &tenant, holder, &stream, first_event).await,
        Effect::StartSession {
            owner,
            capabilities,
            reply,
        } => user_state::start(env, &owner, &capabilities, reply).await,
        Effect::AskInSession { owner, call } => user_state::ask(env, &owner, &call).await,
        Effect::AnswerInSession { owner, answer } => user_state::answer(env, &owner, &answer).await,
        Effect::InSession {
            owner,
            session,
            mut answer,
            streams,
            change,
        } => {
            usage.append(&mut answer.usage);
            user_state::within(env, &owner, &session, answer, streams, change).await
        }
        Effect::EndSession { owner, session } => user_state::end(env, &owner, &session).await,
        Effect::OpenSessionStream {
            owner,
            session,
            last_event_id,
        } => user_state::open_stream(env, &owner, &session, last_event_id).await,
    }
}

fn now_seconds() -> u64 {
    worker::Date::now().as_millis() / 1000
}

/// Converts a request, or `None` when its body is over the limit.
async fn into_http_request(mut request: Request) -> worker::Result<Option<HttpRequest>> {
    let declared = request
        .headers()
        .get("content-length")?
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(0);
    if declared > MAX_BODY_BYTES {
        return Ok(None);
    }
    let headers = request
        .headers()
        .entries()
        .map(|(n, v)| (n.to_ascii_lowercase(), v))
        .collect();
    let method = request.method().to_string().to_ascii_uppercase();
    let path = request.path();
    // From the raw URL string: `Request::url()` would parse with the `url`
    // crate, whose IDNA tables cost ~100 KB of bundle.
    let raw_url = request.inner().url();
    let query = raw_url
        .split_once('?')
        .map(|(_, q)| q.split('#').next().unwrap_or_default().to_owned())
        .unwrap_or_default();
    let Some(body) = read_bounded(request.stream(), MAX_BODY_BYTES).await? else {
        return Ok(None);
    };
    Ok(Some(HttpRequest {
        secure: raw_url.starts_with("https://"),
        method,
        path,
        query,
        headers,
        body,
    }))
}

/// A body, counted while it is read: a chunked body declares no length, so
/// reading stops at the first chunk past `limit` (`None`) instead of
/// buffering whatever the other side sends. `stream` is the body of a
/// request or of a fetched response; an error there means no body at all.
pub(crate) async fn read_bounded(
    stream: worker::Result<worker::ByteStream>,
    limit: usize,
) -> worker::Result<Option<Vec<u8>>> {
    read_until(stream, limit, |_| false).await
}

/// [`read_bounded`], stopping early once what was read is `enough` (the
/// rest of the stream is left unread, cancelled with the request).
pub(crate) async fn read_until(
    stream: worker::Result<worker::ByteStream>,
    limit: usize,
    mut enough: impl FnMut(&[u8]) -> bool,
) -> worker::Result<Option<Vec<u8>>> {
    use futures_util::StreamExt;
    let Ok(mut chunks) = stream else {
        return Ok(Some(Vec::new()));
    };
    let mut body = Vec::new();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk?;
        if body.len() + chunk.len() > limit {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
        if enough(&body) {
            break;
        }
    }
    Ok(Some(body))
}

fn into_worker_response(response: HttpResponse) -> worker::Result<Response> {
    let mut out = Response::from_bytes(response.body)?.with_status(response.status);
    let headers = out.headers_mut();
    for (name, value) in &response.headers {
        // Cookies are the one header that may repeat; every other one
        // replaces a default (e.g. the body's content type).
        if name == "set-cookie" {
            headers.append(name, value)?;
        } else {
            headers.set(name, value)?;
        }
    }
    Ok(out)
}
