//! One tenant: where clients connect (with snippets to paste), what is
//! live, what publishing now would change, publishing, and the history
//! with rollback.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};

use crate::api::{Deployment, Diff, Outcome, Problem, Tenant, UsageSeries};
use crate::failure::{Failure, Loaded};
use crate::form::Submit;
use crate::limits::LimitsPanel;
use crate::memory::MemoryPanel;
use crate::nav::TenantNav;
use crate::usage::UsageCharts;
use portcullis_api::publish::EdgeStatus;

/// Everything the overview shows, in one round trip.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    pub tenant: Tenant,
    pub pending: Diff,
    pub history: Vec<Deployment>,
    /// Whether the admin's role lets them publish and roll back.
    pub may_change: bool,
    pub edge: EdgeStatus,
}

/// The edge's health in words, and whether all is well.
fn edge_words(edge: &EdgeStatus) -> (String, bool) {
    match (edge.reachable, edge.served_version, edge.live_version) {
        (false, _, _) => (
            format!(
                "The edge cannot be reached: {}",
                edge.detail.clone().unwrap_or_default()
            ),
            false,
        ),
        (true, None, None) => ("The edge is up; nothing is published yet.".into(), true),
        (true, Some(served), Some(live)) if served == live => {
            (format!("The edge is up and serves v{served}."), true)
        }
        (true, served, live) => (
            format!(
                "The edge serves {} while {} is live; the push is being retried.",
                served.map_or("nothing".into(), |v| format!("v{v}")),
                live.map_or("nothing".into(), |v| format!("v{v}")),
            ),
            false,
        ),
    }
}

#[server(prefix = "/ui/fn", endpoint = "tenant_overview")]
pub async fn tenant_overview(slug: String) -> Result<Overview, Problem> {
    let at = crate::api::paths::tenant(&slug);
    let tenant: Tenant = crate::api::call("GET", &at.root(), None).await?;
    let pending: Diff =
        crate::api::call("GET", &format!("{}?from=live&to=draft", at.diff()), None).await?;
    let history: crate::api::Page<Deployment> =
        crate::api::call("GET", &format!("{}?limit=20", at.deployments()), None).await?;
    let edge: EdgeStatus = crate::api::call("GET", &at.edge(), None).await?;
    Ok(Overview {
        edge,
        may_change: tenant.may.write,
        tenant,
        pending,
        history: history.items,
    })
}

/// The tenant's usage over `days` (1: by hour; more: by day).
#[server(prefix = "/ui/fn", endpoint = "load_usage")]
pub async fn load_usage(slug: String, days: i64) -> Result<UsageSeries, Problem> {
    let bucket = if days <= 1 { "hour" } else { "day" };
    let hours = days.clamp(1, 90) * 24;
    crate::api::call(
        "GET",
        &format!(
            "{}?hours={hours}&bucket={bucket}",
            crate::api::paths::tenant(&slug).usage()
        ),
        None,
    )
    .await
}

/// Publishes the draft. When the edge does not take it, the problem says
/// why (the version is recorded, and retried, all the same).
#[server(prefix = "/ui/fn", endpoint = "publish")]
pub async fn publish(slug: String) -> Result<Outcome<Deployment>, Problem> {
    crate::api::attempt("POST", &crate::api::paths::tenant(&slug).publish(), None).await
}

#[server(prefix = "/ui/fn", endpoint = "rollback")]
pub async fn rollback(slug: String, version: i64) -> Result<Outcome<Deployment>, Problem> {
    let body = serde_json::json!({ "version": version });
    crate::api::attempt(
        "POST",
        &crate::api::paths::tenant(&slug).rollback(),
        Some(body),
    )
    .await
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
                <Loaded what="this tenant">
                {move || overview.get().map(|r| r.map(|o| view! {
                        <Overview overview=o publish_action rollback_action/>
                    }))}
                </Loaded>
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
        edge,
    } = overview;
    let (health, edge_ok) = edge_words(&edge);
    let last_publish = history.first().map(|d| {
        format!(
            "Last published {} by {}.",
            crate::api::when(&d.created_at),
            d.published_by
                .clone()
                .unwrap_or_else(|| "the platform".into())
        )
    });
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
    let tools_slug = slug.clone();
    let publish_slug = slug.clone();
    let publish_error = move || match publish_action.value().get() {
        Some(Ok(Err(problem))) => Some(problem.message),
        Some(Err(e)) => Some(e.message),
        _ => None,
    };
    view! {
        <TenantNav slug=Signal::derive(move || tools_slug.clone()) title=tenant.display_name.clone()/>
        <p class="status" data-live=tenant.live_version.map(|v| v.to_string())>{live}</p>
        <p class=if edge_ok { "edge ok" } else { "edge failing" } role="status">{health}</p>
        {last_publish.map(|l| view! { <p class="muted">{l}</p> })}
        <p><a href=tools_href>{format!("{} tool(s)", tenant.tool_count)}</a></p>

        <UsagePanel slug=slug.clone()/>

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

        <LimitsPanel slug=slug.clone() may_change/>
        <MemoryPanel slug=slug.clone() may_change/>

        <h2>"Publish"</h2>
        <PendingChanges diff=pending/>
        {if may_change {
            view! {
                    <form on:submit=move |ev| {
                        ev.prevent_default();
                        publish_action.dispatch(Publish { slug: publish_slug.clone() });
                    }>
                        <Submit pending=publish_action.pending() idle="Publish" busy="Publishing…"/>
                    </form>
                    <p class="error" role="alert">{publish_error}</p>
            }.into_any()
        } else {
            view! { <p class="muted role-note">"You can look at this tenant; publishing needs the admin or owner role."</p> }.into_any()
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
                let class = format!("change {}", c.kind.as_str());
                view! { <li class=class><span class="kind">{c.kind.as_str()}</span>" "<code>{c.path}</code></li> }
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
                            <td><span class=format!("badge {}", d.status.as_str()) title=d.detail.clone().unwrap_or_default()>{d.status.as_str()}</span></td>
                            <td>{d.published_by.clone().unwrap_or_default()}</td>
                            <td><time datetime=d.created_at.to_rfc3339()>{crate::api::when(&d.created_at)}</time></td>
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

/// Usage charts with a choice of range.
#[component]
fn UsagePanel(slug: String) -> impl IntoView {
    let days = RwSignal::new(1_i64);
    let usage = Resource::new(
        move || (slug.clone(), days.get()),
        |(slug, days)| load_usage(slug, days),
    );
    let choice = move |value: i64, label: &'static str| {
        view! {
            <button type="button" class="secondary" aria-pressed=move || (days.get() == value).to_string()
                on:click=move |_| days.set(value)>{label}</button>
        }
    };
    view! {
        <div class="page-head">
            <h2>"Usage"</h2>
            <div class="range" role="group" aria-label="Range">
                {choice(1, "24 hours")}
                {choice(7, "7 days")}
                {choice(30, "30 days")}
            </div>
        </div>
        <Transition fallback=|| view! { <p class="loading">"Loading usage…"</p> }>
            // Not an error boundary: this sits inside the page's own
            // (`Loaded`), and nested boundaries broke hydration.
            {move || usage.get().map(|r| match r {
                Ok(usage) => view! { <UsageCharts usage/> }.into_any(),
                Err(problem) => view! { <Failure problem what="usage"/> }.into_any(),
            })}
        </Transition>
    }
}
