#!/bin/sh
# 4 replicas (--shard i/4) over 400,000 Certificates from one fake API server: sync, CPU, RSS
# and scrape per replica, and the union holds every certificate once (bench/shard.py).
set -e
here=$(dirname "$0")
build=${1:-build}
[ $# -gt 0 ] && shift
exec /usr/bin/python3 "$here/shard.py" --build "$build" "$@"
