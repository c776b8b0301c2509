//! The request context every service and storage call takes first.
//!
//! It names who is acting, so authorization has one place to look and no
//! code path can forget it: the services turn a tenant's slug into its row
//! only through [`crate::services::Services::tenant_for`], which checks the
//! actor's role for the operation. Only the HTTP layer (after
//! authenticating), the command line and tests construct one.

pub use portcullis_api::{Permission, Role};

/// Who performs an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in admin; an operator may do anything on every tenant.
    Admin {
        id: i64,
        email: String,
        operator: bool,
    },
    /// An API token: one tenant, one role.
    ApiToken { id: i64, tenant_id: i64, role: Role },
    /// The control plane itself, on behalf of its operator's command line.
    System,
}

#[derive(Debug, Clone)]
pub struct RequestContext {
    pub actor: Actor,
    /// Correlates log lines of one request (`x-request-id`).
    pub request_id: String,
    /// Where the request came from, for the audit log.
    pub ip: Option<String>,
}

impl RequestContext {
    pub fn new(actor: Actor, request_id: impl Into<String>, ip: Option<String>) -> Self {
        Self {
            actor,
            request_id: request_id.into(),
            ip,
        }
    }

    /// The command line's context (bootstrap, maintenance).
    pub fn system() -> Self {
        Self::new(Actor::System, "cli", None)
    }

    /// Whether the actor may act on every tenant.
    pub fn is_operator(&self) -> bool {
        matches!(
            self.actor,
            Actor::System | Actor::Admin { operator: true, .. }
        )
    }

    /// How the actor appears in the audit log.
    pub fn actor_label(&self) -> String {
        match &self.actor {
            Actor::Admin { email, .. } => email.clone(),
            Actor::ApiToken { id, .. } => format!("api-token:{id}"),
            Actor::System => "system".into(),
        }
    }
}
