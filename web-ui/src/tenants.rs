//! The tenant list: the tenants the admin may see, what each serves, and
//! the way into each.

use leptos::prelude::*;

use crate::api::{Outcome, Problem, Tenant};
use crate::failure::Loaded;
use crate::form::Submit;

#[server(prefix = "/ui/fn", endpoint = "list_tenants")]
pub async fn list_tenants() -> Result<Vec<Tenant>, Problem> {
    let page: crate::api::Page<Tenant> = crate::api::call(
        "GET",
        &format!("{}?limit=1000", crate::api::paths::TENANTS),
        None,
    )
    .await?;
    Ok(page.items)
}

/// Creates a tenant (platform operators only; the API says so otherwise).
#[server(prefix = "/ui/fn", endpoint = "create_tenant")]
pub async fn create_tenant(slug: String, display_name: String) -> Result<Outcome<Tenant>, Problem> {
    let display_name = Some(display_name).filter(|n| !n.trim().is_empty());
    let body = serde_json::json!({ "slug": slug, "displayName": display_name });
    crate::api::attempt("POST", crate::api::paths::TENANTS, Some(body)).await
}

#[component]
pub fn TenantsPage() -> impl IntoView {
    let create = ServerAction::<CreateTenant>::new();
    let tenants = Resource::new(move || create.version().get(), |_| list_tenants());
    // Its own resource, so the form is not redrawn when the list reloads.
    let me = Resource::new(|| (), |_| crate::session::whoami());
    view! {
        <section class="page">
            <div class="page-head">
                <h1>"Tenants"</h1>
                <button class="secondary" on:click=move |_| tenants.refetch()>"Refresh"</button>
            </div>
            <Transition fallback=|| view! { <p class="loading">"Loading tenants…"</p> }>
                <Loaded what="tenants">
                {move || tenants.get().map(|r| r.map(|list| view! { <TenantTable tenants=list/> }))}
                </Loaded>
            </Transition>
            <Transition fallback=|| ()>
                {move || me.get().and_then(|r| r.ok()).flatten().filter(|signed_in| signed_in.me.operator).map(|_| view! {
                    <NewTenant create/>
                })}
            </Transition>
        </section>
    }
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

#[component]
fn NewTenant(create: ServerAction<CreateTenant>) -> impl IntoView {
    let problem = move || match create.value().get() {
        Some(Ok(Err(problem))) => Some(problem),
        Some(Err(e)) => Some(e),
        _ => None,
    };
    let error_for = move |field: &'static str| {
        move || {
            problem()
                .filter(|p| p.field.as_deref() == Some(field))
                .map(|p| p.message)
        }
    };
    let other = move || {
        problem()
            .filter(|p| !matches!(p.field.as_deref(), Some("slug" | "displayName")))
            .map(|p| p.message)
    };
    let created = move || match create.value().get() {
        Some(Ok(Ok(tenant))) => Some(format!("Created {}.", tenant.display_name)),
        _ => None,
    };
    view! {
        <h2>"Create a tenant"</h2>
        <ActionForm action=create attr:class="form" attr:novalidate=true>
            <label for="tenant-slug">"Slug (its subdomain)"</label>
            <input id="tenant-slug" name="slug" required=true autocomplete="off"
                aria-describedby="tenant-slug-error" placeholder="acme"/>
            <p id="tenant-slug-error" class="field-error" role="alert">{error_for("slug")}</p>
            <label for="tenant-name">"Display name"</label>
            <input id="tenant-name" name="display_name" aria-describedby="tenant-name-error"
                placeholder="Acme Corp"/>
            <p id="tenant-name-error" class="field-error" role="alert">{error_for("displayName")}</p>
            <p class="error" role="alert">{other}</p>
            <p class="saved" role="status">{created}</p>
            <Submit pending=create.pending() idle="Create tenant" busy="Creating…"/>
        </ActionForm>
    }
}
