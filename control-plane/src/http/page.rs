//! The API's one convention for lists: `?limit=` (1–1000, default 100) and
//! `?cursor=` (the previous page's `nextCursor`, opaque) in,
//! `{"items": [...], "nextCursor": "..." | null}` out, items in a stable
//! order (by name, or newest first for histories).

use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;

pub use portcullis_api::Page;

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

impl PageQuery {
    /// The limit asked for, checked.
    pub fn checked_limit(&self) -> Result<usize, ApiError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(invalid("limit", "must be 1 to 1000"));
        }
        Ok(limit)
    }

    /// For a list paged where it is stored: the key the page starts after.
    pub fn after_key(&self) -> Result<Option<String>, ApiError> {
        self.cursor
            .as_deref()
            .map(|cursor| decode_as(cursor, 'k').ok_or_else(bad_cursor))
            .transpose()
    }
}

/// A page of a list paged where it is stored: `next_key` is where the next
/// page starts after.
pub fn keyed_page<T>(items: Vec<T>, next_key: Option<String>) -> Page<T> {
    Page {
        items,
        next_cursor: next_key.map(|key| encode_as('k', &key)),
    }
}

/// The page `query` asks for, of a list the service returned whole.
pub fn paginate<T>(all: Vec<T>, query: &PageQuery) -> Result<Page<T>, ApiError> {
    let limit = query.checked_limit()?;
    let start = match &query.cursor {
        None => 0,
        Some(cursor) => decode_as(cursor, 'o')
            .and_then(|offset| offset.parse().ok())
            .ok_or_else(bad_cursor)?,
    };
    let total = all.len();
    let items: Vec<T> = all.into_iter().skip(start).take(limit).collect();
    let end = start + items.len();
    Ok(Page {
        items,
        next_cursor: (end < total).then(|| encode_as('o', &end.to_string())),
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

fn bad_cursor() -> ApiError {
    invalid("cursor", "not a cursor this API gave out")
}

/// A cursor: its kind (`o`ffset or `k`ey) and position, opaque to clients.
fn encode_as(kind: char, position: &str) -> String {
    portcullis_tenant_config::encoding::encode_base64url(format!("{kind}{position}").as_bytes())
}

fn decode_as(cursor: &str, kind: char) -> Option<String> {
    let bytes = portcullis_tenant_config::encoding::decode_base64url(cursor)?;
    let text = String::from_utf8(bytes).ok()?;
    text.strip_prefix(kind).map(str::to_owned)
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
        let keyed = keyed_page(vec![1], Some("grant-9".into()));
        let query = PageQuery {
            limit: None,
            cursor: keyed.next_cursor,
        };
        assert_eq!(query.after_key().unwrap().as_deref(), Some("grant-9"));
        assert!(
            paginate(all.clone(), &query).is_err(),
            "a key is not an offset"
        );
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
