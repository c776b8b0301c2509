//! Harness for the end-to-end tests: starts the real pieces — a fresh
//! Postgres database, the control plane, the edge under workerd (`wrangler
//! dev`) — on free loopback ports, and drives third-party clients at them.
//!
//! Expects what `tests/run.sh` provides: `DATABASE_URL` (a Postgres server
//! it may create databases on), the edge built into `edge-worker/build/`,
//! `wrangler` and Node 22 on PATH, and `tests/clients/node_modules`.

pub mod clients;
pub mod control_plane;
pub mod database;
pub mod edge;
pub mod identity_provider;
pub mod seed;
pub mod stack;
pub mod tool_backend;
pub mod upstream_mcp;

use std::path::PathBuf;

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A port free right now on loopback, below Linux's ephemeral range
/// (32768+), so no outgoing connection or `bind(0)` elsewhere can take it
/// between now and when a server binds it. Each process starts at its own
/// offset and walks on, so parallel test processes do not pick the same one.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU16, Ordering};
    const FIRST: u16 = 20_000;
    const SPAN: u16 = 12_000;
    static NEXT: AtomicU16 = AtomicU16::new(0);
    let offset = (std::process::id() % u32::from(SPAN)) as u16;
    for _ in 0..SPAN {
        let step = NEXT.fetch_add(1, Ordering::Relaxed);
        let port = FIRST + (offset + step * 97) % SPAN;
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free loopback port between {FIRST} and {}", FIRST + SPAN)
}

/// Spawns a helper server (`command`, stdout piped) and waits for its first
/// line, `ready <base-url>`; answers the child (killed on drop) and the base
/// URL. Its later output is drained, so a closed pipe never kills it.
pub async fn spawn_ready(
    what: &str,
    mut command: tokio::process::Command,
) -> (tokio::process::Child, String) {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("{what} runs: {e}"));
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();
    let ready = tokio::time::timeout(std::time::Duration::from_secs(30), lines.next_line())
        .await
        .unwrap_or_else(|_| panic!("{what} starts within 30 s"))
        .expect("its output is readable")
        .expect("it prints a ready line");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let base = ready
        .strip_prefix("ready ")
        .unwrap_or_else(|| panic!("{what}: unexpected first line {ready:?}"))
        .to_owned();
    (child, base)
}

/// A fresh directory under the system temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(prefix: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let path = std::env::temp_dir().join(format!("{prefix}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path).expect("create temp dir");
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
