#!/usr/bin/env bash
# Fuzzes every importer of microact-core (crates/microact-core/fuzz) with libFuzzer.
#   scripts/fuzz.sh [SECONDS]            CI: total time shared by all targets (default 60)
#   scripts/fuzz.sh --runs N [TARGET...]  campaign: N executions per target (all by default), then
#                                         the corpus minimised into campaign/<target>, which is
#                                         committed and seeds every later run
# A campaign builds without AddressSanitizer and with overflow checks and debug assertions:
# microact-core has no `unsafe`, so ASan has nothing to catch there and costs 3-8x the
# executions, while the checks catch what safe Rust can still get wrong (arithmetic overflow).
# Prints each target's executions; a crash leaves its input in fuzz/artifacts/<target>/ and fails.
set -euo pipefail
cd "$(dirname "$0")/../crates/microact-core/fuzz"
runs=""
if [ "${1:-}" = --runs ]; then
  runs="${2:?--runs needs a count}"
  shift 2
  total=0
else
  total="${1:-60}"
  shift $(( $# > 0 ? 1 : 0 ))
fi
fuzz=(cargo +nightly fuzz)
args=()
[ -z "${CARGO_TARGET_DIR:-}" ] || args=(--target-dir "$CARGO_TARGET_DIR/fuzz")
[ -z "$runs" ] || args+=(--sanitizer none --debug-assertions)

# Seeds: the sample project in every format (the importers' happy paths).
cargo run --quiet --manifest-path ../Cargo.toml --example export_samples -- "$PWD/seeds"

if [ $# -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <("${fuzz[@]}" list)
fi
[ "${#targets[@]}" -gt 0 ] || { echo "fuzz: no targets in crates/microact-core/fuzz/Cargo.toml" >&2; exit 1; }
per=$(( total / ${#targets[@]} ))
[ "$per" -ge 1 ] || per=1
if [ -n "$runs" ]; then budget=(-runs="$runs"); else budget=(-max_total_time="$per"); fi
"${fuzz[@]}" build -O "${args[@]}"
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target" "seeds/$target" "campaign/$target"
  log="$(mktemp)"
  t0=$SECONDS
  if ! "${fuzz[@]}" run -O "${args[@]}" "$target" "corpus/$target" "seeds/$target" "campaign/$target" -- \
      "${budget[@]}" -max_len=65536 -print_final_stats=1 >"$log" 2>&1; then
    tail -40 "$log" >&2
    echo "fuzz: $target failed; the input is in crates/microact-core/fuzz/artifacts/$target/" >&2
    exit 1
  fi
  done_runs="$(grep -m1 -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo '?')"
  cov="$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo '?')"
  echo "fuzz: $target ok, $done_runs executions in $((SECONDS - t0)) s, 0 crashes, coverage $cov edges"
  rm -f "$log"
  if [ -n "$runs" ]; then
    # The campaign's corpus, minimised, becomes the committed seed of every later run.
    tmp="$(mktemp -d)"
    "${fuzz[@]}" run -O "${args[@]}" "$target" "$tmp" "corpus/$target" "campaign/$target" -- \
      -merge=1 -max_len=65536 >/dev/null 2>&1
    rm -rf "campaign/$target" && mv "$tmp" "campaign/$target"
    echo "fuzz: $target corpus minimised to $(ls "campaign/$target" | wc -l) inputs in campaign/$target"
  fi
done
