//! Server-sent event streams as the runtime's own `TransformStream`s: the
//! readable end is a response body, the writable end stays with whoever
//! writes events (cheaper in the bundle than bridging a Rust stream).

use js_sys::{Promise, Uint8Array};
use web_sys::{TransformStream, WritableStreamDefaultWriter};
use worker::{Response, ResponseBody};

fn js_error(e: wasm_bindgen::JsValue) -> worker::Error {
    worker::Error::RustError(format!("event stream: {e:?}"))
}

/// A new `text/event-stream` response whose first bytes are `first`, and
/// the writer that feeds it.
pub fn open(first: &[u8]) -> worker::Result<(WritableStreamDefaultWriter, Response)> {
    let pipe = TransformStream::new().map_err(js_error)?;
    let writer = pipe.writable().get_writer().map_err(js_error)?;
    // Not awaited: it completes once the client reads, which starts only
    // after the response is returned.
    let _ = write(&writer, first);
    let mut response = Response::from_body(ResponseBody::Stream(pipe.readable()))?;
    let headers = response.headers_mut();
    headers.set("content-type", "text/event-stream")?;
    headers.set("cache-control", "no-cache")?;
    Ok((writer, response))
}

/// Queues `bytes`; the promise settles when the reader has taken them, or
/// rejects if the client went away.
pub fn write(writer: &WritableStreamDefaultWriter, bytes: &[u8]) -> Promise {
    writer.write_with_chunk(&Uint8Array::from(bytes))
}

/// Whether the stream can still take events (its reader has not gone away).
pub fn is_open(writer: &WritableStreamDefaultWriter) -> bool {
    matches!(writer.desired_size(), Ok(Some(_)))
}

/// Ends the stream: the client sees it close.
pub fn close(writer: &WritableStreamDefaultWriter) {
    let _ = writer.close();
}
