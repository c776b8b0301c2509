//! One Durable Object per user of a tenant (or per anonymous session of a
//! public tenant; see [`SessionOwner::object_name`]), holding the user's
//! legacy Streamable HTTP sessions in its SQLite storage, so a session
//! outlives the object's eviction and a restart of the runtime.

use serde::Deserialize;
use worker::{DurableObject, Env, Request, Response, State, durable_object};

use super::sse_sessions::call_object;
use super::{into_worker_response, log_error, webcrypto};
use crate::http::HttpResponse;
use crate::mcp::sessions::{SESSION_HEADER, SessionOwner, session_not_found};

const BINDING: &str = "MCP_USER_STATE";

/// Starts a session for `owner` and answers `reply` with its id.
pub async fn start(
    env: &Env,
    owner: &SessionOwner,
    reply: HttpResponse,
) -> worker::Result<Response> {
    let session =
        webcrypto::random_uuid().map_err(|e| worker::Error::RustError(format!("{e:?}")))?;
    let created = call_object(
        env,
        BINDING,
        &owner.object_name(&session),
        "/create",
        session.clone(),
    )
    .await?;
    if created.status_code() != 204 {
        log_error(&format!(
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

/// Answers `reply` within `owner`'s session `session`, if it lives.
pub async fn within(
    env: &Env,
    owner: &SessionOwner,
    session: &str,
    reply: HttpResponse,
) -> worker::Result<Response> {
    let live = call_object(
        env,
        BINDING,
        &owner.object_name(session),
        "/touch",
        session.to_owned(),
    )
    .await?;
    if live.status_code() != 204 {
        return into_worker_response(session_not_found());
    }
    into_worker_response(reply.with_header(SESSION_HEADER, session))
}

/// Ends `owner`'s session `session`.
pub async fn end(env: &Env, owner: &SessionOwner, session: &str) -> worker::Result<Response> {
    let ended = call_object(
        env,
        BINDING,
        &owner.object_name(session),
        "/end",
        session.to_owned(),
    )
    .await?;
    if ended.status_code() != 204 {
        return into_worker_response(session_not_found());
    }
    into_worker_response(HttpResponse::empty(204))
}

/// A user's sessions.
#[durable_object(fetch)]
pub struct McpUserState {
    state: State,
}

#[derive(Deserialize)]
struct SessionRow {
    ended_at: Option<f64>,
}

impl McpUserState {
    fn sessions(&self) -> worker::SqlStorage {
        self.state.storage().sql()
    }

    /// Whether `session` exists and has not ended.
    fn is_live(&self, session: &str) -> worker::Result<bool> {
        let rows: Vec<SessionRow> = self
            .sessions()
            .exec(
                "SELECT ended_at FROM sessions WHERE id = ?",
                vec![session.into()],
            )?
            .to_array()?;
        Ok(rows.first().is_some_and(|r| r.ended_at.is_none()))
    }
}

fn status(code: u16) -> worker::Result<Response> {
    Ok(Response::empty()?.with_status(code))
}

impl DurableObject for McpUserState {
    fn new(state: State, _env: Env) -> Self {
        let object = Self { state };
        let schema = "CREATE TABLE IF NOT EXISTS sessions (
            id TEXT PRIMARY KEY,
            created_at INTEGER NOT NULL,
            ended_at INTEGER
        )";
        if let Err(e) = object.sessions().exec(schema, None) {
            log_error(&format!("user state schema: {e}"));
        }
        object
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        let session = req.text().await?;
        let now = (worker::Date::now().as_millis() / 1000) as i64;
        match req.path().as_str() {
            "/create" => {
                self.sessions().exec(
                    "INSERT INTO sessions (id, created_at) VALUES (?, ?)",
                    vec![session.as_str().into(), now.into()],
                )?;
                status(204)
            }
            "/touch" => status(if self.is_live(&session)? { 204 } else { 404 }),
            "/end" => {
                if !self.is_live(&session)? {
                    return status(404);
                }
                self.sessions().exec(
                    "UPDATE sessions SET ended_at = ? WHERE id = ?",
                    vec![now.into(), session.as_str().into()],
                )?;
                status(204)
            }
            _ => status(404),
        }
    }
}
