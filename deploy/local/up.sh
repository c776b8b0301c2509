#!/usr/bin/env bash
# Runs the whole platform locally: Postgres (unless DATABASE_URL is set), the
# edge Worker under workerd (wrangler dev) over HTTPS with a development CA,
# a development identity provider, the control plane with its admin UI, and
# a demo tenant. Ctrl-C (or SIGTERM) stops everything; data stays in
# $PORTCULLIS_STATE.
#
#   deploy/local/up.sh [--http] [--no-demo]
#     --http     serve tenants over plain http at <tenant>.localhost (for
#                scripts; today's official MCP clients refuse OAuth over it)
#     --no-demo  do not create or publish the demo tenant
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
protocol=https demo=1
for arg in "$@"; do
  case "$arg" in
    --http) protocol=http ;;
    --no-demo) demo=0 ;;
    -h | --help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "up.sh: unknown option $arg (try --help)" >&2; exit 2 ;;
  esac
done
. "$here/toolchain.sh"
portcullis_toolchain
. "$here/lib.sh"
. "$here/demo.sh"

state="${PORTCULLIS_STATE:-${XDG_DATA_HOME:-$HOME/.local/share}/portcullis}"
edge_port="${PORTCULLIS_EDGE_PORT:-8787}"
idp_port="${PORTCULLIS_IDP_PORT:-8790}"
listen="${PORTCULLIS_LISTEN:-127.0.0.1:8080}"
mkdir -p "$state"

pc_require_postgres
# PORTCULLIS_SKIP_BUILD=1: for the test runner, which built all of it already.
if [ "${PORTCULLIS_SKIP_BUILD:-0}" != 1 ]; then
  pc_build_edge
  pc_build_web_ui
  pc_log "building the control plane"
  cargo build --quiet --package portcullis-control-plane
  pc_log "installing the development identity provider (npm ci)"
  (cd "$here/dev-idp" && npm ci --loglevel=error --no-fund --no-audit >&2)
fi
export PORTCULLIS_SITE_ROOT="${PORTCULLIS_SITE_ROOT:-$CARGO_TARGET_DIR/site}"
cp_bin="$CARGO_TARGET_DIR/debug/portcullis-control-plane"

# The config-signing key lives with the data; the edge gets its public half.
if [ ! -s "$state/signing-key" ]; then
  (umask 077 && "$cp_bin" keygen >"$state/signing-key")
fi
PORTCULLIS_SIGNING_KEY="$(cat "$state/signing-key")"
export PORTCULLIS_SIGNING_KEY
public_key="$(PORTCULLIS_SIGNING_KEY="$PORTCULLIS_SIGNING_KEY" "$cp_bin" public-key)"
# The key sealing IdP secrets for the edge (shared), the edge's own
# access-token key, the usage ingest secret, the dev IdP's client secret.
for key in seal-key token-key ingest-token dev-idp-secret; do
  if [ ! -s "$state/$key" ]; then
    (umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$state/$key")
  fi
done
PORTCULLIS_EDGE_SEAL_KEY="$(cat "$state/seal-key")"
export PORTCULLIS_EDGE_SEAL_KEY

if [ "$protocol" = https ]; then
  domain=mcp.localhost
  pc_dev_tls "$state/tls" "$domain"
  tls_args=(--local-protocol https --https-key-path "$PC_TLS_KEY" --https-cert-path "$PC_TLS_CERT")
  export CURL_CA_BUNDLE="$PC_TLS_CA" PORTCULLIS_EDGE_CA_FILE="$PC_TLS_CA"
else
  domain=localhost
  tls_args=()
fi
edge_origin="$protocol://$domain:$edge_port"
tenant_origin="$protocol://{tenant}.$domain:$edge_port"
demo_origin="${tenant_origin//\{tenant\}/demo}"

pids=()
cleanup() {
  # Each child runs in its own process group: wrangler's workerd goes too.
  for pid in "${pids[@]}"; do kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pc_pg_stop
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -z "${DATABASE_URL:-}" ]; then
  pc_log "starting Postgres (data in $state/postgres)"
  pc_pg_start "$state/postgres"
fi

pc_log "starting the edge at $edge_origin (data in $state/edge)"
(cd "$PORTCULLIS_ROOT/deploy/edge" && exec setsid wrangler dev --config wrangler.toml --ip 127.0.0.1 --port "$edge_port" \
  "${tls_args[@]}" --var "EDGE_DOMAIN:$domain" --inspector-port "$(pc_free_port)" \
  --var "CONFIG_PUBLIC_KEY:$public_key" --var "SEAL_KEY:$PORTCULLIS_EDGE_SEAL_KEY" \
  --var "TOKEN_KEY:$(cat "$state/token-key")" --var "INGEST_URL:http://$listen" \
  --var "INGEST_TOKEN:$(cat "$state/ingest-token")" --persist-to "$state/edge" --show-interactive-dev-session=false \
  --log-level warn </dev/null >&2) &
pids+=($!)
pc_wait_http "$protocol://127.0.0.1:$edge_port/healthz" "$domain:$edge_port"

pc_log "starting the development identity provider on http://127.0.0.1:$idp_port (any login signs in)"
DEV_IDP_PORT="$idp_port" DEV_IDP_CLIENT_ID=portcullis-demo DEV_IDP_CLIENT_SECRET="$(cat "$state/dev-idp-secret")" \
  DEV_IDP_REDIRECT_URIS="$demo_origin/oauth/callback" setsid node "$here/dev-idp/server.mjs" </dev/null >&2 &
pids+=($!)
pc_wait_http "http://127.0.0.1:$idp_port/.well-known/openid-configuration"

pc_log "starting the control plane on $listen"
export PORTCULLIS_LISTEN="$listen"
export PORTCULLIS_EDGE_URL="$edge_origin"
export PORTCULLIS_TENANT_ORIGIN="$tenant_origin"
# Local identity providers run on loopback; never set this in production.
export PORTCULLIS_ALLOW_LOOPBACK_FETCH=true
PORTCULLIS_INGEST_TOKEN="$(cat "$state/ingest-token")"
export PORTCULLIS_INGEST_TOKEN
RUST_LOG="${RUST_LOG:-info,sqlx=warn,tower_http=info}" setsid "$cp_bin" serve </dev/null &
pids+=($!)
pc_wait_http "http://$listen/healthz"
admin="${PORTCULLIS_ADMIN_EMAIL:-admin@localhost.test}"

if [ "$demo" = 1 ]; then
  pc_seed_demo "http://$listen/api/v1" "$("$cp_bin" sign-in-link "$admin" 2>/dev/null)" "$state/demo.jar" \
    "http://127.0.0.1:$idp_port" portcullis-demo "$(cat "$state/dev-idp-secret")"
fi

# The first admin's way in: one-time links for the browser and for curl.
browser_link="$("$cp_bin" sign-in-link "$admin" 2>/dev/null)"
curl_link="$("$cp_bin" sign-in-link "$admin" 2>/dev/null)"
trust=""
node_env=""
if [ "$protocol" = https ]; then
  node_env="NODE_EXTRA_CA_CERTS=$PC_TLS_CA "
  trust="
  Tenants are served over HTTPS with a certificate of a development CA made
  for this machine. Trust it once:
    Node tools (Inspector, mcp-remote, SDKs): export NODE_EXTRA_CA_CERTS=$PC_TLS_CA
    Python (httpx):  export SSL_CERT_FILE=$PC_TLS_CA   (trusts only this CA)
    curl:            export CURL_CA_BUNDLE=$PC_TLS_CA  (likewise)
    the system:      sudo cp $PC_TLS_CA /usr/local/share/ca-certificates/portcullis-dev.crt && sudo update-ca-certificates
    Chromium:        certutil -d sql:\$HOME/.pki/nssdb -A -t C,, -n portcullis-dev -i $PC_TLS_CA
    Firefox:         Settings → Privacy & Security → Certificates → View Certificates → Authorities → Import $PC_TLS_CA
"
fi
demo_text=""
if [ "$demo" = 1 ]; then
  demo_text="
  Demo tenant (OAuth, development sign-in: any login works; try
  alice@example.test, who may also add notes, or bob@example.test):
    MCP endpoint    $demo_origin/mcp
    Inspector       ${node_env}npx @modelcontextprotocol/inspector   # then connect to $demo_origin/mcp
    Claude Desktop  ${node_env}npx mcp-remote@0.15.1 $demo_origin/mcp
"
fi

cat <<MSG

  Portcullis is running.
    Admin UI        http://$listen/
    JSON API        http://$listen/api/v1/tenants   (OpenAPI: http://$listen/api/openapi.json)
    Tenant MCP      $tenant_origin/mcp
    Dev sign-in     http://127.0.0.1:$idp_port   (development only: accepts any login)
    Postgres        $DATABASE_URL
$trust$demo_text
  Sign in as $admin (platform operator; one use, 15 minutes):
    $browser_link

  Try the API (this second link signs curl in; the session's CSRF token goes
  with every change):
    curl -s -c /tmp/portcullis.jar -o /dev/null '$curl_link'
    csrf=\$(curl -s -b /tmp/portcullis.jar http://$listen/api/v1/session | sed -E 's/.*"csrfToken":"([^"]+)".*/\\1/')
    api() { curl -s -b /tmp/portcullis.jar -H "x-csrf-token: \$csrf" -H 'content-type: application/json' "\$@"; echo; }
    api -XPOST http://$listen/api/v1/tenants -d '{"slug":"acme","displayName":"Acme"}'
    api -XPOST http://$listen/api/v1/tenants/acme/tools -d '{"name":"hello","description":"Says hello","inputSchema":{"type":"object"},"content":[{"type":"text","text":"Hello from Acme"}]}'
    api -XPOST http://$listen/api/v1/tenants/acme/publish
  For automation, an owner creates a tenant API token (shown once):
    api -XPOST http://$listen/api/v1/tenants/acme/tokens -d '{"name":"CI","role":"admin"}'

  Ctrl-C stops everything.
MSG
wait -n "${pids[@]}"
