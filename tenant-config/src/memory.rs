//! Per-user memory a tenant can switch on: three built-in tools (by default
//! `remember`, `recall`, `forget`) keeping small notes for the signed-in
//! user in that user's own storage at the edge, within a quota.
//!
//! This module holds the setting, the tools it adds and the quota rule; the
//! edge's MCP core plans each operation and its runtime keeps the notes.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::args::{ArgSchema, JsonType, Rules};

/// The longest note key, in bytes.
pub const MAX_KEY_BYTES: usize = 200;
/// The most notes an admin may allow one user.
pub const MAX_NOTES: u32 = 10_000;
/// The most bytes (keys and texts) an admin may allow one user.
pub const MAX_BYTES: u32 = 1 << 20;

/// The tenant's memory setting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MemoryConfig {
    #[serde(default)]
    pub names: MemoryNames,
    /// Notes one user may keep.
    #[serde(default = "default_notes")]
    pub max_notes: u32,
    /// Bytes of keys and texts one user may keep.
    #[serde(default = "default_bytes")]
    pub max_bytes: u32,
}

/// What the three tools are called, so they fit among the tenant's own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MemoryNames {
    pub remember: String,
    pub recall: String,
    pub forget: String,
}

impl Default for MemoryNames {
    fn default() -> Self {
        Self {
            remember: "remember".into(),
            recall: "recall".into(),
            forget: "forget".into(),
        }
    }
}

fn default_notes() -> u32 {
    100
}

fn default_bytes() -> u32 {
    64 * 1024
}

impl Default for MemoryConfig {
    fn default() -> Self {
        Self {
            names: MemoryNames::default(),
            max_notes: default_notes(),
            max_bytes: default_bytes(),
        }
    }
}

/// One of the three tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemoryTool {
    Remember,
    Recall,
    Forget,
}

impl MemoryConfig {
    /// The tool called `name`, if it is one of the three.
    pub fn tool(&self, name: &str) -> Option<MemoryTool> {
        let n = &self.names;
        [
            (&n.remember, MemoryTool::Remember),
            (&n.recall, MemoryTool::Recall),
            (&n.forget, MemoryTool::Forget),
        ]
        .into_iter()
        .find(|(tool, _)| *tool == name)
        .map(|(_, tool)| tool)
    }

    /// The three names, in order.
    pub fn names(&self) -> [&str; 3] {
        let n = &self.names;
        [&n.remember, &n.recall, &n.forget]
    }

    /// Checks the names and quotas, naming the field at fault.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        for (field, name) in [
            ("memory.names.remember", &self.names.remember),
            ("memory.names.recall", &self.names.recall),
            ("memory.names.forget", &self.names.forget),
        ] {
            crate::names::validate_tool_name(name)
                .map_err(|e| (field, format!("tool name {name:?} {e}")))?;
        }
        let [a, b, c] = self.names();
        if a == b || b == c || a == c {
            return Err(("memory.names", "the three tools need three names".into()));
        }
        if !(1..=MAX_NOTES).contains(&self.max_notes) {
            return Err(("memory.maxNotes", format!("must be 1 to {MAX_NOTES}")));
        }
        if !(1024..=MAX_BYTES).contains(&self.max_bytes) {
            return Err(("memory.maxBytes", format!("must be 1024 to {MAX_BYTES}")));
        }
        Ok(())
    }

    /// The input schema of `tool`.
    pub fn input_schema(&self, tool: MemoryTool) -> Value {
        let [remember, recall, forget] = self.definitions();
        let definition = match tool {
            MemoryTool::Remember => remember,
            MemoryTool::Recall => recall,
            MemoryTool::Forget => forget,
        };
        definition["inputSchema"].clone()
    }

    /// [`Self::input_schema`] as the edge checks it: the same as compiling
    /// it (a test holds them equal), built here so the edge needs no schema
    /// compiler.
    pub fn arguments(&self, tool: MemoryTool) -> ArgSchema {
        let rules = |rules: Rules| ArgSchema::Rules(Box::new(rules));
        let string = |min_length, max_length| {
            rules(Rules {
                types: Some(vec![JsonType::String]),
                min_length,
                max_length,
                ..Rules::default()
            })
        };
        let key = || {
            (
                "key".to_owned(),
                string(Some(1), Some(MAX_KEY_BYTES as u64)),
            )
        };
        let (properties, required): (Vec<_>, &[&str]) = match tool {
            MemoryTool::Remember => (
                vec![key(), ("text".to_owned(), string(None, None))],
                &["key", "text"],
            ),
            MemoryTool::Recall => (vec![key()], &[]),
            MemoryTool::Forget => (vec![key()], &["key"]),
        };
        rules(Rules {
            types: Some(vec![JsonType::Object]),
            properties: {
                let mut map = std::collections::BTreeMap::new();
                map.extend(properties);
                map
            },
            required: required.iter().map(|r| (*r).to_owned()).collect(),
            ..Rules::default()
        })
    }

    /// The three tools as `tools/list` shows them (name, description,
    /// input schema, annotations).
    pub fn definitions(&self) -> [Value; 3] {
        let key = json!({"type": "string", "minLength": 1, "maxLength": MAX_KEY_BYTES,
            "description": "A short name for the note, e.g. \"preferred-language\""});
        [
            json!({
                "name": self.names.remember,
                "description": "Remember a note for this user across sessions and clients; \
                    a note with the same key is replaced.",
                "inputSchema": {"type": "object", "required": ["key", "text"],
                    "properties": {"key": key, "text": {"type": "string",
                        "description": "What to remember"}}},
                "annotations": {"title": "Remember", "readOnlyHint": false,
                    "destructiveHint": false, "idempotentHint": true, "openWorldHint": false},
            }),
            json!({
                "name": self.names.recall,
                "description": "Recall this user's notes: one by key, or all of them.",
                "inputSchema": {"type": "object", "properties": {"key": key}},
                "annotations": {"title": "Recall", "readOnlyHint": true,
                    "openWorldHint": false},
            }),
            json!({
                "name": self.names.forget,
                "description": "Forget one of this user's notes by key.",
                "inputSchema": {"type": "object", "required": ["key"],
                    "properties": {"key": key}},
                "annotations": {"title": "Forget", "readOnlyHint": false,
                    "destructiveHint": true, "idempotentHint": true, "openWorldHint": false},
            }),
        ]
    }
}

/// What a user holds, for the quota.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Held {
    pub notes: u32,
    pub bytes: u32,
}

/// Limits, carried with each operation so the store needs no config.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Quota {
    pub max_notes: u32,
    pub max_bytes: u32,
}

impl Quota {
    /// Whether storing a note of `size` bytes, replacing one of
    /// `replaced` bytes if the key is taken, keeps the user within the
    /// quota; if not, why, in words for the model and the user.
    pub fn admits(&self, held: Held, replaced: Option<u32>, size: u32) -> Result<(), String> {
        let notes = held.notes + u32::from(replaced.is_none());
        let bytes = (held.bytes - replaced.unwrap_or(0).min(held.bytes)).saturating_add(size);
        if notes > self.max_notes {
            return Err(format!(
                "Memory is full: {} notes is the most kept for one user. Forget one first.",
                self.max_notes
            ));
        }
        if bytes > self.max_bytes {
            return Err(format!(
                "Memory is full: this note needs {size} bytes and {} of {} are in use. \
                 Forget something first, or keep the note shorter.",
                held.bytes, self.max_bytes
            ));
        }
        Ok(())
    }
}

impl From<&MemoryConfig> for Quota {
    fn from(config: &MemoryConfig) -> Self {
        Self {
            max_notes: config.max_notes,
            max_bytes: config.max_bytes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checked_schemas_are_the_listed_ones_compiled() {
        let memory = MemoryConfig {
            names: MemoryNames::default(),
            max_notes: 10,
            max_bytes: 4096,
        };
        for tool in [MemoryTool::Remember, MemoryTool::Recall, MemoryTool::Forget] {
            let compiled = ArgSchema::compile(&memory.input_schema(tool)).expect("compiles");
            assert_eq!(memory.arguments(tool), compiled, "{tool:?}");
        }
    }

    #[test]
    fn the_quota_counts_notes_and_bytes_and_a_replacement_frees_its_own() {
        let quota = Quota {
            max_notes: 2,
            max_bytes: 100,
        };
        let held = Held {
            notes: 2,
            bytes: 90,
        };
        assert!(quota.admits(held, None, 1).unwrap_err().contains("2 notes"));
        assert_eq!(quota.admits(held, Some(50), 60), Ok(()));
        assert!(
            quota
                .admits(held, Some(10), 30)
                .unwrap_err()
                .contains("90 of 100")
        );
        let one = Held {
            notes: 1,
            bytes: 10,
        };
        assert_eq!(quota.admits(one, None, 90), Ok(()));
        assert!(quota.admits(one, None, 91).is_err());
    }

    #[test]
    fn names_must_be_tool_names_and_distinct_and_quotas_bounded() {
        assert_eq!(MemoryConfig::default().validate(), Ok(()));
        let mut c = MemoryConfig::default();
        c.names.recall = "remember".into();
        assert_eq!(c.validate().unwrap_err().0, "memory.names");
        let mut c = MemoryConfig::default();
        c.names.forget = "no spaces".into();
        assert_eq!(c.validate().unwrap_err().0, "memory.names.forget");
        let c = MemoryConfig {
            max_notes: 0,
            ..MemoryConfig::default()
        };
        assert_eq!(c.validate().unwrap_err().0, "memory.maxNotes");
        let c = MemoryConfig {
            max_bytes: MAX_BYTES + 1,
            ..MemoryConfig::default()
        };
        assert_eq!(c.validate().unwrap_err().0, "memory.maxBytes");
        let c = MemoryConfig::default();
        assert_eq!(c.tool("recall"), Some(MemoryTool::Recall));
        assert_eq!(c.tool("weather"), None);
        let [remember, ..] = c.definitions();
        assert_eq!(remember["inputSchema"]["required"], json!(["key", "text"]));
    }
}
