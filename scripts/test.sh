#!/usr/bin/env bash
# The whole check, as `make test` and CI run it:
#   1. ruff check src tests bench      (lint; formatting is not enforced)
#   2. mypy                            (config in pyproject.toml: strict on src/sucre)
#   3. pytest with SUCRE_TEST_DB=sqlite
#   4. pytest with SUCRE_TEST_DB=postgresql, SUCRE_TEST_DATABASE_URL=<server URL>
#      (server found or started by scripts/postgres_url.py; see its docstring)
# Every step runs even if an earlier one failed; the exit code is non-zero if any did.
#
# Environment:
#   SUCRE_TEST_WORKERS=N        pytest-xdist workers (default 2; 0 or 1 = no xdist)
#   SUCRE_TEST_DATABASE_URL     use this PostgreSQL (must allow CREATE DATABASE)
#   SUCRE_TEST_NO_LOCAL_PG=1    don't probe 127.0.0.1:5432; go straight to pgserver
#   SUCRE_TEST_SKIP_POSTGRES=1  skip the PostgreSQL pass (refused when CI=true)
#   VENV=.venv                  the virtualenv to use
# Extra arguments are passed to both pytest runs, e.g. `bash scripts/test.sh -k ledger -x`.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2

VENV=${VENV:-.venv}
PY="$VENV/bin/python"
if [[ ! -x "$PY" ]]; then
    echo "error: $PY not found; run 'make venv' (or 'make test') first" >&2
    exit 2
fi

is_true() { [[ "${1,,}" =~ ^(1|true|yes|on)$ ]]; }
CI_MODE=0
is_true "${CI:-}" && CI_MODE=1

WORKERS=${SUCRE_TEST_WORKERS:-2}
XDIST=()
if [[ "$WORKERS" != 0 && "$WORKERS" != 1 ]]; then
    XDIST=(-n "$WORKERS")
fi

LOGDIR=$(mktemp -d "${TMPDIR:-/tmp}/sucre-test.XXXXXX")
trap 'rm -rf "$LOGDIR"' EXIT

SUMMARY=()
FAILED=0
TOTAL_PASSED=0
TOTAL_FAILED=0
TOTAL_SKIPPED=0

if [[ -t 1 ]]; then BOLD=$'\033[1m' PLAIN=$'\033[0m'; else BOLD='' PLAIN=''; fi
banner() { printf '\n%s==> %s%s\n' "$BOLD" "$*" "$PLAIN"; }
record() { # record NAME STATUS DETAIL
    SUMMARY+=("$(printf '%-9s %-8s %s' "$1" "$2" "$3")")
    [[ "$2" == ok || "$2" == SKIPPED ]] || FAILED=1
}

run_simple() { # run_simple NAME CMD...
    local name=$1 start=$SECONDS rc
    shift
    banner "$name: $*"
    "$@" </dev/null
    rc=$?
    if [[ $rc == 0 ]]; then
        record "$name" ok "($((SECONDS - start))s)"
    else
        record "$name" FAILED "(exit $rc, $((SECONDS - start))s)"
    fi
}

# pytest's closing line, e.g. "===== 3 failed, 120 passed, 2 skipped in 5.20s =====".
closing_line() { grep -E '^=+ .*\bin [0-9.]+s\b.* =+$' "$1" | tail -n 1; }
count() { # count WORD LINE -> number before WORD (0 if absent)
    local n
    n=$(grep -oE "[0-9]+ $1\b" <<<"$2" | head -n 1 | cut -d' ' -f1)
    echo "${n:-0}"
}

run_pytest() { # run_pytest NAME CMD... (CMD's output is tee'd and parsed)
    local name=$1 log="$LOGDIR/$1.log" start=$SECONDS rc line p f e s
    shift
    banner "$name: $*"
    "$@" </dev/null 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    line=$(closing_line "$log")
    p=$(count passed "$line"); f=$(count failed "$line")
    e=$(count errors? "$line"); s=$(count skipped "$line")
    TOTAL_PASSED=$((TOTAL_PASSED + p))
    TOTAL_FAILED=$((TOTAL_FAILED + f + e))
    TOTAL_SKIPPED=$((TOTAL_SKIPPED + s))
    line=$(sed -E 's/^=+ //; s/ =+$//' <<<"$line")
    case $rc in
        0) record "$name" ok "$line" ;;
        5) record "$name" FAILED "no tests were collected (pytest exit 5) ${line}" ;;
        97) record "$name" FAILED "no usable PostgreSQL (see [postgres_url] messages above)" ;;
        *) record "$name" FAILED "(exit $rc) ${line:-no pytest summary line}" ;;
    esac
    echo "[$name] $((SECONDS - start))s"
}

# 1. lint (only the folders that exist: git does not keep empty ones)
LINT_PATHS=()
for d in src tests bench; do [[ -d $d ]] && LINT_PATHS+=("$d"); done
run_simple ruff "$VENV/bin/ruff" check "${LINT_PATHS[@]}"

# 2. types
run_simple mypy "$VENV/bin/mypy"

# 3. SQLite
run_pytest sqlite env -u SUCRE_TEST_DATABASE_URL SUCRE_TEST_DB=sqlite \
    "$PY" -m pytest "${XDIST[@]}" "$@"

# 4. PostgreSQL
if is_true "${SUCRE_TEST_SKIP_POSTGRES:-}" && [[ $CI_MODE == 0 ]]; then
    banner "postgresql: SKIPPED because SUCRE_TEST_SKIP_POSTGRES=${SUCRE_TEST_SKIP_POSTGRES}"
    echo "!!! WARNING: the PostgreSQL pass did NOT run; concurrency claims are untested. !!!"
    record postgres SKIPPED "SUCRE_TEST_SKIP_POSTGRES is set: PostgreSQL NOT tested"
else
    if is_true "${SUCRE_TEST_SKIP_POSTGRES:-}"; then
        echo "note: CI=true, so SUCRE_TEST_SKIP_POSTGRES is ignored: PostgreSQL is required"
    fi
    run_pytest postgres "$PY" scripts/postgres_url.py run -- \
        "$PY" -m pytest "${XDIST[@]}" "$@"
    if [[ ${SUMMARY[-1]} == *"no usable PostgreSQL"* && $CI_MODE == 0 ]]; then
        echo "hint: to run without PostgreSQL (not allowed in CI): SUCRE_TEST_SKIP_POSTGRES=1 make test"
    fi
fi

printf '\n%s==================== sucre test summary ====================%s\n' "$BOLD" "$PLAIN"
printf '%s\n' "${SUMMARY[@]}"
if [[ $FAILED == 0 && "${SUMMARY[*]}" == *SKIPPED* ]]; then
    echo "result: passed, but the PostgreSQL pass was SKIPPED"
elif [[ $FAILED == 0 ]]; then
    echo "result: all steps passed"
else
    echo "result: FAILED (see above)"
fi
echo "total: ${TOTAL_PASSED} passed, ${TOTAL_FAILED} failed, ${TOTAL_SKIPPED} skipped"
exit "$FAILED"
