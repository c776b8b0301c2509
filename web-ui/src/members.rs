//! Who may act on a tenant: its admins (invited by email; they sign in
//! with that email) and its API tokens (for CI; the secret is shown once).
//! Owners and operators change these; everyone else only sees them.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};

use crate::api::{Outcome, Problem};
use crate::failure::Loaded;
use crate::form::{Field, FormError, Submit, on_success, problem_signal, successes};
use crate::nav::TenantNav;
use portcullis_api::members::{ApiToken, ApiTokenCreated, Member};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MembersView {
    pub members: Vec<Member>,
    /// `None` for those who may not manage tokens (they cannot list them).
    pub tokens: Option<Vec<ApiToken>>,
    pub may_manage: bool,
    pub me: Option<String>,
}

#[server(prefix = "/ui/fn", endpoint = "load_members")]
pub async fn load_members(slug: String) -> Result<MembersView, Problem> {
    let at = crate::api::paths::tenant(&slug);
    let members: crate::api::Page<Member> =
        crate::api::call("GET", &format!("{}?limit=1000", at.members()), None).await?;
    let me: portcullis_api::session::Me =
        crate::api::call("GET", crate::api::paths::SESSION, None).await?;
    let tenant: crate::api::Tenant = crate::api::call("GET", &at.root(), None).await?;
    let may_manage = tenant.may.manage;
    let tokens = if may_manage {
        let page: crate::api::Page<ApiToken> =
            crate::api::call("GET", &format!("{}?limit=1000", at.tokens()), None).await?;
        Some(page.items)
    } else {
        None
    };
    Ok(MembersView {
        members: members.items,
        tokens,
        may_manage,
        me: me.email,
    })
}

/// Invites `email` with `role`, or changes their role.
#[server(prefix = "/ui/fn", endpoint = "put_member")]
pub async fn put_member(
    slug: String,
    email: String,
    role: String,
) -> Result<Outcome<Member>, Problem> {
    let email = email.trim().to_owned();
    if email.is_empty() {
        return Ok(Err(Problem::invalid(
            "email",
            "Type the email address they sign in with.",
        )));
    }
    let path = crate::api::paths::tenant(&slug).member(&email);
    let body = serde_json::json!({ "role": role });
    crate::api::attempt("PUT", &path, Some(body)).await
}

#[server(prefix = "/ui/fn", endpoint = "remove_member")]
pub async fn remove_member(slug: String, email: String) -> Result<Outcome<()>, Problem> {
    let path = crate::api::paths::tenant(&slug).member(&email);
    let done: Outcome<serde_json::Value> = crate::api::attempt("DELETE", &path, None).await?;
    Ok(done.map(|_| ()))
}

#[server(prefix = "/ui/fn", endpoint = "create_token")]
pub async fn create_token(
    slug: String,
    name: String,
    role: String,
) -> Result<Outcome<ApiTokenCreated>, Problem> {
    let body = serde_json::json!({ "name": name.trim(), "role": role });
    crate::api::attempt(
        "POST",
        &crate::api::paths::tenant(&slug).tokens(),
        Some(body),
    )
    .await
}

#[server(prefix = "/ui/fn", endpoint = "revoke_token")]
pub async fn revoke_token(slug: String, id: i64) -> Result<Outcome<()>, Problem> {
    let path = crate::api::paths::tenant(&slug).token(id);
    let done: Outcome<serde_json::Value> = crate::api::attempt("DELETE", &path, None).await?;
    Ok(done.map(|_| ()))
}

#[component]
pub fn MembersPage() -> impl IntoView {
    let params = use_params_map();
    let slug = Signal::derive(move || params.read().get("slug").unwrap_or_default());
    let invite = ServerAction::<PutMember>::new();
    let remove = ServerAction::<RemoveMember>::new();
    let create = ServerAction::<CreateToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    let invite_done = successes(invite);
    let remove_done = successes(remove);
    let create_done = successes(create);
    let revoke_done = successes(revoke);
    let data = Resource::new(
        move || {
            (
                slug.get(),
                invite_done.get() + remove_done.get() + create_done.get() + revoke_done.get(),
            )
        },
        |(slug, _)| load_members(slug),
    );
    let rights = Resource::new(move || slug.get(), crate::session::my_rights);
    view! {
        <section class="page">
            <TenantNav slug title="Members"/>
            <FormError problem=problem_signal(remove) fields=&[]/>
            <FormError problem=problem_signal(revoke) fields=&[]/>
            <Transition fallback=|| view! { <p class="loading">"Loading members…"</p> }>
                <Loaded what="members">
                {move || data.get().map(|r| r.map(|v| view! { <Lists view=v slug remove revoke/> }))}
                </Loaded>
            </Transition>
            <Transition fallback=|| ()>
                {move || rights.get().and_then(|r| r.ok()).map(|rights| if rights.manage {
                    view! {
                        <InviteForm slug invite/>
                        <TokenForm slug create/>
                    }.into_any()
                } else {
                    view! { <p class="muted">"Inviting admins and making API tokens needs the owner role."</p> }.into_any()
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Lists(
    view: MembersView,
    slug: Signal<String>,
    remove: ServerAction<RemoveMember>,
    revoke: ServerAction<RevokeToken>,
) -> impl IntoView {
    let MembersView {
        members,
        tokens,
        may_manage,
        me,
    } = view;
    let member_list = if members.is_empty() {
        view! { <p class="empty">"No members yet: platform operators manage this tenant."</p> }
            .into_any()
    } else {
        view! {
            <table class="members">
                <thead><tr>
                    <th scope="col">"Email"</th><th scope="col">"Role"</th><th scope="col">"Signed in"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr></thead>
                <tbody>
                    {members.into_iter().map(|m| {
                        let email = m.email.clone();
                        let is_me = me.as_deref() == Some(m.email.as_str());
                        view! {
                            <tr data-member=m.email.clone()>
                                <td>{m.email.clone()}{is_me.then_some(" (you)")}</td>
                                <td><span class="badge">{m.role.as_str()}</span></td>
                                <td>{m.signed_in_at.as_ref().map_or_else(|| "invited, not yet".into(), crate::api::when)}</td>
                                <td>
                                    {may_manage.then(|| view! {
                                        <button type="button" class="secondary danger" disabled=move || remove.pending().get()
                                            on:click=move |_| { remove.dispatch(RemoveMember { slug: slug.get_untracked(), email: email.clone() }); }>
                                            {format!("Remove {}", m.email)}
                                        </button>
                                    })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        }.into_any()
    };
    let token_list = tokens.map(|tokens| {
        let live: Vec<ApiToken> = tokens.into_iter().filter(|t| t.revoked_at.is_none()).collect();
        if live.is_empty() {
            return view! { <p class="empty">"No API tokens."</p> }.into_any();
        }
        view! {
            <table class="tokens">
                <thead><tr>
                    <th scope="col">"Name"</th><th scope="col">"Role"</th><th scope="col">"Created"</th>
                    <th scope="col">"Last used"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr></thead>
                <tbody>
                    {live.into_iter().map(|t| {
                        let id = t.id;
                        view! {
                            <tr data-token=t.id.to_string()>
                                <td>{t.name.clone()}</td>
                                <td><span class="badge">{t.role.as_str()}</span></td>
                                <td>{crate::api::when(&t.created_at)}</td>
                                <td>{t.last_used_at.as_ref().map_or_else(|| "never".into(), crate::api::when)}</td>
                                <td>
                                    <button type="button" class="secondary danger" disabled=move || revoke.pending().get()
                                        on:click=move |_| { revoke.dispatch(RevokeToken { slug: slug.get_untracked(), id }); }>
                                        {format!("Revoke {}", t.name)}
                                    </button>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        }.into_any()
    });
    view! {
        <h2>"Admins"</h2>
        {member_list}
        {token_list.map(|list| view! { <h2>"API tokens"</h2>{list} })}
    }
}

/// The role choices of `<select>`s here.
#[component]
fn RoleSelect(id: &'static str, value: RwSignal<String>, with_owner: bool) -> impl IntoView {
    view! {
        <select id=id prop:value=move || value.get() on:change=move |ev| value.set(event_target_value(&ev))>
            <option value="viewer">"Viewer — looks, changes nothing"</option>
            <option value="admin">"Admin — changes and publishes"</option>
            {with_owner.then(|| view! { <option value="owner">"Owner — also members and tokens"</option> })}
        </select>
    }
}

#[component]
fn InviteForm(slug: Signal<String>, invite: ServerAction<PutMember>) -> impl IntoView {
    let email = RwSignal::new(String::new());
    let role = RwSignal::new("admin".to_owned());
    let problem = problem_signal(invite);
    on_success(invite, move || email.set(String::new()));
    let done = move || match invite.value().get() {
        Some(Ok(Ok(m))) => Some(format!(
            "{} is now {} (they sign in with that email).",
            m.email,
            m.role.as_str()
        )),
        _ => None,
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        invite.dispatch(PutMember {
            slug: slug.get_untracked(),
            email: email.get_untracked(),
            role: role.get_untracked(),
        });
    };
    view! {
        <h2>"Invite an admin"</h2>
        <form class="form" novalidate=true on:submit=submit>
            <Field id="member-email" label="Email" value=email field="email" problem kind="email"
                placeholder="ann@acme.com"/>
            <label for="member-role">"Role"</label>
            <RoleSelect id="member-role" value=role with_owner=true/>
            <FormError problem fields=&["email"]/>
            <p class="saved" role="status">{done}</p>
            <Submit pending=invite.pending() idle="Invite" busy="Inviting…"/>
        </form>
    }
}

#[component]
fn TokenForm(slug: Signal<String>, create: ServerAction<CreateToken>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let role = RwSignal::new("admin".to_owned());
    let problem = problem_signal(create);
    on_success(create, move || name.set(String::new()));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        create.dispatch(CreateToken {
            slug: slug.get_untracked(),
            name: name.get_untracked(),
            role: role.get_untracked(),
        });
    };
    view! {
        <h2>"Make an API token"</h2>
        <form class="form" novalidate=true on:submit=submit>
            <Field id="token-name" label="What it is for" value=name field="name" problem
                placeholder="GitHub Actions publish"/>
            <label for="token-role">"Role"</label>
            <RoleSelect id="token-role" value=role with_owner=false/>
            <FormError problem fields=&["name"]/>
            <Submit pending=create.pending() idle="Make token" busy="Making…"/>
        </form>
        {move || match create.value().get() {
            Some(Ok(Ok(made))) => Some(view! {
                <div class="secret" role="status">
                    <p>{format!("Token \"{}\" made. Copy it now: it is not shown again.", made.token.name)}</p>
                    <code>{made.secret}</code>
                </div>
            }),
            _ => None,
        }}
    }
}
