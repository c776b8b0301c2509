//! Every open notification stream of one tenant (Streamable HTTP GET
//! streams), in one Durable Object named by the tenant, so a publish can
//! tell all of them at once which lists changed.
//!
//! The streams are live connections and so live only in memory; a client
//! whose stream ends reconnects and lists again.

use std::cell::RefCell;

use web_sys::WritableStreamDefaultWriter;
use worker::{DurableObject, Env, Request, Response, State, durable_object};

use super::sse_sessions::call_object;
use super::{event_stream, into_worker_response, log_error};
use crate::http::HttpResponse;

const BINDING: &str = "MCP_TENANT_STREAMS";

/// Opens a notification stream of `tenant`; the response is the stream.
pub async fn open(env: &Env, tenant: &str, first_event: String) -> worker::Result<Response> {
    call_object(env, BINDING, tenant, "/open", first_event).await
}

/// Puts `events` on every open stream of `tenant`, then answers `reply`.
/// A failure to notify is logged, never turned into a failed publish: the
/// config is stored already.
pub async fn broadcast(
    env: &Env,
    tenant: &str,
    events: String,
    reply: HttpResponse,
) -> worker::Result<Response> {
    if !events.is_empty()
        && let Err(e) = call_object(env, BINDING, tenant, "/broadcast", events).await
    {
        log_error(&format!("notifying the streams of {tenant}: {e}"));
    }
    into_worker_response(reply)
}

#[durable_object(fetch)]
pub struct McpTenantStreams {
    streams: RefCell<Vec<WritableStreamDefaultWriter>>,
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
                let (writer, response) = event_stream::open(&body)?;
                self.streams.borrow_mut().push(writer);
                Ok(response)
            }
            "/broadcast" => {
                let mut streams = self.streams.borrow_mut();
                streams.retain(event_stream::is_open);
                for writer in streams.iter() {
                    // Not awaited: a slow reader must not hold up a publish.
                    let _ = event_stream::write(writer, &body);
                }
                Ok(Response::empty()?.with_status(204))
            }
            _ => Ok(Response::empty()?.with_status(404)),
        }
    }
}
