//! A tool's call to the tenant's backend, as values: what the MCP core asks
//! the shell to send ([`BackendCall`]) and what came back ([`Fetched`]).
//! The core never sends anything itself: it answers "call the backend"
//! (`Effect::CallBackend`), the shell sends the request and runs the MCP
//! request again with the answer, and the core turns it into the result.

pub use portcullis_tenant_config::http_tool::Planned;

/// One request to a backend, with its limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendCall {
    pub planned: Planned,
    pub timeout_ms: u32,
    pub max_response_bytes: u32,
}

/// What a backend did with a [`BackendCall`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendAnswer {
    Answered {
        status: u16,
        /// Lower-case media type without parameters.
        content_type: Option<String>,
        body: Vec<u8>,
    },
    /// The answer was longer than the call's limit.
    TooLarge,
    /// No answer within the call's timeout.
    TimedOut,
    /// The connection failed (refused, reset, no such host, TLS).
    Unreachable,
}

/// A call and its answer, for the second run of the request that made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    pub call: BackendCall,
    pub answer: BackendAnswer,
}
