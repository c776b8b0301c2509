//! A tenant's prompts and resources: what MCP clients list besides tools.
//! Each is added whole and removed whole; the control plane checks them.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::api::{Outcome, Problem};
use crate::failure::Loaded;
use crate::form::{Field, FormError, Submit, on_success, problem_signal, successes};
use crate::nav::TenantNav;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogView {
    /// As the API shows them (shown, not edited, here).
    pub prompts: Vec<Value>,
    pub resources: Vec<Value>,
    pub may_change: bool,
}

#[server(prefix = "/ui/fn", endpoint = "load_catalog")]
pub async fn load_catalog(slug: String) -> Result<CatalogView, Problem> {
    let at = crate::api::paths::tenant(&slug);
    let prompts: crate::api::Page<Value> =
        crate::api::call("GET", &format!("{}?limit=1000", at.prompts()), None).await?;
    let resources: crate::api::Page<Value> =
        crate::api::call("GET", &format!("{}?limit=1000", at.resources()), None).await?;
    Ok(CatalogView {
        prompts: prompts.items,
        resources: resources.items,
        may_change: crate::api::may(&slug).await?.write,
    })
}

/// Adds a prompt of one user message.
#[server(prefix = "/ui/fn", endpoint = "add_prompt")]
pub async fn add_prompt(
    slug: String,
    name: String,
    description: String,
    message: String,
) -> Result<Outcome<Value>, Problem> {
    let description = Some(description.trim().to_owned()).filter(|d| !d.is_empty());
    let body = serde_json::json!({
        "name": name.trim(), "description": description,
        "messages": [{"role": "user", "content": {"type": "text", "text": message}}],
    });
    crate::api::attempt(
        "POST",
        &crate::api::paths::tenant(&slug).prompts(),
        Some(body),
    )
    .await
}

/// Adds a text resource.
#[server(prefix = "/ui/fn", endpoint = "add_resource")]
pub async fn add_resource(
    slug: String,
    uri: String,
    name: String,
    mime_type: String,
    text: String,
) -> Result<Outcome<Value>, Problem> {
    let mime_type = Some(mime_type.trim().to_owned()).filter(|m| !m.is_empty());
    let body = serde_json::json!({
        "uri": uri.trim(), "name": name.trim(), "mimeType": mime_type, "text": text,
    });
    crate::api::attempt(
        "POST",
        &crate::api::paths::tenant(&slug).resources(),
        Some(body),
    )
    .await
}

/// Removes the prompt `name` or (with `resource`) the resource `name`
/// (its URI).
#[server(prefix = "/ui/fn", endpoint = "remove_entry")]
pub async fn remove_entry(
    slug: String,
    resource: bool,
    name: String,
) -> Result<Outcome<()>, Problem> {
    let at = crate::api::paths::tenant(&slug);
    let path = if resource {
        at.resource(&name)
    } else {
        at.prompt(&name)
    };
    let done: Outcome<Value> = crate::api::attempt("DELETE", &path, None).await?;
    Ok(done.map(|_| ()))
}

#[component]
pub fn CatalogPage() -> impl IntoView {
    let params = use_params_map();
    let slug = Signal::derive(move || params.read().get("slug").unwrap_or_default());
    let prompt = ServerAction::<AddPrompt>::new();
    let resource = ServerAction::<AddResource>::new();
    let remove = ServerAction::<RemoveEntry>::new();
    let prompt_done = successes(prompt);
    let resource_done = successes(resource);
    let remove_done = successes(remove);
    let data = Resource::new(
        move || {
            (
                slug.get(),
                prompt_done.get() + resource_done.get() + remove_done.get(),
            )
        },
        |(slug, _)| load_catalog(slug),
    );
    let rights = Resource::new(move || slug.get(), crate::session::my_rights);
    view! {
        <section class="page">
            <TenantNav slug title="Prompts and resources"/>
            <FormError problem=problem_signal(remove) fields=&[]/>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                <Loaded what="prompts and resources">
                {move || data.get().map(|r| r.map(|v| view! { <Lists view=v slug remove/> }))}
                </Loaded>
            </Transition>
            <Transition fallback=|| ()>
                {move || rights.get().and_then(|r| r.ok()).filter(|r| r.write).map(|_| view! {
                    <PromptForm slug action=prompt/>
                    <ResourceForm slug action=resource/>
                })}
            </Transition>
        </section>
    }
}

fn text(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_default().to_owned()
}

#[component]
fn Lists(
    view: CatalogView,
    slug: Signal<String>,
    remove: ServerAction<RemoveEntry>,
) -> impl IntoView {
    let CatalogView {
        prompts,
        resources,
        may_change,
    } = view;
    let entry = move |resource: bool, key: String, title: String, detail: String| {
        let label = format!("Remove {title}");
        view! {
            <li>
                <strong>{title}</strong>
                <p>{detail}</p>
                {may_change.then(|| view! {
                    <button type="button" class="secondary danger" disabled=move || remove.pending().get()
                        on:click=move |_| { remove.dispatch(RemoveEntry { slug: slug.get_untracked(), resource, name: key.clone() }); }>
                        {label.clone()}
                    </button>
                })}
            </li>
        }
    };
    let prompt_list = if prompts.is_empty() {
        view! { <p class="empty">"No prompts yet."</p> }.into_any()
    } else {
        view! {
            <ul class="cards prompts">
                {prompts.iter().map(|p| entry(false, text(p, "name"), text(p, "name"), text(p, "description"))).collect_view()}
            </ul>
        }.into_any()
    };
    let resource_list = if resources.is_empty() {
        view! { <p class="empty">"No resources yet."</p> }.into_any()
    } else {
        view! {
            <ul class="cards resources">
                {resources.iter().map(|r| entry(true, text(r, "uri"), text(r, "name"), text(r, "uri"))).collect_view()}
            </ul>
        }.into_any()
    };
    view! {
        <h2>"Prompts"</h2>
        {prompt_list}
        <h2>"Resources"</h2>
        {resource_list}
    }
}

#[component]
fn PromptForm(slug: Signal<String>, action: ServerAction<AddPrompt>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let message = RwSignal::new(String::new());
    let problem = problem_signal(action);
    on_success(action, move || {
        for field in [name, description, message] {
            field.set(String::new());
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(AddPrompt {
            slug: slug.get_untracked(),
            name: name.get_untracked(),
            description: description.get_untracked(),
            message: message.get_untracked(),
        });
    };
    view! {
        <h2>"Add a prompt"</h2>
        <form class="form" novalidate=true on:submit=submit>
            <Field id="prompt-name" label="Prompt name" value=name field="name" problem placeholder="summarize"/>
            <Field id="prompt-description" label="Prompt description" value=description field="description" problem/>
            <Field id="prompt-message" label="Message (from the user)" value=message field="messages" problem
                placeholder="Summarize today's forecast."/>
            <FormError problem fields=&["name", "description", "messages"]/>
            <Submit pending=action.pending() idle="Add prompt" busy="Adding…"/>
        </form>
    }
}

#[component]
fn ResourceForm(slug: Signal<String>, action: ServerAction<AddResource>) -> impl IntoView {
    let uri = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let mime_type = RwSignal::new("text/plain".to_owned());
    let body = RwSignal::new(String::new());
    let problem = problem_signal(action);
    on_success(action, move || {
        for field in [uri, name, body] {
            field.set(String::new());
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(AddResource {
            slug: slug.get_untracked(),
            uri: uri.get_untracked(),
            name: name.get_untracked(),
            mime_type: mime_type.get_untracked(),
            text: body.get_untracked(),
        });
    };
    view! {
        <h2>"Add a resource"</h2>
        <form class="form" novalidate=true on:submit=submit>
            <Field id="resource-uri" label="URI" value=uri field="uri" problem placeholder="docs://handbook"/>
            <Field id="resource-name" label="Resource name" value=name field="name" problem/>
            <Field id="resource-mime" label="MIME type" value=mime_type field="mimeType" problem/>
            <label for="resource-text">"Text"</label>
            <textarea id="resource-text" rows="5" aria-describedby="resource-text-error"
                prop:value=move || body.get() on:input=move |ev| body.set(event_target_value(&ev))></textarea>
            <p id="resource-text-error" class="field-error" role="alert">
                {move || crate::form::field_message(problem.get(), "text")}
            </p>
            <FormError problem fields=&["uri", "name", "mimeType", "text"]/>
            <Submit pending=action.pending() idle="Add resource" busy="Adding…"/>
        </form>
    }
}
