//! The admin UI in a real browser, signed in: server-rendered from the database,
//! hydrated, and its server functions working, with no console errors or
//! failed requests. Screenshots go to `target/e2e-artifacts/`.

use portcullis_e2e::clients::{
    admin_journey, admin_ui_smoke, binding_journey, conflict_journey, import_journey,
    mcp_import_journey, sdk_client, tenant_setup_journey, viewer_journey,
};
use portcullis_e2e::identity_provider::IdentityProvider;
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
        step("slugError").to_string().contains("slug"),
        "refused inline: {seen}"
    );
    assert_eq!(
        step("tenantsAfterCreate"),
        2,
        "created in the browser: {seen}"
    );
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
    let rolled = step("rolledBack").to_string();
    assert!(
        rolled.contains("content of v1") && rolled.contains("accepted"),
        "rolled back as a new version: {seen}"
    );
    assert!(
        step("liveAfterRollback")
            .to_string()
            .contains("Version 3 is live"),
        "{seen}"
    );
    assert!(
        step("limitError").to_string().contains("between 1 and"),
        "{seen}"
    );
    assert_eq!(step("limitSaved"), "42", "{seen}");

    // A real MCP client sees what the admin published.
    let client = sdk_client(&edge.mcp_url("acme"), json!([{"op": "listTools"}])).await;
    assert_eq!(
        client["results"][0]["value"]["tools"][0]["name"], "get_weather",
        "{client}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_viewer_can_look_but_not_change_and_can_sign_out() {
    let stack = Stack::without_edge("e2e_viewer_journey").await;
    stack
        .create(
            "/tenants",
            Some(json!({"slug": "acme", "displayName": "Acme Corp"})),
        )
        .await;
    let (status, body) = stack
        .call(
            reqwest::Method::PUT,
            "/tenants/acme/members/vera@acme.test",
            Some(json!({"role": "viewer"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let shots = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("e2e-artifacts")
        .join("viewer-journey");
    std::fs::create_dir_all(&shots).expect("artifact dir");
    let link = stack
        .control_plane
        .sign_in_link_as("vera@acme.test", false)
        .await;

    let seen = viewer_journey(&link, "acme", &shots).await;
    let step = |name: &str| seen["steps"][name].clone();
    assert_eq!(seen["problems"], json!([]), "{seen}");
    assert_eq!(step("who"), "vera@acme.test", "{seen}");
    assert_eq!(step("publishButtons"), 0, "no publish control: {seen}");
    assert!(
        step("overviewNote").to_string().contains("needs the admin"),
        "{seen}"
    );
    assert_eq!(
        step("limitInputs"),
        0,
        "rate limits shown, not editable: {seen}"
    );
    assert_eq!(step("addToolButtons"), 0, "no tool form: {seen}");
    assert_eq!(step("authControls"), 0, "no sign-in controls: {seen}");
    assert!(
        step("members").to_string().contains("vera@acme.test"),
        "{seen}"
    );
    assert_eq!(step("memberControls"), 0, "no member controls: {seen}");
    let forced = step("forced")["body"].to_string();
    assert!(
        forced.contains("forbidden"),
        "the API refuses it when forced: {seen}"
    );
    assert_eq!(step("afterSignOut"), 401, "signed out: {seen}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_operator_sets_up_a_tenant_from_nothing_and_revokes_a_client() {
    let stack = Stack::without_edge("e2e_tenant_setup").await;
    let edge = stack.start_edge().await;
    let callback = format!("http://acme.localhost:{}/oauth/callback", stack.edge_port);
    let idp = IdentityProvider::openid(&callback).await;
    let shots = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("e2e-artifacts")
        .join("tenant-setup-journey");
    std::fs::create_dir_all(&shots).expect("artifact dir");
    let link = stack.control_plane.sign_in_link("olga@platform.test").await;

    let seen = tenant_setup_journey(&link, &edge.mcp_url("acme"), &idp, &shots).await;
    let step = |name: &str| seen["steps"][name].clone();
    let text = |name: &str| step(name).to_string();
    assert_eq!(seen["problems"], json!([]), "{seen}");
    assert!(text("firstPage").contains("No tenants yet"), "{seen}");
    assert_eq!(step("firstTab"), "Skip to content", "{seen}");
    assert_eq!(
        step("afterSkip"),
        "main",
        "keyboard users skip the top bar: {seen}"
    );

    // The provider, tested before saving, its secret never shown again.
    assert_eq!(step("testVerdict"), "Connection works.", "{seen}");
    assert!(text("testChecks").contains("discovery"), "{seen}");
    assert!(text("modeBefore").contains("public"), "{seen}");
    assert!(text("modeAfter").contains("sign in"), "{seen}");
    assert!(text("provider").contains("secret saved"), "{seen}");
    assert_eq!(step("secretShown"), false, "write-only: {seen}");
    assert!(text("rule").contains("email domain acme.com"), "{seen}");
    assert!(text("role").contains("weather:read"), "{seen}");

    assert!(
        text("catalog").contains("summarize") && text("catalog").contains("docs://handbook"),
        "{seen}"
    );

    // The tool, previewed as clients see it; an invalid schema saves nothing.
    let preview: serde_json::Value =
        serde_json::from_str(step("preview").as_str().unwrap_or_default())
            .expect("preview is JSON");
    assert_eq!(preview["name"], "forecast", "{seen}");
    assert_eq!(preview["annotations"]["readOnlyHint"], true, "{seen}");
    assert!(text("toolListed").contains("needs weather:read"), "{seen}");
    assert!(
        text("editError").contains("not a valid JSON Schema"),
        "{seen}"
    );
    assert_eq!(step("keptTyped"), "Changed, but not saved", "{seen}");
    assert_eq!(step("schemaAfterReload"), step("schemaBefore"), "{seen}");
    assert_eq!(
        step("descriptionAfterReload"),
        "Tomorrow's weather for a city",
        "nothing saved: {seen}"
    );
    assert!(text("pending").contains("tools[forecast]"), "{seen}");
    assert!(text("published").contains("Version 1 is live"), "{seen}");

    // Tried from its page, through the edge: the answer, and a refusal.
    assert!(
        text("tried").contains("Answered by v1") && text("tried").contains("Sunny, 21°C"),
        "{seen}"
    );
    assert!(text("triedBadly").contains("Invalid arguments"), "{seen}");

    // A real MCP client signed a user in and sees the tool.
    assert!(text("consent").contains("Read forecasts"), "{seen}");
    assert_eq!(step("clientTools"), json!(["forecast"]), "{seen}");
    assert_eq!(step("clientCall")[0]["text"], "Sunny, 21°C", "{seen}");

    // Revoked in the UI: its token stops working at once.
    assert!(text("clients").contains("Portcullis e2e client"), "{seen}");
    assert!(text("grants").contains("alice@acme.com"), "{seen}");
    assert_eq!(step("beforeRevoke")["status"], 200, "{seen}");
    assert!(text("revoked").contains("1 grant(s) ended"), "{seen}");
    assert_eq!(step("grantsAfter"), 0, "{seen}");
    assert_eq!(step("afterRevoke")["status"], 401, "{seen}");
    assert!(text("audit").contains("client.revoke"), "{seen}");
    assert!(
        text("usage").contains("Tool calls"),
        "the client's calls are pictured: {seen}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn two_admins_saving_the_same_settings_lose_nothing_unseen() {
    let stack = Stack::without_edge("e2e_conflict_journey").await;
    stack
        .create(
            "/tenants",
            Some(json!({"slug": "acme", "displayName": "Acme Corp"})),
        )
        .await;
    let mut links = Vec::new();
    for email in ["ann@acme.test", "bob@acme.test"] {
        let (status, body) = stack
            .call(
                reqwest::Method::PUT,
                &format!("/tenants/acme/members/{email}"),
                Some(json!({"role": "admin"})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        links.push(stack.control_plane.sign_in_link_as(email, false).await);
    }
    let shots = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("e2e-artifacts")
        .join("conflict-journey");
    std::fs::create_dir_all(&shots).expect("artifact dir");

    let seen = conflict_journey(&links[0], &links[1], "acme", &shots).await;
    let step = |name: &str| seen["steps"][name].clone();
    assert_eq!(seen["problems"], json!([]), "{seen}");
    let defaults = step("readByBoth")[0].clone();
    assert_eq!(step("readByBoth")[1], defaults, "{seen}");
    assert_eq!(step("savedByA"), "50", "{seen}");
    assert!(
        step("conflict").to_string().contains("someone else"),
        "the second save is refused, saying why: {seen}"
    );
    assert_eq!(step("keptByB"), "60", "what B typed is kept: {seen}");
    assert_eq!(step("afterReload"), "50", "B now sees A's change: {seen}");
    assert_eq!(step("savedByB"), "60", "{seen}");
    assert_eq!(step("errorAfterSave"), "", "{seen}");
    let (_, limits) = stack
        .call(reqwest::Method::GET, "/tenants/acme/limits", None)
        .await;
    assert_eq!(limits["limits"]["mcpPerIp"], 60, "{limits}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_imports_tools_from_an_openapi_description() {
    let stack = Stack::without_edge("e2e_import_journey").await;
    stack
        .create("/tenants", Some(json!({"slug": "acme"})))
        .await;
    let shots = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("e2e-artifacts")
        .join("import-journey");
    std::fs::create_dir_all(&shots).expect("artifact dir");
    let link = stack.control_plane.sign_in_link("ada@acme.test").await;
    let petstore = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../control-plane/tests/fixtures/openapi/petstore.json");

    let seen = import_journey(
        &link,
        "acme",
        &petstore,
        "https://pets.example.net/v2",
        &shots,
    )
    .await;
    let step = |name: &str| seen["steps"][name].clone();
    assert_eq!(seen["problems"], json!([]), "{seen}");
    assert!(
        step("emptyRefusal").to_string().contains("document"),
        "{seen}"
    );
    assert_eq!(step("title"), "Swagger Petstore 1.0.0", "{seen}");
    assert!(step("proposed").as_u64().unwrap() >= 15, "{seen}");
    assert_eq!(step("changes"), json!(["new"]), "{seen}");
    assert!(
        step("refused").to_string().contains("createWithArray"),
        "unmappable operations listed with why: {seen}"
    );
    assert!(step("imported").to_string().contains("3 created"), "{seen}");
    assert_eq!(step("againGetPetById"), "unchanged", "{seen}");
    let (_, tools) = stack
        .call(reqwest::Method::GET, "/tenants/acme/tools", None)
        .await;
    let names: Vec<&str> = tools["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(
        names,
        ["findPetsByStatus", "getPetById", "placeOrder"],
        "{tools}"
    );
    let key = &tools["items"][1]["http"]["credential"];
    assert_eq!(key["saved"], true, "the typed key is saved: {tools}");
    assert!(!tools.to_string().contains("ui-pet-key"));
    assert!(
        step("toolsText").to_string().contains("sends a secret"),
        "the list shows which tools send the tenant's secret: {seen}"
    );
    let binding = step("binding").to_string();
    assert!(binding.contains("petId → the URL"), "{seen}");
    assert!(binding.contains("the tenant's secret in api_key"), "{seen}");
    assert_eq!(step("bindingMarks"), json!(["{petId}"]), "{seen}");
    assert!(step("memoryBefore").to_string().contains("Off"), "{seen}");
    assert!(step("memoryRefusal").to_string().contains("1 to"), "{seen}");
    assert!(step("memory").to_string().contains("5 notes"), "{seen}");
    let (_, memory) = stack
        .call(reqwest::Method::GET, "/tenants/acme/memory", None)
        .await;
    assert_eq!(memory["memory"]["maxNotes"], 5, "{memory}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_binds_a_tool_to_a_backend_field_by_field() {
    let stack = Stack::without_edge("e2e_binding_journey").await;
    stack
        .create("/tenants", Some(json!({"slug": "acme"})))
        .await;
    let shots = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("e2e-artifacts")
        .join("binding-journey");
    std::fs::create_dir_all(&shots).expect("artifact dir");
    let link = stack.control_plane.sign_in_link("ada@acme.test").await;

    let seen = binding_journey(&link, "acme", &shots).await;
    let step = |name: &str| seen["steps"][name].clone();
    assert_eq!(seen["problems"], json!([]), "{seen}");
    assert_eq!(
        step("json"),
        json!({
            "method": "GET", "url": "https://api.acme.test/weather/{city}",
            "query": ["units"], "headers": {"trace_id": "X-Trace-Id"},
            "credential": {"scheme": "bearer", "secret": "first-secret"},
            "assertion": {"audience": "https://api.acme.test", "header": "X-User-Assertion"},
        }),
        "each field wrote its one key: {seen}"
    );
    assert!(
        step("clash")
            .to_string()
            .contains("already set by the tool"),
        "two things sending Authorization are refused where it shows: {seen}"
    );
    let summary = step("summary").to_string();
    assert!(summary.contains("trace_id → header X-Trace-Id"), "{seen}");
    assert!(summary.contains("units → the query"), "{seen}");
    assert_eq!(step("clearedAfterAdd"), false, "{seen}");
    assert_eq!(
        step("reopened"),
        json!({
            "url": "https://api.acme.test/weather/{city}", "method": "GET",
            "units": "query", "trace": "header", "traceHeader": "X-Trace-Id",
            "scheme": "bearer", "secret": "", "secretPlaceholder": "saved — type to replace",
            "assertion": true, "audience": "https://api.acme.test",
            "assertionHeader": "X-User-Assertion",
        }),
        "the saved binding reads back, the secret only as saved: {seen}"
    );
    assert!(
        step("secretRefusal").to_string().contains("secret"),
        "another origin needs the secret again, said next to it: {seen}"
    );
    assert!(
        step("saved").to_string().contains("Saved get_weather"),
        "{seen}"
    );
    assert_eq!(
        step("errorsAfterSave")
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e != &&json!(""))
            .count(),
        0,
        "{seen}"
    );
    assert!(step("headerRefusal").to_string().contains("Host"), "{seen}");
    assert_eq!(step("fieldsWhileBroken"), 0, "{seen}");
    assert!(
        step("jsonError").to_string().contains("Not valid JSON"),
        "{seen}"
    );

    let (_, tool) = stack
        .call(
            reqwest::Method::GET,
            "/tenants/acme/tools/get_weather",
            None,
        )
        .await;
    let http = &tool["http"];
    assert_eq!(
        http["url"], "https://elsewhere.acme.test/weather/{city}",
        "{tool}"
    );
    assert_eq!(http["userToken"], true, "{tool}");
    assert_eq!(
        http["credential"],
        json!({"scheme": "header", "header": "x-api-key", "saved": true}),
        "{tool}"
    );
    assert_eq!(http["headers"], json!({"trace_id": "X-Trace-Id"}), "{tool}");
    let text = tool.to_string();
    assert!(
        !text.contains("secret\":") && !text.contains("second-secret"),
        "no secret comes back: {tool}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_imports_the_tools_of_an_mcp_server_they_run() {
    let upstream = portcullis_e2e::upstream_mcp::UpstreamMcp::everything().await;
    let stack = Stack::without_edge("e2e_mcp_import_journey").await;
    stack
        .create("/tenants", Some(json!({"slug": "acme"})))
        .await;
    let shots = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("e2e-artifacts")
        .join("mcp-import-journey");
    std::fs::create_dir_all(&shots).expect("artifact dir");
    let link = stack.control_plane.sign_in_link("ada@acme.test").await;

    let seen = mcp_import_journey(&link, "acme", &upstream.url, &shots).await;
    let step = |name: &str| seen["steps"][name].clone();
    assert_eq!(seen["problems"], json!([]), "{seen}");
    assert!(step("refusal").to_string().contains("404"), "{seen}");
    assert!(
        step("title")
            .to_string()
            .contains("Everything Reference Server"),
        "{seen}"
    );
    assert!(step("proposed").as_u64().unwrap() >= 10, "{seen}");
    assert!(step("imported").to_string().contains("1 created"), "{seen}");
    assert_eq!(step("again"), "unchanged", "{seen}");
    assert!(
        step("badge")
            .to_string()
            .contains("forwards to echo at http://127.0.0.1"),
        "{seen}"
    );
    assert_eq!(step("upstreamTool"), "echo", "{seen}");
    assert!(step("summary").to_string().contains("whole"), "{seen}");
    assert_eq!(step("argumentsShown"), false, "{seen}");
    let (_, tool) = stack
        .call(reqwest::Method::GET, "/tenants/acme/tools/ev_echo", None)
        .await;
    assert_eq!(tool["http"]["mcp"], json!({"tool": "echo"}), "{tool}");
    assert_eq!(tool["http"]["url"], upstream.url, "{tool}");
}
