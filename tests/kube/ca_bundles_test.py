"""kubernetes.ca_bundles through the binary: `certwatch serve` reads the caBundles of webhook
configurations, APIServices and CRD conversion webhooks from the fake API server, exports each
CA's notAfter, and handshakes with each webhook where the API server would (the Service's
EndpointSlice addresses, SNI <service>.<namespace>.svc; or the url) to say whether the caBundle
verifies what is served. The cainjector-crash case: the webhook serves a leaf of CA-2 while the
caBundle holds only CA-1 -> 0 (stale_ca_bundle); a JSON patch of the caBundle to CA-2 -> 1, with
no restart."""

import base64
import json
import os
import time
import unittest

import certwatch_testlib as tl

NS = "certwatch-test"
SVC = "webhook-svc"
SNI = f"{SVC}.{NS}.svc"
HOST = "127.0.0.3"



def b64(path):
    with open(path, "rb") as f:
        return base64.b64encode(f.read()).decode()


def vwc(name, webhook, ca_bundle_b64, service=SVC, port=443):
    return {"apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "ValidatingWebhookConfiguration", "metadata": {"name": name},
            "webhooks": [{"name": webhook, "admissionReviewVersions": ["v1"],
                          "sideEffects": "None",
                          "clientConfig": {"caBundle": ca_bundle_b64,
                                           "service": {"namespace": NS, "name": service,
                                                       "path": "/validate", "port": port}}}]}


class CaBundlesTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tl.tempdir()
        self.dir = self._tmp.__enter__()
        self.addCleanup(self._tmp.__exit__, None, None, None)
        self.ca1 = tl.CA(self.dir, "Webhook CA 1")
        self.ca2 = tl.CA(self.dir, "Webhook CA 2")
        # The webhook already serves a leaf of the new CA (cert-manager renewed it), valid for
        # the name the API server sends and for the url's IP.
        self.leaf, key = self.ca2.issue("webhook", sans=[SNI, HOST], name="webhook-leaf")
        self.port = tl.free_port(HOST)
        self.server = tl.Proc(["openssl", "s_server", "-accept", f"{HOST}:{self.port}",
                               "-cert", self.leaf, "-key", key, "-www", "-quiet",
                               "-naccept", "1000000"], self.dir, name="s_server")
        self.addCleanup(self.server.stop)
        tl.wait_port(HOST, self.port)

        self.kube = tl.FakeKube(self.dir)
        self.addCleanup(self.kube.stop)
        self.kube.apply(
            {"apiVersion": "v1", "kind": "Service", "metadata": {"namespace": NS, "name": SVC},
             "spec": {"ports": [{"name": "https", "port": 443, "targetPort": "webhook"}]}},
            {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
             "metadata": {"namespace": NS, "name": f"{SVC}-abcde",
                          "labels": {"kubernetes.io/service-name": SVC}},
             "addressType": "IPv4",
             "endpoints": [{"addresses": [HOST], "conditions": {"ready": True}},
                           {"addresses": ["127.0.0.99"], "conditions": {"ready": False}}],
             "ports": [{"name": "https", "port": self.port, "protocol": "TCP"}]},
            # cainjector crashed before it wrote CA-2: the caBundle holds CA-1 only.
            vwc("example-webhook", "validate.example.com", b64(self.ca1.cert)),
            {"apiVersion": "admissionregistration.k8s.io/v1",
             "kind": "MutatingWebhookConfiguration", "metadata": {"name": "url-webhook"},
             "webhooks": [{"name": "mutate.example.com", "admissionReviewVersions": ["v1"],
                           "sideEffects": "None",
                           "clientConfig": {"caBundle": b64(self.ca2.cert),
                                            "url": f"https://{HOST}:{self.port}/mutate"}}]},
            {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
             "metadata": {"name": "widgets.example.com"},
             "spec": {"group": "example.com", "scope": "Namespaced",
                      "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
                      "versions": [{"name": "v1", "served": True, "storage": True}],
                      "conversion": {"strategy": "Webhook", "webhook": {
                          "conversionReviewVersions": ["v1"],
                          "clientConfig": {"caBundle": base64.b64encode(b"not a certificate").decode(),
                                           "service": {"namespace": NS, "name": SVC}}}}}})

    def serve(self, extra=""):
        serve = tl.CertwatchServe(self.dir, f"""kubernetes:
  enabled: true
  kubeconfig: "{self.kube.kubeconfig}"
  ingresses: false
{extra}tls_probes:
  interval: 1s
  timeout: 1s
""")
        self.addCleanup(serve.stop)
        return serve

    def wait_verdict(self, serve, name, want, reason):
        def current():
            m = serve.metrics()
            got = tl.metric(m, "certwatch_ca_bundle_verifies_served", name=name)
            reasons = sorted(dict(ls)["reason"] for (n, ls), v in m.items()
                             if n == "certwatch_ca_bundle_verify_failure" and v == 1
                             and dict(ls)["name"] == name)
            return (got, reasons) if (got, reasons) == (want, [reason] if reason else []) else None
        try:
            return tl.wait_for(current, timeout=30, interval=0.3, what=f"{name} {want} {reason}")
        except TimeoutError:
            m = serve.metrics()
            self.fail(f"{name}: {[(k, v) for k, v in m.items() if k[0].startswith('certwatch_ca_bundle')]}"
                      f"\n{serve.proc.output()[-3000:]}")

    def test_stale_ca_bundle_then_patched_without_restart(self):
        serve = self.serve()
        self.wait_verdict(serve, "example-webhook", 0, "stale_ca_bundle")
        self.wait_verdict(serve, "url-webhook", 1, None)
        self.wait_verdict(serve, "widgets.example.com", 0, "invalid_ca_bundle")
        m = serve.metrics()
        # Each CA of each caBundle, named by subject and serial.
        self.assertEqual(tl.metric(m, "certwatch_ca_bundle_cert_not_after_timestamp_seconds",
                                kind="ValidatingWebhookConfiguration", name="example-webhook",
                                webhook="validate.example.com", subject="CN=Webhook CA 1"),
                         tl.cert_not_after(self.ca1.cert))
        self.assertEqual(tl.metric(m, "certwatch_ca_bundle_verifies_served",
                                kind="MutatingWebhookConfiguration", webhook="mutate.example.com"), 1)
        self.assertEqual(tl.metric(m, "certwatch_ca_bundle_verifies_served",
                                kind="CustomResourceDefinition", webhook=""), 0)
        # The served leaf goes in the probe families, the endpoint named as it was reached.
        target = f"{HOST}:{self.port}"
        self.assertEqual(tl.metric(m, "certwatch_tls_cert_not_after_timestamp_seconds",
                                   target=target, server_name=SNI), tl.cert_not_after(self.leaf))
        self.assertEqual(tl.metric(m, "certwatch_tls_verify_result", target=target,
                                   server_name=SNI, reason="unknown_authority"), 1)
        info = [dict(ls) for (n, ls), v in m.items()
                if n == "certwatch_tls_info" and dict(ls)["server_name"] == SNI]
        self.assertEqual([i["source"] for i in info],
                         ["ca_bundle:ValidatingWebhookConfiguration/example-webhook/"
                          "validate.example.com"])
        # The not-ready endpoint is not probed.
        self.assertFalse(any(dict(ls).get("target", "").startswith("127.0.0.99")
                             for (n, ls), v in m.items()))

        # cainjector comes back and writes CA-2: a JSON patch, as it would be by hand.
        patch = [{"op": "replace", "path": "/webhooks/0/clientConfig/caBundle",
                  "value": b64(self.ca2.cert)}]
        tl.run(["kubectl", "--kubeconfig", self.kube.kubeconfig, "patch",
                "validatingwebhookconfiguration", "example-webhook", "--type=json",
                "-p", json.dumps(patch)])
        self.wait_verdict(serve, "example-webhook", 1, None)
        m = serve.metrics()
        self.assertEqual(tl.metric(m, "certwatch_ca_bundle_cert_not_after_timestamp_seconds",
                                name="example-webhook", subject="CN=Webhook CA 2"),
                         tl.cert_not_after(self.ca2.cert))
        self.assertIsNone(tl.metric(m, "certwatch_ca_bundle_cert_not_after_timestamp_seconds",
                                 name="example-webhook", subject="CN=Webhook CA 1"))

        # The webhook's pods go: nothing to verify against, so unreachable (not stale).
        self.kube.delete({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                          "metadata": {"namespace": NS, "name": f"{SVC}-abcde"}})
        self.wait_verdict(serve, "example-webhook", 0, "unreachable")

    def test_a_ca_bundle_with_two_cas_of_one_subject_gives_two_series(self):
        # A rotation bundle: the old and the new CA share a subject.
        old = tl.CA(os.path.join(self.dir, "old"), "Rotating CA")
        new = tl.CA(os.path.join(self.dir, "new"), "Rotating CA")
        with open(old.cert, "rb") as a, open(new.cert, "rb") as b:
            both = base64.b64encode(a.read() + b.read()).decode()
        self.kube.apply(vwc("rotating", "rotate.example.com", both))
        serve = self.serve()
        def two():
            m = serve.metrics()
            s = {dict(ls)["serial"]: v for (n, ls), v in m.items()
                 if n == "certwatch_ca_bundle_cert_not_after_timestamp_seconds"
                 and dict(ls)["name"] == "rotating" and dict(ls)["subject"] == "CN=Rotating CA"}
            return s if len(s) == 2 else None
        got = tl.wait_for(two, timeout=30, interval=0.3, what="two series of one subject")
        self.assertEqual(sorted(got.values()),
                         sorted([tl.cert_not_after(old.cert), tl.cert_not_after(new.cert)]))

    def test_verify_served_off_exports_only_the_cas(self):
        serve = self.serve("  ca_bundles: {enabled: true, verify_served: false}\n")
        tl.wait_for(lambda: tl.metric(serve.metrics(),
                                   "certwatch_ca_bundle_cert_not_after_timestamp_seconds",
                                   name="example-webhook") is not None,
                    timeout=30, interval=0.3, what="caBundle CAs")
        time.sleep(2)  # a few probe intervals
        m = serve.metrics()
        self.assertFalse([k for k in m if k[0] in ("certwatch_ca_bundle_verifies_served",
                                                   "certwatch_ca_bundle_verify_failure")])
        self.assertFalse([k for k in m if k[0] == "certwatch_tls_probe_success"])

    def status(self, name):
        r = tl.run([tl.BIN, "status", "webhook", name, "--kubeconfig", self.kube.kubeconfig],
                   timeout=60, check=False)
        return r.returncode, r.stdout, r.stderr

    def test_status_webhook_walks_to_one_verdict(self):
        code, out, err = self.status("example-webhook")
        self.assertEqual(code, 1, out + err)
        self.assertIn("ValidatingWebhookConfiguration example-webhook\n", out)
        self.assertIn("caBundle CA: CN=Webhook CA 1", out)
        self.assertIn(f"calls: {NS}/{SVC}:443 (SNI {SNI})", out)
        self.assertIn(f"endpoint {HOST}:{self.port}: serves CN=webhook issued by CN=Webhook CA 2",
                      out)
        self.assertIn("stale_ca_bundle", out)
        self.assertEqual(out.strip().splitlines()[-1],
                         "Verdict: NOT OK: webhook validate.example.com: stale_ca_bundle")

        code, out, err = self.status("url-webhook")
        self.assertEqual(code, 0, out + err)
        self.assertIn("the caBundle verifies it", out)
        self.assertEqual(out.strip().splitlines()[-1],
                         "Verdict: OK: every caBundle verifies what its 1 endpoint(s) serve")

        code, out, err = self.status("widgets.example.com")
        self.assertEqual(code, 1, out + err)
        self.assertIn("invalid_ca_bundle", out.strip().splitlines()[-1])

        code, out, err = self.status("no-such-webhook")
        self.assertEqual(code, 2)
        self.assertIn('named "no-such-webhook"', err)

    def test_off(self):
        serve = self.serve("  ca_bundles: false\n")
        tl.wait_for(lambda: tl.metric(serve.metrics(), "certwatch_source_up",
                                      source="kubernetes") == 1, timeout=30, interval=0.3,
                    what="kubernetes source up")
        m = serve.metrics()
        self.assertFalse([k for k in m if k[0].startswith("certwatch_ca_bundle_")])


if __name__ == "__main__":
    unittest.main()
