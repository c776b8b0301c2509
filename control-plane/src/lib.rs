//! The Portcullis control plane.
//!
//! Postgres is the source of truth. Requests flow one way only:
//! [`http`] handlers (parse, call one service method, render) →
//! [`services`] (rules, validation, the publish pipeline) →
//! [`storage`] (sqlx queries). The admin UI (crate `portcullis-web-ui`) is
//! rendered here too and reaches the same services through [`ui`].

pub mod config;
pub mod context;
pub mod edge;
pub mod http;
pub mod outbound;
pub mod services;
pub mod signing;
pub mod storage;
pub mod ui;

use std::sync::Arc;

use tokio::net::TcpListener;

pub use config::Settings;

/// Connects to Postgres, applies migrations and builds the HTTP app.
pub async fn build(settings: &Settings) -> StartupResult<axum::Router> {
    let pool = storage::connect(&settings.database_url).await?;
    storage::migrate(&pool).await?;
    let services = Arc::new(services::Services::new(pool, settings)?);
    services
        .clone()
        .spawn_push_retries(settings.push_retry_interval);
    Ok(http::router(services, settings))
}

/// [`build`]s the app and serves it until Ctrl-C.
pub async fn serve(settings: Settings) -> StartupResult<()> {
    let router = build(&settings).await?;
    let listener = TcpListener::bind(settings.listen).await?;
    tracing::info!(address = %listener.local_addr()?, "control plane listening");
    let router = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

/// Start-up failures: reported once, to the operator, then the process exits.
pub type StartupResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;
