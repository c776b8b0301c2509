//! Requests the edge sends (to its Durable Objects, backends, providers
//! and the control plane), built straight on `web_sys`: the `worker`
//! crate's `RequestInit` converts its Cloudflare `cf` options through serde
//! for every request, code the edge would carry for options it never sets.

use wasm_bindgen::JsValue;
use worker::{Headers, Request};

/// What to send.
pub struct Outgoing<'a> {
    pub method: &'a str,
    pub headers: Option<Headers>,
    pub body: Option<JsValue>,
    /// A redirect is the answer, not a new target (`redirect: "manual"`).
    pub keep_redirects: bool,
}

impl<'a> Outgoing<'a> {
    /// A POST of `body`, no headers, redirects followed.
    pub fn post(body: impl Into<JsValue>) -> Self {
        Self {
            method: "POST",
            headers: None,
            body: Some(body.into()),
            keep_redirects: false,
        }
    }

    /// The request to `url`.
    pub fn to(self, url: &str) -> worker::Result<Request> {
        let init = web_sys::RequestInit::new();
        init.set_method(self.method);
        if let Some(headers) = &self.headers {
            init.set_headers(headers.0.as_ref());
        }
        if let Some(body) = &self.body {
            init.set_body(body);
        }
        if self.keep_redirects {
            init.set_redirect(web_sys::RequestRedirect::Manual);
        }
        let request = web_sys::Request::new_with_str_and_init(url, &init)
            .map_err(|_| worker::Error::RustError(format!("cannot request {url}")))?;
        Ok(request.into())
    }
}
