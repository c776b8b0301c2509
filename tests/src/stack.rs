//! The whole platform for one test: a fresh database, the control plane and
//! (when the test says so) the edge, sharing one signing key.

use ed25519_dalek::SigningKey;
use portcullis_tenant_config::encoding::encode_hex;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::control_plane::ControlPlane;
use crate::database::fresh_database;
use crate::edge::Edge;
use crate::free_port;

/// The seed of the test signing key (tests may forge pushes with it).
pub const SIGNING_SEED: [u8; 32] = [42; 32];
/// The AES key the control plane seals IdP secrets with for the edge.
pub const SEAL_KEY: [u8; 32] = [24; 32];
/// What the edge sends with its usage reports.
pub const INGEST_TOKEN: &str = "e2e-ingest-token";

pub struct Stack {
    pub control_plane: ControlPlane,
    /// Where the edge listens once started; the control plane pushes there.
    pub edge_port: u16,
    /// The signed-in operator's session cookie and its CSRF token, which
    /// every API call carries.
    session: (String, String),
}

impl Stack {
    /// Database and control plane; the edge is not running yet.
    pub async fn without_edge(name: &str) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        Self::on(name, listener, None).await
    }

    /// Like [`Self::without_edge`], with the control plane on `listener`
    /// and admins signing in at `admin_oidc` (issuer, client id, secret).
    pub async fn on(
        name: &str,
        listener: tokio::net::TcpListener,
        admin_oidc: Option<(String, String, String)>,
    ) -> Self {
        let edge_port = free_port();
        let db = fresh_database(name).await;
        let control_plane = ControlPlane::start_on(
            listener,
            &db,
            edge_port,
            &encode_hex(&SIGNING_SEED),
            admin_oidc,
        )
        .await;
        let session = sign_in(&control_plane).await;
        Self {
            control_plane,
            edge_port,
            session,
        }
    }

    /// Starts the edge, trusting the control plane's signing key and
    /// reporting usage to it at once (no batching delay).
    pub async fn start_edge(&self) -> Edge {
        let public_key = SigningKey::from_bytes(&SIGNING_SEED).verifying_key();
        let ingest = [
            format!("INGEST_URL:{}", self.control_plane.base_url),
            format!("INGEST_TOKEN:{INGEST_TOKEN}"),
            "USAGE_FLUSH_SECONDS:0".to_owned(),
        ];
        Edge::start(
            self.edge_port,
            &encode_hex(public_key.as_bytes()),
            &encode_hex(&SEAL_KEY),
            &ingest,
        )
        .await
    }

    /// POSTs to the API and insists on 201 Created; returns the body.
    pub async fn create(&self, path: &str, body: Option<Value>) -> Value {
        let (status, reply) = self.call(Method::POST, path, body.clone()).await;
        assert_eq!(
            status,
            StatusCode::CREATED,
            "POST {path} {body:?} → {reply}"
        );
        reply
    }

    /// Calls the control plane's JSON API (`path` below `/api/v1`).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let (cookie, csrf) = &self.session;
        let mut req = reqwest::Client::new()
            .request(
                method,
                format!("{}/api/v1{path}", self.control_plane.base_url),
            )
            .header("cookie", cookie)
            .header("x-csrf-token", csrf);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("control plane answers");
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }
}

/// Signs the operator in through a one-time link, as a browser would: the
/// session cookie and the CSRF token for changes.
async fn sign_in(control_plane: &ControlPlane) -> (String, String) {
    let link = control_plane.sign_in_link("operator@portcullis.test").await;
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let signed_in = no_redirects.get(&link).send().await.expect("sign-in");
    assert_eq!(
        signed_in.status(),
        StatusCode::SEE_OTHER,
        "sign-in link works"
    );
    let cookie = signed_in.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .split(';')
        .next()
        .expect("cookie pair")
        .to_owned();
    let session: Value = no_redirects
        .get(format!("{}/api/v1/session", control_plane.base_url))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("session")
        .json()
        .await
        .expect("session JSON");
    let csrf = session["csrfToken"]
        .as_str()
        .expect("CSRF token")
        .to_owned();
    (cookie, csrf)
}
