#!/usr/bin/env bash
# The whole test suite: unit tests, CLI tests, fixtures and the sqldef conformance suite,
# each against throwaway PostgreSQL clusters the tests start themselves. Ends by saying
# whether the TimescaleDB tests ran against the real extension (tests/timescale.rs prints
# a `timescaledb: RUNNING ...` or `timescaledb: SKIPPED ...` line).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-postgres.sh >/dev/null
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
cargo test --lib --bins --tests --examples "$@" 2>&1 | tee "$log" || status=$?
echo "== $(grep -m1 '^timescaledb: ' "$log" || echo 'timescaledb: the TimescaleDB tests did not report (not run)')"
exit "$status"
