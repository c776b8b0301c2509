//! The API's one convention for lists: `?limit=` (1–1000, default 100) and
//! `?cursor=` (the previous page's `nextCursor`, opaque) in,
//! `{"items": [...], "nextCursor": "..." | null}` out, items in a stable
//! order (by name, or newest first for histories).

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::error::ApiError;

const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 1000;

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct PageQuery {
    /// How many items at most (1–1000, default 100).
    pub limit: Option<usize>,
    /// Where to go on: the previous page's `nextCursor`.
    pub cursor: Option<String>,
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Fetches the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

/// The page `query` asks for, of a list the service returned whole.
pub fn paginate<T>(all: Vec<T>, query: &PageQuery) -> Result<Page<T>, ApiError> {
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(invalid("limit", "must be 1 to 1000"));
    }
    let start = match &query.cursor {
        None => 0,
        Some(cursor) => {
            decode(cursor).ok_or_else(|| invalid("cursor", "not a cursor this API gave out"))?
        }
    };
    let total = all.len();
    let items: Vec<T> = all.into_iter().skip(start).take(limit).collect();
    let end = start + items.len();
    Ok(Page {
        items,
        next_cursor: (end < total).then(|| encode(end)),
    })
}

fn invalid(field: &'static str, message: &str) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
        format!("{field}: {message}"),
    )
    .with_field(field)
}

fn encode(offset: usize) -> String {
    portcullis_tenant_config::encoding::encode_base64url(format!("o{offset}").as_bytes())
}

fn decode(cursor: &str) -> Option<usize> {
    let bytes = portcullis_tenant_config::encoding::decode_base64url(cursor)?;
    std::str::from_utf8(&bytes)
        .ok()?
        .strip_prefix('o')?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_walk_the_whole_list_once() {
        let all: Vec<u32> = (0..7).collect();
        let mut seen = Vec::new();
        let mut query = PageQuery {
            limit: Some(3),
            cursor: None,
        };
        loop {
            let page = paginate(all.clone(), &query).unwrap();
            seen.extend(page.items);
            match page.next_cursor {
                Some(next) => query.cursor = Some(next),
                None => break,
            }
        }
        assert_eq!(seen, all);
        for bad in [
            PageQuery {
                limit: Some(0),
                cursor: None,
            },
            PageQuery {
                limit: None,
                cursor: Some("x".into()),
            },
        ] {
            assert!(paginate(all.clone(), &bad).is_err());
        }
    }
}
