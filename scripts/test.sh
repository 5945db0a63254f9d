#!/usr/bin/env bash
# Runs every test: the deployment files' linters, formatting, clippy (server
# and browser builds), unused dependencies, import circles, Rust unit and integration
# tests (real server, real PostgreSQL, the Clubhouse simulator over HTTP,
# fault drills), the rolling-restart proof behind a real nginx, then the
# Playwright suite in Chromium against the release build. Installs what is missing first. Uses a
# fresh private PostgreSQL cluster unless DATABASE_URL is set.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

scripts/setup.sh

started_pg=""; sim_pid=""; mail_pid=""
cleanup() {
  [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null || true
  [ -n "$mail_pid" ] && kill "$mail_pid" 2>/dev/null || true
  [ -n "$started_pg" ] && scripts/pg.sh stop test || true
}
trap cleanup EXIT

if [ -z "${DATABASE_URL:-}" ]; then
  DATABASE_URL=$(scripts/pg.sh start test --fresh)
  started_pg=1
fi
export DATABASE_URL

for port in 3000 4010 1025 1080; do
  if (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; then
    die "port $port is in use; stop the running app first (the end-to-end tests start their own server, simulator and mail server)"
  fi
done

log "linting the Dockerfile and the GitHub workflows"
scripts/lint-ops.sh

log "formatting, clippy (server and wasm32 builds), unused dependencies, import circles"
cargo fmt --all --check
cargo clippy --workspace --exclude frontend --all-targets -- -D warnings
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings
cargo machete
python3 scripts/check-module-cycles.py

log "Rust unit and integration tests (fault drills included)"
cargo test --release --workspace --exclude frontend

log "rolling restart: two replicas behind nginx under load"
cargo test --release -q -p server --test it rolling_restart -- --ignored --nocapture

log "end-to-end tests (release build, Chromium, the simulator on 127.0.0.1:4010, MailDev on :1025/:1080)"
cargo build --release -q -p simulator --bin clubhouse-simulator
target/release/clubhouse-simulator --port 4010 --people 500 &
sim_pid=$!
# The server mails through MailDev (its default SMTP_URL); the tests read
# the mails from MailDev's API.
mail_pid=$(start_maildev)
# The simulator is the default upstream; pace calls fast enough for a test run.
export CLUBHOUSE_MIN_INTERVAL_MS=20 CLUBHOUSE_BURST=20
# Every page comes from one browser on 127.0.0.1: its share of the budget
# would be the whole suite's (the fairness tests are in the Rust suite).
export UPSTREAM_SHARE_PER_MINUTE=1000000 UPSTREAM_SHARE_AT_ONCE=256
# The history scheduler every second, each watched person due after 5 s:
# the history test sees its change without waiting a day.
export HISTORY_SCHEDULER_SECS=1 HISTORY_REFRESH_SECS=5 HISTORY_HOT_REFRESH_SECS=5
# No proxy to drain for: stop at once when the suite is done.
export DRAIN_SECS=0
cargo leptos end-to-end --release --precompress
