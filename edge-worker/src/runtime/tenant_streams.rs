//! Every open notification stream of one tenant (Streamable HTTP GET
//! streams), in one Durable Object named by the tenant, so a publish can
//! tell all of them at once which lists changed.
//!
//! The streams are live connections and so live only in memory; a client
//! whose stream ends reconnects and lists again. How many one holder and
//! the tenant keep open is capped ([`admit_stream`]). Sessions' own streams live
//! in their users' objects ([`super::user_state`]); those objects register
//! here (in SQLite, so it survives eviction) to be told of changes too.

use portcullis_tenant_config::json;
use std::cell::RefCell;

use serde::{Deserialize, Serialize};
use web_sys::WritableStreamDefaultWriter;
use worker::{DurableObject, Env, Request, Response, State, durable_object};

use super::objects::Object;
use super::{event_stream, into_worker_response, schema};
use crate::http::HttpResponse;
use crate::mcp::subscriptions::{
    Admission, ListChanges, Published, StreamKind, admit_stream, render,
};
use crate::mcp::transport::too_many_requests;
use crate::rate::RetryAfter;

/// What the object is asked to open.
#[derive(Serialize, Deserialize)]
struct OpenRequest {
    holder: String,
    stream: StreamKind,
    first_event: String,
}

/// An open stream.
struct Open {
    writer: WritableStreamDefaultWriter,
    kind: StreamKind,
    holder: String,
}

const SCHEMA: &[schema::Step] =
    &[&["CREATE TABLE IF NOT EXISTS user_objects (name TEXT PRIMARY KEY)"]];

/// Opens a notification stream of `tenant`; the response is the stream.
pub async fn open(
    env: &Env,
    tenant: &str,
    holder: String,
    stream: &StreamKind,
    first_event: String,
) -> worker::Result<Response> {
    let body = serde_json::to_string(&OpenRequest {
        holder,
        stream: stream.clone(),
        first_event,
    })?;
    Object::TenantStreams(tenant).call(env, "/open", body).await
}

/// Tells every open stream of `tenant` about `changes`, then answers
/// `reply`. A failure to notify is logged, never turned into a failed
/// publish: the config is stored already.
pub async fn broadcast(
    env: &Env,
    tenant: &str,
    changes: Published,
    reply: HttpResponse,
) -> worker::Result<Response> {
    if changes.any()
        && let Err(e) = Object::TenantStreams(tenant)
            .call(env, "/broadcast", serde_json::to_string(&changes)?)
            .await
    {
        crate::log::error(&format!("notifying the streams of {tenant}: {e}"));
    }
    into_worker_response(reply)
}

/// Asks `tenant`'s object to pass its changes on to the user object `object`.
pub async fn register(env: &Env, tenant: &str, object: &str) -> worker::Result<()> {
    Object::TenantStreams(tenant)
        .call(env, "/register", object.to_owned())
        .await?;
    Ok(())
}

#[durable_object(fetch)]
pub struct McpTenantStreams {
    state: State,
    env: Env,
    /// Oldest first.
    streams: RefCell<Vec<Open>>,
}

#[derive(Deserialize)]
struct ObjectRow {
    name: String,
}

impl McpTenantStreams {
    /// Writes `changes` to the streams this object holds itself.
    fn tell_own_streams(&self, changes: ListChanges) {
        let mut streams = self.streams.borrow_mut();
        streams.retain(|open| event_stream::is_open(&open.writer));
        for open in streams.iter() {
            let events = render(&open.kind, changes);
            if !events.is_empty() {
                // Not awaited: a slow reader must not hold up a publish.
                let _ = event_stream::write(&open.writer, events.as_bytes());
            }
        }
    }

    /// Passes `changes` to every registered user object, forgetting those
    /// with no streaming session left.
    async fn tell_user_objects(&self, changes: &Published) -> worker::Result<()> {
        let sql = self.state.storage().sql();
        let objects: Vec<ObjectRow> = sql
            .exec("SELECT name FROM user_objects", None)?
            .to_array()?;
        for ObjectRow { name } in objects {
            match super::user_state::notify(&self.env, &name, changes).await {
                Ok(true) => {}
                Ok(false) => {
                    sql.exec(
                        "DELETE FROM user_objects WHERE name = ?",
                        vec![name.as_str().into()],
                    )?;
                }
                Err(e) => crate::log::error(&format!("notifying {name}: {e}")),
            }
        }
        Ok(())
    }
}

impl DurableObject for McpTenantStreams {
    fn new(state: State, env: Env) -> Self {
        if let Err(e) = schema::migrate(&state.storage().sql(), SCHEMA) {
            crate::log::error(&format!("tenant streams schema: {e}"));
        }
        Self {
            state,
            env,
            streams: RefCell::new(Vec::new()),
        }
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        let body = req.bytes().await?;
        match req.path().as_str() {
            "/open" => {
                let open: OpenRequest = json::parse(&body)?;
                let mut streams = self.streams.borrow_mut();
                streams.retain(|open| event_stream::is_open(&open.writer));
                let holders = streams.iter().map(|s| s.holder.as_str());
                match admit_stream(holders, &open.holder) {
                    Admission::Full => into_worker_response(too_many_requests(RetryAfter(60))),
                    Admission::Open { close } => {
                        if let Some(index) = close {
                            event_stream::close(&streams.remove(index).writer);
                        }
                        let (writer, response) = event_stream::open(open.first_event.as_bytes())?;
                        streams.push(Open {
                            writer,
                            kind: open.stream,
                            holder: open.holder,
                        });
                        Ok(response)
                    }
                }
            }
            "/broadcast" => {
                let changes: Published = json::parse(&body)?;
                self.tell_own_streams(changes.lists);
                self.tell_user_objects(&changes).await?;
                Ok(Response::empty()?.with_status(204))
            }
            "/register" => {
                let name = String::from_utf8_lossy(&body).into_owned();
                self.state.storage().sql().exec(
                    "INSERT OR IGNORE INTO user_objects (name) VALUES (?)",
                    vec![name.as_str().into()],
                )?;
                Ok(Response::empty()?.with_status(204))
            }
            _ => Ok(Response::empty()?.with_status(404)),
        }
    }
}
