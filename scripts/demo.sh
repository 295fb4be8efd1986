#!/usr/bin/env bash
# The main job on the example: start a throwaway PostgreSQL, plan the PredictHealth schema
# against an empty database, apply it, show that drift is empty, then plan an edit.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-postgres.sh >/dev/null
exec cargo run --quiet --example demo -- "$@"
