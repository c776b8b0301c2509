//! A tenant's tools: the list, and adding one with its JSON Schema checked
//! as it is typed (is it JSON?) and by the control plane on saving (is it
//! a valid schema, an object?), errors next to the field at fault.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::api::{Outcome, Problem, Tool};
use crate::tenants::Failure;

/// Whether the signed-in admin may add tools to the tenant.
#[server(prefix = "/ui/fn", endpoint = "may_add_tools")]
pub async fn may_add_tools(slug: String) -> Result<bool, ServerFnError> {
    let me: crate::session::Me = crate::api::call("GET", "/v1/session", None).await?;
    Ok(me.may_change(&slug))
}

#[server(prefix = "/ui/fn", endpoint = "list_tools")]
pub async fn list_tools(slug: String) -> Result<Vec<Tool>, ServerFnError> {
    let page: crate::api::Page<Tool> =
        crate::api::call("GET", &format!("/v1/tenants/{slug}/tools?limit=1000"), None).await?;
    Ok(page.items)
}

/// Adds a tool answering with fixed text; the schema arrives as typed.
#[server(prefix = "/ui/fn", endpoint = "create_tool")]
pub async fn create_tool(
    slug: String,
    name: String,
    description: String,
    input_schema: String,
    text: String,
) -> Result<Outcome<Tool>, ServerFnError> {
    let schema: serde_json::Value = match serde_json::from_str(&input_schema) {
        Ok(schema) => schema,
        Err(e) => {
            return Ok(Err(Problem {
                status: 422,
                code: "invalid_input".into(),
                message: format!("inputSchema: not JSON ({e})"),
                field: Some("inputSchema".into()),
            }));
        }
    };
    let body = serde_json::json!({
        "name": name, "description": description, "inputSchema": schema,
        "content": [{"type": "text", "text": text}],
    });
    crate::api::attempt("POST", &format!("/v1/tenants/{slug}/tools"), Some(body)).await
}

#[component]
pub fn ToolsPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let create = ServerAction::<CreateTool>::new();
    let tools = Resource::new(
        move || (slug(), create.version().get()),
        |(slug, _)| list_tools(slug),
    );
    // Its own resource, not refetched after a save: a refused save keeps
    // what was typed.
    let access = Resource::new(slug, may_add_tools);
    view! {
        <section class="page">
            <div class="page-head">
                <h1>"Tools"</h1>
                <a href=move || format!("/tenants/{}", slug())>"Back to the tenant"</a>
            </div>
            <Transition fallback=|| view! { <p class="loading">"Loading tools…"</p> }>
                {move || tools.get().map(|r| match r {
                    Ok(list) => view! { <ToolList tools=list/> }.into_any(),
                    Err(e) => view! { <Failure problem=Problem::of(&e) what="tools"/> }.into_any(),
                })}
            </Transition>
            <Transition fallback=|| ()>
                {move || access.get().map(|may| match may {
                    Ok(true) => view! { <NewTool slug=Signal::derive(slug) create/> }.into_any(),
                    _ => view! {
                        <p class="muted">"Adding tools needs the admin or owner role."</p>
                    }.into_any(),
                })}
            </Transition>
        </section>
    }
}

#[component]
fn ToolList(tools: Vec<Tool>) -> impl IntoView {
    if tools.is_empty() {
        return view! { <p class="empty">"No tools yet: add the first one below."</p> }.into_any();
    }
    view! {
        <ul class="tools">
            {tools.into_iter().map(|t| {
                let key = t.name.clone();
                let shown = t.title.clone().unwrap_or_else(|| t.name.clone());
                view! {
                    <li data-tool=key>
                        <strong>{shown}</strong>
                        " "<code>{t.name}</code>
                        <p>{t.description}</p>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn NewTool(slug: Signal<String>, create: ServerAction<CreateTool>) -> impl IntoView {
    let schema = RwSignal::new(
        "{\n  \"type\": \"object\",\n  \"properties\": {\"city\": {\"type\": \"string\"}},\n  \"required\": [\"city\"]\n}"
            .to_owned(),
    );
    // As typed: is it JSON at all? The control plane says the rest.
    let typed_problem = move || {
        serde_json::from_str::<serde_json::Value>(&schema.get())
            .err()
            .map(|e| format!("Not valid JSON yet: {e}"))
    };
    let problem = move || match create.value().get() {
        Some(Ok(Err(problem))) => Some(problem),
        Some(Err(e)) => Some(Problem::of(&e)),
        _ => None,
    };
    let field_error = move |field: &'static str| {
        move || {
            problem()
                .filter(|p| p.field.as_deref() == Some(field))
                .map(|p| p.message)
        }
    };
    let other_error = move || {
        problem()
            .filter(|p| {
                !matches!(
                    p.field.as_deref(),
                    Some("name" | "description" | "inputSchema")
                )
            })
            .map(|p| p.message)
    };
    let saved = move || match create.value().get() {
        Some(Ok(Ok(tool))) => Some(format!("Added {}.", tool.name)),
        _ => None,
    };
    view! {
        <h2>"Add a tool"</h2>
        <ActionForm action=create attr:class="form" attr:novalidate=true>
            <input type="hidden" name="slug" prop:value=move || slug.get()/>
            <label for="tool-name">"Name"</label>
            <input id="tool-name" name="name" required=true autocomplete="off"
                aria-describedby="tool-name-error" placeholder="get_weather"/>
            <p id="tool-name-error" class="field-error" role="alert">{field_error("name")}</p>
            <label for="tool-description">"Description"</label>
            <input id="tool-description" name="description" required=true
                aria-describedby="tool-description-error" placeholder="What the tool does, for the model"/>
            <p id="tool-description-error" class="field-error" role="alert">{field_error("description")}</p>
            <label for="tool-schema">"Input schema (JSON Schema)"</label>
            <textarea id="tool-schema" name="input_schema" rows="8" spellcheck="false"
                aria-describedby="tool-schema-error"
                prop:value=move || schema.get()
                on:input=move |ev| schema.set(event_target_value(&ev))></textarea>
            <p id="tool-schema-error" class="field-error" role="alert">
                {move || typed_problem().or_else(field_error("inputSchema"))}
            </p>
            <label for="tool-text">"Answer (text)"</label>
            <input id="tool-text" name="text" required=true placeholder="Sunny, 21°C"/>
            <p class="error" role="alert">{other_error}</p>
            <p class="saved" role="status">{saved}</p>
            <button class="primary" type="submit"
                disabled=move || create.pending().get() || typed_problem().is_some()>
                {move || if create.pending().get() { "Saving…" } else { "Add tool" }}
            </button>
        </ActionForm>
    }
}
