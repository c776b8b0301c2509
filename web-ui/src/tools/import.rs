//! Importing tools from an OpenAPI description (its URL, or pasted) or
//! from a running MCP server (its endpoint, a prefix, its secret): the
//! admin sees one tool per operation or upstream tool (new, changed or
//! unchanged against the tenant's tools — an upstream's drift — and what
//! cannot be a tool, with why), keeps some, types the secrets an OpenAPI
//! description's schemes need, and imports them — all or none.

use std::collections::{BTreeMap, BTreeSet};

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use leptos_router::hooks::use_params_map;
use portcullis_api::imports::{ImportPreview, ImportedTools, McpSource, OpenApiSource, ToolChange};
use serde::{Deserialize, Serialize};

use crate::api::{Outcome, Problem};
use crate::form::{Field, FormError, Submit, problem_signal};
use crate::nav::TenantNav;

/// Where the tools come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Source {
    OpenApi(OpenApiSource),
    Mcp(McpSource),
}

#[server(prefix = "/ui/fn", endpoint = "preview_import", input = Json)]
pub async fn preview_import(
    slug: String,
    source: Source,
) -> Result<Outcome<ImportPreview>, Problem> {
    let paths = crate::api::paths::tenant(&slug);
    let (path, body) = match source {
        Source::OpenApi(source) => (paths.openapi_preview(), serde_json::to_value(source)),
        Source::Mcp(source) => (paths.mcp_preview(), serde_json::to_value(source)),
    };
    crate::api::attempt("POST", &path, body.ok()).await
}

#[server(prefix = "/ui/fn", endpoint = "import_tools", input = Json)]
pub async fn import_tools(
    slug: String,
    source: Source,
    tools: Vec<String>,
    secrets: BTreeMap<String, String>,
) -> Result<Outcome<ImportedTools>, Problem> {
    use portcullis_api::imports::{McpImport, OpenApiImport};
    let paths = crate::api::paths::tenant(&slug);
    let (path, body) = match source {
        Source::OpenApi(source) => (
            paths.openapi_import(),
            serde_json::to_value(OpenApiImport {
                source,
                tools,
                secrets,
            }),
        ),
        Source::Mcp(source) => (
            paths.mcp_import(),
            serde_json::to_value(McpImport { source, tools }),
        ),
    };
    crate::api::attempt("POST", &path, body.ok()).await
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

/// What the admin typed for an MCP server, blanks left out.
fn server(url: &str, prefix: &str, secret: &str, header: &str) -> McpSource {
    let given = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
    McpSource {
        url: url.trim().to_owned(),
        prefix: given(prefix),
        secret: (!secret.is_empty()).then(|| secret.to_owned()),
        secret_header: given(header),
    }
}

#[component]
pub fn ImportPage() -> impl IntoView {
    let params = use_params_map();
    let slug = Signal::derive(move || params.read().get("slug").unwrap_or_default());
    let field = || RwSignal::new(String::new());
    let (url, document, base_url) = (field(), field(), field());
    let (mcp_url, prefix, secret, header) = (field(), field(), field(), field());
    let from_mcp = RwSignal::new(false);
    let typed = move || match from_mcp.get_untracked() {
        false => Source::OpenApi(source(
            &url.get_untracked(),
            &document.get_untracked(),
            &base_url.get_untracked(),
        )),
        true => Source::Mcp(server(
            &mcp_url.get_untracked(),
            &prefix.get_untracked(),
            &secret.get_untracked(),
            &header.get_untracked(),
        )),
    };
    let preview = ServerAction::<PreviewImport>::new();
    let problem = problem_signal(preview);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        preview.dispatch(PreviewImport {
            slug: slug.get_untracked(),
            source: typed(),
        });
    };
    let kind = move |mcp: bool, label: &'static str, id: &'static str| {
        view! {
            <label class="check" for=id>
                <input type="radio" name="import-kind" id=id prop:checked=move || from_mcp.get() == mcp
                    on:change=move |_| from_mcp.set(mcp)/>
                {label}
            </label>
        }
    };
    view! {
        <section class="page">
            <TenantNav slug title="Import tools"/>
            <p class="muted">"Tools from an OpenAPI 3.0 or 3.1 description (one per operation) or from an MCP \
                server you already run (one per tool it lists, forwarded to it). Nothing is saved until you import."</p>
            <form class="form import" novalidate=true on:submit=submit>
                <fieldset class="group">
                    <legend>"Import from"</legend>
                    {kind(false, "An OpenAPI description", "import-kind-openapi")}
                    {kind(true, "A running MCP server (Streamable HTTP)", "import-kind-mcp")}
                </fieldset>
                <div class="import-openapi" hidden=move || from_mcp.get()>
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
                </div>
                <div class="import-mcp" hidden=move || !from_mcp.get()>
                    <Field id="mcp-url" label="Server endpoint" value=mcp_url field="source.url" problem
                        placeholder="https://mcp.example.com/mcp"/>
                    <Field id="mcp-prefix" label="Prefix for its tools' names" value=prefix field="prefix" problem
                        placeholder="crm_" hint="Keeps its tools apart from yours and other servers'."/>
                    <Field id="mcp-secret" label="Secret (optional, write-only)" value=secret field="secrets" problem
                        kind="password" hint="Sent as Bearer, or in the header below; kept sealed with the tools."/>
                    <Field id="mcp-secret-header" label="Secret header (optional)" value=header
                        field="source.secretHeader" problem placeholder="authorization"/>
                </div>
                <FormError problem fields=&["source.url", "source.document", "baseUrl", "source.secretHeader"]/>
                <Submit pending=preview.pending() idle="Preview tools" busy="Reading…"/>
            </form>
            {move || match preview.value().get() {
                Some(Ok(Ok(proposed))) => Some(view! { <Proposals slug proposed source=typed()/> }),
                _ => None,
            }}
        </section>
    }
    .into_any()
}

/// The proposed tools to choose from, and the import.
#[component]
fn Proposals(slug: Signal<String>, proposed: ImportPreview, source: Source) -> impl IntoView {
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
    // An MCP server's secret was typed with its endpoint.
    let schemes: BTreeSet<String> = match &source {
        Source::OpenApi(_) => tools.iter().filter_map(|t| t.secret.clone()).collect(),
        Source::Mcp(_) => BTreeSet::new(),
    };
    let secrets: Vec<(String, RwSignal<String>)> = schemes
        .into_iter()
        .map(|scheme| (scheme, RwSignal::new(String::new())))
        .collect();
    let import = ServerAction::<ImportTools>::new();
    let problem = problem_signal(import);
    let typed = secrets.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let secrets: BTreeMap<String, String> = typed
            .iter()
            .map(|(scheme, value)| (scheme.clone(), value.get_untracked()))
            .filter(|(_, value)| !value.is_empty())
            .collect();
        import.dispatch(ImportTools {
            slug: slug.get_untracked(),
            source: source.clone(),
            tools: chosen.get_untracked().into_iter().collect(),
            secrets,
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
                <thead><tr><th scope="col">"Keep"</th><th scope="col">"Tool"</th><th scope="col">"From"</th>
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
            <h3>{format!("{refused_count} cannot be tools")}</h3>
            <ul class="refused">
                {refused.into_iter().map(|r| view! { <li><code>{r.operation}</code>": "{r.reason}</li> }).collect_view()}
            </ul>
        })}
    }
}
