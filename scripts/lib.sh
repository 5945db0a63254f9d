# Shared helpers for the scripts in this folder. Source it; do not run it.
# shellcheck shell=bash

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { printf '\033[1;33m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# The newest installed PostgreSQL server binaries (Debian/Ubuntu layout).
pg_bin_dir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

# Runs a PostgreSQL server binary. The server refuses to run as root, so as
# root we run it as the `postgres` system user (which the package creates).
pg_run() {
  if [ "$(id -u)" -eq 0 ]; then
    local cmd; cmd=$(printf '%q ' "$@")
    su postgres -s /bin/bash -c "cd / && $cmd"
  else
    "$@"
  fi
}

# The wasm-bindgen version Cargo.lock resolved; the CLI must match it exactly.
locked_wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' "$REPO_ROOT/Cargo.lock"
}

# Starts MailDev (npm, installed by setup.sh), the local SMTP server with a
# web view: SMTP on 127.0.0.1:1025, the view and its API (GET /email) on
# http://localhost:1080. Prints its pid; waits until both ports answer.
start_maildev() {
  "$REPO_ROOT/node_modules/.bin/maildev" --ip 127.0.0.1 --web-ip 127.0.0.1 \
    --smtp 1025 --web 1080 --silent >/dev/null 2>&1 &
  local pid=$! tries=0
  until (exec 3<>/dev/tcp/127.0.0.1/1025) 2>/dev/null && (exec 3<>/dev/tcp/127.0.0.1/1080) 2>/dev/null; do
    tries=$((tries + 1))
    if [ "$tries" -gt 100 ] || ! kill -0 "$pid" 2>/dev/null; then
      die "MailDev did not start on 127.0.0.1:1025 and :1080"
    fi
    sleep 0.1
  done
  echo "$pid"
}
