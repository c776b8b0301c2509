//! A tenant's usage as series for charts.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UsagePoint {
    pub at: DateTime<Utc>,
    pub tool_calls: i64,
    /// Calls that failed (`error` or `tool_error`) or were denied.
    pub errors: i64,
    pub logins: i64,
    pub active_users: i64,
    pub latency_ms_avg: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ToolUsage {
    pub tool: String,
    pub calls: i64,
    pub errors: i64,
    pub latency_ms_avg: Option<f64>,
    pub latency_ms_max: i32,
    /// For an HTTP tool, its calls by what the backend did: its status
    /// (`"200"`, `"503"`, …) or `timeout`, `unreachable`, `too_large`,
    /// `unsent`.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub backend: std::collections::BTreeMap<String, i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UsageSeries {
    pub bucket: String,
    pub since: DateTime<Utc>,
    pub points: Vec<UsagePoint>,
    pub tools: Vec<ToolUsage>,
}
