//! The official MCP conformance suite against a tenant configured, through
//! the control-plane API only, as the suite's fixture server
//! (`tests/conformance/fixture.json`). Failures the platform cannot pass
//! yet are listed, with reasons, in `tests/conformance/expected-failures-*.yaml`;
//! the suite also fails when a listed scenario starts passing.

use ed25519_dalek::SigningKey;
use portcullis_e2e::clients::conformance_suite;
use portcullis_e2e::repo_root;
use portcullis_e2e::seed::seed_tenant;
use portcullis_e2e::stack::{SIGNING_SEED, Stack};
use reqwest::{Method, StatusCode};
use serde_json::Value;

async fn run(requirements: &str) {
    let stack = Stack::without_edge(&format!(
        "e2e_conformance_{}",
        requirements.replace('-', "_")
    ))
    .await;
    let edge = stack
        .start_edge(
            SigningKey::from_bytes(&SIGNING_SEED)
                .verifying_key()
                .as_bytes(),
        )
        .await;
    let dir = repo_root().join("tests/conformance");
    let fixture: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("fixture.json")).expect("fixture"))
            .expect("fixture is JSON");
    let tenant = seed_tenant(&stack, &fixture).await;
    let (status, body) = stack
        .call(Method::POST, &format!("/tenants/{tenant}/publish"), None)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

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
