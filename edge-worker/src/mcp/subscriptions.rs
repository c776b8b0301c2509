//! Telling connected clients that a publish changed a list: the legacy GET
//! stream hears every `list_changed`; a modern `subscriptions/listen`
//! stream (2026-07-28) hears only what it asked for, each notification
//! tagged with its subscription id.

use portcullis_tenant_config::TenantConfig;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::effect::Effect;
use super::jsonrpc::{RpcError, failure};
use super::sse::event;
use super::transport::rpc_reply;
use crate::auth::Caller;
use crate::http::HttpRequest;
use crate::rate::CLIENT_IP_HEADER;

const META_SUBSCRIPTION_ID: &str = "io.modelcontextprotocol/subscriptionId";

/// Which lists a new config version changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListChanges {
    pub tools: bool,
    pub prompts: bool,
    pub resources: bool,
}

impl ListChanges {
    pub fn between(previous: Option<&TenantConfig>, config: &TenantConfig) -> Self {
        Self {
            tools: previous.is_none_or(|p| p.tools != config.tools),
            prompts: previous.is_none_or(|p| p.prompts != config.prompts),
            resources: previous.is_none_or(|p| {
                p.resources != config.resources || p.resource_templates != config.resource_templates
            }),
        }
    }

    pub fn any(self) -> bool {
        self.tools || self.prompts || self.resources
    }
}

/// What a publish changed: which lists, and which resources' contents
/// (for sessions subscribed to them).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Published {
    pub lists: ListChanges,
    pub updated: Vec<String>,
}

impl Published {
    pub fn between(previous: Option<&TenantConfig>, config: &TenantConfig) -> Self {
        let updated = match previous {
            None => Vec::new(),
            Some(previous) => config
                .resources
                .iter()
                .filter(|r| previous.resources.iter().any(|p| p.uri == r.uri && p != *r))
                .map(|r| r.uri.clone())
                .collect(),
        };
        Self {
            lists: ListChanges::between(previous, config),
            updated,
        }
    }

    pub fn any(&self) -> bool {
        self.lists.any() || !self.updated.is_empty()
    }
}

/// `notifications/resources/updated` for `uri` (MCP 2024-11-05 … 2025-11-25).
pub fn resource_updated(uri: &str) -> Value {
    json!({ "jsonrpc": "2.0", "method": "notifications/resources/updated", "params": { "uri": uri } })
}

/// What one open stream is for; kept with the stream by the runtime (in
/// memory, externally tagged as [`crate::memory::MemoryOp`] says why).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum StreamKind {
    /// A Streamable HTTP GET stream: every list change.
    Legacy,
    /// A `subscriptions/listen` stream: the lists it opted in to.
    Modern {
        subscription_id: Value,
        wants: ListChanges,
    },
}

/// The events `kind` gets for `changes` (maybe none).
pub fn render(kind: &StreamKind, changes: ListChanges) -> String {
    messages(kind, changes)
        .iter()
        .map(|note| event("message", &note.to_string()))
        .collect()
}

/// The notifications `changes` mean for a stream of `kind`, in order.
pub fn messages(kind: &StreamKind, changes: ListChanges) -> Vec<Value> {
    let (wants, meta) = match kind {
        StreamKind::Legacy => (
            ListChanges {
                tools: true,
                prompts: true,
                resources: true,
            },
            None,
        ),
        StreamKind::Modern {
            subscription_id,
            wants,
        } => (
            *wants,
            Some(json!({ META_SUBSCRIPTION_ID: subscription_id })),
        ),
    };
    [
        ("tools", changes.tools && wants.tools),
        ("prompts", changes.prompts && wants.prompts),
        ("resources", changes.resources && wants.resources),
    ]
    .iter()
    .filter(|(_, send)| *send)
    .map(|(list, _)| {
        let mut note =
            json!({ "jsonrpc": "2.0", "method": format!("notifications/{list}/list_changed") });
        if let Some(meta) = &meta {
            note["params"] = json!({ "_meta": meta });
        }
        note
    })
    .collect()
}

/// How many notification streams of one tenant one holder (a user, or an
/// anonymous caller's address) keeps open; opening another closes its
/// oldest, so a client reconnecting after a lost connection is never shut out.
pub const STREAMS_PER_HOLDER: usize = 8;

/// How many notification streams one tenant keeps open in all; past it,
/// new ones are refused until some close.
pub const STREAMS_PER_TENANT: usize = 2000;

/// Who holds a notification stream, for [`admit_stream`].
pub fn stream_holder(caller: &Caller, request: &HttpRequest) -> String {
    match caller.user_id() {
        Some(user) => format!("user:{user}"),
        None => format!(
            "ip:{}",
            request.header(CLIENT_IP_HEADER).unwrap_or("unknown")
        ),
    }
}

/// Whether a tenant holding streams of `open` (their holders, oldest
/// first) opens one more for `holder`.
#[derive(Debug, PartialEq, Eq)]
pub enum Admission {
    /// Open it, closing first the stream at this index, if any.
    Open { close: Option<usize> },
    /// The tenant holds as many as it may.
    Full,
}

pub fn admit_stream<'a>(open: impl IntoIterator<Item = &'a str>, holder: &str) -> Admission {
    let mut total = 0;
    let mut own = Vec::new();
    for (index, held_by) in open.into_iter().enumerate() {
        total += 1;
        if held_by == holder {
            own.push(index);
        }
    }
    let close = (own.len() >= STREAMS_PER_HOLDER).then(|| own[0]);
    if total - usize::from(close.is_some()) >= STREAMS_PER_TENANT {
        return Admission::Full;
    }
    Admission::Open { close }
}

/// `subscriptions/listen`: opens a stream acknowledging the notification
/// types this server honours among those requested (list changes; resource
/// subscriptions are not offered, so they are left out of the answer).
pub fn listen(
    config: &TenantConfig,
    holder: String,
    id: Value,
    params: &Map<String, Value>,
) -> Effect {
    let Some(requested) = params.get("notifications").and_then(Value::as_object) else {
        let error = RpcError::invalid_params(
            "subscriptions/listen needs a \"notifications\" filter object",
        );
        return Effect::Reply(rpc_reply(400, failure(id, error)));
    };
    let asked = |key: &str| requested.get(key).and_then(Value::as_bool) == Some(true);
    let wants = ListChanges {
        tools: asked("toolsListChanged"),
        prompts: asked("promptsListChanged"),
        resources: asked("resourcesListChanged"),
    };
    let mut agreed = Map::new();
    for (key, yes) in [
        ("toolsListChanged", wants.tools),
        ("promptsListChanged", wants.prompts),
        ("resourcesListChanged", wants.resources),
    ] {
        if yes {
            agreed.insert(key.into(), Value::Bool(true));
        }
    }
    let ack = json!({
        "jsonrpc": "2.0",
        "method": "notifications/subscriptions/acknowledged",
        "params": { "notifications": agreed, "_meta": { META_SUBSCRIPTION_ID: id } },
    });
    Effect::OpenTenantStream {
        tenant: config.tenant.clone(),
        holder,
        stream: StreamKind::Modern {
            subscription_id: id,
            wants,
        },
        first_event: event("message", &ack.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_fixtures::{catalog_tenant, tenant};

    #[test]
    fn changes_name_exactly_the_lists_that_differ() {
        let before = catalog_tenant();
        assert_eq!(
            ListChanges::between(None, &before),
            ListChanges {
                tools: true,
                prompts: true,
                resources: true
            }
        );
        assert!(!ListChanges::between(Some(&before), &before).any());
        let mut after = before.clone();
        after.tools.pop();
        assert_eq!(
            ListChanges::between(Some(&before), &after),
            ListChanges {
                tools: true,
                ..Default::default()
            }
        );
        let mut after = before.clone();
        after.resource_templates.clear();
        assert!(ListChanges::between(Some(&before), &after).resources);
        assert!(ListChanges::between(Some(&tenant("a1", 1, &[])), &tenant("a1", 2, &["x"])).tools);
    }

    #[test]
    fn streams_hear_what_they_asked_for() {
        let tools_only = ListChanges {
            tools: true,
            ..Default::default()
        };
        let all = ListChanges {
            tools: true,
            prompts: true,
            resources: true,
        };
        assert_eq!(
            render(&StreamKind::Legacy, all)
                .matches("event: message")
                .count(),
            3
        );
        let modern = StreamKind::Modern {
            subscription_id: json!(7),
            wants: tools_only,
        };
        let events = render(&modern, all);
        assert_eq!(events.matches("event: message").count(), 1);
        assert!(
            events.contains("notifications/tools/list_changed")
                && events.contains(r#""io.modelcontextprotocol/subscriptionId":7"#),
            "{events}"
        );
        assert_eq!(
            render(
                &modern,
                ListChanges {
                    prompts: true,
                    ..Default::default()
                }
            ),
            ""
        );
    }

    #[test]
    fn listen_acknowledges_what_it_honours() {
        let params = json!({"notifications": {"toolsListChanged": true, "resourceSubscriptions": ["test://x"], "promptsListChanged": false}});
        let Effect::OpenTenantStream {
            tenant,
            holder,
            stream,
            first_event,
        } = listen(
            &catalog_tenant(),
            "user:u1".into(),
            json!("s1"),
            params.as_object().unwrap(),
        )
        else {
            panic!("opens a stream")
        };
        assert_eq!(tenant, "acme");
        assert_eq!(holder, "user:u1");
        assert_eq!(
            stream,
            StreamKind::Modern {
                subscription_id: json!("s1"),
                wants: ListChanges {
                    tools: true,
                    ..Default::default()
                }
            }
        );
        let ack: Value = serde_json::from_str(
            first_event
                .strip_prefix("event: message\ndata: ")
                .unwrap()
                .trim_end(),
        )
        .unwrap();
        assert_eq!(
            ack["params"]["notifications"],
            json!({"toolsListChanged": true})
        );
        assert_eq!(ack["params"]["_meta"][META_SUBSCRIPTION_ID], "s1");
        assert!(
            matches!(listen(&catalog_tenant(), "ip:x".into(), json!(1), &Map::new()), Effect::Reply(r) if r.status == 400)
        );
    }

    #[test]
    fn a_publish_names_the_resources_whose_content_changed() {
        use portcullis_tenant_config::ResourceConfig;
        let resource = |uri: &str, text: &str| -> ResourceConfig {
            serde_json::from_value(json!({"uri": uri, "name": uri, "text": text}))
                .expect("resource")
        };
        let mut before = crate::test_fixtures::tenant("acme", 1, &[]);
        before.resources = vec![resource("test://a", "one"), resource("test://b", "same")];
        let mut after = before.clone();
        after.version = 2;
        after.resources = vec![
            resource("test://a", "two"),
            resource("test://b", "same"),
            resource("test://c", "new"),
        ];
        let published = Published::between(Some(&before), &after);
        assert_eq!(published.updated, ["test://a"]);
        assert!(published.lists.resources && !published.lists.tools);
        assert_eq!(
            Published::between(None, &after).updated,
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_holder_past_its_cap_loses_its_oldest_stream() {
        let mut open = vec!["user:a"; STREAMS_PER_HOLDER - 1];
        open.insert(0, "user:b");
        assert_eq!(
            admit_stream(open.iter().copied(), "user:a"),
            Admission::Open { close: None }
        );
        open.push("user:a");
        assert_eq!(
            admit_stream(open.iter().copied(), "user:a"),
            Admission::Open { close: Some(1) },
            "the oldest of its own, not another holder's"
        );
        assert_eq!(
            admit_stream(open.iter().copied(), "user:b"),
            Admission::Open { close: None }
        );
    }

    #[test]
    fn a_full_tenant_refuses_new_holders_but_lets_one_replace_its_own() {
        let holders: Vec<String> = (0..STREAMS_PER_TENANT)
            .map(|i| format!("ip:{}", i % 500))
            .collect();
        let open = || holders.iter().map(String::as_str);
        assert_eq!(admit_stream(open(), "ip:new"), Admission::Full);
        assert_eq!(
            admit_stream(open(), "ip:7"),
            Admission::Full,
            "four streams: under its own cap"
        );
        let mut crowded: Vec<&str> = vec!["ip:many"; STREAMS_PER_HOLDER];
        crowded.extend(open().skip(STREAMS_PER_HOLDER));
        assert_eq!(
            admit_stream(crowded.iter().copied(), "ip:many"),
            Admission::Open { close: Some(0) }
        );
    }

    #[test]
    fn holders_are_users_or_else_addresses() {
        let request = HttpRequest {
            method: "GET".into(),
            path: "/mcp".into(),
            query: String::new(),
            headers: vec![(CLIENT_IP_HEADER.into(), "203.0.113.9".into())],
            body: Vec::new(),
            secure: true,
        };
        assert_eq!(
            stream_holder(&Caller::Anonymous, &request),
            "ip:203.0.113.9"
        );
    }
}
