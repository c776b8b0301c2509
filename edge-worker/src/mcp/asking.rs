//! Asking the client for input in the middle of a call, in the legacy
//! Streamable HTTP eras (2025-06-18 … 2025-11-25): the server answers the
//! call's POST with an event stream, sends `elicitation/create`,
//! `sampling/createMessage` or `roots/list` requests on it, and the client
//! POSTs its answers back in the same session; the call's result ends the
//! stream.
//!
//! The rounds themselves are the same as the modern era's multi round-trip
//! requests ([`super::methods`]): each step re-runs the call with the
//! answers so far as `inputResponses` and the sealed `requestState`, so the
//! two eras cannot disagree about what a tool asks and what it answers. What
//! this module adds is the waiting: a [`PendingCall`], kept by the session's
//! object between the client's POSTs.

use portcullis_tenant_config::TenantConfig;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::jsonrpc::{RpcError, code, failure, success};
use super::methods::Call;
use super::transport::Answer;
use crate::auth::Caller;
use crate::outside::{Needed, Obtained};
use crate::tokens::{AccessClaims, PurposeMac};

/// Where the modern era carries what the client can answer; a session
/// fills it from the capabilities its `initialize` declared.
const META_CLIENT_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";

/// Whether a request to `method` with `params` may ask the client for input
/// (a tool or prompt with input rounds), and so must wait in a session.
pub fn may_ask(config: &TenantConfig, method: &str, params: Option<&Map<String, Value>>) -> bool {
    let name = params.and_then(|p| p.get("name")).and_then(Value::as_str);
    match (method, name) {
        ("tools/call", Some(name)) => config
            .tools
            .iter()
            .any(|t| t.name == name && !t.input_rounds.is_empty()),
        ("prompts/get", Some(name)) => config
            .prompts
            .iter()
            .any(|p| p.name == name && !p.input_rounds.is_empty()),
        _ => false,
    }
}

/// A call that may ask for input, for the session's object to run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallToAsk {
    pub tenant: String,
    pub session: String,
    /// Whom the call runs for: the user's claims, or none for anonymous.
    pub caller: Option<AccessClaims>,
    pub id: Value,
    pub method: String,
    pub params: Map<String, Value>,
    pub version: String,
    /// Whether the client takes an event stream (else one JSON answer).
    pub streams: bool,
}

/// The client's answer to one of the requests a waiting call sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerToCall {
    pub tenant: String,
    pub session: String,
    pub caller: Option<AccessClaims>,
    pub id: Value,
    /// The `result`, or the `error` the client answered with.
    pub outcome: Result<Value, Value>,
}

/// The caller a call runs for, from what travelled to the session's object.
pub fn caller_of(claims: &Option<AccessClaims>) -> Caller {
    claims.clone().map_or(Caller::Anonymous, Caller::User)
}

/// A call waiting for the client's answers to the requests it sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingCall {
    /// Names the call within its session; the ids of its requests start
    /// with it.
    pub key: String,
    /// The client's request id, for the final response.
    pub id: Value,
    pub method: String,
    pub params: Map<String, Value>,
    pub version: String,
    /// The sealed state of the rounds answered so far.
    pub state: Option<Value>,
    /// Counts the rounds asked, so a late answer to an earlier round is
    /// not taken for one of the current round.
    pub round: u32,
    /// The inputs asked for in this round and not answered yet.
    pub asked: Vec<String>,
    /// This round's answers by input name.
    pub answers: Map<String, Value>,
}

/// What a call does next.
#[derive(Debug)]
pub enum Step {
    /// Send `requests` on the call's stream and wait for their answers.
    Ask {
        pending: PendingCall,
        requests: Vec<Value>,
    },
    /// The call is over: send this.
    Done(Answer),
    /// Obtain what a tool needs (its backend's answer, the user's notes),
    /// then step again with it ([`step_with`]).
    Obtain {
        pending: PendingCall,
        needed: Needed,
    },
}

/// What an answer from the client did to its call.
#[derive(Debug, PartialEq)]
pub enum Recorded {
    /// More of this round is still unanswered.
    Waiting,
    /// The round is answered: take the next [`step`].
    Ready,
    /// The client could not answer: the call ends with this.
    Failed(Value),
    /// Not an answer to anything this call is waiting for.
    Stray,
}

impl PendingCall {
    /// A call about to start, able to ask for what the session's client
    /// declared in `capabilities` (its `initialize` capabilities).
    pub fn new(
        key: String,
        id: Value,
        method: &str,
        mut params: Map<String, Value>,
        version: &str,
        capabilities: &Value,
    ) -> Self {
        let meta = params
            .entry("_meta")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(meta) = meta {
            meta.insert(META_CLIENT_CAPABILITIES.into(), capabilities.clone());
        }
        Self {
            key,
            id,
            method: method.to_owned(),
            params,
            version: version.to_owned(),
            state: None,
            round: 0,
            asked: Vec::new(),
            answers: Map::new(),
        }
    }

    /// The key of the call a client's response id belongs to.
    pub fn key_of(response_id: &Value) -> Option<&str> {
        response_id.as_str()?.split('/').next()
    }

    fn request_id(&self, name: &str) -> String {
        format!("{}/{}/{name}", self.key, self.round)
    }

    /// Takes the client's answer `outcome` to the request `response_id`.
    pub fn record(&mut self, response_id: &Value, outcome: Result<Value, Value>) -> Recorded {
        let Some(name) = self
            .asked
            .iter()
            .find(|name| response_id.as_str() == Some(&self.request_id(name)))
            .cloned()
        else {
            return Recorded::Stray;
        };
        match outcome {
            Ok(result) => {
                self.asked.retain(|n| *n != name);
                self.answers.insert(name, result);
                if self.asked.is_empty() {
                    Recorded::Ready
                } else {
                    Recorded::Waiting
                }
            }
            Err(error) => {
                let reason = error
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("no reason given");
                let message = format!("The client could not provide {name}: {reason}");
                Recorded::Failed(self.ended_by(message))
            }
        }
    }

    /// The final response when the client could not answer: a tool error
    /// the model can read for tools, a JSON-RPC error otherwise.
    fn ended_by(&self, message: String) -> Value {
        if self.method == "tools/call" {
            success(
                self.id.clone(),
                json!({ "content": [{ "type": "text", "text": message }], "isError": true }),
            )
        } else {
            failure(
                self.id.clone(),
                RpcError::new(code::INVALID_REQUEST, message),
            )
        }
    }
}

/// Runs the call with everything answered so far: either the requests of
/// the next round to send, or its response.
pub fn step(
    config: &TenantConfig,
    caller: &Caller,
    pending: PendingCall,
    states: PurposeMac,
) -> Step {
    step_with(config, caller, pending, states, None)
}

/// [`step`], given what a tool needed from outside (see [`crate::outside`]).
pub fn step_with(
    config: &TenantConfig,
    caller: &Caller,
    mut pending: PendingCall,
    states: PurposeMac,
    obtained: Option<&Obtained>,
) -> Step {
    let mut params = pending.params.clone();
    if !pending.answers.is_empty() {
        let answers = std::mem::take(&mut pending.answers);
        params.insert("inputResponses".into(), Value::Object(answers));
    }
    if let Some(state) = &pending.state {
        params.insert("requestState".into(), state.clone());
    }
    let ran = Call::new(config, caller, &pending.version, params)
        .with_request_states(states)
        .with_obtained(obtained)
        .run(&pending.method);
    if let Some(needed) = ran.needs {
        return Step::Obtain { pending, needed };
    }
    let asks = ran
        .result
        .as_ref()
        .ok()
        .filter(|r| r.get("resultType").and_then(Value::as_str) == Some("input_required"));
    if let Some(input_required) = asks {
        pending.round += 1;
        pending.state = input_required.get("requestState").cloned();
        let inputs = input_required
            .get("inputRequests")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        pending.asked = inputs.keys().cloned().collect();
        let requests = inputs
            .iter()
            .map(|(name, request)| {
                json!({
                    "jsonrpc": "2.0",
                    "id": pending.request_id(name),
                    "method": request["method"],
                    "params": request["params"],
                })
            })
            .collect();
        return Step::Ask { pending, requests };
    }
    Step::Done(ran.into_answer(pending.id))
}

#[cfg(test)]
mod tests {
    use portcullis_tenant_config::inputs::{InputMethod, InputRequest};
    use portcullis_tenant_config::{ContentBlock, TenantConfig};

    use super::*;

    const KEY: [u8; 32] = [5; 32];

    fn states(tenant: &str) -> PurposeMac {
        crate::mcp::methods::request_states(&KEY, tenant)
    }

    fn elicit(message: &str) -> InputRequest {
        InputRequest {
            method: InputMethod::Elicitation,
            params: json!({ "message": message, "requestedSchema": {"type": "object", "properties": {}} })
                .as_object()
                .cloned()
                .unwrap(),
            required: false,
        }
    }

    fn sample() -> InputRequest {
        InputRequest {
            method: InputMethod::Sampling,
            params: json!({ "messages": [], "maxTokens": 5 })
                .as_object()
                .cloned()
                .unwrap(),
            required: false,
        }
    }

    /// A tool asking a name and a sample, then a colour.
    fn config() -> TenantConfig {
        let mut config = crate::test_fixtures::tenant("acme", 1, &["greet", "plain"]);
        let greet = &mut config.tools[0];
        greet.input_rounds = vec![
            [
                ("who".to_string(), elicit("Name?")),
                ("poem".to_string(), sample()),
            ]
            .into_iter()
            .collect(),
            [("colour".to_string(), elicit("Colour?"))]
                .into_iter()
                .collect(),
        ];
        greet.content = vec![ContentBlock::Text {
            text: "{{who.content.name}} likes {{colour.content.colour}}".into(),
        }];
        config
    }

    fn start(capabilities: Value) -> PendingCall {
        let params = json!({ "name": "greet", "arguments": { "city": "Oslo" } });
        PendingCall::new(
            "call1".into(),
            json!(7),
            "tools/call",
            params.as_object().unwrap().clone(),
            "2025-11-25",
            &capabilities,
        )
    }

    fn ask(step: Step) -> (PendingCall, Vec<Value>) {
        match step {
            Step::Ask { pending, requests } => (pending, requests),
            Step::Done(answer) => panic!("asked nothing: {}", answer.message),
            Step::Obtain { needed, .. } => panic!("needed {}", needed.describe()),
        }
    }

    /// The first step of a call by a client declaring `capabilities`.
    fn begin(config: &TenantConfig, capabilities: Value) -> (PendingCall, Vec<Value>) {
        ask(step(
            config,
            &Caller::Anonymous,
            start(capabilities),
            states("acme"),
        ))
    }

    fn accept(content: Value) -> Result<Value, Value> {
        Ok(json!({ "action": "accept", "content": content }))
    }

    #[test]
    fn only_tools_and_prompts_with_rounds_may_ask() {
        let config = config();
        let call = |name: &str| json!({ "name": name }).as_object().cloned();
        assert!(may_ask(&config, "tools/call", call("greet").as_ref()));
        assert!(!may_ask(&config, "tools/call", call("plain").as_ref()));
        assert!(!may_ask(&config, "tools/list", call("greet").as_ref()));
        assert!(!may_ask(&config, "tools/call", None));
    }

    #[test]
    fn a_call_asks_round_by_round_and_answers_with_what_it_was_told() {
        let config = config();
        let caps = json!({ "elicitation": {}, "sampling": {} });
        let (mut pending, requests) = begin(&config, caps);
        let methods: Vec<_> = requests.iter().map(|r| r["method"].clone()).collect();
        assert_eq!(
            methods,
            vec![json!("sampling/createMessage"), json!("elicitation/create")]
        );
        assert_eq!(requests[1]["id"], json!("call1/1/who"));
        assert_eq!(requests[1]["params"]["message"], json!("Name?"));
        assert_eq!(PendingCall::key_of(&requests[0]["id"]), Some("call1"));

        assert_eq!(
            pending.record(&json!("call1/1/who"), accept(json!({"name": "Ann"}))),
            Recorded::Waiting
        );
        // Answering twice, or something never asked, changes nothing.
        assert_eq!(
            pending.record(&json!("call1/1/who"), accept(json!({}))),
            Recorded::Stray
        );
        assert_eq!(
            pending.record(&json!("call1/9/poem"), Ok(json!({}))),
            Recorded::Stray
        );
        let sampled = json!({ "role": "assistant", "content": {"type": "text", "text": "roses"}, "model": "m" });
        assert_eq!(
            pending.record(&json!("call1/1/poem"), Ok(sampled)),
            Recorded::Ready
        );

        let (mut pending, requests) =
            ask(step(&config, &Caller::Anonymous, pending, states("acme")));
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0]["id"], json!("call1/2/colour"));
        // A late answer to the first round is not one to the second.
        assert_eq!(
            pending.record(&json!("call1/1/who"), accept(json!({}))),
            Recorded::Stray
        );
        assert_eq!(
            pending.record(&json!("call1/2/colour"), accept(json!({"colour": "teal"}))),
            Recorded::Ready
        );
        let Step::Done(answer) = step(&config, &Caller::Anonymous, pending, states("acme")) else {
            panic!("all rounds answered")
        };
        assert_eq!(answer.message["id"], json!(7));
        assert_eq!(
            answer.message["result"]["content"][0]["text"],
            json!("Ann likes teal")
        );
    }

    #[test]
    fn only_what_the_client_declared_is_asked() {
        let config = config();
        let (_, requests) = begin(&config, json!({ "elicitation": {} }));
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0]["method"], json!("elicitation/create"));
    }

    #[test]
    fn a_client_error_ends_the_call_with_a_tool_error() {
        let config = config();
        let (mut pending, _) = begin(&config, json!({ "elicitation": {} }));
        let Recorded::Failed(end) = pending.record(
            &json!("call1/1/who"),
            Err(json!({"code": -1, "message": "user closed the dialog"})),
        ) else {
            panic!("the call ends")
        };
        assert_eq!(end["id"], json!(7));
        assert_eq!(end["result"]["isError"], json!(true));
        let text = end["result"]["content"][0]["text"].as_str().unwrap();
        assert!(text.contains("who") && text.contains("user closed the dialog"));
    }

    #[test]
    fn a_state_sealed_for_another_tenant_is_refused() {
        let config = config();
        let (mut pending, _) = begin(&config, json!({ "elicitation": {} }));
        pending.record(&json!("call1/1/who"), accept(json!({"name": "Ann"})));
        let Step::Done(answer) = step(&config, &Caller::Anonymous, pending, states("globex"))
        else {
            panic!("refused")
        };
        // A tool error in the legacy eras, naming what failed.
        assert_eq!(answer.message["result"]["isError"], json!(true));
        let text = answer.message["result"]["content"][0]["text"].as_str();
        assert!(text.unwrap().contains("requestState"), "{}", answer.message);
    }
}
