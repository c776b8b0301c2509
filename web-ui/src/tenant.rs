//! One tenant: where clients connect (with snippets to paste), what is
//! live, what publishing now would change, publishing, and the history
//! with rollback.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};

use crate::api::{Deployment, Diff, Outcome, Problem, Tenant, Usage};
use crate::tenants::Failure;
use crate::usage::UsageChart;

/// Everything the overview shows, in one round trip.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    pub tenant: Tenant,
    pub pending: Diff,
    pub history: Vec<Deployment>,
    /// Whether the admin's role lets them publish and roll back.
    pub may_change: bool,
    /// The last 24 hours, by hour.
    pub usage: Usage,
}

#[server(prefix = "/ui/fn", endpoint = "tenant_overview")]
pub async fn tenant_overview(slug: String) -> Result<Overview, ServerFnError> {
    let base = format!("/v1/tenants/{slug}");
    let tenant: Tenant = crate::api::call("GET", &base, None).await?;
    let pending: Diff =
        crate::api::call("GET", &format!("{base}/diff?from=live&to=draft"), None).await?;
    let history: crate::api::Page<Deployment> =
        crate::api::call("GET", &format!("{base}/deployments?limit=20"), None).await?;
    let me: crate::session::Me = crate::api::call("GET", "/v1/session", None).await?;
    let usage: Usage =
        crate::api::call("GET", &format!("{base}/usage?hours=24&bucket=hour"), None).await?;
    Ok(Overview {
        usage,
        may_change: me.may_change(&slug),
        tenant,
        pending,
        history: history.items,
    })
}

/// Publishes the draft. When the edge does not take it, the problem says
/// why (the version is recorded, and retried, all the same).
#[server(prefix = "/ui/fn", endpoint = "publish")]
pub async fn publish(slug: String) -> Result<Outcome<Deployment>, ServerFnError> {
    crate::api::attempt("POST", &format!("/v1/tenants/{slug}/publish"), None).await
}

#[server(prefix = "/ui/fn", endpoint = "rollback")]
pub async fn rollback(slug: String, version: i64) -> Result<Outcome<Deployment>, ServerFnError> {
    let body = serde_json::json!({ "version": version });
    crate::api::attempt("POST", &format!("/v1/tenants/{slug}/rollback"), Some(body)).await
}

#[component]
pub fn TenantPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let publish_action = ServerAction::<Publish>::new();
    let rollback_action = ServerAction::<Rollback>::new();
    let overview = Resource::new(
        move || {
            (
                slug(),
                publish_action.version().get(),
                rollback_action.version().get(),
            )
        },
        |(slug, _, _)| tenant_overview(slug),
    );
    view! {
        <section class="page">
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || overview.get().map(|r| match r {
                    Ok(o) => view! {
                        <Overview overview=o publish_action rollback_action/>
                    }.into_any(),
                    Err(e) => view! { <Failure problem=Problem::of(&e) what="this tenant"/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Overview(
    overview: Overview,
    publish_action: ServerAction<Publish>,
    rollback_action: ServerAction<Rollback>,
) -> impl IntoView {
    let Overview {
        tenant,
        pending,
        history,
        may_change,
        usage,
    } = overview;
    let slug = tenant.slug.clone();
    let live = match tenant.live_version {
        Some(v) => format!("Version {v} is live"),
        None => "Nothing published yet".to_owned(),
    };
    let remote = format!(
        r#"{{"mcpServers": {{"{slug}": {{"command": "npx", "args": ["mcp-remote", "{url}"]}}}}}}"#,
        url = tenant.mcp_url
    );
    let http = format!(
        r#"{{"mcpServers": {{"{slug}": {{"type": "http", "url": "{url}"}}}}}}"#,
        url = tenant.mcp_url
    );
    let tools_href = format!("/tenants/{slug}/tools");
    let publish_slug = slug.clone();
    let publish_error = move || match publish_action.value().get() {
        Some(Ok(Err(problem))) => Some(problem.message),
        Some(Err(e)) => Some(Problem::of(&e).message),
        _ => None,
    };
    view! {
        <div class="page-head">
            <h1>{tenant.display_name.clone()}</h1>
            <nav class="tabs" aria-label="Tenant">
                <a href=tools_href>{format!("Tools ({})", tenant.tool_count)}</a>
            </nav>
        </div>
        <p class="status" data-live=tenant.live_version.map(|v| v.to_string())>{live}</p>

        <h2>"Last 24 hours"</h2>
        <UsageChart usage/>

        <h2>"Connect a client"</h2>
        <dl class="endpoints">
            <dt>"MCP endpoint (Streamable HTTP)"</dt>
            <dd><Copyable text=tenant.mcp_url.clone()/></dd>
            <dt>"MCP Inspector"</dt>
            <dd><Copyable text=format!("npx @modelcontextprotocol/inspector --transport http --server-url {}", tenant.mcp_url)/></dd>
            <dt>"Claude Desktop (mcp-remote)"</dt>
            <dd><Copyable text=remote/></dd>
            <dt>"mcpServers entry"</dt>
            <dd><Copyable text=http/></dd>
        </dl>

        <h2>"Publish"</h2>
        <PendingChanges diff=pending/>
        {if may_change {
            view! {
                    <form on:submit=move |ev| {
                        ev.prevent_default();
                        publish_action.dispatch(Publish { slug: publish_slug.clone() });
                    }>
                        <button class="primary" type="submit" disabled=move || publish_action.pending().get()>
                            {move || if publish_action.pending().get() { "Publishing…" } else { "Publish" }}
                        </button>
                    </form>
                    <p class="error" role="alert">{publish_error}</p>
            }.into_any()
        } else {
            view! { <p class="muted">"You can look at this tenant; publishing needs the admin or owner role."</p> }.into_any()
        }}

        <h2>"History"</h2>
        <History history slug rollback_action may_change/>
    }
}

/// A value with a button that copies it.
#[component]
fn Copyable(text: String) -> impl IntoView {
    view! {
        <div class="copyable">
            <code>{text.clone()}</code>
            <button type="button" class="secondary copy" data-copy=text
                onclick="navigator.clipboard.writeText(this.dataset.copy).then(()=>{this.textContent='Copied'})"
                aria-label="Copy to the clipboard">"Copy"</button>
        </div>
    }
}

#[component]
fn PendingChanges(diff: Diff) -> impl IntoView {
    if diff.changes.is_empty() {
        return view! { <p class="empty">"No changes since the live version."</p> }.into_any();
    }
    view! {
        <ul class="changes" aria-label="Changes since the live version">
            {diff.changes.into_iter().map(|c| {
                let class = format!("change {}", c.kind);
                view! { <li class=class><span class="kind">{c.kind}</span>" "<code>{c.path}</code></li> }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn History(
    history: Vec<Deployment>,
    slug: String,
    rollback_action: ServerAction<Rollback>,
    may_change: bool,
) -> impl IntoView {
    if history.is_empty() {
        return view! { <p class="empty">"No versions yet."</p> }.into_any();
    }
    let newest = history.first().map(|d| d.version);
    view! {
        <table class="history">
            <thead>
                <tr>
                    <th scope="col">"Version"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"By"</th>
                    <th scope="col">"When"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>
                {history.into_iter().map(|d| {
                    let slug = slug.clone();
                    let version = d.version;
                    let label = match d.rollback_of {
                        Some(old) => format!("v{version} (content of v{old})"),
                        None => format!("v{version}"),
                    };
                    view! {
                        <tr data-version=version.to_string()>
                            <td>{label}</td>
                            <td><span class=format!("badge {}", d.status) title=d.detail.clone().unwrap_or_default()>{d.status.clone()}</span></td>
                            <td>{d.published_by.clone().unwrap_or_default()}</td>
                            <td><time>{d.created_at.clone()}</time></td>
                            <td>
                                {(may_change && Some(version) != newest).then(|| view! {
                                    <button type="button" class="secondary"
                                        disabled=move || rollback_action.pending().get()
                                        on:click=move |_| { rollback_action.dispatch(Rollback { slug: slug.clone(), version }); }>
                                        {format!("Roll back to v{version}")}
                                    </button>
                                })}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
