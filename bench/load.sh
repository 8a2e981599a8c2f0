#!/bin/sh
# Load benchmark: 50 concurrent scrapers while 10,000 TLS targets and 100,000 certificates are
# live (bench/load.py); $1 = build dir. Writes load.json when CERTWATCH_RELIABILITY_DIR is set.
set -e
here=$(dirname "$0")
build=${1:-build}
[ $# -gt 0 ] && shift
exec /usr/bin/python3 "$here/load.py" --build "$build" "$@"
