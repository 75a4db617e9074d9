#!/usr/bin/env bash
# Browser end-to-end test against a fresh `treem demo` server.
#
#   tests/e2e/run.sh DATABASE_URL
#
# DATABASE_URL is sqlite://PATH (the file is created) or
# postgres://USER@HOST:PORT/DB (the database must exist; it is filled with the
# demo data). Needs target/debug/treem (`cargo build --bin treem`), Node 20+,
# the npm packages (`npm ci --prefix tests/e2e`, done here when missing) and
# Chromium at /usr/bin/chromium (Debian: apt-get install chromium chromium-driver).
#
# Starts the server on a free port of 127.0.0.1, waits for /healthz, runs
# every tests/e2e/*.test.mjs (units.test.mjs: public pages; access.test.mjs:
# sign-in, TOTP, scopes, audit; draft.test.mjs: a form sent after the session
# ended; and the others, each described at its top) with `node --test` and TREEM_E2E_URL set (the
# files run in parallel, each in its own process; the tests of one file in
# order), stops the server and exits with the tests' status.
# Environment: TREEM_BIN (server binary), TREEM_E2E_CHROMIUM (browser),
# TREEM_E2E_ARTIFACTS (folder for screenshots and the server log; default a
# new temporary folder), TREEM_E2E_READY_SECONDS (default 60).
set -euo pipefail

E2E_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$E2E_DIR/../.." && pwd)"

if [[ $# -ne 1 || -z "$1" ]]; then
    echo "usage: $0 DATABASE_URL   (sqlite://PATH or postgres://USER@HOST:PORT/DB)" >&2
    exit 2
fi
DATABASE_URL="$1"
case "$DATABASE_URL" in
    sqlite:*) BACKEND=sqlite ;;
    postgres:* | postgresql:*) BACKEND=postgres ;;
    *)
        echo "e2e: unsupported database URL '$DATABASE_URL' (sqlite://… or postgres://…)" >&2
        exit 2
        ;;
esac

BIN="${TREEM_BIN:-$ROOT/target/debug/treem}"
CHROMIUM="${TREEM_E2E_CHROMIUM:-/usr/bin/chromium}"
READY_SECONDS="${TREEM_E2E_READY_SECONDS:-60}"

if [[ ! -x "$BIN" ]]; then
    echo "e2e: $BIN is missing; build it first: cargo build --bin treem" >&2
    exit 2
fi
if [[ ! -x "$CHROMIUM" ]]; then
    echo "e2e: no browser at $CHROMIUM; install it: apt-get install -y chromium chromium-driver" >&2
    exit 2
fi
if [[ ! -f "$E2E_DIR/node_modules/playwright-core/package.json" ]]; then
    echo "e2e: installing the npm packages (npm ci)"
    npm ci --prefix "$E2E_DIR" --no-audit --no-fund
fi

ARTIFACTS="${TREEM_E2E_ARTIFACTS:-$(mktemp -d "${TMPDIR:-/tmp}/treem-e2e.XXXXXX")}"
mkdir -p "$ARTIFACTS"
LOG="$ARTIFACTS/server-$BACKEND.log"

SERVER_PID=""
stop_server() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 50); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=""
}
trap stop_server EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
    node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

# GET /healthz; succeeds on a 200 that names the expected database.
healthy() {
    node -e '
        fetch(process.argv[1], { signal: AbortSignal.timeout(2000) })
            .then(async (r) => { const b = await r.json(); process.exit(r.status === 200 && b.status === "ok" && b.database === process.argv[2] ? 0 : 1); })
            .catch(() => process.exit(1));' "$1/healthz" "$BACKEND"
}

# Start the server; a port taken between choosing it and binding it means another try.
URL=""
for attempt in 1 2 3; do
    PORT="$(free_port)"
    URL="http://127.0.0.1:$PORT"
    echo "e2e: starting treem demo on $URL with $BACKEND (attempt $attempt, log: $LOG)"
    NO_COLOR=1 "$BIN" demo --listen "127.0.0.1:$PORT" --database "$DATABASE_URL" >"$LOG" 2>&1 &
    SERVER_PID=$!
    started=$SECONDS
    ready=no
    while (( SECONDS - started < READY_SECONDS )); do
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            break
        fi
        if healthy "$URL"; then
            ready=yes
            break
        fi
        sleep 0.5
    done
    if [[ $ready == yes ]]; then
        echo "e2e: server ready after $((SECONDS - started)) s"
        break
    fi
    if kill -0 "$SERVER_PID" 2>/dev/null; then
        echo "e2e: the server did not answer /healthz within $READY_SECONDS s; its log:" >&2
        tail -n 50 "$LOG" >&2 || true
        exit 1
    fi
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
    if grep -qi 'address already in use' "$LOG" && (( attempt < 3 )); then
        continue
    fi
    echo "e2e: the server stopped before it was ready; its log:" >&2
    tail -n 50 "$LOG" >&2 || true
    exit 1
done

status=0
(
    cd "$E2E_DIR"
    TREEM_E2E_URL="$URL" TREEM_E2E_BACKEND="$BACKEND" TREEM_E2E_CHROMIUM="$CHROMIUM" \
        TREEM_E2E_ARTIFACTS="$ARTIFACTS" node --test ./*.test.mjs
) || status=$?

stop_server
if (( status != 0 )); then
    echo "e2e: FAILED against $BACKEND (status $status); server log: $LOG, last lines:" >&2
    tail -n 30 "$LOG" >&2 || true
else
    echo "e2e: passed against $BACKEND; screenshots and server log in $ARTIFACTS"
fi
exit "$status"
