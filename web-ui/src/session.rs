//! Who is signed in, shown in the top bar with a way out; and what they
//! may do in a tenant, so pages leave out controls a role cannot use (the
//! API refuses them anyway).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api::{May, Outcome, Problem};
use crate::nav::{TenantChoice, TenantSwitcher};
use portcullis_api::session::Me;

/// The signed-in admin, with the tenants they may open (for the
/// switcher).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignedIn {
    pub me: Me,
    pub tenants: Vec<TenantChoice>,
}

/// What the signed-in admin may do in the tenant `slug`.
#[server(prefix = "/ui/fn", endpoint = "my_rights")]
pub async fn my_rights(slug: String) -> Result<May, Problem> {
    crate::api::may(&slug).await
}

/// The signed-in admin, or `None` when signed out.
#[server(prefix = "/ui/fn", endpoint = "whoami")]
pub async fn whoami() -> Result<Option<SignedIn>, Problem> {
    match crate::api::attempt::<Me>("GET", crate::api::paths::SESSION, None).await? {
        Ok(me) => {
            let tenants: crate::api::Page<crate::api::Tenant> = crate::api::call(
                "GET",
                &format!("{}?limit=1000", crate::api::paths::TENANTS),
                None,
            )
            .await?;
            let tenants = tenants
                .items
                .into_iter()
                .map(|t| TenantChoice {
                    slug: t.slug,
                    name: t.display_name,
                })
                .collect();
            Ok(Some(SignedIn { me, tenants }))
        }
        Err(problem) if problem.signed_out() => Ok(None),
        Err(problem) => Err(problem),
    }
}

#[server(prefix = "/ui/fn", endpoint = "sign_out")]
pub async fn sign_out() -> Result<Outcome<()>, Problem> {
    let ended: Outcome<serde_json::Value> =
        crate::api::attempt("DELETE", crate::api::paths::SESSION, None).await?;
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
            {move || me.get().and_then(|r| r.ok()).flatten().map(|SignedIn { me, tenants }| view! {
                <div class="session">
                    <TenantSwitcher tenants/>
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
