//! Tools: what a tenant's MCP endpoint offers, and trying one.

use chrono::{DateTime, Utc};
use portcullis_tenant_config::http_tool::HttpBinding;
use portcullis_tenant_config::inputs::InputRound;
use portcullis_tenant_config::notifications::ToolNotification;
use portcullis_tenant_config::{ContentBlock, ToolAnnotations};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ToolCreate {
    /// MCP tool name: 1–128 of `A-Z a-z 0-9 _ - .`, unique per tenant.
    pub name: String,
    pub title: Option<String>,
    pub description: String,
    /// A JSON Schema (2020-12 unless `$schema` says otherwise) whose root is
    /// `{"type": "object"}`.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub input_schema: Value,
    /// The content blocks every call returns, for now: MCP `text`,
    /// `image`, `audio`, `resource` (embedded) or `resource_link` blocks.
    /// May be left out when `structuredContent` is given (its JSON is then
    /// the text).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub content: Vec<ContentBlock>,
    /// Return the content as a tool execution error (`isError: true`).
    #[serde(default)]
    pub is_error: bool,
    /// Scopes a token must carry to see and call the tool (all of them);
    /// each must be one of the tenant's scopes when it publishes.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Logs and progress reported while the tool runs, in order, before its
    /// result: `{"log": {"level", "data", "logger"?}}` or
    /// `{"progress": {"progress", "total"?, "message"?}}` (progress only
    /// rises; sent when the client passes a progress token).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub notifications: Vec<ToolNotification>,
    /// Rounds of input asked of the client before the tool answers (MCP
    /// 2026-07-28): each an object of `name: {"method": "elicitation/create"
    /// | "sampling/createMessage" | "roots/list", "params": {…}}`; text
    /// content may quote responses as `{{name.path}}`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub input_rounds: Vec<InputRound>,
    /// Hints for clients: `title`, `readOnlyHint`, `destructiveHint`,
    /// `idempotentHint`, `openWorldHint`.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub annotations: Option<ToolAnnotations>,
    /// A JSON Schema (root `{"type": "object"}`) of the structured result.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub output_schema: Option<Value>,
    /// The structured result every call returns; must conform to
    /// `outputSchema` (required with it, unless `isError`).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub structured_content: Option<Value>,
    /// Calls the tenant's HTTPS endpoint instead of answering with fixed
    /// content: `{method, url, query?, headers?, timeoutMs?,
    /// maxResponseBytes?}`. `url` is an RFC 6570 template (levels 1–3,
    /// without `+` and `#`) over the arguments; `query` lists arguments
    /// sent as query parameters, `headers` maps arguments to header names;
    /// the other arguments go to the query (GET, DELETE) or a JSON body
    /// (POST, PUT, PATCH). The backend's answer is the result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub http: Option<HttpBinding>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Tool {
    pub name: String,
    pub title: Option<String>,
    pub description: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub input_schema: Value,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub content: Value,
    pub is_error: bool,
    pub scopes: Vec<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub notifications: Value,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub input_rounds: Value,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub annotations: Option<Value>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub output_schema: Option<Value>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub structured_content: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub http: Option<HttpBinding>,
    pub created_at: DateTime<Utc>,
}

/// Arguments for trying a tool through the edge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ToolTry {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub arguments: serde_json::Map<String, Value>,
}

/// What the edge answered, as a client would have seen it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ToolTried {
    /// The version the edge served the call from.
    pub version: i64,
    /// The `tools/call` result, when there is one.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub result: Option<Value>,
    /// The JSON-RPC error (`code`, `message`, `data`), when there is one.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub error: Option<Value>,
    /// For an HTTP tool, what the edge sent its backend (`method`, `url`,
    /// `headers` with every value redacted) and what came back (`answer`:
    /// `status`, or why it `failed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub request: Option<Value>,
}
