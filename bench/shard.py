#!/usr/bin/python3
"""Scale-out, simulated: 4 replicas (`--shard i/4`) of `certwatch serve` over 400,000
Certificates from one fake Kubernetes API server on this machine.

Per replica it prints the time to /readyz, the CPU seconds spent to get there (utime + stime
from /proc), the RSS once synced, and the median of 5 gzip scrapes (wall, and the bytes); then
checks that the union of the four expositions holds every Certificate exactly once, and
prints the per-replica cost per 100,000 owned Certificates, the slope the README's scale
section extrapolates from.

    bench/shard.py --build BUILD_DIR [--certificates 400000] [--replicas 4]
"""

import argparse
import gzip
import http.client
import os
import re
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_cluster  # noqa: E402

p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
p.add_argument("--build", default="build")
p.add_argument("--certificates", type=int, default=400_000)
p.add_argument("--replicas", type=int, default=4)
p.add_argument("--scrapes", type=int, default=5)
ARGS = p.parse_args()
t = fake_cluster.testlib(ARGS.build)

CLK_TCK = os.sysconf("SC_CLK_TCK")
SERIES = re.compile(rb'^certwatch_certificate_expiration_timestamp_seconds\{namespace="([^"]*)",'
                    rb'name="([^"]*)"', re.M)


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def main():
    n, replicas = ARGS.certificates, ARGS.replicas
    print(f"shard benchmark: {replicas} replicas over {n} Certificates from one fake API "
          f"server; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}", flush=True)
    with t.tempdir(prefix="certwatch-shard-") as tmp:
        kube = t.FakeKube(tmp)
        serves = []
        try:
            fake_cluster.post_certificates(t, kube, n, int(time.time()), 500)
            config = fake_cluster.serve_config(kube)
            # One after another, so each replica's time to sync is its own, not a share of
            # the fake API server's single thread.
            rows = []
            for i in range(replicas):
                t0 = time.monotonic()
                s = t.CertwatchServe(tmp, config, name=f"serve-{i}",
                                     args=["--log.level", "warn", "--shard", f"{i}/{replicas}"])
                serves.append(s)
                t.wait_for(lambda: s.get("/readyz")[0] == 200, 900, interval=0.2,
                           what=f"replica {i} ready")
                rows.append({"sync_s": time.monotonic() - t0,
                             "sync_cpu_s": cpu_seconds(s.proc.pid)})
            time.sleep(3)  # the classification pass after sync
            seen = {}
            for i, s in enumerate(serves):
                row = rows[i]
                row["rss_mib"] = fake_cluster.rss_mib(s.proc.pid)
                host, port = s.address.split(":")
                conn = http.client.HTTPConnection(host, int(port), timeout=120)
                times = []
                for _ in range(ARGS.scrapes):
                    t0 = time.monotonic()
                    conn.request("GET", "/metrics", headers={"Accept-Encoding": "gzip"})
                    r = conn.getresponse()
                    body = r.read()
                    times.append((time.monotonic() - t0) * 1e3)
                row["scrape_ms"] = statistics.median(times)
                row["gzip_bytes"] = len(body)
                text = gzip.decompress(body)
                owned = SERIES.findall(text)
                row["owned"] = len(owned)
                for key in owned:
                    seen[key] = seen.get(key, 0) + 1
            twice = sum(1 for c in seen.values() if c > 1)
            missing = n - len(seen)
            for i, row in enumerate(rows):
                print(f"  replica {i}/{replicas}: {row['owned']} Certificates owned; synced in "
                      f"{row['sync_s']:.1f} s wall, {row['sync_cpu_s']:.2f} CPU-s; RSS "
                      f"{row['rss_mib']:.1f} MiB; gzip scrape median {row['scrape_ms']:.1f} ms "
                      f"({row['gzip_bytes']} bytes)")
            print(f"  union of the {replicas} expositions: {len(seen)} Certificates, "
                  f"{missing} missing, {twice} in more than one replica "
                  f"({'every certificate exactly once' if missing == 0 and twice == 0 else 'WRONG'})")
            per = 100_000 / statistics.mean(r["owned"] for r in rows)
            print(f"  per replica per 100,000 owned Certificates (of {n} watched): sync "
                  f"{statistics.mean(r['sync_cpu_s'] for r in rows) * per:.2f} CPU-s, RSS "
                  f"{statistics.mean(r['rss_mib'] for r in rows) * per:.1f} MiB, scrape "
                  f"{statistics.mean(r['scrape_ms'] for r in rows) * per:.1f} ms")
            return 0 if missing == 0 and twice == 0 else 1
        finally:
            for s in serves:
                s.stop()
            kube.stop()


if __name__ == "__main__":
    sys.exit(main())
