//! What an isolate remembers of the upstream MCP servers it forwards to,
//! so that a call is one request upstream instead of a session's four: the
//! revision a stateless server speaks (it gave no session id, so any
//! request may go straight to it), and the session opened for each
//! signed-in user's grant on a stateful one (never shared between grants:
//! an upstream session may hold a user's state). Anonymous callers of a
//! stateful server get a session of their own per call. Lost with the
//! isolate, and forgotten when the server no longer knows a session;
//! either way the next call opens one again. Bounded: past the limit the
//! oldest entries go.

use std::collections::{HashMap, VecDeque};

/// The most entries an isolate keeps.
const MAX_ENTRIES: usize = 2_000;

/// A server's revision, and the session to use with it (if it keeps any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Known {
    pub version: String,
    pub session: Option<String>,
}

#[derive(Debug, Default)]
pub struct UpstreamSessions {
    entries: HashMap<String, Known>,
    /// Keys in the order they were remembered.
    order: VecDeque<String>,
}

fn key(server: &str, holder: Option<&str>) -> String {
    format!("{server}\n{}", holder.unwrap_or_default())
}

impl UpstreamSessions {
    /// What to use for a call to `server` by `holder` (a grant), if known.
    pub fn lookup(&self, server: &str, holder: Option<&str>) -> Option<Known> {
        if let Some(stateless) = self.entries.get(&key(server, None)) {
            return Some(stateless.clone());
        }
        holder.and_then(|h| self.entries.get(&key(server, Some(h))).cloned())
    }

    /// Remembers what a handshake gave: a stateless server for everyone, a
    /// session for `holder` only (none is kept for an anonymous caller).
    pub fn remember(&mut self, server: &str, holder: Option<&str>, known: Known) {
        let key = match (&known.session, holder) {
            (None, _) => key(server, None),
            (Some(_), Some(holder)) => key(server, Some(holder)),
            (Some(_), None) => return,
        };
        if self.entries.insert(key.clone(), known).is_none() {
            self.order.push_back(key);
        }
        while self.entries.len() > MAX_ENTRIES {
            match self.order.pop_front() {
                Some(oldest) => self.entries.remove(&oldest),
                None => break,
            };
        }
    }

    /// Forgets what `lookup` gave, when the server no longer takes it.
    pub fn forget(&mut self, server: &str, holder: Option<&str>) {
        for key in [key(server, None), key(server, holder)] {
            if self.entries.remove(&key).is_some() {
                self.order.retain(|k| k != &key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(session: Option<&str>) -> Known {
        Known {
            version: "2025-11-25".into(),
            session: session.map(str::to_owned),
        }
    }

    #[test]
    fn a_stateless_server_is_known_to_everyone_a_session_to_its_grant_only() {
        let mut sessions = UpstreamSessions::default();
        sessions.remember("https://a.test/mcp", None, known(None));
        assert_eq!(
            sessions.lookup("https://a.test/mcp", Some("g1")),
            Some(known(None))
        );
        assert_eq!(
            sessions.lookup("https://a.test/mcp", None),
            Some(known(None))
        );
        sessions.remember("https://b.test/mcp", Some("g1"), known(Some("s1")));
        assert_eq!(
            sessions.lookup("https://b.test/mcp", Some("g1")),
            Some(known(Some("s1")))
        );
        assert_eq!(
            sessions.lookup("https://b.test/mcp", Some("g2")),
            None,
            "another grant's"
        );
        assert_eq!(
            sessions.lookup("https://b.test/mcp", None),
            None,
            "no anonymous reuse"
        );
        sessions.remember("https://c.test/mcp", None, known(Some("s2")));
        assert_eq!(
            sessions.lookup("https://c.test/mcp", None),
            None,
            "not kept for anonymous"
        );
    }

    #[test]
    fn a_forgotten_session_is_gone_and_the_oldest_go_first() {
        let mut sessions = UpstreamSessions::default();
        sessions.remember("https://b.test/mcp", Some("g1"), known(Some("s1")));
        sessions.forget("https://b.test/mcp", Some("g1"));
        assert_eq!(sessions.lookup("https://b.test/mcp", Some("g1")), None);
        for n in 0..=MAX_ENTRIES {
            sessions.remember(
                "https://b.test/mcp",
                Some(&format!("g{n}")),
                known(Some("s")),
            );
        }
        assert_eq!(sessions.entries.len(), MAX_ENTRIES);
        assert_eq!(
            sessions.lookup("https://b.test/mcp", Some("g0")),
            None,
            "the oldest went"
        );
        assert!(
            sessions
                .lookup("https://b.test/mcp", Some(&format!("g{MAX_ENTRIES}")))
                .is_some()
        );
    }
}
