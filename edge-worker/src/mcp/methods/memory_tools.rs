//! The per-user memory tools (`remember`, `recall`, `forget` unless the
//! tenant renames them; see [`portcullis_tenant_config::memory`]). Like an
//! HTTP tool's call, a memory operation runs in two passes: the first run
//! asks the shell for it ([`Call::needs`]), the second, given what the
//! user's object answered, turns it into the result.

use portcullis_tenant_config::memory::{MemoryConfig, MemoryTool, Quota};
use serde_json::{Map, Value, json};

use super::{Call, tool_error};
use crate::mcp::sessions::SessionOwner;
use crate::memory::{MemoryAnswer, MemoryCall, MemoryOp};
use crate::outside::{Needed, Obtained};

/// The result of `tool` called with `arguments` (already checked against
/// its input schema), or `Null` while the user's notes are awaited.
pub fn call(
    call: &Call<'_>,
    memory: &MemoryConfig,
    tool: MemoryTool,
    arguments: &Map<String, Value>,
) -> Value {
    let Some(user) = call.caller.user_id() else {
        return tool_error("Memory belongs to a signed-in user, and this call has none.");
    };
    let text = |name: &str| {
        let value = arguments.get(name).and_then(Value::as_str);
        value.unwrap_or_default().to_owned()
    };
    let op = match tool {
        MemoryTool::Remember => MemoryOp::Remember {
            key: text("key"),
            text: text("text"),
        },
        MemoryTool::Recall => MemoryOp::Recall {
            key: arguments
                .get("key")
                .and_then(Value::as_str)
                .map(str::to_owned),
        },
        MemoryTool::Forget => MemoryOp::Forget { key: text("key") },
    };
    let owner = SessionOwner::User {
        tenant: call.config.tenant.clone(),
        user: user.to_owned(),
    };
    let wanted = MemoryCall {
        object: owner.object_name(""),
        op,
        quota: Quota::from(memory),
    };
    let remembered = call.obtained.and_then(Obtained::memory);
    match remembered.filter(|r| r.call == wanted) {
        Some(remembered) => result(&wanted.op, &remembered.answer),
        None => {
            call.needs.replace(Some(Needed::Memory(wanted)));
            Value::Null
        }
    }
}

fn text_result(text: String) -> Value {
    json!({ "content": [{ "type": "text", "text": text }], "isError": false })
}

fn result(op: &MemoryOp, answer: &MemoryAnswer) -> Value {
    match (op, answer) {
        (MemoryOp::Remember { key, .. }, MemoryAnswer::Stored) => {
            text_result(format!("Remembered {key:?}."))
        }
        (_, MemoryAnswer::Full { why }) => tool_error(why),
        (MemoryOp::Recall { key: Some(key) }, MemoryAnswer::Notes { notes }) => {
            match notes.first() {
                Some(note) => text_result(note.text.clone()),
                None => text_result(format!("Nothing is remembered as {key:?}.")),
            }
        }
        (MemoryOp::Recall { key: None }, MemoryAnswer::Notes { notes }) if notes.is_empty() => {
            text_result("Nothing is remembered yet.".into())
        }
        (MemoryOp::Recall { key: None }, MemoryAnswer::Notes { notes }) => {
            let notes: Vec<Value> = notes
                .iter()
                .map(|n| json!({ "key": n.key, "text": n.text }))
                .collect();
            text_result(Value::Array(notes).to_string())
        }
        (MemoryOp::Forget { key }, MemoryAnswer::Forgot { existed }) => text_result(if *existed {
            format!("Forgot {key:?}.")
        } else {
            format!("Nothing was remembered as {key:?}.")
        }),
        _ => tool_error("Memory is not available right now; nothing was changed. Try again."),
    }
}

#[cfg(test)]
mod tests {
    use portcullis_tenant_config::TenantConfig;

    use super::*;
    use crate::auth::Caller;
    use crate::memory::{Remembered, fake, run};
    use crate::tokens::AccessClaims;

    fn config() -> TenantConfig {
        let mut config = crate::test_fixtures::tenant("acme", 1, &["greet"]);
        config.memory = Some(MemoryConfig {
            max_notes: 2,
            ..MemoryConfig::default()
        });
        config
    }

    fn user(id: &str) -> Caller {
        Caller::User(AccessClaims {
            t: "acme".into(),
            g: "grant-1".into(),
            u: id.into(),
            c: "client-9".into(),
            s: String::new(),
            a: "https://acme.portcullis.test/mcp".into(),
            e: u64::MAX,
        })
    }

    /// Runs `tool` twice as the shell does, with `store` as the user's
    /// notes; the memory call it made and the result.
    fn run_tool(
        config: &TenantConfig,
        caller: &Caller,
        store: &fake::Notes,
        tool: &str,
        arguments: Value,
    ) -> (MemoryCall, Value) {
        let params = json!({"name": tool, "arguments": arguments});
        let params = params.as_object().cloned().unwrap_or_default();
        let first = Call::new(config, caller, "2025-11-25", params.clone()).run("tools/call");
        let Some(Needed::Memory(asked)) = first.needs else {
            panic!("asked for memory: {:?}", first.result)
        };
        let answer = run(store, &asked.op, asked.quota);
        let obtained = Obtained::Memory(Remembered {
            call: asked.clone(),
            answer,
        });
        let second = Call::new(config, caller, "2025-11-25", params)
            .with_obtained(Some(&obtained))
            .run("tools/call");
        assert_eq!(second.needs, None);
        (asked, second.result.expect("a tool result"))
    }

    fn text(result: &Value) -> &str {
        result["content"][0]["text"].as_str().unwrap_or_default()
    }

    #[test]
    fn the_tools_are_listed_and_keep_notes_in_the_users_own_object() {
        let config = config();
        let listed = Call::new(&config, &user("gh:1"), "2025-11-25", Map::new())
            .run("tools/list")
            .result
            .unwrap();
        let names: Vec<&str> = listed["tools"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|t| t["name"].as_str())
            .collect();
        assert!(
            names.ends_with(&["remember", "recall", "forget"]),
            "{names:?}"
        );

        let store = fake::Notes::default();
        let alice = user("gh:1");
        let (asked, stored) = run_tool(
            &config,
            &alice,
            &store,
            "remember",
            json!({"key": "lang", "text": "Norwegian"}),
        );
        assert_eq!(asked.object, format!("user:{}:gh:1", config.tenant));
        assert_eq!(text(&stored), "Remembered \"lang\".");
        let (_, recalled) = run_tool(&config, &alice, &store, "recall", json!({"key": "lang"}));
        assert_eq!(text(&recalled), "Norwegian");
        let (bob, _) = run_tool(&config, &user("gh:2"), &store, "recall", json!({}));
        assert_ne!(bob.object, asked.object, "another user, another object");
        run_tool(
            &config,
            &alice,
            &store,
            "remember",
            json!({"key": "b", "text": "2"}),
        );
        let (_, full) = run_tool(
            &config,
            &alice,
            &store,
            "remember",
            json!({"key": "c", "text": "3"}),
        );
        assert_eq!(full["isError"], true);
        assert!(text(&full).contains("2 notes"), "{full}");
        let (_, all) = run_tool(&config, &alice, &store, "recall", json!({}));
        assert_eq!(
            serde_json::from_str::<Value>(text(&all)).unwrap(),
            json!([{"key": "lang", "text": "Norwegian"}, {"key": "b", "text": "2"}])
        );
        let (_, forgot) = run_tool(&config, &alice, &store, "forget", json!({"key": "lang"}));
        assert_eq!(text(&forgot), "Forgot \"lang\".");
    }

    #[test]
    fn bad_arguments_and_anonymous_callers_never_reach_the_notes() {
        let config = config();
        let params = json!({"name": "remember", "arguments": {"key": ""}});
        let ran = Call::new(
            &config,
            &user("gh:1"),
            "2025-11-25",
            params.as_object().cloned().unwrap(),
        )
        .run("tools/call");
        assert_eq!(ran.needs, None);
        assert_eq!(ran.result.unwrap_err().code, -32602);
        let params = json!({"name": "recall", "arguments": {}});
        let ran = Call::new(
            &config,
            &Caller::Anonymous,
            "2025-11-25",
            params.as_object().cloned().unwrap(),
        )
        .run("tools/call");
        assert_eq!(ran.needs, None);
        assert_eq!(ran.result.unwrap()["isError"], true);
    }
}
