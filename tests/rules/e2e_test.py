"""End to end: `certwatch serve` watches a fake Kubernetes API holding an expiring, a
rate-limited, a drifting and a still-issuing (DNS-01) certificate, probes a real TLS endpoint
(openssl s_server serving a certificate other than the stored one) and a real DNS server
(pebble-challtestsrv), `certwatch renew --dry-run` runs beside it, and a real Prometheus scrapes
both with the generated rules.yaml loaded (every `for:` shortened through the config).
Prometheus negotiates OpenMetrics with both (its metadata must show the OpenMetrics family
types), /api/v1/alerts must show exactly the expected alerts firing, and every PromQL
expression of every generated dashboard panel (and every template variable) must return data."""

import json
import os
import time
import unittest

import certwatch_testlib as t
from prometheus_e2e import CLUSTER, PrometheusTestCase, alert_key

HOUR = 3600
DAY = 24 * HOUR
RATE_LIMIT = ("Failed to create Order: 429 urn:ietf:params:acme:error:rateLimited: Error creating "
              "new order :: too many certificates (50) already issued for \"example.com\" in the "
              "last 168h0m0s, retry after 2026-11-28T10:00:00Z")
ISSUER = {"name": "letsencrypt", "kind": "ClusterIssuer", "group": "cert-manager.io"}


def cond(type_, status, reason="", message="", since=None):
    c = {"type": type_, "status": status, "reason": reason, "message": message}
    if since is not None:
        c["lastTransitionTime"] = t.rfc3339(since)
    return c


def certificate(name, status=None):
    obj = {"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
           "metadata": {"name": name, "namespace": "prod"},
           "spec": {"secretName": f"{name}-tls", "dnsNames": [f"{name}.example.com"],
                    "issuerRef": ISSUER}}
    if status is not None:
        obj["status"] = status
    return obj


def scenario(now):
    ts = t.rfc3339
    return [
        {"apiVersion": "cert-manager.io/v1", "kind": "ClusterIssuer",
         "metadata": {"name": "letsencrypt"},
         "spec": {"acme": {"server": "https://acme-v02.api.letsencrypt.org/directory"}},
         "status": {"conditions": [cond("Ready", "True", "ACMEAccountRegistered")]}},
        # Expires in 30 hours, 60 hours past its renewal time: overdue by more than half its
        # renewal window (45 h), inside both expiry floors.
        certificate("expiring", {"conditions": [cond("Ready", "True", "Ready")],
                                 "notBefore": ts(now - 89 * DAY), "notAfter": ts(now + 30 * HOUR),
                                 "renewalTime": ts(now - 60 * HOUR), "revision": 1}),
        # No renewal time, 20 of its 90 days left: below a third of its lifetime.
        certificate("unscheduled", {"conditions": [cond("Ready", "True", "Ready")],
                                    "notBefore": ts(now - 70 * DAY), "notAfter": ts(now + 20 * DAY),
                                    "revision": 1}),
        # Its last issuance hit the ACME rate limit.
        certificate("limited", {"conditions": [
            cond("Ready", "False", "Failed", "issuance failed"),
            cond("Issuing", "False", "Failed",
                 "The certificate request has failed to complete and will be retried: " + RATE_LIMIT)],
            "failedIssuanceAttempts": 2, "lastFailureTime": ts(now - HOUR), "revision": 1}),
        {"apiVersion": "cert-manager.io/v1", "kind": "CertificateRequest",
         "metadata": {"name": "limited-2", "namespace": "prod",
                      "annotations": {"cert-manager.io/certificate-name": "limited",
                                      "cert-manager.io/certificate-revision": "2"}},
         "spec": {"issuerRef": ISSUER},
         "status": {"conditions": [cond("Approved", "True"), cond("Ready", "False", "Failed",
                                                                  "order errored: " + RATE_LIMIT)]}},
        {"apiVersion": "acme.cert-manager.io/v1", "kind": "Order",
         "metadata": {"name": "limited-2-123", "namespace": "prod",
                      "ownerReferences": [{"apiVersion": "cert-manager.io/v1",
                                           "kind": "CertificateRequest", "name": "limited-2",
                                           "uid": "x", "controller": True}]},
         "spec": {"dnsNames": ["limited.example.com"], "issuerRef": ISSUER},
         "status": {"state": "errored", "reason": RATE_LIMIT}},
        # Ready and valid for 60 days, but its endpoint still serves an older certificate.
        certificate("drifting", {"conditions": [cond("Ready", "True", "Ready")],
                                 "notBefore": ts(now - DAY), "notAfter": ts(now + 60 * DAY),
                                 "renewalTime": ts(now + 40 * DAY), "revision": 2}),
        # First issuance in progress: its DNS-01 record is published on the resolver.
        certificate("issuing", {"conditions": [
            cond("Ready", "False", "DoesNotExist", "Issuing certificate as Secret does not exist"),
            cond("Issuing", "True", "DoesNotExist", "Issuing certificate as Secret does not exist",
                 since=now - 600)]}),
        {"apiVersion": "cert-manager.io/v1", "kind": "CertificateRequest",
         "metadata": {"name": "issuing-1", "namespace": "prod",
                      "annotations": {"cert-manager.io/certificate-name": "issuing",
                                      "cert-manager.io/certificate-revision": "1"}},
         "spec": {"issuerRef": ISSUER},
         "status": {"conditions": [cond("Approved", "True"), cond("Ready", "False", "Pending")]}},
        {"apiVersion": "acme.cert-manager.io/v1", "kind": "Order",
         "metadata": {"name": "issuing-1-55", "namespace": "prod",
                      "ownerReferences": [{"kind": "CertificateRequest", "name": "issuing-1",
                                           "controller": True}]},
         "spec": {"dnsNames": ["issuing.example.com"], "issuerRef": ISSUER},
         "status": {"state": "pending"}},
        {"apiVersion": "acme.cert-manager.io/v1", "kind": "Challenge",
         "metadata": {"name": "issuing-1-55-77", "namespace": "prod",
                      "creationTimestamp": ts(now - 500),
                      "ownerReferences": [{"kind": "Order", "name": "issuing-1-55",
                                           "controller": True}]},
         "spec": {"type": "DNS-01", "dnsName": "issuing.example.com", "key": "e2e-challenge-key",
                  "issuerRef": ISSUER},
         "status": {"presented": True, "processing": True, "state": "pending",
                    "reason": "Waiting for DNS-01 challenge propagation"}},
    ]


# (alertname, namespace/name or certificate) expected to fire, and nothing else.
EXPECTED = {
    ("CertwatchCertificateExpiringSoon", "prod/expiring"),
    ("CertwatchCertificateExpiryCritical", "prod/expiring"),
    ("CertwatchCertificateRenewalOverdue", "prod/expiring"),
    ("CertwatchCertificateLifetimeLow", "prod/unscheduled"),
    ("CertwatchCertificateNotReady", "prod/limited"),
    ("CertwatchCertificateNotReady", "prod/issuing"),
    ("CertwatchAcmeRateLimited", "prod/limited"),
    ("CertwatchCertificateRenewalErrors", ""),
    ("CertwatchEndpointServingStaleCertificate", "prod/drifting"),
}


class DnsServer:
    """pebble-challtestsrv as the resolver, records set over its management API."""

    def __init__(self, workdir):
        self.port = t.free_port_tcp_udp("127.0.0.1")
        self.mgmt = t.free_port("127.0.0.1")
        self.proc = t.Proc(["/usr/bin/pebble-challtestsrv", "-dns01", f"127.0.0.1:{self.port}",
                            "-management", f"127.0.0.1:{self.mgmt}", "-http01", "",
                            "-https01", "", "-tlsalpn01", ""], workdir,
                           name="challtestsrv")
        t.wait_port("127.0.0.1", self.mgmt)

    def set_txt(self, host, value):
        status, _, out = t.http_post(f"http://127.0.0.1:{self.mgmt}/set-txt",
                                     json.dumps({"host": host, "value": value}).encode())
        if status != 200:
            raise RuntimeError(f"set-txt: {status} {out!r}")


class EndToEndTest(PrometheusTestCase):
    def test_alerts_and_dashboards_against_real_prometheus(self):
        # The endpoint serves a certificate valid for 30 days; the Certificate's status says 60.
        ca = t.CA(self.dir)
        served, served_key = ca.issue("drifting.example.com", days=30)
        tls = self.start(t.Proc(["openssl", "s_server", "-accept", f"127.0.0.1:{t.free_port()}",
                                 "-cert", served, "-key", served_key, "-www", "-quiet",
                                 "-naccept", "1000000"], self.dir, name="s_server"))
        tls_port = int(tls.args[3].rsplit(":", 1)[1])
        t.wait_port("127.0.0.1", tls_port)

        dns = DnsServer(self.dir)
        self.addCleanup(dns.proc.stop)
        dns.set_txt("_acme-challenge.issuing.example.com.", "e2e-challenge-key")

        kube = t.FakeKube(self.dir)
        self.addCleanup(kube.stop)
        kube.apply(*scenario(self.now))

        renewer_port = t.free_port()
        serve_port = t.free_port()
        config = f"""kubernetes:
  enabled: true
  kubeconfig: "{kube.kubeconfig}"
  ingresses: false
tls_probes:
  interval: 2s
  timeout: 2s
  targets:
    - address: "127.0.0.1:{tls_port}"
      server_name: drifting.example.com
      ca_file: "{ca.cert}"
      certificate: prod/drifting
dns_probes:
  interval: 2s
  timeout: 1s
  resolvers: ["127.0.0.1:{dns.port}"]
  authoritative: false
  queries:
    - name: drifting.example.com
      types: [A]
renewer:
  enabled: true
  dry_run: true
  state_url: "http://127.0.0.1:{serve_port}/api/v1/state"
  interval: 1s
  listen_address: "127.0.0.1:{renewer_port}"
generator:
  alerts:
    expiring_warning_for: 1s
    expiring_critical_for: 1s
    not_ready_for: 1s
    default_for: 1s
    drift_for: 1s
    dns_not_propagated_for: 1s
"""
        cfg, gen, serve = self.generate_and_serve(config, serve_port)
        renew = self.start(t.Proc([t.BIN, "renew", "--config", cfg, "--kubeconfig", kube.kubeconfig,
                                   "--dry-run"], self.dir, name="renew"))

        prom = self.start_prometheus(gen, [f"127.0.0.1:{serve_port}", f"127.0.0.1:{renewer_port}"])

        def logs():
            _, _, body = t.http_get(f"http://127.0.0.1:{serve_port}/metrics")
            probes = [line for line in body.decode().splitlines()
                      if line.startswith(("certwatch_tls", "certwatch_dns", "certwatch_caa", "certwatch_source"))]
            return "\n".join([f"--- {p.name}\n{p.output()[-3000:]}" for p in (serve, renew, prom)]
                             + ["--- serve /metrics (probes)"] + probes)

        self.assert_scraped_openmetrics({f"127.0.0.1:{serve_port}": ("certwatch_build", "info"),
                                         f"127.0.0.1:{renewer_port}":
                                         ("certwatch_renewer_actions", "counter")})

        # Exactly the expected alerts fire.
        seen = set()

        def settled():
            nonlocal seen
            seen = self.firing()
            return seen == EXPECTED
        try:
            t.wait_for(settled, timeout=120, interval=1.0, what="the expected alerts")
        except TimeoutError:
            self.fail(f"firing alerts differ\n missing: {sorted(EXPECTED - seen)}\n"
                      f" unexpected: {sorted(seen - EXPECTED)}\n{logs()}")
        # ... and stay exactly those over further evaluations.
        time.sleep(5)
        self.assertEqual(self.firing(), EXPECTED)
        alerts = self.prometheus_get("/api/v1/alerts")["alerts"]
        for a in alerts:
            self.assertTrue(a["annotations"]["summary"].endswith("."))
            self.assertNotIn("{{", a["annotations"]["description"])
            self.assertIn("#" + a["labels"]["alertname"].lower(), a["annotations"]["runbook_url"])
            self.assertEqual(a["labels"]["cluster"], CLUSTER)

        # Every panel's PromQL returns data, with Grafana's variables as the dashboard sets them.
        # The cluster-trust dashboard reads sources this scenario does not enable: it has its
        # own end-to-end test (cluster_trust_e2e_test.py).
        empty, checked = self.panels_without_data(
            gen, sorted(set(os.listdir(os.path.join(gen, "dashboards")))
                        - {"certwatch-cluster-trust.json"}))
        self.assertGreater(checked, 30)
        if empty:
            self.fail("panels without data:\n" + "\n".join(empty) + "\n" + logs())

    def test_healthy_fleet_fires_nothing_and_every_fleet_panel_has_data(self):
        """Under metrics.sparse (the default) a healthy certificate exports no default-valued
        series; no alert may read that absence as a failure, and no fleet panel may show
        "No data"."""
        kube = t.FakeKube(self.dir)
        self.addCleanup(kube.stop)
        ts = t.rfc3339
        kube.apply(scenario(self.now)[0], *[
            certificate(n, {"conditions": [cond("Ready", "True", "Ready")],
                            "notBefore": ts(self.now - DAY), "notAfter": ts(self.now + 89 * DAY),
                            "renewalTime": ts(self.now + 59 * DAY), "revision": 1})
            for n in ("web", "api", "shop")])
        serve_port = t.free_port()
        _, gen, serve = self.generate_and_serve(f"""kubernetes:
  enabled: true
  kubeconfig: "{kube.kubeconfig}"
  ingresses: false
generator:
  alerts:
    default_for: 1s
    not_ready_for: 1s
""", serve_port)
        self.start_prometheus(gen, [f"127.0.0.1:{serve_port}"])
        self.assert_scraped_openmetrics({f"127.0.0.1:{serve_port}": ("certwatch_build", "info")})
        # A panel may be empty only where Grafana shows its noValue text instead of "No data".
        empty, checked = self.panels_without_data(gen, ["certwatch-fleet.json"],
                                                  empty_allowed_with_no_value=True)
        self.assertGreater(checked, 5)
        if empty:
            _, _, body = t.http_get(f"http://127.0.0.1:{serve_port}/metrics")
            self.fail("panels without data:\n" + "\n".join(empty) + "\n" + serve.output()[-2000:]
                      + "\n" + body.decode())
        # The failed-renewals panel draws 0 per namespace, and the sparse families are absent.
        # Read after the panels have data: the Kubernetes source has synced by then (a read
        # right after the port opened raced the first list under ASan).
        _, _, body = t.http_get(f"http://127.0.0.1:{serve_port}/metrics")
        self.assertIn("certwatch_certificate_ready_status{", body.decode())
        for absent in ("certwatch_certificate_failed_issuance_attempts{",
                       "certwatch_certificate_failure_reason{"):
            self.assertNotIn(absent, body.decode())
        self.assertEqual(self.firing(), set())


if __name__ == "__main__":
    unittest.main()
