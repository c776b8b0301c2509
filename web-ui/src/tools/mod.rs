//! A tenant's tools: the list, and one editor for adding and changing a
//! tool. The JSON Schema is checked as it is typed (is it JSON, an object?)
//! and by the control plane on saving (is it a valid schema?), errors next
//! to the field at fault; a preview shows the tool as `tools/list` gives
//! it to MCP clients. The pages are here; the editor is [`editor`], the
//! "Try it" panel [`try_panel`], the OpenAPI import [`import`], an HTTP
//! binding's fields [`binding_form`] and what it does [`binding`].

mod binding;
mod binding_form;
mod editor;
mod import;
mod try_panel;

pub use import::ImportPage;

use editor::ToolEditor;
#[cfg(feature = "ssr")]
use editor::json_field;
use editor::{SaveTool, tool_editor};
use try_panel::{TryPanel, example_arguments};

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::api::{Outcome, Problem, Scope, Tool};
use crate::failure::Loaded;
use crate::form::{Field, FormError, Submit, on_success, problem_signal, successes};
use crate::nav::TenantNav;

#[server(prefix = "/ui/fn", endpoint = "list_tools")]
pub async fn list_tools(slug: String) -> Result<Vec<Tool>, Problem> {
    let page: crate::api::Page<Tool> = crate::api::call(
        "GET",
        &format!("{}?limit=1000", crate::api::paths::tenant(&slug).tools()),
        None,
    )
    .await?;
    Ok(page.items)
}

#[server(prefix = "/ui/fn", endpoint = "delete_tool")]
pub async fn delete_tool(slug: String, name: String) -> Result<Outcome<()>, Problem> {
    let path = crate::api::paths::tenant(&slug).tool(&name);
    let done: Outcome<Value> = crate::api::attempt("DELETE", &path, None).await?;
    Ok(done.map(|_| ()))
}

#[component]
pub fn ToolsPage() -> impl IntoView {
    let params = use_params_map();
    let slug = Signal::derive(move || params.read().get("slug").unwrap_or_default());
    let save = ServerAction::<SaveTool>::new();
    let save_done = successes(save);
    let tools = Resource::new(
        move || (slug.get(), save_done.get()),
        |(slug, _)| list_tools(slug),
    );
    // Not refetched after a save: a refused save keeps what was typed.
    let editor = Resource::new(move || slug.get(), |slug| tool_editor(slug, None));
    view! {
        <section class="page">
            <TenantNav slug title="Tools"/>
            <Transition fallback=|| view! { <p class="loading">"Loading tools…"</p> }>
                <Loaded what="tools">
                {move || tools.get().map(|r| r.map(|list| view! { <ToolList tools=list slug/> }))}
                </Loaded>
            </Transition>
            <Transition fallback=|| ()>
                {move || editor.get().map(|r| match r {
                    Ok(data) if data.may_change => view! {
                        <p><a href=format!("/tenants/{}/import", slug.get_untracked())>"Import tools from an OpenAPI description or an MCP server"</a></p>
                        <h2>"Add a tool"</h2>
                        <ToolEditor slug data save/>
                    }.into_any(),
                    _ => view! {
                        <p class="muted">"Adding tools needs the admin or owner role."</p>
                    }.into_any(),
                })}
            </Transition>
        </section>
    }
}

#[component]
fn ToolList(tools: Vec<Tool>, slug: Signal<String>) -> impl IntoView {
    if tools.is_empty() {
        return view! { <p class="empty">"No tools yet: add the first one below."</p> }.into_any();
    }
    view! {
        <ul class="tools">
            {tools.into_iter().map(|t| {
                let key = t.name.clone();
                let shown = t.title.clone().unwrap_or_else(|| t.name.clone());
                let href = format!("/tenants/{}/tools/{}", slug.get_untracked(), crate::api::segment(&t.name));
                let scopes = (!t.scopes.is_empty()).then(|| format!("needs {}", t.scopes.join(", ")));
                let http = t.http.as_ref();
                // What an HTTP tool sends on the user's behalf, at a glance.
                let acting = [
                    http.filter(|h| h.user_token).map(|_| "acts as the user"),
                    http.filter(|h| h.assertion.is_some()).map(|_| "signs the user"),
                    http.filter(|h| h.credential.is_some()).map(|_| "sends a secret"),
                ];
                let forwarded = http
                    .and_then(|h| h.mcp.as_ref().map(|m| (m.tool.clone(), h.origin().unwrap_or_default())))
                    .map(|(tool, origin)| format!("forwards to {tool} at {origin}"));
                view! {
                    <li data-tool=key>
                        <a href=href><strong>{shown}</strong></a>
                        " "<code>{t.name}</code>
                        {scopes.map(|s| view! { " "<span class="badge">{s}</span> })}
                        {acting.into_iter().flatten().map(|a| view! { " "<span class="badge" data-acting=a>{a}</span> }).collect_view()}
                        {forwarded.map(|f| view! { " "<span class="badge" data-forwarded="true">{f}</span> })}
                        <p>{t.description}</p>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// One tool: its editor (or, for viewers, what clients see of it).
#[component]
pub fn ToolPage() -> impl IntoView {
    let params = use_params_map();
    let slug = Signal::derive(move || params.read().get("slug").unwrap_or_default());
    let name = move || params.read().get("name").unwrap_or_default();
    let save = ServerAction::<SaveTool>::new();
    let remove = ServerAction::<DeleteTool>::new();
    let editor = Resource::new(
        move || (slug.get(), name()),
        |(slug, name)| tool_editor(slug, Some(name)),
    );
    let navigate = leptos_router::hooks::use_navigate();
    // A saved rename or a deletion moves the tool; follow it.
    Effect::new(move || {
        let to = match (save.value().get(), remove.value().get()) {
            (_, Some(Ok(Ok(())))) => Some(format!("/tenants/{}/tools", slug.get_untracked())),
            (Some(Ok(Ok(saved))), _) if saved.tool.name != name() => Some(format!(
                "/tenants/{}/tools/{}",
                slug.get_untracked(),
                crate::api::segment(&saved.tool.name)
            )),
            _ => None,
        };
        if let Some(to) = to {
            navigate(&to, Default::default());
        }
    });
    let remove_problem = problem_signal(remove);
    view! {
        <section class="page">
            <TenantNav slug title="Tools"/>
            <Transition fallback=|| view! { <p class="loading">"Loading the tool…"</p> }>
                <Loaded what="this tool">
                {move || editor.get().map(|r| r.map(|data| view! {
                        <div class="page-head">
                            <h2>{format!("Edit {}", data.tool.as_ref().map(|t| t.name.clone()).unwrap_or_default())}</h2>
                            {data.may_change.then(|| view! {
                                <button type="button" class="secondary danger"
                                    disabled=move || remove.pending().get()
                                    on:click=move |_| { remove.dispatch(DeleteTool { slug: slug.get_untracked(), name: name() }); }>
                                    "Delete tool"
                                </button>
                            })}
                        </div>
                        <FormError problem=remove_problem fields=&[]/>
                        {
                            let example = data.tool.as_ref().map(|t| example_arguments(&t.input_schema)).unwrap_or_default();
                            let may_try = data.may_change;
                            view! {
                                <ToolEditor slug data save/>
                                {may_try.then(|| view! { <TryPanel slug name=Signal::derive(name) example/> })}
                            }
                        }
                    }))}
                </Loaded>
            </Transition>
        </section>
    }
}
