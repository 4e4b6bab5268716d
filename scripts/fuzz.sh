#!/usr/bin/env bash
# Runs the libFuzzer targets of fuzz/ (built by `make sanitize-build` into $FUZZ_DIR, default
# build-sanitize). Used by `make fuzz` and, in CI, by `make test` (docs/FUZZING.md).
#
#   scripts/fuzz.sh replay               each target once over its committed corpus (fuzz/corpus/T)
#   scripts/fuzz.sh run SECONDS [T...]   replay, then fuzz each target SECONDS (all targets, or T...)
#
# New inputs go to $FUZZ_DIR/corpus/T (kept between runs, never committed); a crash, leak,
# timeout or sanitizer report stops the script with a non-zero exit, the input saved as
# $FUZZ_DIR/artifacts/T-crash-<sha1> (replay it: $FUZZ_DIR/bin/fuzz-T FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZ_DIR="${FUZZ_DIR:-build-sanitize}"
mode="${1:-}"
seconds="${2:-60}"
shift $(( $# > 2 ? 2 : $# ))
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for dir in fuzz/corpus/*/; do targets+=("$(basename "$dir")"); done
fi
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
mkdir -p "$FUZZ_DIR/artifacts"

for target in "${targets[@]}"; do
  binary="$FUZZ_DIR/bin/fuzz-$target"
  corpus="fuzz/corpus/$target"
  [ -x "$binary" ] || { echo "fuzz: $binary is missing (make sanitize-build)" >&2; exit 1; }
  [ -d "$corpus" ] || { echo "fuzz: $corpus is missing" >&2; exit 1; }
  options=(-timeout=20 -rss_limit_mb=2048 -artifact_prefix="$FUZZ_DIR/artifacts/$target-")
  case "$mode" in
    replay)
      echo "fuzz: $target: replaying $(ls "$corpus" | wc -l) inputs"
      "$binary" "${options[@]}" -runs=0 "$corpus" 2> "$FUZZ_DIR/artifacts/$target.log" ||
        { tail -40 "$FUZZ_DIR/artifacts/$target.log" >&2; exit 1; }
      ;;
    run)
      work="$FUZZ_DIR/corpus/$target"
      mkdir -p "$work"
      echo "fuzz: $target: ${seconds} s from $(ls "$corpus" | wc -l) committed and $(ls "$work" | wc -l) earlier inputs"
      "$binary" "${options[@]}" -max_total_time="$seconds" -print_final_stats=1 "$work" "$corpus" \
        2> "$FUZZ_DIR/artifacts/$target.log" ||
        { tail -60 "$FUZZ_DIR/artifacts/$target.log" >&2; exit 1; }
      grep -E "^stat::(number_of_executed_units|average_exec_per_sec)" "$FUZZ_DIR/artifacts/$target.log" |
        sed "s/^/fuzz: $target: /"
      ;;
    *)
      echo "usage: scripts/fuzz.sh replay | run SECONDS [TARGET...]" >&2
      exit 2
      ;;
  esac
done
