#!/usr/bin/env bash
# The edge side by side with Cloudflare's TypeScript reference Workers:
# builds the edge and the reference Workers (from their npm packages, pinned
# in tests/bench/reference), loads both into one workerd through Miniflare,
# drives every path with wrk and prints req/s, p50/p99, workerd CPU per
# request and the ratios, then bundle sizes and cold starts
# (tests/benches/edge.rs, tests/bench/edge-load.mjs). Not part of CI.
# BENCH_SECONDS (default 10) and BENCH_ROUNDS (default 3) set each
# scenario's rounds; the medians are printed. BENCH_ONLY=forwarded,bearer
# runs just those paths.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
. deploy/local/toolchain.sh
portcullis_toolchain
. deploy/local/lib.sh
command -v wrk >/dev/null || {
  echo "bench: needs wrk (Debian: apt-get install wrk)" >&2
  exit 1
}
pc_require_chromium # the refresh path's users sign in in headless Chromium
pc_build_edge
(cd tests/clients && npm ci --loglevel=error --no-fund --no-audit >&2)

# The reference Workers, bundled and minified as `wrangler deploy --minify`
# would (Node built-ins left to the runtime's nodejs_compat).
(cd tests/bench/reference && npm ci --loglevel=error --no-fund --no-audit >&2)
reference_build="$(mktemp -d)"
trap 'rm -rf "$reference_build"' EXIT
externals=()
for m in 'node:*' 'cloudflare:*' path fs os crypto buffer events stream util; do
  externals+=("--external:$m")
done
for worker in trivial stateless stateless-http oauth agent; do
  "$ESBUILD_BIN" "tests/bench/reference/src/$worker.js" --bundle --format=esm \
    --platform=neutral --target=es2022 --minify --log-level=error \
    --conditions=workerd,worker,browser --main-fields=module,main \
    "${externals[@]}" --outfile="$reference_build/$worker.js"
done
REFERENCE_BUILD="$reference_build" cargo bench --quiet -p portcullis-e2e --bench edge
