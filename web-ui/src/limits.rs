//! A tenant's rate limits: what the edge lets through each minute before it
//! answers 429, per client IP and in all; shown to every admin, changed by
//! those who may publish, in force from the next publish.

use leptos::prelude::*;
use portcullis_tenant_config::RateLimits;
use serde::{Deserialize, Serialize};

use crate::api::{Outcome, Problem};
use crate::failure::Failure;
use crate::form::{Field, FormError, Submit, problem_signal, successes};
use portcullis_api::tenants::Limits;

/// The limits as read, with their version (the answer's `ETag`), which a
/// save is made on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LimitsRead {
    pub limits: Limits,
    pub version: Option<String>,
}

#[server(prefix = "/ui/fn", endpoint = "load_limits")]
pub async fn load_limits(slug: String) -> Result<LimitsRead, Problem> {
    let path = crate::api::paths::tenant(&slug).limits();
    let (limits, version) = crate::api::versioned("GET", &path, None, None).await?;
    Ok(LimitsRead {
        limits: limits?,
        version,
    })
}

/// Saves `limits`, or goes back to the defaults when `None`, on `version`
/// (refused if someone else saved them since).
#[server(prefix = "/ui/fn", endpoint = "save_limits")]
pub async fn save_limits(
    slug: String,
    limits: Option<RateLimits>,
    version: Option<String>,
) -> Result<Outcome<Limits>, Problem> {
    let body = serde_json::json!({ "limits": limits });
    let path = crate::api::paths::tenant(&slug).limits();
    Ok(crate::api::versioned("PUT", &path, Some(body), version)
        .await?
        .0)
}

/// Each limit's words, in the order of [`RateLimits::named`].
const LABELS: [&str; 6] = [
    "Sign-in and token requests per client IP",
    "Sign-in and token requests, whole tenant",
    "Client registrations per client IP",
    "Client metadata documents fetched, whole tenant",
    "MCP requests per client IP",
    "MCP requests, whole tenant",
];

#[component]
pub fn LimitsPanel(slug: String, may_change: bool) -> impl IntoView {
    let save = ServerAction::<SaveLimits>::new();
    let load_slug = slug.clone();
    let save_done = successes(save);
    let limits = Resource::new(
        move || save_done.get(),
        move |_| load_limits(load_slug.clone()),
    );
    view! {
        <h2>"Rate limits"</h2>
        <Transition fallback=|| view! { <p class="loading">"Loading limits…"</p> }>
            // Not an error boundary: the tenant page's own holds this.
            {move || limits.get().map(|r| match r {
                Ok(l) => view! { <LimitsForm limits=l slug=slug.clone() may_change save/> }.into_any(),
                Err(problem) => view! { <Failure problem what="the rate limits"/> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn LimitsForm(
    limits: LimitsRead,
    slug: String,
    may_change: bool,
    save: ServerAction<SaveLimits>,
) -> impl IntoView {
    let LimitsRead {
        limits:
            Limits {
                limits: current,
                custom,
                defaults,
                window_seconds,
            },
        version,
    } = limits;
    let summary = format!(
        "{} Requests over a limit are answered 429 with Retry-After; counts start afresh every {window_seconds} seconds.",
        if custom {
            "Set for this tenant."
        } else {
            "The defaults."
        }
    );
    if !may_change {
        let rows = current.named().into_iter().zip(LABELS).map(|((name, value), label)| {
            view! { <tr data-limit=name><th scope="row">{label}</th><td>{value.to_string()}</td></tr> }
        });
        return view! {
            <p class="muted">{summary}</p>
            <table class="limits"><tbody>{rows.collect_view()}</tbody></table>
        }
        .into_any();
    }
    let values: [RwSignal<String>; 6] = current.named().map(|(_, v)| RwSignal::new(v.to_string()));
    let problem = problem_signal(save);
    let read = move || {
        let v = |i: usize| values[i].get_untracked().trim().parse::<u32>().unwrap_or(0);
        RateLimits {
            oauth_per_ip: v(0),
            oauth_per_tenant: v(1),
            registrations_per_ip: v(2),
            metadata_fetches_per_tenant: v(3),
            mcp_per_ip: v(4),
            mcp_per_tenant: v(5),
        }
    };
    let save_slug = slug.clone();
    let save_version = version.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(SaveLimits {
            slug: save_slug.clone(),
            limits: Some(read()),
            version: save_version.clone(),
        });
    };
    let reset = move |_| {
        save.dispatch(SaveLimits {
            slug: slug.clone(),
            limits: None,
            version: version.clone(),
        });
    };
    let fields = current
        .named()
        .into_iter()
        .zip(LABELS)
        .zip(defaults.named())
        .enumerate()
        .map(|(i, (((name, _), label), (_, default)))| {
            let hint = format!("Default {default} per minute.");
            view! {
                <Field id=format!("limit-{name}") label value=values[i] field=name problem kind="number" hint/>
            }
        })
        .collect_view();
    view! {
        <p class="muted">{summary}" Changes apply from the next publish."</p>
        <form class="form limits" novalidate=true on:submit=submit>
            {fields}
            <FormError problem fields=&["oauthPerIp", "oauthPerTenant", "registrationsPerIp", "metadataFetchesPerTenant", "mcpPerIp", "mcpPerTenant"]/>
            <Submit pending=save.pending() idle="Save limits" busy="Saving…"/>
            {custom.then(|| view! {
                <button type="button" class="secondary" disabled=move || save.pending().get() on:click=reset>
                    "Use the defaults"
                </button>
            })}
        </form>
    }
    .into_any()
}
