//! One Durable Object per user of a tenant (or per anonymous session of a
//! public tenant; see [`SessionOwner::object_name`]), holding the user's
//! legacy Streamable HTTP sessions in its SQLite storage, so a session
//! outlives the object's eviction and a restart of the runtime.
//!
//! Besides sessions it keeps what lasts across them (the user's log level,
//! [`UserState`]) and the calls waiting for the client's input
//! ([`crate::mcp::asking`]), so a call survives the object being evicted
//! between the client's answers (its open stream does not).
//!
//! Each session's notifications are logged with increasing ids before they
//! are written to its open stream (if any), so a client that reconnects
//! with `Last-Event-ID` gets what it missed. The open streams themselves are
//! live connections and only in memory.
//!
//! How long sessions live, how many one user holds and how much of their
//! event logs is kept are [`crate::mcp::session_store`]'s rules, over the
//! SQLite store in [`super::session_sql`]; this object holds the live
//! streams, and its alarm runs the sweep.

use portcullis_tenant_config::json;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use portcullis_tenant_config::TenantConfig;
use serde_json::{Value, json};

use serde::{Deserialize, Serialize};
use web_sys::WritableStreamDefaultWriter;
use worker::{DurableObject, Env, Request, Response, State, durable_object};

use super::objects::Object;
use super::session_sql::{SCHEMA, SqlSessions};
use super::user_memory;
use super::{event_stream, into_worker_response, schema, tenant_streams, webcrypto};
use crate::http::HttpResponse;
use crate::mcp::asking::{
    AnswerToCall, CallToAsk, PendingCall, Recorded, Step, caller_of, step, step_with,
};
use crate::mcp::methods::request_states;
use crate::mcp::session_store::{self, SessionStore, StoredSession};
use crate::mcp::sessions::{SESSION_HEADER, SessionChange, SessionOwner, session_not_found};
use crate::mcp::sse::{event, event_with_id};
use crate::mcp::subscriptions::{Published, StreamKind, messages, resource_updated};
use crate::mcp::transport::Answer;
use crate::outside::{Needed, Obtained};
use crate::store::{ConfigStore, StoreError};
use crate::tokens::PurposeMac;
use crate::usage::UsageEvent;

/// Starts a session for `owner` and answers `reply` with its id.
pub async fn start(
    env: &Env,
    owner: &SessionOwner,
    capabilities: &Value,
    reply: HttpResponse,
) -> worker::Result<Response> {
    let session = random_id()?;
    let body = json!({ "session": session, "capabilities": capabilities });
    let created = Object::UserState(&owner.object_name(&session))
        .call(env, "/create", body.to_string())
        .await?;
    if created.status_code() != 204 {
        crate::log::error(&format!(
            "session object answered {} to /create",
            created.status_code()
        ));
        return into_worker_response(HttpResponse::error(
            503,
            "unavailable",
            "sessions are unavailable, retry later",
        ));
    }
    into_worker_response(reply.with_header(SESSION_HEADER, session))
}

/// Sends `answer` within `owner`'s session `session`, if it lives, after
/// keeping its `change`; log messages below the user's level are left out.
pub async fn within(
    env: &Env,
    owner: &SessionOwner,
    session: &str,
    answer: Answer,
    streams: bool,
    change: Option<SessionChange>,
) -> worker::Result<Response> {
    let object = owner.object_name(session);
    let body = serde_json::to_string(&TouchRequest {
        session: session.to_owned(),
        change,
    })?;
    let mut live = Object::UserState(&object).call(env, "/touch", body).await?;
    if live.status_code() != 200 {
        return into_worker_response(session_not_found());
    }
    let user: UserState = json::parse(live.bytes().await?)?;
    let reply = answer.logs_from(user.log_level.as_deref()).reply(streams);
    into_worker_response(reply.with_header(SESSION_HEADER, session))
}

/// Runs `call` in its session's object, which holds it while it asks the
/// client for input.
pub async fn ask(env: &Env, owner: &SessionOwner, call: &CallToAsk) -> worker::Result<Response> {
    let object = owner.object_name(&call.session);
    let asked = Object::UserState(&object)
        .call(env, "/ask", serde_json::to_string(call)?)
        .await?;
    if asked.status_code() == 404 {
        return into_worker_response(session_not_found());
    }
    Ok(asked)
}

/// Hands the client's answer to the call waiting for it.
pub async fn answer(
    env: &Env,
    owner: &SessionOwner,
    answer: &AnswerToCall,
) -> worker::Result<Response> {
    let object = owner.object_name(&answer.session);
    let taken = Object::UserState(&object)
        .call(env, "/answer", serde_json::to_string(answer)?)
        .await?;
    if taken.status_code() == 404 {
        return into_worker_response(session_not_found());
    }
    Ok(taken)
}

fn random_id() -> worker::Result<String> {
    webcrypto::random_uuid().map_err(|e| worker::Error::RustError(format!("{e:?}")))
}

/// Ends `owner`'s session `session`.
pub async fn end(env: &Env, owner: &SessionOwner, session: &str) -> worker::Result<Response> {
    let ended = Object::UserState(&owner.object_name(session))
        .call(env, "/end", session.to_owned())
        .await?;
    if ended.status_code() != 204 {
        return into_worker_response(session_not_found());
    }
    into_worker_response(HttpResponse::empty(204))
}

/// Opens `owner`'s session stream, replaying what came after `last_event_id`.
pub async fn open_stream(
    env: &Env,
    owner: &SessionOwner,
    session: &str,
    last_event_id: Option<u64>,
) -> worker::Result<Response> {
    let object = owner.object_name(session);
    let tenant = match owner {
        SessionOwner::User { tenant, .. } | SessionOwner::Anonymous { tenant } => tenant.clone(),
    };
    let body = serde_json::to_string(&StreamRequest {
        session: session.to_owned(),
        last_event_id: last_event_id.unwrap_or(0),
        tenant,
        object: object.clone(),
    })?;
    let opened = Object::UserState(&object)
        .call(env, "/stream", body)
        .await?;
    if opened.status_code() == 404 {
        return into_worker_response(session_not_found());
    }
    Ok(opened)
}

/// Tells the user object `object` that the tenant's lists changed; `false`
/// when it has no streaming session left and need not be told again.
pub async fn notify(env: &Env, object: &str, changes: &Published) -> worker::Result<bool> {
    let told = Object::UserState(object)
        .call(env, "/notify", serde_json::to_string(changes)?)
        .await?;
    Ok(told.status_code() != 410)
}

#[derive(Serialize, Deserialize)]
struct TouchRequest {
    session: String,
    change: Option<SessionChange>,
}

/// The name of the user's log level among what lasts across sessions.
const LOG_LEVEL: &str = "log_level";

/// What the user's object keeps across sessions.
#[derive(Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct UserState {
    log_level: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct StreamRequest {
    session: String,
    last_event_id: u64,
    tenant: String,
    object: String,
}

/// A user's sessions.
#[durable_object(alarm)]
pub struct McpUserState {
    state: State,
    env: Env,
    streams: RefCell<HashMap<String, WritableStreamDefaultWriter>>,
    /// The event streams of calls waiting for the client's input, by call
    /// key. The calls themselves are in storage.
    calls: RefCell<HashMap<String, WritableStreamDefaultWriter>>,
}

#[derive(Deserialize)]
struct CreateRequest {
    session: String,
    capabilities: Value,
}

fn now() -> i64 {
    super::now_seconds() as i64
}

impl McpUserState {
    fn sessions(&self) -> worker::SqlStorage {
        self.state.storage().sql()
    }

    fn store(&self) -> SqlSessions {
        SqlSessions(self.sessions())
    }

    /// `session` if it lives; asking counts as a use of it.
    fn live(&self, session: &str) -> worker::Result<Option<StoredSession>> {
        session_store::live(&self.store(), session, now()).map_err(storage_failure)
    }

    fn is_live(&self, session: &str) -> worker::Result<bool> {
        Ok(self.live(session)?.is_some())
    }

    /// The `initialize` capabilities of `session`, if it lives.
    fn capabilities(&self, session: &str) -> worker::Result<Option<Value>> {
        Ok(self.live(session)?.map(|s| s.capabilities))
    }

    /// Closes the streams of sessions no longer stored (ended elsewhere,
    /// idle or pushed out by a newer one).
    fn close_forgotten_streams(&self) -> worker::Result<()> {
        let store = self.store();
        let mut streams = self.streams.borrow_mut();
        let mut gone = Vec::new();
        for id in streams.keys() {
            if store.session(id).map_err(storage_failure)?.is_none() {
                gone.push(id.clone());
            }
        }
        for id in gone {
            if let Some(writer) = streams.remove(&id) {
                event_stream::close(&writer);
            }
        }
        Ok(())
    }

    /// Makes sure a sweep is due by `due` (seconds): one set earlier stays.
    async fn schedule_sweep(&self, due: i64) -> worker::Result<()> {
        if self.state.storage().get_alarm().await?.is_none() {
            self.set_sweep(due).await?;
        }
        Ok(())
    }

    async fn set_sweep(&self, due: i64) -> worker::Result<()> {
        let wait = (due - now()).max(60) as u64;
        self.state
            .storage()
            .set_alarm(std::time::Duration::from_secs(wait))
            .await
    }

    /// The tenant's config and the sealer of its round states, to run a
    /// call with.
    async fn tenant(&self, tenant: &str) -> worker::Result<Option<(Rc<TenantConfig>, PurposeMac)>> {
        let store = super::configs(&self.env)?;
        let config = store
            .load(tenant)
            .await
            .map_err(|e| worker::Error::RustError(e.0))?;
        let key = super::vars::token_key(&self.env)?;
        Ok(config.map(|c| (c, request_states(&key, tenant))))
    }

    /// Runs `call`, adding to `usage` what it counts for once done.
    async fn ask(&self, call: CallToAsk, usage: &mut Vec<UsageEvent>) -> worker::Result<Response> {
        let call_session = call.session.clone();
        let Some(capabilities) = self.capabilities(&call.session)? else {
            return status(404);
        };
        let Some((config, states)) = self.tenant(&call.tenant).await? else {
            return status(404);
        };
        let streams = call.streams;
        let pending = PendingCall::new(
            random_id()?,
            call.id,
            &call.method,
            call.params,
            &call.version,
            &capabilities,
        );
        let caller = caller_of(&call.caller);
        let mut stepped = step(&config, &caller, pending, states.clone());
        // What a tool needs, in the live session it was called in: obtained
        // from here, then the call steps again with it.
        if let Step::Obtain { pending, needed } = stepped {
            let here = call.caller.as_ref().map(|claims| {
                let (tenant, user) = (call.tenant.clone(), claims.u.clone());
                SessionOwner::User { tenant, user }.object_name(&call.session)
            });
            let obtained = match needed {
                // This is the user's object: their notes are here (an
                // object does not call itself).
                Needed::Memory(memory) if Some(&memory.object) == here.as_ref() => {
                    Obtained::Memory(user_memory::remember(self.sessions(), memory))
                }
                needed => super::obtain(&self.env, needed).await,
            };
            stepped = step_with(&config, &caller, pending, states, Some(&obtained));
        }
        match stepped {
            Step::Obtain { needed, .. } => {
                crate::log::error(&format!("asked twice for {}", needed.describe()));
                status(500)
            }
            Step::Done(mut answer) => {
                usage.append(&mut answer.usage);
                let level = self.user_state()?.log_level;
                let reply = answer.logs_from(level.as_deref()).reply(streams);
                into_worker_response(reply.with_header(SESSION_HEADER, &call_session))
            }
            Step::Ask { pending, requests } => {
                let (writer, mut response) = event_stream::open(b": waiting for your input\n\n")?;
                response.headers_mut().set(SESSION_HEADER, &call_session)?;
                send(&writer, &requests);
                self.keep(&call.session, &pending)?;
                self.calls.borrow_mut().insert(pending.key, writer);
                Ok(response)
            }
        }
    }

    /// Hands on the client's `answer`, adding to `usage` what the call
    /// counts for if it ends.
    async fn answer(
        &self,
        answer: AnswerToCall,
        usage: &mut Vec<UsageEvent>,
    ) -> worker::Result<Response> {
        if !self.is_live(&answer.session)? {
            return status(404);
        }
        let Some(key) = PendingCall::key_of(&answer.id) else {
            return status(202);
        };
        let kept = self
            .store()
            .pending(key, &answer.session)
            .map_err(storage_failure)?;
        let Some(mut pending) = kept.and_then(|data| json::parse::<PendingCall>(&data).ok()) else {
            return status(202);
        };
        match pending.record(&answer.id, answer.outcome) {
            Recorded::Stray => {}
            Recorded::Waiting => self.keep(&answer.session, &pending)?,
            Recorded::Failed(end) => self.finish(&pending.key, &[end]),
            Recorded::Ready => {
                let Some((config, states)) = self.tenant(&answer.tenant).await? else {
                    return status(404);
                };
                let key = pending.key.clone();
                match step(&config, &caller_of(&answer.caller), pending, states) {
                    Step::Ask { pending, requests } => {
                        if let Some(writer) = self.calls.borrow().get(&pending.key) {
                            send(writer, &requests);
                        }
                        self.keep(&answer.session, &pending)?;
                    }
                    // Calls with rounds of input do not call backends.
                    Step::Obtain { pending, .. } => {
                        self.finish(&pending.key, &[]);
                    }
                    Step::Done(mut done) => {
                        usage.append(&mut done.usage);
                        let messages: Vec<Value> = done
                            .notifications
                            .into_iter()
                            .chain([done.message])
                            .collect();
                        self.finish(&key, &messages);
                    }
                }
            }
        }
        status(202)
    }

    /// Keeps a live session's `change`, and answers with the user's state.
    fn touch(&self, request: TouchRequest) -> worker::Result<Response> {
        if !self.is_live(&request.session)? {
            return status(404);
        }
        let store = self.store();
        match request.change {
            None => Ok(()),
            Some(SessionChange::Subscription { uri, on }) => {
                store.set_subscription(&request.session, &uri, on)
            }
            Some(SessionChange::LogLevel(level)) => store.set_user_value(LOG_LEVEL, &level),
        }
        .map_err(storage_failure)?;
        Response::from_json(&self.user_state()?)
    }

    fn user_state(&self) -> worker::Result<UserState> {
        Ok(UserState {
            log_level: self
                .store()
                .user_value(LOG_LEVEL)
                .map_err(storage_failure)?,
        })
    }

    /// Stores `pending` until its next answer.
    fn keep(&self, session: &str, pending: &PendingCall) -> worker::Result<()> {
        let data = serde_json::to_string(pending)?;
        self.store()
            .keep_pending(&pending.key, session, &data)
            .map_err(storage_failure)
    }

    /// Ends the call `key` with `messages` on its stream.
    fn finish(&self, key: &str, messages: &[Value]) {
        if let Some(writer) = self.calls.borrow_mut().remove(key) {
            send(&writer, messages);
            event_stream::close(&writer);
        }
        if let Err(e) = self.store().drop_pending(key) {
            crate::log::error(&format!("dropping a finished call: {}", e.0));
        }
    }

    async fn stream(&self, request: StreamRequest) -> worker::Result<Response> {
        if !self.is_live(&request.session)? {
            return status(404);
        }
        let (writer, response) = event_stream::open(b": session notifications\n\n")?;
        let missed = self
            .store()
            .events_after(&request.session, request.last_event_id)
            .map_err(storage_failure)?;
        for (seq, data) in missed {
            let _ = event_stream::write(
                &writer,
                event_with_id(Some(seq), "message", &data).as_bytes(),
            );
        }
        self.store()
            .mark_streaming(&request.session)
            .map_err(storage_failure)?;
        // A new stream for the session replaces an old one.
        self.streams.borrow_mut().insert(request.session, writer);
        tenant_streams::register(&self.env, &request.tenant, &request.object).await?;
        Ok(response)
    }

    /// Logs the notifications for every streaming session and writes them
    /// to the streams that are open. 410 when no session streams any more.
    fn notify(&self, changes: Published) -> worker::Result<Response> {
        let store = self.store();
        let sessions: Vec<String> = store
            .sessions()
            .map_err(storage_failure)?
            .into_iter()
            .filter(|s| s.streaming)
            .map(|s| s.id)
            .collect();
        if sessions.is_empty() {
            return status(410);
        }
        let lists = messages(&StreamKind::Legacy, changes.lists);
        let mut streams = self.streams.borrow_mut();
        streams.retain(|_, writer| event_stream::is_open(writer));
        for id in sessions {
            let subscribed = store.subscriptions(&id).map_err(storage_failure)?;
            let updates = changes
                .updated
                .iter()
                .filter(|uri| subscribed.contains(uri))
                .map(|uri| resource_updated(uri));
            let notes: Vec<_> = lists.iter().cloned().chain(updates).collect();
            for note in &notes {
                let data = note.to_string();
                let seq = session_store::log_event(&store, &id, &data).map_err(storage_failure)?;
                if let Some(writer) = streams.get(&id) {
                    // Not awaited: a slow reader must not hold up the others.
                    let _ = event_stream::write(
                        writer,
                        event_with_id(Some(seq), "message", &data).as_bytes(),
                    );
                }
            }
        }
        status(204)
    }
}

/// Writes `messages` as events, without waiting for the reader.
fn send(writer: &WritableStreamDefaultWriter, messages: &[Value]) {
    for message in messages {
        let _ = event_stream::write(writer, event("message", &message.to_string()).as_bytes());
    }
}

fn storage_failure(e: StoreError) -> worker::Error {
    worker::Error::RustError(format!("user state storage: {}", e.0))
}

fn status(code: u16) -> worker::Result<Response> {
    Ok(Response::empty()?.with_status(code))
}

impl DurableObject for McpUserState {
    fn new(state: State, env: Env) -> Self {
        let object = Self {
            state,
            env,
            streams: RefCell::default(),
            calls: RefCell::default(),
        };
        if let Err(e) = schema::migrate(&object.sessions(), SCHEMA) {
            crate::log::error(&format!("user state schema: {e}"));
        }
        object
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        let session = req.text().await?;
        let now = now();
        match req.path().as_str() {
            "/stream" => self.stream(json::parse(&session)?).await,
            "/notify" => self.notify(json::parse(&session)?),
            "/ask" | "/answer" => {
                let started = worker::Date::now().as_millis();
                let mut usage = Vec::new();
                let answered = if req.path() == "/ask" {
                    self.ask(json::parse(&session)?, &mut usage).await
                } else {
                    self.answer(json::parse(&session)?, &mut usage).await
                };
                // Calls run here (in a session, or after the client's
                // input) count too.
                if let Some(report) = super::usage_report::finish(&self.env, started, usage) {
                    self.state.wait_until(report);
                }
                answered
            }
            "/create" => {
                let CreateRequest {
                    session,
                    capabilities,
                } = json::parse(&session)?;
                session_store::start(&self.store(), &session, capabilities, now)
                    .map_err(storage_failure)?;
                self.close_forgotten_streams()?;
                self.schedule_sweep(now + session_store::IDLE_SECONDS)
                    .await?;
                status(204)
            }
            "/touch" => self.touch(json::parse(&session)?),
            "/memory" => {
                let call = json::parse(&session)?;
                Response::from_json(&user_memory::remember(self.sessions(), call).answer)
            }
            "/end" => {
                if !session_store::end(&self.store(), &session, now).map_err(storage_failure)? {
                    return status(404);
                }
                if let Some(writer) = self.streams.borrow_mut().remove(&session) {
                    event_stream::close(&writer);
                }
                status(204)
            }
            _ => status(404),
        }
    }

    async fn alarm(&self) -> worker::Result<Response> {
        match session_store::sweep(&self.store(), now()) {
            Ok(swept) => {
                if let Some(due) = swept.next_due {
                    self.set_sweep(due).await?;
                } else {
                    // No session left: nothing of the user is kept either.
                    self.store().forget_user().map_err(storage_failure)?;
                }
            }
            Err(e) => {
                crate::log::error(&format!("sweeping sessions: {}", e.0));
                self.set_sweep(now() + 60 * 60).await?;
            }
        }
        self.close_forgotten_streams()?;
        Response::empty()
    }
}
