//! The official MCP conformance suite against a tenant configured, through
//! the control-plane API only, as the suite's fixture server
//! (`tests/conformance/fixture.json`). Failures the platform cannot pass
//! yet are listed, with reasons, in `tests/conformance/expected-failures-*.yaml`;
//! the suite also fails when a listed scenario starts passing.

use portcullis_e2e::clients::conformance_suite;
use portcullis_e2e::repo_root;
use portcullis_e2e::seed::seed_tenant;
use portcullis_e2e::stack::Stack;
use serde_json::Value;

async fn run(requirements: &str) {
    let stack = Stack::without_edge(&format!(
        "e2e_conformance_{}",
        requirements.replace('-', "_")
    ))
    .await;
    let edge = stack.start_edge().await;
    let dir = repo_root().join("tests/conformance");
    let fixture: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("fixture.json")).expect("fixture"))
            .expect("fixture is JSON");
    let tenant = seed_tenant(&stack, &fixture).await;
    stack
        .create(&format!("/tenants/{tenant}/publish"), None)
        .await;

    let baseline = dir.join(format!("expected-failures-{requirements}.yaml"));
    let result = conformance_suite(&edge.mcp_url(&tenant), requirements, &baseline).await;
    assert!(
        result.passed,
        "conformance suite ({requirements}) failed beyond its baseline:\n{}",
        result.output
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn conformance_2025_11_25() {
    run("2025-11-25").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn conformance_2026_07_28() {
    run("2026-07-28").await;
}
