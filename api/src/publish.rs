//! Publishing: versions, what the edge made of them, rollbacks and diffs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One published version and what the edge made of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Deployment {
    pub version: i64,
    /// SHA-256 of the signed document, hex.
    pub sha256: String,
    pub status: PushStatus,
    /// The edge's answer, or why it could not be reached.
    pub detail: Option<String>,
    /// Who published it (an admin's email, `api-token:<id>`).
    pub published_by: Option<String>,
    /// The version whose content this one restored, for a rollback.
    pub rollback_of: Option<i64>,
    /// How many times it was pushed.
    pub push_attempts: i32,
    pub created_at: DateTime<Utc>,
    pub pushed_at: Option<DateTime<Utc>>,
}

/// One version's document, as the edge got it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct VersionDocument {
    pub version: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub document: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Rollback {
    /// The earlier version whose content to publish again (as a new version).
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Diff {
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub changes: Vec<Change>,
}

/// What the edge serves right now, as it says itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EdgeStatus {
    pub reachable: bool,
    /// The version the edge serves, if any.
    pub served_version: Option<i64>,
    /// The newest version the edge accepted, by the deployment history.
    pub live_version: Option<i64>,
    pub detail: Option<String>,
}

/// What became of a version's push to the edge (the `push_status` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "sqlx",
    derive(sqlx::Type),
    sqlx(type_name = "text", rename_all = "lowercase")
)]
#[serde(rename_all = "lowercase")]
pub enum PushStatus {
    /// Not pushed yet (or the control plane stopped before it was).
    Pending,
    /// The edge serves it, or served it.
    Accepted,
    /// The edge was unreachable or failing; retried in the background.
    Failed,
    /// The edge will not take it.
    Refused,
}

impl PushStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Failed => "failed",
            Self::Refused => "refused",
        }
    }
}

/// One difference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Change {
    /// Where: `tools[get_weather].inputSchema`, `oauth.scopes[read]`.
    pub path: String,
    pub kind: ChangeKind,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<Value>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Added => "added",
            Self::Removed => "removed",
            Self::Changed => "changed",
        }
    }
}
