#!/usr/bin/env bash
# Builds the edge Worker (wasm + JS shim) into edge-worker/build/ and prints
# its size. Needs the toolchain (deploy/local/toolchain.sh).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=../local/toolchain.sh
. "$root/deploy/local/toolchain.sh"
portcullis_toolchain
cd "$root/edge-worker"
worker-build --profile wasm-release >&2
# Function names only serve stack traces; they are a sixth of the module.
wasm-opt --all-features --strip-debug --strip-producers build/index_bg.wasm -o build/index_bg.wasm

# The bundle size decides cold starts; the edge's budget is 265 KB gzip.
wasm_gz=$(gzip -9c build/index_bg.wasm | wc -c)
js_gz=$(gzip -9c build/index.js | wc -c)
total_kb=$(( (wasm_gz + js_gz + 1023) / 1024 ))
printf 'edge bundle: wasm %d B + js %d B gzip = %d KB gzip (budget 265 KB)\n' "$wasm_gz" "$js_gz" "$total_kb"
