//! An HTTP tool's binding field by field: method and URL template, where
//! each argument the URL does not take goes, limits, the tenant's secret,
//! the signed user assertion and acting as the user. The binding's JSON
//! stays the one source of truth (shown below the fields, editable for
//! what the fields do not cover): each field reads it and writes its one
//! key back, so a typed secret or a key the fields do not know survives
//! every other edit.

use leptos::prelude::*;
use portcullis_tenant_config::http_tool::{HttpBinding, Placement, argument_names};
use serde_json::{Map, Value, json};

use crate::api::Problem;
use crate::form::field_message;

/// One field's change to the binding's object.
type Edit = Box<dyn FnOnce(&mut Map<String, Value>)>;

/// What a fresh binding starts from.
const STARTER: &str = "{\n  \"method\": \"GET\",\n  \"url\": \"https://\"\n}";

/// The binding's JSON as an object; `None` when the text is not one.
fn object(text: &str) -> Option<Map<String, Value>> {
    match serde_json::from_str(text) {
        Ok(Value::Object(object)) => Some(object),
        _ => None,
    }
}

/// `text` with `change` made to its object; `text` itself when it is not
/// an object (the JSON is where that is mended).
fn edited(text: &str, change: impl FnOnce(&mut Map<String, Value>)) -> String {
    let Some(mut object) = object(text) else {
        return text.to_owned();
    };
    change(&mut object);
    serde_json::to_string_pretty(&Value::Object(object)).unwrap_or_default()
}

/// Sets `key` to `value`, or removes it for `None` (the API's default).
fn put(object: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    match value {
        Some(value) => object.insert(key.into(), value),
        None => object.remove(key),
    };
}

/// A typed text: trimmed, `None` when blank.
fn typed(text: &str) -> Option<Value> {
    Some(text.trim()).filter(|t| !t.is_empty()).map(Value::from)
}

/// A typed whole number; what is not one is kept as typed, for the
/// control plane to refuse with the field's name.
fn number(text: &str) -> Option<Value> {
    let text = text.trim();
    (!text.is_empty()).then(|| {
        text.parse::<u64>()
            .map_or_else(|_| text.into(), Value::from)
    })
}

/// Where the admin sends an argument the URL template does not take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Choice {
    /// The query for `GET`/`DELETE`, the JSON body otherwise.
    Default,
    Query,
    Header,
}

impl Choice {
    fn of(value: &str) -> Self {
        match value {
            "query" => Self::Query,
            "header" => Self::Header,
            _ => Self::Default,
        }
    }

    fn value(self) -> &'static str {
        match self {
            Self::Default => "default",
            Self::Query => "query",
            Self::Header => "header",
        }
    }
}

/// The admin's choice for `argument`, and its header when it has one.
fn choice(object: &Map<String, Value>, argument: &str) -> (Choice, String) {
    let header = object.get("headers").and_then(|h| h.get(argument));
    if let Some(header) = header.and_then(Value::as_str) {
        return (Choice::Header, header.to_owned());
    }
    let query = object.get("query").and_then(Value::as_array);
    if query.is_some_and(|q| q.iter().any(|a| a == argument)) {
        return (Choice::Query, String::new());
    }
    (Choice::Default, String::new())
}

/// Sends `argument` where `choice` says (`header` names the header).
fn place(object: &mut Map<String, Value>, argument: &str, choice: Choice, header: &str) {
    let mut query: Vec<Value> = object
        .get("query")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    query.retain(|a| a != argument);
    let mut headers = object
        .get("headers")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    headers.remove(argument);
    match choice {
        Choice::Default => {}
        Choice::Query => query.push(argument.into()),
        Choice::Header => {
            let header = match header.trim() {
                "" => format!("x-{}", argument.replace('_', "-")),
                typed => typed.to_owned(),
            };
            headers.insert(argument.into(), header.into());
        }
    }
    put(object, "query", (!query.is_empty()).then(|| query.into()));
    put(
        object,
        "headers",
        (!headers.is_empty()).then(|| headers.into()),
    );
}

/// Chooses the tenant secret's scheme (`""`: none), keeping what the
/// scheme still uses and dropping what it does not.
fn set_scheme(object: &mut Map<String, Value>, scheme: &str) {
    if scheme.is_empty() {
        object.remove("credential");
        return;
    }
    let mut credential = object
        .get("credential")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    credential.insert("scheme".into(), scheme.into());
    if scheme == "header" {
        credential
            .entry("header")
            .or_insert_with(|| "x-api-key".into());
    } else {
        credential.remove("header");
    }
    if scheme != "basic" {
        credential.remove("username");
    }
    object.insert("credential".into(), credential.into());
}

/// Sets one key of the object at `key` (the credential or the assertion),
/// when there is one.
fn set_inner(object: &mut Map<String, Value>, key: &str, inner: &str, value: Option<Value>) {
    if let Some(Value::Object(part)) = object.get_mut(key) {
        put(part, inner, value);
    }
}

/// The text at `key` of the object at `part` (or of the binding itself).
fn text_at(object: &Option<Map<String, Value>>, part: Option<&str>, key: &str) -> String {
    let Some(object) = object else {
        return String::new();
    };
    let holder = match part {
        Some(part) => &object.get(part).cloned().unwrap_or_default(),
        None => &Value::Object(object.clone()),
    };
    match &holder[key] {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The tool's arguments the URL template does not take, and where each
/// goes by default (for the choice's label).
fn free_arguments(object: &Map<String, Value>, schema: &Value) -> Vec<(String, &'static str)> {
    let Ok(binding) = serde_json::from_value::<HttpBinding>(Value::Object(object.clone())) else {
        return Vec::new();
    };
    let names = argument_names(schema);
    let body = HttpBinding {
        query: Vec::new(),
        headers: Default::default(),
        ..binding
    };
    body.placements(&names)
        .into_iter()
        .filter_map(|(name, place)| match place {
            Placement::Url => None,
            Placement::Body => Some((name.to_owned(), "the JSON body")),
            _ => Some((name.to_owned(), "the query")),
        })
        .collect()
}

/// The binding's fields, its JSON, and the server's messages for each.
#[component]
pub(super) fn BindingFields(
    http: RwSignal<String>,
    schema: RwSignal<String>,
    problem: Signal<Option<Problem>>,
    /// Whether the JSON (the only source of the binding) is valid yet.
    json_problem: Signal<Option<String>>,
) -> impl IntoView {
    let parsed = Memo::new(move |_| object(&http.get()));
    let on = Memo::new(move |_| !http.get().trim().is_empty());
    let editable = Memo::new(move |_| parsed.get().is_some());
    let change = move |edit: Edit| {
        http.update(|text| *text = edited(text, edit));
    };
    let error = move |field: &'static str| move || field_message(problem.get(), field);
    let read = move |part: Option<&'static str>, key: &'static str| {
        move || text_at(&parsed.get(), part, key)
    };
    let text_input = move |id: &'static str,
                           label: &'static str,
                           part: Option<&'static str>,
                           key: &'static str,
                           field: &'static str,
                           placeholder: &'static str| {
        let write = move |text: String| {
            let value = if key == "timeoutMs" || key == "maxResponseBytes" {
                number(&text)
            } else {
                typed(&text)
            };
            change(Box::new(move |object| match part {
                Some(part) => set_inner(object, part, key, value),
                None => put(object, key, value),
            }));
        };
        let error_id = format!("{id}-error");
        view! {
            <label for=id>{label}</label>
            <input id=id type="text" autocomplete="off" placeholder=placeholder
                aria-describedby=error_id.clone()
                prop:value=read(part, key)
                on:change=move |ev| write(event_target_value(&ev))/>
            <p id=error_id class="field-error" role="alert">{error(field)}</p>
        }
        .into_any()
    };
    let checked =
        move |part: &'static str| move || parsed.get().is_some_and(|o| o.contains_key(part));
    let arguments = Memo::new(move |_| {
        let schema: Value = serde_json::from_str(&schema.get()).unwrap_or_default();
        parsed
            .get()
            .map(|object| free_arguments(&object, &schema))
            .unwrap_or_default()
    });
    let argument_rows = move || {
        arguments
            .get()
            .into_iter()
            .map(|(name, default)| {
                let id = format!("tool-http-place-{name}");
                let header_id = format!("tool-http-header-{name}");
                let (for_choice, for_header, for_write, for_shown) =
                    (name.clone(), name.clone(), name.clone(), name.clone());
                let current = move || parsed.get().map(|o| choice(&o, &for_choice)).unwrap_or((Choice::Default, String::new()));
                let current_header = move || parsed.get().map(|o| choice(&o, &for_header).1).unwrap_or_default();
                let shows_header = move || parsed.get().is_some_and(|o| choice(&o, &for_shown).0 == Choice::Header);
                let write_choice = move |value: String| {
                    let name = for_write.clone();
                    change(Box::new(move |object| {
                        let header = choice(object, &name).1;
                        place(object, &name, Choice::of(&value), &header);
                    }));
                };
                let write_header = {
                    let name = name.clone();
                    move |header: String| {
                        let name = name.clone();
                        change(Box::new(move |object| place(object, &name, Choice::Header, &header)));
                    }
                };
                view! {
                    <tr>
                        <td><label for=id.clone()><code>{name.clone()}</code></label></td>
                        <td>
                            <select id=id prop:value=move || current().0.value()
                                on:change=move |ev| write_choice(event_target_value(&ev))>
                                <option value="default">{format!("Default ({default})")}</option>
                                <option value="query">"The query"</option>
                                <option value="header">"A header"</option>
                            </select>
                        </td>
                        <td>
                            <input id=header_id type="text" autocomplete="off" aria-label=format!("Header for {name}")
                                hidden=move || !shows_header()
                                prop:value=current_header
                                on:change=move |ev| write_header(event_target_value(&ev))/>
                        </td>
                    </tr>
                }
            })
            .collect_view()
            .into_any()
    };
    let scheme = move || text_at(&parsed.get(), Some("credential"), "scheme");
    let saved = move || {
        parsed
            .get()
            .is_some_and(|o| o.get("credential").is_some_and(|c| c["saved"] == true))
    };
    let fields = move || {
        view! {
            <div class="binding-fields">
                <label for="tool-http-method">"Method"</label>
                <select id="tool-http-method" prop:value=read(None, "method")
                    on:change=move |ev| {
                        let method = event_target_value(&ev);
                        change(Box::new(move |object| put(object, "method", Some(method.into()))));
                    }>
                    {["GET", "POST", "PUT", "PATCH", "DELETE"].into_iter().map(|m| view! { <option value=m>{m}</option> }).collect_view()}
                </select>
                {text_input("tool-http-url", "URL template (arguments in braces: {city}, {?units})", None, "url",
                    "http.url", "https://api.example.com/weather/{city}{?units}")}
                <div hidden=move || !checked("mcp")()>
                    {text_input("tool-http-mcp-tool", "The MCP server's tool this one forwards to", Some("mcp"),
                        "tool", "http.mcp.tool", "")}
                </div>
                <table class="arguments" hidden=move || checked("mcp")()>
                    <caption>"Arguments the URL does not take go to"</caption>
                    <tbody>{argument_rows}</tbody>
                </table>
                <p class="field-error" role="alert">{move || error("http.query")().or_else(error("http.headers"))}</p>
                {text_input("tool-http-timeout", "Timeout (ms, at most 30000)", None, "timeoutMs",
                    "http.timeoutMs", "10000")}
                {text_input("tool-http-max-bytes", "Largest answer (bytes)", None, "maxResponseBytes",
                    "http.maxResponseBytes", "1048576")}
                <fieldset class="group">
                    <legend>"The tenant's secret"</legend>
                    <label for="tool-http-credential">"Send"</label>
                    <select id="tool-http-credential" prop:value=scheme
                        on:change=move |ev| {
                            let scheme = event_target_value(&ev);
                            change(Box::new(move |object| set_scheme(object, &scheme)));
                        }>
                        <option value="">"Nothing"</option>
                        <option value="header">"An API key in a header"</option>
                        <option value="bearer">"A bearer token"</option>
                        <option value="basic">"Basic auth (user name and password)"</option>
                    </select>
                    <p class="field-error" role="alert">
                        {move || (scheme() != "header").then(error("http.credential.header")).flatten()}
                    </p>
                    <div hidden=move || scheme() != "header">
                        {text_input("tool-http-credential-header", "Header", Some("credential"), "header",
                            "http.credential.header", "x-api-key")}
                    </div>
                    <div hidden=move || scheme() != "basic">
                        {text_input("tool-http-credential-username", "User name", Some("credential"), "username",
                            "http.credential.username", "")}
                    </div>
                    <div hidden=move || scheme().is_empty()>
                        <label for="tool-http-credential-secret">"Secret (write-only)"</label>
                        <input id="tool-http-credential-secret" type="password" autocomplete="new-password"
                            aria-describedby="tool-http-credential-secret-error"
                            placeholder=move || if saved() { "saved — type to replace" } else { "" }
                            prop:value=read(Some("credential"), "secret")
                            on:change=move |ev| {
                                let secret = typed(&event_target_value(&ev));
                                change(Box::new(move |object| set_inner(object, "credential", "secret", secret)));
                            }/>
                        <p id="tool-http-credential-secret-error" class="field-error" role="alert">
                            {error("http.credential.secret")}
                        </p>
                    </div>
                </fieldset>
                <fieldset class="group">
                    <legend>"On the user's behalf"</legend>
                    <label class="check" for="tool-http-assertion">
                        <input type="checkbox" id="tool-http-assertion" prop:checked=checked("assertion")
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                change(Box::new(move |object| put(object, "assertion", on.then(|| json!({})))));
                            }/>
                        "Send a signed assertion of who the user is (a JWT the backend verifies with the tenant's JWKS)"
                    </label>
                    <div hidden=move || !checked("assertion")()>
                        {text_input("tool-http-assertion-audience", "Assertion audience", Some("assertion"), "audience",
                            "http.assertion.audience", "the backend's origin")}
                        {text_input("tool-http-assertion-header", "Assertion header", Some("assertion"), "header",
                            "http.assertion.header", "authorization (as Bearer)")}
                    </div>
                    <p class="field-error" role="alert">{error("http.assertion.lifetimeSecs")}</p>
                    <label class="check" for="tool-http-user-token">
                        <input type="checkbox" id="tool-http-user-token" prop:checked=checked("userToken")
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                change(Box::new(move |object| put(object, "userToken", on.then_some(true.into()))));
                            }/>
                        "Act as the user: send their own token at the identity provider they signed in with"
                    </label>
                    <p class="field-error" role="alert">{error("http.userToken")}</p>
                </fieldset>
            </div>
        }
        .into_any()
    };
    view! {
        <label class="check" for="tool-http-on">
            <input type="checkbox" id="tool-http-on" prop:checked=move || on.get()
                on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    http.set(if on { STARTER.into() } else { String::new() });
                }/>
            "Answer from my backend (an HTTP tool)"
        </label>
        {move || (on.get() && editable.get()).then(fields)}
        {move || (on.get() && !editable.get()).then(|| view! {
            <p class="hint">"Mend the JSON below to edit the binding field by field."</p>
        })}
        <details open=move || json_problem.get().or_else(error("http")).is_some()>
            <summary>"The binding as JSON"</summary>
            <textarea id="tool-http" rows="6" spellcheck="false" aria-label="HTTP binding (JSON)"
                aria-describedby="tool-http-error"
                prop:value=move || http.get()
                on:input=move |ev| http.set(event_target_value(&ev))></textarea>
            <p id="tool-http-error" class="field-error" role="alert">
                {move || json_problem.get().or_else(error("http"))}
            </p>
        </details>
    }
    // Type-erased: the editor around it is deep enough already.
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(text: &str, change: impl FnOnce(&mut Map<String, Value>)) -> Value {
        serde_json::from_str(&edited(text, change)).unwrap()
    }

    #[test]
    fn a_field_changes_its_key_and_keeps_the_rest() {
        let text = r#"{"method": "GET", "url": "https://a.test/{id}", "credential":
            {"scheme": "bearer", "secret": "typed"}, "future": 1}"#;
        let out = edit(text, |o| put(o, "url", typed(" https://b.test/{id} ")));
        assert_eq!(out["url"], "https://b.test/{id}");
        assert_eq!(
            out["credential"]["secret"], "typed",
            "a typed secret survives"
        );
        assert_eq!(out["future"], 1, "keys the fields do not know survive");
        let out = edit(text, |o| put(o, "timeoutMs", number("")));
        assert!(out.get("timeoutMs").is_none(), "blank is the default");
        assert_eq!(
            edit(text, |o| put(o, "timeoutMs", number("5000")))["timeoutMs"],
            5000
        );
        assert_eq!(
            edit(text, |o| put(o, "timeoutMs", number("soon")))["timeoutMs"],
            "soon",
            "kept as typed for the control plane to refuse by name"
        );
        assert_eq!(
            edited("{", |o| put(o, "url", None)),
            "{",
            "bad JSON is left alone"
        );
    }

    #[test]
    fn an_argument_goes_to_one_place_at_a_time() {
        let mut object = object(r#"{"method": "GET", "url": "https://a.test/"}"#).unwrap();
        place(&mut object, "units", Choice::Query, "");
        assert_eq!(object["query"], json!(["units"]));
        assert_eq!(choice(&object, "units").0, Choice::Query);
        place(&mut object, "trace_id", Choice::Header, "");
        assert_eq!(object["headers"], json!({"trace_id": "x-trace-id"}));
        place(&mut object, "trace_id", Choice::Header, "X-Request-Id");
        assert_eq!(
            choice(&object, "trace_id"),
            (Choice::Header, "X-Request-Id".into())
        );
        place(&mut object, "units", Choice::Header, "x-units");
        assert!(
            object.get("query").is_none(),
            "moved, not copied: {object:?}"
        );
        place(&mut object, "units", Choice::Default, "");
        place(&mut object, "trace_id", Choice::Default, "");
        assert!(object.get("headers").is_none(), "{object:?}");
        assert_eq!(choice(&object, "units").0, Choice::Default);
    }

    #[test]
    fn a_scheme_keeps_only_what_it_uses() {
        let mut object = object(r#"{"method": "GET", "url": "https://a.test/"}"#).unwrap();
        set_scheme(&mut object, "header");
        assert_eq!(
            object["credential"],
            json!({"scheme": "header", "header": "x-api-key"})
        );
        set_inner(&mut object, "credential", "secret", typed("k"));
        set_scheme(&mut object, "basic");
        set_inner(&mut object, "credential", "username", typed("ada"));
        assert_eq!(
            object["credential"],
            json!({"scheme": "basic", "username": "ada", "secret": "k"})
        );
        set_scheme(&mut object, "bearer");
        assert_eq!(
            object["credential"],
            json!({"scheme": "bearer", "secret": "k"})
        );
        set_scheme(&mut object, "");
        assert!(object.get("credential").is_none());
        set_inner(&mut object, "credential", "secret", typed("k"));
        assert!(
            object.get("credential").is_none(),
            "no secret without a scheme"
        );
    }

    #[test]
    fn the_arguments_listed_are_those_the_url_does_not_take() {
        let schema = json!({"type": "object", "properties": {"city": {}, "units": {}, "note": {}}});
        let get =
            object(r#"{"method": "GET", "url": "https://a.test/{city}", "query": ["units"]}"#)
                .unwrap();
        assert_eq!(
            free_arguments(&get, &schema),
            [("note".into(), "the query"), ("units".into(), "the query")]
        );
        let post = object(r#"{"method": "POST", "url": "https://a.test/{city}{?units}"}"#).unwrap();
        assert_eq!(
            free_arguments(&post, &schema),
            [("note".into(), "the JSON body")]
        );
        let unreadable = object(r#"{"method": "FETCH", "url": "https://a.test/"}"#).unwrap();
        assert!(free_arguments(&unreadable, &schema).is_empty());
        assert_eq!(text_at(&Some(post), None, "method"), "POST");
    }
}
