#!/usr/bin/env bash
# The Python side: the wheel built by maturin from crates/microact-py (pip-installed into a
# virtual environment of pinned PyPI packages kept beside the build cache: maturin, Ray,
# pytest), then its tests, Ray's local mode included (python/tests).
set -euo pipefail
cd "$(dirname "$0")/../.."
cache="${MICROACT_CACHE:-$HOME/.cache/microact}"
venv="$cache/py-venv"
requirements=python/requirements-test.txt
if ! cmp -s "$requirements" "$venv/requirements.txt" 2>/dev/null; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$venv/requirements.txt"
fi
# The wheel as a person builds it (`pip install ./python` does the same through maturin), but
# with the dev profile: it reuses the native tier's build (microact-models is optimised there)
# where the `wheel` profile would build Burn once more.
wheels="$(mktemp -d)"
trap 'rm -rf "$wheels" python/microact/models' EXIT
# The shipped models packed into the wheel, as for a cluster (ignored by git).
rm -rf python/microact/models && cp -r models python/microact/models
(cd python && "$venv/bin/maturin" build --quiet --profile dev --out "$wheels")
"$venv/bin/pip" install --quiet --disable-pip-version-check --force-reinstall --no-deps "$wheels"/*.whl
# Run from elsewhere: the tests must import the installed wheel, not the source folder.
(cd "$cache" && "$venv/bin/python" -m pytest -q -p no:cacheprovider --durations=5 "$OLDPWD/python/tests")
