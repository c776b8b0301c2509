//! Versions on the wire: `ETag` on what is read and written, `If-Match` on
//! writes (see [`crate::services::version`]).

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::services::version::Versioned;

/// `value` as JSON, its version in `ETag`.
pub fn tagged<T: Serialize + Versioned>(value: T) -> Response {
    let etag = value.etag();
    let mut response = Json(value).into_response();
    if let Ok(etag) = HeaderValue::from_str(&etag) {
        response.headers_mut().insert(header::ETAG, etag);
    }
    response
}

/// The request's `If-Match`, if it sent one.
pub fn if_match(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::IF_MATCH).and_then(|v| v.to_str().ok())
}
