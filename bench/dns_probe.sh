#!/bin/sh
# Runs the DNS probe comparison (certwatch vs blackbox_exporter's dns module); $1 = build dir.
exec /usr/bin/python3 "$(dirname "$0")/dns_probe.py" --build "${1:-build}"
