//! The request context every service and storage call takes first.
//!
//! It names who is acting, so authorization has one place to look and no
//! code path can forget it: the services turn a tenant's slug into its row
//! only through [`crate::services::Services::tenant_for`], which checks the
//! actor's role for the operation. Only the HTTP layer (after
//! authenticating), the command line and tests construct one.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A role within one tenant, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Sees everything of the tenant, changes nothing.
    Viewer,
    /// Changes the tenant's model and publishes.
    Admin,
    /// Also decides who else may: members and API tokens.
    Owner,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Admin => "admin",
            Self::Owner => "owner",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "viewer" => Some(Self::Viewer),
            "admin" => Some(Self::Admin),
            "owner" => Some(Self::Owner),
            _ => None,
        }
    }
}

/// What an operation on a tenant needs of its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Permission {
    /// Look: any member.
    Read,
    /// Change the tenant's model, publish: admins and owners.
    Write,
    /// Members and API tokens: owners.
    Manage,
}

impl Permission {
    /// The weakest role allowed to do it.
    pub fn least_role(self) -> Role {
        match self {
            Self::Read => Role::Viewer,
            Self::Write => Role::Admin,
            Self::Manage => Role::Owner,
        }
    }
}

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
