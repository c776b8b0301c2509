//! Speaking MCP to a server the tenant already runs (Streamable HTTP), as
//! a client: the messages to send and the reading of what comes back, for
//! the control plane (which connects to list an upstream's tools) and the
//! edge (which forwards a call). Pure: whoever holds the network sends.
//!
//! A session is `initialize` → `notifications/initialized` → requests,
//! each POST carrying the `Mcp-Session-Id` the server gave (if any) and
//! the negotiated `MCP-Protocol-Version`. An answer is either one JSON
//! body or an event stream whose `message` events carry JSON-RPC
//! messages: the one with the request's id is the answer; notifications
//! and the server's own requests before it are passed over.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::notifications::{ToolNotification, severity};

/// The revision offered in `initialize`; a server may answer with an
/// older one it speaks, which the session then uses.
pub const OFFERED_VERSION: &str = "2025-11-25";
/// Revisions accepted from a server's `initialize` answer.
pub const ACCEPTED_VERSIONS: &[&str] = &["2025-11-25", "2025-06-18", "2025-03-26"];
/// What every POST accepts (the transport requires both).
pub const ACCEPT: &str = "application/json, text/event-stream";

/// Which tool of the upstream server a tool is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct McpTarget {
    /// The tool's name at the upstream server (the tenant may expose it
    /// under another).
    pub tool: String,
}

/// The id of the `initialize` request.
pub const INITIALIZE_ID: u64 = 0;
/// The id of every request after the handshake (one per exchange).
pub const REQUEST_ID: u64 = 1;

/// The `initialize` request.
pub fn initialize() -> String {
    json!({
        "jsonrpc": "2.0", "id": INITIALIZE_ID, "method": "initialize",
        "params": {
            "protocolVersion": OFFERED_VERSION,
            "capabilities": {},
            "clientInfo": {"name": "portcullis", "version": env!("CARGO_PKG_VERSION")},
        },
    })
    .to_string()
}

/// The notification that ends the handshake.
pub fn initialized() -> String {
    json!({"jsonrpc": "2.0", "method": "notifications/initialized"}).to_string()
}

/// A request after the handshake, with [`REQUEST_ID`].
pub fn request(method: &str, params: Value) -> String {
    json!({"jsonrpc": "2.0", "id": REQUEST_ID, "method": method, "params": params}).to_string()
}

/// The `tools/call` of `tool` with `arguments`, asking for progress under
/// `progress_token` when the client asked for it.
pub fn call_tool(
    tool: &str,
    arguments: &Map<String, Value>,
    progress_token: Option<&Value>,
) -> String {
    let mut params = json!({"name": tool, "arguments": arguments});
    if let Some(token) = progress_token {
        params["_meta"] = json!({ "progressToken": token });
    }
    request("tools/call", params)
}

/// What the server said at `initialize`.
#[derive(Debug, Clone, PartialEq)]
pub struct Handshake {
    pub protocol_version: String,
    pub server_info: Value,
    pub capabilities: Value,
    pub instructions: Option<String>,
}

/// Reads the `initialize` answer's result.
pub fn handshake(result: &Value) -> Result<Handshake, String> {
    let version = result["protocolVersion"].as_str().unwrap_or_default();
    if !ACCEPTED_VERSIONS.contains(&version) {
        return Err(format!(
            "the server speaks MCP revision {version:?}; Portcullis forwards to {}",
            ACCEPTED_VERSIONS.join(", ")
        ));
    }
    Ok(Handshake {
        protocol_version: version.to_owned(),
        server_info: result["serverInfo"].clone(),
        capabilities: result["capabilities"].clone(),
        instructions: result["instructions"].as_str().map(str::to_owned),
    })
}

/// The JSON-RPC answer to request `id` in a response body of
/// `content_type` (`application/json` or `text/event-stream`): its
/// `result`, or the server's error in words.
pub fn answer(content_type: Option<&str>, body: &[u8], id: u64) -> Result<Value, String> {
    let text = std::str::from_utf8(body).map_err(|_| "the answer is not UTF-8".to_owned())?;
    let message = match content_type {
        Some("text/event-stream") => response_in(text, id)
            .ok_or_else(|| "the server's event stream ended without an answer".to_owned())?,
        _ => crate::json::parse::<Value>(text)
            .map_err(|_| "the server's answer is not JSON".to_owned())?,
    };
    if let Some(error) = message.get("error") {
        let words = error["message"].as_str().unwrap_or("no message");
        return Err(format!(
            "the server refused ({}): {words}",
            error["code"].as_i64().unwrap_or_default()
        ));
    }
    match message.get("result") {
        Some(result) if result.is_object() => Ok(result.clone()),
        _ => Err("the server's answer has no result".to_owned()),
    }
}

/// Watches an event stream as it arrives for the answer to request `id`:
/// a server may keep a POST's stream open after answering, so the reader
/// stops there instead of waiting for the stream to end. Each byte is
/// looked at once and each whole event parsed once, however the stream is
/// cut into chunks (a server sending many small events pays no more).
#[derive(Debug)]
pub struct AnswerWatch {
    id: u64,
    /// Bytes searched for event ends so far.
    searched: usize,
    /// Bytes of whole events already parsed.
    parsed: usize,
}

impl AnswerWatch {
    pub fn new(id: u64) -> Self {
        Self {
            id,
            searched: 0,
            parsed: 0,
        }
    }

    /// Whether `read` (everything read so far, growing between calls)
    /// holds the answer.
    pub fn holds_answer(&mut self, read: &[u8]) -> bool {
        // An event ends at a blank line ("\n\n", or "\n\r\n"); one ending
        // before `searched` was found by an earlier look.
        let mut end = None;
        for at in self.searched..read.len() {
            let blank = read[at] == b'\n'
                && at >= 1
                && (read[at - 1] == b'\n' || (at >= 2 && read[at - 2..at] == *b"\n\r"));
            if blank {
                end = Some(at + 1);
            }
        }
        self.searched = read.len();
        let Some(end) = end else {
            return false;
        };
        let whole = &read[self.parsed..end];
        self.parsed = end;
        std::str::from_utf8(whole).is_ok_and(|text| response_in(text, self.id).is_some())
    }
}

/// The JSON-RPC response to `id` among an event stream's messages.
fn response_in(text: &str, id: u64) -> Option<Value> {
    messages(text).find(|m| answers(m, id))
}

/// Whether `message` is the response to request `id`.
fn answers(message: &Value, id: u64) -> bool {
    message["id"] == id && (message.get("result").is_some() || message.get("error").is_some())
}

/// An event stream's JSON messages, in order (events that are not JSON
/// passed over).
fn messages(text: &str) -> impl Iterator<Item = Value> {
    events(text)
        .into_iter()
        .filter_map(|data| crate::json::parse::<Value>(&data).ok())
}

/// The most of an upstream's notifications relayed per call.
pub const MAX_RELAYED: usize = 64;

/// The progress and log notifications an event-stream answer carried
/// before its answer to `id`, as the tool's own notifications (the MCP
/// core sends them on as it sends a tool's: logs at the level the client
/// asked for, progress under the client's token). Progress counts only for
/// `progress_token` (what the call was sent with) and only while it rises;
/// logs only at levels MCP has; at most [`MAX_RELAYED`] of them.
pub fn notifications(
    content_type: Option<&str>,
    body: &[u8],
    id: u64,
    progress_token: Option<&Value>,
) -> Vec<ToolNotification> {
    let text = match (content_type, std::str::from_utf8(body)) {
        (Some("text/event-stream"), Ok(text)) => text,
        _ => return Vec::new(),
    };
    let mut out = Vec::new();
    let mut last = f64::NEG_INFINITY;
    for message in messages(text) {
        if answers(&message, id) || out.len() == MAX_RELAYED {
            break;
        }
        let params = &message["params"];
        match message["method"].as_str() {
            Some("notifications/progress")
                if progress_token.is_some_and(|t| *t == params["progressToken"]) =>
            {
                let Some(progress) = params["progress"].as_f64().filter(|p| *p > last) else {
                    continue;
                };
                last = progress;
                out.push(ToolNotification::Progress {
                    progress,
                    total: params["total"].as_f64(),
                    message: params["message"].as_str().map(str::to_owned),
                });
            }
            Some("notifications/message") => {
                let Some(level) = params["level"].as_str().filter(|l| severity(l).is_some()) else {
                    continue;
                };
                out.push(ToolNotification::Log {
                    level: level.to_owned(),
                    logger: params["logger"].as_str().map(str::to_owned),
                    data: params["data"].clone(),
                });
            }
            _ => {}
        }
    }
    out
}

/// The data of each event in an event stream (multi-line data joined).
fn events(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut data: Option<String> = None;
    for line in text.lines().chain([""]) {
        if line.is_empty() {
            out.extend(data.take().filter(|d| !d.is_empty()));
        } else if let Some(value) = line.strip_prefix("data:") {
            let value = value.strip_prefix(' ').unwrap_or(value);
            match &mut data {
                Some(d) => {
                    d.push('\n');
                    d.push_str(value);
                }
                None => data = Some(value.to_owned()),
            }
        }
    }
    out
}

/// A tool an upstream server lists, as its `tools/list` gives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListedTool {
    pub name: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    pub input_schema: Value,
    #[serde(default)]
    pub output_schema: Option<Value>,
    #[serde(default)]
    pub annotations: Option<Value>,
}

/// A `tools/list` page's tools and the cursor of the next page.
pub fn listed_tools(result: &Value) -> Result<(Vec<ListedTool>, Option<String>), String> {
    let tools = crate::json::from_value(result["tools"].clone())
        .map_err(|e| format!("the server's tool list does not read: {e}"))?;
    let next = result["nextCursor"].as_str().map(str::to_owned);
    Ok((tools, next))
}

/// A forwarded call's answer as the tool's result: the upstream's
/// `CallToolResult` fields a client reads (content, structured content,
/// whether it is an error), nothing else it may have added.
pub fn tool_result(result: &Value) -> Value {
    let mut out = Map::new();
    let content = match &result["content"] {
        Value::Array(blocks) => Value::Array(blocks.clone()),
        _ => Value::Array(Vec::new()),
    };
    out.insert("content".into(), content);
    if let Some(structured) = result.get("structuredContent").filter(|s| s.is_object()) {
        out.insert("structuredContent".into(), structured.clone());
    }
    if result["isError"] == true {
        out.insert("isError".into(), true.into());
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_is_found_in_json_or_in_the_event_stream() {
        let json = br#"{"jsonrpc":"2.0","id":1,"result":{"content":[]}}"#;
        assert_eq!(
            answer(Some("application/json"), json, 1).unwrap(),
            json!({"content": []})
        );
        let stream = "id: a\ndata: \n\nevent: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{}}\n\n\
            event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"sampling/createMessage\"}\n\n\
            event: message\nid: b\ndata: {\"jsonrpc\":\"2.0\",\n\
            data: \"id\":1,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]}}\n\n";
        assert_eq!(
            answer(Some("text/event-stream"), stream.as_bytes(), 1).unwrap()["content"][0]["text"],
            "hi"
        );
        let ended = "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"x\"}\n\n";
        assert!(answer(Some("text/event-stream"), ended.as_bytes(), 1).is_err());
    }

    #[test]
    fn a_stream_holds_the_answer_once_its_message_is_whole() {
        let answer =
            "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"content\":[]}}\n\n";
        let note =
            "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\"}\n\n";
        let holds = |read: &[u8], id| AnswerWatch::new(id).holds_answer(read);
        assert!(!holds(note.as_bytes(), 1));
        assert!(holds(format!("{note}{answer}").as_bytes(), 1));
        assert!(!holds(answer.as_bytes(), 2), "another request's answer");
        assert!(holds(answer.replace('\n', "\r\n").as_bytes(), 1), "CRLF");
        // Cut anywhere before the event ends: not yet.
        for end in 0..answer.len() - 1 {
            assert!(!holds(&answer.as_bytes()[..end], 1), "{:?}", &answer[..end]);
        }
        // Read as it arrives, in chunks of every size, however cut (inside
        // a blank line, inside a UTF-8 character): found once whole, no
        // sooner, never missed.
        let stream = format!("{note}{note}{}", answer.replace("[]", "[\"é\"]"));
        let bytes = stream.as_bytes();
        for size in 1..=bytes.len() {
            let mut watch = AnswerWatch::new(1);
            let found = (size..bytes.len() + size)
                .step_by(size)
                .map(|end| end.min(bytes.len()))
                .find(|end| watch.holds_answer(&bytes[..*end]));
            assert_eq!(found, Some(bytes.len()), "chunks of {size}");
        }
    }

    #[test]
    fn progress_and_logs_before_the_answer_are_relayed() {
        let event = |message: Value| format!("event: message\ndata: {message}\n\n");
        let progress = |token: Value, progress: f64| {
            event(json!({"jsonrpc": "2.0", "method": "notifications/progress",
                "params": {"progressToken": token, "progress": progress, "total": 3, "message": "step"}}))
        };
        let log = |level: &str| {
            event(json!({"jsonrpc": "2.0", "method": "notifications/message",
                "params": {"level": level, "logger": "up", "data": {"n": 1}}}))
        };
        let stream = [
            progress(json!("t"), 1.0),
            progress(json!("another"), 2.0),
            log("info"),
            log("shouting"),
            progress(json!("t"), 1.0),
            event(json!({"jsonrpc": "2.0", "id": 9, "method": "sampling/createMessage"})),
            progress(json!("t"), 2.0),
            event(json!({"jsonrpc": "2.0", "id": 1, "result": {"content": []}})),
            progress(json!("t"), 3.0),
        ]
        .concat();
        let token = json!("t");
        let relayed = notifications(
            Some("text/event-stream"),
            stream.as_bytes(),
            1,
            Some(&token),
        );
        let step = |progress| ToolNotification::Progress {
            progress,
            total: Some(3.0),
            message: Some("step".into()),
        };
        let info = ToolNotification::Log {
            level: "info".into(),
            logger: Some("up".into()),
            data: json!({"n": 1}),
        };
        assert_eq!(
            relayed,
            [step(1.0), info.clone(), step(2.0)],
            "another token's, an unknown level, falling progress and what follows the answer are not"
        );
        let unasked = notifications(Some("text/event-stream"), stream.as_bytes(), 1, None);
        assert_eq!(unasked, [info], "no progress unless asked for");
        let json = br#"{"jsonrpc":"2.0","id":1,"result":{}}"#;
        assert!(notifications(Some("application/json"), json, 1, Some(&token)).is_empty());
        let flood = log("debug").repeat(MAX_RELAYED + 10);
        assert_eq!(
            notifications(Some("text/event-stream"), flood.as_bytes(), 1, None).len(),
            MAX_RELAYED
        );
    }

    #[test]
    fn a_call_asks_for_progress_only_with_a_token() {
        let args = Map::new();
        let plain = crate::json::parse::<Value>(call_tool("echo", &args, None)).unwrap();
        assert!(plain["params"].get("_meta").is_none(), "{plain}");
        let token = json!(7);
        let asked = crate::json::parse::<Value>(call_tool("echo", &args, Some(&token))).unwrap();
        assert_eq!(asked["params"]["_meta"], json!({"progressToken": 7}));
    }

    #[test]
    fn errors_and_nonsense_are_told_in_words() {
        let refused =
            br#"{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Unknown tool"}}"#;
        let why = answer(Some("application/json"), refused, 1).unwrap_err();
        assert!(
            why.contains("-32602") && why.contains("Unknown tool"),
            "{why}"
        );
        assert!(answer(Some("application/json"), b"<html>", 1).is_err());
        assert!(answer(Some("application/json"), &[0xff, 0xfe], 1).is_err());
        assert!(answer(None, br#"{"jsonrpc":"2.0","id":1,"result":7}"#, 1).is_err());
    }

    #[test]
    fn the_handshake_takes_only_revisions_it_forwards_to() {
        let ok = handshake(&json!({"protocolVersion": "2025-06-18", "serverInfo": {"name": "s"}}));
        assert_eq!(ok.unwrap().protocol_version, "2025-06-18");
        assert!(handshake(&json!({"protocolVersion": "1999-01-01"})).is_err());
        assert!(handshake(&json!({})).is_err());
    }

    #[test]
    fn a_result_keeps_what_a_client_reads() {
        let upstream = json!({
            "content": [{"type": "text", "text": "7"}], "structuredContent": {"sum": 7},
            "isError": false, "_meta": {"progressToken": 1}, "extra": true,
        });
        assert_eq!(
            tool_result(&upstream),
            json!({"content": [{"type": "text", "text": "7"}], "structuredContent": {"sum": 7}})
        );
        assert_eq!(
            tool_result(&json!({"isError": true, "content": "nonsense"})),
            json!({"content": [], "isError": true})
        );
    }

    #[test]
    fn tool_pages_read_with_their_cursor() {
        let page = json!({"tools": [{"name": "echo", "inputSchema": {"type": "object"}}], "nextCursor": "2"});
        let (tools, next) = listed_tools(&page).unwrap();
        assert_eq!(tools[0].name, "echo");
        assert_eq!(next.as_deref(), Some("2"));
        assert!(listed_tools(&json!({"tools": [{"title": "no name"}]})).is_err());
    }
}
