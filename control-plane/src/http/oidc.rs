//! Admin sign-in with OpenID Connect (`openidconnect` crate): the
//! authorization code flow with PKCE and a nonce, against the issuer in
//! `PORTCULLIS_ADMIN_OIDC_ISSUER`. Who may get in is decided by the
//! services ([`crate::services::Services::oidc_sign_in`]): an admin
//! invited by that (verified) email, bound to the provider's subject on
//! first sign-in.

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use super::AppState;
use crate::config::{AdminOidc, Settings};
use crate::services::ServiceError;

const PENDING_KEY: &str = "oidc_pending";

/// What the callback must find again: kept in the (pre-sign-in) session.
#[derive(Serialize, Deserialize)]
struct Pending {
    state: String,
    nonce: String,
    pkce_verifier: String,
}

#[derive(Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// Why sign-in stopped, as a page for the person in the browser (never
/// internal details).
pub struct Refusal(StatusCode, String);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (
            self.0,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            self.1,
        )
            .into_response()
    }
}

fn page(status: StatusCode, message: impl Into<String>) -> Refusal {
    Refusal(status, message.into())
}

fn unavailable(e: impl std::fmt::Display) -> Refusal {
    tracing::warn!(error = %e, "admin sign-in with the identity provider failed");
    page(
        StatusCode::BAD_GATEWAY,
        "Signing in with the identity provider failed; try again, or ask an operator.",
    )
}

fn configured(settings: &Settings) -> Result<&AdminOidc, Refusal> {
    settings.admin_oidc.as_ref().ok_or_else(|| {
        page(
            StatusCode::NOT_FOUND,
            "Sign-in with an identity provider is not configured (PORTCULLIS_ADMIN_OIDC_ISSUER).",
        )
    })
}

fn http_client() -> Result<openidconnect::reqwest::Client, Refusal> {
    openidconnect::reqwest::Client::builder()
        // OpenID Connect must not follow redirects (SSRF, token leaks).
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(unavailable)
}

type DiscoveredClient = CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

/// The provider's client, from its discovery document.
async fn client(
    oidc: &AdminOidc,
    public_url: &str,
    http: &openidconnect::reqwest::Client,
) -> Result<DiscoveredClient, Refusal> {
    let issuer = IssuerUrl::new(oidc.issuer.clone()).map_err(unavailable)?;
    let metadata = CoreProviderMetadata::discover_async(issuer, http)
        .await
        .map_err(unavailable)?;
    let redirect =
        RedirectUrl::new(format!("{public_url}/auth/oidc/callback")).map_err(unavailable)?;
    Ok(CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(oidc.client_id.clone()),
        Some(ClientSecret::new(oidc.client_secret.clone())),
    )
    .set_redirect_uri(redirect))
}

/// `GET /auth/oidc/start`: off to the identity provider.
pub async fn start(
    State(services): State<AppState>,
    session: Session,
) -> Result<Redirect, Refusal> {
    let settings = services.settings();
    let oidc = configured(settings)?;
    let http = http_client()?;
    let client = client(oidc, &settings.public_url, &http).await?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge)
        .url();
    let pending = Pending {
        state: state.secret().clone(),
        nonce: nonce.secret().clone(),
        pkce_verifier: verifier.secret().clone(),
    };
    session
        .insert(PENDING_KEY, pending)
        .await
        .map_err(unavailable)?;
    Ok(Redirect::to(url.as_str()))
}

/// `GET /auth/oidc/callback`: the provider sends the browser back.
pub async fn callback(
    State(services): State<AppState>,
    session: Session,
    Query(callback): Query<Callback>,
) -> Result<Response, Refusal> {
    let settings = services.settings();
    let oidc = configured(settings)?;
    // Spent whatever happens: a callback is good once.
    let pending: Option<Pending> = session.remove(PENDING_KEY).await.ok().flatten();
    if let Some(error) = callback.error {
        let detail = callback.error_description.unwrap_or_default();
        return Err(page(
            StatusCode::FORBIDDEN,
            format!("The identity provider refused: {error} {detail}"),
        ));
    }
    let (Some(pending), Some(code), Some(state)) = (pending, callback.code, callback.state) else {
        return Err(page(
            StatusCode::BAD_REQUEST,
            "This sign-in has expired or was not started here; start again.",
        ));
    };
    if !portcullis_tenant_config::compare::constant_time_eq(
        pending.state.as_bytes(),
        state.as_bytes(),
    ) {
        return Err(page(
            StatusCode::BAD_REQUEST,
            "This sign-in does not match the one started here; start again.",
        ));
    }
    let http = http_client()?;
    let client = client(oidc, &settings.public_url, &http).await?;
    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .map_err(unavailable)?
        .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier))
        .request_async(&http)
        .await
        .map_err(unavailable)?;
    let id_token = tokens
        .id_token()
        .ok_or_else(|| unavailable("the token response has no ID token"))?;
    let claims = id_token
        .claims(&client.id_token_verifier(), &Nonce::new(pending.nonce))
        .map_err(unavailable)?;
    let email = claims
        .email()
        // Only an address the provider says it verified: an unverified one
        // could be anyone's, and an invitation is by address.
        .filter(|_| claims.email_verified() == Some(true))
        .ok_or_else(|| {
            page(
                StatusCode::FORBIDDEN,
                "The identity provider did not say it verified your email address, so it cannot be matched to an invitation. Verify the address with the provider, then sign in again.",
            )
        })?;
    let signed_in = services
        .oidc_sign_in(email.as_str(), claims.subject().as_str())
        .await;
    Ok(match signed_in {
        Ok(actor) => match super::session::start(&session, &actor).await {
            Ok(()) => Redirect::to("/").into_response(),
            Err(e) => e.into_response(),
        },
        Err(ServiceError::Forbidden(message)) => {
            page(StatusCode::FORBIDDEN, message).into_response()
        }
        Err(e) => super::ApiError::from(e).into_response(),
    })
}
