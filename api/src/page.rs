//! The API's one convention for lists: `?limit=` (1–1000, default 100) and
//! `?cursor=` (the previous page's `nextCursor`, opaque) in, a [`Page`]
//! out, items in a stable order (by name, or newest first for histories).

use serde::{Deserialize, Serialize};

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Fetches the next page; `null` on the last.
    pub next_cursor: Option<String>,
}
