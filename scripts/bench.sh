#!/usr/bin/env bash
# Builds the release server, site (precompressed, hashed) and simulator,
# starts a private PostgreSQL (unless DATABASE_URL is set), and runs
# inssa-bench, which prints one table of figures beside their budgets.
# Needs wrk (Debian package `wrk`; installed here when missing).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

scripts/setup.sh
if ! command -v wrk >/dev/null; then
  log "installing wrk"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null
fi

started_pg=""
cleanup() { [ -n "$started_pg" ] && scripts/pg.sh stop bench || true; }
trap cleanup EXIT
if [ -z "${DATABASE_URL:-}" ]; then
  DATABASE_URL=$(scripts/pg.sh start bench --fresh)
  started_pg=1
fi
export DATABASE_URL

log "building the release site and server"
cargo leptos build --release --precompress
cargo build --release -q -p simulator --bin clubhouse-simulator
cargo build --release -q -p bench
log "measuring (about a minute)"
target/release/inssa-bench
