#!/usr/bin/env bash
# The main job on the four example fleets (schema/austa, capsule, rmbrain, predicthealth):
# start a throwaway PostgreSQL with one database per service, then plan, apply and drift
# each fleet through its schemadiff.yaml, plan an edit of RM Brain's documents table, and
# report a manual ALTER as drift. TimescaleDB services run where it is installed and are
# reported SKIPPED where it is not.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-postgres.sh >/dev/null
cargo build --quiet --bin schemadiff --example demo
exec target/debug/examples/demo "$@"
