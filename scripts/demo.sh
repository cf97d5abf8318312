#!/usr/bin/env bash
# Sets up what is missing, builds, and runs the demo on http://127.0.0.1:3000:
# an embedded SQLite database under data/, the demo district (Lingui) and the
# simulator, with one demo account per role (password in config/demo.toml, printed
# at start-up) and a ready link for the wall screen. Extra arguments go to the
# server, e.g. `scripts/demo.sh --speed 10`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_wasm_target
ensure_wasm_bindgen
scripts/build-site.sh release
step "building the server (release)"
cargo build --locked --release -p server
target_dir=${CARGO_TARGET_DIR:-target}
step "starting: the demo's accounts and the wall screen's link follow (Ctrl-C stops)"
exec "$target_dir/release/command-room" --config config/demo.toml "$@"
