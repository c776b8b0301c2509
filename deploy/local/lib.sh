# shellcheck shell=bash
# Pieces shared by the local stack (up.sh) and the test runner
# (tests/run.sh): Postgres clusters, builds, waiting for readiness.
# Source after toolchain.sh.

PORTCULLIS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export PORTCULLIS_ROOT

pc_log() { printf '\033[1;32m[portcullis]\033[0m %s\n' "$*" >&2; }

# A TCP port nobody listens on right now.
pc_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Postgres refuses to run as root; run it as an unprivileged user instead.
_pc_pg_user() {
  if [ "$(id -u)" != 0 ]; then return; fi
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  echo postgres
}

_pc_as_pg() {
  local user; user=$(_pc_pg_user)
  if [ -n "$user" ]; then runuser -u "$user" -- "$@"; else "$@"; fi
}

# pc_pg_start DIR: initialises DIR once, starts Postgres on a free port with
# its socket inside DIR, and exports DATABASE_URL (superuser, trust auth on
# loopback only).
pc_pg_start() {
  local dir="$1" port user
  mkdir -p "$dir"
  user=$(_pc_pg_user)
  [ -n "$user" ] && chown "$user" "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    _pc_as_pg initdb --pgdata "$dir/data" --username postgres --auth trust --encoding UTF8 --no-instructions >/dev/null
  fi
  port=$(pc_free_port)
  _pc_as_pg pg_ctl --pgdata "$dir/data" --log "$dir/postgres.log" --wait --timeout 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
  export DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
  PC_PG_DIR="$dir"
}

pc_pg_stop() {
  [ -n "${PC_PG_DIR:-}" ] || return 0
  _pc_as_pg pg_ctl --pgdata "$PC_PG_DIR/data" --mode fast --wait stop >/dev/null 2>&1 || true
}

# Builds the admin UI's browser half into $PORTCULLIS_SITE_ROOT/pkg.
pc_build_web_ui() {
  export PORTCULLIS_SITE_ROOT="${PORTCULLIS_SITE_ROOT:-$CARGO_TARGET_DIR/site}"
  pc_log "building the admin UI (wasm)"
  cargo build --quiet --package portcullis-web-ui --lib --profile wasm-release \
    --target wasm32-unknown-unknown --no-default-features --features hydrate
  mkdir -p "$PORTCULLIS_SITE_ROOT/pkg"
  wasm-bindgen --target web --no-typescript --out-dir "$PORTCULLIS_SITE_ROOT/pkg" \
    --out-name portcullis_web_ui "$CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm-release/portcullis_web_ui.wasm"
  # binaryen from npm (Debian's is too old and breaks hydration): ~30% smaller.
  "$WASM_OPT_BIN" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-reference-types --enable-multivalue \
    "$PORTCULLIS_SITE_ROOT/pkg/portcullis_web_ui_bg.wasm" -o "$PORTCULLIS_SITE_ROOT/pkg/portcullis_web_ui_bg.wasm"
  cp "$PORTCULLIS_ROOT"/web-ui/style/* "$PORTCULLIS_SITE_ROOT/pkg/"
}

pc_build_edge() {
  pc_log "building the edge Worker"
  "$PORTCULLIS_ROOT/deploy/edge/build.sh"
}

# pc_wait_http URL [HOST]: waits up to 90 s for URL to answer at all.
pc_wait_http() {
  local url="$1" host="${2:-}" i
  for i in $(seq 1 180); do
    if curl -fsS -o /dev/null ${host:+-H "Host: $host"} "$url" 2>/dev/null; then return 0; fi
    sleep 0.5
  done
  echo "timed out waiting for $url" >&2
  return 1
}

# Postgres server binaries (initdb, pg_ctl): the machine's, else Debian's.
pc_require_postgres() {
  if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then return 0; fi
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$bin" ]; then
    pc_log "installing Postgres server binaries (apt)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  fi
  export PATH="$bin:$PATH"
}

# Debian's Chromium, for the browser tests (tools that download their own
# browser cannot here).
pc_require_chromium() {
  if command -v chromium >/dev/null; then return 0; fi
  pc_log "installing Chromium (apt)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q chromium >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }
}

# The official MCP Python SDK (tests/clients/python/requirements.txt) in a
# venv under the cache; exports PORTCULLIS_PYTHON, the venv's interpreter.
pc_python_clients() {
  local venv="$PORTCULLIS_CACHE/tools/python" req="$PORTCULLIS_ROOT/tests/clients/python/requirements.txt"
  local stamp="$venv/.requirements"
  if [ ! -x "$venv/bin/python" ] || ! cmp -s "$req" "$stamp"; then
    pc_log "installing the Python MCP SDK (PyPI)"
    if ! python3 -m venv --clear "$venv" >/dev/null 2>&1; then
      export DEBIAN_FRONTEND=noninteractive
      apt-get install -y -q python3-venv >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q python3-venv >/dev/null; }
      python3 -m venv --clear "$venv"
    fi
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req" >&2
    cp "$req" "$stamp"
  fi
  export PORTCULLIS_PYTHON="$venv/bin/python"
}

# pc_dev_tls DIR DOMAIN: a development certificate authority (made once, kept
# in DIR) and a certificate it signs for DOMAIN, *.DOMAIN, localhost and
# 127.0.0.1 (renewed when missing, for another domain, or within 30 days of
# expiry). Sets PC_TLS_CA, PC_TLS_CERT and PC_TLS_KEY. A wildcard needs a
# name of three labels or more (`*.localhost` is refused by Node and
# OpenSSL as a top-level wildcard), hence tenants at <slug>.mcp.localhost.
pc_dev_tls() {
  local dir="$1" domain="$2"
  if ! command -v openssl >/dev/null; then
    pc_log "installing openssl (apt)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q openssl >/dev/null
  fi
  mkdir -p "$dir"
  PC_TLS_CA="$dir/ca.pem" PC_TLS_CERT="$dir/edge.pem" PC_TLS_KEY="$dir/edge-key.pem"
  if [ ! -s "$PC_TLS_CA" ] || [ ! -s "$dir/ca-key.pem" ]; then
    pc_log "creating a development certificate authority in $dir (trust it, see README)"
    (umask 077 && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -keyout "$dir/ca-key.pem" -out "$PC_TLS_CA" -days 3650 -sha256 \
      -subj "/CN=Portcullis local development CA ($(hostname))" \
      -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null)
    rm -f "$PC_TLS_CERT"
  fi
  if [ -s "$PC_TLS_CERT" ] && [ "$(cat "$dir/edge.domain" 2>/dev/null)" = "$domain" ] &&
    openssl x509 -in "$PC_TLS_CERT" -noout -checkend $((30 * 24 * 3600)) >/dev/null &&
    openssl verify -CAfile "$PC_TLS_CA" "$PC_TLS_CERT" >/dev/null 2>&1; then
    return 0
  fi
  (umask 077 && openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$PC_TLS_KEY" -out "$dir/edge.csr" -subj "/CN=$domain" 2>/dev/null)
  printf '%s\n' "subjectAltName=DNS:$domain,DNS:*.$domain,DNS:localhost,IP:127.0.0.1" \
    "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
    "extendedKeyUsage=serverAuth" >"$dir/edge.ext"
  openssl x509 -req -in "$dir/edge.csr" -CA "$PC_TLS_CA" -CAkey "$dir/ca-key.pem" -CAcreateserial \
    -out "$PC_TLS_CERT" -days 397 -sha256 -extfile "$dir/edge.ext" 2>/dev/null
  rm -f "$dir/edge.csr" "$dir/edge.ext"
  echo "$domain" >"$dir/edge.domain"
}
