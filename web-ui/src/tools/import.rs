//! Importing tools from an OpenAPI description: the admin gives its URL or
//! pastes it, sees one tool per operation (new, changed or unchanged
//! against the tenant's tools, and what cannot be a tool, with why), keeps
//! some, types the secrets their security schemes need, and imports them —
//! all or none.

use std::collections::{BTreeMap, BTreeSet};

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use leptos_router::hooks::use_params_map;
use portcullis_api::imports::{
    ImportPreview, ImportedTools, OpenApiImport, OpenApiSource, ToolChange,
};

use crate::api::{Outcome, Problem};
use crate::form::{Field, FormError, Submit, problem_signal};
use crate::nav::TenantNav;

#[server(prefix = "/ui/fn", endpoint = "preview_openapi", input = Json)]
pub async fn preview_openapi(
    slug: String,
    source: OpenApiSource,
) -> Result<Outcome<ImportPreview>, Problem> {
    let path = crate::api::paths::tenant(&slug).openapi_preview();
    crate::api::attempt("POST", &path, serde_json::to_value(source).ok()).await
}

#[server(prefix = "/ui/fn", endpoint = "import_openapi", input = Json)]
pub async fn import_openapi(
    slug: String,
    import: OpenApiImport,
) -> Result<Outcome<ImportedTools>, Problem> {
    let path = crate::api::paths::tenant(&slug).openapi_import();
    crate::api::attempt("POST", &path, serde_json::to_value(import).ok()).await
}

/// What the admin typed as the source, blanks left out.
fn source(url: &str, document: &str, base_url: &str) -> OpenApiSource {
    let given = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
    OpenApiSource {
        url: given(url),
        document: (!document.trim().is_empty()).then(|| document.to_owned()),
        base_url: given(base_url),
    }
}

#[component]
pub fn ImportPage() -> impl IntoView {
    let params = use_params_map();
    let slug = Signal::derive(move || params.read().get("slug").unwrap_or_default());
    let (url, document, base_url) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let preview = ServerAction::<PreviewOpenapi>::new();
    let problem = problem_signal(preview);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        preview.dispatch(PreviewOpenapi {
            slug: slug.get_untracked(),
            source: source(
                &url.get_untracked(),
                &document.get_untracked(),
                &base_url.get_untracked(),
            ),
        });
    };
    view! {
        <section class="page">
            <TenantNav slug title="Import tools from OpenAPI"/>
            <p class="muted">"One tool per operation of an OpenAPI 3.0 or 3.1 description. Nothing is saved until you import."</p>
            <form class="form import" novalidate=true on:submit=submit>
                <Field id="openapi-url" label="Description URL" value=url field="source.url" problem
                    placeholder="https://api.example.com/openapi.json"/>
                <label for="openapi-document">"…or paste it (JSON or YAML)"</label>
                <textarea id="openapi-document" rows="8" spellcheck="false"
                    aria-describedby="openapi-document-error"
                    prop:value=move || document.get()
                    on:input=move |ev| document.set(event_target_value(&ev))></textarea>
                <p id="openapi-document-error" class="field-error" role="alert">
                    {move || crate::form::field_message(problem.get(), "source.document")}
                </p>
                <Field id="openapi-base" label="Backend base URL" value=base_url field="baseUrl" problem
                    hint="Leave empty to use the description's server."/>
                <FormError problem fields=&["source.url", "source.document", "baseUrl"]/>
                <Submit pending=preview.pending() idle="Preview tools" busy="Reading…"/>
            </form>
            {move || match preview.value().get() {
                Some(Ok(Ok(proposed))) => {
                    let source = source(&url.get_untracked(), &document.get_untracked(), &base_url.get_untracked());
                    Some(view! { <Proposals slug proposed source/> })
                }
                _ => None,
            }}
        </section>
    }
}

/// The proposed tools to choose from, and the import.
#[component]
fn Proposals(
    slug: Signal<String>,
    proposed: ImportPreview,
    source: OpenApiSource,
) -> impl IntoView {
    let ImportPreview {
        title,
        version,
        tools,
        refused,
    } = proposed;
    // What is new or changed is chosen to start with.
    let chosen = RwSignal::new(
        tools
            .iter()
            .filter(|t| t.change != ToolChange::Unchanged)
            .map(|t| t.tool.name.clone())
            .collect::<BTreeSet<String>>(),
    );
    let schemes: BTreeSet<String> = tools.iter().filter_map(|t| t.secret.clone()).collect();
    let secrets: Vec<(String, RwSignal<String>)> = schemes
        .into_iter()
        .map(|scheme| (scheme, RwSignal::new(String::new())))
        .collect();
    let import = ServerAction::<ImportOpenapi>::new();
    let problem = problem_signal(import);
    let typed = secrets.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let secrets: BTreeMap<String, String> = typed
            .iter()
            .map(|(scheme, value)| (scheme.clone(), value.get_untracked()))
            .filter(|(_, value)| !value.is_empty())
            .collect();
        import.dispatch(ImportOpenapi {
            slug: slug.get_untracked(),
            import: OpenApiImport {
                source: source.clone(),
                tools: chosen.get_untracked().into_iter().collect(),
                secrets,
            },
        });
    };
    let rows = tools
        .into_iter()
        .map(|proposal| {
            let name = proposal.tool.name.clone();
            let id = format!("keep-{name}");
            let toggled = name.clone();
            let checked = name.clone();
            let row = name.clone();
            let change = match proposal.change {
                ToolChange::New => "new".to_owned(),
                ToolChange::Unchanged => "unchanged".to_owned(),
                ToolChange::Changed => format!("changed: {}", proposal.changed.join(", ")),
            };
            let mut notes = proposal.notes.clone();
            if let Some(scheme) = &proposal.secret {
                notes.insert(0, format!("sends the {scheme} secret"));
            }
            view! {
                <tr data-tool=row>
                    <td><input type="checkbox" id=id.clone()
                        prop:checked=move || chosen.read().contains(&checked)
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            chosen.update(|c| { if on { c.insert(toggled.clone()); } else { c.remove(&toggled); } });
                        }/></td>
                    <td><label for=id>{name}</label></td>
                    <td><code>{proposal.operation}</code></td>
                    <td class="change">{change}</td>
                    <td class="muted">{notes.join("; ")}</td>
                </tr>
            }
        })
        .collect_view();
    let refused_count = refused.len();
    let secret_fields = secrets
        .into_iter()
        .map(|(scheme, value)| {
            let label: &'static str = "Secret";
            let hint = format!("For the {scheme} security scheme (user:password for basic). Empty keeps a saved one.");
            view! { <Field id=format!("secret-{scheme}") label value field="secrets" problem kind="password" hint/> }
        })
        .collect_view();
    view! {
        <h2>{format!("{title} {version}")}</h2>
        <form class="form import-choose" novalidate=true on:submit=submit>
            <table class="proposals">
                <thead><tr><th scope="col">"Keep"</th><th scope="col">"Tool"</th><th scope="col">"Operation"</th>
                    <th scope="col">"Against your tools"</th><th scope="col">"Notes"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
            {secret_fields}
            <FormError problem fields=&["secrets"]/>
            <Submit pending=import.pending() idle="Import the chosen tools" busy="Importing…"/>
            {move || match import.value().get() {
                Some(Ok(Ok(done))) => Some(view! {
                    <p class="saved" role="status">{format!(
                        "Imported: {} created, {} updated. Publish to serve them.",
                        done.created.len(), done.updated.len()
                    )}" "<a href=format!("/tenants/{}/tools", slug.get_untracked())>"See the tools"</a></p>
                }),
                _ => None,
            }}
        </form>
        {(refused_count > 0).then(|| view! {
            <h3>{format!("{refused_count} operation(s) cannot be tools")}</h3>
            <ul class="refused">
                {refused.into_iter().map(|r| view! { <li><code>{r.operation}</code>": "{r.reason}</li> }).collect_view()}
            </ul>
        })}
    }
}
