#!/usr/bin/env bash
# Runs the whole platform locally: Postgres (unless DATABASE_URL is set), the
# edge Worker under workerd (wrangler dev) and the control plane with its
# admin UI. Ctrl-C stops everything; data stays in $PORTCULLIS_STATE.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/toolchain.sh"
portcullis_toolchain
. "$here/lib.sh"

state="${PORTCULLIS_STATE:-${XDG_DATA_HOME:-$HOME/.local/share}/portcullis}"
edge_port="${PORTCULLIS_EDGE_PORT:-8787}"
listen="${PORTCULLIS_LISTEN:-127.0.0.1:8080}"
mkdir -p "$state"

pc_require_postgres
pc_build_edge
pc_build_web_ui
pc_log "building the control plane"
cargo build --quiet --package portcullis-control-plane
cp_bin="$CARGO_TARGET_DIR/debug/portcullis-control-plane"

# The config-signing key lives with the data; the edge gets its public half.
if [ ! -s "$state/signing-key" ]; then
  (umask 077 && "$cp_bin" keygen >"$state/signing-key")
fi
PORTCULLIS_SIGNING_KEY="$(cat "$state/signing-key")"
export PORTCULLIS_SIGNING_KEY
public_key="$(PORTCULLIS_SIGNING_KEY="$PORTCULLIS_SIGNING_KEY" "$cp_bin" public-key)"
# The key sealing IdP secrets for the edge (shared), and the edge's own
# access-token key.
for key in seal-key token-key ingest-token; do
  if [ ! -s "$state/$key" ]; then
    (umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$state/$key")
  fi
done
PORTCULLIS_EDGE_SEAL_KEY="$(cat "$state/seal-key")"
export PORTCULLIS_EDGE_SEAL_KEY

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pc_pg_stop
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "${DATABASE_URL:-}" ]; then
  pc_log "starting Postgres (data in $state/postgres)"
  pc_pg_start "$state/postgres"
fi

pc_log "starting the edge on :$edge_port (data in $state/edge)"
(cd "$PORTCULLIS_ROOT/deploy/edge" && exec wrangler dev --config wrangler.toml --ip 127.0.0.1 --port "$edge_port" \
  --var "CONFIG_PUBLIC_KEY:$public_key" --var "SEAL_KEY:$PORTCULLIS_EDGE_SEAL_KEY" \
  --var "TOKEN_KEY:$(cat "$state/token-key")" --var "INGEST_URL:http://$listen" \
  --var "INGEST_TOKEN:$(cat "$state/ingest-token")" --persist-to "$state/edge" --show-interactive-dev-session=false \
  --log-level warn) &
pids+=($!)
pc_wait_http "http://127.0.0.1:$edge_port/healthz" "localhost:$edge_port"

pc_log "starting the control plane on $listen"
export PORTCULLIS_LISTEN="$listen"
export PORTCULLIS_EDGE_URL="http://localhost:$edge_port"
export PORTCULLIS_TENANT_ORIGIN="http://{tenant}.localhost:$edge_port"
# Local identity providers run on loopback; never set this in production.
export PORTCULLIS_ALLOW_LOOPBACK_FETCH=true
PORTCULLIS_INGEST_TOKEN="$(cat "$state/ingest-token")"
export PORTCULLIS_INGEST_TOKEN
RUST_LOG="${RUST_LOG:-info,sqlx=warn,tower_http=info}" "$cp_bin" serve &
pids+=($!)
pc_wait_http "http://$listen/healthz"
# The first admin's way in: one-time links for the browser and for curl.
admin="${PORTCULLIS_ADMIN_EMAIL:-admin@localhost.test}"
browser_link="$("$cp_bin" sign-in-link "$admin" 2>/dev/null)"
curl_link="$("$cp_bin" sign-in-link "$admin" 2>/dev/null)"

cat <<MSG

  Portcullis is running.
    Admin UI        http://$listen/
    JSON API        http://$listen/api/v1/tenants   (OpenAPI: http://$listen/api/openapi.json)
    Tenant MCP      http://<tenant>.localhost:$edge_port/mcp
    Postgres        $DATABASE_URL

  Sign in as $admin (platform operator; one use, 15 minutes):
    $browser_link

  Try the API (this second link signs curl in; the session's CSRF token goes
  with every change):
    curl -s -c /tmp/portcullis.jar -o /dev/null '$curl_link'
    csrf=\$(curl -s -b /tmp/portcullis.jar http://$listen/api/v1/session | sed -E 's/.*"csrfToken":"([^"]+)".*/\\1/')
    api() { curl -s -b /tmp/portcullis.jar -H "x-csrf-token: \$csrf" -H 'content-type: application/json' "\$@"; echo; }
    api -XPOST http://$listen/api/v1/tenants -d '{"slug":"acme","displayName":"Acme"}'
    api -XPOST http://$listen/api/v1/tenants/acme/tools \\
      -d '{"name":"hello","description":"Says hello","inputSchema":{"type":"object"},"content":[{"type":"text","text":"Hello from Acme"}]}'
    api -XPOST http://$listen/api/v1/tenants/acme/publish
    npx @modelcontextprotocol/inspector   # then connect to http://acme.localhost:$edge_port/mcp
  For automation, an owner creates a tenant API token (shown once):
    api -XPOST http://$listen/api/v1/tenants/acme/tokens -d '{"name":"CI","role":"admin"}'
    curl -H "Authorization: Bearer pct_…" http://$listen/api/v1/tenants/acme/tools

  Ctrl-C stops everything.
MSG
wait -n "${pids[@]}"
