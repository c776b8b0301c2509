//! Versioned schemas for the Durable Objects' SQLite storage: each object
//! lists its steps, and [`migrate`] runs those it has not run yet, in
//! order, recording how far it got, so a schema change is a new step rather
//! than a statement whose failure is ignored. Also the two calls every
//! store over that storage makes ([`exec`], [`rows`]), failures as
//! [`StoreError`]s.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use worker::{SqlStorage, SqlStorageValue};

use crate::store::StoreError;

fn store_error(e: worker::Error) -> StoreError {
    StoreError(e.to_string())
}

/// Runs a statement.
pub(super) fn exec(
    sql: &SqlStorage,
    query: &str,
    args: Vec<SqlStorageValue>,
) -> Result<(), StoreError> {
    sql.exec(query, args).map(drop).map_err(store_error)
}

/// Runs a query, its rows read as `T`.
pub(super) fn rows<T: DeserializeOwned>(
    sql: &SqlStorage,
    query: &str,
    args: Vec<SqlStorageValue>,
) -> Result<Vec<T>, StoreError> {
    sql.exec(query, args)
        .and_then(|cursor| cursor.to_array())
        .map_err(store_error)
}

/// One schema version: the statements that lead to it from the one before.
pub type Step = &'static [&'static str];

#[derive(Deserialize)]
struct VersionRow {
    version: Option<f64>,
}

/// Brings `sql` to the last of `steps` (step `i` makes version `i + 1`).
/// Runs in the object's constructor, before any request: its writes are
/// committed together, before the object answers anything.
pub fn migrate(sql: &SqlStorage, steps: &[Step]) -> worker::Result<()> {
    sql.exec(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)",
        None,
    )?;
    let rows: Vec<VersionRow> = sql
        .exec("SELECT MAX(version) AS version FROM schema_version", None)?
        .to_array()?;
    let done = rows.first().and_then(|r| r.version).unwrap_or(0.0) as usize;
    for (index, step) in steps.iter().enumerate().skip(done) {
        for statement in step.iter() {
            sql.exec(statement, None)?;
        }
        sql.exec(
            "INSERT INTO schema_version (version) VALUES (?)",
            vec![((index + 1) as i64).into()],
        )?;
    }
    Ok(())
}
