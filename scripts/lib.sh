# Shared by the scripts: install what is missing, at pinned versions.
# Sourced, not run.

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

# The version of a package in Cargo.lock (one source of truth for pins).
locked_version() {
  awk -v name="$1" '$0 == "name = \"" name "\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    echo "need root for: $*" >&2; return 1; fi
}

ensure_wasm_target() {
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    step "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
}

# wasm-bindgen-cli must be exactly the version of the wasm-bindgen crate.
ensure_wasm_bindgen() {
  local want have
  want=$(locked_version wasm-bindgen)
  have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
  if [ "$have" != "$want" ]; then
    step "installing wasm-bindgen-cli $want (was: ${have:-none}; takes a few minutes once)"
    cargo install wasm-bindgen-cli --version "$want" --force
  fi
}
