//! The edge side by side with Cloudflare's TypeScript reference Workers,
//! both loaded into one workerd through Miniflare and driven by `wrk`
//! (`tests/bench/edge-load.mjs`): req/s, p50/p99 and workerd's CPU time per
//! request for each path the edge issue sets targets for, medians of
//! `BENCH_ROUNDS` rounds of `BENCH_SECONDS`, then the bearer path again with
//! 10,000 published tenants, bundle sizes, cold starts, and the control
//! plane's time to compile and sign a 1,000-tool tenant. Run with
//! `tests/bench.sh`. Numbers, not assertions.

use std::io::Write;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use ed25519_dalek::SigningKey;
use portcullis_control_plane::services::compile::{TenantParts, compile_tenant_config};
use portcullis_control_plane::storage::tenants::TenantRow;
use portcullis_control_plane::storage::tools::ToolRow;
use portcullis_e2e::repo_root;
use portcullis_edge_worker::tokens::{AccessClaims, AccessTokens};
use portcullis_tenant_config::auth::{IdentityProvider, OAuthConfig, ProviderKind, ScopeConfig};
use portcullis_tenant_config::encoding::encode_hex;
use portcullis_tenant_config::limits::MAX_PER_MINUTE;
use portcullis_tenant_config::{
    ArgSchema, ContentBlock, RateLimits, SignedConfig, TenantConfig, ToolConfig,
};
use serde_json::{Value, json};
use sqlx::types::Json;

const SEED: [u8; 32] = [42; 32];
const TOKEN_KEY: [u8; 32] = [0xe7; 32];
const SEAL_KEY: [u8; 32] = [24; 32];
/// The OpenID provider the refresh path's tenants sign in with
/// (`tests/clients/oidc-provider.mjs`, started by the load driver).
const IDP_CLIENT: (&str, &str) = ("portcullis-bench", "bench-idp-secret");
/// Connections `wrk` keeps open, as in the measurements.
const CONNECTIONS: u32 = 16;
/// Tenants and tools per tenant for the scale run.
const SCALE_TENANTS: usize = 10_000;
const SCALE_TOOLS: usize = 50;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn echo_tool(name: &str, scoped: bool) -> ToolConfig {
    let schema = json!({"type": "object", "properties": {"city": {"type": "string", "minLength": 2}}, "required": ["city"]});
    ToolConfig {
        name: name.into(),
        title: None,
        description: "Answers at once".into(),
        arguments: ArgSchema::compile(&schema).expect("compiles"),
        input_schema: schema,
        content: vec![ContentBlock::Text {
            text: "sunny".into(),
        }],
        is_error: false,
        scopes: if scoped {
            vec!["read".into()]
        } else {
            Vec::new()
        },
        notifications: Vec::new(),
        input_rounds: Vec::new(),
        annotations: None,
        output_schema: None,
        output_check: None,
        structured_content: None,
        http: None,
    }
}

/// The `echo` tool as an HTTP tool calling the bench's backend (which the
/// load driver serves on loopback at `port`).
fn http_tool(port: u16) -> ToolConfig {
    let mut tool = echo_tool("echo", false);
    tool.content = Vec::new();
    tool.http = Some(
        serde_json::from_value(json!({"method": "GET",
            "url": format!("http://127.0.0.1:{port}/weather/{{city}}")}))
        .expect("a binding"),
    );
    tool
}

/// The `echo` tool forwarded to an upstream MCP server's `forecast` (the
/// load driver runs tests/clients/upstream-changing.mjs at `port`).
fn forwarded_tool(port: u16) -> ToolConfig {
    let mut tool = echo_tool("echo", false);
    tool.content = Vec::new();
    tool.http = Some(
        serde_json::from_value(json!({"method": "POST",
            "url": format!("http://127.0.0.1:{port}/mcp"), "mcp": {"tool": "forecast"}}))
        .expect("a binding"),
    );
    tool
}

fn oauth() -> OAuthConfig {
    OAuthConfig {
        providers: vec![IdentityProvider {
            id: "sso".into(),
            kind: ProviderKind::Oidc,
            display_name: "SSO".into(),
            client_id: "bench".into(),
            client_secret: "not-used-by-the-bench".into(),
            issuer: "https://sso.example.com".into(),
            api_base: None,
            upstream_scopes: Vec::new(),
        }],
        scopes: vec![ScopeConfig {
            name: "read".into(),
            description: "Read".into(),
        }],
        allow: Vec::new(),
        roles: Vec::new(),
        clients: Vec::new(),
    }
}

/// A tenant whose users sign in through the OpenID provider at `issuer`,
/// its client secret sealed for the edge as the control plane seals it.
fn signing_in_tenant(slug: &str, issuer: &str) -> TenantConfig {
    let mut config = tenant(slug, true, 1);
    if let Some(oauth) = config.oauth.as_mut() {
        let provider = &mut oauth.providers[0];
        provider.issuer = issuer.to_owned();
        provider.client_id = IDP_CLIENT.0.to_owned();
        provider.client_secret = portcullis_tenant_config::sealing::seal(
            &SEAL_KEY,
            &provider.secret_aad(slug),
            IDP_CLIENT.1.as_bytes(),
        );
    }
    config
}

/// A port free on loopback right now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A bench tenant: `tools` tools (the first named `echo`), OAuth or not,
/// and limits as high as an admin may set so the load is not refused.
fn tenant(slug: &str, with_oauth: bool, tools: usize) -> TenantConfig {
    let mut config = TenantConfig::empty(slug, 1, slug);
    config.tools.push(echo_tool("echo", with_oauth));
    config
        .tools
        .extend((1..tools).map(|n| echo_tool(&format!("tool_{n}"), with_oauth)));
    config.oauth = with_oauth.then(oauth);
    config.limits = RateLimits {
        oauth_per_ip: MAX_PER_MINUTE,
        oauth_per_tenant: MAX_PER_MINUTE,
        registrations_per_ip: MAX_PER_MINUTE,
        metadata_fetches_per_tenant: MAX_PER_MINUTE,
        mcp_per_ip: MAX_PER_MINUTE,
        mcp_per_tenant: MAX_PER_MINUTE,
    };
    config
}

fn push(config: &TenantConfig, key: &SigningKey) -> Value {
    let envelope = SignedConfig::sign(config, key).expect("signs");
    json!({"tenant": config.tenant, "envelope": serde_json::to_string(&envelope).expect("JSON")})
}

fn bearer(slug: &str, now: u64) -> String {
    let token = AccessTokens::for_tenant(&TOKEN_KEY, slug).mint(&AccessClaims {
        t: slug.into(),
        g: "bench-grant".into(),
        u: "sso:bench".into(),
        c: "bench-client".into(),
        s: "read".into(),
        a: format!("http://{slug}.localhost/mcp"),
        e: now + 3600,
    });
    format!("Bearer {token}")
}

/// The control plane's work to publish a 1,000-tool tenant: compiling the
/// rows into a config (each input schema checked and compiled) and signing
/// it. The fastest of five, in milliseconds.
fn publish_thousand_tools_ms(key: &SigningKey) -> f64 {
    let row = TenantRow {
        id: 1,
        slug: "big".into(),
        display_name: "Big".into(),
        logo_url: None,
        accent_color: None,
        rate_limits: None,
        memory: None,
        created_at: Default::default(),
    };
    let schema = json!({"type": "object", "properties": {"city": {"type": "string", "minLength": 2},
        "days": {"type": "integer", "minimum": 1, "maximum": 14}}, "required": ["city"]});
    let tools: Vec<ToolRow> = (0..1_000)
        .map(|n| ToolRow {
            name: format!("tool_{n}"),
            title: Some(format!("Tool {n}")),
            description: "Looks something up".into(),
            input_schema: Json(schema.clone()),
            content: Json(json!([{"type": "text", "text": "sunny"}])),
            is_error: false,
            scopes: Vec::new(),
            notifications: Json(json!([])),
            input_rounds: Json(json!([])),
            annotations: None,
            output_schema: None,
            structured_content: None,
            http: None,
            created_at: Default::default(),
        })
        .collect();
    (0..5)
        .map(|_| {
            let parts = TenantParts {
                tools: tools.clone(),
                ..TenantParts::default()
            };
            let started = Instant::now();
            let config = compile_tenant_config(&row, parts, 1).expect("compiles");
            let envelope = SignedConfig::sign(&config, key).expect("signs");
            std::hint::black_box(serde_json::to_string(&envelope).expect("JSON"));
            started.elapsed().as_secs_f64() * 1000.0
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let key = SigningKey::from_bytes(&SEED);
    let rounds = env_number("BENCH_ROUNDS", 3);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    // One tenant per round and path, so no round runs into another's
    // rate-limit window.
    let slugs =
        |prefix: &str| -> Vec<String> { (1..=rounds).map(|r| format!("{prefix}-{r}")).collect() };
    let mut pushes = Vec::new();
    for slug in slugs("open") {
        pushes.push(push(&tenant(&slug, false, 1), &key));
    }
    let backend_port = free_port();
    for slug in slugs("http") {
        let mut config = tenant(&slug, false, 1);
        config.tools[0] = http_tool(backend_port);
        pushes.push(push(&config, &key));
    }
    let upstream_port = free_port();
    for slug in slugs("fwd") {
        let mut config = tenant(&slug, false, 1);
        config.tools[0] = forwarded_tool(upstream_port);
        pushes.push(push(&config, &key));
    }
    for slug in [slugs("acme"), slugs("sess"), slugs("scale")].concat() {
        pushes.push(push(&tenant(&slug, true, 1), &key));
    }
    let idp_port = free_port();
    let issuer = format!("http://127.0.0.1:{idp_port}");
    for slug in slugs("refr") {
        pushes.push(push(&signing_in_tenant(&slug, &issuer), &key));
    }

    let call = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "echo", "arguments": {"city": "Oslo"}}});
    let modern_call = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "echo", "arguments": {"city": "Oslo"},
        "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientInfo": {"name": "bench", "version": "1"},
                  "io.modelcontextprotocol/clientCapabilities": {}}}});
    let modern = json!({"mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "echo"});
    let legacy = json!({"mcp-protocol-version": "2025-11-25"});
    let with_token = |headers: &Value, slug: &str| {
        let mut headers = headers.clone();
        headers["authorization"] = bearer(slug, now).into();
        headers
    };
    let mcp = |host: String, headers: Value, body: &Value| json!({"host": host, "method": "POST", "path": "/mcp", "headers": headers, "body": body});
    let ours = |prefix: &str, make: &dyn Fn(String) -> Value| {
        slugs(prefix).into_iter().map(make).collect::<Vec<_>>()
    };

    let dir = std::env::temp_dir().join(format!("portcullis-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let scale_path = dir.join("scale.ndjson");
    {
        let mut file =
            std::io::BufWriter::new(std::fs::File::create(&scale_path).expect("scale file"));
        for n in 0..SCALE_TENANTS {
            let line = push(&tenant(&format!("t{n}"), true, SCALE_TOOLS), &key);
            writeln!(file, "{line}").expect("written");
        }
    }

    let scenarios = json!([
        {"path": "floor", "side": "reference", "name": "trivial JS Worker, GET /",
         "rounds": [{"host": "trivial.reference.test", "method": "GET", "path": "/", "headers": {}, "body": null}]},
        {"path": "floor", "side": "portcullis", "name": "GET /healthz",
         "rounds": [{"host": "localhost", "method": "GET", "path": "/healthz", "headers": {}, "body": null}]},
        {"path": "stateless", "side": "reference", "name": "createMcpHandler, tools/call 2026-07-28",
         "rounds": [mcp("stateless.reference.test".into(), modern.clone(), &modern_call)]},
        {"path": "stateless", "side": "portcullis", "name": "public tenant, tools/call 2026-07-28",
         "rounds": ours("open", &|s: String| mcp(format!("{s}.localhost"), modern.clone(), &modern_call))},
        {"path": "http-tool", "side": "reference", "name": "createMcpHandler, a tool that fetches its backend, 2026-07-28",
         "rounds": [mcp("stateless-http.reference.test".into(), modern.clone(), &modern_call)]},
        {"path": "http-tool", "side": "portcullis", "name": "public tenant, an HTTP tool calling its backend, 2026-07-28",
         "rounds": ours("http", &|s: String| mcp(format!("{s}.localhost"), modern.clone(), &modern_call))},
        {"path": "forwarded", "side": "reference", "name": "the upstream MCP server called directly (official SDK, stateless), tools/call 2025-11-25",
         "rounds": [{"port": upstream_port, "host": "127.0.0.1", "method": "POST", "path": "/mcp",
                     "headers": {"mcp-protocol-version": "2025-11-25"},
                     "body": {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "forecast", "arguments": {"city": "Oslo"}}}}]},
        {"path": "forwarded", "side": "portcullis", "name": "public tenant, a tool forwarded to that server, 2026-07-28",
         "rounds": ours("fwd", &|s: String| mcp(format!("{s}.localhost"), modern.clone(), &modern_call))},
        {"path": "bearer", "side": "reference", "name": "OAuthProvider + createMcpHandler, tools/call with a token",
         "rounds": [{"referenceToken": true, "host": "127.0.0.2", "method": "POST", "path": "/mcp", "headers": modern, "body": modern_call}]},
        {"path": "bearer", "side": "portcullis", "name": "OAuth tenant, tools/call 2026-07-28 with a token",
         "rounds": ours("acme", &|s: String| mcp(format!("{s}.localhost"), with_token(&modern, &s), &modern_call))},
        {"path": "session", "side": "reference", "name": "McpAgent, tools/call in a session (2025-11-25)",
         "rounds": [{"initialize": true, "host": "agent.reference.test", "method": "POST", "path": "/mcp", "headers": legacy, "body": call}]},
        {"path": "session", "side": "portcullis", "name": "legacy session in the per-user object, with a token",
         "rounds": ours("sess", &|s: String| json!({"initialize": true, "host": format!("{s}.localhost"), "method": "POST", "path": "/mcp",
                                            "headers": with_token(&legacy, &s), "body": call}))},
        {"path": "refresh", "side": "reference", "name": "OAuthProvider, refresh-token grant (each connection its own grant)",
         "rounds": [{"refresh": true, "host": "127.0.0.2", "method": "POST", "path": "/token"}]},
        {"path": "refresh", "side": "portcullis", "name": "OAuth tenant, refresh-token grant (rotating, reuse detected; each connection its own grant)",
         "rounds": ours("refr", &|s: String| json!({"portcullisRefresh": true, "host": format!("{s}.localhost"), "method": "POST", "path": "/token"}))},
        {"path": "bearer-10k", "side": "portcullis", "name": "the bearer path with 10,000 tenants of 50 tools published",
         "scalePushes": scale_path, "rounds": ours("scale", &|s: String| mcp(format!("{s}.localhost"), with_token(&modern, &s), &modern_call))},
    ]);
    // BENCH_ONLY=forwarded,bearer runs just those paths.
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    let scenarios: Vec<Value> = scenarios
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| only.is_empty() || only.split(',').any(|p| s["path"] == p.trim()))
        .cloned()
        .collect();
    let setup = json!({
        "vars": {
            "EDGE_DOMAIN": "localhost",
            "CONFIG_PUBLIC_KEY": encode_hex(key.verifying_key().as_bytes()),
            "SEAL_KEY": encode_hex(&SEAL_KEY),
            "TOKEN_KEY": encode_hex(&TOKEN_KEY),
        },
        "pushes": pushes,
        "backendPort": backend_port,
        "upstreamPort": upstream_port,
        "idp": {"port": idp_port, "clientId": IDP_CLIENT.0, "clientSecret": IDP_CLIENT.1},
        "seconds": env_number("BENCH_SECONDS", 10),
        "rounds": rounds,
        "connections": CONNECTIONS,
        "scenarios": scenarios,
    });
    let setup_path = dir.join("setup.json");
    std::fs::write(&setup_path, setup.to_string()).expect("setup written");
    let output = std::process::Command::new("node")
        .arg(repo_root().join("tests/bench/edge-load.mjs"))
        .arg(&setup_path)
        .stderr(std::process::Stdio::inherit())
        .output()
        .expect("node runs (tests/bench.sh puts Node 22 on PATH)");
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report: Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("load driver output is not JSON ({e}): {stdout}"));
    if let Some(error) = report.get("error") {
        panic!(
            "the load run failed: {}",
            error.as_str().unwrap_or_default()
        );
    }
    print_report(&report, rounds);
    println!(
        "\ncontrol plane: compile and sign a 1,000-tool tenant: {:.1} ms (target <= 50 ms)",
        publish_thousand_tools_ms(&key)
    );
}

/// A scenario's medians over its rounds.
struct Medians {
    rps: f64,
    p50: f64,
    p99: f64,
    cpu: f64,
}

fn medians(scenario: &Value) -> Medians {
    let median = |field: &str| {
        let mut values: Vec<f64> = scenario["rounds"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| r[field].as_f64().unwrap_or(f64::NAN))
            .collect();
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    };
    Medians {
        rps: median("requestsPerSecond"),
        p50: median("p50Ms"),
        p99: median("p99Ms"),
        cpu: median("cpuMicrosPerRequest"),
    }
}

fn print_report(report: &Value, rounds: u64) {
    let scenarios = report["scenarios"].as_array().cloned().unwrap_or_default();
    println!(
        "medians of {rounds} rounds, {CONNECTIONS} connections (wrk); CPU = workerd CPU time per request\n"
    );
    println!(
        "{:<11} {:<11} {:<66} {:>7} {:>8} {:>8} {:>8}",
        "path", "side", "what", "req/s", "p50 ms", "p99 ms", "CPU µs"
    );
    for s in &scenarios {
        let m = medians(s);
        println!(
            "{:<11} {:<11} {:<66} {:>7.0} {:>8.2} {:>8.2} {:>8.0}",
            s["path"].as_str().unwrap_or_default(),
            s["side"].as_str().unwrap_or_default(),
            s["name"].as_str().unwrap_or_default(),
            m.rps,
            m.p50,
            m.p99,
            m.cpu,
        );
        let errors: u64 = s["rounds"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| r["errors"].as_u64().unwrap_or(0))
            .sum();
        if errors > 0 {
            println!("            ^ {errors} requests failed or were not 2xx");
        }
    }
    println!("\nPortcullis against the reference (median against median):");
    let side = |path: &str, side: &str| {
        scenarios
            .iter()
            .find(|s| s["path"] == path && s["side"] == side)
            .map(medians)
    };
    for path in [
        "floor",
        "stateless",
        "http-tool",
        "bearer",
        "session",
        "refresh",
        "forwarded",
    ] {
        let (Some(ours), Some(theirs)) = (side(path, "portcullis"), side(path, "reference")) else {
            continue;
        };
        // The forwarded path's reference is a Node server, not a Worker:
        // workerd's CPU says nothing of it.
        let cpu = match theirs.cpu > 0.0 {
            true => format!("CPU {:.2}x of the reference's, ", ours.cpu / theirs.cpu),
            false => String::new(),
        };
        println!(
            "  {path:<10} {cpu}req/s {:.2}x, p99 {:.2}x",
            ours.rps / theirs.rps,
            ours.p99 / theirs.p99
        );
    }
    if let (Some(one), Some(many)) = (
        side("bearer", "portcullis"),
        side("bearer-10k", "portcullis"),
    ) {
        println!(
            "  bearer with 10,000 tenants against one: CPU {:+.1}%, req/s {:+.1}%",
            (many.cpu / one.cpu - 1.0) * 100.0,
            (many.rps / one.rps - 1.0) * 100.0
        );
    }
    println!("\nbundles (gzip -9, KB): {}", report["bundles"]);
    println!(
        "cold starts (first answer after the runtime is ready / from start, ms): {}",
        report["coldStarts"]
    );
}
