//! What the edge tells the control plane about use: tool calls (tool,
//! outcome) and logins, per tenant, with a pseudonymous user id for
//! counting active users. The pure code returns these events as values
//! with what it decided (an MCP call's [`crate::mcp::effect::Counted`], the
//! authorization server's collected logins); the runtime adds the time and
//! latency, batches them per isolate and reports them
//! (`runtime::usage_report`).

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// One thing that happened, as reported.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageEvent {
    pub tenant: String,
    /// Milliseconds since the epoch (set by the runtime).
    pub at: u64,
    /// `tool_call` or `login`.
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool: Option<String>,
    /// `ok`, `tool_error`, `error` or `denied`.
    pub outcome: &'static str,
    /// Set by the runtime.
    pub latency_ms: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// For an HTTP tool's call, what its backend did (see
    /// [`crate::backend::BackendAnswer::label`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backend: Option<String>,
}

/// A user id the control plane can count but not read back.
pub fn pseudonym(tenant: &str, user: &str) -> String {
    let digest = Sha256::digest(format!("portcullis usage/{tenant}/{user}").as_bytes());
    portcullis_tenant_config::encoding::encode_hex(&digest[..16])
}

/// A finished `tools/call` and its JSON-RPC `outcome` (a result, possibly
/// `isError`, or an error). Rounds still asking for input are not calls yet.
pub fn tool_call(
    tenant: &str,
    user: Option<&str>,
    tool: &str,
    outcome: Result<&Value, ()>,
) -> Option<UsageEvent> {
    let outcome = match outcome {
        Ok(result)
            if result.get("resultType").and_then(Value::as_str) == Some("input_required") =>
        {
            return None;
        }
        Ok(result) if result.get("isError") == Some(&Value::Bool(true)) => "tool_error",
        Ok(_) => "ok",
        Err(()) => "error",
    };
    Some(UsageEvent {
        tenant: tenant.to_owned(),
        at: 0,
        kind: "tool_call",
        tool: Some(tool.to_owned()),
        outcome,
        latency_ms: 0,
        user: user.map(|u| pseudonym(tenant, u)),
        backend: None,
    })
}

/// A call refused for want of scopes.
pub fn tool_denied(tenant: &str, user: Option<&str>, tool: &str) -> UsageEvent {
    UsageEvent {
        tenant: tenant.to_owned(),
        at: 0,
        kind: "tool_call",
        tool: Some(tool.to_owned()),
        outcome: "denied",
        latency_ms: 0,
        user: user.map(|u| pseudonym(tenant, u)),
        backend: None,
    }
}

/// A user signed in upstream, and was let in (`ok`) or not (`denied`).
pub fn login(tenant: &str, user: &str, admitted: bool) -> UsageEvent {
    UsageEvent {
        tenant: tenant.to_owned(),
        at: 0,
        kind: "login",
        tool: None,
        outcome: if admitted { "ok" } else { "denied" },
        latency_ms: 0,
        user: Some(pseudonym(tenant, user)),
        backend: None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn calls_are_counted_by_outcome() {
        let events: Vec<UsageEvent> = [
            tool_call(
                "acme",
                Some("oidc:ann"),
                "weather",
                Ok(&json!({"content": []})),
            ),
            tool_call("acme", None, "weather", Ok(&json!({"isError": true}))),
            tool_call("acme", None, "weather", Err(())),
            tool_call(
                "acme",
                None,
                "ask",
                Ok(&json!({"resultType": "input_required"})),
            ),
            Some(tool_denied("acme", None, "admin_tool")),
            Some(login("acme", "oidc:bob", false)),
        ]
        .into_iter()
        .flatten()
        .collect();
        let outcomes: Vec<_> = events.iter().map(|e| (e.kind, e.outcome)).collect();
        assert_eq!(
            outcomes,
            [
                ("tool_call", "ok"),
                ("tool_call", "tool_error"),
                ("tool_call", "error"),
                ("tool_call", "denied"),
                ("login", "denied")
            ]
        );
        let ann = events[0].user.clone().unwrap();
        assert_eq!(ann.len(), 32);
        assert!(!ann.contains("ann"));
        assert_ne!(Some(ann), Some(pseudonym("globex", "oidc:ann")));
    }
}
