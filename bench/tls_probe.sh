#!/bin/sh
# TLS probe benchmark: certwatch's prober vs prometheus-blackbox-exporter vs the OpenSSL floor
# on local nginx endpoints. Usage: bench/tls_probe.sh [BUILD_DIR] [extra bench/tls_probe.py args]
set -e
here=$(dirname "$0")
build=${1:-build}
[ $# -gt 0 ] && shift
exec /usr/bin/python3 "$here/tls_probe.py" --build "$build" "$@"
