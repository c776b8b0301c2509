//! One way to read JSON text into a type, for the edge's bundle: serde
//! generates a type's whole deserializer once per reader it is read with.
//! The edge must read `serde_json::Value`s anyway (JSON-RPC params, tool
//! arguments), so everything the edge and this crate read goes through
//! [`parse`]: the text becomes a `Value` once, and each type has only its
//! reader from a `Value` (reading some documents straight from text as
//! well carried a second copy of every record's code into the Worker).
//! Clippy refuses `serde_json::from_str`/`from_slice` in the edge and here.

use serde::de::DeserializeOwned;
use serde_json::Value;

/// Reads `json` (text or bytes) as a `T`.
pub fn parse<T: DeserializeOwned>(json: impl AsRef<[u8]>) -> serde_json::Result<T> {
    serde_json::from_value(value(json.as_ref())?)
}

/// The text as a `Value`: one copy of the text reader, however many types.
#[inline(never)]
#[allow(clippy::disallowed_methods)] // the one place that may
fn value(json: &[u8]) -> serde_json::Result<Value> {
    serde_json::from_slice(json)
}
