//! The control plane, run in-process on a free port.

use portcullis_control_plane::context::RequestContext;
use portcullis_control_plane::services::Services;
use portcullis_control_plane::{Settings, storage};
use tokio::net::TcpListener;

pub struct ControlPlane {
    /// e.g. `http://127.0.0.1:41234`
    pub base_url: String,
    /// The same services over the same database, for what the operator's
    /// command line does (sign-in links).
    services: Services,
    settings: Settings,
    /// Stops the server's runtime when sent or dropped.
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

/// Stack for the server's threads: rendering the admin UI's deeper pages
/// takes more than tokio's default 2 MiB in unoptimised (test) builds.
pub const SERVER_STACK_BYTES: usize = 16 << 20;

impl ControlPlane {
    /// Starts it against `database_url`, pushing to an edge on `edge_port`
    /// (which need not be up yet).
    pub async fn start(database_url: &str, edge_port: u16, signing_key_hex: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        Self::start_on(listener, database_url, edge_port, signing_key_hex, None).await
    }

    /// Like [`Self::start`], on `listener`, with admins signing in at
    /// `admin_oidc` (issuer, client id, client secret) if given.
    pub async fn start_on(
        listener: TcpListener,
        database_url: &str,
        edge_port: u16,
        signing_key_hex: &str,
        admin_oidc: Option<(String, String, String)>,
    ) -> Self {
        let (db, key) = (database_url.to_owned(), signing_key_hex.to_owned());
        let base_url = format!("http://{}", listener.local_addr().expect("addr"));
        let public_url = base_url.clone();
        let settings = Settings::from_lookup(move |name| match name {
            "DATABASE_URL" => Some(db.clone()),
            "PORTCULLIS_SIGNING_KEY" => Some(key.clone()),
            "PORTCULLIS_EDGE_SEAL_KEY" => Some(portcullis_tenant_config::encoding::encode_hex(
                &crate::stack::SEAL_KEY,
            )),
            "PORTCULLIS_EDGE_URL" => Some(format!("http://localhost:{edge_port}")),
            "PORTCULLIS_TENANT_ORIGIN" => Some(format!("http://{{tenant}}.localhost:{edge_port}")),
            // The built admin UI, where tests/run.sh put it.
            "PORTCULLIS_SITE_ROOT" => std::env::var("PORTCULLIS_SITE_ROOT").ok(),
            "PORTCULLIS_PUBLIC_URL" => Some(public_url.clone()),
            // Failed pushes are retried within a second or two in tests.
            "PORTCULLIS_PUSH_RETRY_SECONDS" => Some("1".into()),
            // The tests' identity providers listen on 127.0.0.1.
            "PORTCULLIS_ALLOW_LOOPBACK_FETCH" => Some("true".into()),
            "PORTCULLIS_INGEST_TOKEN" => Some(crate::stack::INGEST_TOKEN.into()),
            "PORTCULLIS_ADMIN_OIDC_ISSUER" => admin_oidc.as_ref().map(|o| o.0.clone()),
            "PORTCULLIS_ADMIN_OIDC_CLIENT_ID" => admin_oidc.as_ref().map(|o| o.1.clone()),
            "PORTCULLIS_ADMIN_OIDC_CLIENT_SECRET" => admin_oidc.as_ref().map(|o| o.2.clone()),
            _ => None,
        })
        .expect("settings");
        let (shutdown, stop) = tokio::sync::oneshot::channel::<()>();
        let (ready, started) = tokio::sync::oneshot::channel();
        let (listener, served) = (listener.into_std().expect("std listener"), settings.clone());
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_stack_size(SERVER_STACK_BYTES)
                .enable_all()
                .build()
                .expect("server runtime");
            runtime.block_on(async move {
                let app = portcullis_control_plane::build(&served)
                    .await
                    .expect("control plane starts");
                let listener = TcpListener::from_std(listener).expect("listener");
                let _ = ready.send(());
                let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
                tokio::select! {
                    _ = axum::serve(listener, app) => {}
                    _ = stop => {}
                }
            });
            runtime.shutdown_background();
        });
        started.await.expect("control plane starts");
        let pool = storage::connect(&settings.database_url)
            .await
            .expect("database");
        let services = Services::new(pool, &settings).expect("services");
        Self {
            base_url,
            services,
            settings,
            _shutdown: shutdown,
        }
    }

    /// A one-time link signing in `email` as a platform operator, as
    /// `portcullis-control-plane sign-in-link` prints it (but at this
    /// control plane's address).
    pub async fn sign_in_link(&self, email: &str) -> String {
        self.sign_in_link_as(email, true).await
    }

    /// A one-time link signing in `email`, a platform operator only if
    /// `operator` (otherwise what their memberships allow).
    pub async fn sign_in_link_as(&self, email: &str, operator: bool) -> String {
        let link = self
            .services
            .sign_in_link_create(&RequestContext::system(), email, operator)
            .await
            .expect("sign-in link");
        self.settings.sign_in_link_url(&link.token)
    }
}
