# Shared settings for the MQ Lab scripts. Sourced, never run.
# Everything the scripts install lives under $MQLAB_HOME (outside the checkout), so a fresh
# clone reuses the toolchain, the build caches and node_modules from earlier runs.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MQLAB_HOME="${MQLAB_HOME:-$HOME/.cache/mqlab}"
TOOLS_DIR="$MQLAB_HOME/tools"
TRUNK_VERSION="0.21.14"
BINARYEN_VERSION="132"
NATIVE_TARGET_DIR="${MQLAB_NATIVE_TARGET_DIR:-$MQLAB_HOME/target-native}"
WASM_TARGET_DIR="${MQLAB_WASM_TARGET_DIR:-$MQLAB_HOME/target-wasm}"
WASM_ENV_FILE="$MQLAB_HOME/wasm-route"
E2E_DIR="$ROOT/tests/e2e"
TWIGGY_VERSION="0.8.0"
# The wasm features Rust's output uses, which wasm-opt must be told about when it runs
# outside Trunk (the analysis and lessons modules, the named copy of the page's module).
WASM_OPT_FEATURES=(--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext
  --enable-mutable-globals --enable-reference-types --enable-multivalue)

export PATH="$TOOLS_DIR/bin:$PATH"
# The browser the tests drive, and its driver: Debian's Chromium unless the caller names
# another. GitHub's Ubuntu runners name the Google Chrome and chromedriver their image
# carries (.github/workflows/pages.yml), since apt's chromium there is only a snap wrapper.
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

# The wasm-bindgen version is whatever Cargo.lock pins; the CLI must match it exactly.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

say() { printf '\033[1m[mqlab]\033[0m %s\n' "$*"; }
die() { printf '\033[1;31m[mqlab] error:\033[0m %s\n' "$*" >&2; exit 1; }

# Runs a command in the environment that builds for wasm32: either rustup's own target,
# or Debian's rustc-web with the standard library built from source (see scripts/setup).
in_wasm_env() {
  local route
  route="$(cat "$WASM_ENV_FILE" 2>/dev/null || echo missing)"
  case "$route" in
    rustup)
      CARGO_TARGET_DIR="$WASM_TARGET_DIR" "$@" ;;
    debian)
      PATH="/usr/bin:$TOOLS_DIR/bin:$PATH" RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc \
        RUSTC_BOOTSTRAP=1 CARGO_UNSTABLE_BUILD_STD=std,panic_abort \
        CARGO_TARGET_DIR="$WASM_TARGET_DIR" "$@" ;;
    *)
      die "no wasm32 toolchain recorded in $WASM_ENV_FILE: run scripts/setup" ;;
  esac
}

# Prints how long a step took, in seconds.
timed() {
  local label="$1"; shift
  local start end
  start=$(date +%s)
  "$@"
  end=$(date +%s)
  say "$label: $((end - start)) s"
}
