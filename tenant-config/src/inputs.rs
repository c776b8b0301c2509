//! Tools that ask the client for input before they answer (MCP 2026-07-28
//! multi round-trip requests, SEP-2322): in rounds, each a set of named
//! requests — an elicitation, a sampling request or a roots listing — whose
//! responses the result's text can quote with `{{name.path}}`.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use thiserror::Error;

/// More rounds or requests than this are refused.
pub const MAX_ROUNDS: usize = 5;
pub const MAX_REQUESTS_PER_ROUND: usize = 10;

/// One request to the client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InputRequest {
    pub method: InputMethod,
    #[serde(default)]
    pub params: Map<String, Value>,
    /// The tool cannot run without this answer: a client lacking the
    /// capability is refused (MCP's MissingRequiredClientCapability) rather
    /// than the request being left out, as optional ones are.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub required: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InputMethod {
    #[serde(rename = "elicitation/create")]
    Elicitation,
    #[serde(rename = "sampling/createMessage")]
    Sampling,
    #[serde(rename = "roots/list")]
    Roots,
}

impl InputMethod {
    /// The client capability the request needs.
    pub fn capability(self) -> &'static str {
        match self {
            Self::Elicitation => "elicitation",
            Self::Sampling => "sampling",
            Self::Roots => "roots",
        }
    }
}

/// The requests of one round, by the name their responses come back under.
pub type InputRound = BTreeMap<String, InputRequest>;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InputError {
    #[error("at most {MAX_ROUNDS} rounds of at most {MAX_REQUESTS_PER_ROUND} requests each")]
    TooMany,
    #[error("input name {0:?} must be 1-64 letters, digits, '_' or '-', used once")]
    Name(String),
    #[error("input {0:?}: an elicitation needs a \"message\" and a \"requestedSchema\" object")]
    Elicitation(String),
    #[error("input {0:?}: a sampling request needs \"messages\" and \"maxTokens\"")]
    Sampling(String),
}

pub fn validate_rounds(rounds: &[InputRound]) -> Result<(), InputError> {
    if rounds.len() > MAX_ROUNDS
        || rounds
            .iter()
            .any(|r| r.is_empty() || r.len() > MAX_REQUESTS_PER_ROUND)
    {
        return Err(InputError::TooMany);
    }
    let mut seen = BTreeSet::new();
    for (name, request) in rounds.iter().flatten() {
        let name_ok = (1..=64).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !name_ok || !seen.insert(name.as_str()) {
            return Err(InputError::Name(name.clone()));
        }
        let p = &request.params;
        match request.method {
            InputMethod::Elicitation
                if !(p.get("message").is_some_and(Value::is_string)
                    && p.get("requestedSchema").is_some_and(Value::is_object)) =>
            {
                return Err(InputError::Elicitation(name.clone()));
            }
            InputMethod::Sampling
                if !(p.get("messages").is_some_and(Value::is_array)
                    && p.get("maxTokens").is_some_and(Value::is_u64)) =>
            {
                return Err(InputError::Sampling(name.clone()));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Replaces each `{{name.path.to.value}}` in `text` with that value of the
/// collected responses (strings as they are, anything else as JSON; a path
/// that leads nowhere becomes empty).
pub fn render(text: &str, responses: &Map<String, Value>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start + 2..].find("}}") else {
            break;
        };
        out.push_str(&rest[..start]);
        let path = rest[start + 2..start + 2 + len].trim();
        let mut parts = path.split('.');
        let value = parts.next().and_then(|first| {
            parts.try_fold(responses.get(first)?, |v, p| match v {
                Value::Array(items) => items.get(p.parse::<usize>().ok()?),
                other => other.get(p),
            })
        });
        match value {
            Some(Value::String(s)) => out.push_str(s),
            Some(other) => out.push_str(&other.to_string()),
            None => {}
        }
        rest = &rest[start + 2 + len + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn rounds(v: Value) -> Vec<InputRound> {
        serde_json::from_value(v).expect("rounds")
    }

    #[test]
    fn validates_requests() {
        let ok = rounds(
            json!([{"user_name": {"method": "elicitation/create", "params": {
            "message": "Name?", "requestedSchema": {"type": "object"}}}},
            {"roots": {"method": "roots/list"}}]),
        );
        assert_eq!(validate_rounds(&ok), Ok(()));
        let bad = rounds(
            json!([{"q": {"method": "sampling/createMessage", "params": {"messages": []}}}]),
        );
        assert_eq!(validate_rounds(&bad), Err(InputError::Sampling("q".into())));
        let twice =
            rounds(json!([{"a": {"method": "roots/list"}}, {"a": {"method": "roots/list"}}]));
        assert_eq!(validate_rounds(&twice), Err(InputError::Name("a".into())));
        assert!(serde_json::from_value::<InputRequest>(json!({"method": "tools/call"})).is_err());
    }

    #[test]
    fn renders_paths_into_text() {
        let responses = json!({"user_name": {"action": "accept", "content": {"name": "Alice"}},
            "roots": {"roots": [{"uri": "file:///a"}]}});
        let responses = responses.as_object().expect("object");
        assert_eq!(
            render("Hello, {{user_name.content.name}}!", responses),
            "Hello, Alice!"
        );
        assert_eq!(
            render(
                "{{roots.roots.0.uri}} {{missing.x}}|{{ user_name.action }}",
                responses
            ),
            "file:///a |accept"
        );
        assert_eq!(render("no {{ end", responses), "no {{ end");
    }
}
