//! The authorization endpoint and the user's way through it: provider
//! choice, the provider's callback, consent, and the code back to the client.
//!
//! Until the client and its redirect URI are known to belong together, an
//! error is shown as a page here; after that it goes back to the client
//! (RFC 6749 §4.1.2.1) with `state` and `iss` (RFC 9207).

use std::collections::BTreeSet;

use portcullis_tenant_config::auth::UserClaims;

use super::form::{FormRefusal, Params, with_query};
use super::pages::{branded_page, error_page, escape};
use super::records::{
    self, AuthStore, CodeRecord, Consent, Grant, SealedUser, StorageError, Transaction,
    UpstreamAttempt,
};
use super::upstream::{self, EdgeCrypto, Fetch};
use super::{Authority, metadata};
use crate::http::{HttpRequest, HttpResponse};
use crate::tokens::{CODE_TTL, REFRESH_TOKEN_TTL, token_hash};
use portcullis_tenant_config::compare::constant_time_eq;

use super::EndpointResult;

/// How long a user has from `/authorize` to consent.
const TRANSACTION_TTL: u64 = 15 * 60;

pub async fn start<S: AuthStore, C: EdgeCrypto, F: Fetch>(
    authority: &Authority<'_, S, C, F>,
    request: &HttpRequest,
) -> EndpointResult {
    let params = match query_params(request) {
        Ok(params) => params,
        Err(refusal) => return Ok(refusal),
    };
    if let Some(name) = params.repeated() {
        return Ok(bad_request(&format!(
            "The parameter {name} was sent more than once."
        )));
    }
    let Some(client_id) = params.get("client_id") else {
        return Ok(bad_request(
            "The request names no client (client_id is missing).",
        ));
    };
    let Some(client) = authority.client(client_id).await? else {
        return Ok(bad_request(
            "The application is not registered with this server (unknown client_id).",
        ));
    };
    let redirect_uri = match params.get("redirect_uri") {
        Some(uri) if client.redirect_uris.iter().any(|r| r == uri) => uri.to_owned(),
        Some(_) => {
            return Ok(bad_request(
                "The redirect URI does not exactly match one the application registered.",
            ));
        }
        None if client.redirect_uris.len() == 1 => client.redirect_uris[0].clone(),
        None => return Ok(bad_request("The request has no redirect_uri.")),
    };
    let back = Redirect {
        uri: &redirect_uri,
        state: params.get("state"),
        issuer: &authority.origin,
        // RFC 9700 §4.11.2: a client anyone could register (dynamically or
        // by a metadata document) would make the tenant's origin an open
        // redirector; until a user signed in, its errors are pages.
        before_sign_in: !client.pre_registered,
    };
    if params.get("response_type") != Some("code") {
        return Ok(back.error(
            "unsupported_response_type",
            "only response_type=code is supported",
        ));
    }
    let Some(code_challenge) = params.get("code_challenge") else {
        return Ok(back.error("invalid_request", "PKCE is required: send code_challenge"));
    };
    if params.get("code_challenge_method") != Some("S256") {
        return Ok(back.error("invalid_request", "code_challenge_method must be S256"));
    }
    if code_challenge.len() != 43 {
        return Ok(back.error(
            "invalid_request",
            "code_challenge must be a base64url SHA-256",
        ));
    }
    if let Some(resource) = params.get("resource")
        && !metadata::is_own_resource(&authority.origin, resource)
    {
        return Ok(back.error(
            "invalid_target",
            "the resource is not served by this authorization server",
        ));
    }
    let scopes: Vec<String> = match params.get("scope") {
        None => authority
            .oauth
            .scopes
            .iter()
            .map(|s| s.name.clone())
            .collect(),
        Some(scope) => {
            let mut requested = BTreeSet::new();
            requested.extend(scope.split(' ').filter(|s| !s.is_empty()));
            if let Some(unknown) = requested
                .iter()
                .find(|s| authority.oauth.scope(s).is_none())
            {
                return Ok(back.error("invalid_scope", &format!("unknown scope {unknown}")));
            }
            requested.into_iter().map(str::to_owned).collect()
        }
    };
    let browser = browser_cookie(authority, request)
        .map(str::to_owned)
        .unwrap_or_else(|| authority.crypto.random_token());
    let id = authority.crypto.random_token();
    let transaction = Transaction {
        client_id: client.client_id.clone(),
        client_name: client.client_name.clone(),
        redirect_uri: redirect_uri.clone(),
        state: params.get("state").map(str::to_owned),
        code_challenge: code_challenge.to_owned(),
        scopes,
        browser: browser.clone(),
        expires_at: authority.now + TRANSACTION_TTL,
        upstream: None,
        user: None,
        provider_tokens: Default::default(),
        csrf: None,
    };
    records::save(
        authority.store,
        &records::transaction_key(&id),
        &transaction,
    )
    .await?;
    let cookie = set_browser_cookie(authority, &browser);
    if let [only] = authority.oauth.providers.as_slice() {
        return Ok(send_to_provider(authority, &id, transaction, &only.id)
            .await?
            .with_header("set-cookie", cookie));
    }
    let choices: String = authority
        .oauth
        .providers
        .iter()
        .map(|p| {
            let href = format!("/oauth/login?txn={id}&provider={}", p.id);
            format!(
                "<li><a class=\"button\" href=\"{}\">Continue with {}</a></li>",
                escape(&href),
                escape(&p.display_name)
            )
        })
        .collect();
    let body = format!(
        "<h1>Sign in to {}</h1><p><strong>{}</strong> wants to connect. Choose how to sign in:</p><ul>{choices}</ul>",
        escape(&authority.config.display_name),
        escape(&client.client_name),
    );
    Ok(
        branded_page(200, "Sign in", &body, authority.config.branding.as_ref())
            .with_header("set-cookie", cookie),
    )
}

/// `/oauth/login?txn=…&provider=…`: the user chose a provider.
pub async fn login<S: AuthStore, C: EdgeCrypto, F: Fetch>(
    authority: &Authority<'_, S, C, F>,
    request: &HttpRequest,
) -> EndpointResult {
    let params = match query_params(request) {
        Ok(params) => params,
        Err(refusal) => return Ok(refusal),
    };
    let (Some(id), Some(provider)) = (params.get("txn"), params.get("provider")) else {
        return Ok(bad_request("The sign-in link is incomplete."));
    };
    let Some(transaction) = open_transaction(authority, request, id).await? else {
        return Ok(expired());
    };
    if authority.oauth.provider(provider).is_none() {
        return Ok(bad_request("There is no such sign-in option."));
    }
    send_to_provider(authority, id, transaction, provider).await
}

async fn send_to_provider<S: AuthStore, C: EdgeCrypto, F: Fetch>(
    authority: &Authority<'_, S, C, F>,
    id: &str,
    mut transaction: Transaction,
    provider_id: &str,
) -> EndpointResult {
    let Some(provider) = authority.oauth.provider(provider_id) else {
        return Ok(bad_request("There is no such sign-in option."));
    };
    let attempt = UpstreamAttempt {
        provider: provider.id.clone(),
        nonce: authority.crypto.random_token(),
        code_verifier: authority.crypto.random_token(),
    };
    let url =
        upstream::authorization_url(provider, &authority.origin, id, &attempt, authority.fetch)
            .await;
    let url = match url {
        Ok(url) => url,
        Err(e) => return Ok(provider_failed(&provider.display_name, &e.0)),
    };
    transaction.upstream = Some(attempt);
    records::save(authority.store, &records::transaction_key(id), &transaction).await?;
    Ok(found(&url))
}

/// `/oauth/callback`: the provider sends the user back.
pub async fn callback<S: AuthStore, C: EdgeCrypto, F: Fetch>(
    authority: &Authority<'_, S, C, F>,
    request: &HttpRequest,
) -> EndpointResult {
    let params = match query_params(request) {
        Ok(params) => params,
        Err(refusal) => return Ok(refusal),
    };
    let Some(id) = params.get("state") else {
        return Ok(bad_request(
            "The identity provider's answer carries no state.",
        ));
    };
    let Some(mut transaction) = open_transaction(authority, request, id).await? else {
        return Ok(expired());
    };
    let Some(attempt) = transaction.upstream.clone() else {
        return Ok(expired());
    };
    let key = records::transaction_key(id);
    if params.get("error").is_some() {
        authority.store.delete(&key).await?;
        let back = Redirect::for_transaction(&transaction, &authority.origin);
        return Ok(back.error(
            "access_denied",
            "the identity provider did not sign the user in",
        ));
    }
    let Some(code) = params.get("code") else {
        return Ok(bad_request(
            "The identity provider's answer carries no code.",
        ));
    };
    let Some(provider) = authority.oauth.provider(&attempt.provider) else {
        return Ok(expired());
    };
    let tenant = &authority.config.tenant;
    let site = upstream::Site {
        tenant,
        origin: &authority.origin,
        now: authority.now,
    };
    let login = upstream::complete(
        provider,
        &site,
        code,
        &attempt,
        authority.fetch,
        authority.crypto,
    )
    .await;
    // The provider's code is single-use: whatever happened, this
    // transaction cannot be completed again.
    transaction.upstream = None;
    let login = match login {
        Ok(login) => login,
        Err(e) => {
            authority.store.delete(&key).await?;
            return Ok(provider_failed(&provider.display_name, &e.0));
        }
    };
    let admitted = authority.oauth.admits(&login.user);
    let counted = crate::usage::login(tenant, &login.user.user_id, admitted);
    authority.usage.borrow_mut().push(counted);
    if !admitted {
        authority.store.delete(&key).await?;
        let back = Redirect::for_transaction(&transaction, &authority.origin);
        return Ok(not_admitted(authority, &login.user, &back));
    }
    let grantable = authority.oauth.grantable_scopes(&login.user);
    transaction
        .scopes
        .retain(|s| grantable.contains(s.as_str()));
    transaction.provider_tokens =
        super::user_token::seal(authority, &login.user.user_id, &login.tokens).await;
    let claims = serde_json::to_vec(&login.user).unwrap_or_default();
    let aad = records::claims_aad(tenant, &login.user.user_id);
    let Some(sealed_claims) = authority.crypto.seal(&aad, &claims).await else {
        authority.store.delete(&key).await?;
        return Ok(provider_failed(
            &provider.display_name,
            "the sign-in could not be stored safely; try again",
        ));
    };
    transaction.user = Some(SealedUser {
        user_id: login.user.user_id.clone(),
        claims: sealed_claims,
    });
    let user_id = login.user.user_id.as_str();
    let remembered: Option<Consent> = records::load(
        authority.store,
        &records::consent_key(user_id, &transaction.client_id),
    )
    .await?;
    if remembered.is_some_and(|c| transaction.scopes.iter().all(|s| c.scopes.contains(s))) {
        return issue_code(authority, id, transaction).await;
    }
    let csrf = authority.crypto.random_token();
    transaction.csrf = Some(csrf.clone());
    records::save(authority.store, &key, &transaction).await?;
    Ok(consent_page(
        authority,
        id,
        &transaction,
        &login.user,
        &csrf,
    ))
}

/// `POST /oauth/consent`: the user approved or denied.
pub async fn consent<S: AuthStore, C: EdgeCrypto, F: Fetch>(
    authority: &Authority<'_, S, C, F>,
    request: &HttpRequest,
) -> EndpointResult {
    let form = match Params::parse(&String::from_utf8_lossy(&request.body)) {
        Ok(form) => form,
        Err(refusal) => return Ok(refused_form(refusal)),
    };
    let Some(id) = form.get("txn") else {
        return Ok(forbidden_consent());
    };
    let Some(transaction) = open_transaction(authority, request, id).await? else {
        return Ok(expired());
    };
    let csrf_ok = match (&transaction.csrf, form.get("csrf")) {
        (Some(expected), Some(sent)) => constant_time_eq(expected.as_bytes(), sent.as_bytes()),
        _ => false,
    };
    if !csrf_ok || transaction.user.is_none() {
        return Ok(forbidden_consent());
    }
    if form.get("decision") != Some("approve") {
        authority
            .store
            .delete(&records::transaction_key(id))
            .await?;
        let back = Redirect::for_transaction(&transaction, &authority.origin);
        return Ok(back.error("access_denied", "the user denied the request"));
    }
    let user_id = transaction.user.as_ref().map_or("", |u| u.user_id.as_str());
    let consent = Consent {
        scopes: transaction.scopes.clone(),
    };
    let key = records::consent_key(user_id, &transaction.client_id);
    records::save(authority.store, &key, &consent).await?;
    issue_code(authority, id, transaction).await
}

async fn issue_code<S: AuthStore, C: EdgeCrypto, F: Fetch>(
    authority: &Authority<'_, S, C, F>,
    id: &str,
    transaction: Transaction,
) -> EndpointResult {
    let Some(user) = transaction.user.clone() else {
        return Ok(expired());
    };
    let grant = Grant {
        id: authority.crypto.random_token(),
        client_id: transaction.client_id.clone(),
        user,
        scopes: transaction.scopes.clone(),
        provider_tokens: transaction.provider_tokens.clone(),
        refresh_hash: None,
        expires_at: authority.now + REFRESH_TOKEN_TTL,
        revoked: false,
    };
    records::save(authority.store, &records::grant_key(&grant.id), &grant).await?;
    let code = authority.crypto.random_token();
    let record = CodeRecord {
        grant: grant.id,
        client_id: transaction.client_id.clone(),
        redirect_uri: transaction.redirect_uri.clone(),
        code_challenge: transaction.code_challenge.clone(),
        expires_at: authority.now + CODE_TTL,
        redeemed: false,
    };
    records::save(
        authority.store,
        &records::code_key(&token_hash(&code)),
        &record,
    )
    .await?;
    authority
        .store
        .delete(&records::transaction_key(id))
        .await?;
    Ok(Redirect::for_transaction(&transaction, &authority.origin).with(&[("code", &code)]))
}

fn consent_page<S, C, F>(
    authority: &Authority<'_, S, C, F>,
    id: &str,
    t: &Transaction,
    user: &UserClaims,
    csrf: &str,
) -> HttpResponse {
    let scopes: String = t
        .scopes
        .iter()
        .filter_map(|s| authority.oauth.scope(s))
        .map(|s| {
            format!(
                "<li><strong>{}</strong> — {}</li>",
                escape(&s.name),
                escape(&s.description)
            )
        })
        .collect();
    let scopes = if scopes.is_empty() {
        "<p>It asks for no permissions beyond knowing who you are.</p>".to_owned()
    } else {
        format!("<p>It will be able to:</p><ul>{scopes}</ul>")
    };
    let host = portcullis_tenant_config::redirect_uri::parse(&t.redirect_uri)
        .ok()
        .and_then(|u| u.host.or(Some(u.scheme)))
        .unwrap_or_default();
    let who = user.email.clone().or(user.name.clone()).unwrap_or_default();
    let body = format!(
        "<h1>Allow {client} to use {tenant}?</h1>\
<p><strong>{client}</strong> (returning to <strong>{host}</strong>) asks to use <strong>{tenant}</strong> on your behalf.</p>\
{scopes}<p class=\"muted\">Signed in as {who}. Only allow applications you trust.</p>\
<form method=\"post\" action=\"/oauth/consent\"><input type=\"hidden\" name=\"txn\" value=\"{id}\">\
<input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><div class=\"actions\">\
<button class=\"primary\" type=\"submit\" name=\"decision\" value=\"approve\">Allow</button>\
<button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button></div></form>",
        client = escape(&t.client_name),
        tenant = escape(&authority.config.display_name),
        host = escape(&host),
        who = escape(&who),
        id = escape(id),
        csrf = escape(csrf),
    );
    branded_page(
        200,
        "Allow access?",
        &body,
        authority.config.branding.as_ref(),
    )
}

fn not_admitted<S, C, F>(
    authority: &Authority<'_, S, C, F>,
    user: &UserClaims,
    back: &Redirect<'_>,
) -> HttpResponse {
    let who = user
        .email
        .clone()
        .or(user.github_login.clone())
        .unwrap_or(user.user_id.clone());
    let link = back.error_uri("access_denied", "the user may not use this server");
    let body = format!(
        "<h1>You can't use {tenant}</h1><p>You signed in as <strong>{who}</strong>, but {tenant} does not let this account in. \
Ask its administrators for access, or sign in with another account.</p>\
<div class=\"actions\"><a class=\"button\" href=\"{link}\">Return to the application</a></div>",
        tenant = escape(&authority.config.display_name),
        who = escape(&who),
        link = escape(&link),
    );
    branded_page(
        403,
        "Access denied",
        &body,
        authority.config.branding.as_ref(),
    )
}

/// Loads a live transaction that belongs to this browser.
async fn open_transaction<S: AuthStore, C: EdgeCrypto, F: Fetch>(
    authority: &Authority<'_, S, C, F>,
    request: &HttpRequest,
    id: &str,
) -> Result<Option<Transaction>, StorageError> {
    let transaction: Option<Transaction> =
        records::load(authority.store, &records::transaction_key(id)).await?;
    let browser = browser_cookie(authority, request).unwrap_or_default();
    Ok(transaction.filter(|t| {
        t.expires_at > authority.now && constant_time_eq(t.browser.as_bytes(), browser.as_bytes())
    }))
}

fn cookie_name<S, C, F>(authority: &Authority<'_, S, C, F>) -> &'static str {
    if authority.secure {
        "__Host-portcullis-auth"
    } else {
        "portcullis-auth"
    }
}

fn browser_cookie<'r, S, C, F>(
    authority: &Authority<'_, S, C, F>,
    request: &'r HttpRequest,
) -> Option<&'r str> {
    let name = cookie_name(authority);
    request
        .headers
        .iter()
        .filter(|(n, _)| n == "cookie")
        .flat_map(|(_, v)| v.split(';'))
        .find_map(|c| c.trim().strip_prefix(name)?.strip_prefix('='))
        .filter(|v| v.len() == 43)
}

fn set_browser_cookie<S, C, F>(authority: &Authority<'_, S, C, F>, value: &str) -> String {
    let secure = if authority.secure { "; Secure" } else { "" };
    format!(
        "{}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={TRANSACTION_TTL}{secure}",
        cookie_name(authority)
    )
}

/// The client's redirect URI, with what every answer carries.
struct Redirect<'a> {
    uri: &'a str,
    state: Option<&'a str>,
    issuer: &'a str,
    /// No user has signed in yet and the client registered itself: errors
    /// are shown here instead of being sent to its redirect URI.
    before_sign_in: bool,
}

impl<'a> Redirect<'a> {
    fn for_transaction(t: &'a Transaction, issuer: &'a str) -> Self {
        Self {
            uri: &t.redirect_uri,
            state: t.state.as_deref(),
            issuer,
            before_sign_in: false,
        }
    }

    fn with(&self, pairs: &[(&str, &str)]) -> HttpResponse {
        found(&self.uri_with(pairs))
    }

    fn uri_with(&self, pairs: &[(&str, &str)]) -> String {
        let mut all = pairs.to_vec();
        if let Some(state) = self.state {
            all.push(("state", state));
        }
        all.push(("iss", self.issuer));
        with_query(self.uri, &all)
    }

    fn error_uri(&self, error: &str, description: &str) -> String {
        self.uri_with(&[("error", error), ("error_description", description)])
    }

    fn error(&self, error: &str, description: &str) -> HttpResponse {
        if self.before_sign_in {
            return bad_request(&format!("{description} ({error})."));
        }
        found(&self.error_uri(error, description))
    }
}

fn found(location: &str) -> HttpResponse {
    HttpResponse::empty(302)
        .with_header("location", location)
        .with_header("cache-control", "no-store")
}

/// The query of a page request, or the page that refuses it.
fn query_params(request: &HttpRequest) -> Result<Params, HttpResponse> {
    Params::parse(&request.query).map_err(refused_form)
}

fn refused_form(refusal: FormRefusal) -> HttpResponse {
    let (status, why) = refusal.explain();
    error_page(
        status,
        "This sign-in request cannot be processed",
        &format!("The request is malformed: {why}."),
    )
}

fn bad_request(explanation: &str) -> HttpResponse {
    error_page(400, "This sign-in request cannot be processed", explanation)
}

fn expired() -> HttpResponse {
    error_page(
        400,
        "This sign-in has expired",
        "It took too long, was already completed, or was started in another browser. Start again from your application.",
    )
}

fn forbidden_consent() -> HttpResponse {
    error_page(
        403,
        "This approval could not be verified",
        "The form was not the one this server showed you. Start again from your application.",
    )
}

fn provider_failed(provider: &str, reason: &str) -> HttpResponse {
    error_page(502, &format!("Signing in with {provider} failed"), reason)
}
