#!/bin/sh
# 20,000 Certificates from the fake API server: certwatch's RSS synced and after 10 plain + 10
# gzip scrapes, and the median scrape (bench/fake_api_scrape.py); $1 = build dir.
set -e
here=$(dirname "$0")
build=${1:-build}
[ $# -gt 0 ] && shift
exec /usr/bin/python3 "$here/fake_api_scrape.py" --build "$build" "$@"
