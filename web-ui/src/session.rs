//! Who is signed in, shown in the top bar with a way out; and what they
//! may do in a tenant, so pages leave out controls a role cannot use (the
//! API refuses them anyway).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api::Outcome;
use crate::nav::{TenantChoice, TenantSwitcher};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Membership {
    pub tenant: String,
    pub role: String,
}

/// The signed-in admin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Me {
    pub email: Option<String>,
    pub operator: bool,
    pub memberships: Vec<Membership>,
    /// The tenants they may open, for the switcher (filled by [`whoami`]).
    #[serde(default)]
    pub tenants: Vec<TenantChoice>,
}

impl Me {
    /// Whether the admin may change `tenant` (admin, owner or operator).
    pub fn may_change(&self, tenant: &str) -> bool {
        self.operator
            || self
                .memberships
                .iter()
                .any(|m| m.tenant == tenant && (m.role == "admin" || m.role == "owner"))
    }
}

impl Me {
    /// Whether the admin may manage members and API tokens (owner or
    /// operator).
    pub fn may_manage(&self, tenant: &str) -> bool {
        self.operator
            || self
                .memberships
                .iter()
                .any(|m| m.tenant == tenant && m.role == "owner")
    }
}

/// What the signed-in admin may do in one tenant, so a page can leave out
/// controls their role cannot use.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rights {
    /// Change and publish (admin, owner, operator).
    pub change: bool,
    /// Members and API tokens (owner, operator).
    pub manage: bool,
}

#[server(prefix = "/ui/fn", endpoint = "my_rights")]
pub async fn my_rights(slug: String) -> Result<Rights, ServerFnError> {
    let me: Me = crate::api::call("GET", "/v1/session", None).await?;
    Ok(Rights {
        change: me.may_change(&slug),
        manage: me.may_manage(&slug),
    })
}

/// The signed-in admin, or `None` when signed out.
#[server(prefix = "/ui/fn", endpoint = "whoami")]
pub async fn whoami() -> Result<Option<Me>, ServerFnError> {
    match crate::api::attempt::<Me>("GET", "/v1/session", None).await? {
        Ok(mut me) => {
            let tenants: crate::api::Page<crate::api::Tenant> =
                crate::api::call("GET", "/v1/tenants?limit=1000", None).await?;
            me.tenants = tenants
                .items
                .into_iter()
                .map(|t| TenantChoice {
                    slug: t.slug,
                    name: t.display_name,
                })
                .collect();
            Ok(Some(me))
        }
        Err(problem) if problem.signed_out() => Ok(None),
        Err(problem) => Err(problem.into_error()),
    }
}

#[server(prefix = "/ui/fn", endpoint = "sign_out")]
pub async fn sign_out() -> Result<Outcome<()>, ServerFnError> {
    let ended: Outcome<serde_json::Value> =
        crate::api::attempt("DELETE", "/v1/session", None).await?;
    if ended.is_ok() {
        leptos_axum::redirect("/signin");
    }
    Ok(ended.map(|_| ()))
}

/// The top bar's right side: who is signed in, and signing out.
#[component]
pub fn SessionBar() -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();
    let me = Resource::new(move || sign_out.version().get(), |_| whoami());
    view! {
        <Transition fallback=|| ()>
            {move || me.get().and_then(|r| r.ok()).flatten().map(|me| view! {
                <div class="session">
                    <TenantSwitcher tenants=me.tenants.clone()/>
                    <span class="who">{me.email.clone().unwrap_or_default()}</span>
                    {me.operator.then(|| view! { <span class="role">"operator"</span> })}
                    <ActionForm action=sign_out>
                        <button class="link" type="submit">"Sign out"</button>
                    </ActionForm>
                </div>
            })}
        </Transition>
    }
}
