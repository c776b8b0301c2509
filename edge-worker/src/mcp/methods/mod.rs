//! The MCP methods a tenant serves, over its published config. Each
//! feature lives in its own module; [`dispatch`] only routes.

mod http_tools;
mod lifecycle;
mod memory_tools;
mod prompts;
mod resources;
mod rounds;
mod tools;

use std::cell::RefCell;

use portcullis_tenant_config::{ContentBlock, TenantConfig};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

pub use lifecycle::capabilities;

use super::jsonrpc::{RpcError, code, failure, success};
use super::transport::Answer;
use crate::auth::Caller;
use crate::outside::{Needed, Obtained};
use crate::tokens::PurposeMac;
use crate::usage::UsageEvent;

/// The sealer of `tenant`'s multi round-trip `requestState`s, derived
/// from the edge's key.
pub fn request_states(edge_key: &[u8; 32], tenant: &str) -> PurposeMac {
    PurposeMac::new(edge_key, "portcullis request state/", tenant)
}

/// One request as the methods see it.
pub struct Call<'a> {
    pub config: &'a TenantConfig,
    pub caller: &'a Caller,
    /// The protocol revision the client speaks on this request.
    pub version: &'a str,
    pub params: Map<String, Value>,
    /// Notifications the request produced, to send before its result on
    /// the request's event stream.
    pub emitted: RefCell<Vec<Value>>,
    /// Seals `requestState` in the eras with multi round-trip requests.
    pub request_states: Option<PurposeMac>,
    /// Whether the call counts as a user's in the tenant's usage: an admin's
    /// "try it" does not.
    pub counted: bool,
    /// What the call counts for in the tenant's usage, for the runtime to
    /// report.
    pub usage: RefCell<Vec<UsageEvent>>,
    /// What a tool needed from outside the core, on the second run of the
    /// request (see [`crate::outside`]).
    pub obtained: Option<&'a Obtained>,
    /// What the request needs from outside before it can be answered.
    pub needs: RefCell<Option<Needed>>,
}

impl<'a> Call<'a> {
    pub fn new(
        config: &'a TenantConfig,
        caller: &'a Caller,
        version: &'a str,
        params: Map<String, Value>,
    ) -> Self {
        Self {
            config,
            caller,
            version,
            params,
            emitted: RefCell::default(),
            request_states: None,
            counted: true,
            usage: RefCell::default(),
            obtained: None,
            needs: RefCell::default(),
        }
    }

    /// The same call given what it needed from outside.
    pub fn with_obtained(mut self, obtained: Option<&'a Obtained>) -> Self {
        self.obtained = obtained;
        self
    }

    /// The same call as an admin's "try it", left out of usage.
    pub fn admin_try(mut self) -> Self {
        self.counted = false;
        self
    }

    /// The same call able to ask the client for input across rounds.
    pub fn with_request_states(mut self, states: PurposeMac) -> Self {
        self.request_states = Some(states);
        self
    }

    /// Queues a JSON-RPC notification for the client.
    fn notify(&self, method: &str, params: Value) {
        self.emitted
            .borrow_mut()
            .push(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// The request's `_meta.progressToken`, if the client wants progress.
    fn progress_token(&self) -> Option<&Value> {
        self.params
            .get("_meta")?
            .get("progressToken")
            .filter(|t| t.is_string() || t.is_i64() || t.is_u64())
    }

    /// Parses the params into a method's typed parameters; a mismatch is
    /// Invalid params naming what serde found wrong.
    fn params<T: DeserializeOwned>(&self) -> Result<T, RpcError> {
        portcullis_tenant_config::json::from_value(Value::Object(self.params.clone()))
            .map_err(|e| RpcError::invalid_params(format!("invalid params: {e}")))
    }

    /// The lowest log level the request opted in to (modern era, `_meta`
    /// `io.modelcontextprotocol/logLevel`), as a rank; none means no logs.
    fn log_level(&self) -> Option<usize> {
        let level = self
            .params
            .get("_meta")?
            .get("io.modelcontextprotocol/logLevel")?
            .as_str()?;
        portcullis_tenant_config::notifications::severity(level)
    }

    /// Every list fits on one page, so no cursor this server hands out exists.
    fn refuse_cursor(&self) -> Result<(), RpcError> {
        match self.params.get("cursor") {
            Some(c) if !c.is_null() => Err(RpcError::invalid_params("invalid cursor")),
            _ => Ok(()),
        }
    }
}

/// What running one request gave: its result (or the error to send), the
/// notifications it produced on the way and what it counts for in usage.
#[derive(Debug)]
pub struct Ran {
    pub result: Result<Value, RpcError>,
    pub notifications: Vec<Value>,
    pub usage: Vec<UsageEvent>,
    /// Set when the request cannot be answered before this is obtained
    /// (then the rest is to be thrown away: the request runs again with
    /// it).
    pub needs: Option<Needed>,
}

impl Ran {
    /// A result reached without running a method (say, `server/discover`).
    pub fn of(result: Result<Value, RpcError>) -> Self {
        Self {
            result,
            notifications: Vec::new(),
            usage: Vec::new(),
            needs: None,
        }
    }

    /// The answer to request `id`.
    pub fn into_answer(self, id: Value) -> Answer {
        let message = match self.result {
            Ok(result) => success(id, result),
            Err(error) => failure(id, error),
        };
        Answer {
            notifications: self.notifications,
            message,
            usage: self.usage,
            needs: self.needs,
        }
    }
}

impl Call<'_> {
    /// Runs the call as `method`: the one way every era runs a request.
    pub fn run(self, method: &str) -> Ran {
        let result = dispatch(&self, method);
        Ran {
            result,
            notifications: self.emitted.into_inner(),
            usage: self.usage.into_inner(),
            needs: self.needs.into_inner(),
        }
    }
}

/// Runs one request and returns its `result`, or the error to send.
pub fn dispatch(call: &Call<'_>, method: &str) -> Result<Value, RpcError> {
    match method {
        "initialize" => lifecycle::initialize(call),
        "ping" => Ok(Value::Object(Map::new())),
        "logging/setLevel" => lifecycle::set_log_level(call),
        "tools/list" => tools::list(call),
        "tools/call" => {
            let result = tools::call(call);
            // Only the tenant's own tools: a client cannot invent rows.
            let tool = call.params.get("name").and_then(Value::as_str);
            // A run waiting for its backend is not the call yet.
            let waiting = call.needs.borrow().is_some();
            if let Some(tool) =
                tool.filter(|t| call.counted && !waiting && call.config.serves_tool(t))
            {
                let outcome = result.as_ref().map_err(|_| ());
                let user = call.caller.user_id();
                if let Some(mut event) =
                    crate::usage::tool_call(&call.config.tenant, user, tool, outcome)
                {
                    let fetched = call.obtained.and_then(crate::outside::Obtained::backend);
                    event.backend = fetched.map(|f| f.answer.label());
                    call.usage.borrow_mut().push(event);
                }
            }
            result
        }
        "prompts/list" => prompts::list(call),
        "prompts/get" => prompts::get(call),
        "completion/complete" => prompts::complete(call),
        "resources/list" => resources::list(call),
        "resources/templates/list" => resources::list_templates(call),
        "resources/read" => resources::read(call),
        "resources/subscribe" | "resources/unsubscribe" => resources::subscription(call),
        _ => Err(RpcError::new(
            code::METHOD_NOT_FOUND,
            format!("method not found: {method}"),
        )),
    }
}

#[cfg(test)]
pub(crate) fn call_for_test(
    config: &TenantConfig,
    version: &str,
    method: &str,
    params: Value,
) -> Result<Value, RpcError> {
    let params = match params {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    dispatch(
        &Call::new(config, &Caller::Anonymous, version, params),
        method,
    )
}

/// Content blocks as `version` can carry them: resource links arrived in
/// 2025-06-18 and audio in 2025-03-26, so older clients get text instead.
/// A tool execution error the model can read.
fn tool_error(text: &str) -> Value {
    json!({ "content": [{ "type": "text", "text": text }], "isError": true })
}

fn wire_content(version: &str, blocks: &[ContentBlock]) -> Vec<Value> {
    blocks
        .iter()
        .map(|block| match block {
            ContentBlock::ResourceLink { uri, name, .. } if version < "2025-06-18" => {
                json!({ "type": "text", "text": format!("{name}: {uri}") })
            }
            ContentBlock::Audio { mime_type, .. } if version < "2025-03-26" => {
                json!({ "type": "text", "text": format!("[{mime_type} audio, which this protocol version cannot carry]") })
            }
            _ => serde_json::to_value(block).unwrap_or(Value::Null),
        })
        .collect()
}
