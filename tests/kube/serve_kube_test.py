"""`certwatch serve` with the Kubernetes source against the fake API server, through the
binary: exact metric values for ready, expiring, rate-limited, issuing (pending DNS-01) and
status-less Certificates; changes during the watch; outage and recovery; 410 relist;
kubeconfig (TLS + token, client certificate) and in-cluster (token file rotation) auth; TLS
Secrets parsed without keeping keys."""

import base64
import json
import os
import time
import unittest

import certwatch_testlib as tl

HOUR = 3600
DAY = 24 * HOUR
RATE_LIMIT = ("Failed to create Order: 429 urn:ietf:params:acme:error:rateLimited: Error creating "
              "new order :: too many certificates (50) already issued for \"example.com\" in the "
              "last 168h0m0s, retry after 2026-11-28T10:00:00Z")
CERT_LABELS = dict(namespace="prod", issuer_name="letsencrypt", issuer_kind="ClusterIssuer",
                   issuer_group="cert-manager.io")


def _metric(metrics, metric_name, **labels):
    """Like certwatch_testlib.metric, for label sets that include `name`."""
    found = [v for (n, ls), v in metrics.items()
             if n == metric_name and set(labels.items()) <= set(ls)]
    if len(found) > 1:
        raise AssertionError(f"{len(found)} series of {metric_name} match {labels}")
    return found[0] if found else None


def cert(name, status=None, issuer="letsencrypt", ns="prod"):
    obj = {"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
           "metadata": {"name": name, "namespace": ns},
           "spec": {"secretName": f"{name}-tls", "dnsNames": [f"{name}.example.com"],
                    "issuerRef": {"name": issuer, "kind": "ClusterIssuer",
                                  "group": "cert-manager.io"}}}
    if status is not None:
        obj["status"] = status
    return obj


def cond(type_, status, reason="", message="", since=None):
    c = {"type": type_, "status": status, "reason": reason, "message": message}
    if since is not None:
        c["lastTransitionTime"] = tl.rfc3339(since)
    return c


def fixtures(now):
    ts = tl.rfc3339
    return [
        {"apiVersion": "cert-manager.io/v1", "kind": "ClusterIssuer",
         "metadata": {"name": "letsencrypt"},
         "spec": {"acme": {"server": "https://acme-v02.api.letsencrypt.org/directory"}},
         "status": {"conditions": [cond("Ready", "True", "ACMEAccountRegistered")]}},
        cert("ready", {"conditions": [cond("Ready", "True", "Ready",
                                           "Certificate is up to date and has not expired")],
                       "notBefore": ts(now - 2 * DAY), "notAfter": ts(now + 60 * DAY),
                       "renewalTime": ts(now + 30 * DAY), "revision": 1}),
        cert("expiring", {"conditions": [cond("Ready", "True", "Ready")],
                          "notBefore": ts(now - 89 * DAY), "notAfter": ts(now + DAY),
                          "renewalTime": ts(now - 3 * HOUR), "revision": 1}),
        cert("limited", {"conditions": [
            cond("Ready", "False", "Failed", "issuance failed"),
            cond("Issuing", "False", "Failed",
                 "The certificate request has failed to complete and will be retried: "
                 + RATE_LIMIT)],
            "failedIssuanceAttempts": 2, "lastFailureTime": ts(now - HOUR), "revision": 1}),
        {"apiVersion": "cert-manager.io/v1", "kind": "CertificateRequest",
         "metadata": {"name": "limited-2", "namespace": "prod",
                      "annotations": {"cert-manager.io/certificate-name": "limited",
                                      "cert-manager.io/certificate-revision": "2"}},
         "spec": {"issuerRef": {"name": "letsencrypt", "kind": "ClusterIssuer",
                                "group": "cert-manager.io"}},
         "status": {"conditions": [
             cond("Approved", "True"),
             cond("Ready", "False", "Failed",
                  'Failed to wait for order resource "limited-2-123" to become ready: order is '
                  'in "errored" state: ' + RATE_LIMIT)]}},
        {"apiVersion": "acme.cert-manager.io/v1", "kind": "Order",
         "metadata": {"name": "limited-2-123", "namespace": "prod",
                      "ownerReferences": [{"apiVersion": "cert-manager.io/v1",
                                           "kind": "CertificateRequest", "name": "limited-2",
                                           "uid": "x", "controller": True}]},
         "spec": {"dnsNames": ["limited.example.com"],
                  "issuerRef": {"name": "letsencrypt", "kind": "ClusterIssuer"}},
         "status": {"state": "errored", "reason": RATE_LIMIT}},
        cert("issuing", {"conditions": [
            cond("Ready", "False", "DoesNotExist", "Issuing certificate as Secret does not exist"),
            cond("Issuing", "True", "DoesNotExist", "Issuing certificate as Secret does not exist",
                 since=now - 600)]}),
        {"apiVersion": "cert-manager.io/v1", "kind": "CertificateRequest",
         "metadata": {"name": "issuing-1", "namespace": "prod",
                      "annotations": {"cert-manager.io/certificate-name": "issuing",
                                      "cert-manager.io/certificate-revision": "1"}},
         "spec": {"issuerRef": {"name": "letsencrypt", "kind": "ClusterIssuer"}},
         "status": {"conditions": [cond("Approved", "True"), cond("Ready", "False", "Pending")]}},
        {"apiVersion": "acme.cert-manager.io/v1", "kind": "Order",
         "metadata": {"name": "issuing-1-55", "namespace": "prod",
                      "ownerReferences": [{"kind": "CertificateRequest", "name": "issuing-1",
                                           "controller": True}]},
         "spec": {"dnsNames": ["issuing.example.com"],
                  "issuerRef": {"name": "letsencrypt", "kind": "ClusterIssuer"}},
         "status": {"state": "pending"}},
        {"apiVersion": "acme.cert-manager.io/v1", "kind": "Challenge",
         "metadata": {"name": "issuing-1-55-77", "namespace": "prod",
                      "creationTimestamp": ts(now - 500),
                      "ownerReferences": [{"kind": "Order", "name": "issuing-1-55",
                                           "controller": True}]},
         "spec": {"type": "DNS-01", "dnsName": "issuing.example.com", "key": "abc",
                  "issuerRef": {"name": "letsencrypt", "kind": "ClusterIssuer"}},
         "status": {"presented": True, "processing": True, "state": "pending",
                    "reason": "Waiting for DNS-01 challenge propagation"}},
        cert("fresh"),
    ]


def config(kubeconfig="", extra=""):
    return f"""kubernetes:
  enabled: true
  kubeconfig: "{kubeconfig}"
  ingresses: false
{extra}dns_probes:
  resolvers: []
"""


class KubeServeTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tl.tempdir()
        self.dir = self._tmp.__enter__()
        self.addCleanup(self._tmp.__exit__, None, None, None)
        self.now = int(time.time())

    def start_kube(self, **kw):
        kube = tl.FakeKube(self.dir, **kw)
        self.addCleanup(kube.stop)
        kube.apply(*fixtures(self.now))
        return kube

    def serve(self, config_text, env=None):
        if env is None:
            s = tl.CertwatchServe(self.dir, config_text)
        else:
            s = _ServeWithEnv(self.dir, config_text, env)
        self.addCleanup(s.stop)
        return s

    def metrics(self, serve):
        status, _, body = serve.get("/metrics")
        self.assertEqual(status, 200)
        return tl.parse_metrics(body.decode())

    def value(self, serve, metric_name, **labels):
        return _metric(self.metrics(serve), metric_name, **labels)

    def wait_value(self, serve, expected, metric_name, timeout=20, **labels):
        def ok():
            return self.value(serve, metric_name, **labels) == expected
        try:
            return tl.wait_for(ok, timeout, what=f"{metric_name}{labels} == {expected}")
        except TimeoutError:
            self.fail(f"{metric_name}{labels}: want {expected}, have "
                      f"{self.value(serve, metric_name, **labels)}\n"
                      f"{serve.proc.output()[-3000:]}")

    def wait_up(self, serve, timeout=30):
        self.wait_value(serve, 1, "certwatch_source_up", timeout, source="kubernetes")

    def test_exact_metrics_and_watch_lifecycle(self):
        kube = self.start_kube(tls=True, token="t0ken")
        kube.clock_offset(-90)  # the API server is 90 s behind us
        s = self.serve(config(kube.kubeconfig))
        self.wait_up(s)
        tl.wait_for(lambda: s.get("/readyz")[0] == 200, 20, what="readyz")
        self.wait_value(s, 1, "certwatch_certificate_acme_rate_limited", name="limited",
                        **CERT_LABELS)
        m = self.metrics(s)

        def v(metric, name, **extra):
            return _metric(m, metric, name=name, **CERT_LABELS, **extra)

        self.assertEqual(v("certwatch_certificate_expiration_timestamp_seconds", "ready"),
                         self.now + 60 * DAY)
        self.assertEqual(v("certwatch_certificate_renewal_timestamp_seconds", "ready"),
                         self.now + 30 * DAY)
        self.assertEqual(v("certwatch_certificate_not_before_timestamp_seconds", "ready"),
                         self.now - 2 * DAY)
        for c, want in (("True", 1), ("False", 0), ("Unknown", 0)):
            self.assertEqual(v("certwatch_certificate_ready_status", "ready", condition=c), want)
            self.assertEqual(v("certwatch_certificate_ready_status", "limited", condition=c),
                             1 if c == "False" else 0)
            self.assertEqual(v("certwatch_certificate_ready_status", "fresh", condition=c),
                             1 if c == "Unknown" else 0)
        # metrics.sparse (the default): a healthy certificate carries no default-valued series.
        self.assertIsNone(v("certwatch_certificate_failure_reason", "ready", reason="none"))
        self.assertIsNone(v("certwatch_certificate_issuing_status", "ready"))
        self.assertIsNone(v("certwatch_certificate_failed_issuance_attempts", "ready"))
        self.assertEqual(v("certwatch_certificate_expiration_timestamp_seconds", "expiring"),
                         self.now + DAY)
        self.assertEqual(v("certwatch_certificate_failure_reason", "expiring",
                           reason="renewal_overdue"), 1)
        self.assertIsNone(v("certwatch_certificate_acme_rate_limited", "ready"))
        self.assertEqual(v("certwatch_certificate_failure_reason", "limited",
                           reason="rate_limited"), 1)
        self.assertEqual(v("certwatch_certificate_failed_issuance_attempts", "limited"), 2)
        self.assertEqual(v("certwatch_certificate_next_retry_timestamp_seconds", "limited"),
                         self.now - HOUR + 2 * HOUR)
        self.assertEqual(_metric(m, "certwatch_acme_rate_limit_errors_total",
                                   issuer_name="letsencrypt", issuer_kind="ClusterIssuer"), 1)
        self.assertEqual(v("certwatch_certificate_issuing_status", "issuing"), 1)
        self.assertEqual(v("certwatch_certificate_issuing_since_timestamp_seconds", "issuing"),
                         self.now - 600)
        self.assertEqual(v("certwatch_certificate_failure_reason", "issuing",
                           reason="challenge_pending"), 1)
        ch = dict(namespace="prod", name="issuing-1-55-77", domain="issuing.example.com",
                  type="DNS-01")
        self.assertEqual(_metric(m, "certwatch_acme_challenge_state", state="pending", **ch), 1)
        self.assertEqual(_metric(m, "certwatch_acme_challenge_presented", **ch), 1)
        self.assertEqual(v("certwatch_certificate_failure_reason", "fresh", reason="unknown"), 1)
        self.assertIsNone(v("certwatch_certificate_expiration_timestamp_seconds", "fresh"))
        self.assertEqual(_metric(m, "certwatch_acme_rate_limit_budget_issued",
                                   registered_domain="example.com"), 1)
        self.assertEqual(_metric(m, "certwatch_acme_rate_limit_budget_due",
                                   registered_domain="example.com"), 1)
        self.assertEqual(_metric(m, "certwatch_acme_rate_limit_budget_limit",
                                   registered_domain="example.com"), 50)
        skew = _metric(m, "certwatch_clock_skew_seconds", reference="kubernetes-apiserver")
        self.assertIsNotNone(skew)
        self.assertAlmostEqual(skew, 90, delta=2)
        self.assertEqual(_metric(m, "certwatch_issuer_ready_status", namespace="",
                                   name="letsencrypt", kind="ClusterIssuer", condition="True"), 1)

        # Add, change and delete during the watch.
        kube.apply(cert("ready", {"conditions": [cond("Ready", "True")],
                                  "notAfter": tl.rfc3339(self.now + 80 * DAY)}),
                   cert("late-addition", {"conditions": [cond("Ready", "False", "Pending")]}))
        kube.delete(cert("fresh"))
        self.wait_value(s, self.now + 80 * DAY,
                        "certwatch_certificate_expiration_timestamp_seconds", name="ready",
                        **CERT_LABELS)
        self.wait_value(s, 1, "certwatch_certificate_ready_status", name="late-addition",
                        condition="False", **CERT_LABELS)
        self.wait_value(s, None, "certwatch_certificate_ready_status", name="fresh",
                        condition="Unknown", **CERT_LABELS)

        # Outage: source_up 0, last state kept, staleness visible; then recovery.
        last_sync = self.value(s, "certwatch_source_last_sync_timestamp_seconds",
                               source="kubernetes")
        kube.set_down(True)
        self.wait_value(s, 0, "certwatch_source_up", source="kubernetes")
        self.assertEqual(self.value(s, "certwatch_certificate_expiration_timestamp_seconds",
                                    name="ready", **CERT_LABELS), self.now + 80 * DAY)
        time.sleep(1.5)
        self.assertLessEqual(self.value(s, "certwatch_source_last_sync_timestamp_seconds",
                                        source="kubernetes"), last_sync + 2)
        kube.set_down(False)
        kube.apply(cert("during-outage", {"conditions": [cond("Ready", "True")]}))
        self.wait_up(s, timeout=45)  # each watch retries on its own backoff (at most 10 s)
        self.wait_value(s, 1, "certwatch_certificate_ready_status", name="during-outage",
                        condition="True", **CERT_LABELS)

        # 410: history compacted; the watch relists (a streaming list, the fake serving
        # WatchList as kube-apiserver 1.32 does) and still sees a deletion made meanwhile.
        before = kube.stats()
        kube.expire()
        kube.delete(cert("expiring"))
        tl.wait_for(lambda: kube.stats()["watch_lists"] > before["watch_lists"], 20,
                    what="relist after 410")
        self.assertEqual(kube.stats()["lists"], before["lists"])
        self.wait_value(s, None, "certwatch_certificate_expiration_timestamp_seconds",
                        name="expiring", **CERT_LABELS)
        self.wait_up(s)

        # The state API carries the classification for the renewer.
        status, _, body = s.get("/api/v1/state")
        self.assertEqual(status, 200)
        self.assertIn("rate_limited", body.decode())

    def test_client_certificate_auth(self):
        ca = tl.CA(self.dir, name="client CA")
        client_cert, client_key = ca.issue("certwatch", sans=[])
        kube = self.start_kube(tls=True, client_ca=ca.cert)
        kc = kube.write_kubeconfig(os.path.join(self.dir, "client.kubeconfig"),
                                   client_cert=client_cert, client_key=client_key, embed=True)
        s = self.serve(config(kc))
        self.wait_up(s)
        self.assertEqual(self.value(s, "certwatch_certificate_expiration_timestamp_seconds",
                                    name="ready", **CERT_LABELS), self.now + 60 * DAY)
        # Without the certificate the fake refuses, and the source says so.
        bad = kube.write_kubeconfig(os.path.join(self.dir, "nocert.kubeconfig"))
        s2 = tl.CertwatchServe(self.dir, config(bad), name="serve-nocert")
        self.addCleanup(s2.stop)
        tl.wait_for(lambda: "401" in s2.proc.output(), 20, what="401 logged")
        self.assertEqual(self.value(s2, "certwatch_source_up", source="kubernetes"), 0)

    def test_in_cluster_with_token_rotation(self):
        sa = os.path.join(self.dir, "serviceaccount")
        os.makedirs(sa)
        token_path = os.path.join(sa, "token")
        server_token = os.path.join(self.dir, "server-token")
        for p in (token_path, server_token):
            with open(p, "w") as f:
                f.write("first-token\n")
        kube = self.start_kube(tls=True, token_file=server_token)
        with open(os.path.join(sa, "ca.crt"), "wb") as f, open(kube.ca.cert, "rb") as src:
            f.write(src.read())
        with open(os.path.join(sa, "namespace"), "w") as f:
            f.write("certwatch")
        env = {"KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": str(kube.port),
               "CERTWATCH_SERVICE_ACCOUNT_DIR": sa, "KUBECONFIG": ""}
        s = self.serve(config(""), env=env)
        self.wait_up(s)
        # Rotate: the server accepts only the new token from now on.
        for p in (server_token, token_path):
            with open(p + ".new", "w") as f:
                f.write("second-token\n")
            os.replace(p + ".new", p)
        kube.expire()  # forces new requests (relist + watch) with the rotated token
        kube.apply(cert("after-rotation", {"conditions": [cond("Ready", "True")]}))
        self.wait_value(s, 1, "certwatch_certificate_ready_status", name="after-rotation",
                        condition="True", **CERT_LABELS)
        self.wait_up(s)

    def test_tls_secrets_facts_without_keys(self):
        kube = self.start_kube()
        ca = tl.CA(self.dir)
        crt, key = ca.issue("web.example.com", days=45)
        with open(crt, "rb") as f:
            crt_b64 = base64.b64encode(f.read()).decode()
        with open(key, "rb") as f:
            key_b64 = base64.b64encode(f.read()).decode()
        kube.apply({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
                    "metadata": {"name": "web-tls", "namespace": "prod"},
                    "data": {"tls.crt": crt_b64, "tls.key": key_b64}},
                   {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                    "metadata": {"name": "other", "namespace": "prod"},
                    "data": {"password": "aHVudGVyMg=="}})
        s = self.serve(config(kube.kubeconfig, extra="  secrets: true\n"))
        self.wait_up(s)
        self.wait_value(s, tl.cert_not_after(crt), "certwatch_secret_cert_not_after_timestamp_seconds",
                        namespace="prod", secret="web-tls")
        self.assertIsNone(self.value(s, "certwatch_secret_cert_not_after_timestamp_seconds",
                                     namespace="prod", secret="other"))
        _, _, state = s.get("/api/v1/state")
        _, _, metrics = s.get("/metrics")
        key_body = "".join(open(key).read().splitlines()[1:-1])
        for blob in (state.decode(), metrics.decode()):
            self.assertNotIn(key_b64[:40], blob)
            self.assertNotIn(key_body[:40], blob)

    def test_renewer_events_fill_last_action(self):
        """The renewer's Events (and only its) tell a new renewer leader what was done."""
        def event(name, cert, action, type_, at, component="certwatch-renewer"):
            return {"apiVersion": "v1", "kind": "Event",
                    "metadata": {"name": name, "namespace": "prod",
                                 "annotations": {"certwatch.io/certificate": cert,
                                                 "certwatch.io/action": action}},
                    "involvedObject": {"kind": "Certificate", "name": cert.split("/")[1],
                                       "namespace": "prod"},
                    "reason": "Reissue", "type": type_, "eventTime": None,
                    "firstTimestamp": tl.rfc3339(at), "lastTimestamp": tl.rfc3339(at),
                    "source": {"component": component}, "reportingComponent": component}
        kube = self.start_kube()
        t0 = self.now - 3 * HOUR
        kube.apply(event("ready.1", "prod/ready", "reissue", "Normal", t0 + HOUR),
                   event("ready.0", "prod/ready", "delete_secret", "Normal", t0),
                   event("other.1", "prod/other", "reissue", "Normal", t0, component="kubelet"))
        s = self.serve(config(kube.kubeconfig))
        self.wait_up(s)

        def last_action():
            _, _, body = s.get("/api/v1/state")
            return json.loads(body)["renewer_last_action"]
        tl.wait_for(lambda: "prod/ready" in last_action(), 20, what="renewer_last_action")
        got = last_action()
        self.assertEqual(got["prod/ready"], {"action": "reissue", "result": "success",
                                             "at": t0 + HOUR})
        self.assertNotIn("prod/other", got, "an Event of another component was read")
        kube.apply(event("ready.2", "prod/ready", "switch_issuer", "Warning", t0 + 2 * HOUR))
        tl.wait_for(lambda: last_action()["prod/ready"] == {
            "action": "switch_issuer", "result": "error", "at": t0 + 2 * HOUR}, 20,
            what="the newer failed action")


class _ServeWithEnv(tl.CertwatchServe):
    """CertwatchServe with extra environment variables (in-cluster tests)."""

    def __init__(self, workdir, config_text, env, name="certwatch-serve-env"):
        self.workdir = workdir
        self.config_path = os.path.join(workdir, f"{name}.yaml")
        self.write_config(config_text)
        self.port = tl.free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.proc = tl.Proc([tl.BIN, "serve", "--config", self.config_path,
                             "--web.listen-address", self.address], workdir, name=name,
                            env=env)
        tl.wait_port("127.0.0.1", self.port, timeout=20)


if __name__ == "__main__":
    unittest.main()
