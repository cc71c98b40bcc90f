#!/usr/bin/env bash
# Runs every fuzz target in fuzz/ for a bounded time: scripts/fuzz.sh [seconds-per-target]
# (default 20). Prints the executions each target ran; fails on the first crash, leaving the
# input in fuzz/artifacts/<target>/ (turn it into a regression test, see SECURITY.md).
#
# cargo-fuzz passes -Z flags to rustc (sanitizers, coverage instrumentation), which stable
# Rust refuses unless RUSTC_BOOTSTRAP=1 says otherwise; it is set for these commands only.
# No sanitizer by default: the engine has no unsafe code, and uninstrumented targets run about
# four times as many inputs a second. FUZZ_SANITIZER=address for long runs (SECURITY.md).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-20}
if ! [[ $seconds =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: scripts/fuzz.sh [seconds-per-target], a positive whole number (got '$seconds')" >&2
  exit 2
fi
sanitizer=${FUZZ_SANITIZER:-none}
log() { printf '\033[1m[fuzz]\033[0m %s\n' "$*" >&2; }

fuzz_version=0.13.2
if [ "$(cargo fuzz --version 2>/dev/null | awk '{print $2}')" != "$fuzz_version" ]; then
  log "installing cargo-fuzz $fuzz_version (under a minute)"
  cargo install cargo-fuzz --version "$fuzz_version" --locked
fi

export RUSTC_BOOTSTRAP=1
cd fuzz
log "building the targets (sanitizer: $sanitizer)"
cargo fuzz build -O --sanitizer "$sanitizer"
summary=()
for target in $(cargo fuzz list); do
  # New inputs go to corpus/ (kept between runs, not committed); seeds/ is read only.
  mkdir -p "corpus/$target"
  log "$target: ${seconds}s"
  output=$(cargo fuzz run -O --sanitizer "$sanitizer" "$target" "corpus/$target" "seeds/$target" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 2>&1) || {
    printf '%s\n' "$output" | tail -40 >&2
    log "$target FAILED: the input is in fuzz/artifacts/$target/"
    exit 1
  }
  runs=$(printf '%s\n' "$output" | sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 executions in \2 s/p')
  summary+=("$target: ${runs:-no count reported}")
done
log "no crash; executions per target:"
printf '  %s\n' "${summary[@]}" >&2
