#!/usr/bin/env bash
# Builds the npm package in place (pkg/dist/wasm), the demo's vendored SDK, and the devstack.
#   ./scripts/build.sh [--test-builds]   (see below; scripts/test.sh passes it)
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1m[build]\033[0m %s\n' "$*" >&2; }

# Panic locations carry source paths: shortened, so the module neither spends bytes on this
# machine's directories nor names where its dependencies were downloaded from.
cargo fetch --quiet
remap="--remap-path-prefix=$PWD=."
shopt -s nullglob
for index in "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/; do remap+=" --remap-path-prefix=$index="; done

# The engine with the cargo features `$2` (none: the package's), as the glue, the .wasm and
# locate.js in the directory `$1`.
engine() {
  local out=$1 features=${2:-}
  RUSTFLAGS="${RUSTFLAGS:-} $remap" cargo build --profile wasm-release --target wasm32-unknown-unknown \
    -p authgear-migrate ${features:+--features "$features"}
  rm -rf "$out"
  wasm-bindgen target/wasm32-unknown-unknown/wasm-release/authgear_migrate.wasm \
    --target web --out-dir "$out" --out-name authgear_migrate --no-typescript \
    --remove-name-section --remove-producers-section
  # The optimiser from npm's binaryen: Debian's older wasm-opt writes broken modules. `--converge`
  # repeats -Oz while it still shrinks; `--low-memory-unused` lets it fold address constants, sound
  # because rustc lays the stack first, so the module's first KiB is only reached by an overflow.
  node_modules/.bin/wasm-opt -Oz --converge --low-memory-unused --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-reference-types --enable-mutable-globals --enable-multivalue \
    "$out/authgear_migrate_bg.wasm" -o "$out/authgear_migrate_bg.wasm"
  # Short names for the imports, and the exports only the glue uses, in the .wasm and the glue:
  # wasm-bindgen's are hashed and cost some 4 KB gzip.
  node scripts/short-imports.mjs "$out" authgear_migrate
  # Where the .wasm is, from a module beside it: bundlers emit the asset for its
  # `new URL(…, import.meta.url)` as they do for the glue's, and pkg/src/engine.js asks it first,
  # so that the .wasm is fetched while the glue still loads. A function: the fast path carries it
  # but never runs it.
  cat > "$out/locate.js" <<'JS'
export const wasmURL = () => new URL("authgear_migrate_bg.wasm", import.meta.url);
JS
}

# `--test-builds`: also the engine the end-to-end tests swap in, whose engine panics once the
# exchange has answered (pkg/dist/test-panic, not published). Built first, so that target/ ends
# with the package's build, which the bench reads names from.
if [ "${1:-}" = "--test-builds" ]; then
  log "engine: the test build that panics after the exchange"
  engine pkg/dist/test-panic test-panic-after-exchange
fi
log "engine: release Wasm"
engine pkg/dist/wasm

log "demo: vendoring @authgear/web"
mkdir -p www/vendor
cp node_modules/@authgear/web/dist/authgear-web.module.js www/vendor/authgear-web.js

log "devstack"
cargo build -p authgear-migrate-devstack
