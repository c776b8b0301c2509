//! The OAuth clients that may ask the tenant's users for access, and the
//! grants users gave them; revoking either stops its tokens at once.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};

use crate::api::{Outcome, Problem};
use crate::failure::Loaded;
use crate::form::{FormError, problem_signal};
use crate::nav::TenantNav;
use portcullis_api::clients::{ClientRevoked, OAuthClient, UserGrant};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientsView {
    pub clients: Vec<OAuthClient>,
    pub grants: Vec<UserGrant>,
    /// Whether the tenant has more grants than one page shows.
    pub more_grants: bool,
    pub may_change: bool,
}

/// The most grants the page shows (the API's largest page).
const GRANTS_SHOWN: usize = 1000;

#[server(prefix = "/ui/fn", endpoint = "load_clients")]
pub async fn load_clients(slug: String) -> Result<ClientsView, Problem> {
    let at = crate::api::paths::tenant(&slug);
    let clients: crate::api::Page<OAuthClient> =
        crate::api::call("GET", &format!("{}?limit=1000", at.clients()), None).await?;
    let grants: crate::api::Page<UserGrant> = crate::api::call(
        "GET",
        &format!("{}?limit={GRANTS_SHOWN}", at.grants()),
        None,
    )
    .await?;
    Ok(ClientsView {
        clients: clients.items,
        more_grants: grants.next_cursor.is_some(),
        grants: grants.items,
        may_change: crate::api::may(&slug).await?.write,
    })
}

#[server(prefix = "/ui/fn", endpoint = "revoke_client")]
pub async fn revoke_client(
    slug: String,
    client_id: String,
) -> Result<Outcome<ClientRevoked>, Problem> {
    let path = crate::api::paths::tenant(&slug).client(&client_id);
    crate::api::attempt("DELETE", &path, None).await
}

#[server(prefix = "/ui/fn", endpoint = "revoke_grant")]
pub async fn revoke_grant(slug: String, id: String) -> Result<Outcome<()>, Problem> {
    let path = crate::api::paths::tenant(&slug).grant(&id);
    let done: Outcome<serde_json::Value> = crate::api::attempt("DELETE", &path, None).await?;
    Ok(done.map(|_| ()))
}

#[component]
pub fn ClientsPage() -> impl IntoView {
    let params = use_params_map();
    let slug = Signal::derive(move || params.read().get("slug").unwrap_or_default());
    let revoke = ServerAction::<RevokeClient>::new();
    let revoke_one = ServerAction::<RevokeGrant>::new();
    let data = Resource::new(
        move || {
            (
                slug.get(),
                revoke.version().get(),
                revoke_one.version().get(),
            )
        },
        |(slug, _, _)| load_clients(slug),
    );
    let revoked = move || match revoke.value().get() {
        Some(Ok(Ok(r))) => Some(format!(
            "Revoked: {} grant(s) ended{}.",
            r.revoked_grants,
            if r.registration_removed {
                "; the client must register again"
            } else {
                ""
            }
        )),
        _ => None,
    };
    view! {
        <section class="page">
            <TenantNav slug title="Clients"/>
            <p class="saved" role="status">{revoked}</p>
            <FormError problem=problem_signal(revoke) fields=&[]/>
            <FormError problem=problem_signal(revoke_one) fields=&[]/>
            <Transition fallback=|| view! { <p class="loading">"Asking the edge for clients…"</p> }>
                <Loaded what="clients">
                {move || data.get().map(|r| r.map(|v| view! { <Lists view=v slug revoke revoke_one/> }))}
                </Loaded>
            </Transition>
        </section>
    }
}

fn registration_label(kind: &str) -> &'static str {
    match kind {
        "preregistered" => "pre-registered",
        "dynamic" => "registered itself",
        _ => "metadata document",
    }
}

#[component]
fn Lists(
    view: ClientsView,
    slug: Signal<String>,
    revoke: ServerAction<RevokeClient>,
    revoke_one: ServerAction<RevokeGrant>,
) -> impl IntoView {
    let ClientsView {
        clients,
        grants,
        more_grants,
        may_change,
    } = view;
    let (no_clients, no_grants) = (clients.is_empty(), grants.is_empty());
    // The one row whose revocation awaits confirmation.
    let confirming = RwSignal::new(None::<String>);
    let names: Vec<(String, String)> = clients
        .iter()
        .map(|c| (c.client_id.clone(), c.client_name.clone()))
        .collect();
    let name_of = move |id: &str| {
        names
            .iter()
            .find(|(i, _)| i == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| id.to_owned())
    };
    let client_rows = clients
        .into_iter()
        .map(|c| {
            let key = format!("client:{}", c.client_id);
            let id = c.client_id.clone();
            let name = c.client_name.clone();
            let asking = {
                let key = key.clone();
                move || confirming.get().as_deref() == Some(key.as_str())
            };
            view! {
                <tr data-client=c.client_id.clone()>
                    <td><strong>{c.client_name.clone()}</strong><br/><code class="small">{c.client_id.clone()}</code></td>
                    <td>{registration_label(&c.registration)}</td>
                    <td>{c.redirect_uris.join(", ")}</td>
                    <td>{c.active_grants}</td>
                    <td>
                        {may_change.then(|| view! {
                            <Show when=asking.clone() fallback=move || {
                                let key = key.clone();
                                view! {
                                    <button type="button" class="secondary danger"
                                        on:click=move |_| confirming.set(Some(key.clone()))>
                                        {format!("Revoke {name}")}
                                    </button>
                                }
                            }>
                                {
                                    let id = id.clone();
                                    view! {
                                        <span class="confirm" role="group" aria-label="Confirm revocation">
                                            "Its users' tokens stop working now. "
                                            <button type="button" class="danger" disabled=move || revoke.pending().get()
                                                on:click=move |_| {
                                                    revoke.dispatch(RevokeClient { slug: slug.get_untracked(), client_id: id.clone() });
                                                    confirming.set(None);
                                                }>"Yes, revoke"</button>
                                            <button type="button" class="link" on:click=move |_| confirming.set(None)>"Cancel"</button>
                                        </span>
                                    }
                                }
                            </Show>
                        })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    let grant_rows = grants
        .into_iter()
        .map(|g| {
            let id = g.id.clone();
            let who = g.email.clone().or(g.name.clone()).unwrap_or_else(|| g.user_id.clone());
            let label = format!("Revoke {who}'s access");
            view! {
                <tr data-grant=g.id.clone()>
                    <td>{who.clone()}<br/><code class="small">{g.user_id.clone()}</code></td>
                    <td>{name_of(&g.client_id)}</td>
                    <td>{g.scopes.join(", ")}</td>
                    <td>
                        {may_change.then(|| view! {
                            <button type="button" class="secondary danger" disabled=move || revoke_one.pending().get()
                                on:click=move |_| { revoke_one.dispatch(RevokeGrant { slug: slug.get_untracked(), id: id.clone() }); }>
                                {label.clone()}
                            </button>
                        })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    let client_table = if no_clients {
        view! {
            <p class="empty">"No clients yet. MCP clients register themselves when a user first connects, or pre-register them on the Sign-in tab."</p>
        }
        .into_any()
    } else {
        view! {
            <table class="clients">
                <thead><tr>
                    <th scope="col">"Client"</th><th scope="col">"Registration"</th>
                    <th scope="col">"Redirect URIs"</th><th scope="col">"Users"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr></thead>
                <tbody>{client_rows}</tbody>
            </table>
        }
        .into_any()
    };
    let grant_table = if no_grants {
        view! { <p class="empty">"No user has authorized a client."</p> }.into_any()
    } else {
        view! {
            <table class="grants">
                <thead><tr>
                    <th scope="col">"User"</th><th scope="col">"Client"</th><th scope="col">"Scopes"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr></thead>
                <tbody>{grant_rows}</tbody>
            </table>
        }
        .into_any()
    };
    view! {
        <h2>"Clients"</h2>
        {client_table}
        <h2>"User grants"</h2>
        {grant_table}
        {more_grants.then(|| view! {
            <p class="hint">
                {format!("The first {GRANTS_SHOWN} grants are shown; page through the rest with the API's ")}
                <code>"GET /api/v1/tenants/{tenant}/grants?cursor="</code>"."
            </p>
        })}
    }
}
