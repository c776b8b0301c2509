//! JSON-RPC 2.0 framing as MCP uses it.

use serde::Serialize;
use serde_json::{Map, Value, json};

/// JSON-RPC 2.0 error codes (section 5.1).
pub mod code {
    pub const PARSE_ERROR: i64 = -32700;
    pub const INVALID_REQUEST: i64 = -32600;
    pub const METHOD_NOT_FOUND: i64 = -32601;
    pub const INVALID_PARAMS: i64 = -32602;
    pub const INTERNAL_ERROR: i64 = -32603;
    /// MCP 2026-07-28: the request needs a capability the client did not
    /// declare (answered with HTTP 400).
    pub const MISSING_CLIENT_CAPABILITY: i64 = -32021;
    /// Implementation-defined server error: over the tenant's rate limits
    /// (answered with HTTP 429 and `Retry-After`).
    pub const TOO_MANY_REQUESTS: i64 = -32029;
}

/// A JSON-RPC error object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RpcError {
    pub code: i64,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl RpcError {
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            data: None,
        }
    }

    pub fn invalid_params(message: impl Into<String>) -> Self {
        Self::new(code::INVALID_PARAMS, message)
    }

    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }
}

/// One incoming message, classified.
#[derive(Debug, PartialEq)]
pub enum Incoming {
    Request {
        id: Value,
        method: String,
        params: Option<Map<String, Value>>,
    },
    Notification {
        method: String,
    },
    /// A client's answer to a server request (in the legacy eras, to one
    /// asking for input in the middle of a call).
    Response {
        id: Value,
        /// The `result`, or the `error` the client answered with.
        outcome: Result<Value, Value>,
    },
}

/// Classifies a parsed JSON value; the error carries the id to answer with
/// (`null` when none could be read, as JSON-RPC section 5 says).
pub fn classify(value: Value) -> Result<Incoming, (Value, RpcError)> {
    let Value::Object(mut obj) = value else {
        return Err((
            Value::Null,
            RpcError::new(code::INVALID_REQUEST, "a message must be a JSON object"),
        ));
    };
    let id = obj.remove("id");
    // MCP: "Request IDs MUST be a string or integer" and "MUST NOT be null".
    let valid_id = matches!(&id, Some(Value::String(_)))
        || matches!(&id, Some(Value::Number(n)) if n.is_i64() || n.is_u64());
    let reply_id = if valid_id {
        id.clone().unwrap_or(Value::Null)
    } else {
        Value::Null
    };
    let invalid = |message: &str| {
        Err((
            reply_id.clone(),
            RpcError::new(code::INVALID_REQUEST, message),
        ))
    };
    if obj.get("jsonrpc") != Some(&json!("2.0")) {
        return invalid("\"jsonrpc\" must be \"2.0\"");
    }
    match obj.remove("method") {
        Some(Value::String(method)) => {
            let params = match obj.remove("params") {
                None => None,
                Some(Value::Object(p)) => Some(p),
                Some(_) => return invalid("\"params\" must be an object"),
            };
            match id {
                None => Ok(Incoming::Notification { method }),
                Some(id) if valid_id => Ok(Incoming::Request { id, method, params }),
                Some(_) => invalid("\"id\" must be a string or an integer"),
            }
        }
        Some(_) => invalid("\"method\" must be a string"),
        None if id.is_some() && (obj.contains_key("result") || obj.contains_key("error")) => {
            let outcome = match obj.remove("result") {
                Some(result) => Ok(result),
                None => Err(obj.remove("error").unwrap_or(Value::Null)),
            };
            Ok(Incoming::Response {
                id: id.unwrap_or(Value::Null),
                outcome,
            })
        }
        None => invalid("a request needs a \"method\""),
    }
}

pub fn success(id: Value, result: Value) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "result": result })
}

pub fn failure(id: Value, error: RpcError) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "error": error })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err_code(v: Value) -> (Value, i64) {
        let (id, e) = classify(v).expect_err("invalid");
        (id, e.code)
    }

    #[test]
    fn classifies_requests_notifications_and_responses() {
        assert_eq!(
            classify(json!({"jsonrpc": "2.0", "id": 1, "method": "ping"})),
            Ok(Incoming::Request {
                id: json!(1),
                method: "ping".into(),
                params: None
            })
        );
        assert_eq!(
            classify(json!({"jsonrpc": "2.0", "method": "notifications/initialized"})),
            Ok(Incoming::Notification {
                method: "notifications/initialized".into()
            })
        );
        assert_eq!(
            classify(json!({"jsonrpc": "2.0", "id": "a", "result": {}})),
            Ok(Incoming::Response {
                id: json!("a"),
                outcome: Ok(json!({}))
            })
        );
    }

    #[test]
    fn rejects_malformed_messages_with_the_right_id() {
        let invalid = code::INVALID_REQUEST;
        assert_eq!(err_code(json!([1])), (Value::Null, invalid));
        assert_eq!(
            err_code(json!({"id": 1, "method": "ping"})),
            (json!(1), invalid)
        );
        assert_eq!(
            err_code(json!({"jsonrpc": "1.0", "id": "x", "method": "ping"})),
            (json!("x"), invalid)
        );
        assert_eq!(
            err_code(json!({"jsonrpc": "2.0", "id": null, "method": "ping"})),
            (Value::Null, invalid)
        );
        assert_eq!(
            err_code(json!({"jsonrpc": "2.0", "id": 1.5, "method": "ping"})),
            (Value::Null, invalid)
        );
        assert_eq!(
            err_code(json!({"jsonrpc": "2.0", "id": 2, "method": 3})),
            (json!(2), invalid)
        );
        assert_eq!(
            err_code(json!({"jsonrpc": "2.0", "id": 2, "method": "x", "params": [1]})),
            (json!(2), invalid)
        );
        assert_eq!(
            err_code(json!({"jsonrpc": "2.0", "id": 2})),
            (json!(2), invalid)
        );
    }
}
