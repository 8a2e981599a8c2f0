#!/usr/bin/env bash
# Produces the README's reliability tables from real runs: every libFuzzer target for
# FUZZ_SECONDS (default 60) each, the fault soaks in tests/hardening/ (1,000 deliveries of each
# fault, CERTWATCH_SOAK_OUTAGE_SECONDS of API outage), and the load benchmark (bench/load.sh).
# Each writes JSON records into one directory; bench/reliability_table.py renders them into
# README.md between the reliability-table markers.
#   bench/reliability.bash [BUILD_DIR [ASAN_FUZZ_BUILD_DIR]]   (./build.sh reliability)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
fuzz_build=${2:-build-asan}
records=${CERTWATCH_RELIABILITY_DIR:-$(mktemp -d)}
mkdir -p "$records"
export CERTWATCH_RELIABILITY_DIR=$records
echo "records: $records"

FUZZ_BUILD_DIR=$fuzz_build FUZZ_SECONDS=${FUZZ_SECONDS:-60} fuzz/run.sh

for t in tests/hardening/*_faults_test.py; do
  echo "soak: $t"
  (cd tests/hardening && CERTWATCH_BIN="$PWD/../../$build/certwatch" \
     CERTWATCH_SOURCE_DIR="$PWD/../.." CERTWATCH_BINARY_DIR="$PWD/../../$build" \
     PYTHONPATH="$PWD/../lib" PYTHONDONTWRITEBYTECODE=1 \
     /usr/bin/python3 -m unittest "$(basename "$t")")
done

bash bench/load.sh "$build"

/usr/bin/python3 bench/reliability_table.py "$records" --update README.md
