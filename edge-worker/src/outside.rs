//! What a tool call needs from outside the MCP core before it can be
//! answered, as values: a backend's answer ([`crate::backend`]) or an
//! operation on the user's memory ([`crate::memory`]). The core answers
//! "obtain this" (`Effect::Obtain`); the shell obtains it and runs the
//! request again with what it got, and the core turns that into the result.

use crate::backend::{BackendCall, Fetched};
use crate::memory::{MemoryCall, Remembered};

/// What the request needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Needed {
    Backend(Box<BackendCall>),
    Memory(MemoryCall),
}

/// What was obtained, with what it answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Obtained {
    Backend(Box<Fetched>),
    Memory(Remembered),
}

impl Needed {
    /// What it is, for the logs (never a secret or a note's text).
    pub fn describe(&self) -> String {
        match self {
            Needed::Backend(call) => format!("backend call to {}", call.planned.url),
            Needed::Memory(call) => format!("memory of {}", call.object),
        }
    }
}

impl Obtained {
    pub fn backend(&self) -> Option<&Fetched> {
        match self {
            Obtained::Backend(fetched) => Some(fetched),
            Obtained::Memory(_) => None,
        }
    }

    pub fn memory(&self) -> Option<&Remembered> {
        match self {
            Obtained::Memory(remembered) => Some(remembered),
            Obtained::Backend(_) => None,
        }
    }
}

#[cfg(test)]
impl Needed {
    pub fn into_backend(self) -> Option<BackendCall> {
        match self {
            Needed::Backend(call) => Some(*call),
            Needed::Memory(_) => None,
        }
    }
}
