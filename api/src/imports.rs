//! Importing tools from an OpenAPI description or a running MCP server:
//! what the control plane proposes for each operation or upstream tool,
//! and which of them an admin keeps.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::tools::ToolCreate;

/// Where the description comes from: its text (JSON or YAML), or a URL the
/// control plane fetches (https; the same guard as every admin-chosen URL).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OpenApiSource {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The backend's base URL, instead of the description's first server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
}

/// What importing would do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ImportPreview {
    pub title: String,
    pub version: String,
    /// One tool per operation that maps, in the description's order.
    pub tools: Vec<ProposedTool>,
    /// The operations that do not, each with why.
    pub refused: Vec<RefusedOperation>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ProposedTool {
    /// `METHOD /path`, as the description names it.
    pub operation: String,
    pub tool: ToolCreate,
    /// Against the tenant's tool of the same name, if any.
    pub change: ToolChange,
    /// The fields that differ from that tool, when `changed`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changed: Vec<String>,
    /// The security scheme whose secret the tool sends, if the description
    /// names one it can send (give it in [`OpenApiImport::secrets`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// What the import leaves out, in words (say, an OAuth scheme).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ToolChange {
    New,
    Changed,
    Unchanged,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RefusedOperation {
    pub operation: String,
    pub reason: String,
}

/// Keeps the chosen tools: all of them are saved, or none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OpenApiImport {
    pub source: OpenApiSource,
    /// The names of the proposed tools to keep.
    pub tools: Vec<String>,
    /// Secrets by security scheme name (`user:password` for basic auth);
    /// a tool whose scheme has none here keeps the one it has, if any.
    #[serde(default)]
    pub secrets: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ImportedTools {
    pub created: Vec<String>,
    pub updated: Vec<String>,
}

/// A running MCP server (Streamable HTTP) whose tools to front.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct McpSource {
    /// Its endpoint, e.g. `https://mcp.acme.com/mcp` (the same guard as
    /// every admin-chosen URL).
    pub url: String,
    /// Put before each upstream tool's name (`github_` makes
    /// `github_create_issue`), keeping upstreams apart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// The tenant's secret for the server, used to connect and kept
    /// (sealed, write-only) by the tools imported; without it on import, a
    /// tool keeps the one it has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// The header the secret goes in; `authorization` (the default) sends
    /// `Bearer <secret>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_header: Option<String>,
}

/// Keeps the chosen tools of an MCP server: all of them, or none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct McpImport {
    pub source: McpSource,
    /// The names of the proposed tools to keep (as the tenant names them).
    pub tools: Vec<String>,
}
