#!/usr/bin/env bash
# All the checks, in the order CI runs them:
#   formatting, clippy, the Rust tests, the binary, and the browser test
#   against a fresh SQLite file and a fresh PostgreSQL database.
#
#   scripts/test.sh
#
# PostgreSQL: TREEM_TEST_POSTGRES_URL names a server where that user may create
# databases (.ci/run sets postgres://postgres@127.0.0.1:5432/postgres). When it
# is not set and that default answers, the default is used. The Rust
# conformance suite and the browser test then run on PostgreSQL too; without a
# server they run on SQLite only. A local cluster (Debian's
# /etc/postgresql/*/main) that is down is started first.
#
# The browser test needs Node 20+ and Chromium at /usr/bin/chromium
# (Debian: apt-get install chromium chromium-driver).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"
E2E="$ROOT/tests/e2e"
RUN_STARTED=$SECONDS
STEP_STARTED=$SECONDS

STEP_NAME=""
banner() {
    if [[ -n "$STEP_NAME" ]]; then
        printf '==> %s: done in %d s\n' "$STEP_NAME" "$((SECONDS - STEP_STARTED))"
    fi
    STEP_NAME="$*"
    STEP_STARTED=$SECONDS
    printf '\n==================================================================\n'
    printf '==> %s\n' "$*"
    printf '==================================================================\n'
}

WORK=""      # temporary folder of the browser test runs (database file, screenshots, logs)
PG_DB=""     # PostgreSQL database created for the browser test
cleanup() {
    local status=$?
    if [[ -n "$PG_DB" ]]; then
        psql "$PG_URL" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" || true
    fi
    if [[ -n "$WORK" ]]; then
        if (( status == 0 )); then
            rm -rf "$WORK"
        else
            echo "Browser test files (server logs, screenshots) kept in $WORK" >&2
        fi
    fi
    if (( status != 0 )); then
        printf '\nFAILED at step: %s (status %d, after %d s)\n' "${STEP_NAME:-start}" "$status" "$((SECONDS - RUN_STARTED))" >&2
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- PostgreSQL URL pieces -------------------------------------------------
# postgres://[user[:password]@]host[:port][/db][?params]
PG_URL="${TREEM_TEST_POSTGRES_URL:-}"
PG_HOST=127.0.0.1
PG_PORT=5432
if [[ -n "$PG_URL" ]]; then
    if [[ ! "$PG_URL" =~ ^(postgres|postgresql)://(([^@/]*)@)?([^:/?]*)(:([0-9]+))?(/[^?]*)?(\?.*)?$ ]]; then
        echo "TREEM_TEST_POSTGRES_URL is not a postgres:// URL: $PG_URL" >&2
        exit 2
    fi
    PG_HOST="${BASH_REMATCH[4]:-127.0.0.1}"
    PG_PORT="${BASH_REMATCH[6]:-5432}"
fi

# Start the local cluster when one exists and is down (only for a local server).
ensure_postgres() {
    case "$PG_HOST" in 127.0.0.1 | localhost | ::1 | "[::1]") ;; *) return 0 ;; esac
    command -v pg_isready >/dev/null 2>&1 || return 0
    pg_isready -q -h 127.0.0.1 -p "$PG_PORT" && return 0
    local version
    version="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1 || true)"
    if [[ -z "$version" || ! -d "/etc/postgresql/$version/main" ]] || ! command -v pg_ctlcluster >/dev/null 2>&1; then
        return 0
    fi
    banner "Starting PostgreSQL $version (cluster main)"
    if ! pg_ctlcluster --skip-systemctl-redirect "$version" main start; then
        echo "warning: could not start PostgreSQL $version main (run as root or the cluster owner)" >&2
        return 0
    fi
    for _ in $(seq 60); do
        pg_isready -q -h 127.0.0.1 -p "$PG_PORT" && return 0
        sleep 0.5
    done
    echo "warning: PostgreSQL $version main started but is not accepting connections" >&2
}
ensure_postgres

# No URL given: use the local server when it answers as postgres without a password.
PG_DEFAULT_URL=postgres://postgres@127.0.0.1:5432/postgres
if [[ -z "$PG_URL" ]]; then
    if command -v psql >/dev/null 2>&1 && psql "$PG_DEFAULT_URL" -qAtc 'SELECT 1' >/dev/null 2>&1; then
        PG_URL="$PG_DEFAULT_URL"
        export TREEM_TEST_POSTGRES_URL="$PG_URL"
        echo "PostgreSQL answers at 127.0.0.1:5432: TREEM_TEST_POSTGRES_URL=$PG_URL"
    else
        echo "No PostgreSQL at $PG_DEFAULT_URL and TREEM_TEST_POSTGRES_URL not set: the PostgreSQL tests are skipped"
    fi
fi

banner "cargo fmt --all -- --check"
cargo fmt --all -- --check

banner "cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets -- -D warnings

# Licences, duplicate-version policy and sources of every dependency (deny.toml). CI
# (CI=true) must run it; a local run without cargo-deny installed says so and goes on.
if command -v cargo-deny >/dev/null 2>&1; then
    banner "cargo deny check licenses bans sources"
    cargo deny check licenses bans sources
elif [[ "${CI:-}" == "true" ]]; then
    echo "cargo-deny is not installed (.ci/run installs it)" >&2
    exit 1
else
    echo "cargo-deny not installed: dependency licences not checked (cargo install cargo-deny --locked)"
fi

if [[ -n "$PG_URL" ]]; then
    banner "cargo test --workspace (SQLite and PostgreSQL at $PG_HOST:$PG_PORT)"
else
    banner "cargo test --workspace (SQLite; TREEM_TEST_POSTGRES_URL not set, PostgreSQL skipped)"
fi
cargo test --workspace

banner "cargo build --bin treem"
cargo build --bin treem

# npm packages for the browser test: `npm ci` when node_modules is absent or
# was installed from another package-lock.json.
LOCK_SUM="$(cat "$E2E/package.json" "$E2E/package-lock.json" | sha256sum | cut -d' ' -f1)"
STAMP="$E2E/node_modules/.treem-lock.sha256"
if [[ ! -f "$STAMP" || "$(cat "$STAMP")" != "$LOCK_SUM" || ! -d "$E2E/node_modules/playwright-core" ]]; then
    banner "npm ci --prefix tests/e2e"
    npm ci --prefix tests/e2e --no-audit --no-fund
    echo "$LOCK_SUM" >"$STAMP"
else
    banner "npm packages of tests/e2e are up to date (npm ci skipped)"
fi

# The browser test, each run bounded so that a hang cannot eat the CI budget.
E2E_TIMEOUT=600
WORK="$(mktemp -d "${TMPDIR:-/tmp}/treem-test.XXXXXX")"

banner "Browser test (Chromium) against a fresh SQLite database"
mkdir -p "$WORK/sqlite"
TREEM_E2E_ARTIFACTS="$WORK/sqlite" \
    timeout --kill-after=15 "$E2E_TIMEOUT" tests/e2e/run.sh "sqlite://$WORK/sqlite/e2e.db"

if [[ -n "$PG_URL" ]]; then
    db="treem_e2e_$$"
    # Same server, user and parameters; another database name.
    [[ "$PG_URL" =~ ^([^?]*://[^/?]*)(/[^?]*)?(\?.*)?$ ]]
    PG_E2E_URL="${BASH_REMATCH[1]}/$db${BASH_REMATCH[3]}"

    banner "Browser test (Chromium) against a fresh PostgreSQL database $db"
    psql "$PG_URL" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE $db"
    PG_DB="$db"
    mkdir -p "$WORK/postgres"
    TREEM_E2E_ARTIFACTS="$WORK/postgres" \
        timeout --kill-after=15 "$E2E_TIMEOUT" tests/e2e/run.sh "$PG_E2E_URL"
else
    banner "Browser test against PostgreSQL skipped (TREEM_TEST_POSTGRES_URL not set)"
fi

printf '==> %s: done in %d s\n' "$STEP_NAME" "$((SECONDS - STEP_STARTED))"
printf '\nAll checks passed in %d s.\n' "$((SECONDS - RUN_STARTED))"
