//! One way to read JSON text into a type, for the edge's bundle: serde
//! generates a type's whole deserializer once per reader it is read with,
//! so reading some documents from `&str` and others from bytes carried two
//! copies of every record's code into the Worker. Everything the edge and
//! this crate read goes through [`parse`] (clippy refuses
//! `serde_json::from_str` there).

use serde::de::DeserializeOwned;

/// Reads `json` (text or bytes) as a `T`.
#[allow(clippy::disallowed_methods)] // the one place that may
pub fn parse<T: DeserializeOwned>(json: impl AsRef<[u8]>) -> serde_json::Result<T> {
    let value: serde_json::Value = serde_json::from_slice(json.as_ref())?;
    serde_json::from_value(value)
}
