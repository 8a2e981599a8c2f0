#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for FUZZ_SECONDS (default 30), one per
# core at a time (FUZZ_JOBS), from its committed seed corpus (fuzz/corpus/<name>/, copied so
# the committed one stays small).
# Prints one line per target: executions, crashes. Exits 1 on any crash.
# With CERTWATCH_RELIABILITY_DIR set, also writes fuzz.json there: one record per target
# {"kind": "fuzz", "target", "executions", "crashes", "seconds", "corpus_inputs"} (the corpus
# libFuzzer ended with: seeds plus the inputs it kept for new coverage).
set -uo pipefail
# Resolved before the cd below, so a relative directory means the caller's.
RELIABILITY_DIR=${CERTWATCH_RELIABILITY_DIR:+$(realpath -m "$CERTWATCH_RELIABILITY_DIR")}
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${FUZZ_SECONDS:-30}
BUILD=${FUZZ_BUILD_DIR:-build-fuzz}
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_C_COMPILER=clang -DCERTWATCH_FUZZ=ON -DCERTWATCH_TESTS=OFF -DCERTWATCH_BENCH=OFF \
    >/dev/null || exit 2
fi
targets=$(cd fuzz && ls *_fuzz.cc | sed 's/\.cc$//')
ninja -C "$BUILD" -j "$(nproc)" $(for t in $targets; do echo "fuzz_$t"; done) || exit 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# fuzz_one TARGET: runs one target; writes its table row to $work/<name>.row and its JSON
# record to $work/<name>.json; returns 1 when it crashed.
fuzz_one() {
  local t=$1 name=${1%_fuzz}
  mkdir -p "$work/$name"
  [ -d "fuzz/corpus/$name" ] && cp -r "fuzz/corpus/$name/." "$work/$name/"
  local log="$work/$name.log"
  # A hang is an input slower than this; the generator evaluates the whole jsonnet mixin,
  # which takes several seconds under the sanitizers on a busy machine.
  local timeout=10
  [ "$name" = generator ] && timeout=120
  local started rc=0
  started=$(date +%s.%N)
  "$BUILD/fuzz/fuzz_$t" "$work/$name" -max_total_time="$SECONDS_PER_TARGET" -max_len=65536 \
    -timeout="$timeout" -rss_limit_mb=2048 -artifact_prefix="$work/$name-" >"$log" 2>&1 || rc=$?
  local seconds corpus_inputs execs crashes=0
  seconds=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  corpus_inputs=$(find "$work/$name" -maxdepth 1 -type f | wc -l)
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  [ -z "$execs" ] && execs=$(grep -oE '#[0-9]+' "$log" | tail -1 | tr -d '#')
  if [ $rc -ne 0 ]; then
    crashes=1
    echo "--- $name crashed; last lines:" >&2
    tail -30 "$log" >&2
    mkdir -p fuzz/crashes && cp "$work/$name"-* fuzz/crashes/ 2>/dev/null
  fi
  printf '%-22s %12s %8s %8s\n' "$name" "${execs:-0}" "$crashes" "$seconds" >"$work/$name.row"
  printf '{"kind": "fuzz", "target": "%s", "executions": %d, "crashes": %d, "seconds": %s, "corpus_inputs": %d}' \
    "$name" "${execs:-0}" "$crashes" "$seconds" "$corpus_inputs" >"$work/$name.json"
  return $crashes
}

# One target per core at a time: each target is one single-threaded process, so on two cores
# the step takes half the wall time at the same FUZZ_SECONDS per target.
parallel=${FUZZ_JOBS:-$(nproc)}
failed=0
running=0
for t in $targets; do
  if [ "$running" -ge "$parallel" ]; then
    wait -n || failed=1
    running=$((running - 1))
  fi
  fuzz_one "$t" &
  running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
  wait -n || failed=1
  running=$((running - 1))
done

printf '%-22s %12s %8s %8s\n' target executions crashes seconds
records=()
for t in $targets; do
  name=${t%_fuzz}
  cat "$work/$name.row" 2>/dev/null || { echo "$name: no result" >&2; failed=1; }
  records+=("$(cat "$work/$name.json" 2>/dev/null)")
done
if [ -n "$RELIABILITY_DIR" ]; then
  mkdir -p "$RELIABILITY_DIR"
  {
    echo "["
    for i in "${!records[@]}"; do
      sep=","
      [ "$i" -eq $((${#records[@]} - 1)) ] && sep=""
      echo "  ${records[$i]}$sep"
    done
    echo "]"
  } >"$RELIABILITY_DIR/fuzz.json"
fi
exit $failed
