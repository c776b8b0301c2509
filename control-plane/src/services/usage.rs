//! Usage: what the edge reports (tool calls with outcome and latency,
//! logins, active users) kept as per-minute rollups, and read back as
//! series for charts. The edge signs each report with
//! `PORTCULLIS_INGEST_TOKEN` ([`portcullis_tenant_config::ingest`]); nothing
//! else may write them, and a report counts once.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, DurationRound, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ServiceError, Services};
use portcullis_tenant_config::ingest;

use crate::context::{RequestContext, grant};
use crate::storage;
use crate::storage::usage::UsageIncrement;
use portcullis_api::usage::{ToolUsage, UsagePoint, UsageSeries};

/// More events than this in one report are refused.
pub const MAX_EVENTS: usize = 1000;

/// A backend status the edge reports: an HTTP status, or why there was
/// none.
fn is_backend_status(status: &str) -> bool {
    matches!(status, "timeout" | "unreachable" | "too_large" | "unsent")
        || status
            .parse::<u16>()
            .is_ok_and(|s| (100..=599).contains(&s))
}

/// Outcomes the edge reports for a tool call or login.
const OUTCOMES: &[&str] = &["ok", "tool_error", "error", "denied"];

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UsageReport {
    pub events: Vec<UsageEvent>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UsageKind {
    ToolCall,
    Login,
}

impl UsageKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::ToolCall => "tool_call",
            Self::Login => "login",
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UsageEvent {
    pub tenant: String,
    /// When, in milliseconds since the epoch.
    pub at: i64,
    pub kind: UsageKind,
    /// The tool called (tool calls only).
    pub tool: Option<String>,
    /// `ok`, `tool_error`, `error` or `denied`.
    pub outcome: String,
    #[serde(default)]
    pub latency_ms: u32,
    /// A pseudonymous user id (the edge's hash), for active-user counts.
    pub user: Option<String>,
    /// For an HTTP tool's call, what its backend did: its status (`200`,
    /// `503`, …) or `timeout`, `unreachable`, `too_large`, `unsent`.
    #[serde(default)]
    pub backend: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IngestResult {
    pub accepted: usize,
    /// Events of unknown tenants, or too far from now, or malformed.
    pub dropped: usize,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
pub struct UsageQuery {
    /// How far back, in hours (default 24, at most 2160 = 90 days).
    pub hours: Option<i64>,
    /// `minute` (up to 48 hours), `hour` (default) or `day`. Every bucket
    /// of the range is in the answer, quiet ones as zeros.
    pub bucket: Option<String>,
}

impl Services {
    /// Keeps the edge's report, `body` as sent with its `signature`
    /// header: refused when the signature does not verify with the ingest
    /// secret, is stale, or names a batch already counted.
    pub async fn usage_ingest(
        &self,
        signature: &str,
        body: &[u8],
    ) -> Result<IngestResult, ServiceError> {
        let Some(secret) = &self.settings.ingest_token else {
            return Err(ServiceError::Forbidden(
                "this control plane takes no usage reports (PORTCULLIS_INGEST_TOKEN is unset)"
                    .into(),
            ));
        };
        let now = Utc::now();
        let batch = ingest::verify(
            signature,
            secret.as_bytes(),
            body,
            u64::try_from(now.timestamp()).unwrap_or_default(),
        )
        .map_err(|e| ServiceError::Forbidden(e.to_string()))?;
        let report: UsageReport = serde_json::from_slice(body)
            .map_err(|e| ServiceError::invalid("events", e.to_string()))?;
        if report.events.len() > MAX_EVENTS {
            return Err(ServiceError::invalid(
                "events",
                format!("at most {MAX_EVENTS} per report"),
            ));
        }
        let mut result = IngestResult {
            accepted: 0,
            dropped: 0,
        };
        let mut tx = self.begin().await?;
        // Kept twice as long as a report's time is accepted: by then a
        // replay is refused as stale anyway.
        let forget_before = now - Duration::seconds(2 * ingest::MAX_SKEW_SECONDS as i64);
        if !storage::usage::batch_first_seen(&mut tx, &batch, forget_before).await? {
            return Err(ServiceError::Conflict(format!(
                "usage report {batch} was counted already"
            )));
        }
        for event in &report.events {
            let at = Utc.timestamp_millis_opt(event.at).single();
            let usable = at
                .filter(|at| (*at - now).abs() < Duration::days(2))
                .filter(|_| {
                    OUTCOMES.contains(&event.outcome.as_str())
                        && event.tool.as_deref().is_none_or(|t| t.len() <= 128)
                });
            let Some(at) = usable else {
                result.dropped += 1;
                continue;
            };
            let minute = at.duration_trunc(Duration::minutes(1)).unwrap_or(at);
            let increment = UsageIncrement {
                tenant: &event.tenant,
                minute,
                kind: event.kind.as_str(),
                tool: event.tool.as_deref().unwrap_or_default(),
                outcome: &event.outcome,
                latency_ms: i32::try_from(event.latency_ms).unwrap_or(i32::MAX),
            };
            if !storage::usage::usage_add(&mut *tx, &increment).await? {
                result.dropped += 1;
                continue;
            }
            if let Some(status) = event.backend.as_deref().filter(|s| is_backend_status(s)) {
                storage::usage::backend_add(&mut *tx, &increment, status).await?;
            }
            if let Some(user) = event.user.as_deref().filter(|u| u.len() <= 64) {
                storage::usage::active_user_add(&mut *tx, &event.tenant, minute, user).await?;
            }
            result.accepted += 1;
        }
        super::commit(tx).await?;
        Ok(result)
    }

    /// The tenant's usage over time, for charts.
    pub async fn usage_get(
        &self,
        ctx: &RequestContext,
        tenant: &str,
        query: &UsageQuery,
    ) -> Result<UsageSeries, ServiceError> {
        let row = self.tenant_for::<grant::Read>(ctx, tenant).await?;
        let hours = query.hours.unwrap_or(24);
        if !(1..=2160).contains(&hours) {
            return Err(ServiceError::invalid("hours", "must be 1 to 2160"));
        }
        let bucket = query.bucket.as_deref().unwrap_or("hour");
        if !["minute", "hour", "day"].contains(&bucket) {
            return Err(ServiceError::invalid("bucket", "minute, hour or day"));
        }
        let width = match bucket {
            "minute" if hours > 48 => {
                return Err(ServiceError::invalid(
                    "bucket",
                    "minutes cover at most 48 hours; use hour or day",
                ));
            }
            "minute" => Duration::minutes(1),
            "hour" => Duration::hours(1),
            _ => Duration::days(1),
        };
        let now = Utc::now();
        let since = now - Duration::hours(hours);
        let rows = storage::usage::usage_list(&self.db, &row, since, bucket).await?;
        let users = storage::usage::active_users_list(&self.db, &row, since, bucket).await?;
        let statuses = storage::usage::backend_list(&self.db, &row, since).await?;
        // Every bucket of the range, so quiet stretches show as zeros.
        let mut points: BTreeMap<DateTime<Utc>, (UsagePoint, i64)> = BTreeMap::new();
        let mut at = since.duration_trunc(width).unwrap_or(since);
        while at <= now {
            points.entry(at).or_default().0.at = at;
            at += width;
        }
        let mut tools: BTreeMap<String, (ToolUsage, i64)> = BTreeMap::new();
        for r in rows {
            let failed = r.outcome != "ok";
            let (point, latency_sum) = points.entry(r.bucket).or_default();
            point.at = r.bucket;
            match r.kind.as_str() {
                "login" => point.logins += r.count,
                _ => {
                    point.tool_calls += r.count;
                    *latency_sum += r.latency_ms_sum;
                    if failed {
                        point.errors += r.count;
                    }
                    let (tool, sum) = tools.entry(r.tool.clone()).or_default();
                    tool.tool = r.tool;
                    tool.calls += r.count;
                    *sum += r.latency_ms_sum;
                    tool.latency_ms_max = tool.latency_ms_max.max(r.latency_ms_max);
                    if failed {
                        tool.errors += r.count;
                    }
                }
            }
        }
        for s in statuses {
            let (tool, _) = tools.entry(s.tool.clone()).or_default();
            tool.tool = s.tool;
            tool.backend.insert(s.status, s.count);
        }
        for u in users {
            let (point, _) = points.entry(u.bucket).or_default();
            point.at = u.bucket;
            point.active_users = u.users;
        }
        let average = |sum: i64, n: i64| (n > 0).then(|| sum as f64 / n as f64);
        Ok(UsageSeries {
            bucket: bucket.to_owned(),
            since,
            points: points
                .into_values()
                .map(|(mut p, sum)| {
                    p.latency_ms_avg = average(sum, p.tool_calls);
                    p
                })
                .collect(),
            tools: tools
                .into_values()
                .map(|(mut t, sum)| {
                    t.latency_ms_avg = average(sum, t.calls);
                    t
                })
                .collect(),
        })
    }
}
