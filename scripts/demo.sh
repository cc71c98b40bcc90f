#!/usr/bin/env bash
# Runs the demo against the local devstack, installing and building what it needs.
# PORT_BASE (default 8000) sets the ports: app, Authgear, legacy IdP, endpoint, Authgear admin = base .. base+4.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh
target/debug/devstack --port-base "${PORT_BASE:-8000}" | {
  read -r urls
  app=$(printf '%s' "$urls" | sed -E 's/.*"app":"([^"]+)".*/\1/')
  printf '\n  Demo: %s\n  Stack: %s\n  Ctrl-C stops it.\n\n' "$app" "$urls"
  cat >/dev/null
}
