//! The tenant list: every tenant, its tools and what the edge serves.

use leptos::prelude::*;

use crate::backend::TenantSummary;

/// Lists tenants through the control plane's services.
#[server(prefix = "/ui/fn", endpoint = "list_tenants")]
pub async fn list_tenants() -> Result<Vec<TenantSummary>, ServerFnError> {
    let backend = use_context::<crate::backend::SharedBackend>()
        .ok_or_else(|| ServerFnError::new("the admin backend is not configured"))?;
    backend.list_tenants().await.map_err(ServerFnError::new)
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
                <ErrorBoundary fallback=|errors| view! {
                    <p class="error" role="alert">
                        "Could not load tenants: "
                        {move || errors.get().into_iter().map(|(_, e)| e.to_string()).collect::<Vec<_>>().join("; ")}
                    </p>
                }>
                    {move || tenants.get().map(|r| r.map(|list| view! { <TenantTable tenants=list/> }))}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

#[component]
fn TenantTable(tenants: Vec<TenantSummary>) -> impl IntoView {
    if tenants.is_empty() {
        return view! {
            <p class="empty">"No tenants yet. Create one with POST /api/v1/tenants."</p>
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
                        let row_key = t.slug.clone();
                        view! {
                            <tr data-tenant=row_key>
                                <td>{t.display_name}</td>
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
