#!/usr/bin/env bash
# Prints the raw and gzip sizes of the built .wasm and JS glue. Trunk runs it after each build
# (post_build hook, files in TRUNK_STAGING_DIR); by hand: scripts/report-size.sh dist
# Fails when the page's module (every .wasm but the engine's) is over PAGE_GZIP_LIMIT bytes
# gzipped: the page opens light, the models come with the engine (docs/size.md).
set -euo pipefail
dir="${1:-${TRUNK_STAGING_DIR:-dist}}"
shopt -s nullglob
files=("$dir"/*.wasm "$dir"/*.js)
if [ ${#files[@]} -eq 0 ]; then
  echo "report-size: no .wasm or .js in $dir" >&2
  exit 1
fi
PAGE_GZIP_LIMIT=1000000
over=()
for f in "${files[@]}"; do
  raw=$(stat -c %s "$f")
  gz=$(gzip -9 -c "$f" | wc -c)
  awk -v n="$(basename "$f")" -v r="$raw" -v g="$gz" \
    'BEGIN { printf "size: %-40s raw %10d B (%6.2f MB)  gzip %9d B (%5.2f MB)\n", n, r, r / 1e6, g, g / 1e6 }'
  case "$(basename "$f")" in
    microact-engine*) ;;
    *.wasm) [ "$gz" -le "$PAGE_GZIP_LIMIT" ] || over+=("$(basename "$f") ($gz B)") ;;
  esac
done
if [ ${#over[@]} -gt 0 ]; then
  echo "report-size: the page's module is over $PAGE_GZIP_LIMIT B gzipped: ${over[*]}; models belong in the engine" >&2
  exit 1
fi
