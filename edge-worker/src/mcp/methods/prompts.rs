//! `prompts/list`, `prompts/get` and argument completion.

use std::collections::BTreeMap;

use portcullis_tenant_config::PromptConfig;
use serde::Deserialize;
use serde_json::{Value, json};

use super::rounds::{Progress, render_block};
use super::{Call, wire_content};
use crate::mcp::jsonrpc::RpcError;

pub fn list(call: &Call<'_>) -> Result<Value, RpcError> {
    call.refuse_cursor()?;
    let prompts: Vec<Value> = call.config.prompts.iter().map(view).collect();
    Ok(json!({ "prompts": prompts }))
}

fn view(prompt: &PromptConfig) -> Value {
    let arguments: Vec<Value> = prompt
        .arguments
        .iter()
        .map(|a| {
            let mut v = json!({ "name": a.name, "required": a.required });
            for (key, field) in [("title", &a.title), ("description", &a.description)] {
                if let Some(text) = field {
                    v[key] = json!(text);
                }
            }
            v
        })
        .collect();
    let mut view = json!({ "name": prompt.name, "arguments": arguments });
    for (key, field) in [
        ("title", &prompt.title),
        ("description", &prompt.description),
    ] {
        if let Some(text) = field {
            view[key] = json!(text);
        }
    }
    view
}

fn find<'a>(call: &'a Call<'_>, name: &str) -> Result<&'a PromptConfig, RpcError> {
    call.config
        .prompts
        .iter()
        .find(|p| p.name == name)
        .ok_or_else(|| RpcError::invalid_params(format!("Unknown prompt: {name}")))
}

#[derive(Deserialize)]
struct GetParams {
    name: String,
    #[serde(default)]
    arguments: BTreeMap<String, String>,
}

pub fn get(call: &Call<'_>) -> Result<Value, RpcError> {
    let params: GetParams = call.params()?;
    let prompt = find(call, &params.name)?;
    let mut messages = prompt
        .render(&params.arguments)
        .map_err(|e| RpcError::invalid_params(format!("prompt {}: {e}", prompt.name)))?;
    if !prompt.input_rounds.is_empty() {
        let subject = format!("prompt {}", prompt.name);
        match super::rounds::run(call, &subject, &prompt.input_rounds)? {
            Progress::NeedInput(result) => return Ok(result),
            Progress::Complete(responses) => {
                for m in &mut messages {
                    m.content = render_block(&m.content, &responses);
                }
            }
        }
    }
    let messages: Vec<Value> = messages
        .iter()
        .map(|m| {
            let content = wire_content(call.version, std::slice::from_ref(&m.content))
                .pop()
                .unwrap_or(Value::Null);
            json!({ "role": m.role, "content": content })
        })
        .collect();
    let mut result = json!({ "messages": messages });
    if let Some(description) = &prompt.description {
        result["description"] = json!(description);
    }
    Ok(result)
}

#[derive(Deserialize)]
struct CompleteParams {
    #[serde(rename = "ref")]
    reference: Reference,
    argument: ArgumentValue,
}

/// `ref` as sent, read as one record: serde reads an internally tagged
/// enum by buffering it whole, code the bundle would carry for two fields.
#[derive(Deserialize)]
struct Reference {
    #[serde(rename = "type")]
    kind: String,
    name: Option<String>,
    uri: Option<String>,
}

/// What a completion is asked for.
enum Completing<'a> {
    Prompt(&'a str),
    Resource(&'a str),
}

impl Reference {
    fn completing(&self) -> Result<Completing<'_>, RpcError> {
        let missing = |name: &str| {
            RpcError::invalid_params(format!(
                "invalid params: a {} ref needs {name:?}",
                self.kind
            ))
        };
        match self.kind.as_str() {
            "ref/prompt" => self
                .name
                .as_deref()
                .map(Completing::Prompt)
                .ok_or_else(|| missing("name")),
            "ref/resource" => self
                .uri
                .as_deref()
                .map(Completing::Resource)
                .ok_or_else(|| missing("uri")),
            other => Err(RpcError::invalid_params(format!(
                "invalid params: unknown ref type {other:?}, expected \"ref/prompt\" or \"ref/resource\""
            ))),
        }
    }
}

#[derive(Deserialize)]
struct ArgumentValue {
    name: String,
    value: String,
}

/// The spec caps one completion answer at 100 values.
const MAX_COMPLETIONS: usize = 100;

/// Offers the values configured for a prompt argument that start with what
/// the user typed, ignoring ASCII case (Unicode case folding would carry
/// its tables into the bundle for this one comparison).
pub fn complete(call: &Call<'_>) -> Result<Value, RpcError> {
    let params: CompleteParams = call.params()?;
    let candidates: Vec<&String> = match params.reference.completing()? {
        Completing::Prompt(name) => {
            let prompt = find(call, name)?;
            let argument = prompt
                .arguments
                .iter()
                .find(|a| a.name == params.argument.name)
                .ok_or_else(|| {
                    RpcError::invalid_params(format!(
                        "prompt {name} has no argument {:?}",
                        params.argument.name
                    ))
                })?;
            let typed = params.argument.value.as_bytes();
            argument
                .completions
                .iter()
                .filter(|c| {
                    c.as_bytes()
                        .get(..typed.len())
                        .is_some_and(|start| start.eq_ignore_ascii_case(typed))
                })
                .collect()
        }
        // Templates offer no completions yet; an unknown one is still an error.
        Completing::Resource(uri) => {
            if !call
                .config
                .resource_templates
                .iter()
                .any(|t| t.uri_template == uri)
            {
                return Err(RpcError::invalid_params(format!(
                    "no resource template {uri:?}"
                )));
            }
            Vec::new()
        }
    };
    let total = candidates.len();
    let values: Vec<&String> = candidates.into_iter().take(MAX_COMPLETIONS).collect();
    Ok(
        json!({ "completion": { "values": values, "total": total, "hasMore": total > MAX_COMPLETIONS } }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mcp::jsonrpc::code;
    use crate::mcp::methods::call_for_test;
    use crate::test_fixtures::catalog_tenant;

    const V: &str = "2025-11-25";

    #[test]
    fn lists_and_renders_prompts() {
        let config = catalog_tenant();
        let list = call_for_test(&config, V, "prompts/list", Value::Null).unwrap();
        assert_eq!(
            list["prompts"][0]["arguments"],
            json!([{"name": "who", "required": true}])
        );
        let got = call_for_test(
            &config,
            V,
            "prompts/get",
            json!({"name": "greet", "arguments": {"who": "Ada"}}),
        )
        .unwrap();
        assert_eq!(
            got["messages"][0],
            json!({"role": "user", "content": {"type": "text", "text": "Hello Ada"}})
        );
        assert_eq!(got["messages"][1]["role"], "assistant");
        assert_eq!(
            call_for_test(&config, V, "prompts/get", json!({"name": "greet"}))
                .unwrap_err()
                .code,
            code::INVALID_PARAMS
        );
        assert_eq!(
            call_for_test(&config, V, "prompts/get", json!({"name": "nope"}))
                .unwrap_err()
                .code,
            code::INVALID_PARAMS
        );
        let not_strings = json!({"name": "greet", "arguments": {"who": 3}});
        assert_eq!(
            call_for_test(&config, V, "prompts/get", not_strings)
                .unwrap_err()
                .code,
            code::INVALID_PARAMS
        );
    }

    #[test]
    fn completes_prompt_arguments() {
        let config = catalog_tenant();
        let complete = |value: &str| {
            call_for_test(
                &config,
                V,
                "completion/complete",
                json!({"ref": {"type": "ref/prompt", "name": "greet"}, "argument": {"name": "who", "value": value}}),
            )
        };
        assert_eq!(
            complete("Par").unwrap()["completion"],
            json!({"values": ["paris", "park"], "total": 2, "hasMore": false})
        );
        assert_eq!(complete("x").unwrap()["completion"]["values"], json!([]));
        let resource = json!({"ref": {"type": "ref/resource", "uri": "test://template/{id}/data"}, "argument": {"name": "id", "value": "1"}});
        assert_eq!(
            call_for_test(&config, V, "completion/complete", resource).unwrap()["completion"]["total"],
            0
        );
        let bad = json!({"ref": {"type": "ref/other"}, "argument": {"name": "id", "value": "1"}});
        assert_eq!(
            call_for_test(&config, V, "completion/complete", bad)
                .unwrap_err()
                .code,
            code::INVALID_PARAMS
        );
    }
}
