//! The tenant's audit log: who changed what, when and from where, newest
//! first, filtered by actor and action.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::api::Problem;
use crate::failure::Loaded;
use crate::nav::TenantNav;

#[server(prefix = "/ui/fn", endpoint = "load_audit")]
pub async fn load_audit(
    slug: String,
    actor: String,
    action: String,
    cursor: Option<String>,
) -> Result<portcullis_api::audit::AuditPage, Problem> {
    let mut query = vec![("limit", "50".to_owned())];
    for (name, value) in [("actor", actor), ("action", action)] {
        if !value.trim().is_empty() {
            query.push((name, value.trim().to_owned()));
        }
    }
    if let Some(cursor) = cursor {
        query.push(("cursor", cursor));
    }
    let query: Vec<String> = query
        .into_iter()
        .map(|(n, v)| format!("{n}={}", crate::api::segment(&v)))
        .collect();
    crate::api::call(
        "GET",
        &format!(
            "{}?{}",
            crate::api::paths::tenant(&slug).audit(),
            query.join("&")
        ),
        None,
    )
    .await
}

/// What the filters asked for, applied when the admin presses Filter.
#[derive(Debug, Clone, Default, PartialEq)]
struct Filter {
    actor: String,
    action: String,
    cursor: Option<String>,
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let params = use_params_map();
    let slug = Signal::derive(move || params.read().get("slug").unwrap_or_default());
    let actor = RwSignal::new(String::new());
    let action = RwSignal::new(String::new());
    let applied = RwSignal::new(Filter::default());
    let page = Resource::new(
        move || (slug.get(), applied.get()),
        |(slug, f)| load_audit(slug, f.actor, f.action, f.cursor),
    );
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        applied.set(Filter {
            actor: actor.get_untracked(),
            action: action.get_untracked(),
            cursor: None,
        });
    };
    view! {
        <section class="page">
            <TenantNav slug title="Audit log"/>
            <form class="filters" on:submit=submit role="search">
                <label for="audit-actor">"Actor"</label>
                <input id="audit-actor" placeholder="ann@acme.com or api-token:3"
                    prop:value=move || actor.get() on:input=move |ev| actor.set(event_target_value(&ev))/>
                <label for="audit-action">"Action"</label>
                <select id="audit-action" prop:value=move || action.get()
                    on:change=move |ev| action.set(event_target_value(&ev))>
                    <option value="">"Any"</option>
                    <option value="tool">"Tools"</option>
                    <option value="auth">"Sign-in settings"</option>
                    <option value="config">"Publishing"</option>
                    <option value="prompt">"Prompts"</option>
                    <option value="resource">"Resources"</option>
                    <option value="client">"Clients"</option>
                    <option value="grant">"User grants"</option>
                    <option value="member">"Members"</option>
                    <option value="api_token">"API tokens"</option>
                    <option value="tenant">"Tenant"</option>
                </select>
                <button class="secondary" type="submit">"Filter"</button>
            </form>
            <Transition fallback=|| view! { <p class="loading">"Loading the audit log…"</p> }>
                <Loaded what="the audit log">
                {move || page.get().map(|r| r.map(|p| view! { <Entries page=p applied/> }))}
                </Loaded>
            </Transition>
        </section>
    }
}

#[component]
fn Entries(page: portcullis_api::audit::AuditPage, applied: RwSignal<Filter>) -> impl IntoView {
    if page.items.is_empty() {
        return view! { <p class="empty">"No entries match."</p> }.into_any();
    }
    let next = page.next_cursor.clone();
    view! {
        <table class="audit">
            <thead><tr>
                <th scope="col">"When"</th><th scope="col">"Who"</th><th scope="col">"Action"</th>
                <th scope="col">"Target"</th><th scope="col">"From"</th>
            </tr></thead>
            <tbody>
                {page.items.into_iter().map(|e| {
                    let change = serde_json::to_string_pretty(&serde_json::json!({"before": e.before, "after": e.after}))
                        .unwrap_or_default();
                    view! {
                        <tr data-action=e.action.clone()>
                            <td><time datetime=e.at.to_rfc3339()>{crate::api::when(&e.at)}</time></td>
                            <td>{e.actor.clone()}</td>
                            <td><code>{e.action.clone()}</code></td>
                            <td>
                                <details>
                                    <summary>{e.target.clone()}</summary>
                                    <pre><code>{change}</code></pre>
                                </details>
                            </td>
                            <td>{e.ip.clone().unwrap_or_default()}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        {next.map(|cursor| view! {
            <button type="button" class="secondary"
                on:click=move |_| applied.update(|f| f.cursor = Some(cursor.clone()))>"Older entries"</button>
        })}
    }
    .into_any()
}
