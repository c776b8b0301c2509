//! The one editor for adding and changing a tool, and its preview.

use super::*;

/// What the editor starts from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EditorData {
    /// The tool being edited; `None` when adding one.
    pub tool: Option<ToolForm>,
    /// The edited tool's version (`ETag`): a save made on it is refused if
    /// someone else saved the tool since.
    pub version: Option<String>,
    /// The tenant's scopes, to pick from.
    pub scopes: Vec<Scope>,
    pub may_change: bool,
}

/// A tool as its form holds it: JSON as typed text.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ToolForm {
    pub name: String,
    pub title: String,
    pub description: String,
    pub input_schema: String,
    /// The text the tool answers with.
    pub text: String,
    pub scopes: Vec<String>,
    pub read_only: bool,
    pub destructive: bool,
    pub idempotent: bool,
    pub open_world: bool,
    /// Optional; with it, `structured_content` is the result's JSON.
    pub output_schema: String,
    pub structured_content: String,
    /// The backend the tool calls instead of answering `text` (JSON:
    /// `{method, url, query?, headers?, timeoutMs?, maxResponseBytes?}`).
    pub http: String,
}

const NEW_SCHEMA: &str = "{\n  \"type\": \"object\",\n  \"properties\": {\"city\": {\"type\": \"string\"}},\n  \"required\": [\"city\"]\n}";

#[cfg(feature = "ssr")]
fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

#[cfg(feature = "ssr")]
impl ToolForm {
    /// The form of a tool as the API shows it.
    fn of(tool: &Value) -> Self {
        let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        let hint = |name: &str| tool["annotations"][name].as_bool().unwrap_or(false);
        let optional = |v: &Value| {
            if v.is_null() {
                String::new()
            } else {
                pretty(v)
            }
        };
        Self {
            name: text(&tool["name"]),
            title: text(&tool["title"]),
            description: text(&tool["description"]),
            input_schema: pretty(&tool["inputSchema"]),
            text: text(&tool["content"][0]["text"]),
            scopes: serde_json::from_value(tool["scopes"].clone()).unwrap_or_default(),
            read_only: hint("readOnlyHint"),
            destructive: hint("destructiveHint"),
            idempotent: hint("idempotentHint"),
            open_world: hint("openWorldHint"),
            output_schema: optional(&tool["outputSchema"]),
            structured_content: optional(&tool["structuredContent"]),
            http: optional(&tool["http"]),
        }
    }
}

#[server(prefix = "/ui/fn", endpoint = "tool_editor")]
pub async fn tool_editor(slug: String, name: Option<String>) -> Result<EditorData, Problem> {
    let (tool, version) = match &name {
        Some(name) => {
            let path = crate::api::paths::tenant(&slug).tool(name);
            let (tool, version) = crate::api::versioned("GET", &path, None, None).await?;
            let tool: Value = tool?;
            (Some(ToolForm::of(&tool)), version)
        }
        None => (None, None),
    };
    let auth: crate::api::AuthSettings =
        crate::api::call("GET", &crate::api::paths::tenant(&slug).auth(), None).await?;
    Ok(EditorData {
        tool,
        version,
        scopes: auth.scopes,
        may_change: crate::api::may(&slug).await?.write,
    })
}

/// Parses one JSON field of the form, or says which one is not JSON.
#[cfg(feature = "ssr")]
pub(super) fn json_field(text: &str, field: &str) -> Result<Option<Value>, Problem> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    serde_json::from_str(text)
        .map(Some)
        .map_err(|e| Problem::invalid(field, &format!("{field}: not JSON ({e})")))
}

/// The API's tool document for `form`, on top of `base` (the saved tool,
/// whose fields the form does not show are kept).
#[cfg(feature = "ssr")]
pub fn tool_document(form: &ToolForm, base: Option<Value>) -> Result<Value, Problem> {
    let mut doc = base.unwrap_or_else(|| serde_json::json!({}));
    let input_schema = json_field(&form.input_schema, "inputSchema")?.unwrap_or(Value::Null);
    let output_schema = json_field(&form.output_schema, "outputSchema")?;
    let structured = json_field(&form.structured_content, "structuredContent")?;
    let http = json_field(&form.http, "http")?;
    let object = doc.as_object_mut().expect("a tool is an object");
    object.remove("createdAt");
    object.insert("name".into(), form.name.trim().into());
    let title = Some(form.title.trim()).filter(|t| !t.is_empty());
    object.insert("title".into(), title.into());
    object.insert("description".into(), form.description.trim().into());
    object.insert("inputSchema".into(), input_schema);
    // The answer's first text block is the form's; other blocks stay.
    let mut content: Vec<Value> = object
        .get("content")
        .and_then(|c| serde_json::from_value(c.clone()).ok())
        .unwrap_or_default();
    let text = serde_json::json!({"type": "text", "text": form.text});
    match content.first() {
        Some(first) if first["type"] == "text" => content[0] = text,
        _ if !form.text.is_empty() => content.insert(0, text),
        _ => {}
    }
    object.insert("content".into(), content.into());
    object.insert("scopes".into(), form.scopes.clone().into());
    let hints = [
        form.read_only,
        form.destructive,
        form.idempotent,
        form.open_world,
    ];
    let had = object.get("annotations").is_some_and(|a| !a.is_null());
    let annotations = (had || hints.contains(&true)).then(|| {
        serde_json::json!({
            "readOnlyHint": form.read_only, "destructiveHint": form.destructive,
            "idempotentHint": form.idempotent, "openWorldHint": form.open_world,
        })
    });
    object.insert("annotations".into(), annotations.into());
    object.insert("outputSchema".into(), output_schema.into());
    object.insert("structuredContent".into(), structured.into());
    match http {
        Some(http) => object.insert("http".into(), http),
        None => object.remove("http"),
    };
    Ok(doc)
}

/// A saved tool and its new version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedTool {
    pub tool: Tool,
    pub version: Option<String>,
}

/// Adds a tool (`original` is `None`) or replaces the one named `original`,
/// on `version` (refused, the form kept as typed, if someone else saved it
/// since).
#[server(prefix = "/ui/fn", endpoint = "save_tool", input = Json)]
pub async fn save_tool(
    slug: String,
    original: Option<String>,
    version: Option<String>,
    form: ToolForm,
) -> Result<Outcome<SavedTool>, Problem> {
    let base = match &original {
        Some(name) => {
            let path = crate::api::paths::tenant(&slug).tool(name);
            match crate::api::attempt::<Value>("GET", &path, None).await? {
                Ok(tool) => Some(tool),
                Err(problem) => return Ok(Err(problem)),
            }
        }
        None => None,
    };
    let doc = match tool_document(&form, base) {
        Ok(doc) => doc,
        Err(problem) => return Ok(Err(problem)),
    };
    let (saved, version) = match original {
        Some(name) => {
            let path = crate::api::paths::tenant(&slug).tool(&name);
            crate::api::versioned("PUT", &path, Some(doc), version).await?
        }
        None => {
            let path = crate::api::paths::tenant(&slug).tools();
            crate::api::versioned("POST", &path, Some(doc), None).await?
        }
    };
    Ok(saved.map(|tool| SavedTool { tool, version }))
}

const TOOL_FIELDS: &[&str] = &[
    "name",
    "title",
    "description",
    "inputSchema",
    "outputSchema",
    "structuredContent",
    "http",
    "http.url",
    "http.headers",
    "http.query",
    "http.timeoutMs",
    "http.maxResponseBytes",
    "http.credential.header",
    "http.credential.username",
    "http.credential.secret",
    "http.assertion.audience",
    "http.assertion.header",
    "http.assertion.lifetimeSecs",
    "http.userToken",
    "http.mcp.tool",
];

/// Whether `text` is a JSON object, in words when it is not.
fn typed_problem(text: &str, optional: bool) -> Option<String> {
    if optional && text.trim().is_empty() {
        return None;
    }
    match serde_json::from_str::<Value>(text) {
        Err(e) => Some(format!("Not valid JSON yet: {e}")),
        Ok(v) if !v.is_object() => {
            Some("A JSON Schema here is an object: {\"type\": \"object\", …}".into())
        }
        Ok(_) => None,
    }
}

/// Adds a tool (`data.tool` is `None`) or edits one.
#[component]
pub(super) fn ToolEditor(
    slug: Signal<String>,
    data: EditorData,
    save: ServerAction<SaveTool>,
) -> impl IntoView {
    let EditorData {
        tool,
        version,
        scopes: tenant_scopes,
        may_change,
    } = data;
    // The version the next save is made on: the one read, then each saved.
    let version = RwSignal::new(version);
    Effect::new(move |_| {
        if let Some(Ok(Ok(saved))) = save.value().get() {
            version.set(saved.version);
        }
    });
    let original = tool.as_ref().map(|t| t.name.clone());
    let editing = original.is_some();
    let t = tool.unwrap_or(ToolForm {
        input_schema: NEW_SCHEMA.into(),
        ..Default::default()
    });
    let name = RwSignal::new(t.name);
    let title = RwSignal::new(t.title);
    let description = RwSignal::new(t.description);
    let schema = RwSignal::new(t.input_schema);
    let text = RwSignal::new(t.text);
    let scopes = RwSignal::new(t.scopes);
    let read_only = RwSignal::new(t.read_only);
    let destructive = RwSignal::new(t.destructive);
    let idempotent = RwSignal::new(t.idempotent);
    let open_world = RwSignal::new(t.open_world);
    let output_schema = RwSignal::new(t.output_schema);
    let structured = RwSignal::new(t.structured_content);
    let http = RwSignal::new(t.http);
    let problem = problem_signal(save);
    if !editing {
        // Added: the form is ready for the next tool.
        on_success(save, move || {
            for field in [
                name,
                title,
                description,
                text,
                output_schema,
                structured,
                http,
            ] {
                field.set(String::new());
            }
            schema.set(NEW_SCHEMA.into());
            scopes.set(Vec::new());
            for hint in [read_only, destructive, idempotent, open_world] {
                hint.set(false);
            }
        });
    }
    let form = move || ToolForm {
        name: name.get(),
        title: title.get(),
        description: description.get(),
        input_schema: schema.get(),
        text: text.get(),
        scopes: scopes.get(),
        read_only: read_only.get(),
        destructive: destructive.get(),
        idempotent: idempotent.get(),
        open_world: open_world.get(),
        output_schema: output_schema.get(),
        structured_content: structured.get(),
        http: http.get(),
    };
    let schema_typed = move || typed_problem(&schema.get(), false);
    let output_typed = move || typed_problem(&output_schema.get(), true);
    let structured_typed = move || {
        let text = structured.get();
        (!text.trim().is_empty())
            .then(|| {
                serde_json::from_str::<Value>(&text)
                    .err()
                    .map(|e| format!("Not valid JSON yet: {e}"))
            })
            .flatten()
    };
    let http_typed = move || typed_problem(&http.get(), true);
    let typed_ok = move || {
        schema_typed().is_none()
            && output_typed().is_none()
            && structured_typed().is_none()
            && http_typed().is_none()
    };
    let server_error =
        move |field: &'static str| move || crate::form::field_message(problem.get(), field);
    let saved = move || match save.value().get() {
        Some(Ok(Ok(saved))) => Some(format!("Saved {}.", saved.tool.name)),
        _ => None,
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(SaveTool {
            slug: slug.get_untracked(),
            original: original.clone(),
            version: version.get_untracked(),
            form: form(),
        });
    };
    let scope_choices = tenant_scopes
        .into_iter()
        .map(|s| {
            let value = s.name.clone();
            let id = format!("tool-scope-{}", s.name.replace([':', '.', '/'], "-"));
            let checked = {
                let value = value.clone();
                move || scopes.get().contains(&value)
            };
            let label_for = id.clone();
            view! {
                <label class="check" for=label_for>
                    <input type="checkbox" id=id prop:checked=checked
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            scopes.update(|list| {
                                list.retain(|s| s != &value);
                                if on { list.push(value.clone()); }
                            });
                        }/>
                    <code>{s.name}</code>" — "{s.description}
                </label>
            }
        })
        .collect_view();
    let hint = |label: &'static str, id: &'static str, signal: RwSignal<bool>| {
        view! {
            <label class="check" for=id>
                <input type="checkbox" id=id prop:checked=move || signal.get()
                    on:change=move |ev| signal.set(event_target_checked(&ev))/>
                {label}
            </label>
        }
    };
    view! {
        <div class="editor">
            <form class="form" novalidate=true on:submit=submit>
                <fieldset disabled=!may_change>
                    <Field id="tool-name" label="Name" value=name field="name" problem placeholder="get_weather"/>
                    <Field id="tool-title" label="Title (optional)" value=title field="title" problem
                        placeholder="Weather"/>
                    <Field id="tool-description" label="Description" value=description field="description" problem
                        placeholder="What the tool does, for the model"/>
                    <label for="tool-schema">"Input schema (JSON Schema)"</label>
                    <textarea id="tool-schema" rows="8" spellcheck="false" aria-describedby="tool-schema-error"
                        prop:value=move || schema.get()
                        on:input=move |ev| schema.set(event_target_value(&ev))></textarea>
                    <p id="tool-schema-error" class="field-error" role="alert">
                        {move || schema_typed().or_else(server_error("inputSchema"))}
                    </p>
                    <Field id="tool-text" label="Answer (text)" value=text field="content" problem
                        placeholder="Sunny, 21°C"/>
                    <fieldset class="group">
                        <legend>"Scopes a caller's token must carry"</legend>
                        {scope_choices}
                        <p class="hint">"Scopes are defined on the Sign-in tab; none means any signed-in caller."</p>
                        <p class="field-error" role="alert">{server_error("scopes")}</p>
                    </fieldset>
                    <fieldset class="group">
                        <legend>"Hints for clients"</legend>
                        {hint("Read-only (changes nothing)", "tool-read-only", read_only)}
                        {hint("Destructive (may delete or overwrite)", "tool-destructive", destructive)}
                        {hint("Idempotent (repeating changes nothing more)", "tool-idempotent", idempotent)}
                        {hint("Open world (reaches outside systems)", "tool-open-world", open_world)}
                    </fieldset>
                    <details>
                        <summary>"Structured result (optional)"</summary>
                        <label for="tool-output-schema">"Output schema (JSON Schema)"</label>
                        <textarea id="tool-output-schema" rows="5" spellcheck="false"
                            aria-describedby="tool-output-schema-error"
                            prop:value=move || output_schema.get()
                            on:input=move |ev| output_schema.set(event_target_value(&ev))></textarea>
                        <p id="tool-output-schema-error" class="field-error" role="alert">
                            {move || output_typed().or_else(server_error("outputSchema"))}
                        </p>
                        <label for="tool-structured">"Structured content (JSON)"</label>
                        <textarea id="tool-structured" rows="4" spellcheck="false"
                            aria-describedby="tool-structured-error"
                            prop:value=move || structured.get()
                            on:input=move |ev| structured.set(event_target_value(&ev))></textarea>
                        <p id="tool-structured-error" class="field-error" role="alert">
                            {move || structured_typed().or_else(server_error("structuredContent"))}
                        </p>
                    </details>
                    <details open=!http.get_untracked().is_empty()>
                        <summary>"Call a backend instead (HTTP tool)"</summary>
                        <p class="hint">"The answer comes from your HTTPS endpoint, not the text above: \
                            arguments fill the URL template; the others go to the query (GET, DELETE), \
                            a JSON body (POST, PUT, PATCH) or the headers you choose."</p>
                        <super::binding_form::BindingFields http schema problem
                            json_problem=Signal::derive(http_typed)/>
                        <super::binding::BindingSummary http schema/>
                    </details>
                    <FormError problem fields=TOOL_FIELDS/>
                    <p class="saved" role="status">{saved}</p>
                    {may_change.then(|| view! {
                        <button class="primary" type="submit"
                            disabled=move || save.pending().get() || !typed_ok()>
                            {move || match (save.pending().get(), editing) {
                                (true, _) => "Saving…",
                                (false, true) => "Save tool",
                                (false, false) => "Add tool",
                            }}
                        </button>
                    })}
                </fieldset>
            </form>
            <aside class="preview" aria-label="As MCP clients see it">
                <h3>"As clients see it"</h3>
                <p class="hint">"The tool's entry in tools/list (published versions only)."</p>
                <pre><code>{move || preview(&form())}</code></pre>
            </aside>
        </div>
    }
}

/// The tool's `tools/list` entry as the form stands.
fn preview(form: &ToolForm) -> String {
    let parse = |text: &str| serde_json::from_str::<Value>(text).ok();
    let mut entry = serde_json::json!({
        "name": form.name.trim(),
        "description": form.description.trim(),
        "inputSchema": parse(&form.input_schema).unwrap_or_else(|| "(not valid JSON yet)".into()),
    });
    if !form.title.trim().is_empty() {
        entry["title"] = form.title.trim().into();
    }
    if form.read_only || form.destructive || form.idempotent || form.open_world {
        entry["annotations"] = serde_json::json!({
            "readOnlyHint": form.read_only, "destructiveHint": form.destructive,
            "idempotentHint": form.idempotent, "openWorldHint": form.open_world,
        });
    }
    if let Some(schema) = parse(&form.output_schema) {
        entry["outputSchema"] = schema;
    }
    serde_json::to_string_pretty(&entry).unwrap_or_default()
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn editing_keeps_what_the_form_does_not_show() {
        let saved = json!({
            "name": "get_weather", "description": "old", "inputSchema": {"type": "object"},
            "content": [{"type": "text", "text": "old"}, {"type": "image", "data": "AA==", "mimeType": "image/png"}],
            "notifications": [{"log": {"level": "info", "data": "hi"}}],
            "isError": false, "scopes": [], "createdAt": "2026-01-01T00:00:00Z",
            "annotations": null, "outputSchema": null, "structuredContent": null
        });
        let mut form = ToolForm::of(&saved);
        assert_eq!(form.text, "old");
        form.text = "new".into();
        form.scopes = vec!["read".into()];
        let doc = tool_document(&form, Some(saved)).unwrap();
        assert_eq!(doc["content"][0]["text"], "new");
        assert_eq!(doc["content"][1]["type"], "image");
        assert_eq!(doc["notifications"][0]["log"]["data"], "hi");
        assert_eq!(doc["scopes"], json!(["read"]));
        assert!(
            doc.get("createdAt").is_none(),
            "read-only fields are not sent"
        );
        assert!(doc["annotations"].is_null());
    }

    #[test]
    fn an_http_binding_is_edited_as_json_and_kept_or_dropped() {
        let saved = json!({
            "name": "weather", "description": "d", "inputSchema": {"type": "object"},
            "content": [], "scopes": [],
            "http": {"method": "GET", "url": "https://api.acme.test/{city}"}
        });
        let mut form = ToolForm::of(&saved);
        assert!(form.http.contains("api.acme.test"), "{}", form.http);
        let kept = tool_document(&form, Some(saved.clone())).unwrap();
        assert_eq!(kept["http"], saved["http"]);
        assert_eq!(kept["content"], json!([]), "no text block is invented");
        form.http = "{".into();
        assert_eq!(
            tool_document(&form, Some(saved.clone()))
                .unwrap_err()
                .field
                .as_deref(),
            Some("http")
        );
        form.http = String::new();
        let dropped = tool_document(&form, Some(saved)).unwrap();
        assert!(dropped.get("http").is_none(), "{dropped}");
    }

    #[test]
    fn json_fields_that_are_not_json_name_themselves() {
        let form = ToolForm {
            name: "t".into(),
            input_schema: "{".into(),
            ..Default::default()
        };
        let problem = tool_document(&form, None).unwrap_err();
        assert_eq!(problem.field.as_deref(), Some("inputSchema"));
        let form = ToolForm {
            input_schema: "{}".into(),
            output_schema: "[".into(),
            ..form
        };
        assert_eq!(
            tool_document(&form, None).unwrap_err().field.as_deref(),
            Some("outputSchema")
        );
    }
}
