//! Hosts the Leptos admin UI and gives its server functions the JSON API:
//! each call goes through the API router in process, with the browser's
//! session cookie, so pages get exactly what an API client would (same
//! handlers, authorization, validation and errors).
//!
//! Changes made through the UI are protected from cross-site requests by
//! the `Origin` of the server-function request, which must be the control
//! plane's own; the API's CSRF header check is then satisfied in process.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::routing::post;
use http_body_util::BodyExt;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list, handle_server_fns_with_context};
use portcullis_web_ui::backend::{AdminBackend, ApiAnswer, ApiCall, BoxFuture, SharedBackend};
use portcullis_web_ui::{App, shell};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::config::Settings;
use crate::http::session::InProcess;

/// The UI's way to the API.
struct UiBackend {
    api: Router,
    /// `scheme://host[:port]` of the control plane's pages.
    own_origin: String,
}

/// An answer made here, not by the API.
fn refusal(status: u16, code: &str, message: &str) -> ApiAnswer {
    ApiAnswer {
        status,
        body: json!({"error": {"code": code, "message": message}}),
        etag: None,
    }
}

impl AdminBackend for UiBackend {
    fn call(&self, call: ApiCall) -> BoxFuture<'_, ApiAnswer> {
        Box::pin(async move {
            if call.method != "GET" && call.origin.as_deref() != Some(self.own_origin.as_str()) {
                let message = "changes are made from the control plane's own pages";
                return refusal(403, "csrf", message);
            }
            let mut request = axum::http::Request::builder()
                .method(call.method)
                .uri(&call.path)
                .extension(InProcess);
            if let Some(cookie) = &call.cookie {
                request = request.header("cookie", cookie);
            }
            if let Some(version) = &call.if_match {
                request = request.header("if-match", version);
            }
            let body = match &call.body {
                Some(body) => {
                    request = request.header("content-type", "application/json");
                    Body::from(body.to_string())
                }
                None => Body::empty(),
            };
            let Ok(request) = request.body(body) else {
                return refusal(500, "internal_error", "bad request");
            };
            let Ok(response) = self.api.clone().oneshot(request).await;
            let status = response.status().as_u16();
            let etag = response
                .headers()
                .get("etag")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let bytes = response
                .into_body()
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            ApiAnswer {
                status,
                body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
                etag,
            }
        })
    }
}

/// Gives the page being rendered a Content-Security-Policy that lets in
/// exactly its own scripts: the inline hydration and resource scripts carry
/// this render's nonce, and what they load (the UI's JS and wasm) is
/// trusted through them (`'strict-dynamic'`). Everything else of a page —
/// styles, images, requests — comes from the control plane itself (images
/// also from https, for tenants' logos), and no one may frame it.
fn allow_this_pages_scripts() {
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' https: data:; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    );
    if let Ok(value) = axum::http::HeaderValue::from_str(&policy) {
        response.insert_header(axum::http::header::CONTENT_SECURITY_POLICY, value);
    }
}

/// The origin (`scheme://host[:port]`) of a URL.
fn origin_of(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
    let host = rest.split('/').next().unwrap_or_default();
    format!("{scheme}://{host}")
}

pub fn router(api: Router, settings: &Settings) -> Router {
    let options = LeptosOptions::builder()
        .output_name("portcullis_web_ui")
        .site_root(settings.site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .build();
    let backend: SharedBackend = Arc::new(UiBackend {
        api,
        own_origin: origin_of(&settings.public_url),
    });
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
            move || {
                allow_this_pages_scripts();
                shell(options.clone())
            }
        })
        .fallback(leptos_axum::file_and_error_handler(shell))
        .with_state(options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_scheme_host_and_port() {
        assert_eq!(origin_of("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
        assert_eq!(
            origin_of("https://admin.example/base"),
            "https://admin.example"
        );
    }
}
