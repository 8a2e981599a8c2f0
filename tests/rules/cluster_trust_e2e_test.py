"""End to end for the certificates no Certificate object describes: `certwatch serve` watches a
fake Kubernetes API holding a webhook whose caBundle is stale (its endpoint, a real
openssl s_server, serves a leaf of another CA), a trust-manager Bundle that is not synced, a
ConfigMap PEM bundle with a CA about to expire, a CertificateSigningRequest left pending and a
Node whose kubelet (another s_server) serves a certificate with little lifetime left. A real
Prometheus scrapes it with the generated rules: exactly the expected alerts fire, and every
panel of the cluster-trust dashboard returns data."""

import base64
import datetime
import os
import time
import unittest

import certwatch_testlib as t
from prometheus_e2e import PrometheusTestCase

DAY = 86400
NS = "certwatch"


def short_lived_ca(workdir, name, days):
    """A root CA whose own certificate expires in `days` (CA() makes 10-year roots)."""
    ca = t.CA(workdir, name=name)
    t.run(["openssl", "req", "-x509", "-new", "-key", ca.key, "-out", ca.cert, "-days", str(days),
           "-subj", f"/CN={name}", "-addext", "basicConstraints=critical,CA:TRUE",
           "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
    return ca


def pem(path):
    with open(path) as f:
        return f.read()


def s_server(test, host, cert, key):
    port = t.free_port(host)
    proc = test.start(t.Proc(["openssl", "s_server", "-accept", f"{host}:{port}", "-cert", cert,
                              "-key", key, "-www", "-quiet", "-naccept", "1000000"], test.dir,
                             name=f"s_server-{host}"))
    t.wait_port(host, port)
    return proc, port


def key_of(a):
    labels = a["labels"]
    who = (labels.get("bundle") or labels.get("configmap") or labels.get("name")
           or labels.get("target") or "")
    return (labels["alertname"], who)


class ClusterTrustEndToEndTest(PrometheusTestCase):
    def test_alerts_and_dashboard_against_real_prometheus(self):
        now = datetime.datetime.now(datetime.timezone.utc)
        # The webhook serves a leaf of CA-2; its caBundle holds only CA-1 (10 days left).
        ca1 = short_lived_ca(self.dir, "Webhook CA 1", 10)
        ca2 = t.CA(self.dir, name="Webhook CA 2")
        leaf, leaf_key = ca2.issue(f"webhook-svc.{NS}.svc")
        _, webhook_port = s_server(self, "127.0.0.1", leaf, leaf_key)
        # A kubelet with 20 of its 90 days left, verified with the kubelets' CA.
        kubelet_ca = t.CA(self.dir, name="Kubelet CA")
        kubelet, kubelet_key = kubelet_ca.issue(
            "system:node:worker-1", sans=["127.0.0.2"], not_before=now - datetime.timedelta(days=70),
            not_after=now + datetime.timedelta(days=20))
        _, kubelet_port = s_server(self, "127.0.0.2", kubelet, kubelet_key)
        # A trust-manager Bundle's CA with 20 days left, and a ConfigMap CA with 5.
        bundle_ca = short_lived_ca(self.dir, "Corp Bundle CA", 20)
        old_root = short_lived_ca(self.dir, "Legacy Root CA", 5)
        new_root = t.CA(self.dir, name="Legacy Root CA 2")

        ts = t.rfc3339
        epoch = int(time.time())
        kube = t.FakeKube(self.dir)
        self.addCleanup(kube.stop)
        kube.apply(
            {"apiVersion": "v1", "kind": "Service",
             "metadata": {"name": "webhook-svc", "namespace": NS},
             "spec": {"ports": [{"name": "https", "port": 443, "targetPort": "https"}]}},
            {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
             "metadata": {"name": "webhook-svc-abc12", "namespace": NS,
                          "labels": {"kubernetes.io/service-name": "webhook-svc"}},
             "addressType": "IPv4",
             "endpoints": [{"addresses": ["127.0.0.1"], "conditions": {"ready": True}}],
             "ports": [{"name": "https", "port": webhook_port, "protocol": "TCP"}]},
            {"apiVersion": "admissionregistration.k8s.io/v1",
             "kind": "ValidatingWebhookConfiguration", "metadata": {"name": "stale-webhook"},
             "webhooks": [{"name": "validate.example.com", "admissionReviewVersions": ["v1"],
                           "sideEffects": "None",
                           "clientConfig": {"service": {"namespace": NS, "name": "webhook-svc",
                                                        "port": 443},
                                            "caBundle": base64.b64encode(
                                                pem(ca1.cert).encode()).decode()}}]},
            {"apiVersion": "trust.cert-manager.io/v1alpha1", "kind": "Bundle",
             "metadata": {"name": "corp-trust"},
             "spec": {"sources": [{"useDefaultCAs": True}],
                      "target": {"configMap": {"key": "ca.crt"}}},
             "status": {"conditions": [{"type": "Synced", "status": "False",
                                        "reason": "SourceNotFound",
                                        "message": "Secret corp-ca not found",
                                        "lastTransitionTime": ts(epoch - 3600)}]}},
            {"apiVersion": "v1", "kind": "ConfigMap",
             "metadata": {"name": "corp-trust", "namespace": "prod",
                          "labels": {"trust.cert-manager.io/bundle": "corp-trust"}},
             "data": {"ca.crt": pem(bundle_ca.cert)}},
            {"apiVersion": "v1", "kind": "ConfigMap",
             "metadata": {"name": "legacy-ca", "namespace": "prod"},
             "data": {"ca.crt": pem(old_root.cert) + pem(new_root.cert), "README": "not PEM"}},
            {"apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
             "metadata": {"name": "csr-pending", "creationTimestamp": ts(epoch - 2 * 3600)},
             "spec": {"signerName": "kubernetes.io/kubelet-serving", "request": "",
                      "usages": ["server auth"]}},
            {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "worker-1"},
             "status": {"addresses": [{"type": "InternalIP", "address": "127.0.0.2"},
                                      {"type": "Hostname", "address": "worker-1"}]}},
        )

        serve_port = t.free_port()
        _, gen, serve = self.generate_and_serve(f"""kubernetes:
  enabled: true
  kubeconfig: "{kube.kubeconfig}"
  ingresses: false
  configmaps:
    enabled: true
    namespaces: [prod]
  csrs: true
  kubelets:
    enabled: true
    port: {kubelet_port}
    ca_file: "{kubelet_ca.cert}"
tls_probes:
  interval: 2s
  timeout: 2s
generator:
  alerts:
    expiring_warning_for: 1s
    not_ready_for: 1s
    default_for: 1s
""", serve_port)
        prom = self.start_prometheus(gen, [f"127.0.0.1:{serve_port}"])

        def logs():
            _, _, body = t.http_get(f"http://127.0.0.1:{serve_port}/metrics")
            lines = [line for line in body.decode().splitlines()
                     if line.startswith(("certwatch_ca_bundle", "certwatch_bundle",
                                         "certwatch_configmap", "certwatch_csr", "certwatch_tls",
                                         "certwatch_source"))]
            return "\n".join([f"--- {p.name}\n{p.output()[-3000:]}" for p in (serve, prom)]
                             + ["--- serve /metrics"] + lines)

        expected = {
            ("CertwatchWebhookCaBundleStale", "stale-webhook"),
            ("CertwatchCaBundleCertificateExpiringSoon", "stale-webhook"),
            ("CertwatchBundleNotSynced", "corp-trust"),
            ("CertwatchBundleCertificateExpiringSoon", "corp-trust"),
            ("CertwatchConfigMapCertificateExpiringSoon", "legacy-ca"),
            ("CertwatchCertificateSigningRequestPending", "csr-pending"),
            ("CertwatchKubeletCertificateExpiringSoon", f"127.0.0.2:{kubelet_port}"),
        }
        seen = set()

        def settled():
            nonlocal seen
            seen = {key_of(a) for a in self.prometheus_get("/api/v1/alerts")["alerts"]
                    if a["state"] == "firing"}
            return seen == expected
        try:
            t.wait_for(settled, timeout=120, interval=1.0, what="the expected alerts")
        except TimeoutError:
            self.fail(f"firing alerts differ\n missing: {sorted(expected - seen)}\n"
                      f" unexpected: {sorted(seen - expected)}\n{logs()}")
        time.sleep(5)
        self.assertEqual({key_of(a) for a in self.prometheus_get("/api/v1/alerts")["alerts"]
                          if a["state"] == "firing"}, expected)
        for a in self.prometheus_get("/api/v1/alerts")["alerts"]:
            self.assertNotIn("{{", a["annotations"]["description"])

        # Only the soon-expiring CA of the rotation bundle alerts; both are exported.
        _, _, body = t.http_get(f"http://127.0.0.1:{serve_port}/metrics")
        legacy = [line for line in body.decode().splitlines()
                  if line.startswith("certwatch_configmap_cert_not_after_timestamp_seconds{")
                  and 'configmap="legacy-ca"' in line]
        self.assertEqual(len(legacy), 2, legacy)

        empty, checked = self.panels_without_data(gen, ["certwatch-cluster-trust.json"])
        self.assertGreater(checked, 8)
        if empty:
            self.fail("panels without data:\n" + "\n".join(empty) + "\n" + logs())


if __name__ == "__main__":
    unittest.main()
