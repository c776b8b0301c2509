//! The admin UI in a real browser, signed in: server-rendered from the database,
//! hydrated, and its server functions working, with no console errors or
//! failed requests. Screenshots go to `target/e2e-artifacts/`.

use portcullis_e2e::clients::admin_ui_smoke;
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
