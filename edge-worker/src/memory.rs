//! Per-user memory (see [`portcullis_tenant_config::memory`]), as values:
//! the operation a memory tool asks for ([`MemoryCall`]), the rules that
//! run it over a user's notes ([`run`], behind the [`NoteStore`] trait) and
//! what came back ([`Remembered`]). The notes live in the user's own
//! Durable Object (see `runtime::user_memory`), named for the tenant and
//! the user, so no one else's call can reach them.

use portcullis_tenant_config::memory::{Held, Quota};
use serde::{Deserialize, Serialize};

use crate::store::StoreError;

/// One operation on a user's notes. Externally tagged, as the edge's
/// other internal messages: serde reads an internally tagged enum by
/// buffering it whole, code the bundle would carry for nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum MemoryOp {
    Remember {
        key: String,
        text: String,
    },
    /// One note by key, or all of them.
    Recall {
        key: Option<String>,
    },
    Forget {
        key: String,
    },
}

/// An operation on the notes kept in the Durable Object `object`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryCall {
    pub object: String,
    pub op: MemoryOp,
    pub quota: Quota,
}

/// One note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub key: String,
    pub text: String,
}

/// What an operation did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum MemoryAnswer {
    Stored,
    /// Refused by the quota, with why.
    Full {
        why: String,
    },
    Notes {
        notes: Vec<Note>,
    },
    /// Whether there was a note to forget.
    Forgot {
        existed: bool,
    },
    /// The storage failed: nothing is known to have changed.
    Failed,
}

/// A call and its answer, for the second run of the request that made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remembered {
    pub call: MemoryCall,
    pub answer: MemoryAnswer,
}

/// A user's notes, in storage.
pub trait NoteStore {
    /// How many notes, and how many bytes of keys and texts.
    fn held(&self) -> Result<Held, StoreError>;
    /// The size (key and text) of the note at `key`, if there is one.
    fn size_of(&self, key: &str) -> Result<Option<u32>, StoreError>;
    /// The note at `key`, or all notes in the order they were first
    /// remembered.
    fn read(&self, key: Option<&str>) -> Result<Vec<Note>, StoreError>;
    /// Stores or replaces the note at `key`.
    fn write(&self, key: &str, text: &str, size: u32) -> Result<(), StoreError>;
    /// Whether there was a note at `key` to delete.
    fn delete(&self, key: &str) -> Result<bool, StoreError>;
}

/// The bytes a note counts for: its key and its text.
pub fn size(key: &str, text: &str) -> u32 {
    u32::try_from(key.len() + text.len()).unwrap_or(u32::MAX)
}

/// Runs `op` over `store` within `quota`. The store is the user's object's
/// own storage, whose operations do not interleave with another request's,
/// so the check and the write cannot race.
pub fn run(store: &impl NoteStore, op: &MemoryOp, quota: Quota) -> MemoryAnswer {
    let done = match op {
        MemoryOp::Remember { key, text } => remember(store, key, text, quota),
        MemoryOp::Recall { key } => store
            .read(key.as_deref())
            .map(|notes| MemoryAnswer::Notes { notes }),
        MemoryOp::Forget { key } => store
            .delete(key)
            .map(|existed| MemoryAnswer::Forgot { existed }),
    };
    done.unwrap_or_else(|e| {
        crate::log::error(&format!("memory: {}", e.0));
        MemoryAnswer::Failed
    })
}

fn remember(
    store: &impl NoteStore,
    key: &str,
    text: &str,
    quota: Quota,
) -> Result<MemoryAnswer, StoreError> {
    let size = size(key, text);
    if let Err(why) = quota.admits(store.held()?, store.size_of(key)?, size) {
        return Ok(MemoryAnswer::Full { why });
    }
    store.write(key, text, size)?;
    Ok(MemoryAnswer::Stored)
}

#[cfg(test)]
pub mod fake {
    //! Notes in memory, for the core's tests.

    use std::cell::RefCell;

    use super::*;

    #[derive(Default)]
    pub struct Notes(pub RefCell<Vec<Note>>);

    impl NoteStore for Notes {
        fn held(&self) -> Result<Held, StoreError> {
            let notes = self.0.borrow();
            Ok(Held {
                notes: notes.len() as u32,
                bytes: notes.iter().map(|n| size(&n.key, &n.text)).sum(),
            })
        }
        fn size_of(&self, key: &str) -> Result<Option<u32>, StoreError> {
            let notes = self.0.borrow();
            let found = notes.iter().find(|n| n.key == key);
            Ok(found.map(|n| size(&n.key, &n.text)))
        }
        fn read(&self, key: Option<&str>) -> Result<Vec<Note>, StoreError> {
            let notes = self.0.borrow();
            let wanted = |n: &&Note| key.is_none_or(|k| n.key == k);
            Ok(notes.iter().filter(wanted).cloned().collect())
        }
        fn write(&self, key: &str, text: &str, _size: u32) -> Result<(), StoreError> {
            let mut notes = self.0.borrow_mut();
            match notes.iter_mut().find(|n| n.key == key) {
                Some(note) => note.text = text.to_owned(),
                None => notes.push(Note {
                    key: key.to_owned(),
                    text: text.to_owned(),
                }),
            }
            Ok(())
        }
        fn delete(&self, key: &str) -> Result<bool, StoreError> {
            let mut notes = self.0.borrow_mut();
            let before = notes.len();
            notes.retain(|n| n.key != key);
            Ok(notes.len() != before)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn remember(key: &str, text: &str) -> MemoryOp {
        MemoryOp::Remember {
            key: key.into(),
            text: text.into(),
        }
    }

    #[test]
    fn notes_are_kept_replaced_recalled_and_forgotten_within_the_quota() {
        let store = fake::Notes::default();
        let quota = Quota {
            max_notes: 2,
            max_bytes: 40,
        };
        assert_eq!(
            run(&store, &remember("a", "one"), quota),
            MemoryAnswer::Stored
        );
        assert_eq!(
            run(&store, &remember("a", "uno"), quota),
            MemoryAnswer::Stored
        );
        assert_eq!(
            run(&store, &remember("b", "two"), quota),
            MemoryAnswer::Stored
        );
        let full = run(&store, &remember("c", "three"), quota);
        assert!(matches!(full, MemoryAnswer::Full { .. }), "{full:?}");
        let long = "x".repeat(40);
        let too_long = run(&store, &remember("a", &long), quota);
        assert!(
            matches!(too_long, MemoryAnswer::Full { .. }),
            "{too_long:?}"
        );
        let all = run(&store, &MemoryOp::Recall { key: None }, quota);
        let MemoryAnswer::Notes { notes } = all else {
            panic!("{all:?}")
        };
        let texts: Vec<&str> = notes.iter().map(|n| n.text.as_str()).collect();
        assert_eq!(texts, ["uno", "two"], "nothing refused was kept");
        let forget = MemoryOp::Forget { key: "a".into() };
        assert_eq!(
            run(&store, &forget, quota),
            MemoryAnswer::Forgot { existed: true }
        );
        assert_eq!(
            run(&store, &forget, quota),
            MemoryAnswer::Forgot { existed: false }
        );
        assert_eq!(
            run(&store, &remember("c", "three"), quota),
            MemoryAnswer::Stored
        );
    }
}
