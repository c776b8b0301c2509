//! Roles within a tenant and the permissions operations need.

use serde::{Deserialize, Serialize};

/// A role within one tenant, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Admin, Role::Owner];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Admin => "admin",
            Self::Owner => "owner",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|role| role.as_str() == text)
    }

    /// Whether the role may do what `permission` covers.
    pub fn allows(self, permission: Permission) -> bool {
        self >= permission.least_role()
    }
}

/// What an operation on a tenant needs of its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

/// What the caller may do in a tenant, as the tenant's answer says it: the
/// UI leaves out what its caller may not do (the API refuses it anyway).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct May {
    /// Change the tenant's model and publish.
    pub write: bool,
    /// Members and API tokens.
    pub manage: bool,
}

impl May {
    /// What `role` may do (nothing without one).
    pub fn of(role: Option<Role>) -> Self {
        let allows = |permission| role.is_some_and(|role| role.allows(permission));
        Self {
            write: allows(Permission::Write),
            manage: allows(Permission::Manage),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_may_what_its_permissions_cover() {
        assert_eq!(May::of(None), May::default());
        assert_eq!(
            May::of(Some(Role::Viewer)),
            May {
                write: false,
                manage: false
            }
        );
        assert_eq!(
            May::of(Some(Role::Admin)),
            May {
                write: true,
                manage: false
            }
        );
        assert_eq!(
            May::of(Some(Role::Owner)),
            May {
                write: true,
                manage: true
            }
        );
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("Owner"), None);
    }
}
