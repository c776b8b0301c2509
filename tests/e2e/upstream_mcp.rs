//! Fronting an MCP server the tenant already runs: the official
//! "everything" server (npm, on loopback) imported through the API — the
//! control plane connects as a client and proposes its tools under a
//! prefix — published, and called by the official SDK clients in every era
//! the edge speaks (and the official Python SDK client); each call is forwarded as the upstream tool's own
//! `tools/call` in a session of its own, and what the upstream answers
//! comes back as the tool's result.

use portcullis_e2e::clients::{PythonMode, Sdk, oauth_flow, python_client, sdk_client_of};
use portcullis_e2e::free_port;
use portcullis_e2e::identity_provider::IdentityProvider;
use portcullis_e2e::stack::Stack;
use portcullis_e2e::upstream_mcp::UpstreamMcp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// `POST /tenants/acme/mcp-servers/<action>` with `body`.
async fn mcp_servers(api: &Stack, action: &str, body: Value) -> (StatusCode, Value) {
    let path = format!("/tenants/acme/mcp-servers/{action}");
    api.call(Method::POST, &path, Some(body)).await
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upstream_servers_tools_are_imported_pinned_and_forwarded() {
    let upstream = UpstreamMcp::everything().await;
    let api = Stack::without_edge("e2e_upstream_mcp").await;
    let edge = api.start_edge().await;
    api.create("/tenants", Some(json!({"slug": "acme"}))).await;

    // The tenant's own tool, whose name one of the upstream's would take.
    api.create(
        "/tenants/acme/tools",
        Some(json!({"name": "everything_get-env", "description": "Ours",
            "inputSchema": {"type": "object"}, "content": [{"type": "text", "text": "ours"}]})),
    )
    .await;
    let source = json!({"url": upstream.url, "prefix": "everything_"});
    let (status, preview) = mcp_servers(&api, "preview", source.clone()).await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    assert_eq!(preview["title"], "Everything Reference Server", "{preview}");
    assert!(
        preview["version"].to_string().contains("MCP 2025-11-25"),
        "the revision negotiated: {preview}"
    );
    let proposed = |name: &str| {
        preview["tools"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["tool"]["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{name} proposed: {preview}"))
    };
    let clash = preview["refused"].to_string();
    assert!(
        clash.contains("get-env") && clash.contains("already has a tool"),
        "an import never replaces the tenant's own tool: {preview}"
    );
    assert!(
        !preview["tools"].to_string().contains("everything_get-env"),
        "{preview}"
    );
    let echo = proposed("everything_echo");
    assert_eq!(echo["operation"], "echo", "{echo}");
    assert_eq!(echo["change"], "new");
    assert_eq!(
        echo["tool"]["http"]["mcp"],
        json!({"tool": "echo"}),
        "{echo}"
    );
    assert!(
        echo["tool"]["inputSchema"]["properties"]["message"].is_object(),
        "the upstream's schema, pinned: {echo}"
    );

    // Refusals: a tool not proposed, a port nobody listens on, a URL that
    // is not an MCP server — each a 422 naming what is wrong, nothing saved.
    let (status, body) = mcp_servers(
        &api,
        "import",
        json!({"source": source, "tools": ["everything_nope"]}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let nobody = format!("http://127.0.0.1:{}/mcp", free_port());
    let not_mcp = upstream.url.replace("/mcp", "/elsewhere");
    for (url, words) in [(&nobody, "could not be reached"), (&not_mcp, "404")] {
        let (status, body) = mcp_servers(&api, "preview", json!({"url": url})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body.to_string().contains(words), "{url}: {body}");
    }
    let (_, tools) = api.call(Method::GET, "/tenants/acme/tools", None).await;
    assert_eq!(
        tools["items"].as_array().unwrap().len(),
        1,
        "nothing saved but the tenant's own tool: {tools}"
    );

    let chosen = [
        "everything_echo",
        "everything_get-sum",
        "everything_get-structured-content",
    ];
    let (status, imported) =
        mcp_servers(&api, "import", json!({"source": source, "tools": chosen})).await;
    assert_eq!(status, StatusCode::OK, "{imported}");
    assert_eq!(
        imported["created"].as_array().unwrap().len(),
        3,
        "{imported}"
    );
    // A tool of an upstream that has gone away.
    api.create(
        "/tenants/acme/tools",
        Some(
            json!({"name": "gone", "description": "An upstream that is not there",
            "inputSchema": {"type": "object"},
            "http": {"method": "POST", "url": nobody, "mcp": {"tool": "echo"}}}),
        ),
    )
    .await;
    let (status, body) = api.call(Method::POST, "/tenants/acme/publish", None).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let plan = json!([
        {"op": "listTools"},
        {"op": "callTool", "name": "everything_echo", "arguments": {"message": "hi from Portcullis"}},
        {"op": "callTool", "name": "everything_get-sum", "arguments": {"a": 2, "b": 40}},
        {"op": "callTool", "name": "everything_get-structured-content", "arguments": {"location": "Chicago"}},
        {"op": "callTool", "name": "gone", "arguments": {}}
    ]);
    let mcp = edge.mcp_url("acme");
    let sse = mcp.replace("/mcp", "/sse");
    for (sdk, url) in [(Sdk::V1, &mcp), (Sdk::V2, &mcp), (Sdk::V1Sse, &sse)] {
        let seen = sdk_client_of(sdk, url, plan.clone()).await;
        assert!(seen.get("connectError").is_none(), "{sdk:?}: {seen}");
        let result = |i: usize| {
            let r = &seen["results"][i];
            assert_eq!(
                r["ok"], true,
                "{sdk:?}: a result, not a protocol error: {r}"
            );
            r["value"].clone()
        };
        let listed = result(0).to_string();
        assert!(
            listed.contains("everything_echo") && listed.contains("Echoes back the input"),
            "{sdk:?}: listed with the upstream's description: {listed}"
        );
        let text = |i: usize| {
            result(i)["content"][0]["text"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        };
        assert_eq!(text(1), "Echo: hi from Portcullis", "{sdk:?}: {seen}");
        assert!(text(2).contains("42"), "{sdk:?}: {seen}");
        let structured = result(3);
        assert_ne!(structured["isError"], true, "{sdk:?}: {structured}");
        if sdk != Sdk::V1Sse {
            assert!(
                structured["structuredContent"]["temperature"].is_number(),
                "{sdk:?}: {structured}"
            );
        }
        let gone = result(4);
        assert_eq!(gone["isError"], true, "{sdk:?}: {gone}");
        assert!(text(4).contains("could not be reached"), "{sdk:?}: {gone}");
    }

    // The official Python SDK client, in every era it speaks.
    for (mode, url) in [
        (PythonMode::Modern, &mcp),
        (PythonMode::Legacy, &mcp),
        (PythonMode::Sse, &sse),
    ] {
        let message = json!({"message": "from Python"});
        let seen = python_client(url, mode, "everything_echo", message).await;
        assert_eq!(seen.get("error"), None, "{mode:?}: {seen}");
        assert_eq!(
            seen["call"]["content"][0]["text"], "Echo: from Python",
            "{mode:?}: {seen}"
        );
    }

    // Re-importing shows the pinned tools as they stand against the
    // upstream: unchanged, until the two differ.
    let (_, again) = mcp_servers(&api, "preview", source.clone()).await;
    let change = |preview: &Value, name: &str| {
        preview["tools"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["tool"]["name"] == name)
            .map(|t| (t["change"].clone(), t["changed"].clone()))
            .unwrap()
    };
    assert_eq!(change(&again, "everything_echo").0, "unchanged", "{again}");
    let (_, mut pinned) = api
        .call(Method::GET, "/tenants/acme/tools/everything_echo", None)
        .await;
    pinned["description"] = json!("Our own words for it");
    let pinned: serde_json::Map<String, Value> = pinned
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| k.as_str() != "createdAt")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let (status, body) = api
        .call(
            Method::PUT,
            "/tenants/acme/tools/everything_echo",
            Some(Value::Object(pinned)),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, drifted) = mcp_servers(&api, "preview", source).await;
    assert_eq!(
        change(&drifted, "everything_echo"),
        (json!("changed"), json!(["description"])),
        "{drifted}"
    );
}

/// The upstream changes a tool (tool poisoning looks the same): the edge
/// keeps serving the pinned tool, a preview shows the drift field by
/// field, and only importing it again and publishing serves the change.
#[tokio::test(flavor = "multi_thread")]
async fn an_upstreams_change_is_held_back_until_the_admin_accepts_it() {
    let upstream = UpstreamMcp::changing().await;
    let api = Stack::without_edge("e2e_upstream_drift").await;
    let edge = api.start_edge().await;
    api.create("/tenants", Some(json!({"slug": "acme"}))).await;
    let source = json!({"url": upstream.url});
    let import = json!({"source": source, "tools": ["forecast"]});
    let (status, body) = mcp_servers(&api, "import", import.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    api.create("/tenants/acme/publish", None).await;
    let plan = json!([
        {"op": "listTools"},
        {"op": "callTool", "name": "forecast", "arguments": {"city": "Oslo"}}
    ]);
    let mcp = edge.mcp_url("acme");
    let listed = |seen: &Value| seen["results"][0]["value"]["tools"][0].clone();

    // A stateless server is greeted once per isolate; then each call is
    // one request. One that forgets its client is greeted again.
    let imported = upstream.methods().await.len();
    let seen = sdk_client_of(Sdk::V1, &mcp, plan.clone()).await;
    assert_eq!(seen["results"][1]["ok"], true, "{seen}");
    let seen = sdk_client_of(Sdk::V2, &mcp, plan.clone()).await;
    assert_eq!(seen["results"][1]["ok"], true, "{seen}");
    assert_eq!(
        upstream.methods().await[imported..],
        [
            "initialize",
            "notifications/initialized",
            "tools/call",
            "tools/call"
        ],
        "the session is reused, not opened per call"
    );
    upstream.forget().await;
    let seen = sdk_client_of(Sdk::V1, &mcp, plan.clone()).await;
    assert_eq!(
        seen["results"][1]["value"]["content"][0]["text"], "forecast for Oslo (v1)",
        "{seen}"
    );
    assert_eq!(
        upstream.methods().await[imported + 4..],
        [
            "tools/call",
            "initialize",
            "notifications/initialized",
            "tools/call"
        ],
        "a forgotten session is opened again, the call sent once more"
    );

    upstream.change().await;
    let seen = sdk_client_of(Sdk::V1, &mcp, plan.clone()).await;
    let served = listed(&seen);
    assert_eq!(
        served["description"], "Forecast for a city",
        "pinned: {seen}"
    );
    assert!(
        served["inputSchema"]["properties"].get("units").is_none(),
        "{seen}"
    );
    assert_eq!(
        seen["results"][1]["value"]["content"][0]["text"], "forecast for Oslo (v2)",
        "calls still reach the upstream: {seen}"
    );
    let (_, preview) = mcp_servers(&api, "preview", source).await;
    let forecast = &preview["tools"][0];
    assert_eq!(forecast["change"], "changed", "{preview}");
    assert_eq!(
        forecast["changed"],
        json!(["description", "inputSchema"]),
        "{preview}"
    );

    let (status, body) = mcp_servers(&api, "import", import).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["updated"], json!(["forecast"]), "{body}");
    let seen = sdk_client_of(Sdk::V1, &mcp, plan.clone()).await;
    assert_eq!(
        listed(&seen)["description"],
        "Forecast for a city",
        "accepted, not yet published: {seen}"
    );
    api.create("/tenants/acme/publish", None).await;
    let seen = sdk_client_of(Sdk::V2, &mcp, plan).await;
    let served = listed(&seen);
    assert_eq!(
        served["description"], "Forecast for a city, in the units asked for",
        "{seen}"
    );
    assert!(
        served["inputSchema"]["properties"]["units"].is_object(),
        "{seen}"
    );
}

/// An upstream that answers a call on an event stream and leaves it open
/// (the spec lets it): the answer is taken as it arrives, not once the
/// stream ends at the call's deadline (a timeout error before).
#[tokio::test(flavor = "multi_thread")]
async fn an_answer_on_a_stream_left_open_is_taken_as_it_arrives() {
    let upstream = UpstreamMcp::changing().await;
    let api = Stack::without_edge("e2e_upstream_held").await;
    let edge = api.start_edge().await;
    api.create("/tenants", Some(json!({"slug": "acme"}))).await;
    let import = json!({"source": {"url": upstream.url}, "tools": ["forecast"]});
    let (status, body) = mcp_servers(&api, "import", import).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    api.create("/tenants/acme/publish", None).await;
    upstream.hold().await;
    let plan = json!([
        {"op": "callTool", "name": "forecast", "arguments": {"city": "Oslo"}},
        {"op": "callTool", "name": "forecast", "arguments": {"city": "Bergen"}}
    ]);
    for sdk in [Sdk::V1, Sdk::V2] {
        let seen = sdk_client_of(sdk, &edge.mcp_url("acme"), plan.clone()).await;
        for (i, city) in ["Oslo", "Bergen"].iter().enumerate() {
            let result = &seen["results"][i]["value"];
            assert_ne!(result["isError"], true, "{seen}");
            assert_eq!(
                result["content"][0]["text"],
                format!("held forecast for {city}"),
                "{seen}"
            );
        }
    }
}

/// A forwarded tool under the tenant's sign-in: given a scope, it is served
/// only to tokens that carry it; a call outside the user's scopes is
/// refused (`insufficient_scope`) before anything reaches the upstream.
#[tokio::test(flavor = "multi_thread")]
async fn forwarded_tools_are_held_to_the_tenants_scopes() {
    let upstream = UpstreamMcp::changing().await;
    let api = Stack::without_edge("e2e_upstream_scopes").await;
    let origin = format!("http://acme.localhost:{}", api.edge_port);
    let idp = IdentityProvider::openid(&format!("{origin}/oauth/callback")).await;
    let _edge = api.start_edge().await;
    api.create(
        "/tenants",
        Some(json!({"slug": "acme", "displayName": "Acme Corp"})),
    )
    .await;
    let import = json!({"source": {"url": upstream.url}, "tools": ["forecast"]});
    let (status, body) = mcp_servers(&api, "import", import).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The imported tool given a scope, as any tool is; a second tool of
    // the same upstream needs a scope the user cannot have.
    let (_, forecast) = api
        .call(Method::GET, "/tenants/acme/tools/forecast", None)
        .await;
    let mut forecast = forecast.as_object().unwrap().clone();
    forecast.remove("createdAt");
    forecast.insert("scopes".into(), json!(["weather:read"]));
    let (status, body) = api
        .call(
            Method::PUT,
            "/tenants/acme/tools/forecast",
            Some(Value::Object(forecast.clone())),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    forecast.insert("name".into(), json!("wipe"));
    forecast.insert("scopes".into(), json!(["admin"]));
    api.create("/tenants/acme/tools", Some(Value::Object(forecast)))
        .await;
    let settings = json!({
        "mode": "oauth",
        "providers": [{
            "id": "acme-sso", "kind": "oidc", "displayName": "Acme SSO",
            "clientId": idp.client_id, "clientSecret": idp.client_secret, "issuer": idp.base
        }],
        "scopes": [
            {"name": "weather:read", "description": "Read forecasts"},
            {"name": "admin", "description": "Wipe everything"}
        ],
        "allow": [{"emailDomains": ["acme.com"]}],
        "roles": [
            {"name": "staff", "scopes": ["weather:read"]},
            {"name": "admins", "when": {"groups": ["mcp-admins"]}, "scopes": ["admin"]}
        ]
    });
    let (status, body) = api
        .call(Method::PUT, "/tenants/acme/auth", Some(settings))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    api.create("/tenants/acme/publish", None).await;
    let before = upstream.methods().await.len();

    let shots = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("e2e-artifacts")
        .join("upstream-scopes");
    std::fs::create_dir_all(&shots).expect("artifact dir");
    let run = oauth_flow(&format!("{origin}/mcp"), "alice@acme.com", &shots).await;
    assert_eq!(run["problems"], json!([]), "{run}");
    let step = |name: &str| {
        run["steps"]
            .as_array()
            .and_then(|steps| steps.iter().find(|s| s["name"] == name))
            .cloned()
            .unwrap_or_else(|| panic!("no step {name:?} in {run}"))
    };
    assert_eq!(step("list tools")["value"], json!(["forecast"]), "{run}");
    assert_eq!(
        step("call allowed tool")["value"]["content"][0]["text"],
        "forecast for Oslo (v1)",
        "{run}"
    );
    let refused = step("call tool outside scopes");
    assert_eq!(refused["ok"], false, "{run}");
    assert!(
        refused["error"].to_string().contains("insufficient_scope")
            || refused["error"].to_string().contains("403"),
        "refused for its scope: {refused}"
    );
    let calls = upstream.methods().await[before..]
        .iter()
        .filter(|m| *m == "tools/call")
        .count();
    assert_eq!(calls, 1, "the refused call never reached the upstream");
}
