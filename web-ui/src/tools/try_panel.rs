//! "Try it": a call through the edge to the published tool.

use super::*;
use portcullis_api::tools::ToolTried;

/// Calls the tool's live version through the edge with `arguments` (JSON
/// as typed).
#[server(prefix = "/ui/fn", endpoint = "try_tool")]
pub async fn try_tool(
    slug: String,
    name: String,
    arguments: String,
) -> Result<Outcome<ToolTried>, Problem> {
    let arguments = match json_field(&arguments, "arguments") {
        Ok(Some(Value::Object(map))) => map,
        Ok(None) => Default::default(),
        Ok(Some(_)) => {
            return Ok(Err(Problem::invalid(
                "arguments",
                "arguments: must be a JSON object",
            )));
        }
        Err(problem) => return Ok(Err(problem)),
    };
    let path = crate::api::paths::tenant(&slug).tool_try(&name);
    let body = serde_json::to_value(portcullis_api::tools::ToolTry { arguments }).ok();
    crate::api::attempt("POST", &path, body).await
}

/// Arguments to start trying a tool with: each property of its schema with
/// an empty value of its type.
pub(super) fn example_arguments(schema: &str) -> String {
    let schema: Value = serde_json::from_str(schema).unwrap_or_default();
    let mut example = serde_json::Map::new();
    if let Some(properties) = schema["properties"].as_object() {
        for (name, property) in properties {
            let value = match property["type"].as_str() {
                Some("string") => Value::from(""),
                Some("number" | "integer") => Value::from(0),
                Some("boolean") => Value::from(false),
                Some("array") => Value::Array(Vec::new()),
                Some("object") => Value::Object(Default::default()),
                _ => Value::Null,
            };
            example.insert(name.clone(), value);
        }
    }
    serde_json::to_string_pretty(&Value::Object(example)).unwrap_or_default()
}

/// Calls the live tool through the edge and shows what came back.
#[component]
pub(super) fn TryPanel(
    slug: Signal<String>,
    name: Signal<String>,
    example: String,
) -> impl IntoView {
    let arguments = RwSignal::new(example);
    let attempt = ServerAction::<TryTool>::new();
    let problem = problem_signal(attempt);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        attempt.dispatch(TryTool {
            slug: slug.get_untracked(),
            name: name.get_untracked(),
            arguments: arguments.get_untracked(),
        });
    };
    view! {
        <form class="form try" novalidate=true on:submit=submit aria-labelledby="try-heading">
            <h3 id="try-heading">"Try it"</h3>
            <p class="hint">"Calls the published version through the edge, as a client would (scopes aside)."</p>
            <label for="try-arguments">"Arguments (JSON)"</label>
            <textarea id="try-arguments" rows="4" spellcheck="false" aria-describedby="try-arguments-error"
                prop:value=move || arguments.get()
                on:input=move |ev| arguments.set(event_target_value(&ev))></textarea>
            <p id="try-arguments-error" class="field-error" role="alert">
                {move || crate::form::field_message(problem.get(), "arguments")}
            </p>
            <FormError problem fields=&["arguments"]/>
            <Submit pending=attempt.pending() idle="Call the tool" busy="Calling…"/>
            <div class="try-result" aria-live="polite">
                {move || match attempt.value().get() {
                    Some(Ok(Ok(tried))) => {
                        let (verdict, class) = match (&tried.result, &tried.error) {
                            (Some(r), _) if r["isError"] == true => ("The tool answered with an error:".to_owned(), "error"),
                            (Some(_), _) => (format!("Answered by v{}:", tried.version), "saved"),
                            _ => (
                                format!("Refused: {}", tried.error.as_ref().and_then(|e| e["message"].as_str()).unwrap_or("error")),
                                "error",
                            ),
                        };
                        let sent = tried.request.clone();
                        let shown = tried.result.or(tried.error).unwrap_or_default();
                        Some(view! {
                            {sent.map(|sent| view! {
                                <p class="muted">"Sent to the backend (header values hidden):"</p>
                                <pre class="backend-request"><code>{serde_json::to_string_pretty(&sent).unwrap_or_default()}</code></pre>
                            })}
                            <p class=class>{verdict}</p>
                            <pre><code>{serde_json::to_string_pretty(&shown).unwrap_or_default()}</code></pre>
                        })
                    }
                    _ => None,
                }}
            </div>
        </form>
    }
}
