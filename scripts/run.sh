#!/usr/bin/env bash
# Runs inssa at http://localhost:3000 with no configuration: installs what is
# missing, starts a private PostgreSQL (unless DATABASE_URL is set), the
# Clubhouse simulator (unless CLUBHOUSE_BASE_URL is set) and MailDev, a local
# mail server whose web view at http://localhost:1080 shows every mail the
# app sends (unless SMTP_URL is set), then serves the release build. Ctrl-C
# stops everything it started.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

scripts/setup.sh

started_pg=""; sim_pid=""; mail_pid=""
cleanup() {
  [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null || true
  [ -n "$mail_pid" ] && kill "$mail_pid" 2>/dev/null || true
  [ -n "$started_pg" ] && scripts/pg.sh stop dev || true
}
trap cleanup EXIT

if [ -z "${DATABASE_URL:-}" ]; then
  DATABASE_URL=$(scripts/pg.sh start dev)
  started_pg=1
fi
export DATABASE_URL

if [ -z "${CLUBHOUSE_BASE_URL:-}" ]; then
  log "building and starting the Clubhouse simulator on 127.0.0.1:4010"
  cargo build --release -q -p simulator --bin clubhouse-simulator
  target/release/clubhouse-simulator --port 4010 --drift 30 &
  sim_pid=$!
  export CLUBHOUSE_BASE_URL=http://127.0.0.1:4010/api
  export CLUBHOUSE_TOKEN=sim-token
  # The simulator's crowd drifts every 30 s; refresh watched people every
  # 10 minutes (the most viewed every 2) so histories grow while you look.
  export HISTORY_REFRESH_SECS="${HISTORY_REFRESH_SECS:-600}" HISTORY_HOT_REFRESH_SECS="${HISTORY_HOT_REFRESH_SECS:-120}"
fi

if [ -z "${SMTP_URL:-}" ]; then
  log "starting MailDev: mail the app sends shows at http://localhost:1080"
  mail_pid=$(start_maildev)
  export SMTP_URL=smtp://127.0.0.1:1025
fi

log "building and serving inssa at http://localhost:3000"
# No proxy in front of a local run: Ctrl-C stops at once instead of draining.
export DRAIN_SECS=${DRAIN_SECS:-0}
cargo leptos serve --release --precompress
