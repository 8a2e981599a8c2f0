#!/usr/bin/python3
"""Prints the slowest tests of one ctest run beside their timeouts.

    ctest_report.py BUILD_DIR JUNIT_XML [--top N] [--step NAME]

JUNIT_XML is what `ctest --output-junit` wrote; the timeouts come from
`ctest --show-only=json-v1` in BUILD_DIR (the TIMEOUT property of each test). A test that used
more than a third of its timeout is marked: on a machine twice as slow it would be at two
thirds, so the mark shows where time goes before anything times out. Always exits 0: it
reports, the ctest run before it decides.
"""
import argparse
import json
import subprocess
import sys
import xml.etree.ElementTree as ET


def timeouts(build_dir):
    out = subprocess.run(["ctest", "--show-only=json-v1"], cwd=build_dir, capture_output=True,
                         text=True, timeout=120)
    result = {}
    if out.returncode != 0:
        return result
    for test in json.loads(out.stdout).get("tests", []):
        for prop in test.get("properties", []):
            if prop.get("name") == "TIMEOUT":
                result[test["name"]] = float(prop["value"])
    return result


def durations(junit_path):
    root = ET.parse(junit_path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    rows = []
    for suite in suites:
        for case in suite.findall("testcase"):
            status = case.get("status", "run")
            if case.find("failure") is not None:
                status = "failed"
            elif case.find("skipped") is not None:
                status = "skipped"
            rows.append((case.get("name"), float(case.get("time") or 0), status))
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("build_dir")
    parser.add_argument("junit")
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--step", default="")
    args = parser.parse_args()
    try:
        rows = durations(args.junit)
        limits = timeouts(args.build_dir)
    except (OSError, ET.ParseError, ValueError, subprocess.SubprocessError) as e:
        print(f"ctest_report: {e}", file=sys.stderr)
        return 0
    rows.sort(key=lambda r: r[1], reverse=True)
    title = f"slowest {min(args.top, len(rows))} of {len(rows)} tests"
    if args.step:
        title += f" ({args.step})"
    print(f"--- {title}; '!' marks more than a third of the timeout")
    print(f"{'test':<46} {'seconds':>8} {'timeout':>8} {'used':>6}  status")
    over = 0
    for name, seconds, status in rows[:args.top]:
        limit = limits.get(name)
        used = f"{100 * seconds / limit:.0f}%" if limit else "-"
        mark = "!" if limit and seconds > limit / 3 else " "
        over += mark == "!"
        print(f"{name:<46} {seconds:8.1f} {limit or 0:8.0f} {used:>6} {mark}{status}")
    total = sum(r[1] for r in rows)
    print(f"--- sum of test times {total:.0f} s; {over} of these over a third of the timeout")
    return 0


if __name__ == "__main__":
    sys.exit(main())
