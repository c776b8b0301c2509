//! The `tools` table.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::postgres::PgArguments;
use sqlx::query::QueryAs;
use sqlx::types::Json;
use sqlx::{FromRow, PgExecutor, Postgres};

use super::error::{StorageError, classify};
use super::tenants::TenantRow;
use crate::context::{Authorized, Grant, MayWrite};

#[derive(Debug, Clone, FromRow)]
pub struct ToolRow {
    pub name: String,
    pub title: Option<String>,
    pub description: String,
    pub input_schema: Json<Value>,
    pub content: Json<Value>,
    pub is_error: bool,
    pub scopes: Vec<String>,
    pub notifications: Json<Value>,
    pub input_rounds: Json<Value>,
    pub annotations: Option<Json<Value>>,
    pub output_schema: Option<Json<Value>>,
    pub structured_content: Option<Json<Value>>,
    pub http: Option<Json<Value>>,
    pub created_at: DateTime<Utc>,
}

/// A tool as validated by the service layer.
pub struct NewTool<'a> {
    pub name: &'a str,
    pub title: Option<&'a str>,
    pub description: &'a str,
    pub input_schema: &'a Value,
    pub content: &'a Value,
    pub is_error: bool,
    pub scopes: &'a [String],
    pub notifications: &'a Value,
    pub input_rounds: &'a Value,
    pub annotations: Option<&'a Value>,
    pub output_schema: Option<&'a Value>,
    pub structured_content: Option<&'a Value>,
    pub http: Option<&'a Value>,
}

const COLUMNS: &str = "name, title, description, input_schema, content, is_error, scopes, \
                       notifications, input_rounds, annotations, output_schema, structured_content, http, \
                       created_at";

pub async fn tool_create(
    db: impl PgExecutor<'_>,
    tenant: &Authorized<TenantRow, impl MayWrite>,
    tool: &NewTool<'_>,
) -> Result<ToolRow, StorageError> {
    let sql = format!(
        "INSERT INTO tools (tenant_id, name, title, description, input_schema, content, is_error,
                            scopes, notifications, input_rounds, annotations, output_schema,
                            structured_content, http)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         RETURNING {COLUMNS}"
    );
    bind_tool(sqlx::query_as(&sql).bind(tenant.id), tool)
        .fetch_one(db)
        .await
        .map_err(classify)
}

/// Binds a tool's columns, in table order from `name` on.
fn bind_tool<'q>(
    query: QueryAs<'q, Postgres, ToolRow, PgArguments>,
    tool: &NewTool<'q>,
) -> QueryAs<'q, Postgres, ToolRow, PgArguments> {
    query
        .bind(tool.name)
        .bind(tool.title)
        .bind(tool.description)
        .bind(Json(tool.input_schema))
        .bind(Json(tool.content))
        .bind(tool.is_error)
        .bind(tool.scopes)
        .bind(Json(tool.notifications))
        .bind(Json(tool.input_rounds))
        .bind(tool.annotations.map(Json))
        .bind(tool.output_schema.map(Json))
        .bind(tool.structured_content.map(Json))
        .bind(tool.http.map(Json))
}

pub async fn tool_list(
    db: impl PgExecutor<'_>,
    tenant: &Authorized<TenantRow, impl Grant>,
) -> Result<Vec<ToolRow>, StorageError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM tools WHERE tenant_id = $1 ORDER BY name"
    ))
    .bind(tenant.id)
    .fetch_all(db)
    .await?)
}

/// Deletes one tool; `false` when there was none of that name.
pub async fn tool_delete(
    db: impl PgExecutor<'_>,
    tenant: &Authorized<TenantRow, impl MayWrite>,
    name: &str,
) -> Result<Option<ToolRow>, StorageError> {
    Ok(sqlx::query_as(&format!(
        "DELETE FROM tools WHERE tenant_id = $1 AND name = $2 RETURNING {COLUMNS}"
    ))
    .bind(tenant.id)
    .bind(name)
    .fetch_optional(db)
    .await?)
}

pub async fn tool_get(
    db: impl PgExecutor<'_>,
    tenant: &Authorized<TenantRow, impl Grant>,
    name: &str,
) -> Result<Option<ToolRow>, StorageError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM tools WHERE tenant_id = $1 AND name = $2 FOR UPDATE"
    ))
    .bind(tenant.id)
    .bind(name)
    .fetch_optional(db)
    .await?)
}

/// Replaces the tool named `name` (which `tool.name` may rename); `None`
/// when there is none.
pub async fn tool_update(
    db: impl PgExecutor<'_>,
    tenant: &Authorized<TenantRow, impl MayWrite>,
    name: &str,
    tool: &NewTool<'_>,
) -> Result<Option<ToolRow>, StorageError> {
    let sql = format!(
        "UPDATE tools SET name = $3, title = $4, description = $5, input_schema = $6,
                content = $7, is_error = $8, scopes = $9, notifications = $10,
                input_rounds = $11, annotations = $12, output_schema = $13,
                structured_content = $14, http = $15
         WHERE tenant_id = $1 AND name = $2 RETURNING {COLUMNS}"
    );
    bind_tool(sqlx::query_as(&sql).bind(tenant.id).bind(name), tool)
        .fetch_optional(db)
        .await
        .map_err(classify)
}

/// Replaces a tool's HTTP binding alone (its secret re-sealed).
pub async fn tool_http_set(
    db: impl PgExecutor<'_>,
    tenant: &Authorized<TenantRow, impl MayWrite>,
    name: &str,
    http: &Value,
) -> Result<(), StorageError> {
    sqlx::query("UPDATE tools SET http = $3 WHERE tenant_id = $1 AND name = $2")
        .bind(tenant.id)
        .bind(name)
        .bind(Json(http))
        .execute(db)
        .await?;
    Ok(())
}
