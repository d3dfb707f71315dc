#!/usr/bin/env bash
# Every test tier, in order; exits non-zero on the first failure (installs what is missing):
#   1. native: cargo test for the workspace (core, models, the app's pure logic, wgpu on lavapipe)
#   2. every export opened by its format's own readers (tests/readers/run.sh: pandas, pympi-ling,
#      MMAction2's ActivityNet and AVA evaluators and list reader, datumaro)
#   3. the Python wheel (maturin) and the Ray pipeline in Ray's local mode (tests/python/run.sh)
#   4. a short fuzz run of every importer (scripts/fuzz.sh, 60 s in all)
#   5. the wasm release build (prints its sizes)
#   6. Playwright e2e in headless Chromium against that build, served on 127.0.0.1
set -euo pipefail
cd "$(dirname "$0")/.."
# lavapipe (Mesa's software Vulkan) wants a runtime dir.
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp/xdg-runtime-$(id -u)}"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"

started=$SECONDS
step() {
  local name="$1"; shift
  local t0=$SECONDS
  echo "==> $name"
  "$@"
  echo "==> $name: $((SECONDS - t0)) s"
}
step "install" scripts/install.sh test
step "native tests" cargo test --workspace --features microact-models/train
step "exports in their readers" tests/readers/run.sh
step "python wheel and Ray (local mode)" tests/python/run.sh
step "fuzz importers (60 s)" scripts/fuzz.sh 60
step "wasm release build" trunk build --release
step "e2e (headless Chromium)" node --test --test-concurrency=1 --test-timeout=600000 tests/e2e/
echo "==> all tiers passed in $((SECONDS - started)) s"
