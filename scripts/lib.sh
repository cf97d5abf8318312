# Shared by the scripts: install what is missing, at pinned versions.
# Sourced, not run.

# tools installed with `cargo install` land here
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

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
  if ! command -v rustup >/dev/null 2>&1; then
    echo "rustup is needed to add the wasm32-unknown-unknown target (https://rustup.rs)" >&2
    return 1
  fi
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

# Debian's chromium and a CJK font for the browser tests (never a
# downloaded browser).
ensure_browser() {
  local need=()
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  if ! fc-list :lang=zh 2>/dev/null | grep -q .; then need+=(fonts-wqy-microhei); fi
  if [ ${#need[@]} -gt 0 ]; then
    step "installing ${need[*]} from Debian"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${need[@]}"
  fi
}

# Node.js (for Playwright) and the test packages from end2end/package-lock.json.
ensure_playwright() {
  if ! command -v npm >/dev/null 2>&1; then
    step "installing Node.js from Debian"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq nodejs npm
  fi
  if [ ! -f end2end/node_modules/.package-lock.json ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
    step "installing Playwright (npm ci; no browser download)"
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
  fi
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}
