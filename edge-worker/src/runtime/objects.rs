//! Every Durable Object class the edge binds, how each one's objects are
//! named, and calling one. Names decide isolation: an object named for one
//! tenant (or one user of one tenant) never holds another's state.

use worker::{Env, Response, Stub};

use super::outgoing::Outgoing;

/// One Durable Object, by what it holds.
#[derive(Debug, Clone, Copy)]
pub enum Object<'a> {
    /// An HTTP+SSE (2024-11-05) session's event stream, by session key.
    SseSession(&'a str),
    /// A tenant's notification streams.
    TenantStreams(&'a str),
    /// A tenant's authorization server and its records.
    TenantAuth(&'a str),
    /// A tenant's served config version, command nonces and rate counters.
    TenantControl(&'a str),
    /// A user's legacy sessions, by the name
    /// [`crate::mcp::sessions::SessionOwner::object_name`] gives.
    UserState(&'a str),
}

impl Object<'_> {
    /// The binding in `deploy/edge/wrangler.toml`.
    fn binding(self) -> &'static str {
        match self {
            Object::SseSession(_) => "MCP_SSE_SESSIONS",
            Object::TenantStreams(_) => "MCP_TENANT_STREAMS",
            Object::TenantAuth(_) => "MCP_TENANT_AUTH",
            Object::TenantControl(_) => "MCP_TENANT_CONTROL",
            Object::UserState(_) => "MCP_USER_STATE",
        }
    }

    fn name(self) -> String {
        match self {
            Object::TenantAuth(tenant) => format!("auth:{tenant}"),
            Object::SseSession(name)
            | Object::TenantStreams(name)
            | Object::TenantControl(name)
            | Object::UserState(name) => name.to_owned(),
        }
    }

    pub fn stub(self, env: &Env) -> worker::Result<Stub> {
        env.durable_object(self.binding())?
            .id_from_name(&self.name())?
            .get_stub()
    }

    /// POSTs `body` to the object's `path`.
    pub async fn call(self, env: &Env, path: &str, body: String) -> worker::Result<Response> {
        let request = Outgoing::post(body).to(&format!("https://object{path}"))?;
        self.stub(env)?.fetch_with_request(request).await
    }
}
