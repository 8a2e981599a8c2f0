#!/usr/bin/env bash
# The first hour's first step, timed: a fresh clone's `./build.sh run`, from `git clone` to the
# first answer of /metrics, without ccache (as on a new machine; the packages are assumed
# installed, `./build.sh deps` is idempotent and reports nothing to do). Prints the seconds.
#   bench/first_run.sh [REPO]   (default: this checkout)
set -euo pipefail
repo=$(cd "${1:-$(dirname "$0")/..}" && pwd)
work=$(mktemp -d /tmp/certwatch-first-run.XXXXXX)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill -- "-$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
git clone -q "$repo" "$work/certwatch"
cd "$work/certwatch"
# The example listens on 0.0.0.0:9480; the benchmark moves it to a free loopback port.
sed -i "s|^\(\s*listen_address:\).*|\1 \"127.0.0.1:$port\"|" config/example.yaml
grep -q "127.0.0.1:$port" config/example.yaml || { echo "example.yaml has no web.listen_address" >&2; exit 1; }
start=$(date +%s)
CCACHE_DISABLE=1 setsid ./build.sh run >"$work/run.log" 2>&1 &
pid=$!
for _ in $(seq 1 1800); do
  if curl -fsS "http://127.0.0.1:$port/metrics" -o /dev/null 2>/dev/null; then
    built=$(find build -name '*.o' | wc -l)
    echo "build.sh run: first /metrics after $(($(date +%s) - start)) s ($built objects built, $(nproc) cores)"
    exit 0
  fi
  if ! kill -0 "$pid" 2>/dev/null; then cat "$work/run.log" >&2; echo "build.sh run exited" >&2; exit 1; fi
  sleep 1
done
echo "no /metrics within 30 minutes" >&2
exit 1
