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
import json
import os
import statistics
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(HERE)
DAY = 86400

p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
p.add_argument("--build", default="build")
p.add_argument("--certificates", type=int, default=20_000)
p.add_argument("--scrapes", type=int, default=10)
ARGS = p.parse_args()
BUILD = os.path.abspath(ARGS.build)
os.environ.setdefault("CERTWATCH_BIN", os.path.join(BUILD, "certwatch"))
os.environ.setdefault("CERTWATCH_SOURCE_DIR", SOURCE)
os.environ.setdefault("CERTWATCH_BINARY_DIR", BUILD)
sys.path.insert(0, os.path.join(SOURCE, "tests", "lib"))
import certwatch_testlib as t  # noqa: E402


def certificate(i, now):
    ns = f"team-{i % 200}"
    not_after = now + (30 + i % 60) * DAY
    return {"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
            "metadata": {"name": f"app-{i}", "namespace": ns, "generation": 1},
            "spec": {"secretName": f"app-{i}-tls", "dnsNames": [f"app-{i}.{ns}.example.com"],
                     "issuerRef": {"name": "letsencrypt", "kind": "ClusterIssuer",
                                   "group": "cert-manager.io"}},
            "status": {"notBefore": t.rfc3339(not_after - 90 * DAY),
                       "notAfter": t.rfc3339(not_after),
                       "renewalTime": t.rfc3339(not_after - 30 * DAY), "revision": 1,
                       "conditions": [{"type": "Ready", "status": "True", "reason": "Ready",
                                       "message": "Certificate is up to date and has not expired",
                                       "lastTransitionTime": t.rfc3339(not_after - 90 * DAY),
                                       "observedGeneration": 1}]}}


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main():
    n = ARGS.certificates
    with t.tempdir(prefix="certwatch-fake-api-scrape-") as tmp:
        kube = t.FakeKube(tmp)
        serve = None
        try:
            now = int(time.time())
            for start in range(0, n, 10_000):
                batch = [certificate(i, now) for i in range(start, min(start + 10_000, n))]
                req = urllib.request.Request(
                    f"{kube.url}/_fake/objects", method="POST",
                    data=json.dumps(batch, separators=(",", ":")).encode(),
                    headers={"Content-Type": "application/json"})
                with urllib.request.urlopen(req, timeout=600) as r:
                    r.read()
            config = f"""kubernetes:
  enabled: true
  kubeconfig: {kube.kubeconfig}
  ingresses: false
dns_probes:
  resolvers: []
  acme_challenges: false
  caa: false
"""
            serve = t.CertwatchServe(tmp, config, args=["--log.level", "warn"], name="serve")
            pid = serve.proc.pid
            t.wait_for(lambda: serve.get("/readyz")[0] == 200, 300, interval=0.2,
                       what="certwatch ready")
            time.sleep(2)  # the first classification pass after sync
            synced = rss_mib(pid)
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
            after = rss_mib(pid)
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
