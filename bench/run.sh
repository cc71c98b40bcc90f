#!/usr/bin/env bash
# The benchmarks, in one command: installs what they need (scripts/setup.sh: Chromium,
# redis-server, wrk, the npm tooling), builds the package and the devstack (scripts/build.sh),
# builds the devstack and the reference endpoint in release mode (target-bench/), then runs
# bench/run.mjs: prints one table and writes bench/results/latest.json. See bench/README.md.
#
#   ./bench/run.sh            the full run (about 5 minutes once built, on 2 cores)
#   ./bench/run.sh --quick    fewer iterations and shorter loads, for a try-out (under 2 minutes)
#   BENCH_SKIP_BUILD=1 ./bench/run.sh   reuse what is built
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1m[bench]\033[0m %s\n' "$*" >&2; }

if [ -z "${BENCH_SKIP_BUILD:-}" ]; then
  ./scripts/setup.sh
  # The per-crate breakdown of the Wasm reads names with twiggy: the bench's own tool.
  command -v twiggy >/dev/null || cargo install twiggy
  ./scripts/build.sh
  log "devstack and reference endpoint: release build (target-bench/)"
  CARGO_TARGET_DIR="$PWD/target-bench" cargo build --release -q -p authgear-migrate-devstack -p authgear-migrate-server
fi

exec node bench/run.mjs "$@"
