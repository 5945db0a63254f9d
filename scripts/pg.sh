#!/usr/bin/env bash
# A private PostgreSQL cluster for development and tests.
#
#   scripts/pg.sh start NAME [--fresh]   start (creating it if needed); prints DATABASE_URL
#   scripts/pg.sh stop NAME              stop it
#
# NAME is `dev`, `test`, `bench` or `drill`: separate data folders and ports. Data lives in the
# git-ignored .pg/NAME; when run as root the server runs as the `postgres`
# user, and if that user cannot reach the checkout the data goes under /tmp.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

cmd=${1:-}; name=${2:-}; fresh=${3:-}
# INSSA_PG_PORT moves all four: dev on it, the others 10, 20 and 30 above, so
# the test run's clusters (test and drill) never share a port.
base=${INSSA_PG_PORT:-54329}
[[ "$base" =~ ^[1-9][0-9]*$ ]] && [ "$base" -ge 1024 ] && [ "$base" -le 65500 ] \
  || die "INSSA_PG_PORT must be a port number from 1024 to 65500, not '$base'"
case "$name" in
  dev)  port=$base; fsync=on ;;
  # Tests trade durability for speed; the cluster is thrown away anyway.
  test) port=$((base + 10)); fsync=off ;;
  # Benchmarks measure durable writes, as in production.
  bench) port=$((base + 20)); fsync=on ;;
  # The fault drills stop and restart this one while a server uses it.
  drill) port=$((base + 30)); fsync=off ;;
  *) die "usage: scripts/pg.sh start|stop dev|test|bench|drill [--fresh]" ;;
esac

bin=$(pg_bin_dir) || die "PostgreSQL server binaries not found; run scripts/setup.sh"

data_root() {
  local dir="$REPO_ROOT/.pg"
  if [ "$(id -u)" -eq 0 ]; then
    mkdir -p "$dir"
    chmod 755 "$dir"
    if ! su postgres -s /bin/sh -c "test -x '$dir'" 2>/dev/null; then
      dir="/tmp/inssa-pg-$(printf '%s' "$REPO_ROOT" | cksum | cut -d' ' -f1)"
    fi
  fi
  echo "$dir"
}
root=$(data_root)
data="$root/$name"
sock="$root/$name-sock"

stop() {
  if [ -f "$data/postmaster.pid" ]; then
    pg_run "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

start() {
  if [ "$fresh" = "--fresh" ]; then
    stop
    rm -rf "$data" "$sock"
  fi
  mkdir -p "$data" "$sock"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$root" "$data" "$sock"
  fi
  chmod 700 "$data"
  if [ ! -f "$data/PG_VERSION" ]; then
    log "creating a PostgreSQL cluster in $data"
    pg_run "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --no-locale >/dev/null
  fi
  if ! pg_run "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    log "starting PostgreSQL ($name) on 127.0.0.1:$port"
    pg_run "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
      -o "-p $port -k $sock -c listen_addresses=127.0.0.1 -c fsync=$fsync -c max_connections=300" start >/dev/null \
      || { tail -n 20 "$data/server.log" >&2; die "PostgreSQL did not start"; }
  fi
  if ! pg_run "$bin/psql" -h "$sock" -p "$port" -U postgres -tAc "select 1 from pg_database where datname = 'inssa'" | grep -q 1; then
    pg_run "$bin/createdb" -h "$sock" -p "$port" -U postgres inssa
  fi
  echo "postgres://postgres@127.0.0.1:$port/inssa"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *) die "usage: scripts/pg.sh start|stop dev|test|bench|drill [--fresh]" ;;
esac
