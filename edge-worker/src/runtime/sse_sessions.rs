//! HTTP+SSE sessions (MCP 2024-11-05) across requests: each session's event
//! stream is held by a Durable Object named by the session key, so a POST
//! arriving on any isolate reaches the stream its reply belongs on.
//!
//! The open stream is the one thing kept only in memory, necessarily: it is
//! a live connection, gone with the object, after which deliveries get 404
//! and the client opens a new session.

use std::cell::RefCell;

use wasm_bindgen_futures::JsFuture;
use web_sys::WritableStreamDefaultWriter;
use worker::{DurableObject, Env, Request, Response, State, durable_object};

use super::objects::Object;
use super::{event_stream, into_worker_response};
use crate::http::HttpResponse;

async fn call(env: &Env, session: &str, path: &str, body: String) -> worker::Result<Response> {
    Object::SseSession(session).call(env, path, body).await
}

/// Opens the session's stream; the response is the stream itself.
pub async fn open(env: &Env, session: &str, first_event: String) -> worker::Result<Response> {
    call(env, session, "/open", first_event).await
}

/// Puts one event on the session's stream, then answers with `accepted`.
pub async fn deliver(
    env: &Env,
    session: &str,
    event: String,
    accepted: HttpResponse,
) -> worker::Result<Response> {
    let delivered = call(env, session, "/deliver", event).await?;
    if delivered.status_code() == 404 {
        let message = "no open event stream for this session; open one with GET /sse";
        return into_worker_response(HttpResponse::error(404, "unknown_session", message));
    }
    into_worker_response(accepted)
}

/// One HTTP+SSE session: the writing end of its open event stream.
#[durable_object(fetch)]
pub struct McpSseSession {
    stream: RefCell<Option<WritableStreamDefaultWriter>>,
}

impl DurableObject for McpSseSession {
    fn new(_state: State, _env: Env) -> Self {
        Self {
            stream: RefCell::new(None),
        }
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        let body = req.bytes().await?;
        match req.path().as_str() {
            "/open" => {
                let (writer, response) = event_stream::open(&body)?;
                // A new stream for the same session replaces the old one.
                self.stream.replace(Some(writer));
                Ok(response)
            }
            "/deliver" => {
                let write = self
                    .stream
                    .borrow()
                    .as_ref()
                    .map(|w| event_stream::write(w, &body));
                let delivered = match write {
                    Some(promise) => JsFuture::from(promise).await.is_ok(),
                    None => false,
                };
                if delivered {
                    Ok(Response::empty()?.with_status(204))
                } else {
                    // The client went away: forget the dead stream.
                    self.stream.replace(None);
                    Ok(Response::empty()?.with_status(404))
                }
            }
            _ => Ok(Response::empty()?.with_status(404)),
        }
    }
}
