//! The request context every service and storage call takes first.
//!
//! It names who is acting, so authorization has one place to look and no
//! code path can forget it. Only the HTTP layer (and tests, and start-up
//! jobs) construct one.
//!
//! TODO-security: admin sign-in and tenant RBAC arrive with the control-plane
//! issue; until then every API caller is the local operator, and the API
//! listens on loopback by default.

/// Who performs an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// Whoever can reach the API on this machine (pre-authentication).
    LocalOperator,
}

#[derive(Debug, Clone)]
pub struct RequestContext {
    pub actor: Actor,
    /// Correlates log lines of one request (`x-request-id`).
    pub request_id: String,
}

impl RequestContext {
    pub fn local_operator(request_id: impl Into<String>) -> Self {
        Self {
            actor: Actor::LocalOperator,
            request_id: request_id.into(),
        }
    }
}
