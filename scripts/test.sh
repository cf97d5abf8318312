#!/usr/bin/env bash
# Sets up what is missing and runs every test: formatting, clippy (warnings
# denied, host and wasm), unit and API tests, then the browser tests in
# headless Chromium against the real server. `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
# stops the PostgreSQL cluster ensure_postgres may start (a no-op otherwise)
trap stop_own_postgres EXIT
started=$(date +%s)
# CI builds once from scratch: incremental caches would only take disk space
export CARGO_INCREMENTAL=${CARGO_INCREMENTAL:-0}

ensure_wasm_target
ensure_wasm_bindgen
ensure_browser
ensure_playwright
ensure_xmllint
ensure_osm_fixtures
ensure_postgres

step "formatting"
cargo fmt --all --check

step "clippy (server and shared crates)"
cargo clippy --locked --all-targets -- -D warnings
step "clippy (the load tool)"
cargo clippy --locked -p server --features load-tool --bins -- -D warnings
step "clippy (browser crate, wasm32)"
cargo clippy --locked -p frontend --target wasm32-unknown-unknown -- -D warnings

step "unit and API tests (SQLite)"
cargo test --locked

step "API tests again, on PostgreSQL (a database per test server, created and dropped by the tests)"
# (the whole workspace selected, as above: the same features, nothing rebuilt)
TEST_BACKEND=postgres cargo test --locked --test api -- --skip cluster::

step "browser bundle"
scripts/build-site.sh release

# `cargo test` above built the server binary the browser tests run
step "browser tests (Playwright, headless Chromium)"
target_dir=${CARGO_TARGET_DIR:-target}
case "$target_dir" in /*) ;; *) target_dir="$PWD/$target_dir" ;; esac
port=$(free_port)
roads_port=$(free_port)
while [ "$roads_port" = "$port" ]; do roads_port=$(free_port); done
(cd end2end && E2E_PORT=$port E2E_ROADS_PORT=$roads_port E2E_SERVER_BIN="$target_dir/debug/command-room" npx playwright test)

echo
echo "all tests passed in $(( $(date +%s) - started )) s (screenshots: end2end/test-results/)"
