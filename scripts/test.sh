#!/usr/bin/env bash
# Runs every test, on a fresh machine too: installs what is missing, builds the package in
# place in pkg/, then lints, native tests, browser tests (wasm-bindgen-test in headless
# Chromium), package tests (Node) and end-to-end tests (Playwright driving Chromium against
# the devstack on loopback).
set -euo pipefail
cd "$(dirname "$0")/.."

step() {
  local name=$1
  shift
  printf '\n\033[1m[test] %s\033[0m\n' "$name" >&2
  local started=$SECONDS
  "$@"
  printf '\033[1m[test] %s: ok (%ss)\033[0m\n' "$name" $((SECONDS - started)) >&2
}

step "setup" ./scripts/setup.sh
step "build" ./scripts/build.sh --test-builds
step "format" cargo fmt --all -- --check
step "clippy (native)" cargo clippy --workspace --all-targets -- -D warnings
# Twice: the engine as it ships (no_std), and with std as the browser tests link it.
step "clippy (wasm32)" cargo clippy -p authgear-migrate --target wasm32-unknown-unknown --lib -- -D warnings
step "clippy (wasm32, std)" cargo clippy -p authgear-migrate --target wasm32-unknown-unknown --all-targets --features std -- -D warnings
step "native tests" cargo test --workspace
# The rules alone, quickly; the live scrape by a real Prometheus is server/tests/monitoring.rs.
step "alert rules (promtool)" bash -c \
  'cd server/monitoring && promtool check rules alerts.yml && promtool test rules alerts.test.yml'
step "security (audit, deny, fuzz)" ./scripts/security.sh
# No -q here: cargo would pass --quiet on to wasm-bindgen-test-runner, which rejects it.
step "browser tests" env CHROMEDRIVER=/usr/bin/chromedriver \
  cargo test -p authgear-migrate --target wasm32-unknown-unknown --test web_edge --features std
step "package tests" node --test pkg/test/
step "end-to-end tests" node --test --test-timeout=300000 tests/e2e/
printf '\n\033[1m[test] all passed in %ss\033[0m\n' "$SECONDS" >&2
