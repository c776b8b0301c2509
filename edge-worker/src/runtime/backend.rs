//! Sends an HTTP tool's call to the tenant's backend (see
//! [`crate::backend`]): no redirects followed, the call's timeout, its
//! response limit counted while reading, and failures told apart as the
//! tool's result needs them.

use worker::{Fetch, Headers, Method, Request, RequestInit, RequestRedirect};

use crate::backend::{BackendAnswer, BackendCall, Fetched};

/// Sends `call`; what happened is always an answer.
pub async fn send(call: BackendCall) -> Fetched {
    let answer = match attempt(&call).await {
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

async fn attempt(call: &BackendCall) -> worker::Result<BackendAnswer> {
    let planned = &call.planned;
    let headers = Headers::new();
    for (name, value) in &planned.headers {
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
