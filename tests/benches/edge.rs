//! The edge under load, loaded straight into workerd through Miniflare
//! (`tests/bench/edge-load.mjs`): throughput, latency and workerd's CPU time
//! per request for the MCP paths whose speed the issues set targets for —
//! stateless calls, calls with an access token, and calls in a legacy
//! session kept by the user's Durable Object. Run with `tests/bench.sh`.
//! Numbers, not assertions: compare them side by side with a reference.

use std::time::{SystemTime, UNIX_EPOCH};

use ed25519_dalek::SigningKey;
use portcullis_e2e::repo_root;
use portcullis_edge_worker::tokens::{AccessClaims, AccessTokens};
use portcullis_tenant_config::auth::{IdentityProvider, OAuthConfig, ProviderKind, ScopeConfig};
use portcullis_tenant_config::envelope::encode_hex;
use portcullis_tenant_config::{ArgSchema, ContentBlock, SignedConfig, TenantConfig, ToolConfig};
use serde_json::{Value, json};

const SEED: [u8; 32] = [42; 32];
const TOKEN_KEY: [u8; 32] = [0xe7; 32];

fn tenant(slug: &str, oauth: Option<OAuthConfig>) -> TenantConfig {
    let schema = json!({"type": "object", "properties": {"city": {"type": "string", "minLength": 2}}, "required": ["city"]});
    let mut config = TenantConfig::empty(slug, 1, slug);
    config.tools.push(ToolConfig {
        name: "echo".into(),
        title: None,
        description: "Answers at once".into(),
        arguments: ArgSchema::compile(&schema).expect("compiles"),
        input_schema: schema,
        content: vec![ContentBlock::Text {
            text: "sunny".into(),
        }],
        is_error: false,
        scopes: if oauth.is_some() {
            vec!["read".into()]
        } else {
            Vec::new()
        },
        notifications: Vec::new(),
        input_rounds: Vec::new(),
        annotations: None,
        output_schema: None,
        structured_content: None,
    });
    config.oauth = oauth;
    config
}

fn main() {
    let key = SigningKey::from_bytes(&SEED);
    let oauth = OAuthConfig {
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
    };
    let pushes: Vec<Value> = [tenant("open", None), tenant("acme", Some(oauth))]
        .iter()
        .map(|config| {
            let envelope = SignedConfig::sign(config, &key).expect("signs");
            json!({"tenant": config.tenant, "envelope": serde_json::to_string(&envelope).expect("JSON")})
        })
        .collect();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let token = AccessTokens::for_tenant(&TOKEN_KEY, "acme").mint(&AccessClaims {
        t: "acme".into(),
        g: "bench-grant".into(),
        u: "sso:bench".into(),
        c: "bench-client".into(),
        s: "read".into(),
        a: "http://acme.localhost/mcp".into(),
        e: now + 3600,
    });
    let call = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "echo", "arguments": {"city": "Oslo"}}});
    let modern_call = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "echo", "arguments": {"city": "Oslo"},
        "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientInfo": {"name": "bench", "version": "1"},
                  "io.modelcontextprotocol/clientCapabilities": {}}}});
    let legacy = json!({"mcp-protocol-version": "2025-11-25"});
    let bearer =
        json!({"mcp-protocol-version": "2025-11-25", "authorization": format!("Bearer {token}")});
    let setup = json!({
        "vars": {
            "EDGE_DOMAIN": "localhost",
            "CONFIG_PUBLIC_KEY": encode_hex(key.verifying_key().as_bytes()),
            "SEAL_KEY": encode_hex(&[24; 32]),
            "TOKEN_KEY": encode_hex(&TOKEN_KEY),
        },
        "pushes": pushes,
        "seconds": std::env::var("BENCH_SECONDS").ok().and_then(|s| s.parse::<u64>().ok()).unwrap_or(10),
        "concurrency": 32,
        "scenarios": [
            {"name": "GET /healthz on the apex: the runtime alone, for scale", "host": "localhost", "headers": {}, "body": null},
            {"name": "tools/call, stateless (2025-11-25, no session), public tenant", "host": "open.localhost", "headers": legacy, "body": call},
            {"name": "tools/call, modern stateless (2026-07-28), public tenant", "host": "open.localhost",
             "headers": {"mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "echo"}, "body": modern_call},
            {"name": "tools/call with an access token, OAuth tenant", "host": "acme.localhost", "headers": bearer, "body": call},
            {"name": "tools/call in a legacy session (per-user object), with an access token", "host": "acme.localhost",
             "headers": bearer, "body": call, "initialize": true},
        ],
    });
    let dir = std::env::temp_dir().join(format!("portcullis-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let setup_path = dir.join("setup.json");
    std::fs::write(&setup_path, setup.to_string()).expect("setup written");
    let output = std::process::Command::new("node")
        .arg(repo_root().join("tests/bench/edge-load.mjs"))
        .arg(&setup_path)
        .output()
        .expect("node runs (tests/bench.sh puts Node 22 on PATH)");
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report: Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!(
            "load driver output is not JSON ({e}): {stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    if let Some(error) = report.get("error") {
        panic!(
            "the load run failed: {}",
            error.as_str().unwrap_or_default()
        );
    }
    println!(
        "{:<75} {:>8} {:>9} {:>9} {:>12}",
        "scenario (concurrency 32)", "req/s", "p50 ms", "p99 ms", "CPU ms/req"
    );
    for s in report["scenarios"].as_array().into_iter().flatten() {
        println!(
            "{:<75} {:>8} {:>9} {:>9} {:>12}",
            s["name"].as_str().unwrap_or_default(),
            s["requestsPerSecond"],
            s["latencyMs"]["p50"],
            s["latencyMs"]["p99"],
            s["workerdCpuMsPerRequest"],
        );
        assert_eq!(s["errors"], 0, "every request answered 200: {s}");
    }
}
