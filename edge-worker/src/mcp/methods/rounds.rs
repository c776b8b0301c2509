//! Multi round-trip requests (MCP 2026-07-28, SEP-2322): a tool with input
//! rounds answers `input_required` with the requests of the first round the
//! client has not answered yet, and a `requestState` sealed by the edge
//! (tenant-bound, tamper-evident) that carries the answers so far; the
//! client calls again with its `inputResponses` and that state. Stateless:
//! nothing is kept between the calls but what the client carries.

use portcullis_tenant_config::ContentBlock;
use portcullis_tenant_config::inputs::{InputMethod, InputRound, render};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::Call;
use crate::mcp::jsonrpc::{RpcError, code};
use crate::tokens::PurposeMac;

const META_CLIENT_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";

/// What travels in `requestState`.
#[derive(Serialize, Deserialize)]
struct RoundState {
    /// `tool:<name>` or `prompt:<name>`: a state is good for one only.
    subject: String,
    round: usize,
    responses: Map<String, Value>,
}

pub enum Progress {
    /// The `input_required` result to answer with.
    NeedInput(Value),
    /// Every round answered: the responses by name.
    Complete(Map<String, Value>),
}

/// Folds this call's `inputResponses` into the state and finds the next
/// round still unanswered. Optional requests for a capability the client
/// did not declare are left out (and a round left empty is skipped), a
/// required one refuses the call; responses to anything not asked for are
/// ignored.
pub fn collect(
    call: &Call<'_>,
    subject: &str,
    rounds: &[InputRound],
    states: &PurposeMac,
) -> Result<Progress, RpcError> {
    let mut state = match call.params.get("requestState") {
        None => RoundState {
            subject: subject.to_owned(),
            round: 0,
            responses: Map::new(),
        },
        Some(Value::String(sealed)) => states
            .open::<RoundState>(sealed)
            .filter(|s| s.subject == subject && s.round <= rounds.len())
            .ok_or_else(|| RpcError::invalid_params("requestState failed its integrity check"))?,
        Some(_) => {
            return Err(RpcError::invalid_params(
                "requestState must be the string this server sent",
            ));
        }
    };
    let empty = Map::new();
    let given = call
        .params
        .get("inputResponses")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let capabilities = call
        .params
        .get("_meta")
        .and_then(|m| m.get(META_CLIENT_CAPABILITIES))
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    while let Some(round) = rounds.get(state.round) {
        let mut missing = Map::new();
        for (name, request) in round {
            let capability = request.method.capability();
            if !capabilities.contains_key(capability) {
                if request.required {
                    return Err(RpcError::new(
                        code::MISSING_CLIENT_CAPABILITY,
                        format!("{subject} needs the client's {capability} capability"),
                    )
                    .with_data(json!({ "requiredCapabilities": { capability: {} } })));
                }
                continue;
            }
            match given.get(name) {
                Some(response) if fits(request.method, response) => {
                    state.responses.insert(name.clone(), response.clone());
                }
                Some(_) => {
                    let message = format!(
                        "inputResponses.{name} is not a result of {}",
                        json!(request.method)
                    );
                    return Err(RpcError::invalid_params(message));
                }
                None if !state.responses.contains_key(name) => {
                    missing.insert(
                        name.clone(),
                        json!({ "method": request.method, "params": request.params }),
                    );
                }
                None => {}
            }
        }
        if missing.is_empty() {
            state.round += 1;
            continue;
        }
        return Ok(Progress::NeedInput(json!({
            "resultType": "input_required",
            "inputRequests": missing,
            "requestState": states.seal(&state),
        })));
    }
    Ok(Progress::Complete(state.responses))
}

/// Whether `response` has the shape of a result of `method` (ElicitResult,
/// CreateMessageResult, ListRootsResult).
fn fits(method: InputMethod, response: &Value) -> bool {
    match method {
        InputMethod::Elicitation => matches!(
            response.get("action").and_then(Value::as_str),
            Some("accept" | "decline" | "cancel")
        ),
        InputMethod::Sampling => {
            response.get("role").is_some_and(Value::is_string) && response.get("content").is_some()
        }
        InputMethod::Roots => response.get("roots").is_some_and(Value::is_array),
    }
}

/// A content block with its text quoting the responses.
pub fn render_block(block: &ContentBlock, responses: &Map<String, Value>) -> ContentBlock {
    match block {
        ContentBlock::Text { text } => ContentBlock::Text {
            text: render(text, responses),
        },
        other => other.clone(),
    }
}

/// Runs the rounds of `subject` for a call of an era that can take them;
/// older eras are told they cannot.
pub fn run(call: &Call<'_>, subject: &str, rounds: &[InputRound]) -> Result<Progress, RpcError> {
    match &call.request_states {
        Some(states) => collect(call, subject, rounds, states),
        None => Err(RpcError::new(
            code::INVALID_REQUEST,
            format!(
                "{subject} asks for input as it runs, which needs MCP 2026-07-28 (multi round-trip requests)"
            ),
        )),
    }
}
