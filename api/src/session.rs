//! Who is signed in (`/v1/session`).

use serde::{Deserialize, Serialize};

use crate::access::{May, Role};

/// The signed-in caller, as the UI and API clients see themselves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Me {
    pub email: Option<String>,
    pub operator: bool,
    /// The tenants the caller belongs to, with their role in each.
    pub memberships: Vec<Membership>,
}

impl Me {
    /// What the caller may do in `tenant`: operators act as owners.
    pub fn may(&self, tenant: &str) -> May {
        let role = if self.operator {
            Some(Role::Owner)
        } else {
            self.memberships
                .iter()
                .find(|m| m.tenant == tenant)
                .map(|m| m.role)
        };
        May::of(role)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Membership {
    pub tenant: String,
    pub role: Role,
}

/// The caller and the session's CSRF token for state-changing requests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    #[serde(flatten)]
    pub me: Me,
    /// Send in `X-CSRF-Token` with every change made with the session
    /// cookie; `None` for API tokens, which need none.
    pub csrf_token: Option<String>,
}
