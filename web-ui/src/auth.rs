//! How a tenant's users sign in: its identity providers (secrets are
//! write-only; "Test connection" checks a provider before it is saved),
//! the scopes tools may require, who may sign in, and the roles that grant
//! scopes.
//!
//! The API takes the settings whole (`PUT …/auth`); each form here is one
//! [`AuthChange`], applied on the server to what is saved.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};

use crate::api::{
    AuthSettings, ClientConfig, Outcome, Problem, Provider, ProviderCheck, Role, Scope, UserMatch,
    rule_summary,
};
use crate::form::{Field, FormError, Submit, list, on_success, problem_signal};
use crate::nav::TenantNav;
use crate::tenants::Failure;

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
pub async fn load_auth(slug: String) -> Result<AuthView, ServerFnError> {
    let settings: AuthSettings =
        crate::api::call("GET", &format!("/v1/tenants/{slug}/auth"), None).await?;
    let tenant: crate::api::Tenant =
        crate::api::call("GET", &format!("/v1/tenants/{slug}"), None).await?;
    let me: crate::session::Me = crate::api::call("GET", "/v1/session", None).await?;
    let origin = tenant.mcp_url.trim_end_matches("/mcp").to_owned();
    Ok(AuthView {
        settings,
        callback_url: format!("{origin}/oauth/callback"),
        may_change: me.may_change(&slug),
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
) -> Result<Outcome<AuthSettings>, ServerFnError> {
    let path = format!("/v1/tenants/{slug}/auth");
    for _ in 0..2 {
        let (saved, version) = crate::api::versioned("GET", &path, None, None).await?;
        let saved: AuthSettings = saved.map_err(Problem::into_error)?;
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
) -> Result<Outcome<ProviderCheck>, ServerFnError> {
    let issuer = Some(issuer.trim().to_owned()).filter(|i| !i.is_empty());
    let body = serde_json::json!({ "kind": kind, "issuer": issuer });
    crate::api::attempt("POST", &format!("/v1/tenants/{slug}/auth/test"), Some(body)).await
}

fn invalid(field: &str, message: &str) -> Problem {
    Problem {
        status: 422,
        code: "invalid_input".into(),
        message: message.into(),
        field: Some(field.into()),
    }
}

/// The settings `change` leads to, as the API's input document; or what
/// is wrong with the form before the API need be asked.
pub fn apply(saved: AuthSettings, change: AuthChange) -> Result<serde_json::Value, Problem> {
    let AuthSettings {
        mode,
        providers,
        mut scopes,
        mut allow,
        mut roles,
        mut clients,
    } = saved;
    let mut oauth = mode == "oauth";
    // Saved secrets stay saved: the API keeps a provider's secret when
    // none is sent for its id.
    let mut inputs: Vec<serde_json::Value> = providers
        .into_iter()
        .map(|p| {
            serde_json::json!({
                "id": p.id, "kind": p.kind, "displayName": p.display_name,
                "clientId": p.client_id, "issuer": p.issuer,
                "apiBase": p.api_base, "upstreamScopes": p.upstream_scopes,
            })
        })
        .collect();
    let needs_provider = || {
        invalid(
            "auth",
            "Add an identity provider first: these settings apply to signed-in users.",
        )
    };
    match change {
        AuthChange::MakePublic => oauth = false,
        AuthChange::PutProvider { original, provider } => {
            let p = provider;
            let is_new = original.is_none();
            if p.id.trim().is_empty() {
                return Err(invalid("id", "Give the provider an id, e.g. acme-sso."));
            }
            if p.display_name.trim().is_empty() {
                return Err(invalid(
                    "displayName",
                    "Give the provider a name users will recognise.",
                ));
            }
            if p.client_id.trim().is_empty() {
                return Err(invalid(
                    "clientId",
                    "Paste the client ID the provider gave you.",
                ));
            }
            if p.client_secret.is_empty() && (is_new || original.as_deref() != Some(p.id.as_str()))
            {
                return Err(invalid(
                    "clientSecret",
                    "Paste the client secret the provider gave you.",
                ));
            }
            if p.kind == "oidc" && p.issuer.trim().is_empty() {
                return Err(invalid(
                    "issuer",
                    "An OpenID Connect provider needs its issuer URL.",
                ));
            }
            let mut input = serde_json::json!({
                "id": p.id.trim(), "kind": p.kind, "displayName": p.display_name.trim(),
                "clientId": p.client_id.trim(), "upstreamScopes": list(&p.upstream_scopes),
            });
            if !p.client_secret.is_empty() {
                input["clientSecret"] = p.client_secret.into();
            }
            if !p.issuer.trim().is_empty() {
                input["issuer"] = p.issuer.trim().into();
            }
            match original.and_then(|o| inputs.iter().position(|i| i["id"] == o.as_str())) {
                Some(at) => inputs[at] = input,
                None => inputs.push(input),
            }
            oauth = true;
        }
        AuthChange::RemoveProvider(id) => inputs.retain(|i| i["id"] != id.as_str()),
        _ if !oauth => return Err(needs_provider()),
        AuthChange::PutScope(scope) => {
            if scope.name.trim().is_empty() {
                return Err(invalid("scopeName", "Name the scope, e.g. weather:read."));
            }
            if scope.description.trim().is_empty() {
                return Err(invalid(
                    "scopeDescription",
                    "Describe the scope: users read it when they consent.",
                ));
            }
            match scopes.iter_mut().find(|s| s.name == scope.name) {
                Some(existing) => *existing = scope,
                None => scopes.push(scope),
            }
        }
        AuthChange::RemoveScope(name) => scopes.retain(|s| s.name != name),
        AuthChange::AddRule(rule) => {
            if rule == UserMatch::default() {
                return Err(invalid("rule", "Fill in at least one condition."));
            }
            allow.push(rule);
        }
        AuthChange::RemoveRule(index) => {
            if index < allow.len() {
                allow.remove(index);
            }
        }
        AuthChange::PutRole(role) => {
            if role.name.trim().is_empty() {
                return Err(invalid("roleName", "Name the role, e.g. staff."));
            }
            match roles.iter_mut().find(|r| r.name == role.name) {
                Some(existing) => *existing = role,
                None => roles.push(role),
            }
        }
        AuthChange::RemoveRole(name) => roles.retain(|r| r.name != name),
        AuthChange::PutClient(client) => {
            if client.client_id.trim().is_empty() {
                return Err(invalid(
                    "clientId",
                    "Give the client an id, e.g. acme-desktop.",
                ));
            }
            if client.redirect_uris.is_empty() {
                return Err(invalid("redirectUris", "List at least one redirect URI."));
            }
            match clients.iter_mut().find(|c| c.client_id == client.client_id) {
                Some(existing) => *existing = client,
                None => clients.push(client),
            }
        }
        AuthChange::RemoveClient(id) => clients.retain(|c| c.client_id != id),
    }
    if !oauth {
        return Ok(serde_json::json!({ "mode": "public" }));
    }
    Ok(serde_json::json!({
        "mode": "oauth", "providers": inputs, "scopes": scopes,
        "allow": allow, "roles": roles, "clients": clients,
    }))
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
    let view_data = Resource::new(
        move || {
            (
                slug.get(),
                providers.version().get()
                    + scopes.version().get()
                    + rules.version().get()
                    + roles.version().get()
                    + clients.version().get()
                    + removals.version().get(),
            )
        },
        |(slug, _)| load_auth(slug),
    );
    let rights = Resource::new(move || slug.get(), crate::session::my_rights);
    let editing = RwSignal::new(None::<Provider>);
    let removal_problem = problem_signal(removals);
    view! {
        <section class="page">
            <TenantNav slug title="Sign-in"/>
            <Transition fallback=|| view! { <p class="loading">"Loading sign-in settings…"</p> }>
                {move || view_data.get().map(|r| match r {
                    Ok(v) => view! { <Settings view=v slug removals editing/> }.into_any(),
                    Err(e) => view! { <Failure problem=Problem::of(&e) what="sign-in settings"/> }.into_any(),
                })}
            </Transition>
            <FormError problem=removal_problem fields=&[]/>
            <Transition fallback=|| ()>
                {move || rights.get().and_then(|r| r.ok()).map(|rights| if rights.change {
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
    editing: RwSignal<Option<Provider>>,
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
    let oauth = settings.mode == "oauth";
    let scope_list = settings.scopes.clone();
    view! {
        <p class="status" data-mode=settings.mode.clone()>
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
                                <span class="badge">{p.kind.clone()}</span>
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

const PROVIDER_FIELDS: &[&str] = &["id", "displayName", "clientId", "clientSecret", "issuer"];

/// Adds a provider or edits `initial`; tests it as typed.
#[component]
fn ProviderEditor(
    slug: Signal<String>,
    action: ServerAction<ChangeAuth>,
    initial: Option<Provider>,
    editing: RwSignal<Option<Provider>>,
) -> impl IntoView {
    let original = initial.as_ref().map(|p| p.id.clone());
    let p = initial.clone().unwrap_or_default();
    let kind = RwSignal::new(if p.kind.is_empty() {
        "oidc".to_owned()
    } else {
        p.kind.clone()
    });
    let id = RwSignal::new(p.id.clone());
    let display_name = RwSignal::new(p.display_name.clone());
    let client_id = RwSignal::new(p.client_id.clone());
    let client_secret = RwSignal::new(String::new());
    let issuer = RwSignal::new(if initial.is_some() {
        p.issuer.clone()
    } else {
        String::new()
    });
    let upstream_scopes = RwSignal::new(p.upstream_scopes.join(", "));
    let problem = problem_signal(action);
    let test = ServerAction::<TestProvider>::new();
    on_success(action, move || {
        if editing.get_untracked().is_some() {
            editing.set(None);
        } else {
            for field in [
                id,
                display_name,
                client_id,
                client_secret,
                issuer,
                upstream_scopes,
            ] {
                field.set(String::new());
            }
        }
    });
    let saved = move || matches!(action.value().get(), Some(Ok(Ok(_))));
    let heading = match &initial {
        Some(p) => format!("Edit {}", p.display_name),
        None => "Add an identity provider".to_owned(),
    };
    let secret_hint = if p.client_secret_set {
        "Saved and never shown again. Leave empty to keep it."
    } else {
        "Stored encrypted; never shown again."
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(ChangeAuth {
            slug: slug.get_untracked(),
            change: AuthChange::PutProvider {
                original: original.clone(),
                provider: ProviderForm {
                    id: id.get_untracked(),
                    kind: kind.get_untracked(),
                    display_name: display_name.get_untracked(),
                    client_id: client_id.get_untracked(),
                    client_secret: client_secret.get_untracked(),
                    issuer: issuer.get_untracked(),
                    upstream_scopes: upstream_scopes.get_untracked(),
                },
            },
        });
    };
    let run_test = move |_| {
        test.dispatch(TestProvider {
            slug: slug.get_untracked(),
            kind: kind.get_untracked(),
            issuer: issuer.get_untracked(),
        });
    };
    let issuer_label = move || match kind.get().as_str() {
        "github" => "GitHub site (only for GitHub Enterprise)",
        "google" => "Issuer (Google's by default)",
        _ => "Issuer URL",
    };
    view! {
        <h2>{heading}</h2>
        <form class="form" novalidate=true on:submit=submit>
            <label for="provider-kind">"Kind"</label>
            <select id="provider-kind" prop:value=move || kind.get()
                on:change=move |ev| kind.set(event_target_value(&ev))>
                <option value="oidc">"OpenID Connect (any provider)"</option>
                <option value="google">"Google"</option>
                <option value="github">"GitHub"</option>
            </select>
            <Field id="provider-id" label="Id" value=id field="id" problem
                placeholder="acme-sso" hint="Short and stable: it is part of every user id this provider vouches for."/>
            <Field id="provider-name" label="Display name" value=display_name field="displayName" problem
                placeholder="Acme SSO"/>
            <Field id="provider-client-id" label="Client ID" value=client_id field="clientId" problem/>
            <Field id="provider-client-secret" label="Client secret" value=client_secret field="clientSecret"
                problem kind="password" hint=secret_hint/>
            <label for="provider-issuer">{issuer_label}</label>
            <input id="provider-issuer" type="url" placeholder="https://login.example.com" autocomplete="off"
                aria-describedby="provider-issuer-error"
                prop:value=move || issuer.get() on:input=move |ev| issuer.set(event_target_value(&ev))/>
            <p id="provider-issuer-error" class="field-error" role="alert">
                {move || crate::form::field_message(problem.get(), "issuer")}
            </p>
            <Field id="provider-scopes" label="Extra scopes to ask the provider for" value=upstream_scopes
                field="upstreamScopes" problem placeholder="read:org"/>
            <FormError problem fields=PROVIDER_FIELDS/>
            <p class="saved" role="status">{move || saved().then_some("Saved.")}</p>
            <div class="buttons">
                <button type="button" class="secondary" on:click=run_test disabled=move || test.pending().get()>
                    {move || if test.pending().get() { "Testing…" } else { "Test connection" }}
                </button>
                <Submit pending=action.pending() idle="Save provider" busy="Saving…"/>
                {initial.is_some().then(|| view! {
                    <button type="button" class="link" on:click=move |_| editing.set(None)>"Cancel"</button>
                })}
            </div>
            <ProviderTestResult test/>
        </form>
    }
}

/// The checks of the last "Test connection", one line each.
#[component]
fn ProviderTestResult(test: ServerAction<TestProvider>) -> impl IntoView {
    let problem = problem_signal(test);
    view! {
        <div class="test-result" aria-live="polite">
            {move || match test.value().get() {
                Some(Ok(Ok(result))) => view! {
                    <p class=if result.ok { "saved" } else { "error" }>
                        {if result.ok { "Connection works." } else { "Connection failed." }}
                    </p>
                    <ul class="checks">
                        {result.checks.into_iter().map(|c| view! {
                            <li class=if c.ok { "check ok" } else { "check failed" }>
                                <span aria-hidden="true">{if c.ok { "✓ " } else { "✗ " }}</span>
                                <strong>{c.name}</strong>": "{c.detail}
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any(),
                _ => view! { <p class="error" role="alert">{move || problem.get().map(|p| p.message)}</p> }.into_any(),
            }}
        </div>
    }
}

#[component]
fn ScopeForm(slug: Signal<String>, action: ServerAction<ChangeAuth>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let problem = problem_signal(action);
    on_success(action, move || {
        name.set(String::new());
        description.set(String::new());
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(ChangeAuth {
            slug: slug.get_untracked(),
            change: AuthChange::PutScope(Scope {
                name: name.get_untracked().trim().to_owned(),
                description: description.get_untracked().trim().to_owned(),
            }),
        });
    };
    view! {
        <h2>"Add a scope"</h2>
        <form class="form" novalidate=true on:submit=submit>
            <Field id="scope-name" label="Scope name" value=name field="scopeName" problem placeholder="weather:read"/>
            <Field id="scope-description" label="Scope description" value=description field="scopeDescription"
                problem placeholder="Read forecasts" hint="Users read this when they consent."/>
            <FormError problem fields=&["scopeName", "scopeDescription"]/>
            <Submit pending=action.pending() idle="Add scope" busy="Saving…"/>
        </form>
    }
}

/// The conditions of a rule, as typed.
#[derive(Clone, Copy)]
struct MatchFields {
    email_domains: RwSignal<String>,
    emails: RwSignal<String>,
    github_logins: RwSignal<String>,
    github_orgs: RwSignal<String>,
    groups: RwSignal<String>,
}

impl MatchFields {
    fn new() -> Self {
        Self {
            email_domains: RwSignal::new(String::new()),
            emails: RwSignal::new(String::new()),
            github_logins: RwSignal::new(String::new()),
            github_orgs: RwSignal::new(String::new()),
            groups: RwSignal::new(String::new()),
        }
    }

    fn clear(self) {
        for field in [
            self.email_domains,
            self.emails,
            self.github_logins,
            self.github_orgs,
            self.groups,
        ] {
            field.set(String::new());
        }
    }

    fn value(self) -> UserMatch {
        UserMatch {
            email_domains: list(&self.email_domains.get_untracked()),
            emails: list(&self.emails.get_untracked()),
            github_logins: list(&self.github_logins.get_untracked()),
            github_orgs: list(&self.github_orgs.get_untracked()),
            groups: list(&self.groups.get_untracked()),
        }
    }
}

#[component]
fn MatchInputs(
    prefix: &'static str,
    fields: MatchFields,
    problem: Signal<Option<Problem>>,
) -> impl IntoView {
    let id = |name: &str| format!("{prefix}-{name}");
    view! {
        <Field id=id("domains") label="Email domains (verified emails)" value=fields.email_domains
            field="emailDomains" problem placeholder="acme.com"/>
        <Field id=id("emails") label="Emails" value=fields.emails field="emails" problem/>
        <Field id=id("github-logins") label="GitHub logins" value=fields.github_logins field="githubLogins" problem/>
        <Field id=id("github-orgs") label="GitHub organisations" value=fields.github_orgs field="githubOrgs" problem/>
        <Field id=id("groups") label="Groups (from the provider's groups claim)" value=fields.groups
            field="groups" problem/>
    }
}

#[component]
fn RuleForm(slug: Signal<String>, action: ServerAction<ChangeAuth>) -> impl IntoView {
    let fields = MatchFields::new();
    let problem = problem_signal(action);
    on_success(action, move || fields.clear());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(ChangeAuth {
            slug: slug.get_untracked(),
            change: AuthChange::AddRule(fields.value()),
        });
    };
    view! {
        <h2>"Add a sign-in rule"</h2>
        <form class="form" novalidate=true on:submit=submit>
            <p class="hint">"A user matching any rule may sign in; within a rule, any listed value matches. Separate values with commas."</p>
            <MatchInputs prefix="rule" fields problem/>
            <FormError problem fields=&[]/>
            <Submit pending=action.pending() idle="Add rule" busy="Saving…"/>
        </form>
    }
}

#[component]
fn RoleForm(slug: Signal<String>, action: ServerAction<ChangeAuth>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let scopes = RwSignal::new(String::new());
    let fields = MatchFields::new();
    let problem = problem_signal(action);
    on_success(action, move || {
        name.set(String::new());
        scopes.set(String::new());
        fields.clear();
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(ChangeAuth {
            slug: slug.get_untracked(),
            change: AuthChange::PutRole(Role {
                name: name.get_untracked().trim().to_owned(),
                when: fields.value(),
                scopes: list(&scopes.get_untracked()),
            }),
        });
    };
    view! {
        <h2>"Add a role"</h2>
        <form class="form" novalidate=true on:submit=submit>
            <Field id="role-name" label="Role name" value=name field="roleName" problem placeholder="staff"/>
            <Field id="role-scopes" label="Scopes its members may grant" value=scopes field="roleScopes" problem
                placeholder="weather:read"/>
            <p class="hint">"Who is in the role (leave all empty for every signed-in user):"</p>
            <MatchInputs prefix="role" fields problem/>
            <FormError problem fields=&["roleName"]/>
            <Submit pending=action.pending() idle="Add role" busy="Saving…"/>
        </form>
    }
}

#[component]
fn ClientForm(slug: Signal<String>, action: ServerAction<ChangeAuth>) -> impl IntoView {
    let client_id = RwSignal::new(String::new());
    let client_name = RwSignal::new(String::new());
    let redirect_uris = RwSignal::new(String::new());
    let problem = problem_signal(action);
    on_success(action, move || {
        for field in [client_id, client_name, redirect_uris] {
            field.set(String::new());
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let id = client_id.get_untracked().trim().to_owned();
        let name = Some(client_name.get_untracked().trim().to_owned())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| id.clone());
        action.dispatch(ChangeAuth {
            slug: slug.get_untracked(),
            change: AuthChange::PutClient(ClientConfig {
                client_id: id,
                client_name: name,
                redirect_uris: list(&redirect_uris.get_untracked()),
            }),
        });
    };
    view! {
        <h2>"Pre-register a client"</h2>
        <form class="form" novalidate=true on:submit=submit>
            <Field id="client-id" label="Pre-registered client id" value=client_id field="clientId" problem placeholder="acme-desktop"/>
            <Field id="client-name" label="Client name" value=client_name field="clientName" problem
                placeholder="Acme Desktop" hint="Users see it on the consent page."/>
            <Field id="client-redirects" label="Redirect URIs" value=redirect_uris field="redirectUris" problem
                placeholder="http://127.0.0.1/callback" hint="Exact URIs, comma-separated; http only on loopback."/>
            <FormError problem fields=&["clientId", "redirectUris"]/>
            <Submit pending=action.pending() idle="Add client" busy="Saving…"/>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn saved() -> AuthSettings {
        serde_json::from_value(serde_json::json!({
            "mode": "oauth",
            "providers": [{"id": "sso", "kind": "oidc", "displayName": "SSO", "clientId": "c",
                "clientSecretSet": true, "issuer": "https://idp.example", "upstreamScopes": []}],
            "scopes": [{"name": "read", "description": "Read"}],
            "allow": [], "roles": [], "clients": []
        }))
        .unwrap()
    }

    fn provider(id: &str, secret: &str) -> ProviderForm {
        ProviderForm {
            id: id.into(),
            kind: "oidc".into(),
            display_name: "SSO".into(),
            client_id: "c".into(),
            client_secret: secret.into(),
            issuer: "https://idp.example".into(),
            upstream_scopes: String::new(),
        }
    }

    #[test]
    fn editing_a_provider_keeps_its_secret_unless_a_new_one_is_typed() {
        let input = apply(
            saved(),
            AuthChange::PutProvider {
                original: Some("sso".into()),
                provider: provider("sso", ""),
            },
        )
        .unwrap();
        assert_eq!(input["providers"].as_array().unwrap().len(), 1);
        assert!(input["providers"][0].get("clientSecret").is_none());
        let renamed = apply(
            saved(),
            AuthChange::PutProvider {
                original: Some("sso".into()),
                provider: provider("corp", ""),
            },
        );
        assert_eq!(renamed.unwrap_err().field.as_deref(), Some("clientSecret"));
    }

    #[test]
    fn a_new_provider_needs_everything_and_turns_sign_in_on() {
        let public: AuthSettings = serde_json::from_value(serde_json::json!({
            "mode": "public", "providers": [], "scopes": [], "allow": [], "roles": [], "clients": []
        }))
        .unwrap();
        let mut missing = provider("x", "s");
        missing.issuer.clear();
        let refused = apply(
            public.clone(),
            AuthChange::PutProvider {
                original: None,
                provider: missing,
            },
        );
        assert_eq!(refused.unwrap_err().field.as_deref(), Some("issuer"));
        let input = apply(
            public.clone(),
            AuthChange::PutProvider {
                original: None,
                provider: provider("x", "s"),
            },
        )
        .unwrap();
        assert_eq!(input["mode"], "oauth");
        assert_eq!(input["providers"][0]["clientSecret"], "s");
        // Scopes need sign-in first.
        let scope = Scope {
            name: "read".into(),
            description: "Read".into(),
        };
        assert_eq!(
            apply(public, AuthChange::PutScope(scope))
                .unwrap_err()
                .field
                .as_deref(),
            Some("auth")
        );
    }

    #[test]
    fn scopes_are_added_replaced_and_removed_by_name() {
        let scope = Scope {
            name: "read".into(),
            description: "Read everything".into(),
        };
        let input = apply(saved(), AuthChange::PutScope(scope)).unwrap();
        assert_eq!(
            input["scopes"],
            serde_json::json!([{"name": "read", "description": "Read everything"}])
        );
        let input = apply(saved(), AuthChange::RemoveScope("read".into())).unwrap();
        assert_eq!(input["scopes"], serde_json::json!([]));
        assert_eq!(
            apply(saved(), AuthChange::MakePublic).unwrap(),
            serde_json::json!({"mode": "public"})
        );
    }
}
