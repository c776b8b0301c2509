//! Every open notification stream of one tenant (Streamable HTTP GET
//! streams), in one Durable Object named by the tenant, so a publish can
//! tell all of them at once which lists changed.
//!
//! The streams are live connections and so live only in memory; a client
//! whose stream ends reconnects and lists again.

use std::cell::RefCell;

use serde::{Deserialize, Serialize};
use web_sys::WritableStreamDefaultWriter;
use worker::{DurableObject, Env, Request, Response, State, durable_object};

use super::sse_sessions::call_object;
use super::{event_stream, into_worker_response, log_error};
use crate::http::HttpResponse;
use crate::mcp::subscriptions::{ListChanges, StreamKind, render};

/// What the object is asked to open.
#[derive(Serialize, Deserialize)]
struct OpenRequest {
    stream: StreamKind,
    first_event: String,
}

const BINDING: &str = "MCP_TENANT_STREAMS";

/// Opens a notification stream of `tenant`; the response is the stream.
pub async fn open(
    env: &Env,
    tenant: &str,
    stream: &StreamKind,
    first_event: String,
) -> worker::Result<Response> {
    let body = serde_json::to_string(&OpenRequest {
        stream: stream.clone(),
        first_event,
    })?;
    call_object(env, BINDING, tenant, "/open", body).await
}

/// Tells every open stream of `tenant` about `changes`, then answers
/// `reply`. A failure to notify is logged, never turned into a failed
/// publish: the config is stored already.
pub async fn broadcast(
    env: &Env,
    tenant: &str,
    changes: ListChanges,
    reply: HttpResponse,
) -> worker::Result<Response> {
    if changes.any()
        && let Err(e) = call_object(
            env,
            BINDING,
            tenant,
            "/broadcast",
            serde_json::to_string(&changes)?,
        )
        .await
    {
        log_error(&format!("notifying the streams of {tenant}: {e}"));
    }
    into_worker_response(reply)
}

#[durable_object(fetch)]
pub struct McpTenantStreams {
    streams: RefCell<Vec<(WritableStreamDefaultWriter, StreamKind)>>,
}

impl DurableObject for McpTenantStreams {
    fn new(_state: State, _env: Env) -> Self {
        Self {
            streams: RefCell::new(Vec::new()),
        }
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        let body = req.bytes().await?;
        match req.path().as_str() {
            "/open" => {
                let open: OpenRequest = serde_json::from_slice(&body)?;
                let (writer, response) = event_stream::open(open.first_event.as_bytes())?;
                self.streams.borrow_mut().push((writer, open.stream));
                Ok(response)
            }
            "/broadcast" => {
                let changes: ListChanges = serde_json::from_slice(&body)?;
                let mut streams = self.streams.borrow_mut();
                streams.retain(|(writer, _)| event_stream::is_open(writer));
                for (writer, kind) in streams.iter() {
                    let events = render(kind, changes);
                    if !events.is_empty() {
                        // Not awaited: a slow reader must not hold up a publish.
                        let _ = event_stream::write(writer, events.as_bytes());
                    }
                }
                Ok(Response::empty()?.with_status(204))
            }
            _ => Ok(Response::empty()?.with_status(404)),
        }
    }
}
