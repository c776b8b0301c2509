#!/usr/bin/env bash
# Benchmarks the edge: builds it, loads it straight into workerd through
# Miniflare and reports throughput, latency and workerd CPU per request for
# stateless, token-checked and sessionful MCP calls (tests/benches/edge.rs).
# BENCH_SECONDS (default 10) sets how long each scenario runs.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
. deploy/local/toolchain.sh
portcullis_toolchain
. deploy/local/lib.sh
pc_build_edge
cargo bench --quiet -p portcullis-e2e --bench edge
