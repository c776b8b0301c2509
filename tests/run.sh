#!/usr/bin/env bash
# Runs every test of the repository: formatting, lints, unit tests, the
# control plane against a throwaway Postgres, and the end-to-end tests with
# the edge under workerd and real third-party clients. Installs what it
# needs (deploy/local/toolchain.sh) and cleans up after itself.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
. deploy/local/toolchain.sh
portcullis_toolchain
. deploy/local/lib.sh
pc_require_postgres
pc_require_chromium

pc_build_edge
pc_build_web_ui
pc_log "installing the test clients and the development identity provider (npm ci)"
(cd tests/clients && npm ci --loglevel=error --no-fund --no-audit >&2)
(cd deploy/local/dev-idp && npm ci --loglevel=error --no-fund --no-audit >&2)
pc_python_clients

pc_log "cargo fmt --check and clippy"
cargo fmt --all --check
cargo clippy --quiet --workspace --all-targets -- -D warnings

pg_dir="$(mktemp -d "${TMPDIR:-/tmp}/portcullis-test-pg.XXXXXX")"
cleanup() { pc_pg_stop; rm -rf "$pg_dir"; }
trap cleanup EXIT
pc_pg_start "$pg_dir"
pc_log "throwaway Postgres at $DATABASE_URL"

if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast "$@"
else
  cargo test --workspace --no-fail-fast "$@"
fi
