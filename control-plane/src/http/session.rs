//! Who is calling: an API token (`Authorization: Bearer pct_…`, for
//! automation) or an admin's session cookie (tower-sessions, stored in
//! Postgres). Session-authenticated changes must carry the session's CSRF
//! token in `X-CSRF-Token`, so another site cannot make an admin's browser
//! change anything; tokens need none (a browser never sends them on its
//! own).
//!
//! Also the sign-in and sign-out endpoints: a one-time link from the
//! command line (the first operator's bootstrap) and OpenID Connect
//! ([`super::oidc`]).

use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, Session, SessionManagerLayer};
use tower_sessions_sqlx_store::PostgresStore;

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::extract::ApiPath;
use crate::context::{Actor, RequestContext};
use crate::services::ServiceError;
use portcullis_api::session::SessionView;

const ADMIN_KEY: &str = "admin_id";
const CSRF_KEY: &str = "csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Sessions end after this long without a request.
const IDLE_LIFETIME: time::Duration = time::Duration::hours(12);

/// The session layer: cookie `portcullis_session`, `HttpOnly`,
/// `SameSite=Lax`, `Secure` when the control plane is served over https.
pub fn layer(db: sqlx::PgPool, secure: bool) -> SessionManagerLayer<PostgresStore> {
    let store = PostgresStore::new(db)
        .with_schema_name("public")
        .and_then(|s| s.with_table_name("admin_sessions"))
        .expect("constant, valid identifiers");
    SessionManagerLayer::new(store)
        .with_name("portcullis_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(secure)
        .with_expiry(Expiry::OnInactivity(IDLE_LIFETIME))
}

/// Marks a request the control plane makes to its own API for its UI's
/// server functions, which checked the browser's `Origin` already (see
/// [`crate::ui`]). Only code in this process can set it.
#[derive(Debug, Clone, Copy)]
pub struct InProcess;

impl FromRequestParts<AppState> for RequestContext {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        services: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let request_id = parts
            .headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let ip = client_ip(parts, services.settings().behind_proxy);
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let secret = value
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .ok_or(ServiceError::Unauthenticated)?;
            let actor = services
                .api_token_actor(secret.trim())
                .await?
                .ok_or(ServiceError::Unauthenticated)?;
            return Ok(RequestContext::new(actor, request_id, ip));
        }
        let session = session_of(parts).await?;
        let admin = admin_of(&session).await.map_err(session_failed)?;
        let actor = match admin {
            Some(id) => services.admin_actor(id).await?,
            None => None,
        }
        .ok_or(ServiceError::Unauthenticated)?;
        if !parts.method.is_safe() && parts.extensions.get::<InProcess>().is_none() {
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            let expected: Option<String> = session.get(CSRF_KEY).await.map_err(session_failed)?;
            if sent.is_none() || sent != expected.as_deref() {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "csrf",
                    "send the session's CSRF token (GET /api/v1/session) in X-CSRF-Token",
                ));
            }
        }
        Ok(RequestContext::new(actor, request_id, ip))
    }
}

/// The admin a session signed in, if any.
pub async fn admin_of(session: &Session) -> Result<Option<i64>, tower_sessions::session::Error> {
    session.get(ADMIN_KEY).await
}

async fn session_of(parts: &mut Parts) -> Result<Session, ApiError> {
    Session::from_request_parts(parts, &())
        .await
        .map_err(|(_, message)| {
            tracing::error!(message, "session layer missing");
            ApiError::from(ServiceError::Internal("sessions unavailable".into()))
        })
}

fn session_failed(e: tower_sessions::session::Error) -> ApiError {
    ApiError::from(ServiceError::Internal(format!("session store: {e}")))
}

/// Where the request came from, for the audit log: behind a proxy
/// (`PORTCULLIS_BEHIND_PROXY`), the address it appended to
/// `X-Forwarded-For` (the last one; earlier ones are the client's to
/// invent); otherwise the socket's peer.
fn client_ip(parts: &Parts, behind_proxy: bool) -> Option<String> {
    if behind_proxy {
        return parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty());
    }
    parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
}

/// Starts a signed-in session for `actor`: a fresh session id (no fixation)
/// and a fresh CSRF token.
pub async fn start(session: &Session, actor: &Actor) -> Result<(), ApiError> {
    let Actor::Admin { id, .. } = actor else {
        return Err(ServiceError::Unauthenticated.into());
    };
    session.cycle_id().await.map_err(session_failed)?;
    session
        .insert(ADMIN_KEY, id)
        .await
        .map_err(session_failed)?;
    let csrf = crate::services::admins::random_token()?;
    session
        .insert(CSRF_KEY, csrf)
        .await
        .map_err(session_failed)?;
    Ok(())
}

/// `GET /auth/link/{token}`: a one-time sign-in link from the command line.
pub async fn sign_in_with_link(
    State(services): State<AppState>,
    session: Session,
    ApiPath(token): ApiPath<String>,
) -> Response {
    match services.sign_in_link_use(&token).await {
        Ok(actor) => match start(&session, &actor).await {
            Ok(()) => Redirect::to("/").into_response(),
            Err(e) => e.into_response(),
        },
        Err(ServiceError::Unauthenticated) => (
            StatusCode::UNAUTHORIZED,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "This sign-in link is invalid, already used or expired. Ask for a new one \
             (portcullis-control-plane sign-in-link <email>).",
        )
            .into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

#[utoipa::path(get, path = "/v1/session",
    responses((status = 200, body = SessionView), (status = 401, body = ErrorBody)))]
pub async fn session_get(
    ctx: RequestContext,
    State(services): State<AppState>,
    session: Session,
) -> Result<Json<SessionView>, ApiError> {
    let csrf_token = match ctx.actor() {
        Actor::Admin { .. } => session.get(CSRF_KEY).await.map_err(session_failed)?,
        _ => None,
    };
    Ok(Json(SessionView {
        me: services.me(&ctx).await?,
        csrf_token,
    }))
}

#[utoipa::path(delete, path = "/v1/session",
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn session_delete(
    _ctx: RequestContext,
    session: Session,
) -> Result<StatusCode, ApiError> {
    session.flush().await.map_err(session_failed)?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(forwarded: &str, peer: Option<&str>) -> Parts {
        let mut request = axum::http::Request::builder()
            .header("x-forwarded-for", forwarded)
            .body(())
            .expect("request");
        if let Some(peer) = peer {
            let addr: std::net::SocketAddr = peer.parse().expect("address");
            request
                .extensions_mut()
                .insert(axum::extract::ConnectInfo(addr));
        }
        request.into_parts().0
    }

    #[test]
    fn the_audited_address_cannot_be_made_up_by_the_client() {
        let direct = parts("6.6.6.6", Some("192.0.2.7:5000"));
        assert_eq!(client_ip(&direct, false).as_deref(), Some("192.0.2.7"));
        let proxied = parts("6.6.6.6, 198.51.100.4", None);
        assert_eq!(client_ip(&proxied, true).as_deref(), Some("198.51.100.4"));
        assert_eq!(client_ip(&parts("", None), false), None);
    }
}
