//! The token endpoint (authorization code and refresh grants) and
//! revocation (RFC 7009).
//!
//! A code is redeemed once: a second attempt revokes the grant, and with it
//! the tokens of the first (OAuth 2.1 §4.1.3). A refresh token is used once:
//! every use rotates it, and presenting an old one revokes the grant family.
//! Each issue re-checks the user against the tenant's live rules.

use portcullis_tenant_config::encoding::decode_base64url;
use serde_json::json;

use super::form::{self, Params};
use super::records::{self, AuthStore, CodeRecord, Grant, RefreshRecord, StorageError};
use super::upstream::{EdgeCrypto, Fetch};
use super::{Authority, metadata, oauth_error};
use crate::http::{HttpRequest, HttpResponse};
use crate::tokens::{ACCESS_TOKEN_TTL, AccessClaims, is_access_token, pkce_matches, token_hash};

use super::EndpointResult;

fn invalid_grant(description: &str) -> EndpointResult {
    Ok(oauth_error(400, "invalid_grant", description))
}

/// The request's form parameters, or the error to answer.
fn form_params(request: &HttpRequest) -> Result<Params, HttpResponse> {
    let content_type = request.header("content-type").unwrap_or_default();
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return Err(oauth_error(
            400,
            "invalid_request",
            "send the parameters as application/x-www-form-urlencoded",
        ));
    }
    let params = Params::parse(&String::from_utf8_lossy(&request.body)).map_err(|refusal| {
        let (status, why) = refusal.explain();
        oauth_error(status, "invalid_request", &why)
    })?;
    if let Some(name) = params.repeated() {
        return Err(oauth_error(
            400,
            "invalid_request",
            &format!("{name} is repeated"),
        ));
    }
    Ok(params)
}

/// The client id from the form, or from HTTP Basic for clients that send it
/// there (with an empty or ignored secret: these are public clients).
fn client_id_of(request: &HttpRequest, params: &Params) -> Option<String> {
    if let Some(id) = params.get("client_id") {
        return Some(id.to_owned());
    }
    let basic = request.header("authorization")?.strip_prefix("Basic ")?;
    let decoded = String::from_utf8(decode_standard_base64(basic.trim())?).ok()?;
    let (id, _) = decoded.split_once(':')?;
    Some(form::decode(id)).filter(|id| !id.is_empty())
}

fn decode_standard_base64(text: &str) -> Option<Vec<u8>> {
    decode_base64url(&text.replace('+', "-").replace('/', "_"))
}

pub async fn token<S: AuthStore, C: EdgeCrypto, F: Fetch>(
    authority: &Authority<'_, S, C, F>,
    request: &HttpRequest,
) -> EndpointResult {
    let params = match form_params(request) {
        Ok(params) => params,
        Err(refusal) => return Ok(refusal),
    };
    let Some(client_id) = client_id_of(request, &params) else {
        return Ok(oauth_error(401, "invalid_client", "client_id is required"));
    };
    if authority.client(&client_id).await?.is_none() {
        return Ok(oauth_error(401, "invalid_client", "unknown client"));
    }
    if let Some(resource) = params.get("resource")
        && !metadata::is_own_resource(&authority.origin, resource)
    {
        return Ok(oauth_error(
            400,
            "invalid_target",
            "tokens of this server are only for its MCP endpoint",
        ));
    }
    match params.get("grant_type") {
        Some("authorization_code") => redeem_code(authority, &params, &client_id).await,
        Some("refresh_token") => refresh(authority, &params, &client_id).await,
        Some(_) => Ok(oauth_error(
            400,
            "unsupported_grant_type",
            "use authorization_code or refresh_token",
        )),
        None => Ok(oauth_error(
            400,
            "invalid_request",
            "grant_type is required",
        )),
    }
}

async fn redeem_code<S: AuthStore, C: EdgeCrypto, F: Fetch>(
    authority: &Authority<'_, S, C, F>,
    params: &Params,
    client_id: &str,
) -> EndpointResult {
    let Some(code) = params.get("code") else {
        return Ok(oauth_error(400, "invalid_request", "code is required"));
    };
    let Some(verifier) = params.get("code_verifier") else {
        return Ok(oauth_error(
            400,
            "invalid_request",
            "code_verifier is required (PKCE)",
        ));
    };
    let key = records::code_key(&token_hash(code));
    let Some(mut record) = records::load::<CodeRecord>(authority.store, &key).await? else {
        return invalid_grant("unknown authorization code");
    };
    // The client first: another client presenting a code it saw (in a
    // log, a referrer) must not be able to revoke the user's grant with it.
    if record.client_id != client_id {
        return invalid_grant("the authorization code was issued to another client");
    }
    if record.redeemed {
        authority.revoke_grant(&record.grant).await?;
        return invalid_grant(
            "the authorization code was already used; the tokens issued for it are revoked",
        );
    }
    if record.expires_at <= authority.now {
        authority.store.delete(&key).await?;
        return invalid_grant("the authorization code has expired");
    }
    if params
        .get("redirect_uri")
        .is_some_and(|uri| uri != record.redirect_uri)
    {
        return invalid_grant("redirect_uri differs from the authorization request's");
    }
    if !pkce_matches(verifier, &record.code_challenge) {
        return invalid_grant("code_verifier does not match the code_challenge");
    }
    record.redeemed = true;
    records::save(authority.store, &key, &record).await?;
    let Some(grant) =
        records::load::<Grant>(authority.store, &records::grant_key(&record.grant)).await?
    else {
        return invalid_grant("the grant no longer exists");
    };
    if grant.revoked {
        return invalid_grant("the grant was revoked");
    }
    let Some(grant) = under_current_rules(authority, grant).await? else {
        return invalid_grant("the tenant no longer lets this user in; the grant is revoked");
    };
    let scopes = grant.scopes.clone();
    issue(authority, grant, &scopes).await
}

async fn refresh<S: AuthStore, C: EdgeCrypto, F: Fetch>(
    authority: &Authority<'_, S, C, F>,
    params: &Params,
    client_id: &str,
) -> EndpointResult {
    let Some(refresh_token) = params.get("refresh_token") else {
        return Ok(oauth_error(
            400,
            "invalid_request",
            "refresh_token is required",
        ));
    };
    let hash = token_hash(refresh_token);
    let Some(pointer) =
        records::load::<RefreshRecord>(authority.store, &records::refresh_key(&hash)).await?
    else {
        return invalid_grant("unknown refresh token");
    };
    let key = records::grant_key(&pointer.grant);
    let Some(grant) = records::load::<Grant>(authority.store, &key).await? else {
        return invalid_grant("the grant no longer exists");
    };
    if grant.revoked {
        return invalid_grant("the grant was revoked");
    }
    if grant.client_id != client_id {
        return invalid_grant("the refresh token was issued to another client");
    }
    if grant.refresh_hash.as_deref() != Some(hash.as_str()) {
        // An old refresh token came back: someone holds a copy. Cut the family off.
        authority.revoke_grant(&grant.id).await?;
        return invalid_grant("the refresh token was already used; the grant is revoked");
    }
    if grant.expires_at <= authority.now {
        return invalid_grant("the refresh token has expired");
    }
    if let Some(scope) = params.get("scope") {
        let mut asked = scope.split(' ').filter(|s| !s.is_empty());
        if asked.any(|s| !grant.scopes.iter().any(|g| g == s)) {
            return Ok(oauth_error(
                400,
                "invalid_scope",
                "a refresh cannot add scopes",
            ));
        }
    }
    let Some(grant) = under_current_rules(authority, grant).await? else {
        return invalid_grant("the tenant no longer lets this user in; the grant is revoked");
    };
    let scopes: Vec<String> = match params.get("scope") {
        None => grant.scopes.clone(),
        Some(scope) => {
            let asked: Vec<&str> = scope.split(' ').collect();
            grant
                .scopes
                .iter()
                .filter(|s| asked.contains(&s.as_str()))
                .cloned()
                .collect()
        }
    };
    issue(authority, grant, &scopes).await
}

/// The grant as the tenant's live rules allow it now: the user's stored
/// claims are checked against the published `allow` rules and roles, so a
/// user removed from them stops getting tokens at the next refresh rather
/// than at the end of the refresh token's life. `None` (and the grant
/// revoked) when the user is no longer admitted; otherwise the grant keeps
/// only the scopes the user may still grant.
async fn under_current_rules<S: AuthStore, C: EdgeCrypto, F: Fetch>(
    authority: &Authority<'_, S, C, F>,
    mut grant: Grant,
) -> Result<Option<Grant>, StorageError> {
    let admitted = match authority.claims_of(&grant).await {
        Some(claims) => authority.oauth.admits(&claims).then(|| {
            let grantable = authority.oauth.grantable_scopes(&claims);
            grant.scopes.retain(|s| grantable.contains(s.as_str()));
        }),
        // Claims that no longer open (a rotated seal key) prove nothing.
        None => None,
    };
    if admitted.is_none() {
        authority.revoke_grant(&grant.id).await?;
        return Ok(None);
    }
    Ok(Some(grant))
}

/// Rotates the grant's refresh token and mints an access token.
async fn issue<S: AuthStore, C: EdgeCrypto, F: Fetch>(
    authority: &Authority<'_, S, C, F>,
    mut grant: Grant,
    scopes: &[String],
) -> EndpointResult {
    let refresh_token = authority.crypto.random_token();
    let hash = token_hash(&refresh_token);
    let pointer = RefreshRecord {
        grant: grant.id.clone(),
    };
    records::save(authority.store, &records::refresh_key(&hash), &pointer).await?;
    grant.refresh_hash = Some(hash);
    records::save(authority.store, &records::grant_key(&grant.id), &grant).await?;
    let scope = scopes.join(" ");
    let claims = AccessClaims {
        t: authority.config.tenant.clone(),
        g: grant.id.clone(),
        u: grant.user.user_id.clone(),
        c: grant.client_id.clone(),
        s: scope.clone(),
        a: authority.resource(),
        e: authority.now + ACCESS_TOKEN_TTL,
    };
    let body = json!({
        "access_token": authority.tokens.mint(&claims),
        "token_type": "Bearer",
        "expires_in": ACCESS_TOKEN_TTL,
        "refresh_token": refresh_token,
        "scope": scope,
    });
    Ok(metadata::with_cors(HttpResponse::json(200, &body))
        .with_header("cache-control", "no-store")
        .with_header("pragma", "no-cache"))
}

pub async fn revoke<S: AuthStore, C: EdgeCrypto, F: Fetch>(
    authority: &Authority<'_, S, C, F>,
    request: &HttpRequest,
) -> EndpointResult {
    let params = match form_params(request) {
        Ok(params) => params,
        Err(refusal) => return Ok(refusal),
    };
    let Some(token) = params.get("token") else {
        return Ok(oauth_error(400, "invalid_request", "token is required"));
    };
    let client_id = client_id_of(request, &params);
    let grant = if is_access_token(token) {
        authority
            .tokens
            .verify(token)
            .filter(|claims| claims.t == authority.config.tenant)
            .filter(|claims| client_id.as_deref().is_none_or(|c| c == claims.c))
            .map(|claims| claims.g)
    } else {
        let pointer: Option<RefreshRecord> =
            records::load(authority.store, &records::refresh_key(&token_hash(token))).await?;
        match pointer {
            Some(p) => {
                let grant: Option<Grant> =
                    records::load(authority.store, &records::grant_key(&p.grant)).await?;
                grant
                    .filter(|g| client_id.as_deref().is_none_or(|c| c == g.client_id))
                    .map(|g| g.id)
            }
            None => None,
        }
    };
    if let Some(grant) = grant {
        authority.revoke_grant(&grant).await?;
    }
    // RFC 7009 §2.2: unknown or foreign tokens are answered the same way.
    Ok(metadata::with_cors(HttpResponse::empty(200)).with_header("cache-control", "no-store"))
}
