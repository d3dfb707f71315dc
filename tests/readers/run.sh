#!/usr/bin/env bash
# Opens every export of the unusual project with the tools its format's users open it with
# (pandas, pympi-ling, MMAction2's ActivityNet and AVA evaluators, MMAction2's list reader,
# datumaro), in a virtual environment of pinned PyPI packages kept beside the build cache.
set -euo pipefail
cd "$(dirname "$0")/../.."
cache="${MICROACT_CACHE:-$HOME/.cache/microact}"
venv="$cache/readers-venv"
requirements=tests/readers/requirements.txt
if ! cmp -s "$requirements" "$venv/requirements.txt" 2>/dev/null; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  # MMAction2 without its torch and mmcv: only its evaluators and list reader are used.
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps "mmaction2==1.2.0"
  cp "$requirements" "$venv/requirements.txt"
fi
exports="$(mktemp -d)"
trap 'rm -rf "$exports"' EXIT
cargo run --quiet -p microact-core --example export_unusual -- "$exports"
# The pose pickle fixture, as PYSKL and MMAction2's PoseDataset read it (pickle + numpy).
"$venv/bin/python" scripts/fixtures/check_mmaction_pickle.py crates/microact-core/tests/fixtures/formats/mmaction_poses_microact.pkl
EXPORTS="$exports" "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/readers/test_readers.py
