#!/usr/bin/env bash
# The whole test suite: unit tests, CLI tests, fixtures and the sqldef conformance suite,
# each against throwaway PostgreSQL clusters the tests start themselves.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-postgres.sh >/dev/null
cargo test --lib --bins --tests --examples "$@"
