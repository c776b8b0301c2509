//! The request context every service and storage call takes first.
//!
//! It names who is acting, so authorization has one place to look and no
//! code path can forget it: the services turn a tenant's slug into its row
//! only through [`crate::services::Services::tenant_for`], which checks the
//! actor's role for the operation and answers an [`Authorized`] proof;
//! storage functions that touch a tenant's rows take that proof, not a bare
//! id, so a path that skipped the check does not compile. Only the HTTP
//! layer (after authenticating), the command line and tests construct a
//! context.

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

/// Who acts, made only where they are authenticated (the session and
/// token middleware), by the control plane itself ([`Self::system`]), and
/// by tests; nothing downstream can change who it names.
#[derive(Debug, Clone)]
pub struct RequestContext {
    actor: Actor,
    /// Correlates log lines of one request (`x-request-id`).
    request_id: String,
    /// Where the request came from, for the audit log.
    ip: Option<String>,
}

impl RequestContext {
    pub(crate) fn new(actor: Actor, request_id: impl Into<String>, ip: Option<String>) -> Self {
        Self {
            actor,
            request_id: request_id.into(),
            ip,
        }
    }

    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    pub fn ip(&self) -> Option<&str> {
        self.ip.as_deref()
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

/// The permissions a proof can carry, as types.
pub mod grant {
    /// What an [`Authorized`] proof allows, as a type: [`Read`], [`Write`] or
    /// [`Manage`].
    pub trait Grant {
        const PERMISSION: super::Permission;
    }

    /// Grants that include changing the tenant's model ([`Write`], [`Manage`]).
    pub trait MayWrite: Grant {}

    /// Look at the tenant.
    #[derive(Debug)]
    pub struct Read;
    /// Change the tenant's model and publish.
    #[derive(Debug)]
    pub struct Write;
    /// Decide who else may: members and API tokens.
    #[derive(Debug)]
    pub struct Manage;

    impl Grant for Read {
        const PERMISSION: super::Permission = super::Permission::Read;
    }
    impl Grant for Write {
        const PERMISSION: super::Permission = super::Permission::Write;
    }
    impl Grant for Manage {
        const PERMISSION: super::Permission = super::Permission::Manage;
    }
    impl MayWrite for Write {}
    impl MayWrite for Manage {}
}

pub use grant::{Grant, MayWrite};

/// Proof that the caller may do what `P` covers on `T` (a tenant): made
/// only by [`authorize`], which checks the caller's role, and read through
/// like the value itself.
#[derive(Debug)]
pub struct Authorized<T, P: Grant> {
    value: T,
    grant: std::marker::PhantomData<P>,
}

impl<T, P: Grant> std::ops::Deref for Authorized<T, P> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

/// Why [`authorize`] refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The caller has no role there: they may not even know it exists.
    Hidden,
    /// The caller's role is below what is needed.
    Below { needed: Role, have: Role },
}

/// `value` as a proof of `P`, if `role` (the caller's role in it, `None`
/// for none) covers `P`.
pub fn authorize<T, P: Grant>(value: T, role: Option<Role>) -> Result<Authorized<T, P>, Refusal> {
    let needed = P::PERMISSION.least_role();
    match role {
        None => Err(Refusal::Hidden),
        Some(have) if have < needed => Err(Refusal::Below { needed, have }),
        Some(_) => Ok(Authorized {
            value,
            grant: std::marker::PhantomData,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proof_needs_a_role_that_covers_it() {
        assert_eq!(
            authorize::<_, grant::Read>(1, None).unwrap_err(),
            Refusal::Hidden
        );
        assert_eq!(
            *authorize::<_, grant::Read>(1, Some(Role::Viewer)).unwrap(),
            1
        );
        assert_eq!(
            authorize::<_, grant::Write>(1, Some(Role::Viewer)).unwrap_err(),
            Refusal::Below {
                needed: Role::Admin,
                have: Role::Viewer
            }
        );
        assert!(authorize::<_, grant::Write>(1, Some(Role::Admin)).is_ok());
        assert!(authorize::<_, grant::Manage>(1, Some(Role::Admin)).is_err());
        assert!(authorize::<_, grant::Manage>(1, Some(Role::Owner)).is_ok());
    }
}
