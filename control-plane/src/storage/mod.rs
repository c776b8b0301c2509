//! Postgres access: every SQL statement of the control plane lives here, one
//! file per table, functions named after the service methods they serve.

pub mod admins;
pub mod api_tokens;
pub mod assertion_keys;
pub mod audit;
pub mod auth;
pub mod catalog;
pub mod config_versions;
pub mod error;
pub mod tenants;
pub mod tools;
pub mod usage;

use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

pub use error::StorageError;

/// Opens the pool; fails fast when the database cannot be reached.
pub async fn connect(database_url: &str) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(10)
        .acquire_timeout(std::time::Duration::from_secs(10))
        .connect(database_url)
        .await
}

/// Applies the migrations in `migrations/` (embedded at build time).
pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    sqlx::migrate!("../migrations").run(pool).await
}
