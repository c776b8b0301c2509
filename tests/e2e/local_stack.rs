//! The local stack as a newcomer meets it: `deploy/local/up.sh` on a fresh
//! state dir, its banner's commands pasted into a shell, and the demo
//! tenant reached over HTTPS by `mcp-remote` (the stdio proxy Claude
//! Desktop runs) through the whole OAuth flow with the development identity
//! provider; then SIGTERM, after which nothing it started is left running.

use std::process::Stdio;
use std::time::Duration;

use portcullis_e2e::clients::journey;
use portcullis_e2e::{TempDir, free_port, repo_root};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

/// The banner's lines from "Try the API" on, as a shell script.
fn pasted_commands(banner: &str) -> String {
    banner
        .lines()
        .skip_while(|l| !l.contains("Try the API"))
        .map(str::trim)
        .filter(|l| l.starts_with("curl ") || l.starts_with("csrf=") || l.starts_with("api"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn step_of(run: &Value, name: &str) -> Value {
    run["steps"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["name"] == name).cloned())
        .unwrap_or_else(|| panic!("no step {name:?} in {run}"))
}

/// Processes whose command line names `needle`.
fn processes_naming(needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if cmdline.contains(needle) {
            found.push(format!(
                "{}: {cmdline}",
                entry.file_name().to_string_lossy()
            ));
        }
    }
    found
}

#[tokio::test]
async fn a_newcomer_runs_up_pastes_the_banner_and_signs_in_through_mcp_remote() {
    let state = TempDir::new("portcullis-up");
    let (edge_port, idp_port, cp_port) = (free_port(), free_port(), free_port());
    let listen = format!("127.0.0.1:{cp_port}");
    let log = std::fs::File::create(state.0.join("up.log")).expect("log");
    // The same start-up lock as the harness's own wranglers (see edge.rs).
    let start_lock =
        std::fs::File::create(std::env::temp_dir().join("portcullis-wrangler-start.lock"))
            .expect("lock file");
    start_lock.lock().expect("lock wrangler start-up");
    let mut up = Command::new("bash")
        .arg(repo_root().join("deploy/local/up.sh"))
        .env("PORTCULLIS_STATE", state.0.join("state"))
        .env("PORTCULLIS_EDGE_PORT", edge_port.to_string())
        .env("PORTCULLIS_IDP_PORT", idp_port.to_string())
        .env("PORTCULLIS_LISTEN", &listen)
        .env("PORTCULLIS_SKIP_BUILD", "1")
        // A fresh machine: up.sh starts its own Postgres in the state dir.
        .env_remove("DATABASE_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log)
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .expect("bash runs up.sh");
    let pid = up.id().expect("pid") as i32;
    let mut lines = BufReader::new(up.stdout.take().expect("stdout")).lines();
    let mut banner = String::new();
    let read = async {
        while let Some(line) = lines.next_line().await.expect("read up.sh") {
            banner.push_str(&line);
            banner.push('\n');
            if line.contains("Ctrl-C stops everything") {
                return true;
            }
        }
        false
    };
    let ready = tokio::time::timeout(Duration::from_secs(240), read).await;
    drop(start_lock);
    let up_log = || std::fs::read_to_string(state.0.join("up.log")).unwrap_or_default();
    assert!(
        matches!(ready, Ok(true)),
        "up.sh printed its banner; stdout:\n{banner}\nstderr:\n{}",
        up_log()
    );
    let demo_mcp = format!("https://demo.mcp.localhost:{edge_port}/mcp");
    assert!(banner.contains(&demo_mcp), "{banner}");
    assert!(
        banner.contains("NODE_EXTRA_CA_CERTS="),
        "says how to trust the CA: {banner}"
    );
    // The mcp-remote it tells Claude Desktop users to run is the one tested.
    let clients: Value = serde_json::from_str(
        &std::fs::read_to_string(repo_root().join("tests/clients/package.json"))
            .expect("package.json"),
    )
    .expect("package.json is JSON");
    let pinned = clients["dependencies"]["mcp-remote"]
        .as_str()
        .expect("mcp-remote is pinned");
    assert!(
        banner.contains(&format!("npx mcp-remote@{pinned} {demo_mcp}")),
        "{banner}"
    );

    // Every printed command works when pasted.
    let script = pasted_commands(&banner);
    assert_eq!(
        script
            .lines()
            .filter(|l| l.starts_with("api -XPOST"))
            .count(),
        4,
        "{banner}"
    );
    let pasted = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .current_dir(&state.0)
        .output()
        .await
        .expect("bash runs");
    let printed = String::from_utf8_lossy(&pasted.stdout);
    assert!(
        pasted.status.success(),
        "{script}\n→ {printed}\n{}",
        String::from_utf8_lossy(&pasted.stderr)
    );
    let answers: Vec<Value> = printed
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(answers.len(), 4, "{printed}");
    assert_eq!(answers[0]["slug"], "acme", "{printed}");
    assert_eq!(answers[1]["name"], "hello", "{printed}");
    assert_eq!(answers[2]["status"], "accepted", "{printed}");
    assert!(
        answers[3]["secret"]
            .as_str()
            .is_some_and(|t| t.starts_with("pct_")),
        "{printed}"
    );

    // The demo tenant, over HTTPS, through mcp-remote and the dev IdP.
    let tls = state.0.join("state/tls");
    let shots = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("e2e-artifacts/up");
    std::fs::create_dir_all(&shots).expect("artifacts dir");
    let port = free_port().to_string();
    let run = journey(
        "node",
        &[
            "mcp-remote-journey.mjs".as_ref(),
            demo_mcp.as_ref(),
            "alice@example.test".as_ref(),
            tls.join("ca.pem").as_os_str(),
            tls.join("edge.pem").as_os_str(),
            "list-notes".as_ref(),
            shots.as_os_str(),
            port.as_ref(),
        ],
        &[],
        Duration::from_secs(180),
    )
    .await;
    let step = |name: &str| step_of(&run, name);
    assert!(
        step("authorization url")["value"]
            .as_str()
            .is_some_and(|u| u.starts_with(&format!(
                "https://demo.mcp.localhost:{edge_port}/authorize?"
            ))),
        "{run}"
    );
    assert_eq!(step("initialize")["error"], Value::Null, "{run}");
    assert_eq!(
        step("initialize")["result"]["serverInfo"]["name"],
        "demo",
        "{run}"
    );
    let mut tools: Vec<String> = serde_json::from_value(step("tools/list")["tools"].clone())
        .unwrap_or_else(|e| panic!("{e}: {run}"));
    tools.sort();
    assert_eq!(
        tools,
        ["add-note", "list-notes"],
        "alice is in engineering: {run}"
    );
    let called = step("tools/call");
    assert_ne!(called["result"]["isError"], true, "{run}");
    assert!(
        called["result"]["content"][0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("Ship the demo")),
        "{run}"
    );
    assert_eq!(run["problems"], serde_json::json!([]), "{run}");

    // The TypeScript SDK 2.x (the Inspector's) through the same flow, over
    // HTTPS only: trusting the CA is all it needs.
    let ca = tls.join("ca.pem");
    let sdk2 = journey(
        "node",
        &[
            "sdk2-oauth-journey.mjs".as_ref(),
            demo_mcp.as_ref(),
            "bob@example.test".as_ref(),
            tls.join("edge.pem").as_os_str(),
            "list-notes".as_ref(),
        ],
        &[("NODE_EXTRA_CA_CERTS", &ca)],
        Duration::from_secs(120),
    )
    .await;
    assert_eq!(
        step_of(&sdk2, "connect without tokens")["ok"],
        false,
        "{sdk2}"
    );
    assert_eq!(
        step_of(&sdk2, "finish auth")["value"]["scope"],
        "notes:read",
        "bob is not in engineering: {sdk2}"
    );
    assert_eq!(
        step_of(&sdk2, "negotiated")["protocolVersion"],
        "2026-07-28",
        "{sdk2}"
    );
    assert_eq!(
        step_of(&sdk2, "list tools")["value"],
        serde_json::json!(["list-notes"]),
        "{sdk2}"
    );
    assert_eq!(step_of(&sdk2, "call tool")["ok"], true, "{sdk2}");

    // The Python SDK's OAuth client, trusting the CA through SSL_CERT_FILE.
    let python = std::env::var("PORTCULLIS_PYTHON")
        .expect("PORTCULLIS_PYTHON names the venv with the MCP Python SDK (tests/run.sh sets it)");
    let port = free_port().to_string();
    let py = journey(
        &python,
        &[
            "python/mcp_python_oauth.py".as_ref(),
            demo_mcp.as_ref(),
            "alice@example.test".as_ref(),
            tls.join("edge.pem").as_os_str(),
            "list-notes".as_ref(),
            port.as_ref(),
        ],
        &[("SSL_CERT_FILE", &ca)],
        Duration::from_secs(120),
    )
    .await;
    assert_eq!(py["error"], Value::Null, "{py}");
    assert_eq!(py["serverName"], "demo", "{py}");
    assert_eq!(
        py["tools"],
        serde_json::json!(["add-note", "list-notes"]),
        "{py}"
    );
    assert_eq!(py["call"]["content"][0]["type"], "text", "{py}");
    assert_eq!(py["browserExit"], 0, "{py}");

    // SIGTERM stops everything it started: wrangler and Postgres name the
    // state dir; the ports show workerd, the IdP and the control plane.
    let state_dir = state.0.to_string_lossy().into_owned();
    assert!(
        !processes_naming(&state_dir).is_empty(),
        "sanity: its processes name the state dir"
    );
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let exited = tokio::time::timeout(Duration::from_secs(60), up.wait())
        .await
        .expect("up.sh exits within a minute of SIGTERM")
        .expect("wait");
    assert!(!exited.success(), "ended by the signal: {exited:?}");
    let mut left = processes_naming(&state_dir);
    for _ in 0..50 {
        if left.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        left = processes_naming(&state_dir);
    }
    assert!(left.is_empty(), "still running after SIGTERM: {left:#?}");
    for port in [edge_port, idp_port, cp_port] {
        assert!(
            std::net::TcpListener::bind(("127.0.0.1", port)).is_ok(),
            "port {port} is free again"
        );
    }
}
