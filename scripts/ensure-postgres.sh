#!/usr/bin/env bash
# Make sure PostgreSQL server binaries (initdb, pg_ctl, postgres) are available for the
# throwaway clusters of the demo and the tests. Installs Debian's server when missing and
# we are root; otherwise says what to install. Prints the bin directory.
set -euo pipefail

find_bin() {
  if [ -n "${SCHEMADIFF_PG_BIN:-}" ] && [ -x "$SCHEMADIFF_PG_BIN/postgres" ]; then
    echo "$SCHEMADIFF_PG_BIN"; return 0
  fi
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then
      echo "$d"; return 0
    fi
  done
  return 1
}

if bin=$(find_bin); then
  echo "$bin"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "PostgreSQL server binaries not found: install them (Debian: sudo apt-get install postgresql) or set SCHEMADIFF_PG_BIN" >&2
  exit 1
fi
echo "installing PostgreSQL from Debian's packages..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq postgresql postgresql-contrib >&2
# Debian starts a cluster on install; the tests start their own, so stop it.
if command -v pg_ctlcluster >/dev/null; then
  for c in $(ls /etc/postgresql 2>/dev/null); do pg_ctlcluster "$c" main stop >/dev/null 2>&1 || true; done
fi
find_bin
