//! The admin UI in a real browser, signed in: server-rendered from the database,
//! hydrated, and its server functions working, with no console errors or
//! failed requests. Screenshots go to `target/e2e-artifacts/`.

use portcullis_e2e::clients::{admin_journey, admin_ui_smoke, sdk_client};
use portcullis_e2e::stack::Stack;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn the_tenant_list_renders_and_hydrates_in_chromium() {
    let stack = Stack::without_edge("e2e_admin_ui").await;
    stack
        .create(
            "/tenants",
            Some(json!({"slug": "acme", "displayName": "Acme Corp"})),
        )
        .await;

    let artifacts = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("e2e-artifacts");
    std::fs::create_dir_all(&artifacts).expect("artifact dir");
    // The browser signs in through a one-time link, which lands on the UI.
    let sign_in = stack.control_plane.sign_in_link("ann@acme.test").await;
    let seen = admin_ui_smoke(&sign_in, &artifacts.join("tenant-list.png")).await;

    assert_eq!(seen["problems"], json!([]), "{seen}");
    assert!(
        seen["rowsBefore"][0]
            .as_str()
            .unwrap_or_default()
            .contains("Acme Corp"),
        "server-rendered: {seen}"
    );
    assert!(
        seen["serverFunctionCalls"].as_u64().unwrap_or(0) >= 1,
        "Refresh ran a server function after hydration: {seen}"
    );
    assert_eq!(seen["rowsAfter"], seen["rowsBefore"], "{seen}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_adds_a_tool_and_publishes_it_in_the_browser() {
    let stack = Stack::without_edge("e2e_admin_journey").await;
    let edge = stack.start_edge().await;
    stack
        .create(
            "/tenants",
            Some(json!({"slug": "acme", "displayName": "Acme Corp"})),
        )
        .await;
    let shots = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("e2e-artifacts")
        .join("admin-journey");
    std::fs::create_dir_all(&shots).expect("artifact dir");
    let link = stack.control_plane.sign_in_link("ann@acme.test").await;

    let seen = admin_journey(&link, "acme", &shots).await;
    let step = |name: &str| seen["steps"][name].clone();
    assert_eq!(seen["problems"], json!([]), "{seen}");
    assert!(step("tenants").to_string().contains("Acme Corp"), "{seen}");
    assert!(
        step("endpoint").to_string().contains("acme.localhost"),
        "{seen}"
    );
    assert!(
        step("typedError").to_string().contains("Not valid JSON"),
        "as typed: {seen}"
    );
    assert_eq!(step("submitDisabledWhileInvalid"), true, "{seen}");
    assert!(
        step("serverError").to_string().contains("object"),
        "refused by the control plane: {seen}"
    );
    assert_eq!(
        step("keptName"),
        "get_weather",
        "what was typed stays: {seen}"
    );
    assert!(step("tools").to_string().contains("get_weather"), "{seen}");
    assert!(
        step("pending").to_string().contains("tools[get_weather]"),
        "{seen}"
    );
    assert!(
        step("published").to_string().contains("Version 1 is live"),
        "{seen}"
    );

    // A real MCP client sees what the admin published.
    let client = sdk_client(&edge.mcp_url("acme"), json!([{"op": "listTools"}])).await;
    assert_eq!(
        client["results"][0]["value"]["tools"][0]["name"], "get_weather",
        "{client}"
    );
}
