#!/usr/bin/env bash
# The issue-2 benchmark: `scripts/bench.sh [--tables 1000,10000]`; the issue-4 load
# benchmark: `scripts/bench.sh online [--rows N --writers N]`; the issue-6 fleet
# benchmark: `scripts/bench.sh fleet [--runs N --jobs 1,4,9]`. Installs GNU time (for
# the peak-memory figures) and the PostgreSQL server when missing, then runs
# `cargo bench --bench bench` (a release build) with the arguments given.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/time ]; then
    if [ "$(id -u)" = 0 ]; then
        echo "installing GNU time (Debian package time) for the peak-memory figures..." >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2
        apt-get install -y -qq time >&2
    else
        echo "/usr/bin/time is missing: peak memory will read n/a (sudo apt-get install time)" >&2
    fi
fi
scripts/ensure-postgres.sh >/dev/null
if [ "${1:-}" = fleet ]; then
    # the issue-6 fleet benchmark: `scripts/bench.sh fleet [--runs N --jobs 1,4,9]`
    shift
    exec cargo bench --bench fleet -- "$@"
fi
if [ "${1:-}" = online ]; then
    # the issue-4 load benchmark: `scripts/bench.sh online [--rows N --writers N]`
    shift
    exec cargo bench --bench online_load -- "$@"
fi
exec cargo bench --bench bench -- "$@"
