//! Who is signed in, shown in the top bar with a way out; and what they
//! may do in a tenant, so pages leave out controls a role cannot use (the
//! API refuses them anyway).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api::Outcome;

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

/// The signed-in admin, or `None` when signed out.
#[server(prefix = "/ui/fn", endpoint = "whoami")]
pub async fn whoami() -> Result<Option<Me>, ServerFnError> {
    match crate::api::attempt::<Me>("GET", "/v1/session", None).await? {
        Ok(me) => Ok(Some(me)),
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
