#!/usr/bin/env bash
# Builds the browser side into target/site/: the wasm bundle (cargo +
# wasm-bindgen, the same steps cargo-leptos takes, without needing it), the
# stylesheet and the public assets. Everything a page loads comes from here.
#
#   scripts/build-site.sh [release|dev]     (default: release)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

mode=${1:-release}
case "$mode" in
  release) profile=wasm-release ;;
  dev) profile=dev ;;
  *) echo "usage: $0 [release|dev]" >&2; exit 2 ;;
esac
out_profile=$([ "$profile" = dev ] && echo debug || echo "$profile")
target_dir=${CARGO_TARGET_DIR:-target}
site=target/site

ensure_wasm_target
ensure_wasm_bindgen

step "building the browser bundle ($mode)"
cargo build --locked -p frontend --lib --target wasm32-unknown-unknown --profile "$profile"
rm -rf "$site/pkg"
mkdir -p "$site/pkg"
strip_names=$([ "$mode" = release ] && echo --remove-name-section || true)
wasm-bindgen --target web --no-typescript $strip_names --out-dir "$site/pkg" --out-name command_room \
  "$target_dir/wasm32-unknown-unknown/$out_profile/frontend.wasm"
if [ "$mode" = release ] && command -v wasm-opt >/dev/null 2>&1 && wasm-opt --version 2>/dev/null | grep -qE 'version (1[1-9][0-9]|[2-9][0-9][0-9])'; then
  # optional: a smaller bundle when a recent binaryen is installed
  wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int -o "$site/pkg/command_room_bg.wasm" "$site/pkg/command_room_bg.wasm"
fi
cp style/main.css "$site/pkg/command_room.css"
cp -R public/. "$site/"
# precompressed copies: the server sends them to browsers that accept gzip
for f in "$site"/pkg/*; do gzip -9 -k -f "$f"; done
echo "site built in $site ($(du -k "$site/pkg/command_room_bg.wasm" | cut -f1) KB of wasm)"
