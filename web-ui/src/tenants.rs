//! The tenant list: the tenants the admin may see, what each serves, and
//! the way into each.

use leptos::prelude::*;

use crate::api::{Problem, Tenant};
use crate::signin::SignInPrompt;

#[server(prefix = "/ui/fn", endpoint = "list_tenants")]
pub async fn list_tenants() -> Result<Vec<Tenant>, ServerFnError> {
    let page: crate::api::Page<Tenant> =
        crate::api::call("GET", "/v1/tenants?limit=1000", None).await?;
    Ok(page.items)
}

#[component]
pub fn TenantsPage() -> impl IntoView {
    let tenants = Resource::new(|| (), |_| list_tenants());
    view! {
        <section class="page">
            <div class="page-head">
                <h1>"Tenants"</h1>
                <button class="secondary" on:click=move |_| tenants.refetch()>"Refresh"</button>
            </div>
            <Transition fallback=|| view! { <p class="loading">"Loading tenants…"</p> }>
                {move || tenants.get().map(|r| match r {
                    Ok(list) => view! { <TenantTable tenants=list/> }.into_any(),
                    Err(e) => view! { <Failure problem=Problem::of(&e) what="tenants"/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

/// What went wrong loading `what`: a sign-in prompt when signed out.
#[component]
pub fn Failure(problem: Problem, what: &'static str) -> impl IntoView {
    if problem.signed_out() {
        return view! { <SignInPrompt/> }.into_any();
    }
    view! {
        <p class="error" role="alert">{format!("Could not load {what}: {}", problem.message)}</p>
    }
    .into_any()
}

#[component]
fn TenantTable(tenants: Vec<Tenant>) -> impl IntoView {
    if tenants.is_empty() {
        return view! {
            <p class="empty">"No tenants yet. A platform operator creates them (POST /api/v1/tenants)."</p>
        }
        .into_any();
    }
    view! {
        <table class="tenants">
            <thead>
                <tr>
                    <th scope="col">"Tenant"</th>
                    <th scope="col">"Slug"</th>
                    <th scope="col">"Tools"</th>
                    <th scope="col">"Live version"</th>
                    <th scope="col">"MCP endpoint"</th>
                </tr>
            </thead>
            <tbody>
                {tenants
                    .into_iter()
                    .map(|t| {
                        let href = format!("/tenants/{}", t.slug);
                        let key = t.slug.clone();
                        view! {
                            <tr data-tenant=key>
                                <td><a href=href>{t.display_name}</a></td>
                                <td><code>{t.slug}</code></td>
                                <td>{t.tool_count}</td>
                                <td>
                                    {match t.live_version {
                                        Some(v) => format!("v{v}"),
                                        None => "not published".to_owned(),
                                    }}
                                </td>
                                <td><code>{t.mcp_url}</code></td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
