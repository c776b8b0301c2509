//! A user's notes (see [`crate::memory`]) in their Durable Object's SQLite
//! storage: the [`NoteStore`] the memory rules run on. The object is the
//! user's own (`user:<tenant>:<user>`), so the table holds one user's notes.

use portcullis_tenant_config::memory::Held;
use serde::Deserialize;
use worker::SqlStorage;

use crate::memory::{MemoryAnswer, MemoryCall, Note, NoteStore, Remembered, run};
use crate::store::StoreError;

/// The schema step that adds the notes (see [`super::schema`]).
pub(super) const NOTES_TABLE: &[&str] = &["CREATE TABLE notes (
        key TEXT PRIMARY KEY,
        text TEXT NOT NULL,
        bytes INTEGER NOT NULL
    )"];

/// Runs `call` on the notes in `sql`: the storage of the object `call`
/// names.
pub(super) fn remember(sql: SqlStorage, call: MemoryCall) -> Remembered {
    let answer = run(&SqlNotes(sql), &call.op, call.quota);
    Remembered { call, answer }
}

/// Runs `call` in the object it names, from outside it.
pub(super) async fn remember_in(env: &worker::Env, call: MemoryCall) -> Remembered {
    let body = serde_json::to_string(&call).unwrap_or_default();
    let object = super::objects::Object::UserState(&call.object);
    let answer = match object.call(env, "/memory", body).await {
        Ok(mut response) if response.status_code() == 200 => response
            .text()
            .await
            .ok()
            .and_then(|text| portcullis_tenant_config::json::parse(&text).ok()),
        Ok(response) => {
            crate::log::error(&format!("memory answered {}", response.status_code()));
            None
        }
        Err(e) => {
            crate::log::error(&format!("memory: {e}"));
            None
        }
    };
    let answer = answer.unwrap_or(MemoryAnswer::Failed);
    Remembered { call, answer }
}

struct SqlNotes(SqlStorage);

#[derive(Deserialize)]
struct HeldRow {
    notes: f64,
    bytes: Option<f64>,
}

#[derive(Deserialize)]
struct SizeRow {
    bytes: f64,
}

#[derive(Deserialize)]
struct NoteRow {
    key: String,
    text: String,
}

impl SqlNotes {
    fn rows<T: serde::de::DeserializeOwned>(
        &self,
        query: &str,
        args: Vec<worker::SqlStorageValue>,
    ) -> Result<Vec<T>, StoreError> {
        super::schema::rows(&self.0, query, args)
    }
}

impl NoteStore for SqlNotes {
    fn held(&self) -> Result<Held, StoreError> {
        let rows: Vec<HeldRow> = self.rows(
            "SELECT COUNT(*) AS notes, SUM(bytes) AS bytes FROM notes",
            vec![],
        )?;
        let row = rows.first();
        Ok(Held {
            notes: row.map_or(0.0, |r| r.notes) as u32,
            bytes: row.and_then(|r| r.bytes).unwrap_or(0.0) as u32,
        })
    }

    fn size_of(&self, key: &str) -> Result<Option<u32>, StoreError> {
        let rows: Vec<SizeRow> =
            self.rows("SELECT bytes FROM notes WHERE key = ?", vec![key.into()])?;
        Ok(rows.first().map(|r| r.bytes as u32))
    }

    fn read(&self, key: Option<&str>) -> Result<Vec<Note>, StoreError> {
        let rows: Vec<NoteRow> = match key {
            Some(key) => self.rows(
                "SELECT key, text FROM notes WHERE key = ?",
                vec![key.into()],
            )?,
            // In the order they were first remembered (a replaced note
            // keeps its row).
            None => self.rows("SELECT key, text FROM notes ORDER BY rowid", vec![])?,
        };
        Ok(rows
            .into_iter()
            .map(|r| Note {
                key: r.key,
                text: r.text,
            })
            .collect())
    }

    fn write(&self, key: &str, text: &str, size: u32) -> Result<(), StoreError> {
        super::schema::exec(
            &self.0,
            "INSERT INTO notes (key, text, bytes) VALUES (?, ?, ?)
             ON CONFLICT (key) DO UPDATE SET text = excluded.text, bytes = excluded.bytes",
            vec![key.into(), text.into(), i64::from(size).into()],
        )
    }

    fn delete(&self, key: &str) -> Result<bool, StoreError> {
        let existed = self.size_of(key)?.is_some();
        super::schema::exec(&self.0, "DELETE FROM notes WHERE key = ?", vec![key.into()])?;
        Ok(existed)
    }
}
