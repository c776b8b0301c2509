//! Storage errors, with the constraint names the schema declares turned
//! into typed conflicts in this one place.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum StorageError {
    /// A unique constraint refused the write; holds the constraint name.
    #[error("conflicts with existing data ({0})")]
    Conflict(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Maps a unique violation to [`StorageError::Conflict`].
pub fn classify(e: sqlx::Error) -> StorageError {
    if let sqlx::Error::Database(db) = &e
        && db.is_unique_violation()
    {
        return StorageError::Conflict(db.constraint().unwrap_or("unique").to_owned());
    }
    StorageError::Database(e)
}
