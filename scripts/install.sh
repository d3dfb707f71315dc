#!/usr/bin/env bash
# Installs what building (and, with `test`, testing) microact needs; skips what is there.
#   scripts/install.sh build   rust wasm target, trunk, wasm-bindgen-cli, crates
#   scripts/install.sh test    the above + chromium, chromedriver, Mesa lavapipe, npm packages
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-test}"

TRUNK_VERSION=0.21.14          # newer needs rustc >= 1.96
WASM_BINDGEN_VERSION=0.2.130   # must equal the `wasm-bindgen = "=…"` pin in Cargo.toml

grep -q "wasm-bindgen = \"=$WASM_BINDGEN_VERSION\"" Cargo.toml || {
  echo "install: Cargo.toml pins another wasm-bindgen than $WASM_BINDGEN_VERSION" >&2
  exit 1
}

# cargo install builds in a throwaway dir, not in a shared CARGO_TARGET_DIR.
install_crate() { env -u CARGO_TARGET_DIR cargo install --quiet "$@"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi
if ! trunk --version 2>/dev/null | grep -qF "$TRUNK_VERSION"; then
  echo "install: trunk $TRUNK_VERSION (about 15 minutes on 2 cores)"
  install_crate --locked --force trunk --version "$TRUNK_VERSION"
fi
if ! wasm-bindgen --version 2>/dev/null | grep -qF "$WASM_BINDGEN_VERSION"; then
  echo "install: wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  install_crate --force wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi
# Every platform's crates (the wasm-only ones too): Trunk builds offline.
cargo fetch --quiet

[ "$mode" = test ] || exit 0

missing=()
# ffmpeg: the native batch tool decodes with it (crates/microact-cli, tests/python).
for pkg in chromium chromium-driver mesa-vulkan-drivers ffmpeg; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "install: apt ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# The importers' fuzz targets (scripts/fuzz.sh) need nightly and cargo-fuzz.
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
cargo fuzz --version >/dev/null 2>&1 || install_crate --locked cargo-fuzz
# npm ci only when the lockfile changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
