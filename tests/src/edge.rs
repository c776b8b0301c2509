//! The edge Worker under the local Workers runtime (workerd via `wrangler
//! dev`), in its own process group so stopping it stops workerd too.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{TempDir, repo_root};

pub struct Edge {
    pub port: u16,
    child: Child,
    state: TempDir,
    vars: Vec<String>,
}

/// The edge's own access-token key in tests.
pub const TOKEN_KEY: [u8; 32] = [0xe7; 32];

impl Edge {
    /// Starts `wrangler dev` on `port` with the control plane's public key
    /// and the sealing key it shares with the control plane (plus
    /// [`TOKEN_KEY`] and `more_vars`, `NAME:value`), and waits until the
    /// Worker answers.
    pub async fn start(
        port: u16,
        public_key_hex: &str,
        seal_key_hex: &str,
        more_vars: &[String],
    ) -> Self {
        let bundle = repo_root().join("edge-worker/build/index.js");
        assert!(
            bundle.exists(),
            "{} is missing: build the edge first (tests/run.sh does)",
            bundle.display()
        );
        let mut vars = vec![
            format!("CONFIG_PUBLIC_KEY:{public_key_hex}"),
            format!("SEAL_KEY:{seal_key_hex}"),
            format!(
                "TOKEN_KEY:{}",
                portcullis_tenant_config::encoding::encode_hex(&TOKEN_KEY)
            ),
        ];
        vars.extend_from_slice(more_vars);
        let state = TempDir::new("portcullis-edge");
        let (child, start_lock) = spawn(port, &state, &vars);
        let edge = Self {
            port,
            child,
            state,
            vars,
        };
        edge.wait_ready().await;
        drop(start_lock);
        edge
    }

    /// Stops the runtime and starts it again on the same port with the same
    /// persisted state (KV, Durable Object storage), as after a crash or a
    /// deploy.
    pub async fn restart(&mut self) {
        self.stop();
        let (child, start_lock) = spawn(self.port, &self.state, &self.vars);
        self.child = child;
        self.wait_ready().await;
        drop(start_lock);
    }

    fn stop(&mut self) {
        // Negative pid: the whole group, wrangler and its workerd children.
        let _ = Command::new("kill")
            .args(["-TERM", "--", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.wait();
    }

    async fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(120);
        let url = format!("http://127.0.0.1:{}/healthz", self.port);
        let client = reqwest::Client::new();
        while Instant::now() < deadline {
            let probe = client
                .get(&url)
                .header("host", format!("localhost:{}", self.port))
                .send()
                .await;
            if probe.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        let log = std::fs::read_to_string(self.state.0.join("wrangler.log")).unwrap_or_default();
        panic!(
            "the edge did not become ready on port {}; wrangler said:\n{log}",
            self.port
        );
    }

    /// Sends a request to the edge as if to `host` (e.g. `acme.localhost`).
    pub fn request(
        &self,
        method: reqwest::Method,
        host: &str,
        path: &str,
    ) -> reqwest::RequestBuilder {
        reqwest::Client::new()
            .request(method, format!("http://127.0.0.1:{}{path}", self.port))
            .header("host", format!("{host}:{}", self.port))
    }

    /// What wrangler and the Worker have logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.state.0.join("wrangler.log")).unwrap_or_default()
    }

    pub fn mcp_url(&self, tenant: &str) -> String {
        format!("http://{tenant}.localhost:{}/mcp", self.port)
    }
}

impl Drop for Edge {
    fn drop(&mut self) {
        self.stop();
    }
}
/// Runs `wrangler dev` in its own process group, state under `state`;
/// returns it with the start-up lock, to be dropped once it is ready.
fn spawn(port: u16, state: &TempDir, vars: &[String]) -> (Child, std::fs::File) {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(state.0.join("wrangler.log"))
        .expect("log file");
    // wrangler picks some ports of its own (inspector, dev registry) by
    // probing at start-up; two starting at once can pick the same one.
    // One start at a time, across test processes.
    let start_lock =
        std::fs::File::create(std::env::temp_dir().join("portcullis-wrangler-start.lock"))
            .expect("lock file");
    start_lock.lock().expect("lock wrangler start-up");
    let mut command = Command::new("wrangler");
    command.current_dir(repo_root().join("deploy/edge")).args([
        "dev",
        "--config",
        "wrangler.toml",
        "--ip",
        "127.0.0.1",
        "--port",
        &port.to_string(),
    ]);
    for var in vars {
        command.args(["--var", var]);
    }
    let child = command
        .args(["--inspector-port", &crate::free_port().to_string()])
        .arg("--persist-to")
        .arg(state.0.join("data"))
        .args([
            "--show-interactive-dev-session=false",
            "--log-level",
            "warn",
        ])
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log"))
        .stderr(log)
        .process_group(0)
        .spawn()
        .expect("start wrangler (is it on PATH? tests/run.sh puts it there)");
    (child, start_lock)
}
