//! The lifetime of legacy Streamable HTTP sessions (2025-03-26 … 2025-11-25),
//! over the [`SessionStore`] their user's Durable Object keeps in SQLite.
//!
//! - A session lives until the client ends it (`DELETE`) or leaves it unused
//!   for [`IDLE_SECONDS`]; then it is forgotten whole: its row, its event
//!   log, its subscriptions and its calls waiting for input. A client sent
//!   to a forgotten session gets 404 and, as the spec has it, starts anew.
//! - One owner holds at most [`MAX_SESSIONS`]: starting one more forgets the
//!   least recently used, so a client that never ends its sessions cannot
//!   grow its object without bound.
//! - Each session keeps its last [`EVENT_LOG_LEN`] events for resumption.
//! - [`sweep`] (the object's alarm) forgets idle sessions and says when it
//!   is next due, so an abandoned object ends up holding nothing.

use serde_json::Value;

use crate::store::StoreError;

/// How long an unused session lives.
pub const IDLE_SECONDS: i64 = 24 * 60 * 60;

/// How many sessions one owner (one user of a tenant) holds at once.
pub const MAX_SESSIONS: usize = 32;

/// How many events of a session are kept for resumption.
pub const EVENT_LOG_LEN: u64 = 100;

/// How stale a session's `last_seen` may get before a request writes it
/// again: at most one write per session a minute for liveness.
const SEEN_GRANULARITY: i64 = 60;

/// A stored session.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredSession {
    pub id: String,
    /// Seconds since the epoch, to the minute (writes are spared within one).
    pub last_seen: i64,
    /// Whether the session opened a notification stream (and so gets its
    /// events logged).
    pub streaming: bool,
    /// The client's `initialize` capabilities.
    pub capabilities: Value,
}

/// Where a user's sessions are kept; the Durable Object implements it in
/// SQLite, tests in memory.
pub trait SessionStore {
    fn session(&self, id: &str) -> Result<Option<StoredSession>, StoreError>;
    /// Every session, least recently seen first.
    fn sessions(&self) -> Result<Vec<StoredSession>, StoreError>;
    fn insert(&self, session: &StoredSession) -> Result<(), StoreError>;
    fn mark_seen(&self, id: &str, at: i64) -> Result<(), StoreError>;
    fn mark_streaming(&self, id: &str) -> Result<(), StoreError>;
    /// Deletes the session and everything kept for it.
    fn forget(&self, id: &str) -> Result<(), StoreError>;
    /// Appends `data` to the session's event log; its number, one more than
    /// the last.
    fn append_event(&self, id: &str, data: &str) -> Result<u64, StoreError>;
    /// Deletes the session's events numbered `through` and below.
    fn drop_events(&self, id: &str, through: u64) -> Result<(), StoreError>;
    /// The session's events numbered above `after`, in order.
    fn events_after(&self, id: &str, after: u64) -> Result<Vec<(u64, String)>, StoreError>;
    fn set_subscription(&self, id: &str, uri: &str, on: bool) -> Result<(), StoreError>;
    /// The resource URIs the session subscribed to.
    fn subscriptions(&self, id: &str) -> Result<Vec<String>, StoreError>;
    /// Keeps call `key` of session `id`, waiting for the client's input.
    fn keep_pending(&self, key: &str, id: &str, data: &str) -> Result<(), StoreError>;
    fn pending(&self, key: &str, id: &str) -> Result<Option<String>, StoreError>;
    fn drop_pending(&self, key: &str) -> Result<(), StoreError>;
    /// What lasts across the user's sessions (their log level).
    fn user_value(&self, name: &str) -> Result<Option<String>, StoreError>;
    fn set_user_value(&self, name: &str, value: &str) -> Result<(), StoreError>;
    fn forget_user(&self) -> Result<(), StoreError>;
}

/// Starts session `id` at `now`, forgetting the least recently used
/// sessions beyond [`MAX_SESSIONS`].
pub fn start(
    store: &impl SessionStore,
    id: &str,
    capabilities: Value,
    now: i64,
) -> Result<(), StoreError> {
    let sessions = store.sessions()?;
    let excess = (sessions.len() + 1).saturating_sub(MAX_SESSIONS);
    for old in sessions.iter().take(excess) {
        store.forget(&old.id)?;
    }
    store.insert(&StoredSession {
        id: id.to_owned(),
        last_seen: now,
        streaming: false,
        capabilities,
    })
}

/// Session `id` if it lives at `now`, which counts as a use of it; an idle
/// one is forgotten on the way.
pub fn live(
    store: &impl SessionStore,
    id: &str,
    now: i64,
) -> Result<Option<StoredSession>, StoreError> {
    let Some(mut session) = store.session(id)? else {
        return Ok(None);
    };
    if is_idle(&session, now) {
        store.forget(id)?;
        return Ok(None);
    }
    if now - session.last_seen >= SEEN_GRANULARITY {
        store.mark_seen(id, now)?;
        session.last_seen = now;
    }
    Ok(Some(session))
}

/// Ends session `id`; `false` when it did not live.
pub fn end(store: &impl SessionStore, id: &str, now: i64) -> Result<bool, StoreError> {
    let lived = live(store, id, now)?.is_some();
    if lived {
        store.forget(id)?;
    }
    Ok(lived)
}

/// Logs `data` as the session's next event, dropping what falls out of the
/// resumption window; its event number.
pub fn log_event(store: &impl SessionStore, id: &str, data: &str) -> Result<u64, StoreError> {
    let seq = store.append_event(id, data)?;
    if seq > EVENT_LOG_LEN {
        store.drop_events(id, seq - EVENT_LOG_LEN)?;
    }
    Ok(seq)
}

/// What one sweep did.
#[derive(Debug, PartialEq, Eq)]
pub struct Swept {
    pub forgotten: usize,
    /// When the next session would go idle (seconds), if any is left.
    pub next_due: Option<i64>,
}

/// Forgets every session idle at `now`.
pub fn sweep(store: &impl SessionStore, now: i64) -> Result<Swept, StoreError> {
    let mut forgotten = 0;
    let mut next_due = None;
    for session in store.sessions()? {
        if is_idle(&session, now) {
            store.forget(&session.id)?;
            forgotten += 1;
        } else {
            let due = session.last_seen + IDLE_SECONDS;
            next_due = Some(next_due.map_or(due, |d: i64| d.min(due)));
        }
    }
    Ok(Swept {
        forgotten,
        next_due,
    })
}

fn is_idle(session: &StoredSession, now: i64) -> bool {
    now - session.last_seen >= IDLE_SECONDS
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;

    /// Sessions and their event logs in memory.
    #[derive(Default)]
    struct MemorySessions {
        sessions: RefCell<BTreeMap<String, StoredSession>>,
        events: RefCell<BTreeMap<(String, u64), String>>,
        subscriptions: RefCell<Vec<(String, String)>>,
        pending: RefCell<BTreeMap<String, (String, String)>>,
        user: RefCell<BTreeMap<String, String>>,
    }

    impl MemorySessions {
        fn events_of(&self, id: &str) -> Vec<u64> {
            let events = self.events.borrow();
            events
                .keys()
                .filter(|(s, _)| s == id)
                .map(|(_, n)| *n)
                .collect()
        }

        fn rows(&self) -> usize {
            self.sessions.borrow().len()
                + self.events.borrow().len()
                + self.subscriptions.borrow().len()
                + self.pending.borrow().len()
        }
    }

    impl SessionStore for MemorySessions {
        fn session(&self, id: &str) -> Result<Option<StoredSession>, StoreError> {
            Ok(self.sessions.borrow().get(id).cloned())
        }

        fn sessions(&self) -> Result<Vec<StoredSession>, StoreError> {
            let mut all: Vec<_> = self.sessions.borrow().values().cloned().collect();
            all.sort_by_key(|s| s.last_seen);
            Ok(all)
        }

        fn insert(&self, session: &StoredSession) -> Result<(), StoreError> {
            let mut sessions = self.sessions.borrow_mut();
            if sessions.contains_key(&session.id) {
                return Err(StoreError("duplicate session".into()));
            }
            sessions.insert(session.id.clone(), session.clone());
            Ok(())
        }

        fn mark_seen(&self, id: &str, at: i64) -> Result<(), StoreError> {
            if let Some(s) = self.sessions.borrow_mut().get_mut(id) {
                s.last_seen = at;
            }
            Ok(())
        }

        fn mark_streaming(&self, id: &str) -> Result<(), StoreError> {
            if let Some(s) = self.sessions.borrow_mut().get_mut(id) {
                s.streaming = true;
            }
            Ok(())
        }

        fn forget(&self, id: &str) -> Result<(), StoreError> {
            self.sessions.borrow_mut().remove(id);
            self.events.borrow_mut().retain(|(s, _), _| s != id);
            self.subscriptions.borrow_mut().retain(|(s, _)| s != id);
            self.pending.borrow_mut().retain(|_, (s, _)| s != id);
            Ok(())
        }

        fn append_event(&self, id: &str, data: &str) -> Result<u64, StoreError> {
            let next = self.events_of(id).last().map_or(1, |n| n + 1);
            let key = (id.to_owned(), next);
            self.events.borrow_mut().insert(key, data.to_owned());
            Ok(next)
        }

        fn drop_events(&self, id: &str, through: u64) -> Result<(), StoreError> {
            self.events
                .borrow_mut()
                .retain(|(s, n), _| s != id || *n > through);
            Ok(())
        }

        fn events_after(&self, id: &str, after: u64) -> Result<Vec<(u64, String)>, StoreError> {
            let events = self.events.borrow();
            Ok(events
                .iter()
                .filter(|((s, n), _)| s == id && *n > after)
                .map(|((_, n), data)| (*n, data.clone()))
                .collect())
        }

        fn set_subscription(&self, id: &str, uri: &str, on: bool) -> Result<(), StoreError> {
            let mut subscriptions = self.subscriptions.borrow_mut();
            subscriptions.retain(|(s, u)| s != id || u != uri);
            if on {
                subscriptions.push((id.to_owned(), uri.to_owned()));
            }
            Ok(())
        }

        fn subscriptions(&self, id: &str) -> Result<Vec<String>, StoreError> {
            let subscriptions = self.subscriptions.borrow();
            Ok(subscriptions
                .iter()
                .filter(|(s, _)| s == id)
                .map(|(_, u)| u.clone())
                .collect())
        }

        fn keep_pending(&self, key: &str, id: &str, data: &str) -> Result<(), StoreError> {
            let entry = (id.to_owned(), data.to_owned());
            self.pending.borrow_mut().insert(key.to_owned(), entry);
            Ok(())
        }

        fn pending(&self, key: &str, id: &str) -> Result<Option<String>, StoreError> {
            let pending = self.pending.borrow();
            Ok(pending
                .get(key)
                .filter(|(s, _)| s == id)
                .map(|(_, d)| d.clone()))
        }

        fn drop_pending(&self, key: &str) -> Result<(), StoreError> {
            self.pending.borrow_mut().remove(key);
            Ok(())
        }

        fn user_value(&self, name: &str) -> Result<Option<String>, StoreError> {
            Ok(self.user.borrow().get(name).cloned())
        }

        fn set_user_value(&self, name: &str, value: &str) -> Result<(), StoreError> {
            self.user
                .borrow_mut()
                .insert(name.to_owned(), value.to_owned());
            Ok(())
        }

        fn forget_user(&self) -> Result<(), StoreError> {
            self.user.borrow_mut().clear();
            Ok(())
        }
    }

    const T0: i64 = 1_800_000_000;

    #[test]
    fn a_used_session_lives_and_an_idle_one_is_forgotten_with_its_events() {
        let store = MemorySessions::default();
        start(&store, "s1", json!({"roots": {}}), T0).unwrap();
        log_event(&store, "s1", "{}").unwrap();
        let used = T0 + IDLE_SECONDS - 10;
        let found = live(&store, "s1", used).unwrap().expect("lives");
        assert_eq!(found.capabilities, json!({"roots": {}}));
        assert_eq!(found.last_seen, used, "a use moves its idle deadline");
        assert!(
            live(&store, "s1", used + IDLE_SECONDS - 1)
                .unwrap()
                .is_some()
        );
        let later = used + 2 * IDLE_SECONDS;
        assert!(live(&store, "s1", later).unwrap().is_none());
        assert_eq!(store.rows(), 0, "nothing kept of an idle session");
    }

    #[test]
    fn uses_within_a_minute_write_nothing() {
        let store = MemorySessions::default();
        start(&store, "s1", json!({}), T0).unwrap();
        live(&store, "s1", T0 + 30).unwrap();
        assert_eq!(store.session("s1").unwrap().unwrap().last_seen, T0);
        live(&store, "s1", T0 + 61).unwrap();
        assert_eq!(store.session("s1").unwrap().unwrap().last_seen, T0 + 61);
    }

    #[test]
    fn an_ended_session_is_gone_and_cannot_end_twice() {
        let store = MemorySessions::default();
        start(&store, "s1", json!({}), T0).unwrap();
        log_event(&store, "s1", "{}").unwrap();
        assert!(end(&store, "s1", T0 + 1).unwrap());
        assert_eq!(store.rows(), 0);
        assert!(!end(&store, "s1", T0 + 2).unwrap());
        assert!(live(&store, "s1", T0 + 2).unwrap().is_none());
    }

    #[test]
    fn an_owner_past_the_cap_loses_its_least_recently_used_session() {
        let store = MemorySessions::default();
        for i in 0..MAX_SESSIONS as i64 {
            start(&store, &format!("s{i}"), json!({}), T0 + i * 100).unwrap();
        }
        // s0 is used again, so s1 is now the least recently used.
        live(&store, "s0", T0 + 10_000).unwrap().unwrap();
        start(&store, "new", json!({}), T0 + 10_001).unwrap();
        assert_eq!(store.sessions().unwrap().len(), MAX_SESSIONS);
        assert!(store.session("s1").unwrap().is_none());
        assert!(store.session("s0").unwrap().is_some());
        assert!(store.session("new").unwrap().is_some());
    }

    #[test]
    fn the_event_log_keeps_the_last_events_only() {
        let store = MemorySessions::default();
        start(&store, "s1", json!({}), T0).unwrap();
        start(&store, "s2", json!({}), T0).unwrap();
        log_event(&store, "s2", "other").unwrap();
        for _ in 0..EVENT_LOG_LEN + 5 {
            log_event(&store, "s1", "{}").unwrap();
        }
        let kept = store.events_of("s1");
        assert_eq!(kept.len() as u64, EVENT_LOG_LEN);
        assert_eq!(kept.first(), Some(&6));
        assert_eq!(kept.last(), Some(&(EVENT_LOG_LEN + 5)));
        assert_eq!(store.events_of("s2"), vec![1], "other sessions untouched");
    }

    #[test]
    fn sweeping_abandoned_sessions_brings_storage_back_down() {
        let store = MemorySessions::default();
        for i in 0..20 {
            let id = format!("abandoned{i}");
            start(&store, &id, json!({}), T0 + i).unwrap();
            for _ in 0..10 {
                log_event(&store, &id, "{\"method\":\"x\"}").unwrap();
            }
            store.set_subscription(&id, "test://a", true).unwrap();
            store.keep_pending(&format!("call-{i}"), &id, "{}").unwrap();
        }
        start(&store, "kept", json!({}), T0 + IDLE_SECONDS).unwrap();
        assert_eq!(store.rows(), 20 * 13 + 1);

        let early = sweep(&store, T0 + 5).unwrap();
        assert_eq!(early.forgotten, 0);
        assert_eq!(early.next_due, Some(T0 + IDLE_SECONDS));

        let swept = sweep(&store, T0 + IDLE_SECONDS + 30).unwrap();
        assert_eq!(swept.forgotten, 20);
        assert_eq!(swept.next_due, Some(T0 + 2 * IDLE_SECONDS));
        assert_eq!(store.rows(), 1, "only the live session is left");

        let last = sweep(&store, T0 + 3 * IDLE_SECONDS).unwrap();
        assert_eq!(
            last,
            Swept {
                forgotten: 1,
                next_due: None
            }
        );
        assert_eq!(store.rows(), 0);
    }
}
