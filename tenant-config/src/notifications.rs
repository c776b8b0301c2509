//! What a tool tells the client while it runs: log messages and progress,
//! sent on the request's event stream before the result (MCP "Logging" and
//! "Progress" utilities).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use thiserror::Error;

/// RFC 5424 severities, as MCP names them.
pub const LOG_LEVELS: &[&str] = &[
    "debug",
    "info",
    "notice",
    "warning",
    "error",
    "critical",
    "alert",
    "emergency",
];

/// A level's rank, lowest (debug) first; `None` for a name MCP does not have.
pub fn severity(level: &str) -> Option<usize> {
    LOG_LEVELS.iter().position(|l| *l == level)
}

/// More than this many notifications per call are refused.
pub const MAX_NOTIFICATIONS: usize = 20;

/// One notification a tool sends during a call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum ToolNotification {
    /// `notifications/message`, sent where the client speaks an era with
    /// server logging (2024-11-05 … 2025-11-25).
    Log {
        level: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        logger: Option<String>,
        data: Value,
    },
    /// `notifications/progress`, sent when the request carries a
    /// `progressToken`.
    Progress {
        progress: f64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        total: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NotificationError {
    #[error("at most {MAX_NOTIFICATIONS} notifications per tool")]
    TooMany,
    #[error(
        "log level {0:?} is not one of debug, info, notice, warning, error, critical, alert, emergency"
    )]
    Level(String),
    #[error("progress must be finite, never decrease, and not exceed its total")]
    Progress,
}

/// Checks a tool's notifications as the MCP rules require (progress only
/// ever increases).
pub fn validate_notifications(notifications: &[ToolNotification]) -> Result<(), NotificationError> {
    if notifications.len() > MAX_NOTIFICATIONS {
        return Err(NotificationError::TooMany);
    }
    let mut last = f64::NEG_INFINITY;
    for n in notifications {
        match n {
            ToolNotification::Log { level, .. } if !LOG_LEVELS.contains(&level.as_str()) => {
                return Err(NotificationError::Level(level.clone()));
            }
            ToolNotification::Log { .. } => {}
            ToolNotification::Progress {
                progress, total, ..
            } => {
                let beyond_total = total.is_some_and(|t| !t.is_finite() || *progress > t);
                if !progress.is_finite() || *progress < last || beyond_total {
                    return Err(NotificationError::Progress);
                }
                last = *progress;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse(v: Value) -> Vec<ToolNotification> {
        serde_json::from_value(v).expect("parses")
    }

    #[test]
    fn accepts_logs_and_rising_progress() {
        let ok = parse(json!([
            {"log": {"level": "info", "data": "started"}},
            {"progress": {"progress": 0, "total": 100}},
            {"progress": {"progress": 100, "total": 100, "message": "done"}}
        ]));
        assert_eq!(validate_notifications(&ok), Ok(()));
    }

    #[test]
    fn refuses_bad_levels_falling_progress_and_floods() {
        let level = parse(json!([{"log": {"level": "loud", "data": "x"}}]));
        assert_eq!(
            validate_notifications(&level),
            Err(NotificationError::Level("loud".into()))
        );
        let falling = parse(json!([{"progress": {"progress": 5}}, {"progress": {"progress": 4}}]));
        assert_eq!(
            validate_notifications(&falling),
            Err(NotificationError::Progress)
        );
        let over = parse(json!([{"progress": {"progress": 5, "total": 4}}]));
        assert_eq!(
            validate_notifications(&over),
            Err(NotificationError::Progress)
        );
        let many = vec![parse(json!([{"log": {"level": "info", "data": 1}}]))[0].clone(); 21];
        assert_eq!(
            validate_notifications(&many),
            Err(NotificationError::TooMany)
        );
        assert!(serde_json::from_value::<Vec<ToolNotification>>(json!([{"shout": {}}])).is_err());
    }
}
