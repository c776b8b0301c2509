//! Whatever a client sends, the edge answers — never a panic — and every
//! answer it makes itself is JSON (JSON-RPC on MCP paths).

use proptest::prelude::*;
use serde_json::{Value, json};

use crate::app::{Edge, Outcome};
use crate::http::HttpRequest;
use crate::mcp::effect::Effect;
use crate::store::memory::MemoryStore;
use crate::test_fixtures::catalog_tenant;

/// Any JSON value, a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-z_]{0,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

const METHODS: &[&str] = &[
    "initialize",
    "ping",
    "tools/list",
    "tools/call",
    "prompts/list",
    "prompts/get",
    "resources/list",
    "resources/read",
    "resources/templates/list",
    "completion/complete",
    "logging/setLevel",
    "server/discover",
    "subscriptions/listen",
    "nope",
];

fn run(request: HttpRequest) -> Outcome {
    let store = MemoryStore::default();
    let verifier = NeverVerifies;
    futures_lite_block_on(async {
        store.put(&catalog_tenant());
        let edge = Edge {
            edge_domain: "localhost",
            store: &store,
            verifier: &verifier,
            new_session_id: &|| "0123456789ab".into(),
            token_key: &[9; 32],
            now: 1_000,
            obtained: None,
        };
        edge.handle(&request).await
    })
}

struct NeverVerifies;
impl portcullis_tenant_config::SignatureVerifier for NeverVerifies {
    async fn verify(&self, _: &[u8], _: &[u8; 64]) -> bool {
        false
    }
}

/// The fixtures' futures never wait, so polling once completes them.
fn futures_lite_block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    let mut f = std::pin::pin!(f);
    match f
        .as_mut()
        .poll(&mut std::task::Context::from_waker(std::task::Waker::noop()))
    {
        std::task::Poll::Ready(v) => v,
        std::task::Poll::Pending => panic!("the edge waited on something in a native test"),
    }
}

fn request(path: &str, query: &str, headers: Vec<(String, String)>, body: Vec<u8>) -> HttpRequest {
    let mut all = vec![
        ("host".to_string(), "acme.localhost".to_string()),
        ("content-type".to_string(), "application/json".to_string()),
    ];
    all.extend(headers);
    HttpRequest {
        secure: false,
        method: "POST".into(),
        path: path.into(),
        query: query.into(),
        headers: all,
        body,
    }
}

fn assert_json_reply(outcome: &Outcome) {
    if let Outcome::Reply(r) = outcome
        && !r.body.is_empty()
    {
        assert!(
            serde_json::from_slice::<Value>(&r.body).is_ok(),
            "non-JSON reply {}",
            r.status
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_get_an_answer(body in prop::collection::vec(any::<u8>(), 0..256), path in prop::sample::select(vec!["/mcp", "/messages", "/sse", "/internal/tenants/acme/config"])) {
        assert_json_reply(&run(request(path, "sessionId=0123456789ab", vec![], body)));
    }

    #[test]
    fn arbitrary_params_get_json_rpc_answers(
        method in prop::sample::select(METHODS.to_vec()),
        params in any_json(),
        id in prop_oneof![any::<i64>().prop_map(Value::from), ".{0,8}".prop_map(Value::from), Just(Value::Null)],
        modern in any::<bool>(),
        mirror in any::<bool>(),
    ) {
        let mut params = params;
        let mut headers = vec![];
        if modern {
            if let Value::Object(p) = &mut params {
                p.insert("_meta".into(), json!({"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}));
            }
            headers.push(("mcp-protocol-version".to_string(), "2026-07-28".to_string()));
            if mirror {
                headers.push(("mcp-method".to_string(), method.to_string()));
            }
        }
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string().into_bytes();
        let outcome = run(request("/mcp", "", headers, body));
        let reply = match outcome {
            Outcome::Reply(reply) | Outcome::Mcp(Effect::Reply(reply), _) => reply,
            // A well-formed subscriptions/listen opens its stream.
            Outcome::Mcp(Effect::OpenTenantStream { first_event, .. }, _) => {
                prop_assert!(first_event.contains("notifications/subscriptions/acknowledged"));
                return Ok(());
            }
            other => panic!("/mcp answered with {other:?}"),
        };
        prop_assert!([200, 400, 404].contains(&reply.status), "status {}", reply.status);
        let message: Value = serde_json::from_slice(&reply.body).expect("JSON-RPC reply");
        prop_assert_eq!(&message["jsonrpc"], "2.0");
        prop_assert!(message.get("result").is_some() != message.get("error").is_some());
    }
}
