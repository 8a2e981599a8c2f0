"""Scale-out: two `certwatch serve` replicas with --shard 0/2 and --shard 1/2 against one
(fake) cluster and one set of certificate files partition what they export exactly: every
certificate and file appears on exactly one replica, and nothing is missing."""

import json
import os
import time
import unittest

import certwatch_testlib as tl

DAY = 86400


def certificate(ns, name, not_after):
    return {"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
            "metadata": {"name": name, "namespace": ns},
            "spec": {"secretName": f"{name}-tls", "dnsNames": [f"{name}.{ns}.example.com"],
                     "issuerRef": {"name": "ca", "kind": "ClusterIssuer",
                                   "group": "cert-manager.io"}},
            "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "Ready",
                                       "message": "ok"}],
                       "notAfter": tl.rfc3339(not_after), "revision": 1}}


def series(metrics, name, *label_names):
    return {tuple(dict(ls)[k] for k in label_names)
            for (n, ls), _ in metrics.items() if n == name}


class ShardTest(unittest.TestCase):
    def test_two_replicas_partition_certificates_and_files_exactly(self):
        now = int(time.time())
        with tl.tempdir() as d:
            fixtures = []
            expected = set()
            for i in range(60):
                ns, name = f"team-{i % 5}", f"cert-{i}"
                fixtures.append(certificate(ns, name, now + (i + 1) * DAY))
                expected.add((ns, name))
            fixture_file = os.path.join(d, "fixtures.json")
            with open(fixture_file, "w") as f:
                json.dump({"apiVersion": "v1", "kind": "List", "items": fixtures}, f)
            certs_dir = os.path.join(d, "pki")
            os.makedirs(certs_dir)
            ca = tl.CA(d, name="Shard CA")
            expected_files = set()
            for i in range(16):
                crt, _ = ca.issue(f"node-{i}", outdir=certs_dir, name=f"node-{i}")
                expected_files.add(crt)
            with tl.FakeKube(d, fixtures=[fixture_file]) as kube:
                config = f"""
kubernetes:
  enabled: true
  kubeconfig: {kube.kubeconfig}
  ingresses: false
files:
  - path: "{certs_dir}/*.crt"
dns_probes:
  acme_challenges: false
  caa: false
"""
                replicas = [tl.CertwatchServe(d, config, args=["--shard", f"{i}/2"],
                                              name=f"shard-{i}") for i in range(2)]
                try:
                    for r in replicas:
                        tl.wait_for(lambda r=r: r.get("/readyz")[0] == 200, 30,
                                    what="replica ready")
                    got = []
                    for r in replicas:
                        status, _, body = r.get("/metrics")
                        self.assertEqual(status, 200)
                        m = tl.parse_metrics(body.decode())
                        got.append((series(m, "certwatch_certificate_expiration_timestamp_seconds",
                                           "namespace", "name"),
                                    series(m, "certwatch_file_cert_not_after_timestamp_seconds",
                                           "path")))
                finally:
                    for r in replicas:
                        r.stop()
            (certs0, files0), (certs1, files1) = got
            self.assertEqual(certs0 & certs1, set(), "a certificate is exported by both shards")
            self.assertEqual(certs0 | certs1, expected, "a certificate is exported by no shard")
            self.assertGreater(len(certs0), 10)
            self.assertGreater(len(certs1), 10)
            files0 = {p for (p,) in files0}
            files1 = {p for (p,) in files1}
            self.assertEqual(files0 & files1, set())
            self.assertEqual(files0 | files1, expected_files)


if __name__ == "__main__":
    unittest.main()
