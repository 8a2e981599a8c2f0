"""`certwatch serve` with TLS probes, through the binary: static targets exported as metrics
(dates of a bad certificate included, scrapes never wait on a slow handshake), and Ingress
discovery from the fake API server: an ingress still serving the old certificate while the
Secret holds the new one is reported as drift, which clears once the server reloads; an
Ingress pointing outside the allow-list is not probed."""

import base64
import datetime
import time
import unittest

import certwatch_testlib as t

HOST = "127.0.0.6"
UTC = datetime.timezone.utc


def ready_certificate(name, ns, secret, host, cert_file, revision):
    """A Ready cert-manager Certificate for `host` whose status holds cert_file's notAfter."""
    return {"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
            "metadata": {"name": name, "namespace": ns},
            "spec": {"secretName": secret, "dnsNames": [host],
                     "issuerRef": {"name": "ca", "kind": "ClusterIssuer",
                                   "group": "cert-manager.io"}},
            "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "Ready"}],
                       "notAfter": t.rfc3339(t.cert_not_after(cert_file)),
                       "revision": revision}}


def b64(path):
    with open(path, "rb") as f:
        return base64.b64encode(f.read()).decode()


class TlsServeTest(unittest.TestCase):
    def setUp(self):
        self._tmp = t.tempdir()
        self.dir = self._tmp.__enter__()
        self.addCleanup(self._tmp.__exit__, None, None, None)

    def s_server(self, cert, key, port, chain=None):
        args = ["openssl", "s_server", "-accept", f"{HOST}:{port}", "-cert", cert, "-key", key,
                "-www", "-quiet", "-naccept", "1000000"]
        if chain:
            args += ["-cert_chain", chain]
        p = t.Proc(args, self.dir, name="s_server")
        self.addCleanup(p.stop)
        t.wait_port(HOST, port)
        return p

    def serve(self, text):
        s = t.CertwatchServe(self.dir, text)
        self.addCleanup(s.stop)
        return s

    def metrics(self, s):
        status, _, body = s.get("/metrics")
        self.assertEqual(status, 200)
        return t.parse_metrics(body.decode())

    def wait_value(self, s, pred, name, timeout=30, **labels):
        def ok():
            v = t.metric(self.metrics(s), name, **labels)
            return v is not None and pred(v)
        try:
            t.wait_for(ok, timeout, what=f"{name}{labels}")
        except TimeoutError:
            self.fail(f"{name}{labels}: have {t.metric(self.metrics(s), name, **labels)}\n"
                      f"{s.proc.output()[-3000:]}")
        return t.metric(self.metrics(s), name, **labels)

    def test_static_targets_and_scrapes_never_wait(self):
        root = t.CA(self.dir, name="Serve Root CA")
        good, good_key = root.issue("good.example.test", name="good", days=30)
        now = datetime.datetime.now(UTC)
        old, old_key = root.issue("old.example.test", name="old",
                                  not_before=now - datetime.timedelta(days=60),
                                  not_after=now - datetime.timedelta(days=2))
        p1, p2 = t.free_port(HOST), t.free_port(HOST)
        self.s_server(good, good_key, p1)
        self.s_server(old, old_key, p2)
        # A peer that accepts and never answers: its probe sits until the timeout.
        import socket
        silent = socket.socket()
        silent.bind((HOST, 0))
        silent.listen(8)
        self.addCleanup(silent.close)
        p3 = silent.getsockname()[1]
        s = self.serve(f"""kubernetes:
  enabled: false
tls_probes:
  interval: 2s
  timeout: 2s
  targets:
    - address: "{HOST}:{p1}"
      server_name: good.example.test
      ca_file: "{root.cert}"
    - address: "{HOST}:{p2}"
      server_name: old.example.test
      ca_file: "{root.cert}"
    - address: "{HOST}:{p3}"
      server_name: silent.example.test
dns_probes:
  resolvers: []
""")
        good_l = dict(target=f"{HOST}:{p1}", server_name="good.example.test")
        old_l = dict(target=f"{HOST}:{p2}", server_name="old.example.test")
        silent_l = dict(target=f"{HOST}:{p3}", server_name="silent.example.test")
        self.wait_value(s, lambda v: v == 1, "certwatch_tls_probe_success", **good_l)
        self.wait_value(s, lambda v: v == 1, "certwatch_tls_probe_success", **old_l)
        self.wait_value(s, lambda v: v == 0, "certwatch_tls_probe_success", **silent_l)
        m = self.metrics(s)
        self.assertEqual(t.metric(m, "certwatch_tls_cert_verified", **good_l), 1)
        self.assertEqual(t.metric(m, "certwatch_tls_verify_result", reason="ok", **good_l), 1)
        self.assertEqual(t.metric(m, "certwatch_tls_cert_not_after_timestamp_seconds", **good_l),
                         t.cert_not_after(good))
        # The expired leaf's dates are exported although it does not verify.
        self.assertEqual(t.metric(m, "certwatch_tls_cert_verified", **old_l), 0)
        self.assertEqual(t.metric(m, "certwatch_tls_verify_result", reason="expired", **old_l),
                         1)
        self.assertEqual(t.metric(m, "certwatch_tls_cert_not_after_timestamp_seconds", **old_l),
                         t.cert_not_after(old))
        self.assertEqual(t.metric(m, "certwatch_tls_verify_result", reason="timeout", **silent_l),
                         1)
        self.assertIsNone(t.metric(m, "certwatch_tls_cert_not_after_timestamp_seconds",
                                   **silent_l))
        self.assertEqual(t.metric(m, "certwatch_tls_info", version="TLS 1.3", **good_l), 1)
        self.assertEqual(t.metric(m, "certwatch_source_up", source="tls_probes"), 1)
        # Scrapes read the store: fast even while the silent target's probe is in flight.
        for _ in range(5):
            start = time.monotonic()
            self.metrics(s)
            self.assertLess(time.monotonic() - start, 1.0)
            time.sleep(0.3)

    def test_ingress_drift_detected_then_cleared(self):
        root = t.CA(self.dir, name="Drift Root CA")
        host = "www.shop.test"
        old, old_key = root.issue(host, name="old", days=20)
        time.sleep(1.1)  # a later notAfter second for the renewed certificate
        new, new_key = root.issue(host, name="new", days=90)
        port = t.free_port(HOST)
        server = self.s_server(old, old_key, port, chain=root.cert)

        kube = t.FakeKube(self.dir)
        self.addCleanup(kube.stop)
        kube.apply(
            ready_certificate("web", "shop", "web-tls", host, new, revision=2),
            {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
             "metadata": {"name": "web-tls", "namespace": "shop"},
             "data": {"tls.crt": b64(new), "tls.key": b64(new_key)}},
            {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
             "metadata": {"name": "web", "namespace": "shop"},
             "spec": {"tls": [{"hosts": [host], "secretName": "web-tls"}],
                      "rules": [{"host": host}]},
             "status": {"loadBalancer": {"ingress": [{"ip": HOST}]}}},
            # A tenant's Ingress pointing at an address outside the allow-list.
            {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
             "metadata": {"name": "sneaky", "namespace": "tenant"},
             "spec": {"tls": [{"hosts": ["metadata.internal"], "secretName": "x"}]},
             "status": {"loadBalancer": {"ingress": [{"ip": "127.0.0.7"}]}}})
        s = self.serve(f"""kubernetes:
  enabled: true
  kubeconfig: "{kube.kubeconfig}"
  secrets: true
  ingresses: true
  ingress_port: {port}
tls_probes:
  interval: 1s
  timeout: 1s
  allowed_cidrs: ["{HOST}/32"]
dns_probes:
  resolvers: []
""")
        target = f"{HOST}:{port}"
        drift = dict(namespace="shop", certificate="web", target=target)
        self.wait_value(s, lambda v: v == 0, "certwatch_tls_served_matches_secret", **drift)
        self.wait_value(s, lambda v: v >= 1, "certwatch_tls_served_mismatch_seconds", **drift)
        m = self.metrics(s)
        self.assertEqual(t.metric(m, "certwatch_tls_cert_not_after_timestamp_seconds",
                                  target=target, server_name=host), t.cert_not_after(old))
        self.assertIsNone(t.metric(m, "certwatch_tls_probe_success", target=f"127.0.0.7:{port}"))
        self.assertIn("allowed", s.proc.output())  # the skipped target is logged

        # The ingress reloads and serves the renewed certificate: drift clears.
        server.stop()
        self.s_server(new, new_key, port, chain=root.cert)
        self.wait_value(s, lambda v: v == 1, "certwatch_tls_served_matches_secret", **drift)
        self.assertEqual(t.metric(self.metrics(s), "certwatch_tls_served_mismatch_seconds",
                                  **drift), 0)
        self.assertEqual(t.metric(self.metrics(s),
                                  "certwatch_tls_cert_not_after_timestamp_seconds",
                                  target=target, server_name=host), t.cert_not_after(new))


    def test_default_discovery_probes_what_a_certificate_covers(self):
        # No allow-list: an Ingress whose tls entry a Certificate covers (ingress-shim's
        # secretName) is probed at its load-balancer address; one no Certificate covers is
        # exported as skipped, with its reason, and not probed.
        root = t.CA(self.dir, name="Discovery Root CA")
        host = "shop.discovery.test"
        cert, key = root.issue(host, name="served", days=30)
        port = t.free_port(HOST)
        self.s_server(cert, key, port, chain=root.cert)
        kube = t.FakeKube(self.dir)
        self.addCleanup(kube.stop)
        kube.apply(
            ready_certificate("shop-tls", "shop", "shop-tls", host, cert, revision=1),
            {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
             "metadata": {"name": "shop", "namespace": "shop"},
             "spec": {"tls": [{"hosts": [host], "secretName": "shop-tls"}]},
             "status": {"loadBalancer": {"ingress": [{"ip": HOST}]}}},
            {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
             "metadata": {"name": "sneaky", "namespace": "tenant"},
             "spec": {"tls": [{"hosts": ["metadata.internal"], "secretName": "x"}]},
             "status": {"loadBalancer": {"ingress": [{"ip": "127.0.0.7"}]}}})
        s = self.serve(f"""kubernetes:
  enabled: true
  kubeconfig: "{kube.kubeconfig}"
  ingress_port: {port}
tls_probes:
  interval: 1s
dns_probes:
  resolvers: []
""")
        target = f"{HOST}:{port}"
        self.wait_value(s, lambda v: v == 1, "certwatch_tls_probe_success", target=target,
                        server_name=host)
        m = self.metrics(s)
        self.assertEqual(t.metric(m, "certwatch_tls_cert_not_after_timestamp_seconds",
                                  target=target, server_name=host), t.cert_not_after(cert))
        self.assertEqual(t.metric(m, "certwatch_tls_discovered_target_skipped",
                                  namespace="tenant", ingress="sneaky",
                                  target=f"metadata.internal@127.0.0.7:{port}",
                                  reason="not_covered"), 1)
        self.assertIsNone(t.metric(m, "certwatch_tls_probe_success", target=f"127.0.0.7:{port}"))
        self.assertIsNone(t.metric(m, "certwatch_tls_discovered_target_skipped",
                                   namespace="shop"))
        # The landing page lists it too, with its reason.
        status, _, page = s.get("/")
        self.assertEqual(status, 200)
        self.assertIn(f"metadata.internal@127.0.0.7:{port}", page.decode())
        self.assertIn("not_covered", page.decode())


if __name__ == "__main__":
    unittest.main()
