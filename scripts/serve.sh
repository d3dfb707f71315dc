#!/usr/bin/env bash
# Builds microact in release mode and serves it on http://127.0.0.1:8080 (installs what is missing).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh build
# No autoreload: its inline script and websocket are not in the Content-Security-Policy.
exec trunk serve --release --address 127.0.0.1 --port 8080 --no-autoreload
