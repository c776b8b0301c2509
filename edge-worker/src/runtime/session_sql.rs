//! A user's sessions in their Durable Object's SQLite storage: the
//! [`SessionStore`] the session rules ([`crate::mcp::session_store`]) run
//! on, and the versioned schema it keeps.

use portcullis_tenant_config::json;
use serde::Deserialize;
use serde_json::json;

use super::schema;
use crate::mcp::session_store::{SessionStore, StoredSession};
use crate::store::StoreError;

#[derive(Deserialize)]
struct PendingRow {
    data: String,
}

#[derive(Deserialize)]
struct SessionRow {
    id: String,
    last_seen: f64,
    streaming: f64,
    capabilities: String,
}

impl SessionRow {
    fn into_session(self) -> StoredSession {
        StoredSession {
            id: self.id,
            last_seen: self.last_seen as i64,
            streaming: self.streaming != 0.0,
            capabilities: json::parse(&self.capabilities).unwrap_or_else(|_| json!({})),
        }
    }
}

#[derive(Deserialize)]
struct SeqRow {
    seq: f64,
}

#[derive(Deserialize)]
struct EventRow {
    seq: f64,
    data: String,
}

#[derive(Deserialize)]
struct UriRow {
    uri: String,
}

#[derive(Deserialize)]
struct ValueRow {
    value: String,
}

/// The object's sessions in its SQLite storage.
pub(super) struct SqlSessions(pub(super) worker::SqlStorage);

impl SqlSessions {
    fn exec(&self, query: &str, args: Vec<worker::SqlStorageValue>) -> Result<(), StoreError> {
        schema::exec(&self.0, query, args)
    }

    fn rows<T: serde::de::DeserializeOwned>(
        &self,
        query: &str,
        args: Vec<worker::SqlStorageValue>,
    ) -> Result<Vec<T>, StoreError> {
        schema::rows(&self.0, query, args)
    }
}

const SESSION_COLUMNS: &str = "id, last_seen, streaming, capabilities";

impl SessionStore for SqlSessions {
    fn session(&self, id: &str) -> Result<Option<StoredSession>, StoreError> {
        let query = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE id = ?");
        let rows: Vec<SessionRow> = self.rows(&query, vec![id.into()])?;
        Ok(rows.into_iter().next().map(SessionRow::into_session))
    }

    fn sessions(&self) -> Result<Vec<StoredSession>, StoreError> {
        let query = format!("SELECT {SESSION_COLUMNS} FROM sessions ORDER BY last_seen");
        let rows: Vec<SessionRow> = self.rows(&query, vec![])?;
        Ok(rows.into_iter().map(SessionRow::into_session).collect())
    }

    fn insert(&self, session: &StoredSession) -> Result<(), StoreError> {
        self.exec(
            "INSERT INTO sessions (id, last_seen, streaming, capabilities) VALUES (?, ?, ?, ?)",
            vec![
                session.id.as_str().into(),
                session.last_seen.into(),
                i64::from(session.streaming).into(),
                session.capabilities.to_string().into(),
            ],
        )
    }

    fn mark_seen(&self, id: &str, at: i64) -> Result<(), StoreError> {
        self.exec(
            "UPDATE sessions SET last_seen = ? WHERE id = ?",
            vec![at.into(), id.into()],
        )
    }

    fn mark_streaming(&self, id: &str) -> Result<(), StoreError> {
        self.exec(
            "UPDATE sessions SET streaming = 1 WHERE id = ?",
            vec![id.into()],
        )
    }

    fn forget(&self, id: &str) -> Result<(), StoreError> {
        for table in ["sessions", "events", "subscriptions", "pending_calls"] {
            let column = if table == "sessions" { "id" } else { "session" };
            self.exec(
                &format!("DELETE FROM {table} WHERE {column} = ?"),
                vec![id.into()],
            )?;
        }
        Ok(())
    }

    fn append_event(&self, id: &str, data: &str) -> Result<u64, StoreError> {
        let rows: Vec<SeqRow> = self.rows(
            "INSERT INTO events (session, seq, data)
             VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM events WHERE session = ?), ?)
             RETURNING seq",
            vec![id.into(), id.into(), data.into()],
        )?;
        rows.first()
            .map(|r| r.seq as u64)
            .ok_or_else(|| StoreError("event insert returned no row".into()))
    }

    fn drop_events(&self, id: &str, through: u64) -> Result<(), StoreError> {
        self.exec(
            "DELETE FROM events WHERE session = ? AND seq <= ?",
            vec![id.into(), (through as i64).into()],
        )
    }

    fn set_subscription(&self, id: &str, uri: &str, on: bool) -> Result<(), StoreError> {
        let query = if on {
            "INSERT OR IGNORE INTO subscriptions (session, uri) VALUES (?, ?)"
        } else {
            "DELETE FROM subscriptions WHERE session = ? AND uri = ?"
        };
        self.exec(query, vec![id.into(), uri.into()])
    }

    fn subscriptions(&self, id: &str) -> Result<Vec<String>, StoreError> {
        let rows: Vec<UriRow> = self.rows(
            "SELECT uri FROM subscriptions WHERE session = ?",
            vec![id.into()],
        )?;
        Ok(rows.into_iter().map(|r| r.uri).collect())
    }

    fn events_after(&self, id: &str, after: u64) -> Result<Vec<(u64, String)>, StoreError> {
        let rows: Vec<EventRow> = self.rows(
            "SELECT seq, data FROM events WHERE session = ? AND seq > ? ORDER BY seq",
            vec![id.into(), (after as i64).into()],
        )?;
        Ok(rows.into_iter().map(|r| (r.seq as u64, r.data)).collect())
    }

    fn keep_pending(&self, key: &str, id: &str, data: &str) -> Result<(), StoreError> {
        self.exec(
            "INSERT OR REPLACE INTO pending_calls (key, session, data) VALUES (?, ?, ?)",
            vec![key.into(), id.into(), data.into()],
        )
    }

    fn pending(&self, key: &str, id: &str) -> Result<Option<String>, StoreError> {
        let rows: Vec<PendingRow> = self.rows(
            "SELECT data FROM pending_calls WHERE key = ? AND session = ?",
            vec![key.into(), id.into()],
        )?;
        Ok(rows.into_iter().next().map(|r| r.data))
    }

    fn drop_pending(&self, key: &str) -> Result<(), StoreError> {
        self.exec("DELETE FROM pending_calls WHERE key = ?", vec![key.into()])
    }

    fn user_value(&self, name: &str) -> Result<Option<String>, StoreError> {
        let rows: Vec<ValueRow> = self.rows(
            "SELECT value FROM user_state WHERE name = ?",
            vec![name.into()],
        )?;
        Ok(rows.into_iter().next().map(|r| r.value))
    }

    fn set_user_value(&self, name: &str, value: &str) -> Result<(), StoreError> {
        self.exec(
            "INSERT OR REPLACE INTO user_state (name, value) VALUES (?, ?)",
            vec![name.into(), value.into()],
        )
    }

    fn forget_user(&self) -> Result<(), StoreError> {
        self.exec("DELETE FROM user_state", vec![])
    }
}

/// The object's schema, one step per version, each run once in order (see
/// [`schema::migrate`]).
pub(super) const SCHEMA: &[schema::Step] = &[
    // 1: sessions carry their last use, for sweeping. Sessions stored by
    // older edges (without one) are dropped: their clients get 404 and
    // start new ones, as the spec has them do.
    &[
        "DROP TABLE IF EXISTS sessions",
        "DROP TABLE IF EXISTS events",
        "DROP TABLE IF EXISTS subscriptions",
        "DROP TABLE IF EXISTS pending_calls",
        "CREATE TABLE sessions (
            id TEXT PRIMARY KEY,
            last_seen INTEGER NOT NULL,
            streaming INTEGER NOT NULL DEFAULT 0,
            capabilities TEXT NOT NULL
        )",
        "CREATE INDEX sessions_by_last_seen ON sessions (last_seen)",
        "CREATE TABLE IF NOT EXISTS user_state (
            name TEXT PRIMARY KEY,
            value TEXT NOT NULL
        )",
        "CREATE TABLE pending_calls (
            key TEXT PRIMARY KEY,
            session TEXT NOT NULL,
            data TEXT NOT NULL
        )",
        "CREATE TABLE subscriptions (
            session TEXT NOT NULL,
            uri TEXT NOT NULL,
            PRIMARY KEY (session, uri)
        )",
        "CREATE TABLE events (
            session TEXT NOT NULL,
            seq INTEGER NOT NULL,
            data TEXT NOT NULL,
            PRIMARY KEY (session, seq)
        )",
    ],
    // 2: the user's notes (per-user memory, see `super::user_memory`).
    super::user_memory::NOTES_TABLE,
];
