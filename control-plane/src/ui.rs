//! Hosts the Leptos admin UI and gives its server functions the services.

use std::sync::Arc;

use axum::Router;
use axum::routing::post;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list, handle_server_fns_with_context};
use portcullis_web_ui::backend::{
    AdminBackend, BackendResult, BoxFuture, SharedBackend, TenantSummary,
};
use portcullis_web_ui::{App, shell};

use tower_sessions::Session;

use crate::config::Settings;
use crate::context::RequestContext;
use crate::services::Services;

/// The UI's view of the services.
struct UiBackend(Arc<Services>);

impl UiBackend {
    /// The request context of the admin whose session cookie came with the
    /// page or server-function request being handled.
    async fn signed_in(&self) -> BackendResult<RequestContext> {
        let session: Session = leptos_axum::extract().await.map_err(|e| {
            tracing::error!(error = %e, "no session for a UI request");
            "sessions are unavailable right now".to_owned()
        })?;
        let admin = crate::http::session::admin_of(&session)
            .await
            .ok()
            .flatten();
        let actor = match admin {
            Some(id) => self.0.admin_actor(id).await.ok().flatten(),
            None => None,
        };
        actor
            .map(|actor| RequestContext::new(actor, "ui", None))
            .ok_or_else(|| "Sign in to see your tenants.".to_owned())
    }
}

impl AdminBackend for UiBackend {
    fn list_tenants(&self) -> BoxFuture<'_, BackendResult<Vec<TenantSummary>>> {
        Box::pin(async move {
            let ctx = self.signed_in().await?;
            let tenants = self.0.tenant_list(&ctx).await.map_err(|e| {
                tracing::error!(error = %e, "listing tenants for the UI");
                "the tenant list is unavailable right now".to_owned()
            })?;
            Ok(tenants
                .into_iter()
                .map(|t| TenantSummary {
                    slug: t.slug,
                    display_name: t.display_name,
                    tool_count: t.tool_count,
                    live_version: t.live_version,
                    mcp_url: t.mcp_url,
                })
                .collect())
        })
    }
}

pub fn router(services: Arc<Services>, settings: &Settings) -> Router {
    let options = LeptosOptions::builder()
        .output_name("portcullis_web_ui")
        .site_root(settings.site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .build();
    let backend: SharedBackend = Arc::new(UiBackend(services));
    let context = move || provide_context(backend.clone());
    let routes = generate_route_list(App);
    let server_fns = {
        let context = context.clone();
        move |req| handle_server_fns_with_context(context.clone(), req)
    };
    Router::new()
        .route("/ui/fn/{*fn_name}", post(server_fns))
        .leptos_routes_with_context(&options, routes, context, {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler(shell))
        .with_state(options)
}
