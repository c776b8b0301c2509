//! The official MCP Python SDK client (PyPI `mcp`) in every era it speaks,
//! against the conformance fixture tenant configured through the API.

use portcullis_e2e::clients::{PythonMode, python_client};
use portcullis_e2e::repo_root;
use portcullis_e2e::seed::seed_tenant;
use portcullis_e2e::stack::Stack;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread")]
async fn the_python_sdk_client_works_in_every_era() {
    let stack = Stack::without_edge("e2e_python_client").await;
    let edge = stack.start_edge().await;
    let fixture_path = repo_root().join("tests/conformance/fixture.json");
    let fixture: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture_path).expect("fixture"))
            .expect("fixture is JSON");
    let tenant = seed_tenant(&stack, &fixture).await;
    stack
        .create(&format!("/tenants/{tenant}/publish"), None)
        .await;
    let mcp = edge.mcp_url(&tenant);
    let sse = mcp.replace("/mcp", "/sse");

    for (mode, url, version) in [
        (PythonMode::Modern, &mcp, "2026-07-28"),
        (PythonMode::Legacy, &mcp, "2025-11-25"),
        (PythonMode::Sse, &sse, "2025-11-25"),
    ] {
        let seen = python_client(url, mode, "test_simple_text", json!({})).await;
        assert_eq!(seen.get("error"), None, "{mode:?}: {seen}");
        assert_eq!(seen["protocolVersion"], version, "{mode:?}: {seen}");
        let tools = seen["tools"].as_array().expect("tools");
        assert!(
            tools.contains(&json!("test_simple_text")),
            "{mode:?}: {seen}"
        );
        assert_eq!(
            seen["call"]["content"][0]["type"], "text",
            "{mode:?}: {seen}"
        );
        assert!(
            seen["resources"]
                .as_array()
                .expect("resources")
                .contains(&json!("test://static-text")),
            "{mode:?}: {seen}"
        );
        // A tool asking the user's name mid-call: multi round-trip in the
        // modern era, a request on the call's stream in a legacy session.
        if mode != PythonMode::Sse {
            assert_eq!(
                seen["asked"]["content"][0]["text"], "Hello, Py!",
                "{mode:?}: {seen}"
            );
        }
    }
}
