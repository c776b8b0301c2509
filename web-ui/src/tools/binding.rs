//! What an HTTP tool's binding does, shown under its JSON as it is typed:
//! the URL template with each argument it uses marked (unknown ones in
//! red), where every argument of the input schema goes (or, for a tool of
//! an upstream MCP server, which of its tools the call is forwarded to),
//! and what the edge adds on the user's or the tenant's behalf.

use leptos::prelude::*;
use portcullis_tenant_config::http_tool::{HttpBinding, Placement, UrlPart, argument_names};
use serde_json::Value;

#[component]
pub(super) fn BindingSummary(http: RwSignal<String>, schema: RwSignal<String>) -> impl IntoView {
    move || {
        let binding: HttpBinding = serde_json::from_str(&http.get()).ok()?;
        let schema: Value = serde_json::from_str(&schema.get()).unwrap_or_default();
        let arguments: Vec<String> = argument_names(&schema)
            .into_iter()
            .map(str::to_owned)
            .collect();
        let known = |name: &str| arguments.iter().any(|a| a == name);
        let url = match binding.url_parts() {
            Ok(parts) => parts
                .into_iter()
                .map(|part| match part {
                    UrlPart::Text(text) => view! { <span>{text}</span> }.into_any(),
                    UrlPart::Expression { text, names } => {
                        let class = if names.iter().all(|n| known(n)) {
                            "argument"
                        } else {
                            "argument unknown"
                        };
                        view! { <mark class=class>{text}</mark> }.into_any()
                    }
                })
                .collect_view()
                .into_any(),
            Err(_) => view! { <span>{binding.url.clone()}</span> }.into_any(),
        };
        let names: Vec<&str> = arguments.iter().map(String::as_str).collect();
        let forwarded = binding.mcp.as_ref().map(|mcp| {
            format!(
                "Forwarded as the tools/call of {:?} on the MCP server at this URL: the arguments go to it whole.",
                mcp.tool
            )
        });
        let names = if forwarded.is_some() {
            Vec::new()
        } else {
            names
        };
        let places = binding
            .placements(&names)
            .into_iter()
            .map(|(name, place)| {
                let place = match place {
                    Placement::Url => "the URL".to_owned(),
                    Placement::Query => "the query".to_owned(),
                    Placement::Header(header) => format!("header {header}"),
                    Placement::Body => "the JSON body".to_owned(),
                };
                view! { <li><code>{name.to_owned()}</code>" → "{place}</li> }
            })
            .collect_view();
        let mut adds = Vec::new();
        if let Some(assertion) = &binding.assertion {
            let audience = assertion
                .audience
                .clone()
                .unwrap_or_else(|| "the backend's origin".into());
            adds.push(format!(
                "a signed assertion of who the user is, for {audience}"
            ));
        }
        if let Some(credential) = &binding.credential {
            let header = credential.header_name();
            adds.push(if credential.saved || credential.secret.is_some() {
                format!("the tenant's secret in {header}")
            } else {
                format!("the tenant's secret in {header} (type it to save)")
            });
        }
        if binding.user_token {
            adds.push("the user's own token at their identity provider (acts as the user)".into());
        }
        // Type-erased: the editor around it is deep enough already.
        Some(
            view! {
                <div class="binding-summary" aria-live="polite">
                    <p><code class="url">{url}</code></p>
                    {forwarded.map(|f| view! { <p class="forwarded">{f}</p> })}
                    <ul class="placements">{places}</ul>
                    {(!adds.is_empty()).then(|| view! {
                        <p class="muted">"The edge adds: "{adds.join("; ")}"."</p>
                    })}
                </div>
            }
            .into_any(),
        )
    }
}
