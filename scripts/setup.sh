#!/usr/bin/env bash
# Installs everything the run and test commands need, skipping what is already
# there. Sources: Debian/Ubuntu packages, crates.io and npm only.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

CARGO_LEPTOS_VERSION=0.3.10   # 0.3.11 needs rustc 1.96
CARGO_MACHETE_VERSION=0.9.2  # unused dependencies, checked by the test command

# --- system packages ---------------------------------------------------------
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
pg_bin_dir >/dev/null || missing+=(postgresql)
# The rolling-restart test puts a real nginx in front of two replicas.
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
# Share cards draw text with Noto (SIL Open Font License 1.1): Latin, Greek,
# Cyrillic, Arabic, Hebrew and most other scripts; Korean, Japanese and
# Chinese; colour emoji.
[ -f /usr/share/fonts/truetype/noto/NotoSans-Regular.ttf ] || missing+=(fonts-noto-core)
[ -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || missing+=(fonts-noto-cjk)
[ -f /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || missing+=(fonts-noto-color-emoji)
# The Nu Html Checker (npm's vnu-jar) runs on Java.
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
# promtool lints /metrics in the tests (the Prometheus server in this
# package is not started).
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
# scripts/lint-ops.sh installs actionlint and hadolint from PyPI into a venv.
command -v python3 >/dev/null 2>&1 || missing+=(python3)
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi

# --- Rust toolchain pieces ---------------------------------------------------
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi
for component in clippy rustfmt; do
  if ! rustup component list --installed 2>/dev/null | grep -q "^$component"; then
    log "adding the $component component"
    rustup component add "$component"
  fi
done
if ! cargo leptos --version 2>/dev/null | grep -qF "$CARGO_LEPTOS_VERSION"; then
  log "installing cargo-leptos $CARGO_LEPTOS_VERSION (a long compile: about 18 minutes on 2 cores)"
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
fi
if ! cargo machete --version 2>/dev/null | grep -qF "$CARGO_MACHETE_VERSION"; then
  log "installing cargo-machete $CARGO_MACHETE_VERSION"
  cargo install cargo-machete --version "$CARGO_MACHETE_VERSION" --locked
fi
wb_version=$(locked_wasm_bindgen_version)
if ! wasm-bindgen --version 2>/dev/null | grep -qF "$wb_version"; then
  log "installing wasm-bindgen-cli $wb_version (must equal Cargo.lock's wasm-bindgen)"
  # Not --locked: its lockfile pins a crate version the registry mirror lacks.
  cargo install wasm-bindgen-cli --version "$wb_version" --force
fi

# --- npm packages (Tailwind, wasm-opt, Playwright), from the lockfiles -------
npm_ci_if_stale() {
  local dir=$1
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    log "installing npm packages in ${dir#"$REPO_ROOT"/}"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}
npm_ci_if_stale "$REPO_ROOT"
npm_ci_if_stale "$REPO_ROOT/end2end"
