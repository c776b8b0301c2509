//! Third-party MCP clients, driven through small Node scripts in
//! `tests/clients/` that print what the client saw as JSON.

use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

use crate::repo_root;

/// Which official TypeScript SDK drives the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sdk {
    /// `@modelcontextprotocol/sdk` 1.x: `initialize`, MCP 2025-11-25.
    V1,
    /// `@modelcontextprotocol/client` 2.x: `server/discover`, MCP 2026-07-28.
    V2,
    /// 1.x over the deprecated HTTP+SSE transport (`/sse`, MCP 2024-11-05).
    V1Sse,
}

/// Runs the official TypeScript SDK's Streamable HTTP client against `url`
/// with a plan of steps (see `tests/clients/mcp-sdk-client.mjs`).
pub async fn sdk_client(url: &str, plan: Value) -> Value {
    sdk_client_of(Sdk::V1, url, plan).await
}

pub async fn sdk_client_of(sdk: Sdk, url: &str, plan: Value) -> Value {
    sdk_client_as(sdk, url, None, plan).await
}

/// [`sdk_client_of`], sending `token` (a signed-in user's access token)
/// with every request.
pub async fn sdk_client_as(sdk: Sdk, url: &str, token: Option<&str>, plan: Value) -> Value {
    let dir = repo_root().join("tests/clients");
    let run = Command::new("node")
        .current_dir(&dir)
        .arg("mcp-sdk-client.mjs")
        .arg(url)
        .arg(plan.to_string())
        .arg(match sdk {
            Sdk::V1 => "v1",
            Sdk::V2 => "v2",
            Sdk::V1Sse => "v1-sse",
        })
        .args(token)
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("the SDK client finished within a minute")
        .expect("node runs (Node 22 on PATH, npm ci in tests/clients)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!(
            "SDK client output is not JSON ({e}); stdout: {stdout}; stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// What the official conformance suite concluded.
pub struct ConformanceRun {
    pub passed: bool,
    pub output: String,
}

/// Runs the official MCP conformance suite's server scenarios required by
/// `requirements` (a protocol revision) against `url`, excusing exactly the
/// failures listed in `baseline` (the suite fails on stale entries too).
pub async fn conformance_suite(
    url: &str,
    requirements: &str,
    baseline: &std::path::Path,
) -> ConformanceRun {
    let dir = repo_root().join("tests/clients");
    let run = Command::new(dir.join("node_modules/.bin/conformance"))
        .current_dir(&dir)
        .env(
            "NODE_OPTIONS",
            format!("--import {}", dir.join("localhost-resolver.mjs").display()),
        )
        .args([
            "server",
            "--url",
            url,
            "--requirements",
            requirements,
            "--timeout",
            "15000",
        ])
        .arg("--expected-failures")
        .arg(baseline)
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(900), run)
        .await
        .expect("the conformance suite finished within 15 minutes")
        .expect("the conformance suite runs (npm ci in tests/clients)");
    ConformanceRun {
        passed: output.status.success(),
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    }
}

/// Drives the admin UI at `base_url` in headless Chromium (see
/// `tests/clients/admin-ui-smoke.mjs`), saving a screenshot to `screenshot`.
pub async fn admin_ui_smoke(base_url: &str, screenshot: &std::path::Path) -> Value {
    let screenshot = screenshot.to_string_lossy();
    browser_script("admin-ui-smoke.mjs", &[base_url, &screenshot]).await
}

/// An admin signing in at `start` (the control plane's OpenID Connect
/// sign-in) as `login` in Chromium, then asking the API who they are
/// (`tests/clients/admin-sign-in.mjs`).
pub async fn admin_sign_in(start: &str, login: &str) -> Value {
    browser_script("admin-sign-in.mjs", &[start, login]).await
}

/// An admin's first journey in the UI (`tests/clients/admin-journey.mjs`):
/// sign in with `link`, add a tool to `tenant`, publish; screenshots in
/// `shots`.
pub async fn admin_journey(link: &str, tenant: &str, shots: &std::path::Path) -> Value {
    let shots = shots.to_string_lossy();
    browser_script("admin-journey.mjs", &[link, tenant, &shots]).await
}

/// An operator setting up tenant `acme` from nothing in the UI, with the
/// OpenID Provider `idp`, then a real MCP client at `mcp_url` and revoking
/// it (`tests/clients/tenant-setup-journey.mjs`); screenshots in `shots`.
pub async fn tenant_setup_journey(
    link: &str,
    mcp_url: &str,
    idp: &crate::identity_provider::IdentityProvider,
    shots: &std::path::Path,
) -> Value {
    let shots = shots.to_string_lossy();
    browser_script(
        "tenant-setup-journey.mjs",
        &[
            link,
            mcp_url,
            &idp.base,
            &idp.client_id,
            &idp.client_secret,
            &shots,
        ],
    )
    .await
}

/// An admin importing tools from the OpenAPI description in `file`
/// (`tests/clients/import-journey.mjs`).
pub async fn import_journey(
    link: &str,
    tenant: &str,
    file: &std::path::Path,
    base_url: &str,
    shots: &std::path::Path,
) -> Value {
    let (file, shots) = (file.to_string_lossy(), shots.to_string_lossy());
    browser_script(
        "import-journey.mjs",
        &[link, tenant, &file, base_url, &shots],
    )
    .await
}

/// An admin binds a tool to a backend field by field
/// (`tests/clients/binding-journey.mjs`).
pub async fn binding_journey(link: &str, tenant: &str, shots: &std::path::Path) -> Value {
    let shots = shots.to_string_lossy();
    browser_script("binding-journey.mjs", &[link, tenant, &shots]).await
}

/// An admin imports an MCP server's tool (`tests/clients/mcp-import-journey.mjs`).
pub async fn mcp_import_journey(
    link: &str,
    tenant: &str,
    server: &str,
    shots: &std::path::Path,
) -> Value {
    let shots = shots.to_string_lossy();
    browser_script("mcp-import-journey.mjs", &[link, tenant, server, &shots]).await
}

/// A viewer's visit to the UI (`tests/clients/viewer-journey.mjs`).
pub async fn viewer_journey(link: &str, tenant: &str, shots: &std::path::Path) -> Value {
    let shots = shots.to_string_lossy();
    browser_script("viewer-journey.mjs", &[link, tenant, &shots]).await
}

/// Two admins saving the same settings from two browser contexts
/// (`tests/clients/conflict-journey.mjs`).
pub async fn conflict_journey(
    link_a: &str,
    link_b: &str,
    tenant: &str,
    shots: &std::path::Path,
) -> Value {
    let shots = shots.to_string_lossy();
    browser_script("conflict-journey.mjs", &[link_a, link_b, tenant, &shots]).await
}

/// Runs a Chromium-driving script of `tests/clients` and parses the JSON it
/// prints.
async fn browser_script(script: &str, args: &[&str]) -> Value {
    let mut all: Vec<&std::ffi::OsStr> = vec![script.as_ref()];
    all.extend(args.iter().map(std::ffi::OsStr::new));
    journey("node", &all, &[], Duration::from_secs(120)).await
}

/// Runs `program` with `args` and `env` in `tests/clients` (a client's
/// journey), for at most `limit`, and parses the JSON it prints.
pub async fn journey(
    program: &str,
    args: &[&std::ffi::OsStr],
    env: &[(&str, &std::path::Path)],
    limit: Duration,
) -> Value {
    let mut command = Command::new(program);
    command
        .current_dir(repo_root().join("tests/clients"))
        .args(args)
        .kill_on_drop(true);
    for (name, value) in env {
        command.env(name, value);
    }
    let output = tokio::time::timeout(limit, command.output())
        .await
        .unwrap_or_else(|_| panic!("{program} {args:?} finished within {limit:?}"))
        .expect("the client runs (npm ci in tests/clients, chromium installed)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!(
            "{program} {args:?} printed no JSON ({e}); stdout: {stdout}; stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// An SDK v1 client connected to a tenant and listening on its GET stream
/// for `notifications/tools/list_changed` (`tests/clients/list-changed-client.mjs`).
pub struct ListChangedWatcher {
    _child: Child,
    lines: Lines<BufReader<ChildStdout>>,
}

impl ListChangedWatcher {
    /// Connects and returns once the client's notification stream is open.
    pub async fn start(url: &str) -> Self {
        let dir = repo_root().join("tests/clients");
        let mut child = Command::new("node")
            .current_dir(&dir)
            .args(["list-changed-client.mjs", url, "20000"])
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("node runs");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut watcher = Self {
            _child: child,
            lines: BufReader::new(stdout).lines(),
        };
        let ready = watcher.next_line().await;
        assert_eq!(ready["ready"], true, "the client connected: {ready}");
        watcher
    }

    /// What the client saw: `before`, `notified`, `after`.
    pub async fn finish(mut self) -> Value {
        self.next_line().await
    }

    async fn next_line(&mut self) -> Value {
        let line = tokio::time::timeout(Duration::from_secs(60), self.lines.next_line())
            .await
            .expect("the client answered within a minute")
            .expect("reading the client's output")
            .expect("the client printed a line");
        serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("client output is not JSON ({e}): {line}"))
    }
}

/// The official TypeScript SDK's OAuth client flow against `url`, with
/// `login` signing in at the upstream provider in headless Chromium (see
/// `tests/clients/oauth-flow.mjs`); page screenshots go to `screenshots`.
pub async fn oauth_flow(url: &str, login: &str, screenshots: &std::path::Path) -> Value {
    oauth_flow_choosing(url, login, screenshots, None).await
}

/// [`oauth_flow`], choosing the sign-in option `choice` (e.g. "GitHub") on
/// the edge's chooser page.
pub async fn oauth_flow_choosing(
    url: &str,
    login: &str,
    screenshots: &std::path::Path,
    choice: Option<&str>,
) -> Value {
    let screenshots = screenshots.to_string_lossy();
    let mut args = vec![url, login, &screenshots];
    args.extend(choice);
    browser_script("oauth-flow.mjs", &args).await
}

/// Signs `login` in to the tenant at `url` with the official TypeScript
/// SDK's OAuth client (see `tests/clients/oauth-plan.mjs`), then runs
/// `plan` as that user; also answers the tokens it got.
pub async fn oauth_plan(url: &str, login: &str, plan: &Value) -> Value {
    browser_script("oauth-plan.mjs", &[url, login, &plan.to_string()]).await
}

/// Runs the official conformance suite's authorization-server scenarios
/// against a tenant's `issuer` as the pre-registered `client_id` (whose
/// redirect URI is `http://127.0.0.1:<callback_port>/callback`), with `login`
/// signing in (see `tests/clients/as-conformance.mjs`).
pub async fn authorization_conformance(
    issuer: &str,
    client_id: &str,
    callback_port: u16,
    login: &str,
) -> Value {
    let dir = repo_root().join("tests/clients");
    let run = Command::new("node")
        .current_dir(&dir)
        .arg("as-conformance.mjs")
        .args([issuer, client_id, &callback_port.to_string()])
        .arg(format!("{issuer}/mcp"))
        .arg(login)
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(180), run)
        .await
        .expect("the authorization conformance run finished within three minutes")
        .expect("node runs (npm ci in tests/clients, chromium installed)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!(
            "conformance runner output is not JSON ({e}); stdout: {stdout}; stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// How the official Python SDK client connects (see
/// `tests/clients/python/mcp_python_client.py`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PythonMode {
    /// `mcp.Client`, negotiating with `server/discover` (2026-07-28).
    Modern,
    /// `mcp.Client` in legacy mode: `initialize` over Streamable HTTP.
    Legacy,
    /// `ClientSession` over HTTP+SSE (2024-11-05, `/sse`).
    Sse,
}

/// Runs the official Python SDK client against `url`: lists tools, calls
/// `tool` with `arguments`, lists resources; returns what it saw.
pub async fn python_client(url: &str, mode: PythonMode, tool: &str, arguments: Value) -> Value {
    let python = std::env::var("PORTCULLIS_PYTHON")
        .expect("PORTCULLIS_PYTHON names the venv with the MCP Python SDK (tests/run.sh sets it)");
    let mode = match mode {
        PythonMode::Modern => "modern",
        PythonMode::Legacy => "legacy",
        PythonMode::Sse => "sse",
    };
    let run = Command::new(python)
        .arg(repo_root().join("tests/clients/python/mcp_python_client.py"))
        .args([url, mode, tool, &arguments.to_string()])
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("the Python client finished within a minute")
        .expect("the venv's python runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!(
            "Python client output is not JSON ({e}); stdout: {stdout}; stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    })
}
