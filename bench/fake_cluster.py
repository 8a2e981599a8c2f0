"""What the fake-API benchmarks share (bench/fake_api_scrape.py, bench/shard.py): the test
library on sys.path for a build directory, healthy cert-manager Certificates posted to the
fake Kubernetes API server in batches, the `certwatch serve` config that watches it with
nothing else enabled, and a process's RSS."""

import json
import os
import sys
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(HERE)
DAY = 86400


def testlib(build):
    """certwatch_testlib, told to run the binaries of `build`."""
    build = os.path.abspath(build)
    os.environ.setdefault("CERTWATCH_BIN", os.path.join(build, "certwatch"))
    os.environ.setdefault("CERTWATCH_SOURCE_DIR", SOURCE)
    os.environ.setdefault("CERTWATCH_BINARY_DIR", build)
    sys.path.insert(0, os.path.join(SOURCE, "tests", "lib"))
    import certwatch_testlib
    return certwatch_testlib


def certificate(t, i, now, namespaces):
    """Certificate i as cert-manager writes it once Ready: dates 30-90 days out."""
    ns = f"team-{i % namespaces}"
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


def post_certificates(t, kube, n, now, namespaces):
    """Certificates 0..n-1 into the fake API server, 10,000 per request."""
    for start in range(0, n, 10_000):
        batch = [certificate(t, i, now, namespaces) for i in range(start, min(start + 10_000, n))]
        req = urllib.request.Request(
            f"{kube.url}/_fake/objects", method="POST",
            data=json.dumps(batch, separators=(",", ":")).encode(),
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=600) as r:
            r.read()


def serve_config(kube):
    """`certwatch serve` watching the fake API server, with no probes of its own."""
    return f"""kubernetes:
  enabled: true
  kubeconfig: {kube.kubeconfig}
  ingresses: false
dns_probes:
  resolvers: []
  acme_challenges: false
  caa: false
"""


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")
