//! Sends an HTTP tool's call to the tenant's backend (see
//! [`crate::backend`]): the user assertion signed at the moment of
//! sending, no redirects followed, the call's timeout, its response limit
//! counted while reading, and failures told apart as the tool's result
//! needs them.

use worker::{Env, Fetch, Headers, Method, Request, RequestInit, RequestRedirect};

use super::{vars, webcrypto};
use crate::backend::{Assertion, BackendAnswer, BackendCall, Fetched};
use crate::oauth::upstream::EdgeCrypto;

/// Sends `call`; what happened is always an answer.
pub async fn send(env: &Env, call: BackendCall) -> Fetched {
    let signed = match &call.assertion {
        Some(assertion) => match sign(env, assertion).await {
            Some(value) => Some((assertion.header.as_str(), value)),
            None => {
                let answer = BackendAnswer::Unsigned;
                return Fetched { call, answer };
            }
        },
        None => None,
    };
    let answer = match attempt(&call, signed).await {
        Ok(answer) => answer,
        Err(e) => {
            let words = e.to_string();
            crate::log::error(&format!("backend {}: {words}", call.planned.url));
            let lower = words.to_ascii_lowercase();
            if lower.contains("timeout") || lower.contains("timed out") {
                BackendAnswer::TimedOut
            } else {
                BackendAnswer::Unreachable
            }
        }
    };
    Fetched { call, answer }
}

/// The assertion's header value, signed now with the tenant's key.
async fn sign(env: &Env, assertion: &Assertion) -> Option<String> {
    let (seal_key, previous) = vars::seal_keys(env).ok()?;
    let crypto = webcrypto::EdgeWebCrypto::new(seal_key, previous);
    let Some(key) = crypto
        .open_sealed(&assertion.key_aad, &assertion.sealed_key)
        .await
    else {
        crate::log::error(&format!("assertion key {} does not open", assertion.kid));
        return None;
    };
    let jti = webcrypto::random_uuid().ok()?;
    let input = assertion.signing_input(super::now_seconds(), &jti);
    match webcrypto::sign_ed25519(&key, input.as_bytes()).await {
        Ok(signature) => Some(assertion.header_value(&input, &signature)),
        Err(e) => {
            crate::log::error(&format!("signing an assertion failed: {e:?}"));
            None
        }
    }
}

async fn attempt(
    call: &BackendCall,
    assertion: Option<(&str, String)>,
) -> worker::Result<BackendAnswer> {
    let planned = &call.planned;
    let headers = Headers::new();
    for (name, value) in &planned.headers {
        headers.set(name, value)?;
    }
    if let Some((name, value)) = &assertion {
        headers.set(name, value)?;
    }
    let mut init = RequestInit::new();
    // A backend answers itself; a redirect is its answer, not a new target.
    init.with_method(Method::from(planned.method.as_str().to_owned()))
        .with_headers(headers)
        .with_redirect(RequestRedirect::Manual);
    if let Some(body) = &planned.body {
        init.with_body(Some(body.as_str().into()));
    }
    let request = Request::new_with_init(&planned.url, &init)?;
    let signal = web_sys::AbortSignal::timeout_with_u32(call.timeout_ms);
    let mut response = Fetch::Request(request)
        .send_with_signal(&signal.into())
        .await?;
    let limit = call.max_response_bytes as usize;
    let declared = response
        .headers()
        .get("content-length")?
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(0);
    if declared > limit {
        return Ok(BackendAnswer::TooLarge);
    }
    let content_type = response.headers().get("content-type")?.map(|t| {
        t.split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
    });
    let Some(body) = super::read_bounded(response.stream(), limit).await? else {
        return Ok(BackendAnswer::TooLarge);
    };
    Ok(BackendAnswer::Answered {
        status: response.status_code(),
        content_type,
        body,
    })
}
