#!/usr/bin/python3
"""Renders the reliability records (JSON lists written by fuzz/run.sh, the fault soaks in
tests/hardening/ and bench/load.sh into one directory) as the README's reliability tables.

  reliability_table.py DIR                 print the Markdown
  reliability_table.py DIR --update FILE   replace the block between the reliability-table
                                           markers in FILE (the README)
"""

import argparse
import glob
import json
import os
import sys

START = "<!-- reliability-table:start -->"
END = "<!-- reliability-table:end -->"


def load(directory):
    records = []
    for path in sorted(glob.glob(os.path.join(directory, "*.json"))):
        with open(path) as f:
            data = json.load(f)
        records.extend(data if isinstance(data, list) else [data])
    return records


def n(v):
    return f"{v:,}" if isinstance(v, int) else str(v)


def mib(kib):
    return f"{kib / 1024:.1f}" if isinstance(kib, (int, float)) else "?"


def yes(v):
    return "yes" if v else "**no**"


def render(records):
    out = []
    fuzz = [r for r in records if r.get("kind") == "fuzz"]
    if fuzz:
        out += ["Fuzzing (libFuzzer with ASan+UBSan, from the committed corpora):", "",
                "| target | inputs tried | crashes | seconds | corpus inputs |",
                "|---|---:|---:|---:|---:|"]
        for r in fuzz:
            out.append(f"| {r['target']} | {n(r.get('executions', 0))} | {n(r.get('crashes', 0))} "
                       f"| {n(r.get('seconds', '?'))} | {n(r.get('corpus_inputs', '?'))} |")
        total = sum(r.get("executions", 0) for r in fuzz)
        crashes = sum(r.get("crashes", 0) for r in fuzz)
        out += [f"| **all {len(fuzz)} targets** | **{n(total)}** | **{n(crashes)}** | | |", ""]
    faults = [r for r in records if r.get("kind") == "fault"]
    if faults:
        out += ["Faults (each delivered by the misbehaving peer itself and counted there; "
                "FDs and RSS of the certwatch process before and after that fault):", "",
                "| area | fault | injected | survived | no hang | metric that dropped to 0 "
                "| other series kept | recovered | FDs | RSS MiB |",
                "|---|---|---:|---:|---|---|---|---|---|---|"]
        for r in faults:
            out.append(
                f"| {r.get('area', '?')} | {r.get('fault', '?')} | {n(r.get('injected', 0))} "
                f"| {n(r.get('survived', 0))} | {yes(r.get('timeout_ok'))} | "
                f"{r.get('metric', '')} | {yes(r.get('others_kept'))} | "
                f"{yes(r.get('recovered'))} | {r.get('fd_before', '?')} → "
                f"{r.get('fd_after', '?')} | {mib(r.get('rss_before_kib'))} → "
                f"{mib(r.get('rss_after_kib'))} |")
        injected = sum(r.get("injected", 0) for r in faults)
        survived = sum(r.get("survived", 0) for r in faults)
        out.append(f"| **all** | **{len(faults)} kinds** | **{n(injected)}** | **{n(survived)}** "
                   "| | | | | | |")
        totals = [r for r in records if r.get("kind") == "soak_total"]
        if totals:
            out += ["", "Whole soaks (FDs and RSS after a warm-up and after the last fault and "
                        "recovery):", "",
                    "| soak | faults | scrapes checked | FDs | RSS MiB |", "|---|---:|---:|---|---|"]
            for r in totals:
                out.append(f"| {r.get('area', '?')} | {n(r.get('faults', 0))} | "
                           f"{n(r.get('scrapes', 0))} | {r.get('fd_before', '?')} → "
                           f"{r.get('fd_after', '?')} | {mib(r.get('rss_before_kib'))} → "
                           f"{mib(r.get('rss_after_kib'))} |")
        out.append("")
    load = [r for r in records if r.get("kind") == "load"]
    if load:
        out += ["Load (concurrent scrapers while TLS targets and certificates are live):", "",
                "| scrapers | TLS targets | certificates | scrapes | complete | consistent "
                "| p50 ms | p99 ms | max ms | RSS idle → peak MiB | FDs before → after |",
                "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"]
        for r in load:
            out.append(
                f"| {n(r.get('scrapers'))} | {n(r.get('tls_targets'))} | "
                f"{n(r.get('certificates'))} | {n(r.get('scrapes'))} | {n(r.get('complete'))} | "
                f"{n(r.get('consistent'))} | {r.get('p50_ms')} | {r.get('p99_ms')} | "
                f"{r.get('max_ms')} | {mib(r.get('rss_idle_kib'))} → "
                f"{mib(r.get('rss_peak_kib'))} | {r.get('fd_before', '?')} → "
                f"{r.get('fd_after', '?')} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    ap.add_argument("--update", metavar="FILE")
    args = ap.parse_args()
    records = load(args.dir)
    if not records:
        sys.exit(f"no reliability records in {args.dir}")
    table = render(records)
    if not args.update:
        sys.stdout.write(table)
        return
    with open(args.update) as f:
        text = f.read()
    if START not in text or END not in text:
        sys.exit(f"{args.update}: no {START} ... {END} block")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    with open(args.update, "w") as f:
        f.write(head + START + "\n" + table + END + tail)
    print(f"{args.update}: reliability tables updated from {len(records)} records")


if __name__ == "__main__":
    main()
