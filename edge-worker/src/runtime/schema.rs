//! Versioned schemas for the Durable Objects' SQLite storage: each object
//! lists its steps, and [`migrate`] runs those it has not run yet, in
//! order, recording how far it got, so a schema change is a new step rather
//! than a statement whose failure is ignored.

use serde::Deserialize;
use worker::SqlStorage;

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
