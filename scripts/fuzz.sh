#!/usr/bin/env bash
# Fuzzes every importer of microact-core (crates/microact-core/fuzz) with libFuzzer.
#   scripts/fuzz.sh [SECONDS]   total time shared by all targets (default 60)
# Prints each target's executions; a crash leaves its input in fuzz/artifacts/<target>/ and fails.
set -euo pipefail
cd "$(dirname "$0")/../crates/microact-core/fuzz"
total="${1:-60}"
fuzz=(cargo +nightly fuzz)
args=()
[ -z "${CARGO_TARGET_DIR:-}" ] || args=(--target-dir "$CARGO_TARGET_DIR/fuzz")

# Seeds: the sample project in every format (the importers' happy paths).
cargo run --quiet --manifest-path ../Cargo.toml --example export_samples -- "$PWD/seeds"

mapfile -t targets < <("${fuzz[@]}" list)
[ "${#targets[@]}" -gt 0 ] || { echo "fuzz: no targets in crates/microact-core/fuzz/Cargo.toml" >&2; exit 1; }
per=$(( total / ${#targets[@]} ))
[ "$per" -ge 1 ] || per=1
"${fuzz[@]}" build -O "${args[@]}"
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target" "seeds/$target"
  log="$(mktemp)"
  if ! "${fuzz[@]}" run -O "${args[@]}" "$target" "corpus/$target" "seeds/$target" -- \
      -max_total_time="$per" -max_len=65536 -print_final_stats=1 >"$log" 2>&1; then
    tail -40 "$log" >&2
    echo "fuzz: $target failed; the input is in crates/microact-core/fuzz/artifacts/$target/" >&2
    exit 1
  fi
  runs="$(grep -m1 -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo '?')"
  echo "fuzz: $target ok, $runs executions in ${per}s"
  rm -f "$log"
done
