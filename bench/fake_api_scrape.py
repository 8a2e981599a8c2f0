#!/usr/bin/python3
"""A new user's first hour at scale: `certwatch serve` over 20,000 Certificates from the fake
Kubernetes API server (tests/fakes/kube_api.py), nothing else enabled.

Prints certwatch's RSS once synced and after 10 plain plus 10 gzip scrapes (the goal is
<= 64 MiB after both), the median wall time of each kind of scrape (plain goal <= 25 ms) and
its size. Scrapes run one after another on a kept-alive connection, as Prometheus does.

    bench/fake_api_scrape.py --build BUILD_DIR [--certificates 20000] [--scrapes 10]
"""

import argparse
import gzip
import http.client
import statistics
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_cluster  # noqa: E402

p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
p.add_argument("--build", default="build")
p.add_argument("--certificates", type=int, default=20_000)
p.add_argument("--scrapes", type=int, default=10)
ARGS = p.parse_args()
t = fake_cluster.testlib(ARGS.build)


def main():
    n = ARGS.certificates
    with t.tempdir(prefix="certwatch-fake-api-scrape-") as tmp:
        kube = t.FakeKube(tmp)
        serve = None
        try:
            fake_cluster.post_certificates(t, kube, n, int(time.time()), 200)
            config = fake_cluster.serve_config(kube)
            serve = t.CertwatchServe(tmp, config, args=["--log.level", "warn"], name="serve")
            pid = serve.proc.pid
            t.wait_for(lambda: serve.get("/readyz")[0] == 200, 300, interval=0.2,
                       what="certwatch ready")
            time.sleep(2)  # the first classification pass after sync
            synced = fake_cluster.rss_mib(pid)
            host, port = serve.url("/").split("//")[1].split("/")[0].split(":")
            conn = http.client.HTTPConnection(host, int(port), timeout=60)
            times = {"plain": [], "gzip": []}
            sizes = {}
            for kind in ("plain", "gzip"):
                headers = {"Accept-Encoding": "gzip"} if kind == "gzip" else {}
                for _ in range(ARGS.scrapes):
                    t0 = time.monotonic()
                    conn.request("GET", "/metrics", headers=headers)
                    r = conn.getresponse()
                    body = r.read()
                    times[kind].append((time.monotonic() - t0) * 1e3)
                    sizes[kind] = len(body)
                    text = gzip.decompress(body) if kind == "gzip" else body
                    count = text.count(b"certwatch_certificate_expiration_timestamp_seconds{")
                    if count != n:
                        raise RuntimeError(f"{kind} scrape holds {count} certificates, not {n}")
            after = fake_cluster.rss_mib(pid)
            print(f"fake API server, {n} Certificates: RSS {synced:.1f} MiB synced, "
                  f"{after:.1f} MiB after {ARGS.scrapes} plain + {ARGS.scrapes} gzip scrapes "
                  f"(goal <= 64 MiB)")
            for kind in ("plain", "gzip"):
                goal = " (goal <= 25 ms)" if kind == "plain" else ""
                print(f"  {kind:5} scrape: median {statistics.median(times[kind]):.1f} ms wall"
                      f"{goal}, max {max(times[kind]):.1f} ms, {sizes[kind]} bytes")
        finally:
            if serve:
                serve.stop()
            kube.stop()


if __name__ == "__main__":
    main()
