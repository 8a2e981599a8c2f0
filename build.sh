#!/usr/bin/env bash
# certwatch's one entry point for set-up, building, running and testing.
#   ./build.sh run     install packages, build, run the exporter on config/example.yaml
#   ./build.sh test    install packages, build, run every test: the suite (unit + integration)
#                      on the Release build with the unit tests also under valgrind, the suite
#                      again under ASan+UBSan (clang), every libFuzzer target FUZZ_SECONDS (20)
#   ./build.sh test-fast  the suite on the Release build only (a quick loop; CI runs `test`)
#   ./build.sh bench   install packages, build, run the benchmarks
#   ./build.sh reliability  fuzzing, fault soaks and load; rewrites the README's reliability tables
#   ./build.sh deps    install packages only
# Packages come from Debian's archive only; `apt-get install -y` is idempotent and runs
# `apt-get update` first only when a package is missing.
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev
  # libraries
  prometheus-cpp-dev libcpp-httplib-dev libssl-dev libc-ares-dev libyaml-cpp-dev libjsonnet-dev
  libcurl4-openssl-dev libsimdjson-dev nlohmann-json3-dev libpsl-dev publicsuffix libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev zlib1g-dev libcrypt-dev
  # real peers used by the tests and benchmarks
  prometheus prometheus-blackbox-exporter pebble dnsmasq-base nginx-light chromium jsonnet
  openssl curl python3 python3-yaml python3-prometheus-client valgrind
)

need_sudo() { if [ "$(id -u)" -ne 0 ]; then echo sudo; fi; }

deps() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    $(need_sudo) apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $(need_sudo) apt-get install -y --no-install-recommends "${PACKAGES[@]}"
  fi
}

jobs() { nproc 2>/dev/null || echo 2; }
# ctest runs one test more than there are cores: the fault soaks spend most of their time
# waiting (backoffs, a two-minute API outage), and would otherwise hold a core's slot idle.
test_jobs() { echo $(($(jobs) + 1)); }

# ccache (when installed) shares objects between clones of this repository: paths under the
# source directory are hashed relative to it.
export CCACHE_BASEDIR="$PWD"

configure_and_build() {  # dir, extra cmake args... (a later -DCMAKE_BUILD_TYPE wins)
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
  ninja -C "$dir" -j "$(jobs)" ${NINJA_TARGETS:-}
}

# run_suite DIR STEP [ctest args...]: the whole ctest suite in DIR, then the slowest ten tests
# beside their timeouts (printed whether or not the suite passed). Returns ctest's status.
run_suite() {
  local dir=$1 step=$2; shift 2
  local rc=0 junit="$PWD/$dir/ctest-junit.xml"
  rm -f "$junit"
  (cd "$dir" && ctest --output-on-failure -j "$(test_jobs)" --timeout 1500 \
     --output-junit "$junit" "$@") || rc=$?
  /usr/bin/python3 tests/lib/ctest_report.py "$dir" "$junit" --step "$step"
  return $rc
}

# Wall time of each step of `test`, printed as it ends and again at the end.
STEP_TIMES=()
timed() {  # name, command...
  local name=$1; shift
  local start=$SECONDS rc=0
  "$@" || rc=$?
  STEP_TIMES+=("$(printf '%-44s %5d s%s' "$name" $((SECONDS - start)) "$([ $rc -ne 0 ] && echo '  FAILED')")")
  echo "=== step: ${STEP_TIMES[-1]}"
  return $rc
}
print_step_times() {
  echo "=== step times (total $SECONDS s)"
  printf '%s\n' "${STEP_TIMES[@]}"
}

case "${1:-}" in
  deps)
    deps ;;
  run)
    deps
    # Only the binary it runs: the tests and benchmarks are `test`'s and `bench`'s to build.
    NINJA_TARGETS=certwatch configure_and_build build
    echo "certwatch: serving http://127.0.0.1:9480/ (metrics at /metrics); Ctrl-C stops it"
    exec build/certwatch serve --config config/example.yaml ;;
  test)
    trap print_step_times EXIT
    timed "packages" deps
    # 1. The suite on the Release build `run` ships, and every unit test binary once more under
    #    valgrind memcheck (ctest label "valgrind"), all scheduled together.
    timed "build: GCC Release" configure_and_build build -DCERTWATCH_VALGRIND=ON
    timed "1. suite on Release + valgrind" run_suite build "Release + valgrind"
    # 2. The same suite under AddressSanitizer + UndefinedBehaviorSanitizer, built with clang so
    #    that the same build also links the libFuzzer targets (one build instead of two).
    timed "build: clang ASan+UBSan + fuzz targets" configure_and_build build-asan \
      -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" \
      -DCERTWATCH_SANITIZE=ON -DCERTWATCH_FUZZ=ON -DCERTWATCH_BENCH=OFF -DCERTWATCH_VALGRIND=OFF \
      -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      timed "2. suite on ASan+UBSan" run_suite build-asan "ASan+UBSan"
    # 3. Every parser of outside input under libFuzzer for a bounded time; any crash fails.
    FUZZ_BUILD_DIR=build-asan FUZZ_SECONDS=${FUZZ_SECONDS:-20} timed "3. fuzz targets" fuzz/run.sh ;;
  test-fast)
    # Step 1 without valgrind: the quick loop while developing (not what CI runs).
    deps
    configure_and_build build -DCERTWATCH_VALGRIND=OFF
    (cd build && ctest --output-on-failure -j "$(jobs)" --timeout 900) ;;
  reliability)
    # Re-measures the README's reliability tables (fuzzing, fault soaks, load); ~25 minutes.
    deps
    configure_and_build build
    configure_and_build build-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" \
      -DCERTWATCH_SANITIZE=ON -DCERTWATCH_FUZZ=ON -DCERTWATCH_BENCH=OFF -DCERTWATCH_VALGRIND=OFF \
      -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang
    bench/reliability.bash build build-asan ;;
  bench)
    deps
    configure_and_build build
    for b in bench/*.sh; do [ -e "$b" ] && bash "$b" build; done
    for b in build/bench/bench_*; do [ -x "$b" ] && "$b"; done ;;
  *)
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
    exit 2 ;;
esac
