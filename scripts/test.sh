#!/usr/bin/env bash
# Runs every test: Rust unit and integration tests (real server, real
# PostgreSQL, the Clubhouse simulator over HTTP), then the Playwright suite in
# Chromium against the release build. Installs what is missing first. Uses a
# fresh private PostgreSQL cluster unless DATABASE_URL is set.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

scripts/setup.sh

started_pg=""
cleanup() {
  [ -n "$started_pg" ] && scripts/pg.sh stop test || true
}
trap cleanup EXIT

if [ -z "${DATABASE_URL:-}" ]; then
  DATABASE_URL=$(scripts/pg.sh start test --fresh)
  started_pg=1
fi
export DATABASE_URL

if (exec 3<>/dev/tcp/127.0.0.1/3000) 2>/dev/null; then
  die "port 3000 is in use; stop the running server first (the end-to-end tests start their own)"
fi

log "Rust unit and integration tests"
cargo test --release --workspace --exclude frontend

log "end-to-end tests (release build, Chromium)"
cargo leptos end-to-end --release
