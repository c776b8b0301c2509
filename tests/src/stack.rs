//! The whole platform for one test: a fresh database, the control plane and
//! (when the test says so) the edge, sharing one signing key.

use serde_json::Value;

use crate::control_plane::ControlPlane;
use crate::database::fresh_database;
use crate::edge::Edge;
use crate::free_port;

/// The seed of the test signing key (tests may forge pushes with it).
pub const SIGNING_SEED: [u8; 32] = [42; 32];

pub struct Stack {
    pub control_plane: ControlPlane,
    /// Where the edge listens once started; the control plane pushes there.
    pub edge_port: u16,
}

impl Stack {
    /// Database and control plane; the edge is not running yet.
    pub async fn without_edge(name: &str) -> Self {
        let edge_port = free_port();
        let db = fresh_database(name).await;
        let control_plane = ControlPlane::start(&db, edge_port, &hex(&SIGNING_SEED)).await;
        Self {
            control_plane,
            edge_port,
        }
    }

    pub async fn start_edge(&self, public_key: &[u8; 32]) -> Edge {
        Edge::start(self.edge_port, &hex(public_key)).await
    }

    /// Calls the control plane's JSON API (`path` below `/api/v1`).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (reqwest::StatusCode, Value) {
        let mut req = reqwest::Client::new().request(
            method,
            format!("{}/api/v1{path}", self.control_plane.base_url),
        );
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("control plane answers");
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
