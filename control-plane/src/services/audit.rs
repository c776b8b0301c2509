//! Reading the audit log (writing is [`Services::audit`], called by every
//! change).

use serde::Deserialize;
use utoipa::IntoParams;

use super::{ServiceError, Services};
use crate::context::{RequestContext, grant};
use crate::storage::audit::{AuditFilter, AuditRow};
use crate::storage::{self};
use portcullis_api::audit::{AuditEntry, AuditPage};

/// Page size when none is asked for, and the most one page holds.
const DEFAULT_LIMIT: i64 = 50;
const MAX_LIMIT: i64 = 1000;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
pub struct AuditQuery {
    /// Only entries by this actor (an admin's email, `api-token:<id>`).
    pub actor: Option<String>,
    /// Only this action, or every action under it (`tool` = `tool.*`).
    pub action: Option<String>,
    /// The `nextCursor` of the previous page.
    pub cursor: Option<String>,
    /// 1–1000, default 50.
    pub limit: Option<i64>,
}

impl From<AuditRow> for AuditEntry {
    fn from(r: AuditRow) -> Self {
        Self {
            id: r.id,
            at: r.at,
            actor: r.actor,
            action: r.action,
            target: r.target,
            before: r.before.map(|j| j.0),
            after: r.after.map(|j| j.0),
            ip: r.ip,
        }
    }
}

impl Services {
    pub async fn audit_list(
        &self,
        ctx: &RequestContext,
        tenant: &str,
        query: &AuditQuery,
    ) -> Result<AuditPage, ServiceError> {
        let row = self.tenant_for::<grant::Read>(ctx, tenant).await?;
        let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ServiceError::invalid("limit", "must be 1 to 1000"));
        }
        let before_id =
            match &query.cursor {
                None => None,
                Some(cursor) => Some(cursor.parse::<i64>().map_err(|_| {
                    ServiceError::invalid("cursor", "not a cursor this API gave out")
                })?),
            };
        let rows = storage::audit::audit_list(
            &self.db,
            &row,
            AuditFilter {
                actor: query.actor.as_deref(),
                action: query.action.as_deref(),
                before_id,
                limit,
            },
        )
        .await?;
        let next_cursor = (rows.len() as i64 == limit)
            .then(|| rows.last().map(|r| r.id.to_string()))
            .flatten();
        Ok(AuditPage {
            items: rows.into_iter().map(AuditEntry::from).collect(),
            next_cursor,
        })
    }
}
