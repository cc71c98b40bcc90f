#!/usr/bin/env bash
# The security checks of SECURITY.md: advisories (cargo audit against the RustSec copy in
# ../shared/advisory-db, never fetched), licences and sources (cargo deny), npm advisories
# (npm audit, skipped with a notice when the registry's audit endpoint does not answer), and a
# short bounded fuzz run (scripts/fuzz.sh; FUZZ_SECONDS per target, default 15).
# Installs its tools, pinned, when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1m[security]\033[0m %s\n' "$*" >&2; }

# cargo install <crate> <version>, unless that version is installed. --locked: without it a
# dependency of cargo-audit wants a newer rustc.
install() {
  local crate=$1 version=$2
  if [ "$(cargo "${crate#cargo-}" --version 2>/dev/null | awk '{print $NF}')" != "$version" ]; then
    log "installing $crate $version"
    cargo install "$crate" --version "$version" --locked
  fi
}
install cargo-audit 0.22.2
install cargo-deny 0.20.2

db=../shared/advisory-db
if [ ! -d "$db/crates" ]; then
  log "no RustSec advisory database at $db (expected a copy with crates/ inside)"
  exit 1
fi
for lock in Cargo.lock fuzz/Cargo.lock; do
  log "cargo audit: $lock"
  # --deny warnings: unmaintained and unsound crates fail too, unless excepted in
  # .cargo/audit.toml (see SECURITY.md).
  cargo audit --db "$db" --no-fetch --deny warnings --file "$lock"
done

log "cargo deny: licences, bans, sources"
cargo deny --workspace check licenses bans sources

# Findings at or above this level fail; below it they are printed.
npm_level=high
log "npm audit (package-lock.json, level $npm_level)"
# The root lock file holds the development tooling; pkg/, the published package, must stay
# without dependencies, or it needs a lock file audited here too.
node -e '
  const pkg = JSON.parse(require("fs").readFileSync("pkg/package.json", "utf8"));
  const kinds = ["dependencies", "optionalDependencies", "peerDependencies"].filter((k) => Object.keys(pkg[k] ?? {}).length);
  if (kinds.length) { console.error(`pkg/package.json has ${kinds.join(", ")}: audit a pkg/ lock file in scripts/security.sh`); process.exit(1); }'
report=$(npm audit --json --audit-level="$npm_level" 2>/dev/null) && npm_status=0 || npm_status=$?
verdict=$(printf '%s' "$report" | node -e '
  let text = "";
  process.stdin.on("data", (chunk) => (text += chunk)).on("end", () => {
    let report;
    try { report = JSON.parse(text); } catch { report = null; }
    if (!report || report.error || !report.metadata) {
      const why = report?.error?.summary || report?.message || "no JSON answer";
      console.log(`unreachable: ${why.split("\n")[0]}`);
    } else {
      const counts = report.metadata.vulnerabilities;
      console.log(`answered: ${Object.entries(counts).map(([level, n]) => `${level} ${n}`).join(", ")}`);
    }
  });')
case $verdict in
  unreachable:*)
    log "npm audit SKIPPED: the registry's audit endpoint did not answer (${verdict#unreachable: })"
    ;;
  *)
    log "npm audit ${verdict}"
    if [ "$npm_status" -ne 0 ]; then
      npm audit --audit-level="$npm_level" >&2 || true
      log "npm audit found advisories at level $npm_level or above"
      exit 1
    fi
    ;;
esac

./scripts/fuzz.sh "${FUZZ_SECONDS:-15}"
