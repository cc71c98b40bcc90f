#!/usr/bin/env bash
# Installs what building and testing need, skipping whatever is already in place:
# the wasm32 target, the wasm-bindgen CLI pinned to Cargo.lock, Chromium and ChromeDriver,
# redis-server, Prometheus and promtool (server/tests/monitoring.rs), and the npm tooling of package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$bindgen_version" ]; then
  log "installing wasm-bindgen-cli $bindgen_version (about 2 minutes)"
  # No --locked: its lock file wants a webpki-roots version the registry here lacks.
  cargo install wasm-bindgen-cli --version "$bindgen_version"
fi

missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
command -v redis-server >/dev/null || missing+=(redis-server)
# Debian's package gives /usr/bin/prometheus and /usr/bin/promtool: the alert rules' checks
# and the live-scrape test of server/tests/monitoring.rs.
{ command -v prometheus >/dev/null && command -v promtool >/dev/null; } || missing+=(prometheus)
command -v wrk >/dev/null || missing+=(wrk) # the benchmarks' load generator (bench/)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]} from apt"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm tooling"
  npm ci --no-audit --no-fund --loglevel=error
fi

# The real legacy SDKs the preset tests drive (tests/e2e/sdks.test.js), pinned in their own manifest.
if [ ! -d tests/sdks/node_modules ] || [ tests/sdks/package-lock.json -nt tests/sdks/node_modules/.package-lock.json ]; then
  log "installing the legacy SDKs of tests/sdks"
  npm ci --prefix tests/sdks --no-audit --no-fund --loglevel=error
fi
