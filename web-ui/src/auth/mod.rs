//! How a tenant's users sign in: its identity providers (secrets are
//! write-only; "Test connection" checks a provider before it is saved),
//! the scopes tools may require, who may sign in, and the roles that grant
//! scopes.
//!
//! The API takes the settings whole (`PUT …/auth`); each form here is one
//! [`AuthChange`], applied on the server to what is saved ([`change`]).
//! The page is this module; its forms are in [`providers`] (identity
//! providers and "Test connection") and [`rules`] (scopes, who may sign in,
//! roles, pre-registered clients).

mod change;
mod providers;
mod rules;

pub use change::apply;
use providers::ProviderEditor;
use rules::{ClientForm, RoleForm, RuleForm, ScopeForm};

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};

use crate::api::{
    AuthMode, AuthSettings, ClientConfig, Outcome, Problem, ProviderTestResult, ProviderView, Role,
    Scope, UserMatch, rule_summary,
};
use crate::failure::Loaded;
use crate::form::{Field, FormError, Submit, list, on_success, problem_signal, successes};
use crate::nav::TenantNav;

/// The page's data in one round trip.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthView {
    pub settings: AuthSettings,
    /// What to register as the redirect URI at every provider.
    pub callback_url: String,
    pub may_change: bool,
}

/// A provider as its form holds it: text, as typed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProviderForm {
    pub id: String,
    pub kind: String,
    pub display_name: String,
    pub client_id: String,
    /// Empty keeps the saved secret of an existing provider.
    pub client_secret: String,
    pub issuer: String,
    pub upstream_scopes: String,
}

/// One change an admin makes on this page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AuthChange {
    /// Anyone may call the tenant (drops every setting here).
    MakePublic,
    /// Adds a provider, or replaces the one that had id `original`.
    PutProvider {
        original: Option<String>,
        provider: ProviderForm,
    },
    RemoveProvider(String),
    PutScope(Scope),
    RemoveScope(String),
    AddRule(UserMatch),
    RemoveRule(usize),
    PutRole(Role),
    RemoveRole(String),
    /// A public client registered ahead of time (it needs no dynamic
    /// registration), added or replaced by id.
    PutClient(ClientConfig),
    RemoveClient(String),
}

#[server(prefix = "/ui/fn", endpoint = "load_auth")]
pub async fn load_auth(slug: String) -> Result<AuthView, Problem> {
    let settings: AuthSettings =
        crate::api::call("GET", &crate::api::paths::tenant(&slug).auth(), None).await?;
    let tenant: crate::api::Tenant =
        crate::api::call("GET", &crate::api::paths::tenant(&slug).root(), None).await?;
    let origin = tenant.mcp_url.trim_end_matches("/mcp").to_owned();
    Ok(AuthView {
        settings,
        callback_url: format!("{origin}/oauth/callback"),
        may_change: tenant.may.write,
    })
}

/// Applies `change` to the saved settings and saves them whole, on the
/// version it read (`If-Match`): if another admin saved in between, the
/// change is applied again to what they saved, once; if they keep saving,
/// the admin is asked to reload. No one's change is lost unseen.
#[server(prefix = "/ui/fn", endpoint = "change_auth", input = Json)]
pub async fn change_auth(
    slug: String,
    change: AuthChange,
) -> Result<Outcome<AuthSettings>, Problem> {
    let path = crate::api::paths::tenant(&slug).auth();
    for _ in 0..2 {
        let (saved, version) = crate::api::versioned("GET", &path, None, None).await?;
        let saved: AuthSettings = saved?;
        let input = match apply(saved, change.clone()) {
            Ok(input) => input,
            Err(problem) => return Ok(Err(problem)),
        };
        match crate::api::versioned("PUT", &path, Some(input), version).await? {
            (Err(problem), _) if problem.status == 412 => continue,
            (saved, _) => return Ok(saved),
        }
    }
    Ok(Err(Problem {
        status: 412,
        code: "precondition_failed".into(),
        message: "The sign-in settings were changed by someone else meanwhile; reload the page and try again.".into(),
        field: None,
    }))
}

/// Checks a provider as typed, before it is saved.
#[server(prefix = "/ui/fn", endpoint = "test_provider")]
pub async fn test_provider(
    slug: String,
    kind: String,
    issuer: String,
) -> Result<Outcome<ProviderTestResult>, Problem> {
    let issuer = Some(issuer.trim().to_owned()).filter(|i| !i.is_empty());
    let body = serde_json::json!({ "kind": kind, "issuer": issuer });
    crate::api::attempt(
        "POST",
        &crate::api::paths::tenant(&slug).auth_test(),
        Some(body),
    )
    .await
}

#[component]
pub fn AuthPage() -> impl IntoView {
    let params = use_params_map();
    let slug = Signal::derive(move || params.read().get("slug").unwrap_or_default());
    let providers = ServerAction::<ChangeAuth>::new();
    let scopes = ServerAction::<ChangeAuth>::new();
    let rules = ServerAction::<ChangeAuth>::new();
    let roles = ServerAction::<ChangeAuth>::new();
    let clients = ServerAction::<ChangeAuth>::new();
    let removals = ServerAction::<ChangeAuth>::new();
    let providers_done = successes(providers);
    let scopes_done = successes(scopes);
    let rules_done = successes(rules);
    let roles_done = successes(roles);
    let clients_done = successes(clients);
    let removals_done = successes(removals);
    let view_data = Resource::new(
        move || {
            (
                slug.get(),
                providers_done.get()
                    + scopes_done.get()
                    + rules_done.get()
                    + roles_done.get()
                    + clients_done.get()
                    + removals_done.get(),
            )
        },
        |(slug, _)| load_auth(slug),
    );
    let rights = Resource::new(move || slug.get(), crate::session::my_rights);
    let editing = RwSignal::new(None::<ProviderView>);
    let removal_problem = problem_signal(removals);
    view! {
        <section class="page">
            <TenantNav slug title="Sign-in"/>
            <Transition fallback=|| view! { <p class="loading">"Loading sign-in settings…"</p> }>
                <Loaded what="sign-in settings">
                {move || view_data.get().map(|r| r.map(|v| view! { <Settings view=v slug removals editing/> }))}
                </Loaded>
            </Transition>
            <FormError problem=removal_problem fields=&[]/>
            <Transition fallback=|| ()>
                {move || rights.get().and_then(|r| r.ok()).map(|rights| if rights.write {
                    view! {
                        {move || {
                            let initial = editing.get();
                            view! { <ProviderEditor slug action=providers initial editing/> }
                        }}
                        <ScopeForm slug action=scopes/>
                        <RuleForm slug action=rules/>
                        <RoleForm slug action=roles/>
                        <ClientForm slug action=clients/>
                    }.into_any()
                } else {
                    view! { <p class="muted">"Changing sign-in needs the admin or owner role."</p> }.into_any()
                })}
            </Transition>
        </section>
    }
}

/// What is saved, with remove (and edit) buttons for those who may change it.
#[component]
fn Settings(
    view: AuthView,
    slug: Signal<String>,
    removals: ServerAction<ChangeAuth>,
    editing: RwSignal<Option<ProviderView>>,
) -> impl IntoView {
    let AuthView {
        settings,
        callback_url,
        may_change,
    } = view;
    let remove = move |change: AuthChange| {
        removals.dispatch(ChangeAuth {
            slug: slug.get_untracked(),
            change,
        });
    };
    let oauth = settings.mode == AuthMode::Oauth;
    let scope_list = settings.scopes.clone();
    view! {
        <p class="status" data-mode=settings.mode.as_str()>
            {if oauth {
                "Users sign in with one of the providers below before a client may call this tenant."
            } else {
                "This tenant is public: any client may call it. Add an identity provider to require sign-in."
            }}
        </p>
        <p class="hint">"Register this redirect URI with every provider: " <code>{callback_url}</code></p>
        {(oauth && may_change).then(|| view! {
            <button type="button" class="secondary" on:click=move |_| remove(AuthChange::MakePublic)>
                "Make public (removes every setting on this page)"
            </button>
        })}

        <h2>"Identity providers"</h2>
        {if settings.providers.is_empty() {
            view! { <p class="empty">"No identity providers yet."</p> }.into_any()
        } else {
            view! {
                <ul class="cards">
                    {settings.providers.into_iter().map(|p| {
                        let id = p.id.clone();
                        let edit = p.clone();
                        let secret = if p.client_secret_set { "secret saved" } else { "no secret" };
                        view! {
                            <li data-provider=p.id.clone()>
                                <strong>{p.display_name.clone()}</strong>" "
                                <span class="badge">{p.kind.as_str()}</span>
                                <p><code>{p.id.clone()}</code>" · "{p.issuer.clone()}" · client "<code>{p.client_id.clone()}</code>" · "{secret}</p>
                                {may_change.then(|| view! {
                                    <button type="button" class="secondary" on:click=move |_| editing.set(Some(edit.clone()))>
                                        {format!("Edit {}", p.display_name)}
                                    </button>
                                    <button type="button" class="secondary danger" on:click=move |_| remove(AuthChange::RemoveProvider(id.clone()))>
                                        {format!("Remove {}", p.display_name)}
                                    </button>
                                })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any()
        }}

        <h2>"Scopes"</h2>
        {if scope_list.is_empty() {
            view! { <p class="empty">"No scopes yet: every signed-in user may call every tool."</p> }.into_any()
        } else {
            view! {
                <ul class="cards">
                    {scope_list.into_iter().map(|s| {
                        let name = s.name.clone();
                        view! {
                            <li data-scope=s.name.clone()>
                                <code>{s.name.clone()}</code>" — "{s.description}
                                {may_change.then(|| view! {
                                    <button type="button" class="secondary danger" on:click=move |_| remove(AuthChange::RemoveScope(name.clone()))>
                                        {format!("Remove {}", s.name)}
                                    </button>
                                })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any()
        }}

        <h2>"Who may sign in"</h2>
        {if settings.allow.is_empty() {
            view! { <p class="empty">"Everyone the providers vouch for."</p> }.into_any()
        } else {
            view! {
                <ul class="cards">
                    {settings.allow.into_iter().enumerate().map(|(index, rule)| view! {
                        <li data-rule=index.to_string()>
                            {rule_summary(&rule)}
                            {may_change.then(|| view! {
                                <button type="button" class="secondary danger" on:click=move |_| remove(AuthChange::RemoveRule(index))>
                                    "Remove rule"
                                </button>
                            })}
                        </li>
                    }).collect_view()}
                </ul>
            }.into_any()
        }}

        <h2>"Pre-registered clients"</h2>
        {if settings.clients.is_empty() {
            view! { <p class="empty">"None: clients register themselves when a user first connects."</p> }.into_any()
        } else {
            view! {
                <ul class="cards">
                    {settings.clients.into_iter().map(|c| {
                        let id = c.client_id.clone();
                        view! {
                            <li data-preregistered=c.client_id.clone()>
                                <strong>{c.client_name.clone()}</strong>" "<code>{c.client_id.clone()}</code>
                                <p>{c.redirect_uris.join(", ")}</p>
                                {may_change.then(|| view! {
                                    <button type="button" class="secondary danger" on:click=move |_| remove(AuthChange::RemoveClient(id.clone()))>
                                        {format!("Remove {}", c.client_name)}
                                    </button>
                                })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any()
        }}

        <h2>"Roles"</h2>
        {if settings.roles.is_empty() {
            view! { <p class="empty">"No roles: users may grant no scopes."</p> }.into_any()
        } else {
            view! {
                <ul class="cards">
                    {settings.roles.into_iter().map(|r| {
                        let name = r.name.clone();
                        view! {
                            <li data-role=r.name.clone()>
                                <strong>{r.name.clone()}</strong>": "{r.scopes.join(", ")}" — "{rule_summary(&r.when)}
                                {may_change.then(|| view! {
                                    <button type="button" class="secondary danger" on:click=move |_| remove(AuthChange::RemoveRole(name.clone()))>
                                        {format!("Remove {}", r.name)}
                                    </button>
                                })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
    }
}
