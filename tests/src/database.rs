//! A fresh database per test run on the server `DATABASE_URL` names.

use sqlx::Connection;

/// Creates an empty database and returns its URL.
pub async fn fresh_database(name_hint: &str) -> String {
    let server = std::env::var("DATABASE_URL")
        .expect("DATABASE_URL must name a Postgres server (tests/run.sh sets it)");
    let (base, _) = server.split_once('?').unwrap_or((&server, ""));
    let (prefix, _) = base
        .rsplit_once('/')
        .expect("DATABASE_URL has a database path");
    let name = format!("{name_hint}_{}_{}", std::process::id(), crate::free_port());
    let mut conn = sqlx::PgConnection::connect(&server)
        .await
        .expect("connect to DATABASE_URL");
    sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut conn)
        .await
        .expect("create database");
    format!("{prefix}/{name}")
}
