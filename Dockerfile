# syntax=docker/dockerfile:1
#
# The inssa server image: the release `server` binary, the `hash.txt` that
# cargo-leptos writes beside it, and the built site (hashed, precompressed
# assets), on debian-slim as a non-root user. Nothing else.
#
#   docker build -t inssa .                         (needs BuildKit: Docker 23+)
#   docker run --rm -p 3000:3000 -e DATABASE_URL=postgres://… inssa
#
# Stages:
#   node      Node.js, for the npm build tools cargo-leptos runs (Tailwind CSS,
#             binaryen's wasm-opt: never Debian's binaryen, which breaks hydration)
#   lockver   the wasm-bindgen version Cargo.lock resolved
#   tools     Rust + wasm32 target + cargo-leptos + wasm-bindgen-cli + Node.js
#   build     dependencies first (their own cached layer), then the app
#   runtime   what ships

FROM node:22-bookworm-slim AS node

# Only the version line of Cargo.lock reaches the next stages, so a lockfile
# change that keeps wasm-bindgen's version keeps the wasm-bindgen-cli layer.
FROM debian:bookworm-slim AS lockver
WORKDIR /src
COPY Cargo.lock ./
RUN awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock > /wasm-bindgen.version \
 && grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+$' /wasm-bindgen.version

FROM rust:1.95-bookworm AS tools
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ENV CARGO_TERM_COLOR=never

COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && node --version && npm --version \
 && rustup target add wasm32-unknown-unknown

# 0.3.11 needs rustc 1.96; 0.3.10's lockfile builds on 1.95 (scripts/setup.sh
# pins the same version).
# The registry cache mount keeps the downloaded crates out of the layer.
ARG CARGO_LEPTOS_VERSION=0.3.10
RUN --mount=type=cache,id=inssa-cargo-registry,target=/usr/local/cargo/registry,sharing=locked \
    cargo install cargo-leptos --version "${CARGO_LEPTOS_VERSION}" --locked

# The CLI must equal the wasm-bindgen crate exactly. Not --locked: its
# lockfile pins a crate version some registry mirrors lack.
COPY --from=lockver /wasm-bindgen.version /tmp/wasm-bindgen.version
RUN --mount=type=cache,id=inssa-cargo-registry,target=/usr/local/cargo/registry,sharing=locked \
    cargo install wasm-bindgen-cli --version "$(cat /tmp/wasm-bindgen.version)" \
 && wasm-bindgen --version | grep -qF "$(cat /tmp/wasm-bindgen.version)"

FROM tools AS build
WORKDIR /app

# npm build tools, exactly as package-lock.json pins them. cargo-leptos finds
# them in node_modules/.bin because package.json sits at the workspace root.
COPY package.json package-lock.json ./
RUN --mount=type=cache,id=inssa-npm,target=/root/.npm,sharing=locked \
    npm ci --no-audit --no-fund --loglevel=error

# Dependencies: the real manifests with stub sources, built by cargo-leptos
# itself, so the environment it gives cargo (LEPTOS_OUTPUT_NAME and friends,
# which leptos reads at compile time) and the profiles (release for the
# server, wasm-release for the browser bundle) are exactly those of the real
# build below. This layer is rebuilt only when a manifest or Cargo.lock
# changes. simulator and bench are workspace members, so their manifests must
# be there, but cargo-leptos builds neither.
COPY Cargo.toml Cargo.lock ./
COPY domain/Cargo.toml domain/
COPY locales/Cargo.toml locales/
COPY services/Cargo.toml services/
COPY app/Cargo.toml app/
COPY frontend/Cargo.toml frontend/
COPY server/Cargo.toml server/
COPY simulator/Cargo.toml simulator/
COPY bench/Cargo.toml bench/
RUN mkdir -p domain/src locales/src services/src app/src frontend/src server/src simulator/src bench/src style public \
 && touch domain/src/lib.rs locales/src/lib.rs services/src/lib.rs app/src/lib.rs server/src/lib.rs simulator/src/lib.rs \
 && for bin in server simulator bench; do printf 'fn main() {}\n' > "$bin/src/main.rs"; done \
 && printf '#[wasm_bindgen::prelude::wasm_bindgen]\npub fn hydrate() {}\n' > frontend/src/lib.rs \
 && printf '@import "tailwindcss" source(none);\n' > style/main.css \
 && cargo leptos build --release --precompress --cargo-locked \
 && rm -rf target/site

# The app. COPY keeps the files' own modification times, which may be older
# than the stub build's, so touch them: cargo must see the real sources as new.
COPY domain domain
COPY locales locales
COPY services services
COPY app app
COPY frontend frontend
COPY server server
COPY migrations migrations
COPY style style
COPY public public
# Stripping the symbol table halves the binary (about 33 MB to 17 MB); panic
# messages keep their file and line, only RUST_BACKTRACE output loses its
# function names. --build-arg STRIP=false keeps them.
ARG STRIP=true
# The commit /about shows (server/build.rs reads it; there is no .git here).
ARG INSSA_COMMIT=unknown
ENV INSSA_COMMIT=${INSSA_COMMIT}
RUN find domain locales services app frontend server -name '*.rs' -exec touch {} + \
 && cargo leptos build --release --precompress --cargo-locked \
 && mkdir -p /out \
 && cp target/release/server target/release/hash.txt /out/ \
 && cp -r target/site /out/site \
 && if [ "${STRIP}" = true ]; then strip /out/server; fi

FROM debian:bookworm-slim AS runtime
# ca-certificates: TLS to the Clubhouse API and image hosts. The Noto fonts
# (SIL Open Font License 1.1): the share cards' text, every script and
# colour emoji (CARD_FONT_DIRS reads /usr/share/fonts). Not pinned to a
# Debian revision (see .hadolint.yaml); the base image tag pins the release.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
      fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 inssa \
 && useradd --system --no-log-init --uid 10001 --gid 10001 \
      --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin inssa

# Owned by root and read-only to the server's user. hash.txt must sit beside
# the binary: the server reads it to know the assets' hashed names.
WORKDIR /app
COPY --from=build /out/server /out/hash.txt /app/
COPY --from=build /out/site /app/site

ENV LISTEN_ADDR=0.0.0.0:3000 \
    LEPTOS_SITE_ROOT=/app/site \
    LOG_FORMAT=json

USER 10001:10001
EXPOSE 3000
# SIGTERM: /readyz turns 503 at once, requests are served for DRAIN_SECS,
# in-flight ones get SHUTDOWN_GRACE_SECS, then the process exits.
STOPSIGNAL SIGTERM
# `server healthcheck` GETs /healthz on LISTEN_ADDR's port: no curl needed.
# Liveness: the server listens only after its migrations, and a database
# outage must not get replicas restarted (they still serve pages).
# While starting, check every second (Docker 25+), so a new task is healthy
# about a second after it starts, not after the first 10 s interval.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --start-interval=1s --retries=3 \
  CMD ["/app/server", "healthcheck"]
ENTRYPOINT ["/app/server"]
